/** `budget ack TEAM 80 [YYYY-MM]`: what the Acknowledge button does, for Teams and the CLI. */
import { getTeam } from '../../budgets/store.js';
import { teamMonthAt } from '../../budgets/team-month.js';
import { NotFoundError } from '../../errors.js';
import type { CommandContext } from '../types.js';
import type { BudgetInput } from './parse.js';
import type { BudgetData } from './render.js';

export async function runAck(input: Extract<BudgetInput, { action: 'ack' }>, ctx: CommandContext) {
  const { deps } = ctx;
  const month =
    input.month ??
    teamMonthAt(
      deps.clock.now(),
      (await getTeam(deps.store, input.team))?.timeZone ?? deps.config.BEDROCK_COST_DEFAULT_TZ,
    ).month;
  const [{ acknowledgeReply }, { alertKeyOf }] = await Promise.all([
    import('../../budgets/actions.js'),
    import('../../budgets/alert-store.js'),
  ]);
  const key = alertKeyOf(input.team, month, input.alert);
  const reply = await acknowledgeReply(deps, key, ctx.caller).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
    const which = input.alert.kind === 'forecast' ? 'forecast' : `${input.alert.pct}%`;
    throw new NotFoundError(
      `${input.team} has no ${which} budget alert for ${month} to acknowledge (none was sent); \`budget ${input.team}\` shows where it stands.`,
    );
  });
  const data: BudgetData = { action: 'ack', teams: [], alert: { team: input.team, month, alert: key.sk } };
  return { command: 'budget', data, reply };
}

/** `budget delete TEAM`: remove a team's budget (audited), saying how to bring it back. */
import { deleteTeam, getTeam } from '../../budgets/store.js';
import type { CommandContext } from '../types.js';
import { forbidden, mayChangeBudget, unknownTeam } from './authorize.js';
import type { BudgetInput } from './parse.js';
import { type BudgetData, renderDelete, settingData } from './render.js';

export async function runDelete(input: Extract<BudgetInput, { action: 'delete' }>, ctx: CommandContext) {
  const { deps, caller } = ctx;
  const previous = await getTeam(deps.store, input.team);
  if (!previous) {
    // Refuse first when the caller could not delete it anyway: no hint about which teams exist.
    if (!mayChangeBudget(ctx, undefined)) throw forbidden(input.team);
    return unknownTeam(ctx, input.team, 'delete');
  }
  if (!mayChangeBudget(ctx, previous)) throw forbidden(input.team);
  await deleteTeam(deps.store, previous, {
    userId: caller.userId,
    ...(caller.userName ? { userName: caller.userName } : {}),
    now: deps.clock.now(),
  });
  deps.log.info('budget deleted', { team: previous.team, by: caller.userId });
  const data: BudgetData = { action: 'delete', teams: [], deleted: settingData(previous) };
  return { command: 'budget', data, reply: renderDelete(previous) };
}

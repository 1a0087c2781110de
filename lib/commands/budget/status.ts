/**
 * `budget [TEAM]`: where each team stands this month (budget, month to date, forecast, %
 * used). Reads the bill, so the worker answers it.
 */
import { budgetPositions, positionData } from '../../budgets/status.js';
import { getTeam, listTeams, type TeamProfile } from '../../budgets/store.js';
import type { TeamMonth } from '../../budgets/team-month.js';
import type { BudgetSpend } from '../../budgets/team-spend.js';
import { addDays, formatRange, formatTimestamp, monthName } from '../../clock.js';
import { roundCents } from '../../money.js';
import type { CommandContext } from '../types.js';
import { unknownTeam } from './authorize.js';
import type { BudgetInput } from './parse.js';
import { type BudgetData, renderAllTeams, renderNoBudgets, renderTeamStatus } from './render.js';

type StatusInput = Extract<BudgetInput, { action: 'status' }>;

/** The profile asked about (or every profile); an unknown team throws with the closest names. */
async function profilesFor(team: string | undefined, ctx: CommandContext): Promise<TeamProfile[]> {
  if (team === undefined) return listTeams(ctx.deps.store);
  const one = await getTeam(ctx.deps.store, team);
  return one ? [one] : unknownTeam(ctx, team, 'show');
}

/** The line under every status answer: the days covered, the cost basis and the bill's age. */
function statusContext(period: { start: string; end: string }, spend: BudgetSpend): string[] {
  const dataAsOf = `bill data as of ${formatTimestamp(spend.dataAsOf)}${spend.stale ? ' (cached: Cost Explorer is throttling)' : ''}`;
  return [
    `${formatRange(period)} · ${spend.costBasis} · ${dataAsOf}${spend.sourceKind === 'demo' ? ' · demo account' : ''}`,
  ];
}

export async function runStatus(asked: StatusInput, ctx: CommandContext) {
  const { deps } = ctx;
  // `--team` (or the chat's default team) answers for that team when none is named.
  const input = asked.team === undefined && ctx.team ? { ...asked, team: ctx.team } : asked;
  const one = input.team !== undefined;
  const profiles = await profilesFor(input.team, ctx);
  const { positions, spend } = await budgetPositions(deps, profiles, one ? { team: input.team! } : {});
  const month: TeamMonth = one ? positions[0]!.spend.month : spend.utcMonth;
  const monthLabel = monthName(month.start);
  const now = deps.clock.now();
  const through = now.toISOString().slice(0, 10);
  const period = { start: month.start, end: through < month.end ? addDays(through, 1) : month.end };
  const context = statusContext(period, spend);
  const data: BudgetData = {
    action: 'status',
    month: month.month,
    period,
    teams: positions.map(positionData),
    ...(one
      ? {}
      : {
          unattributedUsd: roundCents(spend.unattributedUsd),
          unbudgeted: spend.unbudgeted.map((t) => ({ team: t.team, mtdUsd: roundCents(t.usd) })),
        }),
    costBasis: spend.costBasis,
    dataAsOf: spend.dataAsOf.toISOString(),
  };
  const reply = one
    ? renderTeamStatus(positions[0]!, monthLabel, context)
    : positions.length
      ? renderAllTeams(positions, spend, monthLabel, context, now)
      : renderNoBudgets(spend, monthLabel, context);
  return { command: 'budget', data, reply };
}

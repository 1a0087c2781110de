/**
 * Where each team stands against its budget this month: spend so far (bill plus nowcast),
 * month-end forecast, percent used and status. Used by `budget [TEAM]` and the digest.
 */

import type { Deps } from '../context.js';
import { type Dec, roundCents } from '../money.js';
import type { ChatTarget } from '../reply/delivery.js';
import {
  type BudgetStatus,
  budgetStatus,
  forecastMonthEnd,
  type MonthEndForecast,
  percentUsed,
  spentOf,
} from './evaluate.js';
import type { TeamProfile } from './store.js';
import { type BudgetSpend, gatherBudgetSpend, type NowcastFn, type TeamSpendSnapshot } from './team-spend.js';

/** One team's position, exact. */
export interface TeamBudgetPosition {
  profile: TeamProfile;
  spend: TeamSpendSnapshot;
  /** Bill plus nowcast. */
  spentUsd: Dec;
  forecast: MonthEndForecast;
  pctUsed: Dec;
  status: BudgetStatus;
}

/** `budget` result data (docs/interfaces.md "Result data"): money in dollars rounded to the cent. */
export interface BudgetTeamData {
  team: string;
  budgetUsd: number;
  /** Month to date: the bill plus the estimate of what it does not show yet. */
  mtdUsd: number;
  /** The part of `mtdUsd` estimated from token metrics (not yet billed). */
  estimatedUsd: number;
  forecastUsd: number;
  /** Percent of the budget used, one decimal (85.2 = 85.2%). */
  pctUsed: number;
  status: BudgetStatus;
  /** Slack channel ID, or `teams:<host>` for a Teams webhook (never the URL). */
  channel?: string;
  month: string;
  thresholds: number[];
  timeZone: string;
}

/** How a destination is shown: the Slack channel ID, or the webhook's host only. */
export function describeDestination(target: ChatTarget | undefined): string | undefined {
  if (!target) return undefined;
  if (target.kind === 'slack') return target.channel;
  if (target.kind === 'teams-bot') return `teams-bot:${target.conversationId}`;
  try {
    return `teams:${new URL(target.webhookUrl).host}`;
  } catch {
    return 'teams:webhook';
  }
}

export function positionOf(profile: TeamProfile, spend: TeamSpendSnapshot, now: Date): TeamBudgetPosition {
  const spentUsd = spentOf(spend);
  const forecast = forecastMonthEnd({ spent: spentUsd, daily: spend.daily, month: spend.month, now });
  const forecastFinal = spend.forecastUsd ? { ...forecast, usd: spend.forecastUsd } : forecast;
  return {
    profile,
    spend,
    spentUsd,
    forecast: forecastFinal,
    pctUsed: percentUsed(spentUsd, profile.budgetUsd),
    status: budgetStatus(spentUsd, forecastFinal.usd, profile.budgetUsd),
  };
}

export function positionData(p: TeamBudgetPosition): BudgetTeamData {
  const channel = describeDestination(p.profile.target);
  return {
    team: p.profile.team,
    budgetUsd: roundCents(p.profile.budgetUsd),
    mtdUsd: roundCents(p.spentUsd),
    estimatedUsd: roundCents(p.spend.nowcastUsd),
    forecastUsd: roundCents(p.forecast.usd),
    pctUsed: p.pctUsed.toDecimalPlaces(1).toNumber(),
    status: p.status,
    ...(channel ? { channel } : {}),
    month: p.spend.month.month,
    thresholds: [...p.profile.thresholds],
    timeZone: p.profile.timeZone,
  };
}

export interface BudgetPositions {
  positions: TeamBudgetPosition[];
  spend: BudgetSpend;
}

/**
 * Every given team's position this month, from one Cost Explorer query.
 *
 * @example
 * const { positions } = await budgetPositions(deps, await listTeams(deps.store));
 */
export async function budgetPositions(
  deps: Deps,
  profiles: TeamProfile[],
  options: { team?: string; nowcast?: NowcastFn | false } = {},
): Promise<BudgetPositions> {
  // The alert runs' readings of today's token metrics: the same estimate as the alerts, read
  // again only when older than their cadence (one team asked about: older than an hour).
  const spend = await gatherBudgetSpend(deps, profiles, {
    ...options,
    cadence: {
      store: deps.store,
      refreshHours: options.team !== undefined ? 1 : deps.config.BEDROCK_COST_NOWCAST_HOURS,
      hotEveryRun: false,
      write: true,
    },
  });
  const now = deps.clock.now();
  const positions = profiles.map((profile) => positionOf(profile, spend.teams.get(profile.team)!, now));
  return { positions, spend };
}

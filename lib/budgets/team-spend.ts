/**
 * Gathering the spend that budgets are compared against, for every team at once:
 *
 * - Month to date from ONE Cost Explorer query grouped by the team tag (daily buckets,
 *   so the forecast can use the recent run rate). 10,000 teams cost the same request as
 *   one: per-team queries would cost $0.01 each, every hour.
 * - The nowcast: spend not yet in the bill (Cost Explorer lags by hours), estimated from
 *   CloudWatch token counts when a nowcast is available; zero otherwise, and said so.
 * - The top driver, only for the few teams that are about to be alerted: one more query
 *   grouped by team and service for those teams, this month against last month's pace.
 *
 * Everything is plain data afterwards; `evaluate.ts` decides.
 */
import {
  addDays,
  daysInMonth,
  monthName,
  parseIsoDate,
  startOfMonth,
  startOfPreviousMonth,
} from '../clock.js';
import type { Deps } from '../deps.js';
import { Dec, formatUsd, sumUsd, ZERO } from '../money.js';
import { estimateTodayByTeam } from '../spend/nowcast.js';
import { costBasisLabel, fetchLines, type SpendContext, spendContextOf, tagValueOf } from '../spend/query.js';
import type { TeamSpend } from './evaluate.js';
import type { TeamProfile } from './store.js';
import { type TeamMonth, teamMonthAt } from './team-month.js';

/**
 * Estimated spend of today (UTC, midnight to now) per team tag value, from token metrics.
 * Compared with the bill's partial today: only the excess is added.
 */
export type NowcastFn = (input: {
  ctx: SpendContext;
  teams: string[];
  /** When the bill's data was fetched. */
  billAsOf: Date;
}) => Promise<{ byTeam: Map<string, Dec>; note?: string }>;

export interface TeamSpendSnapshot extends TeamSpend {
  team: string;
  month: TeamMonth;
}

export interface BudgetSpend {
  /** Per budgeted team. */
  teams: Map<string, TeamSpendSnapshot>;
  /** Untagged spend this (UTC) month: shown as "unattributed", never dropped. */
  unattributedUsd: Dec;
  /** Tagged teams with spend this (UTC) month but no budget. */
  unbudgeted: { team: string; usd: Dec }[];
  /** UTC month the unattributed and unbudgeted figures cover. */
  utcMonth: TeamMonth;
  dataAsOf: Date;
  stale: boolean;
  costBasis: string;
  /** Billed Cost Explorer requests this took. */
  requests: number;
  /** True when a nowcast was added on top of the bill. */
  nowcast: boolean;
  sourceKind: 'aws' | 'demo';
  /** Bedrock services found in the bill (for the drivers query). */
  services: string[];
}

export interface GatherOptions {
  /** Only this team (a status question about one team): filters the query by its tag. */
  team?: string;
  /** Today's estimate from token metrics; default `spendNowcast(deps)`, `false` for the bill alone. */
  nowcast?: NowcastFn | false;
}

/**
 * The spend nowcast (CloudWatch tokens x catalog prices, per team through the application
 * inference profiles' tags): today's spend before the bill shows it.
 */
export function spendNowcast(deps: Deps): NowcastFn {
  return async ({ ctx }) => ({ byTeam: await estimateTodayByTeam(ctx, deps) });
}

/**
 * Month-to-date spend of every budgeted team, in one Cost Explorer query.
 *
 * @example
 * const spend = await gatherBudgetSpend(deps, await listTeams(deps.store));
 * spend.teams.get('search')?.billedUsd;
 */
export async function gatherBudgetSpend(
  deps: Deps,
  profiles: TeamProfile[],
  options: GatherOptions = {},
): Promise<BudgetSpend> {
  const ctx = await spendContextOf(deps);
  const now = ctx.now;
  const todayUtc = now.toISOString().slice(0, 10);
  const utcMonth = teamMonthAt(now, 'UTC');
  const months = new Map(profiles.map((p) => [p.team, teamMonthAt(now, p.timeZone)]));
  // One range covering every team's month: teams west of UTC may still be in last month
  // on the 1st; teams east of it already in the next (their month then has no bill yet).
  let start = utcMonth.start;
  for (const m of months.values()) if (m.start < start) start = m.start;
  const end = addDays(todayUtc, 1);
  const result = await fetchLines(ctx, {
    start,
    end,
    grouping: 'team',
    granularity: 'DAILY',
    ...(options.team !== undefined ? { team: options.team } : {}),
  });

  // team -> day -> amount
  const byTeam = new Map<string, Map<string, Dec>>();
  for (const line of result.lines) {
    const team = line.team ?? '';
    let days = byTeam.get(team);
    if (!days) {
      days = new Map();
      byTeam.set(team, days);
    }
    days.set(line.day, (days.get(line.day) ?? ZERO).plus(line.amount));
  }
  const sumMonth = (team: string, month: TeamMonth) => {
    const daily = [...(byTeam.get(team)?.entries() ?? [])]
      .filter(([day]) => day >= month.start && day < month.end)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([day, usd]) => ({ day, usd }));
    return { daily, usd: sumUsd(daily.map((d) => d.usd)) };
  };

  let nowcastByTeam = new Map<string, Dec>();
  const nowcast = options.nowcast === false ? undefined : (options.nowcast ?? spendNowcast(deps));
  if (nowcast && profiles.length) {
    try {
      nowcastByTeam = (await nowcast({ ctx, teams: profiles.map((p) => p.team), billAsOf: result.dataAsOf }))
        .byTeam;
    } catch (error) {
      // The nowcast is an improvement, not a dependency: alerts go out on the bill alone.
      deps.log.warn('budget nowcast unavailable', error);
    }
  }

  const teams = new Map<string, TeamSpendSnapshot>();
  for (const profile of profiles) {
    const month = months.get(profile.team)!;
    const { daily, usd } = sumMonth(profile.team, month);
    // The nowcast estimates all of today (UTC) from token metrics; the bill may already hold
    // part of today. Only the excess over the billed part is added, so nothing counts twice.
    const billedToday = daily.find((d) => d.day === todayUtc)?.usd ?? ZERO;
    const estimatedToday = nowcastByTeam.get(profile.team);
    const extra =
      estimatedToday && todayUtc >= month.start ? Dec.max(ZERO, estimatedToday.minus(billedToday)) : ZERO;
    teams.set(profile.team, { team: profile.team, month, billedUsd: usd, nowcastUsd: extra, daily });
  }
  const budgeted = new Set(profiles.map((p) => p.team));
  const unbudgeted = [...byTeam.keys()]
    .filter((t) => t !== '' && !budgeted.has(t))
    .map((team) => ({ team, usd: sumMonth(team, utcMonth).usd }))
    .filter((t) => !t.usd.isZero())
    .sort((a, b) => b.usd.comparedTo(a.usd) || a.team.localeCompare(b.team));
  return {
    teams,
    unattributedUsd: options.team === undefined ? sumMonth('', utcMonth).usd : ZERO,
    unbudgeted,
    utcMonth,
    dataAsOf: result.dataAsOf,
    stale: result.stale,
    costBasis: costBasisLabel(ctx.metric),
    requests: result.requests,
    nowcast: nowcastByTeam.size > 0,
    sourceKind: ctx.kind,
    services: result.services,
  };
}

/** Most teams whose drivers one run looks up (one query, filtered to these tag values). */
export const MAX_DRIVER_TEAMS = 100;

/** `Claude Sonnet 4.5 (Amazon Bedrock Edition)` -> `Claude Sonnet 4.5`. */
export function serviceLabel(service: string): string {
  if (service === 'Amazon Bedrock') return 'Amazon and open-weight models (Amazon Bedrock)';
  return service.replace(/\s*\(Amazon Bedrock Edition\)$/, '');
}

/**
 * The top driver of each listed team's month: the Bedrock service (for Marketplace models,
 * the model) whose spend grew most against last month's pace (last month's total scaled
 * to the same share of the month). One Cost Explorer request for all listed teams.
 *
 * Returns one line per team, e.g. `Claude Sonnet 4.5, +$1,900 against October's pace`.
 */
export async function findTopDrivers(
  deps: Deps,
  spend: Pick<BudgetSpend, 'services'>,
  teams: { team: string; month: TeamMonth }[],
): Promise<{ drivers: Map<string, string>; requests: number }> {
  const drivers = new Map<string, string>();
  const listed = teams.slice(0, MAX_DRIVER_TEAMS);
  const services = spend.services.filter((s) => s !== 'Amazon OpenSearch Service');
  if (!listed.length || !services.length) return { drivers, requests: 0 };
  const ctx = await spendContextOf(deps);
  const now = ctx.now;
  let start = listed[0]!.month.start;
  for (const t of listed) if (t.month.start < start) start = t.month.start;
  start = startOfPreviousMonth(start);
  const result = await ctx.costs.getCostAndUsage({
    start,
    end: addDays(now.toISOString().slice(0, 10), 1),
    granularity: 'MONTHLY',
    groupBy: [
      { type: 'TAG', key: ctx.teamTagKey },
      { type: 'DIMENSION', key: 'SERVICE' },
    ],
    services,
    recordTypes: ['Usage'],
    metric: ctx.metric,
    tag: { key: ctx.teamTagKey, values: listed.map((t) => t.team) },
  });
  // team -> service -> {current, previous}
  const table = new Map<string, Map<string, { current: Dec; previous: Dec }>>();
  const monthOf = new Map(listed.map((t) => [t.team, t.month]));
  for (const row of result.rows) {
    const team = tagValueOf(row.keys[0] ?? '');
    const month = monthOf.get(team);
    if (!month) continue;
    const service = row.keys[1] ?? 'unknown';
    const bucketMonth = startOfMonth(row.start);
    const services = table.get(team) ?? new Map<string, { current: Dec; previous: Dec }>();
    table.set(team, services);
    const cell = services.get(service) ?? { current: ZERO, previous: ZERO };
    if (bucketMonth === month.start) cell.current = cell.current.plus(row.amount);
    else if (bucketMonth === startOfPreviousMonth(month.start))
      cell.previous = cell.previous.plus(row.amount);
    services.set(service, cell);
  }
  for (const { team, month } of listed) {
    const services = table.get(team);
    if (!services?.size) continue;
    const previousStart = startOfPreviousMonth(month.start);
    // Share of the month elapsed, in UTC hours (the bill's days), to scale last month's total.
    const elapsed = Math.min(
      1,
      Math.max(
        0,
        (now.getTime() - parseIsoDate(month.start).getTime()) / (daysInMonth(month.start) * 86_400_000),
      ),
    );
    const ranked = [...services.entries()]
      .map(([service, c]) => ({
        service,
        current: c.current,
        pace: c.previous.times(elapsed),
        previous: c.previous,
      }))
      .map((r) => ({ ...r, delta: r.current.minus(r.pace) }))
      .sort((a, b) => b.delta.comparedTo(a.delta) || b.current.comparedTo(a.current));
    const top = ranked[0];
    if (!top) continue;
    const previousName = monthName(previousStart);
    if (top.delta.gt(0) && !top.previous.isZero()) {
      drivers.set(
        team,
        `${serviceLabel(top.service)}, ${formatUsd(top.delta, { signed: true, decimals: 0 })} against ${previousName}'s pace`,
      );
    } else if (top.previous.isZero() && top.current.gt(0)) {
      drivers.set(
        team,
        `${serviceLabel(top.service)}, new this month (${formatUsd(top.current, { decimals: 0 })})`,
      );
    } else {
      const biggest = [...ranked].sort((a, b) => b.current.comparedTo(a.current))[0]!;
      drivers.set(
        team,
        `${serviceLabel(biggest.service)}, ${formatUsd(biggest.current, { decimals: 0 })} so far (below ${previousName}'s pace)`,
      );
    }
  }
  return { drivers, requests: result.requests };
}

/**
 * Gathering the spend that budgets are compared against, for every team at once:
 *
 * - Month to date from ONE Cost Explorer query grouped by the team tag (daily buckets,
 *   so the forecast can use the recent run rate). 10,000 teams cost the same request as
 *   one: per-team queries would cost $0.01 each, every hour. Alert runs group it by team
 *   and SERVICE: no extra request, and it names each team's Marketplace models (Claude,
 *   Cohere, ...), whose usage types do not; the answer is longer (one row per team, day
 *   and service: twice the rows for teams using a native and a Marketplace model).
 * - The nowcast: spend not yet in the bill (Cost Explorer lags by hours), estimated from
 *   CloudWatch token counts when a nowcast is available; zero otherwise, and said so.
 * - The top driver, only for the few teams that are about to be alerted: one more query
 *   grouped by team and usage type for those teams (model and token class), this month
 *   against last month's pace. With service discovery, at most 3 requests a run.
 *
 * Everything is plain data afterwards; `evaluate.ts` decides.
 */

import { driverPhrase, explainChange } from '../analysis/explain.js';
import { forecastScopes } from '../analysis/forecast.js';
import { addDays, daysInMonth, monthName, parseIsoDate, startOfPreviousMonth } from '../clock.js';
import type { Deps } from '../context.js';
import { readTodayNowcast, writeTodayNowcast } from '../ledger/store.js';
import { Dec, formatUsd, sumUsd, ZERO } from '../money.js';
import { estimateTodayByTeam, unbilledPart } from '../spend/nowcast.js';
import {
  costBasisLabel,
  fetchLines,
  type SpendContext,
  type SpendLine,
  spendContextOf,
} from '../spend/query.js';
import { OPENSEARCH_SERVICE } from '../spend/usage-type.js';
import type { Store } from '../store/store.js';
import type { TeamSpend } from './evaluate.js';
import { nextNowcastState, planNowcastReads } from './nowcast-cadence.js';
import type { TeamProfile } from './store.js';
import { type TeamMonth, teamMonthAt } from './team-month.js';

/**
 * Estimated spend of today (UTC, midnight to now) per team tag value, from token metrics.
 * Compared with the bill's partial today: only the excess is added.
 */
export type NowcastFn = (input: {
  ctx: SpendContext;
  teams: string[];
}) => Promise<{ byTeam: Map<string, Dec>; note?: string }>;

export interface TeamSpendSnapshot extends TeamSpend {
  team: string;
  month: TeamMonth;
  /** When today's token metrics behind `nowcastUsd` were read (on the alert runs' cadence). */
  nowcastReadAt?: Date;
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
  /** First day (UTC) the month-to-date query covers. */
  billStart: string;
}

export interface GatherOptions {
  /** Only this team (a status question about one team): filters the query by its tag. */
  team?: string;
  /** Today's estimate from token metrics; default `spendNowcast(deps)`, `false` for the bill alone. */
  nowcast?: NowcastFn | false;
  /**
   * Read each team's token metrics on the alert runs' cadence (`nowcast-cadence.ts`),
   * keeping the last readings in the table; without it every team is read now.
   */
  cadence?: NowcastCadence;
}

export interface NowcastCadence {
  store: Store;
  refreshHours: number;
  /** Read teams within reach of a threshold every time (alert runs; default true). */
  hotEveryRun?: boolean;
  /** Keep this run's readings (false in dry runs). */
  write: boolean;
}

/**
 * Today's nowcast per team on the cadence: teams within reach of a threshold now, the others
 * when their last reading is old; the readings kept in the table for the next run.
 */
async function cadencedNowcast(
  cadence: NowcastCadence,
  now: Date,
  profiles: TeamProfile[],
  billOf: (p: TeamProfile) => { daily: { usd: Dec }[]; usd: Dec },
  io: {
    read: (teams: string[]) => Promise<Map<string, Dec> | undefined>;
    at: Map<string, Date>;
    log: Deps['log'];
  },
): Promise<Map<string, Dec>> {
  const state = await readTodayNowcast(cadence.store).catch((error: unknown) => {
    io.log.warn('nowcast cadence: last readings unavailable; every team is read', error);
    return undefined;
  });
  const plan = planNowcastReads({
    now,
    refreshHours: cadence.refreshHours,
    hotEveryRun: cadence.hotEveryRun ?? true,
    state,
    parse: (usd) => new Dec(usd),
    teams: profiles.map((p) => {
      const bill = billOf(p);
      const peak = bill.daily.reduce<Dec | undefined>((m, d) => (m?.gte(d.usd) ? m : d.usd), undefined);
      return {
        team: p.team,
        budgetUsd: p.budgetUsd,
        thresholds: p.thresholds,
        billedUsd: bill.usd,
        ...(peak ? { peakDayUsd: peak } : {}),
      };
    }),
  });
  const fresh = await io.read(profiles.map((p) => p.team).filter((t) => plan.read.has(t)));
  const out = new Map<string, Dec>();
  for (const [team, kept] of plan.kept) {
    out.set(team, kept.usd);
    io.at.set(team, kept.at);
  }
  // Metrics unreadable: the last readings stand, nothing new is recorded (the next run retries).
  if (!fresh) {
    const today = now.toISOString().slice(0, 10);
    for (const team of plan.read) {
      const last = state?.day === today ? state.teams[team] : undefined;
      if (!last) continue;
      out.set(team, new Dec(last.usd));
      io.at.set(team, new Date(last.at));
    }
    return out;
  }
  for (const team of plan.read) {
    out.set(team, fresh.get(team) ?? ZERO);
    io.at.set(team, now);
  }
  if (cadence.write && plan.read.size) {
    await writeTodayNowcast(cadence.store, nextNowcastState(now, state, fresh, plan.read)).catch(
      (error: unknown) => io.log.warn('nowcast cadence: could not keep this run’s readings', error),
    );
  }
  return out;
}

/**
 * The spend nowcast (CloudWatch tokens x catalog prices, per team through the application
 * inference profiles' tags): today's spend before the bill shows it.
 */
export function spendNowcast(deps: Deps): NowcastFn {
  return async ({ ctx, teams }) => ({ byTeam: await estimateTodayByTeam(ctx, deps, new Set(teams)) });
}

/** Team -> day -> amount. */
type DailyByTeam = Map<string, Map<string, Dec>>;

function dailyByTeam(lines: SpendLine[]): DailyByTeam {
  const byTeam: DailyByTeam = new Map();
  for (const line of lines) {
    const team = line.team ?? '';
    let days = byTeam.get(team);
    if (!days) {
      days = new Map();
      byTeam.set(team, days);
    }
    days.set(line.day, (days.get(line.day) ?? ZERO).plus(line.amount));
  }
  return byTeam;
}

/** A team's days of `month`, in order, and their sum. */
function sumMonth(byTeam: DailyByTeam, team: string, month: TeamMonth) {
  const daily = [...(byTeam.get(team)?.entries() ?? [])]
    .filter(([day]) => day >= month.start && day < month.end)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, usd]) => ({ day, usd }));
  return { daily, usd: sumUsd(daily.map((d) => d.usd)) };
}

/**
 * Today's estimate per team, or `undefined` when the metrics could not be read (the nowcast
 * is an improvement, not a dependency: alerts go out on the bill alone).
 */
function nowcastReader(
  deps: Deps,
  ctx: SpendContext,
  options: GatherOptions,
): (teams: string[]) => Promise<Map<string, Dec> | undefined> {
  const nowcast = options.nowcast === false ? undefined : (options.nowcast ?? spendNowcast(deps));
  return (teams) =>
    nowcast && teams.length
      ? Promise.resolve()
          .then(() => nowcast({ ctx, teams }))
          .then(
            (out) => out.byTeam,
            (error: unknown) => {
              deps.log.warn('budget nowcast unavailable', error);
              return undefined;
            },
          )
      : Promise.resolve(new Map<string, Dec>());
}

/** The one forecast per team (the same figure `forecast`, `budget`, alerts and digests show). */
async function teamForecasts(
  ctx: SpendContext,
  todayUtc: string,
  profiles: TeamProfile[],
  months: Map<string, TeamMonth>,
): Promise<Map<string, Dec>> {
  const forecasts = profiles.length
    ? await forecastScopes(
        ctx,
        todayUtc,
        profiles.map((p) => {
          const month = months.get(p.team)!;
          return { team: p.team, month: { start: month.start, end: month.end }, today: month.today };
        }),
      )
    : [];
  return new Map(profiles.map((p, i) => [p.team, forecasts[i]!.monthEndUsd]));
}

/** Tagged teams with spend this (UTC) month but no budget, biggest first. */
function unbudgetedTeams(byTeam: DailyByTeam, profiles: TeamProfile[], utcMonth: TeamMonth) {
  const budgeted = new Set(profiles.map((p) => p.team));
  return [...byTeam.keys()]
    .filter((t) => t !== '' && !budgeted.has(t))
    .map((team) => ({ team, usd: sumMonth(byTeam, team, utcMonth).usd }))
    .filter((t) => !t.usd.isZero())
    .sort((a, b) => b.usd.comparedTo(a.usd) || a.team.localeCompare(b.team));
}

/** What a team's snapshot is made of, beyond its own days. */
interface SnapshotInputs {
  /** The team's days of its month and their sum (`sumMonth`). */
  billOf: (profile: TeamProfile) => ReturnType<typeof sumMonth>;
  todayUtc: string;
  nowcastByTeam: Map<string, Dec>;
  nowcastAt: Map<string, Date>;
  forecastOf: Map<string, Dec>;
}

function teamSnapshot(profile: TeamProfile, month: TeamMonth, inputs: SnapshotInputs): TeamSpendSnapshot {
  const { todayUtc } = inputs;
  const { daily, usd } = inputs.billOf(profile);
  // The nowcast estimates all of today (UTC) from token metrics; the bill may already hold
  // part of today. Only the excess over the billed part is added, so nothing counts twice.
  const billedToday = daily.find((d) => d.day === todayUtc)?.usd ?? ZERO;
  const estimatedToday = inputs.nowcastByTeam.get(profile.team);
  const extra = estimatedToday && todayUtc >= month.start ? unbilledPart(estimatedToday, billedToday) : ZERO;
  const forecastUsd = inputs.forecastOf.get(profile.team);
  const readAt = inputs.nowcastAt.get(profile.team);
  return {
    team: profile.team,
    month,
    billedUsd: usd,
    nowcastUsd: extra,
    daily,
    ...(forecastUsd ? { forecastUsd } : {}),
    ...(readAt ? { nowcastReadAt: readAt } : {}),
  };
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
  const readNowcast = nowcastReader(deps, ctx, options);
  // Without a cadence the nowcast (CloudWatch and the Bedrock control plane) needs nothing
  // from the bill: it runs while the bill is read, not after it.
  const nowcasting = options.cadence ? undefined : readNowcast(profiles.map((p) => p.team));
  const result = await fetchLines(ctx, {
    start,
    end: addDays(todayUtc, 1),
    grouping: 'team',
    granularity: 'DAILY',
    // Budgets compare amounts: no usage quantities summed (360,000 rows at 10,000 teams).
    quantities: false,
    ...(options.team !== undefined ? { team: options.team } : {}),
  });
  const byTeam = dailyByTeam(result.lines);
  // Each team's month summed once (the cadence and the snapshot both read it).
  const bills = new Map<string, ReturnType<typeof sumMonth>>();
  const billOf = (p: TeamProfile) => {
    let bill = bills.get(p.team);
    if (!bill) {
      bill = sumMonth(byTeam, p.team, months.get(p.team)!);
      bills.set(p.team, bill);
    }
    return bill;
  };
  const nowcastAt = new Map<string, Date>();
  const nowcastByTeam = nowcasting
    ? ((await nowcasting) ?? new Map<string, Dec>())
    : await cadencedNowcast(options.cadence!, now, profiles, billOf, {
        read: readNowcast,
        at: nowcastAt,
        log: deps.log,
      });
  const forecastOf = await teamForecasts(ctx, todayUtc, profiles, months);
  const inputs: SnapshotInputs = { billOf, todayUtc, nowcastByTeam, nowcastAt, forecastOf };
  const teams = new Map(profiles.map((p) => [p.team, teamSnapshot(p, months.get(p.team)!, inputs)]));
  return {
    teams,
    unattributedUsd: options.team === undefined ? sumMonth(byTeam, '', utcMonth).usd : ZERO,
    unbudgeted: unbudgetedTeams(byTeam, profiles, utcMonth),
    utcMonth,
    dataAsOf: result.dataAsOf,
    stale: result.stale,
    costBasis: costBasisLabel(ctx.metric),
    requests: result.requests,
    nowcast: nowcastByTeam.size > 0,
    sourceKind: ctx.kind,
    services: result.services,
    billStart: start,
  };
}

/** Most teams whose drivers one run looks up (one query, filtered to these tag values). */
export const MAX_DRIVER_TEAMS = 100;

/** Share of a team's month elapsed at `now`, in UTC hours (the bill's days): scales last month to a pace. */
function elapsedShare(month: TeamMonth, now: Date): number {
  const share =
    (now.getTime() - parseIsoDate(month.start).getTime()) / (daysInMonth(month.start) * 86_400_000);
  return Math.min(1, Math.max(0, share));
}

/**
 * One team's top driver: what grew most against last month's pace, else what is new this
 * month, else (nothing grew) what this month's money goes to, below pace.
 */
function topDriverOf(
  team: string,
  month: TeamMonth,
  lines: SpendLine[],
  end: string,
  now: Date,
): string | undefined {
  const previousStart = startOfPreviousMonth(month.start);
  const explanation = explainChange(
    {
      current: { start: month.start, end: [month.end, end].sort()[0]! },
      previous: { start: previousStart, end: month.start },
      lines,
      team,
    },
    {
      format: (d, signed) => formatUsd(d, { signed: Boolean(signed), decimals: 0 }),
      periodName: 'this month',
    },
  );
  const elapsed = elapsedShare(month, now);
  const ranked = explanation.drivers
    .map((d) => ({
      name: driverPhrase(d, { withTeam: false }),
      current: d.currentUsd,
      previous: d.previousUsd,
      delta: d.currentUsd.minus(d.previousUsd.times(elapsed)),
    }))
    .sort(
      (a, b) =>
        b.delta.comparedTo(a.delta) || b.current.comparedTo(a.current) || a.name.localeCompare(b.name),
    );
  const top = ranked[0];
  if (!top) return undefined;
  const previousName = monthName(previousStart);
  if (top.delta.gt(0) && !top.previous.isZero()) {
    return `${top.name}, ${formatUsd(top.delta, { signed: true, decimals: 0 })} against ${previousName}'s pace`;
  }
  if (top.previous.isZero() && top.current.gt(0)) {
    return `${top.name}, new this month (${formatUsd(top.current, { decimals: 0 })})`;
  }
  // Nothing grew: name what this month's money goes to, and say it is below pace.
  const biggest = [...ranked].sort((a, b) => b.current.comparedTo(a.current))[0]!;
  if (biggest.current.lte(0)) return undefined;
  return `${biggest.name}, ${formatUsd(biggest.current, { decimals: 0 })} so far (below ${previousName}'s pace)`;
}

/**
 * The top driver of each listed team's month: the model and token class (Claude Sonnet 4.5
 * output tokens, Nova Pro input tokens, Guardrails, ...) whose spend grew most against
 * last month's pace (last month's total scaled to the same share of the month).
 *
 * One ledger query for all listed teams (team x service x usage type, daily, filtered to
 * them; no Cost Explorer request once the ledger is synced); the lines are grouped into
 * drivers by the explanation engine (`explainChange`).
 *
 * Returns one line per team, e.g. `Claude Sonnet 4.5 output tokens, +$1,900 against October's pace`.
 */
export async function findTopDrivers(
  deps: Deps,
  spend: Pick<BudgetSpend, 'services' | 'billStart'>,
  teams: { team: string; month: TeamMonth }[],
): Promise<{ drivers: Map<string, string>; requests: number }> {
  const drivers = new Map<string, string>();
  const listed = teams.slice(0, MAX_DRIVER_TEAMS);
  const services = spend.services.filter((s) => s !== OPENSEARCH_SERVICE);
  if (!listed.length || !services.length) return { drivers, requests: 0 };
  const ctx = await spendContextOf(deps);
  const now = ctx.now;
  let start = listed[0]!.month.start;
  for (const t of listed) if (t.month.start < start) start = t.month.start;
  start = startOfPreviousMonth(start);
  const end = addDays(now.toISOString().slice(0, 10), 1);

  // The alerted teams' exact cells (team x service x usage type) from the ledger, at once.
  const result = await fetchLines(ctx, {
    start,
    end,
    grouping: 'team-service-usage',
    granularity: 'DAILY',
    teams: listed.map((t) => t.team),
  });
  const byTeam = new Map<string, SpendLine[]>();
  for (const line of result.lines) {
    const list = byTeam.get(line.team ?? '');
    if (list) list.push(line);
    else byTeam.set(line.team ?? '', [line]);
  }
  for (const { team, month } of listed) {
    const lines = byTeam.get(team);
    const driver = lines?.length ? topDriverOf(team, month, lines, end, now) : undefined;
    if (driver) drivers.set(team, driver);
  }
  return { drivers, requests: result.requests };
}

/**
 * How often the hourly alert run reads each team's token metrics (today's nowcast).
 *
 * CloudWatch bills GetMetricData per metric requested ($0.01 per 1,000), whatever the time
 * span: reading every application profile's four token metrics every hour was three
 * quarters of the bot's own AWS bill at 100 teams. The nowcast only changes an alert when it
 * can carry a team over its next threshold, so:
 *
 * - a team *within reach* of its next threshold (the headroom left is at most its peak
 *   billed day this month, or it has no billed day yet) is read every run;
 * - every other team is read when its last reading is `refreshHours` old (default 4), and
 *   at the first run of each UTC day;
 * - a team past all its thresholds is read on the slow cadence too (nothing left to cross;
 *   the figure only keeps `budget` answers current).
 *
 * Between readings a team's last estimate stands (a lower bound of today: the window is
 * midnight to the reading). `budget` and the Home tab use the same readings (the same figure
 * as the alerts), reading only teams whose reading is older than the cadence, or, for one
 * team asked about, older than an hour. Pure: callers pass the state kept and the bill.
 */

import type { TodayNowcast } from '../ledger/store.js';
import { type Dec, ZERO } from '../money.js';

export interface CadenceTeam {
  team: string;
  budgetUsd: Dec;
  /** Percent thresholds, ascending. */
  thresholds: number[];
  /** Month to date from the bill. */
  billedUsd: Dec;
  /** The largest billed day this month; undefined before the first. */
  peakDayUsd?: Dec;
}

export interface CadencePlan {
  /** Teams whose metrics this run reads. */
  read: Set<string>;
  /** Teams within reach of their next threshold (read every run). */
  hot: Set<string>;
  /** Last estimates kept for the teams not read (usd, and when it was read). */
  kept: Map<string, { usd: Dec; at: Date }>;
}

/**
 * Which teams to read now.
 *
 * @example
 * const plan = planNowcastReads({ now, refreshHours: 4, state, teams });
 * await nowcast({ ctx, teams: [...plan.read] });
 */
export function planNowcastReads(input: {
  now: Date;
  refreshHours: number;
  state: TodayNowcast | undefined;
  teams: CadenceTeam[];
  parse: (usd: string) => Dec;
  /** Read teams within reach every time (alert runs); chat answers use the readings kept. */
  hotEveryRun?: boolean;
}): CadencePlan {
  const { now, refreshHours, teams, parse } = input;
  const hotEveryRun = input.hotEveryRun ?? true;
  const today = now.toISOString().slice(0, 10);
  const state = input.state?.day === today ? input.state.teams : {};
  const read = new Set<string>();
  const hot = new Set<string>();
  const kept = new Map<string, { usd: Dec; at: Date }>();
  for (const t of teams) {
    const last = state[t.team];
    const lastUsd = last ? parse(last.usd) : ZERO;
    const spent = t.billedUsd.plus(lastUsd);
    const next = t.thresholds.find((pct) => spent.times(100).lt(t.budgetUsd.times(pct)));
    const within =
      next !== undefined &&
      (t.peakDayUsd === undefined || t.budgetUsd.times(next).div(100).minus(spent).lte(t.peakDayUsd));
    if (within) hot.add(t.team);
    const age = last ? (now.getTime() - Date.parse(last.at)) / 3_600_000 : Number.POSITIVE_INFINITY;
    if ((within && hotEveryRun) || age >= refreshHours) read.add(t.team);
    else kept.set(t.team, { usd: lastUsd, at: new Date(last!.at) });
  }
  return { read, hot, kept };
}

/** The state to keep after a run: fresh readings replace, kept ones stay. */
export function nextNowcastState(
  now: Date,
  previous: TodayNowcast | undefined,
  fresh: Map<string, Dec>,
  read: Set<string>,
): TodayNowcast {
  const today = now.toISOString().slice(0, 10);
  const teams: TodayNowcast['teams'] = previous?.day === today ? { ...previous.teams } : {};
  const at = now.toISOString();
  for (const team of read) teams[team] = { usd: (fresh.get(team) ?? ZERO).toString(), at };
  return { day: today, teams };
}

/** Readings this old are from an earlier run: answers say when they were read. */
const EARLIER_RUN_MS = 30 * 60_000;

/** Is a reading from an earlier run (worth "read <time>" in the answer)? */
export function readEarlier(now: Date, readAt: Date | undefined): readAt is Date {
  return readAt !== undefined && now.getTime() - readAt.getTime() >= EARLIER_RUN_MS;
}

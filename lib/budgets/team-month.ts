/**
 * A team's budget month. Budgets are monthly in the team's own time zone: a team in
 * Asia/Tokyo starts December nine hours before one in UTC, so its alert keys
 * (`ALERT#<team>#2026-12`) roll over at its own midnight. Cost Explorer days are UTC days,
 * so month-to-date spend is summed over the UTC days from the local 1st on: at most a few
 * hours of difference at the turn of the month, never a day counted twice.
 */
import { addDays, daysInMonth, localTime, monthId, startOfMonth, startOfNextMonth } from '../clock.js';

export interface TeamMonth {
  /** `2026-11` */
  month: string;
  /** First day of the month (inclusive ISO date). */
  start: string;
  /** First day of the next month (exclusive). */
  end: string;
  /** The team's local date now. */
  today: string;
  /** Days in the month. */
  days: number;
  /** Days left including today (`13` on Nov 18 of a 30-day month). */
  daysLeft: number;
  /** Last day of the month (`2026-11-30`), for "by Nov 30". */
  lastDay: string;
}

/**
 * Recent answers by instant and zone: an alert run asks once per team, and 10,000 teams
 * share a handful of zones (building an `Intl` formatter per team dominated the run).
 */
const cache = new Map<string, TeamMonth>();

/** The month `now` falls in, in `timeZone`. */
export function teamMonthAt(now: Date, timeZone: string): TeamMonth {
  const key = `${now.getTime()}|${timeZone}`;
  const hit = cache.get(key);
  if (hit) return { ...hit };
  const month = computeTeamMonth(now, timeZone);
  if (cache.size > 500) cache.clear();
  cache.set(key, month);
  return { ...month };
}

function computeTeamMonth(now: Date, timeZone: string): TeamMonth {
  const { date } = localTime(now, timeZone);
  const start = startOfMonth(date);
  const end = startOfNextMonth(date);
  const days = daysInMonth(date);
  return {
    month: monthId(date),
    start,
    end,
    today: date,
    days,
    daysLeft: days - Number(date.slice(8, 10)) + 1,
    lastDay: addDays(end, -1),
  };
}

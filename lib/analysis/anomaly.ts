/**
 * Day-level anomalies: the day whose spend is furthest from "the usual" for that weekday.
 * Bedrock spend has a strong weekly rhythm (batch jobs at night, people on weekdays), so a
 * Tuesday is compared with other Tuesdays first, and only with every other day when there
 * is no other Tuesday in the window.
 */
import { type DateRange, formatDay, isoWeekday } from '../clock.js';
import { type Dec, ZERO } from '../money.js';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const WEEKDAYS_SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export interface DayAnomaly {
  day: string;
  usd: Dec;
  /** The usual spend for that weekday (median of the comparison days). */
  baselineUsd: Dec;
  /** `usd - baselineUsd`: positive above the usual, negative below. */
  deltaUsd: Dec;
  /** What the baseline is: `Tuesday` (other Tuesdays) or `day` (every other day). */
  basis: 'weekday' | 'day';
}

function median(values: Dec[]): Dec {
  if (!values.length) return ZERO;
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : sorted[mid - 1]!.plus(sorted[mid]!).div(2);
}

/**
 * The biggest day-level anomaly in `range`, judged against every other day of `daily`
 * (which may extend before the range, e.g. the previous period). Days without a row count
 * as $0 only inside the window spanned by `daily`. Returns `undefined` with fewer than 3
 * days of history or when nothing deviates.
 */
export function biggestDayAnomaly(
  daily: { day: string; usd: Dec }[],
  range: DateRange,
): DayAnomaly | undefined {
  if (daily.length < 3) return undefined;
  // Each day's weekday once (not once per pair of days: a quarter of days is 8,000 pairs).
  const weekdays = daily.map((d) => isoWeekday(d.day));
  let best: DayAnomaly | undefined;
  for (let i = 0; i < daily.length; i++) {
    const point = daily[i]!;
    if (point.day < range.start || point.day >= range.end) continue;
    const sameWeekday: Dec[] = [];
    for (let j = 0; j < daily.length; j++) {
      const d = daily[j]!;
      if (d.day !== point.day && weekdays[j] === weekdays[i]) sameWeekday.push(d.usd);
    }
    const basis = sameWeekday.length ? 'weekday' : 'day';
    const baseline = median(
      sameWeekday.length ? sameWeekday : daily.filter((d) => d.day !== point.day).map((d) => d.usd),
    );
    const delta = point.usd.minus(baseline);
    if (!best || delta.abs().gt(best.deltaUsd.abs())) {
      best = { day: point.day, usd: point.usd, baselineUsd: baseline, deltaUsd: delta, basis };
    }
  }
  return best && !best.deltaUsd.isZero() ? best : undefined;
}

/** `Tue Nov 10` */
export function formatWeekdayDay(day: string): string {
  return `${WEEKDAYS_SHORT[isoWeekday(day) - 1]} ${formatDay(day)}`;
}

/** `Tuesday` */
export function weekdayName(day: string): string {
  return WEEKDAYS[isoWeekday(day) - 1] ?? '';
}

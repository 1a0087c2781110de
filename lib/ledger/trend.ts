/**
 * The usage trend: the weekday-aware run rate every forecast in the product uses (through
 * the ledger's `getCostForecast`). Each remaining day (today included, in full) is predicted
 * as the mean of the same weekday over the last two complete weeks (for a scope that started
 * spending since, the weeks it has, else its mean day); the 80 % interval widens
 * with how much days moved week over week lately, and with the horizon.
 */
import { addDays, daysBetween } from '../clock.js';
import { type Dec, ZERO } from '../money.js';
import type { CostForecast } from '../ports.js';

/**
 * `history`: daily totals of the 28 days before `today` (missing days count as zero).
 * Forecast `[max(from, today), end)`; `null` when there is no history at all.
 */
export function trendForecast(
  history: Map<string, Dec>,
  today: string,
  from: string,
  end: string,
): CostForecast | null {
  const start = from > today ? from : today;
  if (start >= end) return { total: ZERO, low: ZERO, high: ZERO };
  const withSpend = [...history.entries()]
    .filter(([, v]) => !v.isZero())
    .map(([d]) => d)
    .sort();
  const firstSpend = withSpend[0];
  if (!firstSpend) return null;
  // A scope that started spending recently is projected from the days since it started: the
  // same weekday where it has been seen, else its mean day (not from zeros before it existed).
  let seen = ZERO;
  let seenDays = 0;
  for (const [d, v] of history) {
    if (d >= firstSpend && d < today) {
      seen = seen.plus(v);
      seenDays++;
    }
  }
  const meanDay = seenDays ? seen.div(seenDays) : ZERO;
  const sameWeekdayMean = (day: string, weeks: number): Dec => {
    let sum = ZERO;
    let n = 0;
    for (let k = 1; k <= weeks; k++) {
      const d = addDays(day, -7 * k);
      if (d < firstSpend) continue;
      sum = sum.plus(history.get(d) ?? ZERO);
      n++;
    }
    return n ? sum.div(n) : meanDay;
  };
  // Noise: each of the last 14 days against the same weekday a week before it. The median
  // absolute change (scaled to a standard deviation) ignores a one-off step such as a new
  // provisioned throughput, as a forecaster trained on a longer history would.
  const changes: number[] = [];
  for (let k = 1; k <= 14; k++) {
    const d = addDays(today, -k);
    const before = history.get(addDays(d, -7)) ?? ZERO;
    if (!before.isZero()) changes.push(Math.abs((history.get(d) ?? ZERO).div(before).toNumber() - 1));
  }
  changes.sort((a, b) => a - b);
  const median = changes[Math.floor(changes.length / 2)] ?? 0;
  const sd = (1.4826 * median) / Math.SQRT2;
  let total = ZERO;
  let days = 0;
  for (let d = start; d < end; d = addDays(d, 1)) {
    // The same weekday in the last complete week before today, and the week before it.
    const weeksBack = Math.floor(daysBetween(today, d) / 7) + 1;
    total = total.plus(sameWeekdayMean(addDays(d, -7 * (weeksBack - 1)), 2));
    days++;
  }
  // 80 % interval: day-level noise averages out over many days, the run-rate itself may drift.
  const spread = Math.min(0.5, 0.02 + (1.28 * sd) / Math.sqrt(days) + 0.004 * days);
  const round = (d: Dec) => d.toDecimalPlaces(6);
  return { total: round(total), low: round(total.times(1 - spread)), high: round(total.times(1 + spread)) };
}

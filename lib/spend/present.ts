/**
 * The quiet context line every bill-based answer carries: the period, the cost basis, how
 * old the data is, and which recent days are still provisional. Cost Explorer refreshes up
 * to three times a day and the last ~48 hours keep changing as usage is rated, so an answer
 * that does not say so invites a wrong conclusion.
 */
import { type DateRange, formatRange, formatTimestamp, toIsoDate } from '../clock.js';
import type { CostMetric } from '../ports.js';
import { costBasisLabel } from './query.js';

export { earlierDay, laterDay } from '../clock.js';

import { earlierDay, laterDay } from '../clock.js';

/** Days (inclusive start, exclusive end) of the last 48 hours, which Cost Explorer may still revise. */
export function provisionalDays(now: Date): DateRange {
  const start = toIsoDate(new Date(now.getTime() - 48 * 3_600_000));
  return { start, end: toIsoDate(now) };
}

/** `Nov 16-17 provisional` when the range includes provisional days, else undefined. */
export function provisionalNote(range: DateRange, now: Date): string | undefined {
  const p = provisionalDays(now);
  const start = laterDay(range.start, p.start);
  const end = earlierDay(range.end, p.end);
  if (start >= end) return undefined;
  return `${formatRange({ start, end })} provisional`;
}

/** How old an answer is, for stale cache answers: `3 h old`. */
export function ageText(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min old`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h old` : `${Math.round(hours / 24)} days old`;
}

export interface ContextOptions {
  metric: CostMetric;
  dataAsOf: Date;
  now: Date;
  /** The ledger's last sync failed (Cost Explorer throttled or down), or it is overdue. */
  stale?: boolean;
  demo?: boolean;
  /** Ranges whose provisional days are worth naming (default: all given ranges). */
  ranges: DateRange[];
}

/**
 * `unblended cost, usage only · data as of Nov 18 06:00 UTC (Nov 16-17 provisional)`.
 * The period itself is prepended by the caller.
 */
export function billContext(options: ContextOptions): string[] {
  // The provisional days the ranges touch, named once: they lie in one 2-day window, so
  // together they are one span (`Dec 2-3`, not `Dec 3, Dec 2-3`).
  const touched = options.ranges
    .map((r) => provisionalNote(r, options.now) && r)
    .filter((r): r is DateRange => Boolean(r));
  const note = touched.length
    ? provisionalNote(
        {
          start: touched.map((r) => r.start).reduce(earlierDay),
          end: touched.map((r) => r.end).reduce(laterDay),
        },
        options.now,
      )
    : undefined;
  const asOf = `data as of ${formatTimestamp(options.dataAsOf)}${note ? ` (${note})` : ''}`;
  const parts = [costBasisLabel(options.metric), asOf];
  if (options.stale) {
    parts.push(
      `bill data ${ageText(options.dataAsOf, options.now)}: the ledger has not synced since (\`status\` says why), so newer days are not in this answer yet`,
    );
  }
  if (options.demo) parts.push('demo account');
  return parts;
}

/** `Nov 9-15` with the year when not the current one. */
export function periodText(range: DateRange, now: Date): string {
  const text = formatRange(range);
  const year = range.start.slice(0, 4);
  return year === toIsoDate(now).slice(0, 4) ? text : `${text} ${year}`;
}

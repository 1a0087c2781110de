/**
 * The chart of a `spend` answer over a range of days: daily spend stacked by model (or by
 * team for `by team`), the biggest five by name and the rest as "Other", with a sparkline
 * of the daily totals as its text stand-in. Built from the bill lines the answer already
 * has (no extra request); drawn at the edge (`lib/chat/charts.ts`).
 */
import type { DailyPoint } from '../chart/render.js';
import { sparkline } from '../chart/sparkline.js';
import { addDays, eachDay, formatRange } from '../clock.js';
import { type Dec, formatUsd, usd as toDec } from '../money.js';
import type { ReplyBlock } from '../reply/reply.js';
import type { SpendLine } from '../spend/query.js';
import { CHART_SERIES, groupOfLine } from '../spend/spend.js';
import type { Period } from './period.js';

/**
 * The image block, or undefined when there is nothing to draw over time (one day, monthly
 * buckets, no spend).
 *
 * @example
 * spendChartBlock({ period, lines, groupBy: 'model', who: 'Bedrock spend' });
 */
export function spendChartBlock(options: {
  period: Period;
  lines: SpendLine[];
  groupBy: string;
  who: string;
  /**
   * Every group's daily totals, when `lines` hold only the biggest groups' days (`spend by
   * team`, see `getSpend`); "Other" is then each day's total less the named series.
   */
  totals?: { daily: { day: string; usd: Dec }[]; groups: number };
}): Extract<ReplyBlock, { kind: 'image' }> | undefined {
  const { period, lines } = options;
  const days = eachDay(period);
  // Daily buckets only (a monthly query has nothing to draw day by day).
  if (days.length < 2 || !lines.length || lines.some((l) => l.end !== addDays(l.day, 1))) return undefined;
  const by = options.groupBy === 'team' ? 'team' : 'model';
  // Per series label, its total and its days (no key string built per line).
  const totals = new Map<string, number>();
  const cells = new Map<string, Map<string, number>>();
  const daily = new Map<string, number>();
  for (const line of lines) {
    const label = groupOfLine(line, by).label;
    const value = line.amount.toNumber();
    totals.set(label, (totals.get(label) ?? 0) + value);
    let byDay = cells.get(label);
    if (!byDay) {
      byDay = new Map();
      cells.set(label, byDay);
    }
    byDay.set(line.day, (byDay.get(line.day) ?? 0) + value);
    daily.set(line.day, (daily.get(line.day) ?? 0) + value);
  }
  const ranked = [...totals.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([label]) => label);
  if (!ranked.length) return undefined;
  const groupCount = options.totals?.groups ?? ranked.length;
  const named = groupCount > CHART_SERIES + 1 ? ranked.slice(0, CHART_SERIES) : ranked;
  const seriesOrder = groupCount > named.length ? [...named, 'Other'] : named;
  if (options.totals) {
    daily.clear();
    for (const d of options.totals.daily) daily.set(d.day, d.usd.toNumber());
  }
  const points: DailyPoint[] = [];
  const namedByDay = new Map<string, number>();
  for (const label of named) {
    for (const [day, value] of cells.get(label) ?? []) {
      points.push({ day, series: label, value });
      namedByDay.set(day, (namedByDay.get(day) ?? 0) + value);
    }
  }
  if (seriesOrder.length > named.length) {
    // Other: each day's total less the named series (what is left of the day).
    for (const day of days) {
      const value = (daily.get(day) ?? 0) - (namedByDay.get(day) ?? 0);
      if (Math.abs(value) >= 0.005) points.push({ day, series: 'Other', value });
    }
  }
  const values = days.map((d) => daily.get(d) ?? 0);
  const peak = Math.max(0, ...values);
  const range = formatRange(period);
  const title = `${options.who}, daily by ${by}, ${range}`;
  return {
    kind: 'image',
    alt: title,
    fallback: `${sparkline(values)}  daily, ${range}, peak ${formatUsd(toDec(peak), { decimals: 0 })}`,
    chart: { kind: 'daily', input: { title, points, seriesOrder } },
  };
}

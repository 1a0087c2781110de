/**
 * The chart of a `spend` answer over a range of days: daily spend stacked by model (or by
 * team for `by team`), the biggest five by name and the rest as "Other", with a sparkline
 * of the daily totals as its text stand-in. Built from the bill lines the answer already
 * has (no extra request); drawn at the edge (`lib/chat/charts.ts`).
 */
import type { DailyPoint } from '../chart/render.js';
import { sparkline } from '../chart/sparkline.js';
import { addDays, eachDay, formatRange } from '../clock.js';
import { formatUsd, usd as toDec } from '../money.js';
import type { ReplyBlock } from '../reply/reply.js';
import type { SpendLine } from '../spend/query.js';
import { groupOfLine } from '../spend/spend.js';
import type { Period } from './period.js';

/** Series drawn by name; the rest is "Other". */
const SERIES = 5;

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
}): Extract<ReplyBlock, { kind: 'image' }> | undefined {
  const { period, lines } = options;
  const days = eachDay(period);
  // Daily buckets only (a monthly query has nothing to draw day by day).
  if (days.length < 2 || !lines.length || lines.some((l) => l.end !== addDays(l.day, 1))) return undefined;
  const by = options.groupBy === 'team' ? 'team' : 'model';
  const totals = new Map<string, number>();
  const cells = new Map<string, number>();
  const daily = new Map<string, number>();
  for (const line of lines) {
    const label = groupOfLine(line, by).label;
    const value = line.amount.toNumber();
    totals.set(label, (totals.get(label) ?? 0) + value);
    cells.set(`${line.day}\u0000${label}`, (cells.get(`${line.day}\u0000${label}`) ?? 0) + value);
    daily.set(line.day, (daily.get(line.day) ?? 0) + value);
  }
  const ranked = [...totals.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([label]) => label);
  if (!ranked.length) return undefined;
  const named = ranked.length > SERIES + 1 ? ranked.slice(0, SERIES) : ranked;
  const seriesOrder = ranked.length > named.length ? [...named, 'Other'] : named;
  const points = new Map<string, DailyPoint>();
  for (const [key, value] of cells) {
    const [day = '', label = ''] = key.split('\u0000');
    const series = named.includes(label) ? label : 'Other';
    const at = `${day}\u0000${series}`;
    const point = points.get(at) ?? { day, series, value: 0 };
    point.value += value;
    points.set(at, point);
  }
  const values = days.map((d) => daily.get(d) ?? 0);
  const peak = Math.max(0, ...values);
  const range = formatRange(period);
  const title = `${options.who}, daily by ${by}, ${range}`;
  return {
    kind: 'image',
    alt: title,
    fallback: `${sparkline(values)}  daily, ${range}, peak ${formatUsd(toDec(peak), { decimals: 0 })}`,
    chart: { kind: 'daily', input: { title, points: [...points.values()], seriesOrder } },
  };
}

/**
 * What a digest says (UX.md "Weekly digest"), readable in 20 seconds:
 *
 *     search · week of Nov 9: $1,451 (+21%) · November so far $2,911 of $5,000 · forecast $5,300
 *     [chart: daily spend by model, 4 weeks]
 *     Why: Claude Sonnet 4.5 output tokens tripled (+$239) · ...
 *     Idle: ...
 *     Do: move the nightly re-ranking job to batch inference: about -$640 a month.
 *
 * Pure functions from the joined bill (`data.ts`) to numbers (`TeamDigest`) to a `Reply`;
 * the chart PNG is attached by the runner (it is the slow part).
 */

import { changeVerb, type Driver, driverPhrase, explainChange } from '../analysis/explain.js';
import type { TeamMonth } from '../budgets/team-month.js';
import type { DailyPoint } from '../chart/render.js';
import { weeklySparkline } from '../chart/sparkline.js';
import { type DateRange, eachDay, formatDay, formatRange, formatTimestamp, monthName } from '../clock.js';
import type { IdleFinding } from '../idle/scan.js';
import { Dec, formatPercentChange, formatUsd, sumUsd, ZERO } from '../money.js';
import type { Catalog } from '../pricing/catalog.js';
import type { Reply, ReplyBlock } from '../reply/reply.js';
import { type SpendLine, UNATTRIBUTED } from '../spend/query.js';
import { modelGroupOf } from '../spend/usage-type.js';
import { type Recommendation, recommend } from './recommend.js';
import type { DigestWeek } from './schedule.js';

/** Models drawn separately in the chart; the rest are "Other". */
export const CHART_SERIES = 6;

export interface TeamDigest {
  team: string;
  week: DigestWeek;
  lastWeekUsd: Dec;
  weekBeforeUsd: Dec;
  deltaUsd: Dec;
  /** Top drivers of the change (at most 3), largest first. */
  drivers: Driver[];
  month: TeamMonth;
  monthToDateUsd: Dec;
  forecastUsd: Dec;
  budgetUsd?: Dec;
  idle: IdleFinding[];
  recommendation?: Recommendation;
  chart: { title: string; points: DailyPoint[]; series: string[]; daily: number[]; range: DateRange };
}

const whole = (d: Dec) => formatUsd(d, { decimals: 0 });
const signedWhole = (d: Dec) => formatUsd(d, { decimals: 0, signed: true });

function within(line: SpendLine, range: DateRange): boolean {
  return line.day >= range.start && line.day < range.end;
}

/**
 * Daily spend per model over the chart's range, biggest models first, the tail as "Other".
 * `mustShow` (the models of the week's drivers) are always drawn on their own: the story
 * the text tells (a Nova Lite spike) must not disappear into "Other".
 */
export function chartData(
  lines: SpendLine[],
  range: DateRange,
  title: string,
  mustShow: readonly string[] = [],
): TeamDigest['chart'] {
  const days = eachDay(range);
  const byModel = new Map<string, Map<string, Dec>>();
  const totals = new Map<string, Dec>();
  for (const line of lines) {
    if (!within(line, range)) continue;
    const label = line.info ? modelGroupOf(line.info).label : (line.service ?? 'Other');
    const perDay = byModel.get(label) ?? new Map<string, Dec>();
    perDay.set(line.day, (perDay.get(line.day) ?? ZERO).plus(line.amount));
    byModel.set(label, perDay);
    totals.set(label, (totals.get(label) ?? ZERO).plus(line.amount));
  }
  const ranked = [...totals.entries()]
    .filter(([, usd]) => usd.gt(0))
    .sort((a, b) => b[1].comparedTo(a[1]))
    .map(([label]) => label);
  let shown = ranked;
  if (ranked.length > CHART_SERIES) {
    const drivers = ranked.filter((label) => mustShow.includes(label)).slice(0, CHART_SERIES - 1);
    const others = ranked.filter((label) => !drivers.includes(label));
    const kept = new Set([...drivers, ...others.slice(0, CHART_SERIES - 1 - drivers.length)]);
    shown = ranked.filter((label) => kept.has(label));
  }
  const series = ranked.length > shown.length ? [...shown, 'Other'] : shown;
  const points: DailyPoint[] = [];
  const daily = days.map(() => 0);
  for (const [label, perDay] of byModel) {
    const name = shown.includes(label) ? label : 'Other';
    days.forEach((day, i) => {
      const usd = perDay.get(day);
      if (!usd) return;
      const value = usd.toNumber();
      daily[i]! += value;
      points.push({ day, series: name, value });
    });
  }
  return { title, points, series, daily, range };
}

/**
 * The numbers of one team's digest (or of the whole account, for the FinOps overview).
 * `lines` are the team's SERVICE + USAGE_TYPE lines covering the chart's four weeks and
 * the month to date.
 */
export function buildTeamDigest(input: {
  team: string;
  lines: SpendLine[];
  week: DigestWeek;
  month: TeamMonth;
  now: Date;
  /** The month-end forecast: the product's one forecast (`forecastScopes`), as `budget` shows it. */
  forecastUsd: Dec;
  budgetUsd?: Dec;
  idle: IdleFinding[];
  catalog: Catalog | undefined;
  /** The overview explains by model across teams and names the team of each driver. */
  overview?: boolean;
}): TeamDigest {
  const { lines, week, month } = input;
  const explanation = explainChange(
    {
      current: week.lastWeek,
      previous: week.weekBefore,
      lines,
      // The overview's lines carry their team: each model driver names the team behind most
      // of its change ("... output tokens for team search tripled").
      ...(input.overview ? { teamLines: lines } : { team: input.team }),
    },
    { format: (d, signed) => formatUsd(d, { decimals: 0, signed }), periodName: 'last week' },
  );
  const monthLines = lines.filter((l) => l.day >= month.start && l.day < month.end);
  const monthToDateUsd = sumUsd(monthLines.map((l) => l.amount));
  const recommendation = recommend({
    catalog: input.catalog,
    lines,
    current: week.lastWeek,
    previous: week.weekBefore,
    idle: input.idle,
  });
  const who = input.overview ? 'All teams' : input.team;
  const drivers = explanation.drivers.filter((d) => !d.deltaUsd.abs().lt(0.5)).slice(0, 3);
  return {
    team: input.team,
    week,
    lastWeekUsd: explanation.current.totalUsd,
    weekBeforeUsd: explanation.previous.totalUsd,
    deltaUsd: explanation.deltaUsd,
    drivers,
    month,
    monthToDateUsd,
    forecastUsd: input.forecastUsd,
    ...(input.budgetUsd ? { budgetUsd: input.budgetUsd } : {}),
    idle: input.idle,
    ...(recommendation ? { recommendation } : {}),
    chart: chartData(
      lines,
      week.chart,
      `${who} · daily Bedrock spend by model, ${formatRange(week.chart)}`,
      drivers.flatMap((d) => (d.model ? [d.model] : [])),
    ),
  };
}

/** `Claude Sonnet 4.5 output tokens tripled (+$239)`. */
function driverText(d: Driver, withTeam: boolean): string {
  return `${driverPhrase(d, { withTeam })} ${changeVerb(d.previousUsd, d.currentUsd)} (${signedWhole(d.deltaUsd)})`;
}

/** `search · week of Nov 9: $1,451 (+21%) · November so far $2,911 of $5,000 · forecast $5,300` */
export function digestHeadline(d: TeamDigest, who: string): string {
  const change = d.weekBeforeUsd.isZero() ? '' : ` (${formatPercentChange(d.weekBeforeUsd, d.lastWeekUsd)})`;
  const month = `${monthName(d.month.start)} so far ${whole(d.monthToDateUsd)}${d.budgetUsd ? ` of ${whole(d.budgetUsd)}` : ''}`;
  return `${who} · week of ${formatDay(d.week.lastWeek.start)}: ${whole(d.lastWeekUsd)}${change} · ${month} · forecast ${whole(d.forecastUsd)}`;
}

/** The image block: the PNG when rendered, a weekly sparkline where images are off. */
export function chartBlock(d: TeamDigest, png?: Uint8Array): ReplyBlock {
  const peak = Math.max(0, ...d.chart.daily);
  const fallback = `${weeklySparkline(d.chart.daily)}  daily, ${formatRange(d.chart.range)}, peak ${whole(new Dec(peak))}`;
  return {
    kind: 'image',
    alt: d.chart.title,
    fallback,
    ...(png ? { png } : {}),
  };
}

function idleText(idle: IdleFinding[]): string | undefined {
  const flagged = idle.filter((f) => f.state === 'idle' || f.state === 'under-used');
  if (!flagged.length) return undefined;
  const parts = flagged.slice(0, 3).map((f) => {
    const wasted = f.wasted.gt(0) ? `, ${whole(f.wasted)} while idle` : '';
    const use =
      f.state === 'idle' ? `no calls in ${f.idleHours} h` : `idle ${f.idleHours} of ${f.billedHours} h`;
    return `${f.throughput.name} (${f.modelName}, ${use}${wasted})`;
  });
  const more = flagged.length > 3 ? ` and ${flagged.length - 3} more` : '';
  return `*Idle provisioned throughput:* ${parts.join('; ')}${more}.`;
}

/**
 * The digest as a `Reply`. `context` carries the periods, cost basis and data age.
 * `extra` blocks (the overview's team table) go after the explanation.
 */
export function digestReply(
  d: TeamDigest,
  options: {
    who: string;
    costBasis: string;
    dataAsOf: Date;
    kind: 'aws' | 'demo';
    png?: Uint8Array;
    withTeam?: boolean;
    extra?: ReplyBlock[];
  },
): Reply {
  const blocks: ReplyBlock[] = [chartBlock(d, options.png)];
  const why = d.drivers.length
    ? `*Why:* ${d.drivers.map((x) => driverText(x, options.withTeam ?? false)).join(' · ')}.`
    : d.lastWeekUsd.isZero() && d.weekBeforeUsd.isZero()
      ? '*Why:* no Bedrock spend in either week.'
      : '*Why:* spend held steady; no line moved by more than $1.';
  blocks.push({ kind: 'text', text: why });
  if (d.budgetUsd && d.forecastUsd.gt(d.budgetUsd)) {
    const over = d.forecastUsd.minus(d.budgetUsd);
    blocks.push({
      kind: 'text',
      text: `*Budget:* on track to end ${monthName(d.month.start)} ${whole(over)} over the ${whole(d.budgetUsd)} budget.`,
    });
  }
  const idle = idleText(d.idle);
  if (idle) blocks.push({ kind: 'text', text: idle });
  if (options.extra) blocks.push(...options.extra);
  blocks.push({
    kind: 'text',
    text: d.recommendation ? `*Do:* ${d.recommendation.text}` : '*Do:* nothing stands out this week.',
  });
  return {
    headline: digestHeadline(d, options.who),
    context: [
      `${formatRange(d.week.lastWeek)} vs ${formatRange(d.week.weekBefore)} · ${options.costBasis} · bill data as of ${formatTimestamp(options.dataAsOf)} (UTC days)${options.kind === 'demo' ? ' · demo account' : ''}`,
    ],
    blocks,
    visibility: 'in_channel',
  };
}

/** One row of the FinOps overview's team table. */
export interface OverviewRow {
  team: string;
  lastWeekUsd: Dec;
  weekBeforeUsd: Dec;
  monthToDateUsd: Dec;
  budgetUsd?: Dec;
  forecastUsd: Dec;
}

/** Teams shown by name in the overview table; the rest are summed in one line. */
export const OVERVIEW_ROWS = 15;

/** The FinOps overview's team table: biggest spenders first, unattributed spend shown. */
export function overviewTable(rows: OverviewRow[]): ReplyBlock {
  const sorted = [...rows].sort((a, b) => b.lastWeekUsd.comparedTo(a.lastWeekUsd));
  const shown = sorted.slice(0, OVERVIEW_ROWS);
  const rest = sorted.slice(OVERVIEW_ROWS);
  const cells = (r: OverviewRow, name: string) => [
    name,
    whole(r.lastWeekUsd),
    r.weekBeforeUsd.isZero() ? 'new' : formatPercentChange(r.weekBeforeUsd, r.lastWeekUsd),
    whole(r.monthToDateUsd),
    r.budgetUsd ? whole(r.budgetUsd) : '-',
    r.budgetUsd && r.forecastUsd.gt(r.budgetUsd) ? `${whole(r.forecastUsd)} !` : whole(r.forecastUsd),
  ];
  const table: string[][] = shown.map((r) => cells(r, r.team === '' ? UNATTRIBUTED : r.team));
  if (rest.length) {
    const sum = (f: (r: OverviewRow) => Dec) => sumUsd(rest.map(f));
    table.push(
      cells(
        {
          team: '',
          lastWeekUsd: sum((r) => r.lastWeekUsd),
          weekBeforeUsd: sum((r) => r.weekBeforeUsd),
          monthToDateUsd: sum((r) => r.monthToDateUsd),
          forecastUsd: sum((r) => r.forecastUsd),
        },
        `${rest.length} more teams`,
      ),
    );
  }
  return {
    kind: 'table',
    columns: [
      { header: 'Team' },
      { header: 'Last week', align: 'right' },
      { header: 'Change', align: 'right' },
      { header: 'Month so far', align: 'right' },
      { header: 'Budget', align: 'right' },
      { header: 'Forecast', align: 'right' },
    ],
    rows: table,
  };
}

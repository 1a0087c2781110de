/**
 * `spend`: totals and shares of Bedrock spend for a period, by model, team, usage type,
 * region or linked account, from the bill.
 */
import { addDays, type DateRange, daysBetween } from '../clock.js';
import { type Dec, shareOf, sumUsd, ZERO } from '../money.js';
import { fetchLines, type LineGrouping, type SpendContext, type SpendLine, UNATTRIBUTED } from './query.js';
import { describeUsage, modelGroupOf, OPENSEARCH_SERVICE } from './usage-type.js';

export type SpendGroupBy = 'model' | 'team' | 'usage' | 'region' | 'account' | 'service';

export const SPEND_GROUP_BYS: readonly SpendGroupBy[] = [
  'model',
  'team',
  'usage',
  'region',
  'account',
  'service',
];

export interface SpendQuery extends DateRange {
  groupBy: SpendGroupBy;
  /** Only this team's spend (tag value); `''` = untagged spend. */
  team?: string;
}

export interface SpendGroup {
  key: string;
  label: string;
  usd: Dec;
  /** Share of the total in [0, 1]. */
  share: number;
}

export interface SpendReport extends DateRange {
  groupBy: SpendGroupBy;
  team?: string;
  totalUsd: Dec;
  groups: SpendGroup[];
  /** Daily totals (for charts and "biggest day"), oldest first; empty for monthly buckets. */
  daily: { day: string; usd: Dec }[];
  /** True when Cost Explorer marked some of the data as estimated (recent days). */
  estimated: boolean;
  dataAsOf: Date;
  stale: boolean;
  requests: number;
  /**
   * The parsed bill lines behind the groups (by team over days: the biggest teams' daily
   * lines, what the chart names; `daily` has every team's days).
   */
  lines: SpendLine[];
  /** Set when `lines` hold only the biggest groups' days: the chart's "Other" comes from these. */
  chartTotals?: { daily: { day: string; usd: Dec }[]; groups: number };
}

const GROUPING: Record<SpendGroupBy, LineGrouping> = {
  model: 'usage',
  usage: 'usage',
  region: 'usage',
  service: 'usage',
  team: 'team-usage',
  account: 'account-usage',
};

/** The group a line belongs to, for each way of breaking spend down. */
export function groupOfLine(line: SpendLine, groupBy: SpendGroupBy): { key: string; label: string } {
  switch (groupBy) {
    case 'model':
      return line.info
        ? modelGroupOf(line.info)
        : { key: line.service ?? 'unknown', label: line.service ?? 'unknown' };
    case 'usage': {
      const key = `${line.service ?? ''}|${line.usageType ?? ''}`;
      return { key, label: line.info ? describeUsage(line.info) : (line.usageType ?? 'unknown') };
    }
    case 'region': {
      const region =
        line.info?.region ?? (line.info?.regionPrefix ? `unknown (${line.info.regionPrefix})` : 'no region');
      return { key: region, label: region };
    }
    case 'service':
      return { key: line.service ?? 'unknown', label: line.service ?? 'unknown' };
    case 'team': {
      const team = line.team ?? '';
      if (team === '' && line.info?.kind === 'knowledge-base') {
        return { key: UNATTRIBUTED, label: `${UNATTRIBUTED} (no team tag)` };
      }
      return team === ''
        ? { key: UNATTRIBUTED, label: `${UNATTRIBUTED} (no team tag)` }
        : { key: team, label: team };
    }
    case 'account':
      return { key: line.account ?? 'unknown', label: line.account ?? 'unknown' };
  }
}

/** Linked account names the ledger knows (CUR 2.0 names accounts), by ID; `{}` when none. */
async function accountNamesOf(ctx: SpendContext): Promise<Record<string, string>> {
  const ledger = ctx.costs as { meta?: () => Promise<{ accountNames?: Record<string, string> } | undefined> };
  if (typeof ledger.meta !== 'function') return {};
  return (await ledger.meta().catch(() => undefined))?.accountNames ?? {};
}

/** Sum lines into groups, biggest first (ties by label, for stable output). */
export function groupLines(
  lines: SpendLine[],
  keyOf: (line: SpendLine) => { key: string; label: string },
): { key: string; label: string; usd: Dec }[] {
  const groups = new Map<string, { key: string; label: string; usd: Dec }>();
  for (const line of lines) {
    const { key, label } = keyOf(line);
    const g = groups.get(key);
    if (g) g.usd = g.usd.plus(line.amount);
    else groups.set(key, { key, label, usd: line.amount });
  }
  return [...groups.values()].sort((a, b) => b.usd.comparedTo(a.usd) || a.label.localeCompare(b.label));
}

/** Daily totals of lines, oldest first. */
export function dailyTotals(lines: SpendLine[]): { day: string; usd: Dec }[] {
  const days = new Map<string, Dec>();
  for (const line of lines) days.set(line.day, (days.get(line.day) ?? ZERO).plus(line.amount));
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, usd]) => ({ day, usd }));
}

/** Series a daily chart names (the biggest groups); the rest is drawn as "Other". */
export const CHART_SERIES = 5;

/**
 * Spend for a period from the bill, grouped one way, with shares. One Cost Explorer
 * request per page of data (plus one cached service discovery).
 *
 * By team over days, the daily lines would be one per team, usage type and day (720,000
 * for a month at 10,000 teams): the groups come from the period's sums instead, the daily
 * totals from the usage types' days and the chart from the biggest teams' days. The same
 * facts and the same parse, so the figures are the ones the daily lines would give.
 *
 * @example
 * const report = await getSpend(await spendContextOf(deps), { start: '2026-11-01', end: '2026-11-19', groupBy: 'team' });
 * report.groups; // [{ key: 'search', label: 'search', usd: Dec(2911.04), share: 0.52 }, ...]
 */
export async function getSpend(ctx: SpendContext, query: SpendQuery): Promise<SpendReport> {
  const range = { start: query.start, end: query.end };
  const byTeamOverDays =
    query.groupBy === 'team' && query.team === undefined && daysBetween(query.start, query.end) <= 62;
  const result = await fetchLines(ctx, {
    ...range,
    grouping: GROUPING[query.groupBy],
    ...(query.team !== undefined ? { team: query.team } : {}),
    ...(byTeamOverDays ? { sumInto: [range] } : {}),
  });
  const total = sumUsd(result.lines.map((l) => l.amount));
  const names = query.groupBy === 'account' ? await accountNamesOf(ctx) : {};
  const groups = groupLines(result.lines, (l) => groupOfLine(l, query.groupBy))
    .filter((g) => !g.usd.isZero())
    .map((g) => ({
      ...g,
      ...(names[g.key] ? { label: `${names[g.key]} (${g.key})` } : {}),
      share: shareOf(g.usd, total),
    }));
  let requests = result.requests;
  let lines = result.lines;
  let daily: SpendReport['daily'];
  if (byTeamOverDays) {
    const days = await teamDays(ctx, range, groups);
    requests += days.requests;
    lines = days.lines;
    daily = days.daily;
  } else {
    daily = result.lines.some((l) => l.end !== addDays(l.day, 1)) ? [] : dailyTotals(result.lines);
  }
  return {
    start: query.start,
    end: query.end,
    groupBy: query.groupBy,
    ...(query.team !== undefined ? { team: query.team } : {}),
    totalUsd: total,
    groups,
    daily,
    estimated: result.lines.some((l) => l.estimated),
    dataAsOf: result.dataAsOf,
    stale: result.stale,
    requests,
    lines,
    ...(byTeamOverDays ? { chartTotals: { daily, groups: groups.length } } : {}),
  };
}

/** The daily totals (usage types by day) and the biggest teams' daily lines, for `spend by team`. */
async function teamDays(
  ctx: SpendContext,
  range: DateRange,
  groups: SpendGroup[],
): Promise<{ daily: SpendReport['daily']; lines: SpendLine[]; requests: number }> {
  const top = groups.slice(0, CHART_SERIES + 1).map((g) => (g.key === UNATTRIBUTED ? '' : g.key));
  const [days, teams] = await Promise.all([
    fetchLines(ctx, { ...range, grouping: 'usage-type', granularity: 'DAILY' }),
    top.length
      ? fetchLines(ctx, { ...range, grouping: 'team-usage', granularity: 'DAILY', teams: top })
      : undefined,
  ]);
  return {
    daily: dailyTotals(days.lines),
    lines: teams?.lines ?? [],
    requests: days.requests + (teams?.requests ?? 0),
  };
}

/** Is this line Knowledge Base vector-store spend (OpenSearch Serverless)? */
export function isKnowledgeBaseLine(line: SpendLine): boolean {
  return line.info?.kind === 'knowledge-base' || line.service === OPENSEARCH_SERVICE;
}

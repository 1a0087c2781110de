/**
 * Spend from the bill: which services to ask Cost Explorer about, how to ask, and how to
 * turn its rows into parsed lines. Every other spend question (`spend`, `why`, budgets,
 * the digest, `ask`) goes through `fetchLines`, so they all filter and attribute the same
 * way:
 *
 * - SERVICE in every Bedrock service found in the bill (`Amazon Bedrock` plus every
 *   `... (Amazon Bedrock Edition)` Marketplace service), plus `Amazon OpenSearch Service`
 *   for Knowledge Base OCU hours. A filter on `Amazon Bedrock` alone misses most of the
 *   spend, because third-party models are billed through Marketplace.
 * - RECORD_TYPE = Usage, so credits, refunds and tax do not hide or inflate usage.
 * - Team attribution from the cost allocation tag: `team$search`; untagged is `team$`,
 *   shown as "unattributed", never dropped.
 */

import { addDays, type DateRange, daysBetween } from '../clock.js';
import { costMetricOf } from '../config.js';
import { type Deps, otherRegions } from '../context.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { ExactSum } from '../exact-sum.js';
import { closestMatches, normaliseName } from '../fuzzy.js';
import { type Dec, ZERO } from '../money.js';
import type {
  BedrockControlPlane,
  CostDimension,
  CostMetric,
  CostQuery,
  CostRow,
  CostSource,
  DataSources,
  MetricsSource,
} from '../ports.js';
import { scopedTeamsOf } from '../scope.js';
import { modelNamesFromCatalog } from './model-names.js';
import {
  isBedrockService,
  type ModelNames,
  OPENSEARCH_SERVICE,
  parseUsageType,
  type UsageTypeInfo,
} from './usage-type.js';

/** What spend queries need: the data sources, the cost basis, the team tag, and now. */
export interface SpendContext {
  costs: CostSource;
  metrics?: MetricsSource;
  bedrock?: BedrockControlPlane;
  kind: DataSources['kind'];
  metric: CostMetric;
  teamTagKey: string;
  now: Date;
  /** Canonical model names (from the pricing catalog), when available. */
  names?: ModelNames;
  /**
   * CloudWatch and inference profiles of the other Regions the account uses Bedrock in
   * (`BEDROCK_COST_REGIONS`), built on first call: the nowcast adds their tokens.
   */
  otherRegions?: () => Promise<RegionalMetrics[]>;
}

/** One Region's CloudWatch and inference profiles. */
export interface RegionalMetrics {
  region: string;
  metrics: MetricsSource;
  bedrock?: BedrockControlPlane;
}

/** Build a `SpendContext` from the app's dependencies. */
export async function spendContextOf(deps: Deps): Promise<SpendContext> {
  const [sources, names] = await Promise.all([
    deps.sources(),
    deps
      .catalog()
      .then(modelNamesFromCatalog)
      .catch(() => undefined),
  ]);
  return {
    ...(names ? { names } : {}),
    costs: sources.costs,
    metrics: sources.metrics,
    bedrock: sources.bedrock,
    kind: sources.kind,
    metric: costMetricOf(deps.config.BEDROCK_COST_BASIS),
    teamTagKey: deps.config.TEAM_TAG_KEY,
    now: deps.clock.now(),
    ...(otherRegionsOf(deps) ?? {}),
  };
}

/** `otherRegions` for a `SpendContext`, when the deps can reach more Regions. */
function otherRegionsOf(deps: Deps): Pick<SpendContext, 'otherRegions'> | undefined {
  const regions = otherRegions(deps);
  const build = deps.regionSources;
  if (!regions.length || !build) return undefined;
  let built: Promise<RegionalMetrics[]> | undefined;
  return {
    otherRegions: () => {
      built ??= Promise.all(regions.map(async (region) => ({ region, ...(await build(region)) })));
      return built;
    },
  };
}

/** The label for untagged spend. */
export const UNATTRIBUTED = 'unattributed';

const METRIC_LABELS: Record<CostMetric, string> = {
  UnblendedCost: 'unblended cost',
  AmortizedCost: 'amortized cost',
  NetUnblendedCost: 'net unblended cost',
  NetAmortizedCost: 'net amortized cost',
};

/** `unblended cost, usage only`: what every answer states as its cost basis. */
export function costBasisLabel(metric: CostMetric): string {
  return `${METRIC_LABELS[metric]}, usage only`;
}

/**
 * The Bedrock-related services with cost in a range (GetDimensionValues SERVICE, one
 * request, cached by the cache decorator). OpenSearch is included when present: its
 * non-OCU lines are dropped later by the usage-type parser (`unrelated`).
 */
export async function discoverBedrockServices(costs: CostSource, range: DateRange): Promise<string[]> {
  const services = await costs.listServices(range);
  const bedrock = services.filter(isBedrockService).sort();
  if (services.includes(OPENSEARCH_SERVICE)) bedrock.push(OPENSEARCH_SERVICE);
  return bedrock;
}

/** How a spend query groups lines, besides the day. */
export type LineGrouping =
  | 'usage'
  | 'team-usage'
  | 'team-service'
  | 'account-usage'
  | 'team'
  /** Every cell of the ledger: team x service x usage type (exact; the ledger only). */
  | 'team-service-usage'
  /** Usage type alone, parsed as `team-usage` parses it: its lines sum to the same totals. */
  | 'usage-type';

/** One parsed Cost Explorer row. */
export interface SpendLine {
  /** Bucket start (a day for DAILY queries, a month start for MONTHLY). */
  day: string;
  end: string;
  service?: string;
  usageType?: string;
  /** Team tag value; `''` when untagged. Present for team groupings. */
  team?: string;
  account?: string;
  /** Parsed usage type (when the usage type, and the service, are known). */
  info?: UsageTypeInfo;
  amount: Dec;
  quantity: Dec;
  estimated: boolean;
}

export interface LinesResult {
  lines: SpendLine[];
  /** Billed Cost Explorer requests this took (0 when all answers came from the cache). */
  requests: number;
  /** When the oldest answer used was fetched from Cost Explorer. */
  dataAsOf: Date;
  /** True when some answer came from a stale cache because Cost Explorer was throttling. */
  stale: boolean;
  services: string[];
}

export interface LinesQuery extends DateRange {
  grouping: LineGrouping;
  /** Filter to one team tag value; `''` = untagged spend. */
  team?: string;
  /** Filter to several team tag values (one question for a few teams). */
  teams?: string[];
  granularity?: 'DAILY' | 'MONTHLY';
  /**
   * Sum the rows into these periods: one line per key and period (its `day` and `end` the
   * period's bounds, `estimated` if any row was) instead of one per row; rows outside every
   * period are left out. For callers that only need period totals (`why`'s team lines): a
   * quarter of daily team x service rows is tens of thousands of objects otherwise.
   */
  sumInto?: DateRange[];
  /** `false`: the asker reads amounts only; lines' `quantity` may be zero (`CostQuery.quantities`). */
  quantities?: false;
}

function groupByOf(grouping: LineGrouping, tagKey: string): CostDimension[] {
  const tag: CostDimension = { type: 'TAG', key: tagKey };
  const usage: CostDimension = { type: 'DIMENSION', key: 'USAGE_TYPE' };
  switch (grouping) {
    case 'usage':
      return [{ type: 'DIMENSION', key: 'SERVICE' }, usage];
    case 'team-usage':
      return [tag, usage];
    case 'team-service':
      return [tag, { type: 'DIMENSION', key: 'SERVICE' }];
    case 'account-usage':
      return [{ type: 'DIMENSION', key: 'LINKED_ACCOUNT' }, usage];
    case 'team':
      return [tag];
    case 'team-service-usage':
      return [tag, { type: 'DIMENSION', key: 'SERVICE' }, usage];
    case 'usage-type':
      return [usage];
  }
}

/** `team$search` -> `search`; `team$` -> `''` (untagged). Split on the first `$`. */
export function tagValueOf(key: string): string {
  const i = key.indexOf('$');
  return i >= 0 ? key.slice(i + 1) : key;
}

/**
 * Query the bill for Bedrock-related lines, parsed. Services are discovered first (one
 * cached request); with no Bedrock service in the range, no further request is made.
 * Lines of shared services that are not Bedrock-related (OpenSearch managed domains) are
 * dropped here; everything else is kept, unknown usage types included.
 */
export async function fetchLines(ctx: SpendContext, query: LinesQuery): Promise<LinesResult> {
  const services = await servicesFor(ctx, query);
  if (!services.length) return { lines: [], requests: 0, dataAsOf: ctx.now, stale: false, services };
  const result = await ctx.costs.getCostAndUsage(costQueryOf(ctx, query, services));
  const lineOf = lineMaker(ctx.names, query.grouping);
  const lines = query.sumInto
    ? summedLines(result.rows, query.sumInto, lineOf)
    : rowLines(result.rows, lineOf);
  return {
    lines,
    requests: result.requests,
    dataAsOf: result.fetchedAt ? new Date(result.fetchedAt) : ctx.now,
    stale: result.stale === true,
    services,
  };
}

/**
 * A DAILY `team-usage` query's amounts, each team's day folded into classes of its parsed
 * usage types (`classOf(info)`; lines `fetchLines` would drop are left out), when the bill
 * source can fold them itself (the ledger: `CostSource.getDailyClassSums`): team tag value
 * -> day -> each class's sum, the same sums as adding up `fetchLines`' lines. Undefined when
 * it cannot: ask `fetchLines`.
 */
export async function fetchDailyClasses(
  ctx: SpendContext,
  query: LinesQuery & { grouping: 'team-usage'; granularity: 'DAILY' },
  classOf: (info: UsageTypeInfo) => number,
  classes: number,
): Promise<(Omit<LinesResult, 'lines'> & { byTeam: Map<string, Map<string, Dec[]>> }) | undefined> {
  if (!ctx.costs.getDailyClassSums || query.sumInto) return undefined;
  const services = await servicesFor(ctx, query);
  if (!services.length) return { byTeam: new Map(), requests: 0, dataAsOf: ctx.now, stale: false, services };
  const parse = usageTypeParser(ctx.names);
  const result = await ctx.costs.getDailyClassSums(
    costQueryOf(ctx, query, services),
    (usageType) => {
      // As `lineMaker` parses a team-usage row.
      const info = parse(guessService(usageType), usageType);
      return info.kind === 'unrelated' ? -1 : classOf(info);
    },
    classes,
  );
  if (!result) return undefined;
  const byTeam = new Map<string, Map<string, Dec[]>>();
  for (const [key, days] of result.sums) byTeam.set(tagValueOf(key), days);
  return {
    byTeam,
    requests: result.requests,
    dataAsOf: result.fetchedAt ? new Date(result.fetchedAt) : ctx.now,
    stale: result.stale === true,
    services,
  };
}

/** The services a query asks about: the Bedrock services of its range. */
async function servicesFor(ctx: SpendContext, query: LinesQuery): Promise<string[]> {
  const services = await discoverBedrockServices(ctx.costs, { start: query.start, end: query.end });
  // Team x service grouping cannot tell OpenSearch Knowledge Base OCUs from managed
  // domains, so it covers the Bedrock services only (callers add KB lines separately).
  if (query.grouping === 'team-service' || query.grouping === 'team') {
    return services.filter((s) => s !== OPENSEARCH_SERVICE);
  }
  return services;
}

/** The Cost Explorer question for a lines query over these services. */
function costQueryOf(ctx: SpendContext, query: LinesQuery, services: string[]): CostQuery {
  const granularity = query.granularity ?? (daysBetween(query.start, query.end) > 62 ? 'MONTHLY' : 'DAILY');
  return {
    start: query.start,
    end: query.end,
    granularity,
    groupBy: groupByOf(query.grouping, ctx.teamTagKey),
    services,
    recordTypes: ['Usage'],
    metric: ctx.metric,
    ...(query.team !== undefined || query.teams
      ? { tag: { key: ctx.teamTagKey, values: query.teams ?? [query.team!] } }
      : {}),
    // The ledger sums into the periods itself (a few rows per key, not one per day); Cost
    // Explorer ignores this and its daily rows are summed below.
    ...(query.sumInto ? { buckets: query.sumInto } : {}),
    ...(query.quantities === false ? { quantities: false as const } : {}),
  };
}

/** Builds one line from a row's keys and figures; undefined when it is not Bedrock-related. */
type LineOf = (
  k0: string,
  k1: string,
  k2: string,
  day: string,
  end: string,
  amount: Dec,
  quantity: Dec,
  estimated: boolean,
) => SpendLine | undefined;

/**
 * The line builder of one grouping. Thousands of daily rows share a few dozen usage types
 * and teams: each is parsed once (two-level maps keyed by the row's own strings: no key is
 * built per row).
 */
function lineMaker(names: ModelNames | undefined, grouping: LineGrouping): LineOf {
  const parse = usageTypeParser(names);
  const teams = new Map<string, string>();
  const teamOf = (key: string): string => {
    let team = teams.get(key);
    if (team === undefined) {
      team = tagValueOf(key);
      teams.set(key, team);
    }
    return team;
  };
  // One object literal per grouping (same fields, same order, as one shape for the engine).
  return (k0, k1, k2, day, end, amount, quantity, estimated) => {
    switch (grouping) {
      case 'usage': {
        const info = parse(k0, k1);
        if (info.kind === 'unrelated') return undefined;
        return { day, end, amount, quantity, estimated, service: k0, usageType: k1, info };
      }
      case 'team-usage': {
        // Without the service, a Marketplace line is still tokens, but of an unknown
        // model: parse with the generic Bedrock service name.
        const info = parse(guessService(k1), k1);
        if (info.kind === 'unrelated') return undefined;
        return { day, end, amount, quantity, estimated, team: teamOf(k0), usageType: k1, info };
      }
      case 'team-service':
        return { day, end, amount, quantity, estimated, team: teamOf(k0), service: k1 };
      case 'account-usage': {
        const info = parse(guessService(k1), k1);
        if (info.kind === 'unrelated') return undefined;
        return { day, end, amount, quantity, estimated, account: k0, usageType: k1, info };
      }
      case 'team':
        return { day, end, amount, quantity, estimated, team: teamOf(k0) };
      case 'team-service-usage': {
        const info = parse(k1, k2);
        if (info.kind === 'unrelated') return undefined;
        return { day, end, amount, quantity, estimated, team: teamOf(k0), service: k1, usageType: k2, info };
      }
      case 'usage-type': {
        const info = parse(guessService(k0), k0);
        if (info.kind === 'unrelated') return undefined;
        return { day, end, amount, quantity, estimated, usageType: k0, info };
      }
    }
  };
}

/** Parses a (service, usage type), each once (the parsed cache). */
function usageTypeParser(
  names: ModelNames | undefined,
): (service: string, usageType: string) => UsageTypeInfo {
  const parsed = parsedUsageTypes(names);
  return (service, usageType) => {
    let byType = parsed.get(service);
    if (!byType) {
      byType = new Map();
      parsed.set(service, byType);
    }
    let info = byType.get(usageType);
    if (!info) {
      info = parseUsageType(service, usageType, names);
      byType.set(usageType, info);
      parsedCache.entries++;
    }
    return info;
  };
}

/** One line per row. */
function rowLines(rows: CostRow[], lineOf: LineOf): SpendLine[] {
  const lines: SpendLine[] = [];
  for (const row of rows) {
    const line = lineOf(
      row.keys[0] ?? '',
      row.keys[1] ?? '',
      row.keys[2] ?? '',
      row.start,
      row.end,
      row.amount,
      row.quantity,
      row.estimated,
    );
    if (line) lines.push(line);
  }
  return lines;
}

/** A period's line of one key and its running sums. */
interface Summed {
  line: SpendLine;
  amount: ExactSum;
  quantity: ExactSum;
}

/** One line per key and period, the rows summed into it; rows outside every period left out. */
function summedLines(rows: CostRow[], periods: DateRange[], lineOf: LineOf): SpendLine[] {
  // Per key (k0, then k1) and period: the line and its running sums; null = not Bedrock.
  const summed = new Map<string, Map<string, (Summed | null | undefined)[]>>();
  const order: Summed[] = [];
  let lastDay: string | undefined;
  let index = -1;
  for (const row of rows) {
    if (row.start !== lastDay) {
      lastDay = row.start;
      index = periods.findIndex((p) => row.start >= p.start && row.start < p.end);
    }
    if (index < 0) continue;
    const slots = slotsOf(summed, row.keys);
    let slot = slots[index];
    if (slot === undefined) {
      const period = periods[index]!;
      const k = row.keys;
      const line = lineOf(k[0] ?? '', k[1] ?? '', k[2] ?? '', period.start, period.end, ZERO, ZERO, false);
      slot = line ? { line, amount: new ExactSum(), quantity: new ExactSum() } : null;
      slots[index] = slot;
      if (slot) order.push(slot);
    }
    if (!slot) continue;
    slot.amount.add(row.amount);
    slot.quantity.add(row.quantity);
    if (row.estimated) slot.line.estimated = true;
  }
  return order.map(({ line, amount, quantity }) => {
    line.amount = amount.value();
    line.quantity = quantity.value();
    return line;
  });
}

/** The per-period slots of a row's keys (made on first use). */
function slotsOf(
  summed: Map<string, Map<string, (Summed | null | undefined)[]>>,
  keys: string[],
): (Summed | null | undefined)[] {
  const k0 = keys[0] ?? '';
  const k1 = keys.length > 2 ? `${keys[1]}\u0000${keys[2]}` : (keys[1] ?? '');
  let byK1 = summed.get(k0);
  if (!byK1) {
    byK1 = new Map();
    summed.set(k0, byK1);
  }
  let slots = byK1.get(k1);
  if (!slots) {
    slots = [];
    byK1.set(k1, slots);
  }
  return slots;
}

/**
 * Parsed usage types, kept across queries (a warm Lambda answers many): per model-names
 * source, by service then usage type. The parser is pure, so an entry never goes stale;
 * the cap only bounds memory against a bill with unbounded usage-type names.
 */
const PARSED_CAP = 20_000;
const parsedCache = {
  byNames: new WeakMap<ModelNames, Map<string, Map<string, UsageTypeInfo>>>(),
  withoutNames: new Map<string, Map<string, UsageTypeInfo>>(),
  entries: 0,
};

function parsedUsageTypes(names: ModelNames | undefined): Map<string, Map<string, UsageTypeInfo>> {
  if (parsedCache.entries > PARSED_CAP) {
    parsedCache.byNames = new WeakMap();
    parsedCache.withoutNames = new Map();
    parsedCache.entries = 0;
  }
  if (!names) return parsedCache.withoutNames;
  let parsed = parsedCache.byNames.get(names);
  if (!parsed) {
    parsed = new Map();
    parsedCache.byNames.set(names, parsed);
  }
  return parsed;
}

/** For usage types seen without their service: OCU lines are OpenSearch, the rest Bedrock. */
function guessService(usageType: string): string {
  return /OCU/i.test(usageType) && !/MP:/.test(usageType) ? OPENSEARCH_SERVICE : 'Amazon Bedrock';
}

/**
 * The team tag values with Bedrock spend in the last 90 days (one cached request,
 * monthly buckets). `''` (untagged) is left out.
 */
export async function knownTeams(ctx: SpendContext, today: string): Promise<string[]> {
  const result = await fetchLines(ctx, {
    start: addDays(today, -90),
    end: addDays(today, 1),
    grouping: 'team',
    granularity: 'MONTHLY',
  });
  return [...new Set(result.lines.map((l) => l.team ?? '').filter((t) => t !== ''))].sort();
}

/**
 * Resolve a team name typed by a user against the teams seen in the bill (case and
 * punctuation insensitive). `unattributed` / `untagged` mean untagged spend (`''`).
 * Unknown names throw `NotFoundError` with the closest matches.
 */
export async function resolveTeam(
  ctx: SpendContext,
  team: string,
  today: string,
  extra: string[] = [],
): Promise<string> {
  const wanted = normaliseName(team);
  if (wanted === 'unattributed' || wanted === 'untagged' || wanted === 'none') return '';
  const teams = [...new Set([...(await knownTeams(ctx, today)), ...extra])];
  const exact = teams.find((t) => t === team) ?? teams.find((t) => normaliseName(t) === wanted);
  if (exact !== undefined) return exact;
  const visible = scopedTeamsOf(ctx.costs);
  if (visible) {
    // BEDROCK_COST_VISIBILITY=team: other teams are hidden, not unknown (docs/visibility.md).
    const mine = [...visible].sort();
    throw new ForbiddenError(
      `The figures of "${team.slice(0, 40)}" are not shown to you: you see your teams only (${mine.length ? mine.join(', ') : 'none yet'}). Budget admins and the FinOps channel see every team.`,
    );
  }
  const close = closestMatches(team, teams, 3);
  throw new NotFoundError(
    close.length
      ? `I don't know the team "${team.slice(0, 40)}". Did you mean: ${close.join(', ')}?`
      : `I don't know the team "${team.slice(0, 40)}": no Bedrock spend carries that ${ctx.teamTagKey} tag in the last 90 days.`,
    close,
    { suggestion: 'Teams come from the cost allocation tag on application inference profiles.' },
  );
}

/**
 * The demo account: a deterministic, realistic 90-day Amazon Bedrock account served through
 * the same ports as the AWS adapters (`CostSource`, `MetricsSource`, `BedrockControlPlane`),
 * so every command answers from it exactly as from a real account.
 *
 * The story (teams, models, the spike, the model switch, the idle provisioned throughput)
 * lives in `demo-scenario.ts`. This file turns it into an hourly usage table once per
 * `createDemoSources` call (and again only when the clock moves to another hour) and answers
 * queries from that table:
 *
 * - The bill behaves like Cost Explorer: complete days up to yesterday plus today's partial
 *   day (usage up to three hours ago); days that ended less than 48 hours ago are `estimated`;
 *   nothing before the 90-day window or after now. DAILY and MONTHLY buckets (MONTHLY clipped
 *   to the query range), up to two group-bys, SERVICE / tag / RECORD_TYPE filters.
 * - Metrics behave like CloudWatch `AWS/Bedrock`: Sums per period per ModelId, up to five
 *   minutes ago, with the same token counts the bill charges for.
 * - Values are keyed on the calendar date and the workload (a seeded PRNG), so the same day
 *   has the same numbers whatever "now" is, as long as "now" stays in the same ISO week
 *   (the story is anchored to the Monday of now's week so `why last week` always tells it).
 */
import {
  addDays,
  type Clock,
  daysBetween,
  isoWeekday,
  parseIsoDate,
  startOfIsoWeek,
  toIsoDate,
} from '../clock.js';
import { UserError } from '../errors.js';
import { type BillFact, checkRange, dailyTotals, queryFacts, servicesOf } from '../ledger/facts.js';
import { trendForecast } from '../ledger/trend.js';
import { Dec, ZERO } from '../money.js';
import type {
  BedrockControlPlane,
  BedrockMetricName,
  CostForecast,
  CostQuery,
  CostResult,
  CostSource,
  DataSources,
  InferenceProfile,
  MetricQuery,
  MetricSeries,
  MetricsSource,
  ProvisionedThroughput,
} from '../ports.js';
import {
  APP_PROFILES,
  type AppProfileKey,
  appProfileArn,
  CREDIT,
  DEMO_TAG_KEY,
  MAIN_ACCOUNT,
  MODEL_IDS,
  PROVISIONED,
  type Shape,
  WORKLOADS,
  type Workload,
} from './demo-scenario.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** How many complete days of history the account has before today. */
export const DEMO_HISTORY_DAYS = 90;
/** Cost Explorer shows today's usage with a lag: hours older than this are in the bill. */
const BILL_LAG_HOURS = 3;
/** CloudWatch datapoints appear within minutes. */
const METRICS_LAG_MS = 5 * MINUTE_MS;
/** Days that ended less than this long ago are still `estimated` in Cost Explorer. */
const ESTIMATED_WINDOW_MS = 48 * HOUR_MS;

// --- deterministic randomness ---------------------------------------------------------------

/** FNV-1a: a stable 32-bit hash of a string (the PRNG key). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG; uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A multiplicative noise factor around 1 with relative standard deviation `sd` (Irwin-Hall). */
function noiseFactor(rng: () => number, sd: number): number {
  const z = (rng() + rng() + rng() + rng() - 2) / Math.sqrt(4 / 12);
  return Math.max(0.2, 1 + sd * z);
}

// --- shapes of a day and a week -------------------------------------------------------------

function normalise(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** Share of a day's usage per UTC hour. US users peak in the UTC afternoon and evening. */
const HOUR_PROFILE: Record<Shape, number[]> = {
  business: normalise([
    0.6, 0.45, 0.3, 0.2, 0.15, 0.12, 0.12, 0.15, 0.25, 0.4, 0.6, 0.8, 1.0, 1.2, 1.45, 1.6, 1.65, 1.6, 1.5,
    1.4, 1.3, 1.15, 0.95, 0.75,
  ]),
  developer: normalise([
    0.3, 0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.1, 1.5, 1.8, 1.9, 1.9, 1.8, 1.6, 1.4,
    1.1, 0.8, 0.6, 0.4,
  ]),
  nightly: normalise([0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  flat: normalise(Array.from({ length: 24 }, () => 1)),
  constant: normalise(Array.from({ length: 24 }, () => 1)),
};

/** Volume by ISO weekday (index 0 = Monday): people work on weekdays, jobs run every day. */
const WEEKDAY_FACTOR: Record<Shape, number[]> = {
  business: [1.0, 1.04, 1.05, 1.03, 0.93, 0.42, 0.38],
  developer: [1.0, 1.05, 1.06, 1.02, 0.88, 0.12, 0.1],
  nightly: [1, 1, 1, 1, 1, 1, 1],
  flat: [1, 1, 1, 1, 1, 0.85, 0.85],
  constant: [1, 1, 1, 1, 1, 1, 1],
};

// --- the table ------------------------------------------------------------------------------

/** One Cost Explorer line for one day: the finest grain the demo bill has. */
interface Fact {
  day: string;
  service: string;
  usageType: string;
  region: string;
  account: string;
  /** Team tag value; `''` when untagged. */
  team: string;
  recordType: 'Usage' | 'Credit';
  amount: Dec;
  quantity: Dec;
}

const METRIC_NAMES: BedrockMetricName[] = [
  'Invocations',
  'InputTokenCount',
  'OutputTokenCount',
  'CacheReadInputTokenCount',
  'CacheWriteInputTokenCount',
];

interface DemoTable {
  now: Date;
  /** The cost allocation tag key that carries the team (`TEAM_TAG_KEY`). */
  tagKey: string;
  today: string;
  anchor: string;
  windowStart: string;
  windowStartMs: number;
  /** The bill's facts by day, so a one-week query reads only that week. */
  factsByDay: Map<string, Fact[]>;
  /** Hourly sums per ModelId and metric, indexed by hours since `windowStart` midnight. */
  metrics: Map<string, Map<BedrockMetricName, Float64Array>>;
}

/** Fraction of a workload's volume active at an hour (events: start, end, rollouts). */
function activeFraction(w: Workload, hourFromAnchor: number): number {
  if (w.fromHour !== undefined && hourFromAnchor < w.fromHour) return 0;
  if (w.untilHour !== undefined && hourFromAnchor >= w.untilHour) return 0;
  if (w.rampIn && w.fromHour !== undefined) {
    const d = Math.floor((hourFromAnchor - w.fromHour) / 24);
    const f = w.rampIn[d];
    if (f !== undefined) return f;
  }
  if (w.rampOut && w.untilHour !== undefined) {
    const d = Math.floor((w.untilHour - 1 - hourFromAnchor) / 24);
    const f = w.rampOut[w.rampOut.length - 1 - d];
    if (f !== undefined) return f;
  }
  return 1;
}

/** The table's clock: today, its week, the window and the hours simulated so far. */
interface TableClock {
  now: Date;
  today: string;
  anchor: string;
  windowStart: string;
  windowStartMs: number;
  /** Hours since `windowStart` midnight, up to now. */
  currentHour: number;
  /** Hours of today already in the bill (Cost Explorer's lag). */
  billCutoffHourToday: number;
}

function tableClock(now: Date): TableClock {
  const today = toIsoDate(now);
  const windowStart = addDays(today, -DEMO_HISTORY_DAYS);
  const windowStartMs = parseIsoDate(windowStart).getTime();
  return {
    now,
    today,
    anchor: startOfIsoWeek(today),
    windowStart,
    windowStartMs,
    currentHour: Math.floor((now.getTime() - windowStartMs) / HOUR_MS),
    billCutoffHourToday:
      Math.floor((now.getTime() - parseIsoDate(today).getTime()) / HOUR_MS) - BILL_LAG_HOURS,
  };
}

type MetricTable = Map<string, Map<BedrockMetricName, Float64Array>>;

/** The hourly series of a model's metric, created (all zeros) on first use. */
function seriesOf(
  metrics: MetricTable,
  hourCount: number,
  modelId: string,
  metric: BedrockMetricName,
): Float64Array {
  let byMetric = metrics.get(modelId);
  if (!byMetric) {
    byMetric = new Map();
    for (const name of METRIC_NAMES) byMetric.set(name, new Float64Array(hourCount));
    metrics.set(modelId, byMetric);
  }
  return byMetric.get(metric)!;
}

/**
 * One workload's day, hour by hour: its metrics added to `metrics`; the raw counts per
 * meter that are in the bill already (today's last hours are not) returned.
 */
function simulateDay(clock: TableClock, metrics: MetricTable, w: Workload, dayIndex: number): number[] {
  const day = addDays(clock.windowStart, dayIndex);
  const dayFromAnchor = daysBetween(clock.anchor, day);
  const isToday = day === clock.today;
  const series = (modelId: string, metric: BedrockMetricName) =>
    seriesOf(metrics, clock.currentHour + 1, modelId, metric);
  // One PRNG stream per (date, workload): the key never involves "now".
  const rng = mulberry32(hash32(`${day}|${w.id}`));
  const dayNoise = noiseFactor(rng, w.noise);
  const meterNoise = w.meters.map(() => noiseFactor(rng, w.noise * 0.5));
  const hourNoise = Array.from({ length: 24 }, () => noiseFactor(rng, w.shape === 'constant' ? 0 : 0.12));
  const level = (1 + w.growth) ** dayFromAnchor * (WEEKDAY_FACTOR[w.shape][isoWeekday(day) - 1] ?? 1);
  const profile = HOUR_PROFILE[w.shape];
  const billedCounts = w.meters.map(() => 0);
  for (let h = 0; h < 24; h++) {
    const tableHour = dayIndex * 24 + h;
    if (tableHour > clock.currentHour) break;
    const active = activeFraction(w, dayFromAnchor * 24 + h);
    if (active === 0) continue;
    let prompt = 0;
    w.meters.forEach((m, i) => {
      const count =
        w.shape === 'constant'
          ? Math.round((m.daily / 24) * active)
          : Math.round(m.daily * level * dayNoise * meterNoise[i]! * profile[h]! * hourNoise[h]! * active);
      if (count === 0) return;
      if (!isToday || h < clock.billCutoffHourToday) billedCounts[i]! += count;
      if (w.modelId && m.metric) {
        series(w.modelId, m.metric)[tableHour]! += count;
        if (m.metric === 'InputTokenCount' || m.metric === 'CacheReadInputTokenCount') prompt += count;
      }
    });
    if (w.modelId && prompt > 0) {
      series(w.modelId, 'Invocations')[tableHour]! += Math.ceil(prompt / (w.promptTokensPerCall ?? 1000));
    }
  }
  return billedCounts;
}

/** Billed raw counts per (day, line), summed over workloads that share a line; and the credited ones. */
interface BillLines {
  lines: Map<
    string,
    { fact: Omit<Fact, 'amount' | 'quantity'>; count: number; perUnit: number; rate: string }
  >;
  creditCounts: Map<string, number>;
}

/** Add a workload's billed counts of a day to the bill's lines. */
function addToBill(bill: BillLines, day: string, w: Workload, billedCounts: number[]): void {
  w.meters.forEach((m, i) => {
    const count = billedCounts[i]!;
    if (count === 0 || m.billed === false) return;
    const team = w.team ?? '';
    const key = `${day}|${m.service}|${m.usageType}|${m.region}|${w.account}|${team}`;
    const line = bill.lines.get(key);
    if (line) line.count += count;
    else {
      bill.lines.set(key, {
        fact: {
          day,
          service: m.service,
          usageType: m.usageType,
          region: m.region,
          account: w.account,
          team,
          recordType: 'Usage',
        },
        count,
        perUnit: m.perUnit,
        rate: m.rate,
      });
    }
    if (w.id === CREDIT.workloadId && i === CREDIT.meterIndex) bill.creditCounts.set(key, count);
  });
}

/** The bill's facts (usage, and the credit's negative lines) by day, in exact decimals. */
function factsByDayOf(bill: BillLines): Map<string, Fact[]> {
  const facts: Fact[] = [];
  for (const [key, { fact, count, perUnit, rate }] of bill.lines) {
    // Exact: the quantity is a whole number of raw units divided by a power of ten.
    const quantity = new Dec(count).div(perUnit);
    const amount = quantity.times(rate);
    facts.push({ ...fact, quantity, amount });
    const credited = bill.creditCounts.get(key);
    if (credited !== undefined) {
      const creditAmount = new Dec(credited).div(perUnit).times(rate).negated();
      facts.push({ ...fact, recordType: 'Credit', quantity: ZERO, amount: creditAmount });
    }
  }
  const factsByDay = new Map<string, Fact[]>();
  for (const fact of facts) {
    const list = factsByDay.get(fact.day);
    if (list) list.push(fact);
    else factsByDay.set(fact.day, [fact]);
  }
  return factsByDay;
}

function buildTable(now: Date, tagKey: string): DemoTable {
  const clock = tableClock(now);
  const metrics: MetricTable = new Map();
  const bill: BillLines = { lines: new Map(), creditCounts: new Map() };
  for (let dayIndex = 0; dayIndex <= DEMO_HISTORY_DAYS; dayIndex++) {
    const day = addDays(clock.windowStart, dayIndex);
    for (const w of WORKLOADS) addToBill(bill, day, w, simulateDay(clock, metrics, w, dayIndex));
  }
  const { today, anchor, windowStart, windowStartMs } = clock;
  return { now, today, anchor, windowStart, windowStartMs, tagKey, factsByDay: factsByDayOf(bill), metrics };
}

// --- Cost Explorer (through the ledger's query engine) ---------------------------------------

/** The facts of a day as the bill shows them: not final while Cost Explorer still estimates it. */
function billFacts(table: DemoTable, list: Fact[]): BillFact[] {
  return list.map((f) => ({ ...f, state: isEstimatedDay(f.day, table.now) ? 'provisional' : 'final' }));
}

function getCostAndUsage(table: DemoTable, query: CostQuery): CostResult {
  if (query.groupBy.length > 2) {
    throw new UserError('bad_input', 'Cost Explorer groups by at most two dimensions.');
  }
  // `query.metric` does not matter here: the demo account has no savings plans or reserved
  // capacity to amortise, and credits are their own record type, so all four cost bases agree.
  return { rows: queryFacts(query, table.tagKey, (start, end) => factsIn(table, start, end)), requests: 1 };
}

/** Is a day still provisional in Cost Explorer at `now`? */
function isEstimatedDay(day: string, now: Date): boolean {
  return parseIsoDate(addDays(day, 1)).getTime() > now.getTime() - ESTIMATED_WINDOW_MS;
}

/** Facts of the days in `[start, end)` that have data. */
function factsIn(table: DemoTable, start: string, end: string): BillFact[] {
  const from = start > table.windowStart ? start : table.windowStart;
  const out: BillFact[] = [];
  for (let d = from; d < end && d <= table.today; d = addDays(d, 1)) {
    const list = table.factsByDay.get(d);
    if (list) out.push(...billFacts(table, list));
  }
  return out;
}

/** Cost Explorer's own forecast, modelled with the product's usage trend (a cross-check only). */
function getCostForecast(
  table: DemoTable,
  query: Omit<CostQuery, 'groupBy' | 'granularity'>,
): CostForecast | null {
  checkRange(query.start, query.end);
  const from = addDays(table.today, -28);
  const history = dailyTotals(factsIn(table, from, table.today), query, table.tagKey, from, table.today);
  return trendForecast(history, table.today, query.start, query.end);
}

function listServices(table: DemoTable, range: { start: string; end: string }): string[] {
  checkRange(range.start, range.end);
  return servicesOf(factsIn(table, range.start, range.end));
}

// --- CloudWatch -----------------------------------------------------------------------------

/** Sum of an hourly series over minutes `[m1, m2)`, each hour's sum spread evenly over its minutes. */
function minuteRangeSum(series: Float64Array, m1: number, m2: number): number {
  let total = 0;
  for (let hour = Math.floor(m1 / 60); hour * 60 < m2 && hour < series.length; hour++) {
    const v = series[hour] ?? 0;
    if (v === 0) continue;
    const a = Math.max(m1 - hour * 60, 0);
    const b = Math.min(m2 - hour * 60, 60);
    const base = Math.floor(v / 60);
    const rest = v - base * 60;
    total += base * (b - a) + Math.max(0, Math.min(b, rest) - a);
  }
  return total;
}

/**
 * CloudWatch keeps 1-minute datapoints for 15 days, 5-minute ones for 63 days and hourly ones
 * for 455 days: asking for a fine period over old data returns nothing, as it does on AWS.
 */
function retentionMs(periodSeconds: number): number {
  if (periodSeconds < 300) return 15 * 24 * HOUR_MS;
  if (periodSeconds < 3600) return 63 * 24 * HOUR_MS;
  return 455 * 24 * HOUR_MS;
}

function getMetricSums(
  table: DemoTable,
  now: Date,
  query: { start: Date; end: Date; periodSeconds: number; queries: MetricQuery[] },
): { series: MetricSeries[]; requests: number } {
  const period = query.periodSeconds;
  if (!Number.isInteger(period) || period <= 0 || period % 60 !== 0) {
    throw new UserError('bad_input', `CloudWatch periods are a multiple of 60 seconds (got ${period}).`);
  }
  const periodMs = period * 1000;
  const availableUntil = Math.min(query.end.getTime(), now.getTime() - METRICS_LAG_MS);
  const firstBucket = Math.floor(query.start.getTime() / periodMs) * periodMs;
  let points = 0;
  const series = query.queries.map((q): MetricSeries => {
    const hourly = table.metrics.get(q.modelId)?.get(q.metric);
    const out: MetricSeries = { id: q.id, points: [] };
    if (!hourly) return out;
    for (let t = firstBucket; t < query.end.getTime(); t += periodMs) {
      if (t < now.getTime() - retentionMs(period)) continue;
      const from = Math.max(t, query.start.getTime(), table.windowStartMs);
      const to = Math.min(t + periodMs, availableUntil);
      if (to <= from) continue;
      const m1 = Math.floor((from - table.windowStartMs) / MINUTE_MS);
      const m2 = Math.floor((to - table.windowStartMs) / MINUTE_MS);
      const value = minuteRangeSum(hourly, m1, m2);
      if (value > 0) out.points.push({ at: new Date(t), value });
    }
    points += out.points.length;
    return out;
  });
  // GetMetricData takes 500 queries and returns up to 100,800 datapoints per call.
  const requests = Math.max(1, Math.ceil(query.queries.length / 500), Math.ceil(points / 100_800));
  return { series, requests };
}

// --- Bedrock control plane ------------------------------------------------------------------

const US_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];

function foundationArn(region: string, modelId: string): string {
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

/** System-defined cross-region profiles: `us.` routes within the US, `global.` anywhere. */
const SYSTEM_PROFILES: { id: string; name: string; modelId: string; global: boolean }[] = [
  {
    id: `us.${MODEL_IDS.sonnet45}`,
    name: 'US Anthropic Claude Sonnet 4.5',
    modelId: MODEL_IDS.sonnet45,
    global: false,
  },
  {
    id: `global.${MODEL_IDS.sonnet45}`,
    name: 'Global Anthropic Claude Sonnet 4.5',
    modelId: MODEL_IDS.sonnet45,
    global: true,
  },
  {
    id: `us.${MODEL_IDS.haiku45}`,
    name: 'US Anthropic Claude Haiku 4.5',
    modelId: MODEL_IDS.haiku45,
    global: false,
  },
  {
    id: `global.${MODEL_IDS.haiku45}`,
    name: 'Global Anthropic Claude Haiku 4.5',
    modelId: MODEL_IDS.haiku45,
    global: true,
  },
  {
    id: `us.${MODEL_IDS.haiku3}`,
    name: 'US Anthropic Claude 3 Haiku',
    modelId: MODEL_IDS.haiku3,
    global: false,
  },
  { id: `us.${MODEL_IDS.novaPro}`, name: 'US Nova Pro', modelId: MODEL_IDS.novaPro, global: false },
  { id: `us.${MODEL_IDS.novaLite}`, name: 'US Nova Lite', modelId: MODEL_IDS.novaLite, global: false },
  { id: `us.${MODEL_IDS.novaMicro}`, name: 'US Nova Micro', modelId: MODEL_IDS.novaMicro, global: false },
  {
    id: `us.${MODEL_IDS.llama70b}`,
    name: 'US Meta Llama 3.1 70B Instruct',
    modelId: MODEL_IDS.llama70b,
    global: false,
  },
];

function systemProfileModelArns(p: { modelId: string; global: boolean }): string[] {
  const regional = US_REGIONS.map((r) => foundationArn(r, p.modelId));
  return p.global ? [...regional, `arn:aws:bedrock:::foundation-model/${p.modelId}`] : regional;
}

function listInferenceProfiles(tagKey: string): InferenceProfile[] {
  const system: InferenceProfile[] = SYSTEM_PROFILES.map((p) => ({
    id: p.id,
    arn: `arn:aws:bedrock:us-east-1:${MAIN_ACCOUNT}:inference-profile/${p.id}`,
    name: p.name,
    type: 'SYSTEM_DEFINED',
    modelArns: systemProfileModelArns(p),
    tags: {},
  }));
  const application: InferenceProfile[] = (Object.keys(APP_PROFILES) as AppProfileKey[]).map((key) => {
    const p = APP_PROFILES[key];
    // An application profile copied from a system profile routes like it; from a model, in-region.
    const [scope, model] = p.copies.includes('.') ? p.copies.split('.') : [undefined, p.copies];
    const modelId = MODEL_IDS[model as keyof typeof MODEL_IDS];
    const modelArns =
      scope === 'global'
        ? systemProfileModelArns({ modelId, global: true })
        : [foundationArn('us-east-1', modelId)];
    return {
      id: p.id,
      arn: appProfileArn(key),
      name: p.name,
      type: 'APPLICATION',
      modelArns,
      tags: { [tagKey]: p.team },
    };
  });
  return [...system, ...application];
}

function listProvisionedThroughputs(table: DemoTable, tagKey: string): ProvisionedThroughput[] {
  const anchorMs = parseIsoDate(table.anchor).getTime();
  return [PROVISIONED.busy, PROVISIONED.idle].map((p) => {
    const created = new Date(anchorMs + p.createdHour * HOUR_MS);
    const pt: ProvisionedThroughput = {
      arn: p.arn,
      name: p.name,
      modelArn: p.modelArn,
      foundationModelArn: p.foundationModelArn,
      modelUnits: p.modelUnits,
      status: 'InService',
      commitment: p.commitment,
      createdAt: created.toISOString(),
      tags: { [tagKey]: p.team },
    };
    if (p.commitment === '6-month') {
      const expires = new Date(created);
      expires.setUTCMonth(expires.getUTCMonth() + 6);
      pt.commitmentExpiresAt = expires.toISOString();
    }
    return pt;
  });
}

// --- wiring ---------------------------------------------------------------------------------

export interface DemoSourcesOptions {
  /**
   * The cost allocation tag key the demo's resources carry their team in (`TEAM_TAG_KEY`);
   * default `team`. Any other tag key finds every line untagged, as on AWS.
   */
  teamTagKey?: string;
}

/**
 * The demo account behind the ports. The table is built lazily on first use and rebuilt only
 * when the clock has moved to another hour, so a whole command runs against one snapshot.
 *
 * @example
 * const sources = createDemoSources(fixedClock('2026-11-18T06:00:00Z'));
 * const { rows } = await sources.costs.getCostAndUsage({
 *   start: '2026-11-09', end: '2026-11-16', granularity: 'MONTHLY',
 *   groupBy: [{ type: 'TAG', key: 'team' }], services: [], metric: 'UnblendedCost',
 * });
 */
export function createDemoSources(clock: Clock, options: DemoSourcesOptions = {}): DataSources {
  const tagKey = options.teamTagKey ?? DEMO_TAG_KEY;
  let cached: { hour: number; table: DemoTable } | undefined;
  const table = (): DemoTable => {
    const now = clock.now();
    const hour = Math.floor(now.getTime() / HOUR_MS);
    if (!cached || cached.hour !== hour) cached = { hour, table: buildTable(now, tagKey) };
    return cached.table;
  };
  const costs: CostSource = {
    listServices: async (range) => listServices(table(), range),
    getCostAndUsage: async (query) => getCostAndUsage(table(), query),
    getCostForecast: async (query) => getCostForecast(table(), query),
  };
  const metrics: MetricsSource = {
    // ListMetrics only returns metrics that received data in the past two weeks.
    listModelIds: async () => {
      const t = table();
      const recent = Math.max(0, Math.floor((t.now.getTime() - t.windowStartMs) / HOUR_MS) - 14 * 24);
      return [...t.metrics.entries()]
        .filter(([, byMetric]) =>
          (byMetric.get('Invocations') ?? new Float64Array()).subarray(recent).some((v) => v > 0),
        )
        .map(([id]) => id)
        .sort();
    },
    getMetricSums: async (query) => getMetricSums(table(), clock.now(), query),
  };
  const bedrock: BedrockControlPlane = {
    listProvisionedThroughputs: async () => listProvisionedThroughputs(table(), tagKey),
    listInferenceProfiles: async () => listInferenceProfiles(tagKey),
  };
  return { kind: 'demo', costs, metrics, bedrock };
}

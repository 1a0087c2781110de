/**
 * Idle provisioned throughput.
 *
 * Provisioned Throughput is billed per model unit for every hour it exists, whether or not
 * anyone calls it: an idle model unit burns tens of dollars an hour and no AWS tool flags
 * it. This module finds them. For each throughput it reads, over a lookback window:
 *
 * - usage from CloudWatch `AWS/Bedrock` (`Invocations`, `InputTokenCount`,
 *   `OutputTokenCount`, Sum per hour). The `ModelId` dimension is whatever the caller
 *   invoked: the provisioned model's ARN or its short ID, so both series are read and
 *   added (one call is recorded once, under the form it used). No datapoints means no calls;
 * - the hourly cost, from the bill when it has the throughput's usage type, else list prices;
 *
 * and says what to do: delete it (no commitment: it can go at any time), do not renew it
 * (a commitment is paid to the end whatever happens), or use fewer model units.
 *
 * Every query for every throughput goes into ONE `getMetricSums` call, which the CloudWatch
 * adapter sends as a single GetMetricData request (up to 500 queries each), so a scan of
 * 50 throughputs costs one or two requests, not 300.
 *
 * Faults (missing permissions, throttling, a throughput deleted mid-scan) become notes in
 * the result, never exceptions: the answer says what it could not check.
 */
import { addDays, formatDay, toIsoDate } from '../clock.js';
import { costMetricOf } from '../config.js';
import { type Deps, otherRegions } from '../context.js';
import { type Dec, roundCents, sumUsd, ZERO } from '../money.js';
import type {
  BedrockMetricName,
  Commitment,
  CostMetric,
  DataSources,
  MetricQuery,
  MetricSeries,
  ProvisionedThroughput,
} from '../ports.js';
import {
  type BilledRate,
  billedRates,
  type ModelUnitRate,
  matchBilledRate,
  modelIdOfArn,
  publishedRate,
  regionOfArn,
} from './idle-rates.js';

/** Default lookback: one day. */
export const DEFAULT_IDLE_HOURS = 24;
/** Longest lookback accepted (30 days of hourly CloudWatch data). */
export const MAX_IDLE_HOURS = 720;
/** In use, but with calls in fewer than this share of billed hours: "under-used". */
export const UNDER_USED_SHARE = 0.25;
/** Days of bill read to observe the hourly rate (the last days are often incomplete). */
const BILL_DAYS = 3;
const HOUR_MS = 3_600_000;

/** Why a throughput is (or is not) flagged. */
export type IdleState =
  /** No call in the window while billed. */
  | 'idle'
  /** Calls in only a small share of billed hours. */
  | 'under-used'
  | 'in-use'
  /** Less than an hour old: too early to judge. */
  | 'new'
  | 'creating'
  | 'updating'
  | 'failed'
  /** CloudWatch could not be read: not judged. */
  | 'unknown';

/** One throughput's verdict; money exact (Decimal). */
export interface IdleFinding {
  throughput: ProvisionedThroughput;
  /** Foundation model ID (the base model for a custom model). */
  modelId: string;
  /** Friendly model name (`Nova Lite`, `custom Llama 3.1 8B`). */
  modelName: string;
  /** Custom model ARN when the throughput serves a custom (fine-tuned) model. */
  customModelArn?: string;
  /** The team that owns it (its team tag), when tagged. */
  team?: string;
  state: IdleState;
  /** `null` when CloudWatch could not be read. */
  invocations: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Hours of the window the throughput existed (and was billed). */
  billedHours: number;
  /** Billed hours with at least one call. */
  activeHours: number;
  /** Billed hours without a single call. */
  idleHours: number;
  /** Start of the last hour with a call, when within the window. */
  lastUsedAt?: string;
  /** Hourly cost of the whole throughput (all model units); undefined when unknown. */
  hourly?: ModelUnitRate & { total: Dec };
  /** Money spent during idle hours (0 when the rate is unknown). */
  wasted: Dec;
  /** What acting on the recommendation saves per day (0 when nothing to save now). */
  savesPerDay: Dec;
  /**
   * What the recommendation saves per day once a commitment ends (resizing an under-used
   * throughput to fewer model units, or not renewing an idle or under-used one), when the
   * saving cannot start now; see `throughput.commitmentExpiresAt` for the date.
   */
  resizeSavesPerDay?: Dec;
  recommendation: string;
}

/** The whole scan. */
export interface IdleScan {
  hours: number;
  /** Lookback window, ISO timestamps, end exclusive. */
  window: { start: string; end: string };
  findings: IdleFinding[];
  /** What could not be checked, in words (permissions, throttling, deleted mid-scan). */
  problems: string[];
  /** Where hourly costs came from: the bill's days, or catalog only. */
  billDays?: { start: string; end: string };
  /** GetMetricData requests made. */
  metricRequests: number;
  /** Regions whose provisioned throughput was scanned (the bot's first), when known. */
  regions?: string[];
}

/** One throughput in the `idle` command's JSON `data` (docs/interfaces.md "Result data", `idle`). */
export interface IdleThroughputData {
  arn: string;
  name: string;
  modelId: string;
  modelName: string;
  customModelArn?: string;
  /** The owning team (the throughput's team tag), when tagged. */
  team?: string;
  modelUnits: number;
  commitment: Commitment;
  expiresAt?: string;
  status: ProvisionedThroughput['status'];
  state: IdleState;
  invocations: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  billedHours: number;
  /** Billed hours with at least one call (the share of hours in use is what "under-used" reads). */
  activeHours: number;
  idleHours: number;
  lastUsedAt?: string;
  /** Daily FinOps message snoozed until (ISO), when snoozed. */
  snoozedUntil?: string;
  /** Dollars per hour for all its model units; `null` when unknown. */
  hourlyUsd: number | null;
  /** `bill` (cost / quantity of its usage type) or `catalog` (list price). */
  hourlyCostSource: 'bill' | 'catalog' | null;
  wastedUsd: number;
  savesPerDayUsd: number;
  /** What resizing (or not renewing) saves per day from the commitment's end (`expiresAt`), when later. */
  resizeSavesPerDayUsd?: number;
  recommendation: string;
}

/**
 * One Reserved-tier commitment in the `idle` command's JSON `data` (`lib/analysis/reserved.ts`):
 * reserved vs used tokens per minute over 7 days; `monthlyUsd` is the `savings` finding's.
 */
export interface IdleReservedData {
  team?: string;
  model: string;
  direction: 'input' | 'output';
  scope: 'geo' | 'global' | 'in-region';
  term: '1-month' | '3-month';
  reservedTpm: number;
  usedAvgTpm?: number;
  peakTpm?: number;
  p95Tpm?: number;
  utilization?: number;
  costPerDayUsd: number;
  start: string;
  renews: string;
  underUsed: boolean;
  targetTpm?: number;
  /** What resizing to `targetTpm` saves per day from `renews`. */
  resizeSavesPerDayUsd?: number;
  monthlyUsd: number;
  action?: string;
}

/** The `idle` command's JSON `data`. */
export interface IdleData {
  hours: number;
  window: { start: string; end: string };
  throughputs: IdleThroughputData[];
  idleCount: number;
  /** Money spent by the idle ones while idle, in the window. */
  idleWastedUsd: number;
  /** Reserved-tier commitments of the last 7 days, when checked. */
  reserved?: IdleReservedData[];
  problems: string[];
}

export interface IdleScanOptions {
  now: Date;
  hours: number;
  /** Cost basis of the bill query. */
  costMetric: CostMetric;
  /** Catalog price per model-unit hour, when the pricing catalog knows the model. */
  catalogRate?: (modelId: string, commitment: Commitment, region: string) => ModelUnitRate | undefined;
  /** Display name of a base model from the pricing catalog; else derived from the ID. */
  modelName?: (modelId: string) => string | undefined;
  /** The cost allocation tag naming a team (`team`): a tagged throughput names its owner. */
  teamTagKey?: string;
}

/** `amazon.nova-lite-v1:0` -> `Nova Lite`; `meta.llama3-1-8b-instruct-v1:0` -> `Llama 3.1 8B Instruct`. */
export function prettyModelName(modelId: string): string {
  const bare = modelId
    .replace(/^(us|eu|apac|global|jp|au|ca)\./, '')
    .replace(/^[a-z0-9-]+\./, '')
    .replace(/:\d+(:[\w.]+)?$/, '')
    .replace(/-v\d+(\.\d+)?$/, '')
    .replace(/-\d{8}$/, '');
  return bare
    .replace(/(\d)-(\d)(?=$|-)/g, '$1.$2')
    .replace(/([a-z])(\d)/g, '$1 $2')
    .split(/[-\s]+/)
    .filter(Boolean)
    .map((w) => (/^\d+b$/i.test(w) ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

/** What people call a provisioned model's ID: the last segment of its ARN. */
export function provisionedIdOf(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

function isCustomModelArn(arn: string): boolean {
  return /:custom-model\//.test(arn) || /:imported-model\//.test(arn);
}

/** Turn a failure into words naming the service and what to fix. */
export function describeFault(error: unknown, what: string): string {
  const name = String((error as { name?: string } | undefined)?.name ?? '');
  const message = String((error as { message?: string } | undefined)?.message ?? '');
  if (/AccessDenied|Unauthorized/i.test(name) || /permission/i.test(message)) {
    return `${what}: missing AWS permission (${message.split('\n')[0] || name}).`;
  }
  if (/Throttl|TooManyRequests|LimitExceeded|RequestLimit/i.test(name) || /throttl/i.test(message)) {
    return `${what}: AWS is throttling requests; try again in a minute.`;
  }
  if (name === 'UnavailableError' || name === 'UserError') return `${what}: ${message}`;
  return `${what}: failed (${name || 'error'}${message ? `: ${message.split('\n')[0]}` : ''}).`;
}

const METRICS: { metric: BedrockMetricName; tag: string }[] = [
  { metric: 'Invocations', tag: 'inv' },
  { metric: 'InputTokenCount', tag: 'in' },
  { metric: 'OutputTokenCount', tag: 'out' },
];

/** Query ids must start with a lower-case letter and hold letters, digits, underscores. */
function queryId(index: number, form: 'arn' | 'id', tag: string): string {
  return `t${index}_${form}_${tag}`;
}

/** Hourly sums per bucket start, both ModelId forms added. */
function bucketsOf(series: Map<string, MetricSeries>, index: number, tag: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const form of ['arn', 'id'] as const) {
    for (const point of series.get(queryId(index, form, tag))?.points ?? []) {
      const key = point.at.getTime();
      buckets.set(key, (buckets.get(key) ?? 0) + point.value);
    }
  }
  return buckets;
}

function total(buckets: Map<number, number>): number {
  let sum = 0;
  for (const v of buckets.values()) sum += v;
  return sum;
}

function dayOf(iso: string, now: Date): string {
  const day = iso.slice(0, 10);
  return day.slice(0, 4) === toIsoDate(now).slice(0, 4)
    ? formatDay(day)
    : `${formatDay(day)}, ${day.slice(0, 4)}`;
}

function dollars(value: Dec): string {
  // Whole dollars above $100 keep recommendation lines short.
  return value.gte(100)
    ? `$${value.toDecimalPlaces(0).toNumber().toLocaleString('en-US')}`
    : `$${value.toDecimalPlaces(2).toFixed(2)}`;
}

/** What a recommendation says, and what acting on it saves a day (now, or from the commitment's end). */
interface Recommendation {
  recommendation: string;
  savesPerDay: Dec;
  resizeSavesPerDay?: Dec;
}

/** The throughput's cost and commitment, as the recommendations need them. */
interface CostTerms {
  perDay?: Dec;
  perUnitDay?: Dec;
  /** A commitment still running (its end in the future, or unknown). */
  committed: boolean;
  commitmentEnds?: string;
}

/** No call at all: delete it, or (committed) put a workload on it and do not renew. */
function recommendIdle(t: ProvisionedThroughput, terms: CostTerms, hours: number): Recommendation {
  const { perDay, committed, commitmentEnds } = terms;
  if (committed) {
    return {
      savesPerDay: ZERO,
      ...(perDay ? { resizeSavesPerDay: perDay } : {}),
      recommendation: commitmentEnds
        ? `Committed until ${commitmentEnds}: move a workload onto it, and do not renew.`
        : 'Committed (end date unknown): move a workload onto it, and do not renew.',
    };
  }
  const ended =
    t.commitment !== 'none' && commitmentEnds ? `Its commitment ended on ${commitmentEnds}. ` : '';
  return {
    savesPerDay: perDay ?? ZERO,
    recommendation: perDay
      ? `${ended}Delete it to save ${dollars(perDay)} a day.`
      : `${ended}Delete it: no call in ${hours} h.`,
  };
}

/** Called in few of its hours: fewer model units, or on-demand (now, or at renewal when committed). */
function recommendUnderUsed(
  finding: Pick<IdleFinding, 'throughput' | 'activeHours' | 'billedHours'>,
  terms: CostTerms,
): Recommendation {
  const t = finding.throughput;
  const { perDay, perUnitDay, committed, commitmentEnds } = terms;
  const share = `Calls in only ${finding.activeHours} of ${finding.billedHours} hours`;
  if (t.modelUnits > 1) {
    const fewer = t.modelUnits - 1;
    if (committed) {
      return {
        savesPerDay: ZERO,
        ...(perUnitDay ? { resizeSavesPerDay: perUnitDay } : {}),
        recommendation: `${share}: ${commitmentEnds ? `when the commitment ends on ${commitmentEnds}` : 'at renewal'}, buy ${fewer} model unit${fewer === 1 ? '' : 's'} instead of ${t.modelUnits}${perUnitDay ? `, saving ${dollars(perUnitDay)} a day from then` : ''}.`,
      };
    }
    return {
      savesPerDay: perUnitDay ?? ZERO,
      recommendation: `${share}: try fewer model units (${fewer} instead of ${t.modelUnits})${perUnitDay ? `, saving ${dollars(perUnitDay)} a day` : ''}.`,
    };
  }
  if (committed) {
    return {
      savesPerDay: ZERO,
      ...(perDay ? { resizeSavesPerDay: perDay } : {}),
      recommendation: `${share}: do not renew on ${commitmentEnds ?? 'the end of the commitment'}; on-demand is likely cheaper for this traffic${perDay ? ` (${dollars(perDay)} a day of capacity)` : ''}.`,
    };
  }
  return {
    savesPerDay: ZERO,
    recommendation: `${share}: on-demand is likely cheaper; move the traffic and delete it${perDay ? ` (${dollars(perDay)} a day)` : ''}.`,
  };
}

/** What a state that is not judged (or needs nothing) says. */
const NOT_JUDGED: Record<Exclude<IdleState, 'idle' | 'under-used'>, string> = {
  creating: 'Still being created: not judged yet; check again once it is in service.',
  updating: 'Being updated (model or model units changing): check again after the update.',
  failed: 'Failed: it serves no calls; delete it to tidy up.',
  unknown: 'Usage unknown (CloudWatch could not be read): not judged.',
  new: 'Created less than an hour ago: too early to judge.',
  'in-use': 'In use: keep it.',
};

/** The recommendation, and what acting on it saves per day now. */
function recommend(
  finding: Omit<IdleFinding, 'recommendation' | 'savesPerDay'>,
  now: Date,
  hours: number,
): Recommendation {
  const t = finding.throughput;
  const expires = t.commitmentExpiresAt;
  const terms: CostTerms = {
    ...(finding.hourly ? { perDay: finding.hourly.total.times(24) } : {}),
    ...(finding.hourly ? { perUnitDay: finding.hourly.perModelUnitHour.times(24) } : {}),
    committed: t.commitment !== 'none' && (!expires || Date.parse(expires) > now.getTime()),
    ...(expires ? { commitmentEnds: dayOf(expires, now) } : {}),
  };
  if (finding.state === 'idle') return recommendIdle(t, terms, hours);
  if (finding.state === 'under-used') return recommendUnderUsed(finding, terms);
  return { savesPerDay: ZERO, recommendation: NOT_JUDGED[finding.state] };
}

/** Every CloudWatch query of the scan: three metrics, under both ModelId forms, per measured throughput. */
function metricQueries(throughputs: ProvisionedThroughput[], measured: boolean[]): MetricQuery[] {
  const queries: MetricQuery[] = [];
  throughputs.forEach((t, i) => {
    if (!measured[i]) return;
    for (const { metric, tag } of METRICS) {
      queries.push({ id: queryId(i, 'arn', tag), metric, modelId: t.arn });
      queries.push({ id: queryId(i, 'id', tag), metric, modelId: provisionedIdOf(t.arn) });
    }
  });
  return queries;
}

/** Hourly usage from CloudWatch, and the billed rates of the last days; a fault becomes a problem. */
interface UsageAndBill {
  /** Absent when CloudWatch could not be read. */
  series?: Map<string, MetricSeries>;
  metricRequests: number;
  rates: BilledRate[];
  billDays?: IdleScan['billDays'];
}

/** Read the usage (one GetMetricData for everything) and the bill's usage types, in parallel. */
async function readUsageAndBill(
  sources: DataSources,
  options: IdleScanOptions,
  window: { start: Date; end: Date },
  queries: MetricQuery[],
  anyMeasured: boolean,
  problems: string[],
): Promise<UsageAndBill> {
  const today = toIsoDate(options.now);
  const billRange = { start: addDays(today, -BILL_DAYS), end: today };
  const [metricsOutcome, billOutcome] = await Promise.allSettled([
    queries.length
      ? sources.metrics.getMetricSums({ ...window, periodSeconds: 3600, queries })
      : Promise.resolve({ series: [] as MetricSeries[], requests: 0 }),
    anyMeasured
      ? sources.costs.getCostAndUsage({
          ...billRange,
          granularity: 'DAILY',
          groupBy: [{ type: 'DIMENSION', key: 'USAGE_TYPE' }],
          services: [],
          metric: options.costMetric,
        })
      : Promise.resolve({ rows: [], requests: 0 }),
  ]);
  const out: UsageAndBill = { metricRequests: 0, rates: [] };
  if (metricsOutcome.status === 'fulfilled') {
    out.series = new Map(metricsOutcome.value.series.map((s) => [s.id, s]));
    out.metricRequests = metricsOutcome.value.requests;
  } else {
    problems.push(
      describeFault(metricsOutcome.reason, 'Could not read usage from CloudWatch (cloudwatch:GetMetricData)'),
    );
  }
  if (billOutcome.status === 'fulfilled') {
    out.rates = billedRates(billOutcome.value.rows);
    if (out.rates.length) out.billDays = billRange;
  } else {
    problems.push(
      `${describeFault(billOutcome.reason, 'Could not read the bill (ce:GetCostAndUsage)')} Hourly costs are list prices.`,
    );
  }
  return out;
}

/** A throughput's use over the window, and the state it puts it in. */
interface Usage {
  state: IdleState;
  invocations: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  activeHours: number;
  lastUsedAt?: string;
}

/** Judge one throughput's state from its status and its hourly calls. */
function usageOf(
  t: ProvisionedThroughput,
  i: number,
  series: Map<string, MetricSeries> | undefined,
  billedHours: number,
): Usage {
  const unread = { invocations: null, inputTokens: null, outputTokens: null, activeHours: 0 };
  if (t.status === 'Creating') return { ...unread, state: 'creating' };
  if (t.status === 'Failed') return { ...unread, state: 'failed' };
  if (!series) return { ...unread, state: t.status === 'Updating' ? 'updating' : 'unknown' };
  const calls = bucketsOf(series, i, 'inv');
  const invocations = Math.round(total(calls));
  const active = [...calls.entries()].filter(([, v]) => v > 0).map(([at]) => at);
  const activeHours = Math.min(billedHours, active.length);
  let state: IdleState;
  if (t.status === 'Updating') state = 'updating';
  else if (billedHours < 1) state = invocations > 0 ? 'in-use' : 'new';
  else if (invocations === 0) state = 'idle';
  else if (activeHours / billedHours < UNDER_USED_SHARE) state = 'under-used';
  else state = 'in-use';
  return {
    state,
    invocations,
    inputTokens: Math.round(total(bucketsOf(series, i, 'in'))),
    outputTokens: Math.round(total(bucketsOf(series, i, 'out'))),
    activeHours,
    ...(active.length ? { lastUsedAt: new Date(Math.max(...active)).toISOString() } : {}),
  };
}

/** One throughput's finding: its model, hourly cost (bill, else list price), use and recommendation. */
function judgeThroughput(
  t: ProvisionedThroughput,
  i: number,
  measured: boolean,
  read: UsageAndBill,
  options: IdleScanOptions,
): IdleFinding {
  const { now, hours } = options;
  const modelId = modelIdOfArn(t.foundationModelArn || t.modelArn);
  const customModelArn = isCustomModelArn(t.modelArn) ? t.modelArn : undefined;
  const modelName = `${customModelArn ? 'custom ' : ''}${options.modelName?.(modelId) ?? prettyModelName(modelId)}`;
  const billed = matchBilledRate(read.rates, t);
  const rate: ModelUnitRate | undefined = billed
    ? { perModelUnitHour: billed.perModelUnitHour, source: 'bill', basis: billed.usageType }
    : (options.catalogRate?.(modelId, t.commitment, regionOfArn(t.arn)) ??
      publishedRate(modelId, t.commitment));
  const hourly = rate ? { ...rate, total: rate.perModelUnitHour.times(t.modelUnits) } : undefined;
  const ageHours = Math.floor((now.getTime() - Date.parse(t.createdAt)) / HOUR_MS);
  const billedHours = measured
    ? Math.max(0, Math.min(hours, Number.isFinite(ageHours) ? ageHours : hours))
    : 0;
  const { lastUsedAt, ...usage } = usageOf(t, i, read.series, billedHours);
  const idleHours =
    read.series && (t.status === 'InService' || t.status === 'Updating')
      ? billedHours - usage.activeHours
      : 0;
  const team = options.teamTagKey ? t.tags?.[options.teamTagKey]?.trim() : undefined;
  const base = {
    throughput: t,
    modelId,
    modelName,
    ...(customModelArn ? { customModelArn } : {}),
    ...(team ? { team } : {}),
    state: usage.state,
    invocations: usage.invocations,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    billedHours,
    activeHours: usage.activeHours,
    idleHours,
    ...(lastUsedAt ? { lastUsedAt } : {}),
    ...(hourly ? { hourly } : {}),
    wasted: hourly ? hourly.total.times(idleHours) : ZERO,
  };
  return { ...base, ...recommend(base, now, hours) };
}

/**
 * A throughput deleted between the list and now shows no calls: it is not idle, it is
 * gone. Before flagging anything, list again (one request per 100 throughputs, instead
 * of one GetProvisionedModelThroughput each) and drop the ones that disappeared.
 */
async function dropDeleted(
  sources: DataSources,
  findings: IdleFinding[],
  problems: string[],
): Promise<IdleFinding[]> {
  const flagged = findings.filter((f) => f.state === 'idle' || f.state === 'under-used');
  const gone = new Set<string>();
  if (flagged.length) {
    try {
      const still = new Set(
        (await sources.bedrock.listProvisionedThroughputs({ tags: false })).map((t) => t.arn),
      );
      for (const f of flagged) if (!still.has(f.throughput.arn)) gone.add(f.throughput.arn);
    } catch {
      // Cannot confirm either way: keep the findings (the first list said they exist).
    }
  }
  for (const arn of gone) {
    const f = findings.find((x) => x.throughput.arn === arn);
    problems.push(`${f?.throughput.name ?? arn} was deleted while I was checking it: nothing to do.`);
  }
  return findings.filter((f) => !gone.has(f.throughput.arn));
}

/**
 * Scan every provisioned throughput of the account for idleness over the last `hours`.
 * Never throws for AWS faults: they end up in `problems`.
 *
 * @example
 * const scan = await scanIdleThroughputs(await deps.sources(), { now: deps.clock.now(), hours: 24, costMetric: 'UnblendedCost' });
 * scan.findings.filter((f) => f.state === 'idle');
 */
export async function scanIdleThroughputs(sources: DataSources, options: IdleScanOptions): Promise<IdleScan> {
  const { now, hours } = options;
  // Whole minutes: CloudWatch's finest Bedrock resolution, and stable across reruns.
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - hours * HOUR_MS);
  const window = { start: start.toISOString(), end: end.toISOString() };
  const problems: string[] = [];

  let throughputs: ProvisionedThroughput[];
  try {
    throughputs = await sources.bedrock.listProvisionedThroughputs();
  } catch (error) {
    problems.push(
      describeFault(
        error,
        'Could not list provisioned throughputs (bedrock:ListProvisionedModelThroughputs)',
      ),
    );
    return { hours, window, findings: [], problems, metricRequests: 0 };
  }

  // Creating and Failed ones serve no calls and are not (yet) billed: no metrics needed.
  const measured = throughputs.map((t) => t.status === 'InService' || t.status === 'Updating');
  const queries = metricQueries(throughputs, measured);
  const read = await readUsageAndBill(
    sources,
    options,
    { start, end },
    queries,
    measured.some(Boolean),
    problems,
  );
  const findings = throughputs.map((t, i) => judgeThroughput(t, i, measured[i]!, read, options));
  return {
    hours,
    window,
    findings: await dropDeleted(sources, findings, problems),
    problems,
    ...(read.billDays ? { billDays: read.billDays } : {}),
    metricRequests: read.metricRequests,
  };
}

/** The findings as JSON-ready `data` (money rounded to the cent). */
export function toIdleData(scan: IdleScan, snoozed: ReadonlyMap<string, string> = new Map()): IdleData {
  const throughputs = scan.findings.map(
    (f): IdleThroughputData => ({
      arn: f.throughput.arn,
      name: f.throughput.name,
      modelId: f.modelId,
      modelName: f.modelName,
      ...(f.customModelArn ? { customModelArn: f.customModelArn } : {}),
      ...(f.team ? { team: f.team } : {}),
      modelUnits: f.throughput.modelUnits,
      commitment: f.throughput.commitment,
      ...(f.throughput.commitmentExpiresAt ? { expiresAt: f.throughput.commitmentExpiresAt } : {}),
      status: f.throughput.status,
      state: f.state,
      invocations: f.invocations,
      inputTokens: f.inputTokens,
      outputTokens: f.outputTokens,
      billedHours: f.billedHours,
      activeHours: f.activeHours,
      idleHours: f.idleHours,
      ...(f.lastUsedAt ? { lastUsedAt: f.lastUsedAt } : {}),
      ...(snoozed.has(f.throughput.arn) ? { snoozedUntil: snoozed.get(f.throughput.arn) } : {}),
      hourlyUsd: f.hourly ? roundCents(f.hourly.total) : null,
      hourlyCostSource: f.hourly?.source ?? null,
      wastedUsd: roundCents(f.wasted),
      savesPerDayUsd: roundCents(f.savesPerDay),
      ...(f.resizeSavesPerDay ? { resizeSavesPerDayUsd: roundCents(f.resizeSavesPerDay) } : {}),
      recommendation: f.recommendation,
    }),
  );
  const idle = scan.findings.filter((f) => f.state === 'idle');
  return {
    hours: scan.hours,
    window: scan.window,
    throughputs,
    idleCount: idle.length,
    idleWastedUsd: roundCents(sumUsd(idle.map((f) => f.wasted))),
    problems: scan.problems,
  };
}

/**
 * Run the idle scan for `deps` over the last `hours`: the account's sources, the
 * configured cost basis, and catalog prices as the fallback hourly cost.
 */
export async function scanIdleForDeps(deps: Deps, hours: number, sources?: DataSources): Promise<IdleScan> {
  const now = deps.clock.now();
  const home = deps.config.AWS_REGION;
  let resolved: DataSources;
  try {
    resolved = sources ?? (await deps.sources());
  } catch (error) {
    return {
      hours,
      window: { start: new Date(now.getTime() - hours * 3_600_000).toISOString(), end: now.toISOString() },
      findings: [],
      problems: [describeFault(error, 'Could not reach the account')],
      metricRequests: 0,
      regions: [home],
    };
  }
  const { catalogNameFor, catalogRateFor } = await import('./idle-catalog.js');
  const [catalogRate, modelName] = await Promise.all([catalogRateFor(deps), catalogNameFor(deps)]);
  const options = {
    now,
    hours,
    costMetric: costMetricOf(deps.config.BEDROCK_COST_BASIS),
    catalogRate,
    modelName,
    teamTagKey: deps.config.TEAM_TAG_KEY,
  };
  // Other Regions (BEDROCK_COST_REGIONS): their own control plane and CloudWatch, the
  // same bill (its one usage-type query is shared through the cache). The demo account and
  // injected sources have one Region.
  const others = otherRegions(deps);
  const scans = await Promise.all([
    scanIdleThroughputs(resolved, options),
    ...others.map(async (region) => {
      try {
        const regional = await deps.regionSources!(region);
        return await scanIdleThroughputs({ ...resolved, ...regional }, options);
      } catch (error) {
        return {
          hours,
          window: { start: '', end: '' },
          findings: [],
          problems: [describeFault(error, 'Could not reach the Region')],
          metricRequests: 0,
        } satisfies IdleScan;
      }
    }),
  ]);
  const [first] = scans as [IdleScan, ...IdleScan[]];
  if (!others.length) return { ...first, regions: [home] };
  const billDays = scans.find((s) => s.billDays)?.billDays;
  return {
    hours,
    window: first.window,
    findings: scans.flatMap((s) => s.findings),
    // A Region's problem says which Region it is about.
    problems: scans.flatMap((s, i) => s.problems.map((p) => `${i === 0 ? home : others[i - 1]}: ${p}`)),
    ...(billDays ? { billDays } : {}),
    metricRequests: scans.reduce((n, s) => n + s.metricRequests, 0),
    regions: [home, ...others],
  };
}

/**
 * Under-used Reserved-tier capacity: tokens-per-minute (TPM) bought for a 1- or 3-month
 * term, compared with the tokens per minute actually sent over the last 7 days.
 *
 * - What was bought, from the bill (`fetchLines`, so the visibility scope applies): each
 *   Reserved usage type (`USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units`) per team. Its
 *   quantity is in the price's unit, 1K-TPM-hours (docs/pricing.md), so a day's quantity
 *   Q means Q / 24 thousand TPM held all day: **reserved TPM = 1000 x Q / 24**, averaged
 *   over the days of the window the line is billed. The first day the line appears (up to
 *   `HISTORY_DAYS` back) starts the commitment; it ends (or renews) a term later.
 * - What was used, from CloudWatch `AWS/Bedrock` `InputTokenCount` / `OutputTokenCount`
 *   (the reservation's direction), Sum per hour, for every ModelId of the model on the
 *   reservation's route: the system profile (`us.`, `global.`) and the application profiles
 *   copied from it. An hour's tokens / 60 is that hour's average TPM; the 168 hours (hours
 *   without data count as 0) give the average, the peak hour and the 95th percentile.
 * - Under-used when average used / reserved < `RESERVED_UNDER_USED_UTILIZATION` (50%).
 *   The saving resizes the reservation to the p95 used TPM, rounded up to the purchase unit
 *   (1K TPM): (reserved - target) / 1000 x the catalog's Reserved rate per 1K-TPM-hour x
 *   730 hours a month (the bill's own rate, cost / quantity, when the catalog lacks it).
 */
import { addDays, formatDay, toIsoDate } from '../clock.js';
import { Dec, formatUsd, ZERO } from '../money.js';
import type {
  BedrockControlPlane,
  BedrockMetricName,
  InferenceProfile,
  MetricQuery,
  MetricsSource,
} from '../ports.js';
import type { Catalog } from '../pricing/catalog.js';
import { usagePriceFor } from '../pricing/lookup.js';
import { modelForModelId } from '../pricing/models.js';
import { HOURS_PER_MONTH } from '../pricing/workload.js';
import { scopedTeamsOf } from '../scope.js';
import { fetchLines, type SpendContext, type SpendLine } from '../spend/query.js';
import type { UsageTypeInfo } from '../spend/usage-type.js';

/** Average used / reserved below this over the window: under-used. */
export const RESERVED_UNDER_USED_UTILIZATION = 0.5;
/** Days of bill and CloudWatch compared. */
export const RESERVED_WINDOW_DAYS = 7;
/** How far back the bill is read to find when a commitment started (a 3-month term and a bit). */
const HISTORY_DAYS = 100;
/** Reserved capacity is bought in steps of 1K TPM (the price's unit). */
export const RESERVED_PURCHASE_UNIT_TPM = 1000;
const HOUR_MS = 3_600_000;

export interface ReservedCommitment {
  team?: string;
  modelKey?: string;
  model: string;
  direction: 'input' | 'output';
  scope: 'geo' | 'global' | 'in-region';
  term: '1-month' | '3-month';
  usageType: string;
  /** 1000 x 1K-TPM-hours billed / hours billed, over the window. */
  reservedTpm: number;
  costPerDay: Dec;
  /** USD per 1K TPM-hour the saving is priced at, and where it comes from. */
  ratePerKTpmHour: Dec;
  rateSource: 'catalog' | 'bill';
  /** First day the line is on the bill (within the history read). */
  start: string;
  /** When the current term ends (renews): start + term, stepped past today. */
  renews: string;
  /** Used tokens per minute over the window; `undefined` when CloudWatch could not be read. */
  usedAvgTpm?: number;
  peakTpm?: number;
  p95Tpm?: number;
  utilization?: number;
  underUsed: boolean;
  /** Resize target (p95 rounded up to the purchase unit), when under-used. */
  targetTpm?: number;
  /** Saving a month from resizing at renewal (0 when not under-used). */
  monthlyUsd: Dec;
  action?: string;
}

export interface ReservedScan {
  commitments: ReservedCommitment[];
  problems: string[];
}

/** `2026-01-31` + 1 month = `2026-02-28`: the same day of the month, or the month's last. */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return toIsoDate(first);
}

/** Nearest-rank percentile of hourly values. */
function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

interface Group {
  info: UsageTypeInfo;
  team: string;
  service: string;
  usageType: string;
  first: string;
  quantity: Dec;
  amount: Dec;
  days: Set<string>;
}

const SYSTEM_PREFIX = /^(us|eu|apac|jp|au|ca|global|us-gov)\./;

/**
 * The model and route behind a CloudWatch ModelId, as the nowcast maps them
 * (`lib/spend/nowcast.ts`): a system profile by its prefix (`us.` geo, `global.`); an
 * application profile copied from one by the profile it lists (or, listing foundation-model
 * ARNs, the Region-less ARN of a global copy, or several Regions for a geo copy). Plain
 * model IDs are in-Region calls, which the Reserved tier does not serve.
 */
function routeOf(
  catalog: Catalog,
  id: string,
  profiles: Map<string, InferenceProfile>,
): { modelKey: string; route: 'geo' | 'global' } | undefined {
  const profile = profiles.get(id) ?? profiles.get(id.split('/').pop() ?? '');
  if (profile?.type === 'APPLICATION') {
    const arn = profile.modelArns[0] ?? '';
    const via = /inference-profile\/((?:us|eu|apac|jp|au|ca|global|us-gov)\.[^/]+)$/.exec(arn)?.[1];
    const model = modelForModelId(catalog, via ?? arn)?.model;
    if (!model) return undefined;
    const regions = new Set(
      profile.modelArns.map((a) => /^arn:aws[\w-]*:bedrock:([a-z0-9-]+):/.exec(a)?.[1]),
    );
    regions.delete(undefined);
    if (via?.startsWith('global.') || profile.modelArns.some((a) => a.startsWith('arn:aws:bedrock:::'))) {
      return { modelKey: model.key, route: 'global' };
    }
    return via || regions.size > 1 ? { modelKey: model.key, route: 'geo' } : undefined;
  }
  const bare = id.replace(/^arn:.*inference-profile\//, '');
  const prefix = SYSTEM_PREFIX.exec(bare)?.[1];
  const model = prefix ? modelForModelId(catalog, bare)?.model : undefined;
  if (!model) return undefined;
  return { modelKey: model.key, route: prefix === 'global' ? 'global' : 'geo' };
}

/**
 * Every Reserved commitment on the bill of the last 7 days, with its use and, when under
 * `RESERVED_UNDER_USED_UTILIZATION`, the saving from resizing it at renewal.
 */
export async function scanReserved(ctx: SpendContext, catalog: Catalog | undefined): Promise<ReservedScan> {
  const today = toIsoDate(ctx.now);
  const window = { start: addDays(today, -RESERVED_WINDOW_DAYS), end: today };
  const problems: string[] = [];
  const groups = await billedReservations(ctx, window);
  if (!groups.size) return { commitments: [], problems };
  await dateCommitments(ctx, groups, { start: addDays(today, -HISTORY_DAYS), end: window.start }, problems);
  const current = [...groups.values()].filter((g) => g.days.size > 0);
  if (!current.length) return { commitments: [], problems };
  const used = await reservedUse(ctx, catalog, current, problems);
  const commitments = current.map((g, i) => judgeCommitment(g, used?.get(i), catalog, today));
  return { commitments, problems };
}

/** The bill's Reserved-tier input and output lines of a range, per team, service and usage type. */
function reservedLines(ctx: SpendContext, range: { start: string; end: string }): Promise<SpendLine[]> {
  return fetchLines(ctx, { ...range, grouping: 'team-service-usage', granularity: 'DAILY' }).then((r) =>
    r.lines.filter(
      (l) =>
        l.info?.kind === 'reserved' &&
        (l.info.tokenClass === 'input' || l.info.tokenClass === 'output') &&
        l.quantity.gt(0),
    ),
  );
}

const keyOf = (l: SpendLine) => `${l.team ?? ''}\u0000${l.service ?? ''}\u0000${l.usageType ?? ''}`;

/** Each reservation billed in the window: its quantity, amount and days. */
async function billedReservations(
  ctx: SpendContext,
  window: { start: string; end: string },
): Promise<Map<string, Group>> {
  const groups = new Map<string, Group>();
  for (const line of await reservedLines(ctx, window)) {
    let g = groups.get(keyOf(line));
    if (!g) {
      g = {
        info: line.info!,
        team: line.team ?? '',
        service: line.service ?? '',
        usageType: line.usageType ?? '',
        first: line.day,
        quantity: ZERO,
        amount: ZERO,
        days: new Set(),
      };
      groups.set(keyOf(line), g);
    }
    if (line.day < g.first) g.first = line.day;
    g.quantity = g.quantity.plus(line.quantity);
    g.amount = g.amount.plus(line.amount);
    g.days.add(line.day);
  }
  return groups;
}

/**
 * The commitment started on the first day of the unbroken run of billed days that reaches
 * the window: read further back only when there is a reservation (one more bill query).
 */
async function dateCommitments(
  ctx: SpendContext,
  groups: Map<string, Group>,
  history: { start: string; end: string },
  problems: string[],
): Promise<void> {
  try {
    const before = new Map<string, Set<string>>();
    for (const line of await reservedLines(ctx, history)) {
      const days = before.get(keyOf(line)) ?? new Set<string>();
      days.add(line.day);
      before.set(keyOf(line), days);
    }
    for (const [key, g] of groups) {
      const days = before.get(key);
      while (days?.has(addDays(g.first, -1))) g.first = addDays(g.first, -1);
    }
  } catch (error) {
    const message = String((error as { message?: string } | undefined)?.message ?? error);
    problems.push(
      `Could not read older bill to date Reserved commitments (from the last 7 days only): ${message}`,
    );
  }
}

/**
 * CloudWatch: the tokens each reservation's model and route used, summed per hour over
 * the window (by reservation index); undefined when they could not be read or judged.
 */
async function reservedUse(
  ctx: SpendContext,
  catalog: Catalog | undefined,
  current: Group[],
  problems: string[],
): Promise<Map<number, number[]> | undefined> {
  // Reserved capacity serves the account: calls through system profiles carry no team, and
  // a scoped view (BEDROCK_COST_VISIBILITY=team) sees only its teams' application profiles,
  // which would understate the use and flag a false saving. Not judged there.
  if (scopedTeamsOf(ctx.costs)) {
    problems.push(
      'Reserved-tier usage is account-wide (calls through system profiles carry no team): it is judged only in the unscoped view (admins, the FinOps channel).',
    );
    return undefined;
  }
  try {
    if (!ctx.metrics) throw new Error('no CloudWatch source');
    // Without the catalog ModelIds cannot be told apart by model: not judged (rather than 0% used).
    if (!catalog) throw new Error('the pricing catalog is unavailable to map ModelIds to models');
    const end = new Date(Math.floor(ctx.now.getTime() / HOUR_MS) * HOUR_MS);
    const start = new Date(end.getTime() - RESERVED_WINDOW_DAYS * 24 * HOUR_MS);
    const sums = new Map(current.map((_, i) => [i, new Array<number>(RESERVED_WINDOW_DAYS * 24).fill(0)]));
    // The home Region, then the other Regions the account uses Bedrock in
    // (BEDROCK_COST_REGIONS): a `us.` call is counted by the CloudWatch of the Region it
    // was sent from.
    const regions: { metrics: MetricsSource; bedrock?: BedrockControlPlane }[] = [
      { metrics: ctx.metrics, ...(ctx.bedrock ? { bedrock: ctx.bedrock } : {}) },
      ...(ctx.otherRegions ? await ctx.otherRegions() : []),
    ];
    for (const region of regions) await addRegionUse(region, catalog, current, start, end, sums);
    return sums;
  } catch (error) {
    const message = String((error as { message?: string } | undefined)?.message ?? error);
    problems.push(
      `Could not read Reserved-tier usage from CloudWatch (cloudwatch:GetMetricData): ${message.split('\n')[0]}`,
    );
    return undefined;
  }
}

/** One Region's hourly token sums of the ModelIds that reach each reservation's model and route. */
async function addRegionUse(
  region: { metrics: MetricsSource; bedrock?: BedrockControlPlane },
  catalog: Catalog,
  current: Group[],
  start: Date,
  end: Date,
  sums: Map<number, number[]>,
): Promise<void> {
  const [ids, profileList] = await Promise.all([
    region.metrics.listModelIds(),
    region.bedrock ? region.bedrock.listInferenceProfiles().catch(() => []) : Promise.resolve([]),
  ]);
  const profiles = new Map<string, InferenceProfile>();
  for (const p of profileList) {
    profiles.set(p.id, p);
    profiles.set(p.arn, p);
  }
  const queries: MetricQuery[] = [];
  const owner = new Map<string, number>();
  const routes = new Map(ids.map((id) => [id, routeOf(catalog, id, profiles)]));
  current.forEach((g, i) => {
    const metric: BedrockMetricName = g.info.tokenClass === 'input' ? 'InputTokenCount' : 'OutputTokenCount';
    const route = g.info.scope === 'global' ? 'global' : 'geo';
    ids
      .filter((id) => {
        const r = routes.get(id);
        return r !== undefined && r.route === route && r.modelKey === g.info.modelKey;
      })
      .forEach((modelId, j) => {
        const id = `r${i}_${j}`;
        queries.push({ id, metric, modelId });
        owner.set(id, i);
      });
  });
  if (!queries.length) return;
  const hours = RESERVED_WINDOW_DAYS * 24;
  const result = await region.metrics.getMetricSums({ start, end, periodSeconds: 3600, queries });
  for (const s of result.series) {
    const i = owner.get(s.id);
    if (i === undefined) continue;
    const buckets = sums.get(i)!;
    for (const p of s.points) {
      const h = Math.floor((p.at.getTime() - start.getTime()) / HOUR_MS);
      if (h >= 0 && h < hours) buckets[h] = buckets[h]! + p.value;
    }
  }
}

/** One reservation as billed, with its use (`hourly` tokens) and the resize it calls for, if any. */
function judgeCommitment(
  g: Group,
  hourly: number[] | undefined,
  catalog: Catalog | undefined,
  today: string,
): ReservedCommitment {
  const base = billedCommitment(g, catalog, today);
  if (!hourly) return { ...base, underUsed: false, monthlyUsd: ZERO };
  const tpm = hourly.map((tokens) => tokens / 60);
  const usedAvgTpm = tpm.reduce((s, v) => s + v, 0) / tpm.length;
  const peakTpm = Math.max(...tpm);
  const p95Tpm = percentile(tpm, 0.95);
  const { reservedTpm } = base;
  const utilization = reservedTpm > 0 ? usedAvgTpm / reservedTpm : 0;
  const measured = { usedAvgTpm, peakTpm, p95Tpm, utilization };
  const unit = RESERVED_PURCHASE_UNIT_TPM;
  const targetTpm = Math.max(unit, Math.ceil(p95Tpm / unit) * unit);
  const underUsed = utilization < RESERVED_UNDER_USED_UTILIZATION && targetTpm < reservedTpm;
  if (!underUsed) return { ...base, ...measured, underUsed, monthlyUsd: ZERO };
  const monthlyUsd = new Dec(reservedTpm)
    .minus(targetTpm)
    .div(unit)
    .times(base.ratePerKTpmHour)
    .times(HOURS_PER_MONTH);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const { renews } = base;
  const renewDay =
    renews.slice(0, 4) === today.slice(0, 4)
      ? formatDay(renews)
      : `${formatDay(renews)}, ${renews.slice(0, 4)}`;
  const action = `resize the ${base.model} Reserved ${base.term} ${g.info.tokenClass} reservation (${g.info.scope === 'global' ? 'global' : 'cross-region'}) from ${fmt(reservedTpm)} to ${fmt(targetTpm)} TPM when it renews on ${renewDay}: ${Math.round(utilization * 100)}% used over ${RESERVED_WINDOW_DAYS} days (peak ${fmt(peakTpm)}, p95 ${fmt(p95Tpm)} TPM), about ${formatUsd(monthlyUsd.negated(), { decimals: 0 })} a month.`;
  return { ...base, ...measured, underUsed, targetTpm, monthlyUsd, action };
}

/** What the bill says of one reservation: the TPM held, its cost, rate, start and renewal. */
function billedCommitment(g: Group, catalog: Catalog | undefined, today: string) {
  const info = g.info;
  const term = info.reservedTerm ?? '1-month';
  const months = term === '3-month' ? 3 : 1;
  // Quantity is 1K-TPM-hours: 1000 x quantity / hours billed = TPM held.
  const hoursBilled = g.days.size * 24;
  const reservedTpm = g.quantity.times(RESERVED_PURCHASE_UNIT_TPM).div(hoursBilled).toNumber();
  const listed = catalog ? usagePriceFor(catalog, info) : undefined;
  let renews = addMonths(g.first, months);
  while (renews <= today) renews = addMonths(renews, months);
  return {
    ...(g.team ? { team: g.team } : {}),
    ...(info.modelKey ? { modelKey: info.modelKey } : {}),
    model: info.modelName ?? info.usageType,
    direction: info.tokenClass as 'input' | 'output',
    scope: info.scope,
    term,
    usageType: g.usageType,
    reservedTpm,
    costPerDay: g.amount.div(g.days.size),
    ratePerKTpmHour: listed ? listed.usd : g.amount.div(g.quantity),
    rateSource: listed ? ('catalog' as const) : ('bill' as const),
    start: g.first,
    renews,
  } satisfies Partial<ReservedCommitment>;
}

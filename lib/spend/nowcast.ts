/**
 * Nowcast: what today has cost so far, before the bill knows. Cost Explorer lags by hours
 * (it refreshes up to three times a day), while CloudWatch `AWS/Bedrock` has token counts
 * per `ModelId` within minutes. Tokens x catalog prices is an *estimate* - it misses
 * discounts, provisioned throughput, Guardrails and Knowledge Bases - and every answer that
 * uses it says so.
 *
 * `ModelId` is whatever the caller invoked: a base model ID, a system inference profile
 * (`us.` / `eu.` / `global.` + model ID, priced by route), or an application inference
 * profile ID, which names neither model nor team: those are looked up in the control plane
 * (`ListInferenceProfiles`), whose tags carry the team.
 */
import { toIsoDate } from '../clock.js';
import type { Log } from '../log.js';
import { Dec, sumUsd, ZERO } from '../money.js';
import type { BedrockMetricName, InferenceProfile } from '../ports.js';
import type { Catalog, CatalogModel, PriceSet } from '../pricing/catalog.js';
import { modelForModelId, routesFrom } from '../pricing/models.js';
import type { RegionalMetrics, SpendContext } from './query.js';
import { UNATTRIBUTED } from './query.js';
import type { SpendGroupBy } from './spend.js';
import type { TokenClass } from './usage-type.js';

const METRICS: { metric: BedrockMetricName; tokenClass: TokenClass; price: keyof PriceSet }[] = [
  { metric: 'InputTokenCount', tokenClass: 'input', price: 'input' },
  { metric: 'OutputTokenCount', tokenClass: 'output', price: 'output' },
  { metric: 'CacheReadInputTokenCount', tokenClass: 'cache-read', price: 'cacheRead' },
  { metric: 'CacheWriteInputTokenCount', tokenClass: 'cache-write-5m', price: 'cacheWrite5m' },
];

const MILLION = new Dec(1_000_000);

export interface NowcastLine {
  modelId: string;
  modelKey?: string;
  modelName?: string;
  /** Team tag of the application inference profile; `''` when not known. */
  team: string;
  region?: string;
  tokenClass: TokenClass;
  tokens: number;
  usd: Dec;
}

export interface Nowcast {
  /** Start of the estimated window (midnight UTC today). */
  start: Date;
  end: Date;
  totalUsd: Dec;
  lines: NowcastLine[];
  /** ModelIds with tokens but no price (custom models, models missing from the catalog). */
  unpriced: string[];
  /** Catalog date of the prices used. */
  pricesAsOf: string;
  requests: number;
  /** Group the estimate like a `spend` breakdown. */
  groupsBy(groupBy: SpendGroupBy): { key: string; label: string; usd: Dec }[];
}

export interface NowcastDeps {
  catalog(): Promise<Catalog>;
  log: Log;
  config: { AWS_REGION: string };
}

interface Target {
  model?: CatalogModel;
  team: string;
  region: string;
  route: 'in-region' | 'geo' | 'global';
  geo?: string;
}

function profileIdOf(modelId: string): string {
  const m = /inference-profile\/(.+)$/.exec(modelId);
  return m ? m[1]! : modelId;
}

function regionOfArn(arn: string): string | undefined {
  return /^arn:aws[\w-]*:bedrock:([a-z0-9-]+):/.exec(arn)?.[1];
}

/**
 * Inference profiles by ID and by ARN. An account with one application profile per team
 * has as many profiles as ModelIds: a linear search per ModelId was 10,000 x 10,000
 * comparisons an hour at 10,000 teams.
 */
interface ProfileIndex {
  byId: Map<string, InferenceProfile>;
  byArn: Map<string, InferenceProfile>;
}

function indexProfiles(profiles: InferenceProfile[]): ProfileIndex {
  const byId = new Map<string, InferenceProfile>();
  const byArn = new Map<string, InferenceProfile>();
  // The first of duplicates wins, as in a search down the list.
  for (const p of profiles) {
    if (!byId.has(p.id)) byId.set(p.id, p);
    if (!byArn.has(p.arn)) byArn.set(p.arn, p);
  }
  return { byId, byArn };
}

/** Map a CloudWatch ModelId to the model, team and pricing route behind it. */
function targetOf(
  catalog: Catalog,
  modelId: string,
  profiles: ProfileIndex,
  teamTagKey: string,
  region: string,
): Target {
  const id = profileIdOf(modelId);
  const profile = profiles.byId.get(id) ?? profiles.byArn.get(modelId);
  if (profile?.type === 'APPLICATION') {
    const team = profile.tags[teamTagKey] ?? '';
    const arn = profile.modelArns[0] ?? '';
    const resolved = modelForModelId(catalog, arn);
    const regions = new Set(profile.modelArns.map(regionOfArn).filter(Boolean));
    // An application profile copied from a `us.` / `global.` system profile routes across
    // Regions: price it like that route (the first model ARN names the model only).
    const systemId = /inference-profile\/((?:us|eu|apac|jp|au|ca|global|us-gov)\.[^/]+)$/.exec(arn)?.[1];
    const viaSystem = systemId ? modelForModelId(catalog, systemId) : undefined;
    const model = resolved?.model ?? viaSystem?.model;
    const profilePrefix = viaSystem?.profile;
    // A profile copied from a `global.` system profile lists the Region-less ARN
    // (`arn:aws:bedrock:::foundation-model/...`) beside the Regional ones: it routes globally.
    const global =
      profilePrefix === 'global' || profile.modelArns.some((a) => a.startsWith('arn:aws:bedrock:::'));
    return {
      ...(model ? { model } : {}),
      team,
      region: regionOfArn(profile.arn) ?? region,
      route: global ? 'global' : profilePrefix || regions.size > 1 ? 'geo' : 'in-region',
      ...(profilePrefix && profilePrefix !== 'global' ? { geo: profilePrefix } : {}),
    };
  }
  const resolved = modelForModelId(catalog, modelId);
  const prefix = resolved?.profile;
  return {
    ...(resolved ? { model: resolved.model } : {}),
    team: '',
    region: regionOfArn(modelId) ?? region,
    route: prefix === 'global' ? 'global' : prefix ? 'geo' : 'in-region',
    ...(prefix && prefix !== 'global' ? { geo: prefix } : {}),
  };
}

function priceSetOf(target: Target): PriceSet | undefined {
  if (!target.model) return undefined;
  const routes = routesFrom(target.model, target.region);
  const exact = routes.find((r) => r.route === target.route && (!target.geo || r.at === target.geo));
  return (
    (exact ?? routes.find((r) => r.route === target.route) ?? routes[0])?.prices ?? target.model.prices[0]
  );
}

/**
 * Estimate Bedrock spend from midnight UTC today until now, from CloudWatch token counts
 * x catalog prices, per ModelId (mapped to model and team through inference profiles).
 * Optionally for one team (`''` = ModelIds without a team).
 */
export async function nowcastToday(
  ctx: SpendContext,
  deps: NowcastDeps,
  options: { team?: string; teams?: ReadonlySet<string> } = {},
): Promise<Nowcast> {
  const start = new Date(`${toIsoDate(ctx.now)}T00:00:00Z`);
  return nowcastWindow(ctx, deps, { start, end: ctx.now, ...options });
}

/** The nowcast lines of one Region: its ModelIds, mapped through its profiles, priced there. */
async function regionalNowcast(
  source: RegionalMetrics,
  ctx: SpendContext,
  deps: NowcastDeps,
  catalog: Catalog,
  options: NowcastWindowOptions,
): Promise<{ lines: NowcastLine[]; unpriced: string[]; requests: number }> {
  const [modelIds, profiles] = await Promise.all([
    source.metrics.listModelIds(),
    source.bedrock?.listInferenceProfiles().catch((error: unknown) => {
      deps.log.warn('could not list inference profiles; application profiles count as unattributed', error);
      return [] as InferenceProfile[];
    }) ?? Promise.resolve([] as InferenceProfile[]),
  ]);
  const index = indexProfiles(profiles);
  const targets = new Map(
    modelIds.map((id) => [id, targetOf(catalog, id, index, ctx.teamTagKey, source.region)]),
  );
  const wanted = modelIds.filter((id) => {
    const team = targets.get(id)!.team;
    return (
      (options.team === undefined || team === options.team) && (!options.teams || options.teams.has(team))
    );
  });
  if (!wanted.length) return { lines: [], unpriced: [], requests: 0 };
  const queries = wanted.flatMap((modelId, i) =>
    METRICS.map((m, j) => ({ id: `m${i}_${j}`, metric: m.metric, modelId })),
  );
  const result = await source.metrics.getMetricSums({
    start: options.start,
    end: options.end,
    periodSeconds: 3600,
    queries,
  });
  const sums = new Map(result.series.map((s) => [s.id, s.points.reduce((a, p) => a + p.value, 0)]));
  const lines: NowcastLine[] = [];
  const unpriced = new Set<string>();
  wanted.forEach((modelId, i) => {
    const target = targets.get(modelId)!;
    const prices = priceSetOf(target);
    METRICS.forEach((m, j) => {
      const tokens = sums.get(`m${i}_${j}`) ?? 0;
      if (tokens <= 0) return;
      const perMillion = prices?.[m.price] as string | undefined;
      // Cache writes without a published price are priced like input (Nova writes are free: priced 0 when published so).
      const rate =
        perMillion ?? (m.tokenClass === 'cache-write-5m' ? (prices?.input as string | undefined) : undefined);
      if (rate === undefined) {
        unpriced.add(modelId);
        return;
      }
      lines.push({
        modelId,
        ...(target.model ? { modelKey: target.model.key, modelName: target.model.name } : {}),
        team: target.team,
        region: target.region,
        tokenClass: m.tokenClass,
        tokens,
        usd: new Dec(tokens).times(rate).div(MILLION),
      });
    });
  });
  return { lines, unpriced: [...unpriced], requests: result.requests };
}

export interface NowcastWindowOptions {
  start: Date;
  end: Date;
  /** Only this team (`''` = ModelIds without a team). */
  team?: string;
  /** Only these teams: their ModelIds alone are read (CloudWatch bills per metric). */
  teams?: ReadonlySet<string>;
}

/** Nowcast over any recent window (hours the bill does not have yet). */
export async function nowcastWindow(
  ctx: SpendContext,
  deps: NowcastDeps,
  options: NowcastWindowOptions,
): Promise<Nowcast> {
  const catalog = await deps.catalog();
  const empty = (requests = 0): Nowcast => ({
    start: options.start,
    end: options.end,
    totalUsd: ZERO,
    lines: [],
    unpriced: [],
    pricesAsOf: catalog.asOf,
    requests,
    groupsBy: () => [],
  });
  if (!ctx.metrics || options.end <= options.start) return empty();
  // The bot's Region, then the other Regions the account uses Bedrock in (each with its own
  // CloudWatch and inference profiles); a Region that cannot be read is left out, logged.
  const others =
    (await ctx.otherRegions?.().catch((error: unknown) => {
      deps.log.warn('nowcast: could not reach the other Regions', error);
      return [];
    })) ?? [];
  const home: RegionalMetrics = {
    region: deps.config.AWS_REGION,
    metrics: ctx.metrics,
    ...(ctx.bedrock ? { bedrock: ctx.bedrock } : {}),
  };
  const parts = await Promise.all([
    regionalNowcast(home, ctx, deps, catalog, options),
    ...others.map((r) =>
      regionalNowcast(r, ctx, deps, catalog, options).catch((error: unknown) => {
        deps.log.warn(`nowcast: could not read ${r.region}; its tokens are left out`, error);
        return { lines: [], unpriced: [], requests: 0 };
      }),
    ),
  ]);
  const lines = parts.flatMap((p) => p.lines);
  const unpriced = new Set(parts.flatMap((p) => p.unpriced));
  const requests = parts.reduce((n, p) => n + p.requests, 0);
  const totalUsd = sumUsd(lines.map((l) => l.usd));
  return {
    start: options.start,
    end: options.end,
    totalUsd,
    lines,
    unpriced: [...unpriced].sort(),
    pricesAsOf: catalog.asOf,
    requests,
    groupsBy: (groupBy) => groupNowcastLines(lines, groupBy),
  };
}

/**
 * What a team's token estimate adds to the bill for today: the estimate less what the bill
 * already has of the team's day, never below zero. `spend`, `budget` and the alerts all use it.
 */
export function unbilledPart(estimate: Dec, billedToday: Dec): Dec {
  return estimate.gt(billedToday) ? estimate.minus(billedToday) : ZERO;
}

/** Nowcast lines grouped like a `spend` breakdown (also for lines scaled to what the bill lacks). */
export function groupNowcastLines(
  lines: readonly Pick<NowcastLine, 'team' | 'region' | 'modelKey' | 'modelName' | 'modelId' | 'usd'>[],
  groupBy: SpendGroupBy,
): { key: string; label: string; usd: Dec }[] {
  const groups = new Map<string, { key: string; label: string; usd: Dec }>();
  for (const line of lines) {
    let key: string;
    let label: string;
    switch (groupBy) {
      case 'team':
        key = line.team === '' ? UNATTRIBUTED : line.team;
        label = line.team === '' ? `${UNATTRIBUTED} (no team tag)` : line.team;
        break;
      case 'region':
        key = line.region ?? 'no region';
        label = key;
        break;
      case 'model':
        key = line.modelKey ?? line.modelId;
        label = line.modelName ?? line.modelId;
        break;
      default:
        key = 'estimate';
        label = 'Estimated from token metrics (today)';
    }
    const g = groups.get(key);
    if (g) g.usd = g.usd.plus(line.usd);
    else groups.set(key, { key, label, usd: line.usd });
  }
  return [...groups.values()].sort((a, b) => b.usd.comparedTo(a.usd));
}

/**
 * Estimated spend today per team (`''` = no team), for budget alerts ("plus $38
 * estimated for today from token metrics"). One ListMetrics + one GetMetricData per 500
 * series; with `teams`, only those teams' ModelIds are read.
 */
export async function estimateTodayByTeam(
  ctx: SpendContext,
  deps: NowcastDeps,
  teams?: ReadonlySet<string>,
): Promise<Map<string, Dec>> {
  return teamTotals((await nowcastToday(ctx, deps, teams ? { teams } : {})).lines);
}

/** Estimate per team (`''` = no team): what `spend today` and the budgets' nowcast both start from. */
export function teamTotals(lines: readonly Pick<NowcastLine, 'team' | 'usd'>[]): Map<string, Dec> {
  const out = new Map<string, Dec>();
  for (const line of lines) out.set(line.team, (out.get(line.team) ?? ZERO).plus(line.usd));
  return out;
}

/**
 * The digest's one recommendation: of the things a team could change, the one that saves
 * the most a month, priced with the pricing estimator (the same numbers `estimate` gives).
 *
 * Candidates, from the team's own bill of last week:
 * - *Batch inference* for traffic that is new since the week before. A job that appears
 *   from one week to the next (a re-ranking job, a backfill) is the usual offline workload;
 *   batch costs half of on-demand but answers within 24 h, so the advice says "if offline".
 * - *Prompt caching* for a model that supports it and reads little from the cache yet
 *   (the estimator assumes 60% of input is a cacheable prefix, and counts the writes).
 * - *A cheaper model of the same tier*, never an older one: the same family and size
 *   (Claude Sonnet, Opus, Haiku; Llama 70B, 8B, ...) at the same or a newer generation, priced
 *   for the same tokens. A model change needs an evaluation first, so it is ranked at half its
 *   saving: it wins only when it clearly beats a change that keeps the model.
 * - *Deleting idle provisioned throughput* billed to the team (no commitment), from the
 *   idle scan: its hourly cost x 730 hours.
 * - *Resizing under-used provisioned throughput* (calls in under a quarter of its hours),
 *   from the idle scan: a model unit fewer, or not renewing, from the commitment's end.
 * - *The global cross-Region route* for on-demand traffic sent in-region or through a geo
 *   profile (`us.`, `eu.`) of a model whose `global.` profile is cheaper at list prices
 *   (recent Claude models: about 10%): the bill's cost x (1 - global price / route price).
 * - *Fixing a prompt cache that loses money* (writes cost more above plain input than the
 *   reads save, `lib/analysis/cache-economics.ts`): the dollars lost a month.
 *
 * `savings` lists every candidate of every team (`recommendationCandidates`), the digest
 * shows the best one (`recommend`): one derivation, the same dollars in both.
 *
 * Token volumes are not in the bill in a comparable unit across usage types, so they are
 * derived from cost: tokens = cost / list price of the route the usage type names. That
 * makes the estimator's on-demand figure match the bill, and the saving its difference.
 */

import { cacheEconomics } from '../analysis/cache-economics.js';
import type { DateRange } from '../clock.js';
import { daysBetween } from '../clock.js';
import type { IdleFinding } from '../idle/scan.js';
import { Dec, formatUsd, sumUsd, ZERO } from '../money.js';
import type { Catalog, CatalogModel, PriceSet } from '../pricing/catalog.js';
import { estimateWorkload } from '../pricing/estimator.js';
import { findModel, type ResolvedModel, routesFrom } from '../pricing/models.js';
import { HOURS_PER_MONTH, type Workload } from '../pricing/workload.js';
import type { SpendLine } from '../spend/query.js';

export type RecommendationKind =
  | 'batch'
  | 'prompt-cache'
  | 'newer-same-tier-model'
  | 'delete-idle-throughput'
  | 'resize-under-used-throughput'
  | 'cache-misuse'
  | 'global-route';

export interface Recommendation {
  kind: RecommendationKind;
  /** One sentence, starting with the action. */
  text: string;
  /** Estimated saving per month (730 hours). */
  monthlyUsd: Dec;
  model?: string;
  /** The team the saving belongs to, when the candidates span teams. */
  team?: string;
}

/** Below this a recommendation is not worth a lead's attention. */
export const MIN_MONTHLY_SAVING = new Dec(10);

/** A typical prompt size, to turn monthly tokens into a request count (cache writes depend on it). */
const TOKENS_PER_REQUEST = 2000;

const MONTH_HOURS = new Dec(HOURS_PER_MONTH);

interface ModelTokens {
  modelKey: string;
  modelName: string;
  region: string;
  scope: 'in-region' | 'geo' | 'global';
  /** Cost per token class in each week. */
  current: Record<'input' | 'output' | 'cacheRead' | 'cacheWrite', Dec>;
  previous: Record<'input' | 'output' | 'cacheRead' | 'cacheWrite', Dec>;
}

const emptyClasses = () => ({ input: ZERO, output: ZERO, cacheRead: ZERO, cacheWrite: ZERO });

function classOf(tokenClass: string | undefined): keyof ModelTokens['current'] | undefined {
  if (tokenClass === 'input') return 'input';
  if (tokenClass === 'output') return 'output';
  if (tokenClass === 'cache-read') return 'cacheRead';
  if (tokenClass?.startsWith('cache-write')) return 'cacheWrite';
  return undefined;
}

/** On-demand (not batch) token spend per model, for the two weeks. */
function tokensByModel(lines: SpendLine[], current: DateRange, previous: DateRange): ModelTokens[] {
  const byModel = new Map<string, ModelTokens>();
  for (const line of lines) {
    const info = line.info;
    if (info?.kind !== 'tokens' || info.batch || !info.modelKey) continue;
    const cls = classOf(info.tokenClass);
    if (!cls) continue;
    const inCurrent = line.day >= current.start && line.day < current.end;
    const inPrevious = line.day >= previous.start && line.day < previous.end;
    if (!inCurrent && !inPrevious) continue;
    let m = byModel.get(info.modelKey);
    if (!m) {
      m = {
        modelKey: info.modelKey,
        modelName: info.modelName ?? info.modelKey,
        region: info.region ?? 'us-east-1',
        scope: info.scope,
        current: emptyClasses(),
        previous: emptyClasses(),
      };
      byModel.set(info.modelKey, m);
    }
    const week = inCurrent ? m.current : m.previous;
    week[cls] = week[cls].plus(line.amount);
  }
  return [...byModel.values()].sort((a, b) =>
    sumUsd(Object.values(b.current)).comparedTo(sumUsd(Object.values(a.current))),
  );
}

/** The price set of the route the bill's usage type names (global, geo or in-region). */
function pricesFor(model: CatalogModel, region: string, scope: ModelTokens['scope']): PriceSet | undefined {
  const routes = routesFrom(model, region);
  const wanted = scope === 'global' ? 'global' : scope === 'geo' ? 'geo' : 'in-region';
  return (routes.find((r) => r.route === wanted) ?? routes[0])?.prices;
}

/** Monthly tokens from a week's cost at a price per 1M tokens. */
function monthlyTokens(weekCost: Dec, perMillion: string | undefined, weekDays: number): number {
  if (!perMillion || new Dec(perMillion).isZero() || weekCost.lte(0)) return 0;
  return weekCost
    .div(perMillion)
    .times(1_000_000)
    .times(MONTH_HOURS.div(weekDays * 24))
    .toNumber();
}

function workloadOf(
  model: CatalogModel,
  region: string,
  inputTokens: number,
  outputTokens: number,
): Workload | undefined {
  if (inputTokens <= 0) return undefined;
  const requestsPerMonth = Math.max(1, Math.round(inputTokens / TOKENS_PER_REQUEST));
  return {
    modelText: model.key,
    requestsPerMonth,
    volumeText: `${requestsPerMonth}/month`,
    volume: { count: requestsPerMonth, unit: 'month' },
    inputTokens: Math.max(1, Math.round(inputTokens / requestsPerMonth)),
    outputTokens: Math.round(outputTokens / requestsPerMonth),
    images: false,
    batch: false,
    cacheTtl: '5m',
    region,
    calls: 1,
    kb: false,
    guardrails: false,
    logs: false,
  };
}

function resolvedOf(model: CatalogModel, scope: ModelTokens['scope']): ResolvedModel {
  return scope === 'global' ? { model, profile: 'global' } : { model };
}

/** Batch for the traffic that is new since the week before. */
function batchCandidate(catalog: Catalog, m: ModelTokens, weekDays: number): Recommendation | undefined {
  const model = findModel(catalog, m.modelKey)?.model;
  if (!model?.batch || model.modality !== 'text') return undefined;
  const prices = pricesFor(model, m.region, m.scope);
  if (!prices) return undefined;
  const grownIn = Dec.max(ZERO, m.current.input.minus(m.previous.input));
  const grownOut = Dec.max(ZERO, m.current.output.minus(m.previous.output));
  const grown = grownIn.plus(grownOut);
  const before = m.previous.input.plus(m.previous.output);
  // Only a clear step up reads as a new job: +25% and at least $20 a week.
  if (grown.lt(20) || (!before.isZero() && grown.lt(before.times(0.25)))) return undefined;
  const w = workloadOf(
    model,
    m.region,
    monthlyTokens(grownIn, prices.input, weekDays),
    monthlyTokens(grownOut, prices.output, weekDays),
  );
  if (!w) return undefined;
  try {
    const estimate = estimateWorkload(catalog, resolvedOf(model, m.scope), w);
    const batch = estimate.options.find((o) => o.mode === 'batch');
    if (!batch) return undefined;
    const saving = estimate.default.monthly.minus(batch.monthly);
    return {
      kind: 'batch',
      model: model.name,
      monthlyUsd: saving,
      text: `if the new ${model.name} traffic (${formatUsd(grown, { decimals: 0, signed: true })} last week) is an offline job, run it as batch inference: about ${formatUsd(saving.negated(), { decimals: 0 })} a month.`,
    };
  } catch {
    return undefined;
  }
}

/** Prompt caching for a model that supports it and barely uses it (and does not write to a cache yet). */
function cacheCandidate(catalog: Catalog, m: ModelTokens, weekDays: number): Recommendation | undefined {
  if (m.current.cacheWrite.gt(0)) return undefined;
  const model = findModel(catalog, m.modelKey)?.model;
  if (!model?.cache || model.modality !== 'text') return undefined;
  const prices = pricesFor(model, m.region, m.scope);
  if (!prices?.cacheRead) return undefined;
  const input = monthlyTokens(m.current.input, prices.input, weekDays);
  const cached = monthlyTokens(m.current.cacheRead, prices.cacheRead, weekDays);
  // Already caching a good share of the prompt: nothing obvious to gain.
  if (input <= 0 || cached > 0.3 * (input + cached)) return undefined;
  const w = workloadOf(model, m.region, input, monthlyTokens(m.current.output, prices.output, weekDays));
  if (!w) return undefined;
  try {
    const estimate = estimateWorkload(catalog, resolvedOf(model, m.scope), w);
    const cache = estimate.options.find((o) => o.mode === 'prompt-cache');
    if (!cache) return undefined;
    const saving = estimate.default.monthly.minus(cache.monthly);
    return {
      kind: 'prompt-cache',
      model: model.name,
      monthlyUsd: saving,
      text: `cache the repeated prompt prefix on ${model.name} (prompt caching, if ~60% of the input repeats): about ${formatUsd(saving.negated(), { decimals: 0 })} a month.`,
    };
  } catch {
    return undefined;
  }
}

/** Family (tier) and generation of a model key, for the models where both are clear. */
export function tierOf(key: string): { family: string; generation: number } | undefined {
  // claude-3-5-sonnet, claude-3-5-sonnet-v2, claude-sonnet-4-5, claude-opus-4-1, claude-haiku-4-5
  const claude = /^claude-(?:(\d+)(?:-(\d+))?-)?(sonnet|opus|haiku)(?:-(\d+)(?:-(\d+))?)?(-v\d+)?$/.exec(key);
  if (claude) {
    const major = claude[1] ?? claude[4];
    const minor = claude[1] ? claude[2] : claude[5];
    if (!major) return undefined;
    return {
      family: `claude-${claude[3]}`,
      generation: Number(major) + Number(minor ?? 0) / 10 + (claude[6] ? 0.01 : 0),
    };
  }
  // llama3-1-70b, llama3-3-70b, llama3-70b
  const llama = /^llama(\d+)(?:-(\d+))?-(\d+b)$/.exec(key);
  if (llama)
    return { family: `llama-${llama[3]}`, generation: Number(llama[1]) + Number(llama[2] ?? 0) / 10 };
  return undefined;
}

/** The same tokens on a cheaper model of the same family, same or newer generation. */
function newerModelCandidate(catalog: Catalog, m: ModelTokens, weekDays: number): Recommendation | undefined {
  const model = findModel(catalog, m.modelKey)?.model;
  const tier = model ? tierOf(model.key) : undefined;
  if (!model || !tier || model.modality !== 'text') return undefined;
  const prices = pricesFor(model, m.region, m.scope);
  if (!prices) return undefined;
  const w = workloadOf(
    model,
    m.region,
    monthlyTokens(m.current.input, prices.input, weekDays),
    monthlyTokens(m.current.output, prices.output, weekDays),
  );
  if (!w) return undefined;
  let current: Dec;
  try {
    current = estimateWorkload(catalog, resolvedOf(model, m.scope), w).default.monthly;
  } catch {
    return undefined;
  }
  let best: { model: CatalogModel; monthly: Dec } | undefined;
  for (const other of catalog.models) {
    const t = tierOf(other.key);
    if (other === model || other.modality !== 'text' || !t) continue;
    if (t.family !== tier.family || t.generation < tier.generation) continue;
    try {
      const monthly = estimateWorkload(catalog, resolvedOf(other, m.scope), { ...w, modelText: other.key })
        .default.monthly;
      if (!best || monthly.lt(best.monthly)) best = { model: other, monthly };
    } catch {
      // Not offered where this traffic runs: not a candidate.
    }
  }
  if (!best) return undefined;
  const saving = current.minus(best.monthly);
  // Below 5% a model change is not worth its evaluation.
  if (saving.lte(current.times(0.05))) return undefined;
  return {
    kind: 'newer-same-tier-model',
    model: best.model.name,
    monthlyUsd: saving,
    text: `try ${best.model.name} for the ${model.name} traffic (same tier, ${Math.round(saving.div(current).toNumber() * 100)}% cheaper at list prices; evaluate it first): about ${formatUsd(saving.negated(), { decimals: 0 })} a month.`,
  };
}

/** Delete an idle, uncommitted provisioned throughput. */
function idleCandidate(finding: IdleFinding): Recommendation | undefined {
  if (finding.state !== 'idle') return undefined;
  if (finding.savesPerDay.lte(0)) {
    // Committed: the saving starts when the commitment ends.
    const later = finding.resizeSavesPerDay;
    if (!later?.gt(0)) return undefined;
    const monthly = later.times(MONTH_HOURS).div(24);
    const ends = finding.throughput.commitmentExpiresAt?.slice(0, 10);
    return {
      kind: 'delete-idle-throughput',
      model: finding.modelName,
      ...(finding.team ? { team: finding.team } : {}),
      monthlyUsd: monthly,
      text: `do not renew the idle provisioned throughput ${finding.throughput.name} (${finding.modelName}, no calls in ${finding.idleHours} h, committed until ${ends ?? 'an unknown date'}), and move a workload onto it until then: about ${formatUsd(monthly.negated(), { decimals: 0 })} a month from ${ends ?? 'its end'}.`,
    };
  }
  const monthly = finding.savesPerDay.times(MONTH_HOURS).div(24);
  return {
    kind: 'delete-idle-throughput',
    model: finding.modelName,
    ...(finding.team ? { team: finding.team } : {}),
    monthlyUsd: monthly,
    text: `delete the idle provisioned throughput ${finding.throughput.name} (${finding.modelName}, no calls in ${finding.idleHours} h): about ${formatUsd(monthly.negated(), { decimals: 0 })} a month.`,
  };
}

/** Resize (or do not renew) an under-used provisioned throughput. */
function underUsedCandidate(finding: IdleFinding): Recommendation | undefined {
  if (finding.state !== 'under-used') return undefined;
  const perDay = finding.savesPerDay.gt(0) ? finding.savesPerDay : finding.resizeSavesPerDay;
  if (!perDay?.gt(0)) return undefined;
  const monthly = perDay.times(MONTH_HOURS).div(24);
  const r = finding.recommendation.replace(/\.$/, '');
  return {
    kind: 'resize-under-used-throughput',
    model: finding.modelName,
    ...(finding.team ? { team: finding.team } : {}),
    monthlyUsd: monthly,
    text: `resize the under-used provisioned throughput ${finding.throughput.name} (${finding.modelName}; ${r.charAt(0).toLowerCase()}${r.slice(1)}): about ${formatUsd(monthly.negated(), { decimals: 0 })} a month.`,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** A prompt cache whose writes cost more than its reads save. */
function cacheMisuseCandidates(lines: SpendLine[], current: DateRange): Recommendation[] {
  const days = daysBetween(current.start, current.end);
  return cacheEconomics(lines, current)
    .filter((e) => e.netUsd.lt(0))
    .map((e) => {
      const monthly = e.netUsd
        .negated()
        .times(MONTH_HOURS)
        .div(days * 24);
      const rates =
        e.hitRate !== undefined
          ? ` (hit rate ${pct(e.hitRate)}${e.breakEvenHitRate !== undefined ? `, break-even ${pct(e.breakEvenHitRate)}` : ''})`
          : '';
      return {
        kind: 'cache-misuse' as const,
        model: e.model,
        ...(e.team ? { team: e.team } : {}),
        monthlyUsd: monthly,
        text: `stop writing ${e.model} prompts to the cache that are not read back within its lifetime${rates}: its writes cost ${formatUsd(e.writePremiumUsd, { decimals: 0 })} above plain input and its reads saved ${formatUsd(e.readSavingUsd, { decimals: 0 })}, about ${formatUsd(monthly.negated(), { decimals: 0 })} a month.`,
      };
    });
}

const PRICE_OF = {
  input: 'input',
  output: 'output',
  cacheRead: 'cacheRead',
  cacheWrite: 'cacheWrite5m',
} as const;

/** On-demand traffic off the global route of a model whose global route is cheaper. */
function globalRouteCandidates(catalog: Catalog, lines: SpendLine[], current: DateRange): Recommendation[] {
  const days = daysBetween(current.start, current.end);
  const byRoute = new Map<
    string,
    { modelKey: string; region: string; scope: 'in-region' | 'geo'; cost: Record<keyof typeof PRICE_OF, Dec> }
  >();
  for (const line of lines) {
    const info = line.info;
    if (info?.kind !== 'tokens' || info.batch || info.tier !== 'standard' || info.scope === 'global')
      continue;
    if (!info.modelKey || line.day < current.start || line.day >= current.end) continue;
    const cls = classOf(info.tokenClass);
    if (!cls) continue;
    const region = info.region ?? 'us-east-1';
    const key = `${info.modelKey}|${region}|${info.scope}`;
    const r = byRoute.get(key) ?? {
      modelKey: info.modelKey,
      region,
      scope: info.scope,
      cost: emptyClasses(),
    };
    r.cost[cls] = r.cost[cls].plus(line.amount);
    byRoute.set(key, r);
  }
  const out: Recommendation[] = [];
  for (const r of byRoute.values()) {
    const model = findModel(catalog, r.modelKey)?.model;
    if (model?.modality !== 'text') continue;
    const routes = routesFrom(model, r.region);
    const here = routes.find((x) => x.route === r.scope)?.prices;
    const global = routes.find((x) => x.route === 'global')?.prices;
    if (!here || !global) continue;
    let saving = ZERO;
    let spent = ZERO;
    for (const cls of Object.keys(PRICE_OF) as (keyof typeof PRICE_OF)[]) {
      const p = here[PRICE_OF[cls]];
      const g = global[PRICE_OF[cls]];
      const cost = r.cost[cls];
      if (!p || !g || cost.lte(0) || new Dec(p).lte(0)) continue;
      spent = spent.plus(cost);
      saving = saving.plus(cost.times(Dec.max(ZERO, new Dec(1).minus(new Dec(g).div(p)))));
    }
    if (saving.lte(0)) continue;
    const monthly = saving.times(MONTH_HOURS).div(days * 24);
    const pctCheaper = Math.round(saving.div(spent).toNumber() * 100);
    out.push({
      kind: 'global-route',
      model: model.name,
      monthlyUsd: monthly,
      text: `send the ${model.name} traffic through the global cross-Region profile (global.) instead of ${r.scope === 'geo' ? 'a geo profile' : `in-region ${r.region}`}: ${pctCheaper}% cheaper at list prices (data may be served from any commercial Region), about ${formatUsd(monthly.negated(), { decimals: 0 })} a month.`,
    });
  }
  return out;
}

export interface RecommendInput {
  catalog: Catalog | undefined;
  lines: SpendLine[];
  current: DateRange;
  previous: DateRange;
  idle: IdleFinding[];
  /** How many of the biggest models to look at for batch, caching and model changes (default 2). */
  models?: number;
}

/**
 * Every candidate saving of one team's lines (and its throughputs), unranked: what `savings`
 * lists and what `recommend` chooses from.
 */
export function recommendationCandidates(input: RecommendInput): Recommendation[] {
  const candidates: Recommendation[] = [];
  for (const f of input.idle) {
    const c = idleCandidate(f) ?? underUsedCandidate(f);
    if (c) candidates.push(c);
  }
  candidates.push(...cacheMisuseCandidates(input.lines, input.current));
  if (input.catalog) {
    candidates.push(...globalRouteCandidates(input.catalog, input.lines, input.current));
    const weekDays = daysBetween(input.current.start, input.current.end);
    // The two biggest models are where a change pays; looking further only adds noise.
    for (const m of tokensByModel(input.lines, input.current, input.previous).slice(0, input.models ?? 2)) {
      for (const c of [
        batchCandidate(input.catalog, m, weekDays),
        cacheCandidate(input.catalog, m, weekDays),
        newerModelCandidate(input.catalog, m, weekDays),
      ]) {
        if (c) candidates.push(c);
      }
    }
  }
  return candidates;
}

/**
 * The single best recommendation for a team, or undefined when nothing saves at least
 * `MIN_MONTHLY_SAVING` a month.
 */
export function recommend(input: RecommendInput): Recommendation | undefined {
  const candidates = recommendationCandidates(input);
  // A model change needs an evaluation: rank it at half its saving.
  const score = (r: Recommendation) =>
    r.kind === 'newer-same-tier-model' ? r.monthlyUsd.div(2) : r.monthlyUsd;
  const best = candidates.sort((a, b) => score(b).comparedTo(score(a)))[0];
  return best?.monthlyUsd.gte(MIN_MONTHLY_SAVING) ? best : undefined;
}

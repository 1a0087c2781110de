/**
 * "What would this workload cost": pure functions from a catalog, a model and a workload
 * to every way of buying it, side by side.
 *
 * Cost lines follow the infracost shape: a quantity per month times a unit price, kept
 * apart so each line can be checked by hand. Token prices are per 1M tokens, so a line is
 * `requests x tokens per request x price / 1,000,000`. All arithmetic is `Dec`; nothing is
 * rounded until it is rendered (`roundCents` in JSON, `formatUsd` in text).
 *
 * Options:
 * - on-demand per route (in-region, geo profile `us.`/`eu.`/..., `global.`): cross-region
 *   inference is billed at the source Region's price; `global.` is ~10% cheaper than geo
 *   for recent Claude models.
 * - batch: 50% of on-demand, results within 24 hours, for supported models.
 * - prompt cache: a share of input served from cache at the read price (0.1x input for
 *   Claude, 0.25x for Nova), the cached prefix re-written once per cache lifetime.
 * - provisioned throughput: model units billed per hour whether used or not, per
 *   commitment, with the volume at which it breaks even against on-demand.
 * - self-hosting open-weight models on EC2 (on-demand and spot), with the throughput
 *   assumption stated.
 * Hidden costs (knowledge base floor, guardrails, logs, agent fan-out) are separate lines.
 */
import { UserError } from '../errors.js';
import { Dec, sumUsd } from '../money.js';
import type { Catalog, CatalogModel, PriceSet } from './catalog.js';
import {
  provisionedAt,
  type ResolvedModel,
  type ResolvedWorkload,
  type Route,
  type RouteOption,
  readCatalogWorkload,
  routesFrom,
} from './models.js';
import type { PriceOrigin } from './names.js';
import { HOURS_PER_MONTH, type Workload } from './workload.js';

export type EstimateMode =
  | 'on-demand'
  | 'batch'
  | 'flex'
  | 'priority'
  | 'latency-optimized'
  | 'reserved'
  | 'reserved-1-month'
  | 'reserved-3-month'
  | 'prompt-cache'
  | 'provisioned-no-commit'
  | 'provisioned-1-month'
  | 'provisioned-6-month'
  | 'self-hosted-ec2'
  | 'self-hosted-ec2-spot';

/** One priced line: quantity x unit price. */
export interface CostLine {
  what: string;
  quantity: Dec;
  unit: string;
  unitPrice: Dec;
  usd: Dec;
}

export interface EstimateOption {
  mode: EstimateMode;
  /** On-demand, batch and prompt-cache: which route's prices. */
  route?: Route;
  /** `us-east-1`, `us`, `global`. */
  at?: string;
  label: string;
  monthly: Dec;
  /** Cost per 1,000 user requests. */
  perThousand: Dec;
  note?: string;
  lines: CostLine[];
  /** Provisioned: requests a month above which it is cheaper than the default on-demand. */
  breakEvenRequestsPerMonth?: number;
  /** The prices follow from a rule, not a published row (shown as an estimate). */
  derived?: string;
  /** An assumption the user did not state (e.g. the cache hit rate). */
  assumed?: boolean;
  /** Where the option's prices come from (source, as-of date, rule). */
  origin?: PriceOrigin;
}

export interface HiddenCost {
  item: 'knowledge-base' | 'guardrails' | 'logs' | 'agent-fan-out';
  label: string;
  monthly: Dec;
  note: string;
  /** Agent fan-out is already inside every option: shown, not added again. */
  includedInOptions: boolean;
}

export interface Estimate {
  model: CatalogModel;
  region: string;
  workload: Workload;
  /** Model calls a month: requests x calls per request. */
  callsPerMonth: number;
  options: EstimateOption[];
  /** What the user gets without changing anything (on-demand, or batch/cache if asked). */
  default: EstimateOption;
  cheapest: EstimateOption;
  /** default - cheapest, >= 0. */
  saving: Dec;
  hidden: HiddenCost[];
  /** Default option plus the hidden costs asked for (kb, guardrails, logs). */
  totalMonthly: Dec;
  /** Caveats worth a line in the answer (region fallback, derived prices, ignored options). */
  notes: string[];
  catalog: { source: Catalog['source']; asOf: string };
  /** The prices the options used: the answer names the oldest and any third-party ones. */
  priceOrigins: PriceOrigin[];
}

const originOf = (p: { source: string; asOf: string; derived?: string }): PriceOrigin => ({
  source: p.source,
  asOf: p.asOf,
  ...(p.derived ? { derived: p.derived } : {}),
});

const MILLION = new Dec(1_000_000);
/** A rough 4 characters per token, for guardrail text units and log sizes. */
export const CHARS_PER_TOKEN = 4;
/** Bytes of JSON envelope per logged invocation besides the prompt and answer. */
export const LOG_ENVELOPE_BYTES = 1_500;
const GIB = new Dec(1024 ** 3);

function line(what: string, quantity: Dec, unit: string, unitPrice: Dec, per = new Dec(1)): CostLine {
  return { what, quantity, unit, unitPrice, usd: quantity.times(unitPrice).div(per) };
}

/** Token lines for `calls` model calls with the given price set. */
function tokenLines(
  calls: Dec,
  w: Workload,
  inPrice: string | undefined,
  outPrice: string | undefined,
  tag = '',
): CostLine[] {
  const lines: CostLine[] = [];
  if (w.inputTokens && inPrice !== undefined) {
    lines.push(
      line(`input tokens${tag}`, calls.times(w.inputTokens), '1M tokens', new Dec(inPrice), MILLION),
    );
  }
  if (w.outputTokens && outPrice !== undefined) {
    lines.push(
      line(`output tokens${tag}`, calls.times(w.outputTokens), '1M tokens', new Dec(outPrice), MILLION),
    );
  }
  return lines;
}

function option(
  partial: Omit<EstimateOption, 'monthly' | 'perThousand'>,
  requestsPerMonth: number,
): EstimateOption {
  const monthly = sumUsd(partial.lines.map((l) => l.usd));
  return { ...partial, monthly, perThousand: monthly.div(requestsPerMonth).times(1000) };
}

function routeLabel(r: RouteOption, merged: string[] = []): string {
  if (r.route === 'global') return 'On-demand, global profile';
  if (r.route === 'geo') return `On-demand, ${r.at}. profile`;
  return merged.length
    ? `On-demand, in-region or ${merged.map((m) => `${m}.`).join(' / ')}`
    : 'On-demand, in-region';
}

function sameTokenPrices(a: PriceSet, b: PriceSet): boolean {
  return (
    a.input === b.input && a.output === b.output && JSON.stringify(a.images) === JSON.stringify(b.images)
  );
}

/** Pick the Region to price in: asked, the profile's home, or us-east-1. */
function regionFor(resolved: ResolvedModel, w: Workload): string {
  return w.region ?? resolved.profileHome ?? 'us-east-1';
}

/**
 * Price a workload every way it can be bought. Pure: no I/O, no clock.
 *
 * Throws `UserError` when the workload asks for something the model does not offer
 * (batch on a model without batch inference, tokens for an image model, images for a
 * text model, a text model without token counts).
 *
 * @example
 * const { workload, resolved } = readCatalogWorkload(catalog, words);
 * const est = estimateWorkload(catalog, resolved!, workload);
 * est.default.monthly; // Dec
 */
export function estimateWorkload(catalog: Catalog, resolved: ResolvedModel, w: Workload): Estimate {
  validateForModel(resolved.model, w);
  const p = pricingFor(catalog, resolved, w);
  const onDemand = onDemandOptions(p);
  const preferred = preferredOnDemand(p, resolved, onDemand);
  const batch = batchOption(p);
  const cached = promptCacheFor(p, preferred);
  const tiers = tierOptions(p, preferred);
  const reserved = reservedOptions(p, preferred);
  // What the user gets without changing anything: the tier, batch or cache asked for, else on demand.
  const defaultOption =
    tiers.asked ??
    (w.tier === 'reserved' ? reserved[0] : undefined) ??
    (w.batch && batch ? batch : w.cacheHitRate !== undefined && cached ? cached : preferred);
  const options: EstimateOption[] = [
    ...onDemand,
    ...(batch ? [batch] : []),
    ...(cached ? [cached] : []),
    ...tiers.options,
    ...reserved,
    ...provisionedOptions(p, preferred),
  ];
  // Self-hosting open-weight models on EC2.
  const { model } = p;
  if (model.openWeight && model.modality === 'text' && model.paramsB !== undefined) {
    options.push(...selfHostedOptions(catalog, model, w, p.calls, p.requests, p.notes));
  }
  return summarize(p, options, defaultOption);
}

/** What every option of one estimate is priced from. */
interface Pricing {
  catalog: Catalog;
  model: CatalogModel;
  w: Workload;
  /** The Region priced in (the asked one, or a fallback named in `notes`). */
  region: string;
  /** The on-demand routes from `region`, at long-context rates when the input asks for them. */
  routes: RouteOption[];
  /** Model calls a month: requests x calls per request. */
  calls: Dec;
  requests: number;
  notes: string[];
}

/** The Region and routes to price from: the asked Region, else us-east-1, us-west-2 or any priced one. */
function pricingFor(catalog: Catalog, resolved: ResolvedModel, w: Workload): Pricing {
  const { model } = resolved;
  const notes: string[] = [];
  if (isLongContext(model, w) && model.prices.some((p) => p.inputLong !== undefined)) {
    notes.push(
      `Each request carries more than ${model.longContextAbove!.toLocaleString('en-US')} input tokens, so all its tokens are billed at ${model.name}'s long-context rates.`,
    );
  }
  let region = regionFor(resolved, w);
  let routes = routesFrom(model, region);
  if (!routes.length) {
    const fallback =
      ['us-east-1', 'us-west-2'].find((r) => routesFrom(model, r).length) ?? model.prices[0]?.at;
    if (!fallback || !routesFrom(model, fallback).length) {
      throw new UserError('no_price', `The catalog has no on-demand price for ${model.name}.`);
    }
    notes.push(`${model.name} has no price for ${region} in the catalog; priced at ${fallback} rates.`);
    region = fallback;
    routes = routesFrom(model, region);
  }
  if (isLongContext(model, w)) routes = routes.map((r) => ({ ...r, prices: longContextPrices(r.prices) }));
  const calls = new Dec(w.requestsPerMonth).times(w.calls);
  return { catalog, model, w, region, routes, calls, requests: w.requestsPerMonth, notes };
}

/** On-demand, one option per distinct price (in-region and geo often match), cheapest route first. */
function onDemandOptions(p: Pricing): EstimateOption[] {
  const onDemand: EstimateOption[] = [];
  const seen: RouteOption[] = [];
  for (const r of p.routes) {
    const twin = seen.find(
      (s) => sameTokenPrices(s.prices, r.prices) && s.route === 'in-region' && r.route === 'geo',
    );
    if (twin) {
      const idx = onDemand.findIndex((o) => o.at === twin.at);
      const merged = onDemand[idx]!;
      // Same price in-region and through the geo profile: one row. The published geo row
      // vouches for the price, so the in-region row's "derived" flag no longer applies.
      const { derived: _drop, ...rest } = merged;
      onDemand[idx] = {
        ...rest,
        label: routeLabel(twin, [r.at]),
        ...(r.prices.derived ? { derived: r.prices.derived } : {}),
      };
      continue;
    }
    seen.push(r);
    onDemand.push(
      option(
        {
          mode: 'on-demand',
          route: r.route,
          at: r.at,
          label: routeLabel(r),
          lines: usageLines(p.model, p.w, p.calls, r.prices),
          ...(r.route === 'global' ? { note: 'routed to any commercial Region' } : {}),
          ...(r.prices.derived ? { derived: r.prices.derived } : {}),
          origin: originOf(r.prices),
        },
        p.requests,
      ),
    );
  }
  // Cheapest route first, as people read the table top-down.
  onDemand.sort((a, b) => a.monthly.comparedTo(b.monthly));
  noteAboveCheapest(onDemand);
  return onDemand;
}

/** "10% above global" on every dearer route. */
function noteAboveCheapest(onDemand: EstimateOption[]): void {
  const cheapest = minBy(onDemand);
  for (const o of onDemand) {
    if (o !== cheapest && cheapest.monthly.gt(0) && !o.note) {
      const pct = o.monthly.div(cheapest.monthly).minus(1).times(100).toDecimalPlaces(0);
      if (pct.gt(0))
        o.note = `${pct.toFixed(0)}% above ${cheapest.route === 'global' ? 'global' : 'the cheapest route'}`;
    }
  }
}

/** The on-demand row the user meant: the route asked for, the profile named, else the cheapest. */
function preferredOnDemand(p: Pricing, resolved: ResolvedModel, onDemand: EstimateOption[]): EstimateOption {
  const { w } = p;
  const named = resolved.profile
    ? onDemand.find((o) =>
        resolved.profile === 'global'
          ? o.route === 'global'
          : o.at === resolved.profile || o.label.includes(`${resolved.profile}.`),
      )
    : undefined;
  // A geo profile priced like in-region shares the in-region row ("in-region or us.").
  const servesRoute = (o: EstimateOption, route: Route) =>
    o.route === route || (route === 'geo' && o.route === 'in-region' && o.label.includes(' or '));
  const routeAsked = w.route ? onDemand.find((o) => servesRoute(o, w.route!)) : undefined;
  if (w.route && !routeAsked) {
    throw new UserError(
      'mode_unavailable',
      `${p.model.name} has no ${w.route === 'geo' ? 'geo (us./eu./...) profile' : w.route === 'global' ? 'global. profile' : 'in-region'} price from ${p.region}; it is sold ${onDemand.map((o) => optionRouteWords(o)).join(', ')}.`,
    );
  }
  return routeAsked ?? named ?? minBy(onDemand);
}

/** Batch: the cheapest route that publishes (or derives) a batch price. */
function batchOption(p: Pricing): EstimateOption | undefined {
  const { model, w } = p;
  let batch: EstimateOption | undefined;
  if (model.batch && model.modality !== 'image') {
    const candidates = p.routes
      .filter((r) => r.prices.batchInput !== undefined)
      .map((r) =>
        option(
          {
            mode: 'batch',
            route: r.route,
            at: r.at,
            label: 'Batch',
            lines: tokenLines(p.calls, w, r.prices.batchInput, r.prices.batchOutput, ' (batch)'),
            note: 'offline only, results within 24 h',
            ...(r.prices.derived ? { derived: r.prices.derived } : {}),
            origin: originOf(r.prices),
          },
          p.requests,
        ),
      );
    if (candidates.length) batch = minBy(candidates);
  }
  if (w.batch && !batch) {
    throw new UserError(
      'mode_unavailable',
      `${model.name} has no batch inference on Bedrock; drop "batch" to price it on demand, or try \`compare\` for models that do.`,
    );
  }
  return batch;
}

/** Prompt cache, on the preferred on-demand route (a note when the model has none but it was asked). */
function promptCacheFor(p: Pricing, preferred: EstimateOption): EstimateOption | undefined {
  const { model, w } = p;
  if (model.modality !== 'text' || !w.inputTokens) return undefined;
  const r = p.routes.find((x) => x.at === preferred.at)!;
  if (model.cache && r.prices.cacheRead !== undefined) return promptCacheOption(w, p.calls, p.requests, r);
  if (w.cacheHitRate !== undefined) {
    p.notes.push(
      `${model.name} has no prompt caching on Bedrock, so cache=${Math.round(w.cacheHitRate * 100)}% is not applied.`,
    );
  }
  return undefined;
}

/** Service tiers and latency-optimized inference, where the model publishes them, and the one asked for. */
function tierOptions(
  p: Pricing,
  preferred: EstimateOption,
): { options: EstimateOption[]; asked: EstimateOption | undefined } {
  const { model, w } = p;
  const options: EstimateOption[] = [];
  if (model.modality === 'text') {
    for (const t of TIERS) {
      const r =
        p.routes.find((x) => x.at === preferred.at && x.prices[t.input] !== undefined) ??
        p.routes.find((x) => x.prices[t.input] !== undefined);
      if (r) options.push(tierOption(t, w, p.calls, p.requests, r));
    }
  }
  const asked = w.tier && w.tier !== 'reserved' ? options.find((o) => o.mode === w.tier) : undefined;
  if (w.tier && w.tier !== 'reserved' && !asked) {
    const label = TIERS.find((t) => t.mode === w.tier)?.label ?? w.tier;
    throw new UserError(
      'mode_unavailable',
      `${model.name} has no published ${label} price on Bedrock; drop "${w.tier}" to price it on demand.`,
    );
  }
  return { options, asked };
}

/**
 * Reserved tier: tokens-per-minute capacity for a 1- or 3-month term, where published
 * (geo and global profiles), sized at the workload's average tokens per minute.
 */
function reservedOptions(p: Pricing, preferred: EstimateOption): EstimateOption[] {
  const { model, w } = p;
  const options: EstimateOption[] = [];
  if (model.modality === 'text' && w.inputTokens) {
    const has = (r: RouteOption) =>
      r.prices.reserved1mInput !== undefined || r.prices.reserved3mInput !== undefined;
    const r =
      p.routes.find((x) => x.at === preferred.at && has(x)) ??
      p.routes.find((x) => x.route === 'geo' && has(x)) ??
      p.routes.find(has);
    if (r) {
      for (const [mode, term, input, output] of [
        ['reserved-1-month', '1-month', r.prices.reserved1mInput, r.prices.reserved1mOutput],
        ['reserved-3-month', '3-month', r.prices.reserved3mInput, r.prices.reserved3mOutput],
      ] as const) {
        if (input !== undefined)
          options.push(reservedOption(mode, term, w, p.calls, p.requests, r, input, output));
      }
    }
  }
  if (w.tier === 'reserved' && !options.length) {
    p.notes.push(
      `No published Reserved tier price for ${model.name} in the catalog: AWS sells Reserved capacity per 1K tokens per minute per month (1- or 3-month terms) on request.`,
    );
  }
  return options;
}

/** Provisioned Throughput, per commitment, for one model unit, with its break-even volume. */
function provisionedOptions(p: Pricing, preferred: EstimateOption): EstimateOption[] {
  const { model, region } = p;
  const pt = provisionedAt(model, region) ?? provisionedAt(model, 'us-east-1');
  if (!pt) {
    if (model.modality === 'text' && !model.openWeight)
      p.notes.push(`No published Provisioned Throughput rate for ${model.name}: AWS quotes it on request.`);
    return [];
  }
  if (pt.at !== region)
    p.notes.push(`Provisioned Throughput priced at ${pt.at} rates (none published for ${region}).`);
  const options: EstimateOption[] = [];
  for (const [mode, price, label] of [
    ['provisioned-no-commit', pt.noCommit, 'Provisioned, no commitment'],
    ['provisioned-1-month', pt.oneMonth, 'Provisioned, 1-month commitment'],
    ['provisioned-6-month', pt.sixMonth, 'Provisioned, 6-month commitment'],
  ] as const) {
    if (price === undefined) continue;
    const hourly = new Dec(price);
    const o = option(
      {
        mode,
        label,
        lines: [line('model-unit hours', new Dec(HOURS_PER_MONTH), 'model-unit hour', hourly)],
        origin: originOf(pt),
      },
      p.requests,
    );
    const perRequest = preferred.monthly.div(p.requests);
    if (perRequest.gt(0)) {
      o.breakEvenRequestsPerMonth = o.monthly.div(perRequest).ceil().toNumber();
      o.note = `1 model unit at ${fmt(hourly)}/h; breaks even at ${compact(o.breakEvenRequestsPerMonth)} requests/month if one unit carries the load`;
    }
    options.push(o);
  }
  return options;
}

/** The estimate: the cheapest option, the saving, the hidden costs and total, and the notes. */
function summarize(p: Pricing, options: EstimateOption[], defaultOption: EstimateOption): Estimate {
  const { catalog, notes } = p;
  const cheapest = minBy(options);
  const hidden = hiddenCosts(catalog, p.w, p.calls, defaultOption);
  const totalMonthly = defaultOption.monthly.plus(
    sumUsd(hidden.filter((h) => !h.includedInOptions).map((h) => h.monthly)),
  );
  for (const o of options) {
    if (o.derived && (o === defaultOption || o === cheapest) && !notes.some((n) => n.includes(o.derived!))) {
      notes.push(`${o.label} price is estimated: ${o.derived}.`);
    }
  }
  return {
    model: p.model,
    region: p.region,
    workload: p.w,
    callsPerMonth: p.calls.toNumber(),
    options,
    default: defaultOption,
    cheapest,
    saving: defaultOption.monthly.minus(cheapest.monthly),
    hidden,
    totalMonthly,
    notes,
    catalog: { source: catalog.source, asOf: catalog.asOf },
    priceOrigins: options.flatMap((o) => (o.origin ? [o.origin] : [])),
  };
}

function validateForModel(model: CatalogModel, w: Workload): void {
  if (model.modality === 'image') {
    if (w.inputTokens !== undefined || w.outputTokens !== undefined) {
      throw new UserError(
        'bad_input',
        `${model.name} is priced per image, not per token: write e.g. 2000 images/day.`,
      );
    }
    return;
  }
  if (w.images) {
    throw new UserError(
      'bad_input',
      `${model.name} is priced per token, not per image: give tokens, e.g. 2000 in 500 out 10k/day.`,
    );
  }
  if (model.modality === 'embedding') {
    if (!w.inputTokens) {
      throw new UserError(
        'bad_input',
        `How many tokens does each request embed? e.g. 500 in 1m/month (${model.name} is an embedding model).`,
      );
    }
  }
  if (model.contextWindow !== undefined && (w.inputTokens ?? 0) > model.contextWindow) {
    throw new UserError(
      'bad_input',
      `${model.name} takes at most ${model.contextWindow.toLocaleString('en-US')} input tokens per request (its context window); ${(w.inputTokens ?? 0).toLocaleString('en-US')} is more. Split the input, or compare models with a larger window.`,
    );
  }
  if (model.modality !== 'text') return;
  if (w.inputTokens === undefined || w.outputTokens === undefined) {
    throw new UserError(
      'bad_input',
      `How many tokens go in and out per request? Add both, e.g. 2000 in 500 out (${model.name} charges for each).`,
    );
  }
  if (w.inputTokens === 0 && w.outputTokens === 0) {
    throw new UserError(
      'bad_input',
      'A request with 0 tokens in and 0 out costs nothing: give the tokens per request.',
    );
  }
}

/** On-demand cost lines for any modality. */
function usageLines(model: CatalogModel, w: Workload, calls: Dec, p: PriceSet): CostLine[] {
  if (model.modality === 'image') {
    const variant = imageVariant(p.images ?? {}, w);
    if (variant === undefined) return [];
    const images = p.images ?? {};
    return [line(`images (${variant})`, calls, 'image', new Dec(images[variant]!))];
  }
  return tokenLines(
    calls,
    w,
    p.input,
    model.modality === 'embedding' ? undefined : p.output,
    isLongContext(model, w) && p.inputLong !== undefined ? ' (long context)' : '',
  );
}

/**
 * A price set at the long-context rates: input-side prices (input, cache, batch input)
 * scale like `inputLong / input`, output-side like `outputLong / output`.
 */
function longContextPrices(p: PriceSet): PriceSet {
  if (p.inputLong === undefined || p.input === undefined || new Dec(p.input).isZero()) return p;
  const inFactor = new Dec(p.inputLong).div(p.input);
  const outFactor =
    p.outputLong !== undefined && p.output !== undefined && !new Dec(p.output).isZero()
      ? new Dec(p.outputLong).div(p.output)
      : new Dec(1);
  const scale = (v: string | undefined, f: Dec) =>
    v === undefined ? undefined : new Dec(v).times(f).toString();
  const out: PriceSet = { ...p, input: p.inputLong };
  if (p.outputLong !== undefined) out.output = p.outputLong;
  for (const k of ['cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'batchInput'] as const) {
    const v = scale(p[k], inFactor);
    if (v !== undefined) out[k] = v;
  }
  const bo = scale(p.batchOutput, outFactor);
  if (bo !== undefined) out.batchOutput = bo;
  return out;
}

/** Requests whose input is above the model's long-context threshold are billed at long-context rates. */
function isLongContext(model: CatalogModel, w: Workload): boolean {
  return model.longContextAbove !== undefined && (w.inputTokens ?? 0) > model.longContextAbove;
}

/**
 * The per-image price that matches the asked size and quality (`size=2048 premium`), else
 * the standard one. Variants are named like `1024 premium` or `1024x1024 50-steps`.
 */
function imageVariant(images: Record<string, string>, w: Workload): string | undefined {
  const keys = Object.keys(images);
  const size = w.imageSize?.split('x')[0];
  const wanted = keys.filter(
    (k) => (!size || k.startsWith(size)) && (!w.imageQuality || k.includes(w.imageQuality)),
  );
  if ((size || w.imageQuality) && !wanted.length) {
    throw new UserError(
      'mode_unavailable',
      `No ${[size, w.imageQuality].filter(Boolean).join(' ')} image price in the catalog for this model; it has: ${keys.join(', ')}.`,
    );
  }
  if (wanted.length && (size || w.imageQuality)) return wanted[0];
  return images.standard !== undefined ? 'standard' : keys[0];
}

interface TierSpec {
  mode: 'flex' | 'priority' | 'latency-optimized';
  label: string;
  input: 'flexInput' | 'priorityInput' | 'latencyInput';
  output: 'flexOutput' | 'priorityOutput' | 'latencyOutput';
  note: string;
}

/** Bedrock's service tiers and latency-optimized inference, each a priced option when published. */
const TIERS: readonly TierSpec[] = [
  {
    mode: 'flex',
    label: 'Flex tier',
    input: 'flexInput',
    output: 'flexOutput',
    note: 'cheaper; served when capacity allows, may be slower',
  },
  {
    mode: 'priority',
    label: 'Priority tier',
    input: 'priorityInput',
    output: 'priorityOutput',
    note: 'dearer; served first under load',
  },
  {
    mode: 'latency-optimized',
    label: 'Latency-optimized',
    input: 'latencyInput',
    output: 'latencyOutput',
    note: 'faster responses on dedicated hardware',
  },
];

/**
 * A Reserved tier option: capacity in 1K tokens per minute (input and output apart), at
 * the workload's average rate over a 730-hour month, priced per 1K TPM-hour.
 */
function reservedOption(
  mode: 'reserved-1-month' | 'reserved-3-month',
  term: string,
  w: Workload,
  calls: Dec,
  requests: number,
  r: RouteOption,
  input: string,
  output: string | undefined,
): EstimateOption {
  const minutes = new Dec(HOURS_PER_MONTH).times(60);
  const hours = new Dec(HOURS_PER_MONTH);
  const inTpm = calls.times(w.inputTokens ?? 0).div(minutes);
  const outTpm = calls.times(w.outputTokens ?? 0).div(minutes);
  const lines: CostLine[] = [
    line(`input capacity (${term})`, inTpm.div(1000).times(hours), '1K TPM-hour', new Dec(input)),
  ];
  if (output !== undefined && w.outputTokens)
    lines.push(
      line(`output capacity (${term})`, outTpm.div(1000).times(hours), '1K TPM-hour', new Dec(output)),
    );
  const where = r.route === 'global' ? 'global' : r.route === 'geo' ? `${r.at}.` : 'in-region';
  return option(
    {
      mode,
      route: r.route,
      at: r.at,
      label: `Reserved, ${term}`,
      lines,
      note: `${compact(inTpm.ceil().toNumber())} input / ${compact(outTpm.ceil().toNumber())} output tokens per minute reserved (${where}), sized at the average rate: add headroom for peaks`,
      ...(r.prices.derived ? { derived: r.prices.derived } : {}),
      origin: originOf(r.prices),
    },
    requests,
  );
}

function optionRouteWords(o: EstimateOption): string {
  return o.route === 'global' ? 'through global.' : o.route === 'geo' ? `through ${o.at}.` : 'in-region';
}

/**
 * A tier's option. When only the tier's input price is published, its output follows the
 * same ratio to the standard output price (marked as a rule-derived estimate).
 */
function tierOption(t: TierSpec, w: Workload, calls: Dec, requests: number, r: RouteOption): EstimateOption {
  const p = r.prices;
  const inPrice = p[t.input]!;
  let outPrice = p[t.output];
  let derived = p.derived;
  if (
    outPrice === undefined &&
    p.output !== undefined &&
    p.input !== undefined &&
    !new Dec(p.input).isZero()
  ) {
    outPrice = new Dec(p.output).times(new Dec(inPrice).div(p.input)).toString();
    derived = `${t.label} output at the same ratio to standard as its published input`;
  }
  return option(
    {
      mode: t.mode,
      route: r.route,
      at: r.at,
      label: t.label,
      lines: tokenLines(calls, w, inPrice, outPrice, ` (${t.mode})`),
      note: t.note,
      ...(derived ? { derived } : {}),
      origin: originOf(p),
    },
    requests,
  );
}

/**
 * Prompt caching. Of each call's input, `hit` is a cacheable prefix read from cache; the
 * rest is normal input. The cache lives 5 minutes (or 1 hour) and each hit refreshes it,
 * so under steady traffic the prefix is written about once per lifetime window: at most
 * 8,760 writes a month for 5 minutes (730 h x 12), 730 for 1 hour.
 */
function promptCacheOption(w: Workload, calls: Dec, requests: number, r: RouteOption): EstimateOption {
  const hit = new Dec(w.cacheHitRate ?? 0.6);
  const assumed = w.cacheHitRate === undefined;
  const windows = new Dec(HOURS_PER_MONTH).times(w.cacheTtl === '1h' ? 1 : 12);
  const writes = Dec.min(calls, windows);
  const reads = calls.minus(writes);
  const prefix = hit.times(w.inputTokens ?? 0);
  const writePrice =
    w.cacheTtl === '1h' ? (r.prices.cacheWrite1h ?? r.prices.cacheWrite5m) : r.prices.cacheWrite5m;
  const lines: CostLine[] = [
    line(
      'input tokens, not cached',
      calls.times(new Dec(w.inputTokens ?? 0).minus(prefix)),
      '1M tokens',
      new Dec(r.prices.input ?? 0),
      MILLION,
    ),
    line('cache reads', reads.times(prefix), '1M tokens', new Dec(r.prices.cacheRead ?? 0), MILLION),
    line(
      `cache writes (${w.cacheTtl})`,
      writes.times(prefix),
      '1M tokens',
      new Dec(writePrice ?? r.prices.input ?? 0),
      MILLION,
    ),
  ];
  if (w.outputTokens)
    lines.push(
      line('output tokens', calls.times(w.outputTokens), '1M tokens', new Dec(r.prices.output ?? 0), MILLION),
    );
  const pct = hit.times(100).toDecimalPlaces(0).toFixed(0);
  return option(
    {
      mode: 'prompt-cache',
      route: r.route,
      at: r.at,
      label: `Prompt cache, ${pct}% of input hit${assumed ? ' (assumed)' : ''}`,
      lines,
      note: assumed ? 'cache writes counted; set cache=N% for your hit rate' : 'cache writes counted',
      assumed,
      ...(r.prices.derived || r.prices.cacheRule
        ? { derived: [r.prices.derived, r.prices.cacheRule].filter(Boolean).join('; ') }
        : {}),
      origin: originOf(r.prices),
    },
    requests,
  );
}

/**
 * Self-hosting: instances of the tier that fits the model, sized for peak load (twice
 * the average) at the tier's assumed output tokens per second, input counted at a tenth
 * of an output token (prefill is cheap), at least one instance all month.
 */
function selfHostedOptions(
  catalog: Catalog,
  model: CatalogModel,
  w: Workload,
  calls: Dec,
  requests: number,
  notes: string[],
): EstimateOption[] {
  const sh = catalog.services.selfHosting;
  const tier = sh.tiers.find((t) => (model.paramsB ?? 0) <= t.maxParamsB);
  if (!tier) {
    notes.push(`${model.name} (${model.paramsB}B parameters) is too large for the self-hosting table.`);
    return [];
  }
  const instance = catalog.services.ec2.find((i) => i.type === tier.instance);
  if (!instance) return [];
  const weighted = new Dec(w.outputTokens ?? 0).plus(new Dec(w.inputTokens ?? 0).times(sh.inputTokenWeight));
  const avgPerSecond = calls.times(weighted).div(HOURS_PER_MONTH * 3600);
  const needed = Dec.max(1, avgPerSecond.times(sh.peakToAverage).div(tier.outputTokensPerSecond).ceil());
  const hours = needed.times(HOURS_PER_MONTH);
  const hourly = new Dec(instance.hourly);
  const spotHourly = hourly.times(new Dec(1).minus(instance.spotDiscount));
  const n = needed.toNumber();
  const assumption = `${n} x ${instance.type} (${instance.gpus}), assumes ${tier.outputTokensPerSecond.toLocaleString('en-US')} output tok/s each, sized for ${sh.peakToAverage}x average load; excludes engineering time`;
  return [
    option(
      {
        mode: 'self-hosted-ec2',
        label: 'Self-hosted on EC2',
        lines: [line(`${instance.type} hours`, hours, 'instance hour', hourly)],
        note: assumption,
      },
      requests,
    ),
    option(
      {
        mode: 'self-hosted-ec2-spot',
        label: 'Self-hosted on EC2 Spot',
        lines: [line(`${instance.type} spot hours`, hours, 'instance hour', spotHourly)],
        note: `typical ${new Dec(instance.spotDiscount).times(100).toFixed(0)}% spot discount; can be interrupted`,
      },
      requests,
    ),
  ];
}

function hiddenCosts(catalog: Catalog, w: Workload, calls: Dec, base: EstimateOption): HiddenCost[] {
  const out: HiddenCost[] = [];
  const s = catalog.services;
  if (w.kb) {
    const ocus = s.knowledgeBase.minOcus;
    const monthly = new Dec(s.knowledgeBase.ocuHour).times(ocus).times(HOURS_PER_MONTH);
    const redundant = new Dec(s.knowledgeBase.ocuHour)
      .times(s.knowledgeBase.minOcusRedundant)
      .times(HOURS_PER_MONTH);
    out.push({
      item: 'knowledge-base',
      label: 'Knowledge base (OpenSearch Serverless floor)',
      monthly,
      note: `${ocus} OCUs x ${fmt(new Dec(s.knowledgeBase.ocuHour))}/OCU-hour, billed even when idle; ${fmt(redundant, 2)} with standby replicas`,
      includedInOptions: false,
    });
  }
  if (w.guardrails) {
    const per = s.guardrails.charactersPerUnit;
    const unitsPerRequest =
      Math.ceil(((w.inputTokens ?? 0) * CHARS_PER_TOKEN) / per) +
      Math.ceil(((w.outputTokens ?? 0) * CHARS_PER_TOKEN) / per);
    const units = new Dec(w.requestsPerMonth).times(unitsPerRequest);
    const price = new Dec(s.guardrails.contentFilterPer1kUnits);
    out.push({
      item: 'guardrails',
      label: 'Guardrails (content filters)',
      monthly: units.times(price).div(1000),
      note: `${unitsPerRequest} text units per request (prompt and answer, ~${CHARS_PER_TOKEN} characters a token) at ${fmt(price)} per 1,000; denied topics cost the same again`,
      includedInOptions: false,
    });
  }
  if (w.logs) {
    const bytes = calls.times(
      new Dec((w.inputTokens ?? 0) + (w.outputTokens ?? 0)).times(CHARS_PER_TOKEN).plus(LOG_ENVELOPE_BYTES),
    );
    const gb = bytes.div(GIB);
    const monthly = gb.times(s.logs.ingestionPerGb).plus(gb.times(s.logs.storagePerGbMonth));
    out.push({
      item: 'logs',
      label: 'Invocation logs (CloudWatch Logs)',
      monthly,
      note: `${gb.toDecimalPlaces(1).toFixed(1)} GB a month at ${fmt(new Dec(s.logs.ingestionPerGb))}/GB ingested + ${fmt(new Dec(s.logs.storagePerGbMonth))}/GB-month stored`,
      includedInOptions: false,
    });
  }
  if (w.calls > 1) {
    const extra = base.monthly.times(w.calls - 1).div(w.calls);
    out.push({
      item: 'agent-fan-out',
      label: `Agent fan-out (x${w.calls} calls per request)`,
      monthly: extra,
      note: `already in every option above: ${w.calls - 1} of every ${w.calls} model calls are agent steps`,
      includedInOptions: true,
    });
  }
  return out;
}

function minBy(options: EstimateOption[]): EstimateOption {
  return options.reduce((best, o) => (o.monthly.lt(best.monthly) ? o : best));
}

function fmt(d: Dec, decimals?: number): string {
  const fixed = decimals ?? (d.lt(1) ? Math.max(2, d.decimalPlaces()) : 2);
  return `$${d.toFixed(fixed)}`;
}

/** 304167 -> "304k", 1500000 -> "1.5m". */
export function compact(n: number): string {
  if (n >= 1e9) return `${trim(n / 1e9)}bn`;
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e4) return `${trim(n / 1e3)}k`;
  return n.toLocaleString('en-US');
}
function trim(x: number): string {
  return x >= 100 ? Math.round(x).toString() : (Math.round(x * 10) / 10).toString();
}

/**
 * Parse, resolve and price a workload from its words (`estimate` without the command).
 * Used by the `estimate` command, the bench and `ask`.
 *
 * @example
 * estimateFromWords(catalog, ['claude-sonnet-4-5', '2000', 'in', '500', 'out', '10k/day']).default.monthly;
 */
export function estimateFromWords(catalog: Catalog, words: string[]): Estimate {
  return estimateResolved(catalog, readCatalogWorkload(catalog, words));
}

/** Price a workload already read against the catalog (its model is required, so resolved). */
export function estimateResolved(catalog: Catalog, { workload, resolved }: ResolvedWorkload): Estimate {
  if (!resolved) throw new Error('estimate needs a model: read the workload with requireModel');
  return estimateWorkload(catalog, resolved, workload);
}

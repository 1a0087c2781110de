/**
 * Price getters for modules that start from what AWS reports rather than from what a
 * person typed: the spend nowcast (CloudWatch `ModelId` + token counts), the digest and
 * `ask`. They answer "what does one token of this model cost when called this way from
 * this Region", and "what did these tokens cost".
 *
 * @example
 * const p = tokenPricesFor(catalog, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1');
 * costOfTokens(p!, { input: 1_200_000, output: 300_000 }); // Dec 8.91 (3.30 x 1.2 + 16.50 x 0.3)
 */
import { Dec, sumUsd } from '../money.js';
import { priceFieldOf, type UsageTypeInfo } from '../spend/usage-type.js';
import type { Catalog, CatalogModel, PriceSet } from './catalog.js';
import {
  modelForModelId,
  modelForServiceName,
  modelForUsageToken,
  type Route,
  routesFrom,
} from './models.js';
import { geoProfilesOf } from './regions.js';

/** Per-1M-token prices of one model on one route, as `Dec`. */
export interface TokenPrices {
  model: CatalogModel;
  route: Route;
  /** Where the price set sits: `us-east-1`, `us`, `global`. */
  at: string;
  input: Dec;
  output: Dec;
  cacheRead?: Dec;
  cacheWrite5m?: Dec;
  cacheWrite1h?: Dec;
  batchInput?: Dec;
  batchOutput?: Dec;
  source: string;
  asOf: string;
  /** The rule the prices follow when not a published row. */
  derived?: string;
}

const dec = (v: string | undefined) => (v === undefined ? undefined : new Dec(v));

function toTokenPrices(model: CatalogModel, route: Route, p: PriceSet): TokenPrices {
  const optional = {
    cacheRead: dec(p.cacheRead),
    cacheWrite5m: dec(p.cacheWrite5m),
    cacheWrite1h: dec(p.cacheWrite1h),
    batchInput: dec(p.batchInput),
    batchOutput: dec(p.batchOutput),
  };
  return {
    model,
    route,
    at: p.at,
    input: new Dec(p.input ?? 0),
    output: new Dec(p.output ?? 0),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    source: p.source,
    asOf: p.asOf,
    ...(p.derived ? { derived: p.derived } : {}),
  };
}

/**
 * Token prices for a model as invoked: `modelId` is what CloudWatch's `ModelId`
 * dimension or a Bedrock call names (base ID, `us.`/`eu.`/`global.` profile ID, or ARN);
 * `region` is the source Region (cross-region inference bills at the source Region's
 * price). The route follows the ID: `global.` -> global, a geo prefix -> that profile,
 * a base ID -> in-region (falling back to the cheapest route when the Region has no
 * in-region price). Undefined for IDs that name no catalog model (application inference
 * profiles, custom models).
 */
export function tokenPricesFor(catalog: Catalog, modelId: string, region: string): TokenPrices | undefined {
  const resolved = modelForModelId(catalog, modelId);
  if (!resolved) return undefined;
  return tokenPricesOfModel(resolved.model, region, resolved.profile);
}

/** Token prices of a known model from a Region, on the route a profile prefix names. */
export function tokenPricesOfModel(
  model: CatalogModel,
  region: string,
  profile?: string,
): TokenPrices | undefined {
  const routes = routesFrom(model, region).length
    ? routesFrom(model, region)
    : routesFrom(model, 'us-east-1');
  if (!routes.length) return undefined;
  const wanted =
    profile === 'global'
      ? routes.find((r) => r.route === 'global')
      : profile
        ? routes.find((r) => r.route === 'geo' && r.at === profile)
        : routes.find((r) => r.route === 'in-region');
  const chosen =
    wanted ?? routes.reduce((a, b) => (new Dec(b.prices.input ?? 0).lt(a.prices.input ?? 0) ? b : a));
  return toTokenPrices(model, chosen.route, chosen.prices);
}

/** Token prices for a Marketplace model by its Cost Explorer service name, from a Region. */
export function tokenPricesForService(
  catalog: Catalog,
  service: string,
  region: string,
): TokenPrices | undefined {
  const model = modelForServiceName(catalog, service);
  return model ? tokenPricesOfModel(model, region) : undefined;
}

/** Token prices for an `Amazon Bedrock` usage-type model token (`NovaPro`) from a Region. */
export function tokenPricesForUsageToken(
  catalog: Catalog,
  token: string,
  region: string,
): TokenPrices | undefined {
  const model = modelForUsageToken(catalog, token);
  return model ? tokenPricesOfModel(model, region) : undefined;
}

export interface TokenCounts {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** Tokens were sent through batch inference. */
  batch?: boolean;
}

/**
 * What a set of token counts costs at these prices (exact `Dec`, round at the edge).
 * Cache reads and writes are priced separately from `input`: CloudWatch reports them as
 * separate counts, and `input` there excludes them.
 */
export function costOfTokens(prices: TokenPrices, counts: TokenCounts): Dec {
  const inPrice = counts.batch ? (prices.batchInput ?? prices.input) : prices.input;
  const outPrice = counts.batch ? (prices.batchOutput ?? prices.output) : prices.output;
  const parts = [
    inPrice.times(counts.input ?? 0),
    outPrice.times(counts.output ?? 0),
    (prices.cacheRead ?? prices.input).times(counts.cacheRead ?? 0),
    (prices.cacheWrite5m ?? prices.input).times(counts.cacheWrite ?? 0),
  ];
  return sumUsd(parts).div(1_000_000);
}

/** The catalog price a Cost Explorer usage-type line is billed at. */
export interface UsagePrice {
  model: CatalogModel;
  /** Where the price set sits: `us-east-1`, `us`, `global`. */
  at: string;
  /** The `PriceSet` field: `input`, `priorityOutput`, `inputLong`, `reserved1mInput`, ... */
  field: string;
  /** USD per `unit`. */
  usd: Dec;
  unit: '1M tokens' | '1K TPM-hour';
  source: string;
  asOf: string;
  derived?: string;
}

/**
 * The catalog's price for a parsed usage-type line (`lib/spend/usage-type.ts`): the model
 * from the Marketplace service or the usage-type token, the place from the line's Region
 * and route (in-region, the Region's geo profile, `global`), the field from its token
 * class and tier (batch, Flex, Priority, latency-optimized, long context, cache writes,
 * Reserved). Undefined when the catalog publishes no such price: never a neighbour's.
 *
 * @example
 * const info = parseUsageType('Amazon Bedrock', 'USE1-Qwen3-32B-output-tokens-priority');
 * usagePriceFor(catalog, info)?.usd; // Dec 1.05 (per 1M tokens, Price List 2026-07-27)
 */
export function usagePriceFor(catalog: Catalog, info: UsageTypeInfo): UsagePrice | undefined {
  const field =
    info.kind === 'reserved' &&
    info.tokenClass &&
    (info.tokenClass === 'input' || info.tokenClass === 'output')
      ? `reserved${info.reservedTerm === '3-month' ? '3' : '1'}m${info.tokenClass === 'input' ? 'Input' : 'Output'}`
      : priceFieldOf(info);
  if (!field) return undefined;
  const token =
    /^[A-Z0-9]+-(.+?)(?:-latency-?optimized|-LatencyOptimized)?-(?:mantle-)?(?:input|output|cache|reserved)/i.exec(
      info.usageType,
    )?.[1];
  const model =
    (info.modelKey ? catalog.byKey.get(info.modelKey) : undefined) ??
    (info.marketplace
      ? modelForServiceName(catalog, info.service)
      : token
        ? modelForUsageToken(catalog, token)
        : undefined) ??
    (info.modelName ? modelForUsageToken(catalog, info.modelName) : undefined);
  if (!model) return undefined;
  const region = info.region ?? 'us-east-1';
  const geo = geoProfilesOf(region)[0];
  const places =
    info.scope === 'global'
      ? ['global']
      : info.scope === 'geo'
        ? [geo, region]
        : info.kind === 'reserved'
          ? [geo]
          : [region, geo];
  for (const at of places) {
    if (!at) continue;
    const set = model.prices.find((p) => p.at === at);
    const value = set ? (set as unknown as Record<string, string | undefined>)[field] : undefined;
    if (!set || value === undefined) continue;
    return {
      model,
      at,
      field,
      usd: new Dec(value),
      unit: info.kind === 'reserved' ? '1K TPM-hour' : '1M tokens',
      source: set.source,
      asOf: set.asOf,
      ...(set.derived ? { derived: set.derived } : {}),
    };
  }
  return undefined;
}

/**
 * `pricing-refresh`: rebuild the catalog's prices from the AWS Price List API and store
 * the result in DynamoDB (`PRICING`/`CATALOG`), so answers use AWS's current prices
 * instead of the bundled snapshot.
 *
 * Two offers matter:
 * - `AmazonBedrock`: Amazon and open-weight models. Attributes `usagetype`
 *   (`USE1-NovaLite-input-tokens[-batch|-cross-region-global]`), `regionCode`, `model`
 *   (or `titanModel`), `feature` ("On-demand Inference", "Batch Inference", "Provisioned
 *   Throughput Inference - 1 month"), `inferenceType` ("Input tokens", "Prompt cache read
 *   input tokens", "T2I 1024 Standard"). Token prices per 1K tokens.
 * - `AmazonBedrockFoundationModels`: Marketplace models (Anthropic, Cohere, ...), keyed by
 *   `servicename` ("Claude Sonnet 4.5 (Amazon Bedrock Edition)") with usage types like
 *   `USE1-MP:USE1_InputTokenCount_Global-Units`, priced per 1M units. No real document of
 *   this offer was available to check against, so its parser follows the published
 *   descriptions and the sanity checks below guard against a misread scale.
 *
 * A refresh that fails or looks wrong keeps the previous catalog and says why: the API is
 * down, almost nothing parsed, a model that had Price List prices vanished, or a price
 * moved more than 10x (the signature of a per-1K / per-1M mix-up).
 */

import { toIsoDate } from '../clock.js';
import type { Deps } from '../context.js';
import type { JobOptions, JobReport } from '../jobs/types.js';
import { Dec } from '../money.js';
import type { PriceListProduct, PriceListSource } from '../ports.js';
import {
  bundledCatalog,
  type CatalogData,
  type CatalogModel,
  indexCatalog,
  type PriceSet,
  readRefreshedCatalog,
  saveRefreshedCatalog,
  withBundledMetadata,
} from './catalog.js';
import { modelForServiceName, modelForUsageToken } from './models.js';
import { geoProfilesOf } from './regions.js';

/** Price fields a fact can set on a `PriceSet` (token fields USD per 1M tokens). */
export type TokenMeter =
  | 'input'
  | 'output'
  | 'cacheRead'
  | 'cacheWrite5m'
  | 'cacheWrite1h'
  | 'batchInput'
  | 'batchOutput'
  | 'inputLong'
  | 'outputLong'
  | 'flexInput'
  | 'flexOutput'
  | 'priorityInput'
  | 'priorityOutput'
  | 'latencyInput'
  | 'latencyOutput';
/** Reserved tier capacity, USD per 1K tokens-per-minute per hour. */
export type ReservedMeter = 'reserved1mInput' | 'reserved1mOutput' | 'reserved3mInput' | 'reserved3mOutput';
export type Meter = TokenMeter | ReservedMeter | 'image' | 'noCommit' | 'oneMonth' | 'sixMonth';

const RESERVED_METERS: readonly ReservedMeter[] = [
  'reserved1mInput',
  'reserved1mOutput',
  'reserved3mInput',
  'reserved3mOutput',
];

/**
 * `Reserved_1Month_InputTPM_Geo` -> 1-month input capacity on the geo profile. Undefined
 * for a reserved row whose term or side cannot be read.
 */
export function reservedMeterOf(
  text: string,
): { meter: ReservedMeter; scope: 'geo' | 'global' | 'region' } | undefined {
  const t = text.toLowerCase().replace(/[_\s-]+/g, ' ');
  const term = /\b([13]) ?months?\b/.exec(t)?.[1];
  const side = /\binput ?tpm\b|\binput\b/.test(t)
    ? 'Input'
    : /\boutput ?tpm\b|\boutput\b/.test(t)
      ? 'Output'
      : undefined;
  if (!term || !side) return undefined;
  const scope = /\bglobal\b/.test(t) ? 'global' : /\bgeo\b|\bcris\b|cross ?region/.test(t) ? 'geo' : 'region';
  return { meter: `reserved${term}m${side}` as ReservedMeter, scope };
}

/** One price read from one product document. */
export interface PriceFact {
  serviceCode: string;
  sku?: string;
  usagetype: string;
  regionCode: string;
  /** The model as the document names it (`Nova Lite`, `Claude Sonnet 4.5`). */
  modelName: string;
  /** How to find the catalog model: `token:<usage-type token>` or `service:<CE service name>`. */
  lookup?: string;
  /** Where the price applies: a Region, a geo profile prefix, or `global`. */
  at: string;
  meter: Meter;
  /** Image variant (`1024 standard`) for image prices. */
  variant?: string;
  /** USD per 1M tokens, per image, or per model-unit hour. */
  usd: string;
  /** The unit as published (`1K tokens`, `1M tokens`, `Units`, `image`, `hour`). */
  unit: string;
  publicationDate?: string;
}

/**
 * Why a product was not turned into a fact. The first three are rows the catalog does
 * not model on purpose (customization, the OpenAI-compatible endpoint's twins of model-ID
 * rows, Reserved tokens-per-minute); the others are rows the parser could not read, and
 * too many of those fail the refresh (see `UNKNOWN_LIMIT`).
 */
export type SkipReason =
  | 'customization'
  | 'service-tier'
  | 'reserved'
  | 'unknown-meter'
  | 'no-price'
  | 'unknown-unit'
  | 'unknown-model';

/** Skip reasons that mean "could not read", as opposed to "not modelled on purpose". */
export const UNREADABLE: readonly SkipReason[] = [
  'unknown-meter',
  'no-price',
  'unknown-unit',
  'unknown-model',
];

/**
 * Above this share of unreadable rows the refresh fails and keeps the previous catalog:
 * an offer format change should stop the refresh loudly, not thin the catalog silently.
 */
export const UNKNOWN_LIMIT = 0.2;

/** Token meters by tier and kind, for the usage-type and description parsers. */
function tokenMeter(
  kind: 'input' | 'output' | 'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h',
  mods: { batch?: boolean; long?: boolean; flex?: boolean; priority?: boolean; latency?: boolean },
): TokenMeter | undefined {
  const io = kind === 'input' || kind === 'output';
  if (!io) return mods.batch || mods.long || mods.flex || mods.priority || mods.latency ? undefined : kind;
  const out = kind === 'output';
  if (mods.long)
    return mods.batch || mods.flex || mods.priority ? undefined : out ? 'outputLong' : 'inputLong';
  if (mods.latency) return out ? 'latencyOutput' : 'latencyInput';
  if (mods.batch) return out ? 'batchOutput' : 'batchInput';
  if (mods.flex) return out ? 'flexOutput' : 'flexInput';
  if (mods.priority) return out ? 'priorityOutput' : 'priorityInput';
  return kind;
}

/** The modifiers named by a usage-type suffix (`-batch`, `-flex`, `-long-context`, `-latency-optimized`). */
function suffixMods(suffix: string, feature = '', inference = '') {
  const t = `${suffix} ${feature} ${inference}`.toLowerCase();
  return {
    batch: /batch/.test(t),
    // `-long-context`, `_long_ctx_`, `_LCtx`: the long-context rate, never the standard one.
    long: /long[-_ ]?(context|ctx)|longcontext|(^|[-_ ])lctx([-_ ]|$)/.test(t),
    flex: /\bflex\b|-flex/.test(t),
    priority: /priority/.test(t),
    latency: /latency[-_ ]?optimi[sz]ed|latencyoptimi[sz]ed/.test(t),
  };
}

function onDemandDimension(doc: PriceListProduct): { unit: string; usd: string } | undefined {
  for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
    const dims = Object.values(term.priceDimensions ?? {});
    // Tiered prices list several dimensions: the first tier (beginRange 0) is the list price.
    const dim = dims.find((d) => (d.beginRange ?? '0') === '0') ?? dims[0];
    const usd = dim?.pricePerUnit?.USD;
    if (dim && usd !== undefined) return { unit: dim.unit ?? '', usd };
  }
  return undefined;
}

/**
 * Scale a published price to the catalog's unit. The AmazonBedrock offer prices tokens
 * per 1K; the Marketplace offer per 1M ("Units"). Anything else is refused rather than
 * guessed.
 */
export function toCatalogUnit(usd: string, unit: string, meter: Meter): string | undefined {
  const u = unit.trim().toLowerCase();
  const value = new Dec(usd);
  if (meter === 'image') return u.startsWith('image') ? value.toString() : undefined;
  // Reserved capacity is sold per 1K tokens-per-minute per hour; copies of the offer label
  // it `1K TPM Hour`, `1M TPM Hour` or `Units` for the same figure (0.06 x the on-demand
  // price per 1M tokens, i.e. one hour of 1K TPM at full use), so the figure is kept as is.
  if ((RESERVED_METERS as readonly string[]).includes(meter))
    return /tpm|^units$|^hours?$|^hrs$/.test(u) ? value.toString() : undefined;
  if (meter === 'noCommit' || meter === 'oneMonth' || meter === 'sixMonth') {
    return u === 'hour' || u === 'hrs' || u === 'hours' ? value.toString() : undefined;
  }
  if (u === '1k tokens' || u === '1k units') return value.times(1000).toString();
  if (u === '1m tokens' || u === '1m units' || u === 'units' || u === 'million tokens')
    return value.toString();
  if (u === 'tokens') return value.times(1_000_000).toString();
  return undefined;
}

function locate(regionCode: string, scope: string): string {
  if (/global/i.test(scope)) return 'global';
  if (/cross-region|_geo|crossregion/i.test(scope)) return geoProfilesOf(regionCode)[0] ?? regionCode;
  return regionCode;
}

/**
 * Read the price facts of one `AmazonBedrock` product document. Returns a skip reason
 * for rows the catalog does not model (customization, flex/priority tiers, unknown
 * meters).
 */
export function parseBedrockProduct(doc: PriceListProduct): PriceFact | SkipReason {
  const a = doc.product.attributes;
  const usagetype = a.usagetype ?? '';
  const regionCode = a.regionCode ?? '';
  const feature = (a.feature ?? '').toLowerCase();
  if (feature.includes('customization') || /custom-model|customization/i.test(usagetype))
    return 'customization';
  if (/reserved/i.test(usagetype) || /reserved/i.test(feature)) return reservedBedrockFact(doc);
  // The OpenAI-compatible endpoint's rows (`-mantle-`) are priced apart from the model ID's.
  if (/mantle/i.test(usagetype)) return 'service-tier';
  const { meter, variant, token, suffix } = bedrockMeter(doc);
  if (!meter) return 'unknown-meter';
  const price = onDemandDimension(doc);
  if (!price) return 'no-price';
  const usd = toCatalogUnit(price.usd, price.unit, meter);
  if (usd === undefined) return 'unknown-unit';
  const modelName = (a.model ?? a.titanModel ?? a.modelUnit ?? token).replace(
    /\s+latency optimi[sz]ed$/i,
    '',
  );
  return {
    serviceCode: doc.serviceCode ?? a.servicecode ?? 'AmazonBedrock',
    ...(doc.product.sku ? { sku: doc.product.sku } : {}),
    usagetype,
    regionCode,
    modelName,
    at: locate(regionCode, suffix),
    meter,
    ...(variant ? { variant } : {}),
    usd,
    unit: price.unit,
    ...(doc.publicationDate ? { publicationDate: doc.publicationDate } : {}),
    ...(token ? { lookup: `token:${token}` } : {}),
  };
}

/** A Reserved-tier row of the AmazonBedrock offer (1K TPM-hour capacity), or `reserved` when unreadable. */
function reservedBedrockFact(doc: PriceListProduct): PriceFact | 'reserved' {
  const a = doc.product.attributes;
  const usagetype = a.usagetype ?? '';
  const regionCode = a.regionCode ?? '';
  const reserved = reservedMeterOf(
    `${usagetype} ${(a.feature ?? '').toLowerCase()} ${(a.inferenceType ?? '').toLowerCase()}`,
  );
  const price = reserved ? onDemandDimension(doc) : undefined;
  const usd = reserved && price ? toCatalogUnit(price.usd, price.unit, reserved.meter) : undefined;
  if (!reserved || !price || !usd) return 'reserved';
  const token = /^[A-Z0-9]+-(.+?)[-_]reserved/i.exec(usagetype)?.[1];
  return {
    serviceCode: doc.serviceCode ?? a.servicecode ?? 'AmazonBedrock',
    ...(doc.product.sku ? { sku: doc.product.sku } : {}),
    usagetype,
    regionCode,
    modelName: a.model ?? a.titanModel ?? token ?? '',
    at:
      reserved.scope === 'global'
        ? 'global'
        : reserved.scope === 'geo'
          ? (geoProfilesOf(regionCode)[0] ?? regionCode)
          : regionCode,
    meter: reserved.meter,
    usd,
    unit: price.unit,
    ...(doc.publicationDate ? { publicationDate: doc.publicationDate } : {}),
    ...(token ? { lookup: `token:${token}` } : {}),
  };
}

/**
 * The meter of an on-demand AmazonBedrock row, read from its usage type (Provisioned
 * Throughput, token rows and their suffixes) or its inference type (images), with the
 * model token and the suffix that says where the price applies.
 */
function bedrockMeter(doc: PriceListProduct): {
  meter?: Meter;
  variant?: string;
  token: string;
  suffix: string;
} {
  const a = doc.product.attributes;
  const feature = (a.feature ?? '').toLowerCase();
  const inference = (a.inferenceType ?? '').toLowerCase();
  const rest = (a.usagetype ?? '').replace(/^[A-Z0-9]+-/, '');
  const pt = /^(.*?)-ProvisionedThroughput-(NoCommit|1month|6month)-ModelUnits/i.exec(rest);
  if (pt) {
    const c = pt[2]!.toLowerCase();
    return {
      meter: c === 'nocommit' ? 'noCommit' : c === '1month' ? 'oneMonth' : 'sixMonth',
      token: pt[1]!,
      suffix: '',
    };
  }
  const tokenRow =
    /^(.*?)-(input-tokens|output-tokens|cache-read-input-token-count|cache-write-(?:1h-)?input-token-count)(.*)$/i.exec(
      rest,
    );
  if (tokenRow) {
    let token = tokenRow[1]!;
    const kind = tokenRow[2]!.toLowerCase();
    const suffix = tokenRow[3] ?? '';
    const mods = suffixMods(suffix, feature, inference);
    // `USE1-Llama3-1-70B-LatencyOptimized-input-tokens` (model "Llama 3.1 70B Latency
    // Optimized"): the tier sits in the model token, not in the suffix.
    const inToken = /[-_]?latency-?optimi[sz]ed$/i.exec(token);
    if (inToken && inToken.index > 0) {
      token = token.slice(0, inToken.index);
      mods.latency = true;
    }
    if (a.service_tier === 'flex') mods.flex = true;
    if (a.service_tier === 'priority') mods.priority = true;
    const base =
      kind === 'input-tokens'
        ? 'input'
        : kind === 'output-tokens'
          ? 'output'
          : kind.startsWith('cache-read')
            ? 'cacheRead'
            : kind.includes('1h')
              ? 'cacheWrite1h'
              : 'cacheWrite5m';
    const meter = tokenMeter(base, mods);
    return { ...(meter ? { meter } : {}), token, suffix };
  }
  if (inference && /image|^t2i|^i2i|^iv|standard|premium/i.test(inference)) {
    const m = /^(.*?)-(T2I|I2I|IV|IMG)/i.exec(rest);
    const variant = inference.replace(/^(t2i|i2i)\s+/, '');
    return { meter: 'image', variant, token: m?.[1] ?? rest.split('-')[0] ?? '', suffix: '' };
  }
  return { token: '', suffix: '' };
}

/**
 * Classify one Marketplace price dimension by its description, as AWS's own classifier
 * does (awslabs/model-info-amazon-bedrock): "Million Input Tokens Regional", "Million
 * Response Tokens Global", "Million Cache Write Input Tokens Regional CRIS", "Million 1
 * hour Cache Write Input Tokens Regional", "Million Batch Input Tokens Regional",
 * "Million Input Tokens Latency Optimized", optionally after
 * "AWS Marketplace software usage|us-east-1|". Undefined when the description says
 * nothing the catalog models.
 */
export function classifyMarketplaceDescription(
  description: string,
): { meter: TokenMeter; scope: 'region' | 'geo' | 'global' } | 'reserved' | undefined {
  const d = (description.split('|').at(-1) ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
  if (!/tokens?/.test(d)) return undefined;
  if (/reserved|tokens per minute|tpm/.test(d)) return 'reserved';
  const kind = /cache ?write/.test(d)
    ? /1 ?h(ou)?r?\b|1 hour|1h/.test(d)
      ? 'cacheWrite1h'
      : 'cacheWrite5m'
    : /cache ?read/.test(d)
      ? 'cacheRead'
      : /\binput\b/.test(d)
        ? 'input'
        : /\b(response|output)\b/.test(d)
          ? 'output'
          : undefined;
  if (!kind) return undefined;
  const meter = tokenMeter(kind, suffixMods(d));
  if (!meter) return undefined;
  const scope = /\bglobal\b/.test(d)
    ? 'global'
    : /\bcris\b|cross[- ]region|\bgeo\b/.test(d)
      ? 'geo'
      : 'region';
  return { meter, scope };
}

/** The meter named by a Marketplace usage type (`USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units`). */
function marketplaceUsageMeter(
  usagetype: string,
):
  | { meter: TokenMeter | ReservedMeter; scope: 'region' | 'geo' | 'global' }
  | 'reserved'
  | 'skip'
  | undefined {
  const m = /MP:[A-Z0-9]+_(.+?)-Units$/i.exec(usagetype) ?? /MP:[A-Z0-9]+_(.+)$/i.exec(usagetype);
  if (!m) return undefined;
  const lower = m[1]!.toLowerCase();
  if (/reserved/.test(lower)) return reservedMeterOf(m[1]!) ?? 'reserved';
  if (/search_units|searchunits/.test(lower)) return 'skip';
  const mods = suffixMods(lower.replace(/_/g, '-'));
  let kind: 'input' | 'output' | 'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h' | undefined;
  // `CacheWrite1hInputTokenCount`, `cache_write_tokens_1h_global_standard`,
  // `MillionBatchInputTokens`, `input_tokens_long_ctx_standard`, ...
  const meterName = lower.replace(/^million_?/, '');
  if (/^cache_?write/.test(meterName))
    kind = /(^|_)1h(_|$)|write_?1h/.test(meterName) ? 'cacheWrite1h' : 'cacheWrite5m';
  else if (/^cache_?read/.test(meterName)) kind = 'cacheRead';
  else if (/^(batch_?)?input_?token/.test(meterName)) kind = 'input';
  else if (/^(batch_?)?(output|response)_?token/.test(meterName)) kind = 'output';
  const meter = kind ? tokenMeter(kind, mods) : undefined;
  if (!meter) return undefined;
  const scope = /_global/.test(lower) ? 'global' : /_geo|_cris|cross/.test(lower) ? 'geo' : 'region';
  return { meter, scope };
}

/**
 * Read one `AmazonBedrockFoundationModels` (Marketplace) product: the model comes from
 * `servicename`; each price dimension is classified by its description (falling back to
 * the usage type), and every dimension is read, not only the first.
 */
export function parseMarketplaceProduct(doc: PriceListProduct): PriceFact[] | SkipReason {
  const usagetype = doc.product.attributes.usagetype ?? '';
  const byUsage = marketplaceUsageMeter(usagetype);
  if (byUsage === 'reserved') return 'reserved';
  // (Image rows are read per dimension below.)
  if (byUsage === 'skip') return 'service-tier';
  const facts: PriceFact[] = [];
  let reason: SkipReason | undefined;
  const seen = new Set<string>();
  for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      // Image models (Stability, ...): a price per image generated.
      const imageText = `${dim.description ?? ''} ${dim.unit ?? ''} ${usagetype}`;
      const read =
        /\bimages?\b|image[_-]?count/i.test(imageText) && !/tokens?/i.test(dim.description ?? '')
          ? marketplaceImageFact(doc, dim)
          : marketplaceTokenFacts(doc, dim, byUsage, seen);
      if (typeof read !== 'string') facts.push(...read);
      // A row nobody could read outweighs one the catalog does not model or that has no price.
      else if (read === 'unknown-meter' || read === 'unknown-unit') reason = read;
      else reason ??= read;
    }
  }
  if (facts.length) return facts;
  if (reason) return reason;
  return byUsage ? 'no-price' : 'unknown-meter';
}

type PriceDimension = NonNullable<
  NonNullable<NonNullable<PriceListProduct['terms']>['OnDemand']>[string]['priceDimensions']
>[string];

/** The fields every Marketplace fact shares: the document's codes and the model's service name. */
function marketplaceFact(
  doc: PriceListProduct,
  price: Pick<PriceFact, 'at' | 'meter' | 'variant' | 'usd' | 'unit'>,
): PriceFact {
  const a = doc.product.attributes;
  return {
    serviceCode: doc.serviceCode ?? a.servicecode ?? 'AmazonBedrockFoundationModels',
    ...(doc.product.sku ? { sku: doc.product.sku } : {}),
    usagetype: a.usagetype ?? '',
    regionCode: a.regionCode ?? '',
    modelName: (a.servicename ?? '').replace(/\s*\(Amazon Bedrock Edition\)\s*$/, ''),
    ...price,
    ...(doc.publicationDate ? { publicationDate: doc.publicationDate } : {}),
    ...(a.servicename ? { lookup: `service:${a.servicename}` } : {}),
  };
}

/** A price per image generated, as the standard variant. */
function marketplaceImageFact(doc: PriceListProduct, dim: PriceDimension): PriceFact[] | 'no-price' {
  const usd = dim.pricePerUnit?.USD;
  if (usd === undefined) return 'no-price';
  const at = doc.product.attributes.regionCode ?? '';
  return [
    marketplaceFact(doc, {
      at,
      meter: 'image',
      variant: 'standard',
      usd: new Dec(usd).toString(),
      unit: dim.unit ?? 'image',
    }),
  ];
}

/**
 * One token or Reserved dimension, classified by its description (a Reserved row by its
 * usage type), priced at each place it applies; the first tier of a tiered meter only.
 */
function marketplaceTokenFacts(
  doc: PriceListProduct,
  dim: PriceDimension,
  byUsage: ReturnType<typeof marketplaceUsageMeter>,
  seen: Set<string>,
): PriceFact[] | SkipReason {
  const regionCode = doc.product.attributes.regionCode ?? '';
  const usage = typeof byUsage === 'object' ? byUsage : undefined;
  const described = classifyMarketplaceDescription(dim.description ?? '');
  const reservedByUsage =
    usage && (RESERVED_METERS as readonly string[]).includes(usage.meter) ? usage : undefined;
  // A reserved row is read from its usage type (`Reserved_1Month_InputTPM_Geo`).
  const byDescription = described === 'reserved' ? reservedByUsage : described;
  if (described === 'reserved' && !byDescription) return 'reserved';
  const classified = reservedByUsage ?? byDescription ?? usage;
  if (!classified) return 'unknown-meter';
  const usd = dim.pricePerUnit?.USD;
  if (usd === undefined) return 'no-price';
  const value = toCatalogUnit(usd, dim.unit || 'Units', classified.meter);
  if (value === undefined) return 'unknown-unit';
  const at =
    classified.scope === 'global'
      ? 'global'
      : classified.scope === 'geo'
        ? (geoProfilesOf(regionCode)[0] ?? regionCode)
        : regionCode;
  // A regional (not `_Global`) token row is the price of in-region calls and of the
  // Region's geo profile alike ("Regional" / "Regional CRIS"): AWS publishes no
  // separate geo token price, so the row prices both places.
  const reservedMeter = (RESERVED_METERS as readonly string[]).includes(classified.meter);
  const geo = geoProfilesOf(regionCode)[0];
  const places =
    classified.scope === 'global' || reservedMeter || !geo
      ? [at]
      : [...new Set([regionCode, geo].filter(Boolean))];
  const facts: PriceFact[] = [];
  for (const place of places) {
    // Tiered dimensions of one meter: the first tier (beginRange 0) is the list price.
    const key = `${classified.meter}@${place}`;
    if (seen.has(key) && (dim.beginRange ?? '0') !== '0') continue;
    seen.add(key);
    facts.push(
      marketplaceFact(doc, { at: place, meter: classified.meter, usd: value, unit: dim.unit ?? '' }),
    );
  }
  return facts;
}

/** Every price fact of a product document (Marketplace products may carry several), or why none. */
export function parseProductFacts(doc: PriceListProduct): PriceFact[] | SkipReason {
  const code = doc.serviceCode ?? doc.product.attributes.servicecode;
  if (code === 'AmazonBedrockFoundationModels') return parseMarketplaceProduct(doc);
  const one = parseBedrockProduct(doc);
  return typeof one === 'string' ? one : [one];
}

/** Parse a product document by its service code: its first fact, or why it has none. */
export function parseProduct(doc: PriceListProduct): PriceFact | SkipReason {
  const facts = parseProductFacts(doc);
  return typeof facts === 'string' ? facts : facts[0]!;
}

export interface RefreshResult {
  ok: boolean;
  /** The catalog to store (ok) or the reason the previous one is kept. */
  data?: CatalogData;
  reason?: string;
  facts: number;
  /** Facts whose model is not in the catalog (new models to add to the bundled list). */
  unknownModels: string[];
  skipped: Partial<Record<SkipReason, number>>;
  updatedPrices: number;
}

const TOKEN_METERS: TokenMeter[] = [
  'input',
  'output',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'batchInput',
  'batchOutput',
  'inputLong',
  'outputLong',
  'flexInput',
  'flexOutput',
  'priorityInput',
  'priorityOutput',
  'latencyInput',
  'latencyOutput',
];

function skippedTotal(skipped: RefreshResult['skipped']): number {
  return Object.entries(skipped)
    .filter(([r]) => r !== 'unknown-model')
    .reduce((n, [, v]) => n + (v ?? 0), 0);
}

/** The catalog model a price fact is about (by Marketplace service name or usage-type token). */
export function resolveFact(
  previous: ReturnType<typeof indexCatalog>,
  fact: PriceFact,
): CatalogModel | undefined {
  if (fact.lookup?.startsWith('service:'))
    return modelForServiceName(previous, fact.lookup.slice('service:'.length));
  const byToken = fact.lookup?.startsWith('token:')
    ? modelForUsageToken(previous, fact.lookup.slice(6))
    : undefined;
  return byToken ?? modelForUsageToken(previous, fact.modelName);
}

/**
 * Merge Price List facts into the previous catalog and check the result. Pure: the
 * caller reads the products and stores the outcome.
 *
 * Rules: a published price replaces the catalog's (source `price-list-<date>`); batch
 * prices not published alongside follow the 50% rule from the new on-demand price.
 * Rejected (previous kept) when nothing usable parsed, when a model that had Price List
 * prices before has none now, or when any price moves more than 10x either way.
 */
export function mergePriceFacts(
  previousData: CatalogData,
  products: PriceListProduct[],
  now: Date,
): RefreshResult {
  const { facts, skipped } = readFacts(products);
  const base = { facts: facts.length, skipped, updatedPrices: 0 };
  if (!facts.length)
    return { ok: false, reason: 'the Price List returned no usable prices', unknownModels: [], ...base };
  const publication = facts
    .map((f) => f.publicationDate ?? '')
    .sort()
    .at(-1);
  const asOf = publication ? publication.slice(0, 10) : toIsoDate(now);
  const data: CatalogData = structuredClone(previousData);
  const merge = applyFacts(data, indexCatalog(previousData), facts, asOf);
  const unknownModels = [...merge.unknown].sort();
  if (merge.unknownModelRows) skipped['unknown-model'] = merge.unknownModelRows;
  const reason = refusal(previousData, facts, skipped, merge);
  if (reason) return { ok: false, reason, unknownModels, ...base, updatedPrices: merge.updated };
  followBatchRule(merge.models, merge.touched);
  data.source = 'refreshed';
  data.asOf = asOf;
  data.refreshedAt = now.toISOString();
  return { ok: true, data, unknownModels, ...base, updatedPrices: merge.updated };
}

/** The price facts of every product document, and how many documents were skipped and why. */
function readFacts(products: PriceListProduct[]): { facts: PriceFact[]; skipped: RefreshResult['skipped'] } {
  const skipped: RefreshResult['skipped'] = {};
  const facts: PriceFact[] = [];
  for (const doc of products) {
    const parsed = parseProductFacts(doc);
    if (typeof parsed === 'string') skipped[parsed] = (skipped[parsed] ?? 0) + 1;
    else facts.push(...parsed);
  }
  return { facts, skipped };
}

/** What merging the facts into a catalog did. */
interface Merge {
  models: Map<string, CatalogModel>;
  /** Names of facts whose model is not in the catalog, and how many rows they were. */
  unknown: Set<string>;
  unknownModelRows: number;
  seenModels: Set<string>;
  /** The price sets written, with the meters written in each. */
  touched: Map<PriceSet, Set<string>>;
  /** Prices that moved more than 10x. */
  moves: string[];
  updated: number;
}

/** Write each fact over the catalog's price (source `price-list-<asOf>`), into `data`. */
function applyFacts(
  data: CatalogData,
  previous: ReturnType<typeof indexCatalog>,
  facts: PriceFact[],
  asOf: string,
): Merge {
  const sourceId = `price-list-${asOf}`;
  data.sources = {
    ...data.sources,
    [sourceId]: {
      kind: 'price-list-api',
      documents: true,
      title: `AWS Price List API, GetProducts (publication ${asOf})`,
      url: 'https://pricing.us-east-1.amazonaws.com',
      asOf,
    },
  };
  const m: Merge = {
    models: new Map(data.models.map((x) => [x.key, x])),
    unknown: new Set(),
    unknownModelRows: 0,
    seenModels: new Set(),
    touched: new Map(),
    moves: [],
    updated: 0,
  };
  for (const fact of facts) {
    const known = resolveFact(previous, fact);
    if (!known) {
      m.unknown.add(fact.modelName || fact.usagetype);
      m.unknownModelRows++;
      continue;
    }
    const model = m.models.get(known.key)!;
    m.seenModels.add(model.key);
    if (fact.meter === 'noCommit' || fact.meter === 'oneMonth' || fact.meter === 'sixMonth') {
      let pt = model.provisioned.find((p) => p.at === fact.at);
      if (!pt) {
        pt = { at: fact.at, source: sourceId, asOf };
        model.provisioned.push(pt);
      }
      checkMove(m.moves, model, fact, pt[fact.meter]);
      pt[fact.meter] = fact.usd;
      pt.source = sourceId;
      pt.asOf = asOf;
    } else {
      const set = applyPrice(m.moves, model, fact, sourceId, asOf);
      const fields = m.touched.get(set) ?? new Set<string>();
      fields.add(fact.meter);
      m.touched.set(set, fields);
    }
    m.updated++;
  }
  return m;
}

/** Write one token or image price into the model's price set for its place; returns that set. */
function applyPrice(
  moves: string[],
  model: CatalogModel,
  fact: PriceFact,
  sourceId: string,
  asOf: string,
): PriceSet {
  let set = model.prices.find((p) => p.at === fact.at);
  if (!set) {
    set = { at: fact.at, source: sourceId, asOf };
    model.prices.push(set);
  }
  if (fact.meter === 'image') {
    const variant = fact.variant ?? 'standard';
    const before = set.images?.[variant];
    checkMove(moves, model, fact, before);
    set.images = { ...set.images, [variant]: fact.usd };
    // `standard` is the default image price: it follows the published variant it mirrored.
    if (
      variant !== 'standard' &&
      variant.endsWith('standard') &&
      before !== undefined &&
      set.images.standard === before
    ) {
      set.images.standard = fact.usd;
    }
  } else {
    const meter = fact.meter as Exclude<Meter, 'image' | 'noCommit' | 'oneMonth' | 'sixMonth'>;
    checkMove(moves, model, fact, set[meter]);
    set[meter] = fact.usd;
  }
  set.source = sourceId;
  set.asOf = asOf;
  delete set.derived;
  return set;
}

/** Why the merged catalog must not replace the previous one, or undefined when it may. */
function refusal(
  previousData: CatalogData,
  facts: PriceFact[],
  skipped: RefreshResult['skipped'],
  merge: Merge,
): string | undefined {
  // Too many rows nobody could read: the offer changed shape. Fail loudly, keep the catalog.
  const unreadable = UNREADABLE.reduce((n, r) => n + (skipped[r] ?? 0), 0);
  const rows = skippedTotal(skipped) + facts.length;
  if (rows && unreadable / rows > UNKNOWN_LIMIT) {
    return `${unreadable} of ${rows} Price List rows could not be read (${UNREADABLE.filter((r) => skipped[r])
      .map((r) => `${skipped[r]} ${r}`)
      .join(', ')}), more than ${UNKNOWN_LIMIT * 100}%: the offer format may have changed`;
  }
  if (merge.moves.length) return `prices moved more than 10x: ${merge.moves.slice(0, 3).join('; ')}`;
  // A model that had Price List prices and now has none: an offer change or a partial
  // answer; either way a person should look before answers change.
  const vanished = previousData.models
    .filter(
      (m) =>
        m.prices.some((p) => previousData.sources[p.source]?.documents === true) &&
        !merge.seenModels.has(m.key),
    )
    .filter((m) =>
      facts.some(
        (f) =>
          f.serviceCode === (m.billing === 'marketplace' ? 'AmazonBedrockFoundationModels' : 'AmazonBedrock'),
      ),
    )
    .map((m) => m.key);
  if (vanished.length) return `models vanished from the Price List: ${vanished.slice(0, 5).join(', ')}`;
  if (!merge.updated) return 'no Price List row matched a catalog model';
  return undefined;
}

/** Batch prices that were not published alongside follow the new on-demand price (50%). */
function followBatchRule(models: Map<string, CatalogModel>, touched: Map<PriceSet, Set<string>>): void {
  for (const m of models.values()) {
    if (!m.batch) continue;
    for (const [set, fields] of touched) {
      if (!m.prices.includes(set)) continue;
      if (fields.has('input') && !fields.has('batchInput') && set.input !== undefined)
        set.batchInput = new Dec(set.input).times(0.5).toString();
      if (fields.has('output') && !fields.has('batchOutput') && set.output !== undefined)
        set.batchOutput = new Dec(set.output).times(0.5).toString();
    }
  }
  for (const set of touched.keys()) {
    for (const f of TOKEN_METERS) if (set[f] === '') delete set[f];
  }
}

function checkMove(
  moves: string[],
  model: CatalogModel,
  fact: PriceFact,
  previous: string | undefined,
): void {
  if (previous === undefined) return;
  const before = new Dec(previous);
  const after = new Dec(fact.usd);
  if (before.isZero() || after.isZero()) return;
  const ratio = after.div(before);
  if (ratio.gt(10) || ratio.lt(0.1)) {
    moves.push(`${model.key} ${fact.meter} at ${fact.at} ${previous} -> ${fact.usd}`);
  }
}

const NOT_MODELLED: Partial<Record<SkipReason, string>> = {
  customization: 'customization',
  'service-tier': 'OpenAI-compatible endpoint',
  reserved: 'Reserved tier',
};

/** `; not modelled: 1 customization, 3 OpenAI-compatible endpoint` (nothing skipped silently). */
function notModelled(skipped: RefreshResult['skipped']): string {
  const parts = Object.entries(NOT_MODELLED)
    .filter(([r]) => skipped[r as SkipReason])
    .map(([r, label]) => `${skipped[r as SkipReason]} ${label}`);
  return parts.length ? `; rows not modelled: ${parts.join(', ')}` : '';
}

/** The service codes the refresh reads. */
export const PRICE_LIST_SERVICES = ['AmazonBedrock', 'AmazonBedrockFoundationModels'] as const;

/**
 * The scheduled job: read both offers, merge into the previous catalog (refreshed when
 * present, else bundled), check, store. Never throws for an upstream failure: the report
 * says the previous catalog was kept and why.
 */
export async function runPricingRefresh(
  deps: Deps,
  options: JobOptions,
  source: PriceListSource,
): Promise<JobReport> {
  const now = deps.clock.now();
  let previous: CatalogData;
  try {
    const stored = await readRefreshedCatalog(deps.store);
    previous = stored ? withBundledMetadata(stored) : bundledCatalog().data;
  } catch (error) {
    deps.log.warn('pricing refresh: could not read the stored catalog, starting from the bundled one', error);
    previous = bundledCatalog().data;
  }
  let products: PriceListProduct[] = [];
  const failures: string[] = [];
  for (const code of PRICE_LIST_SERVICES) {
    try {
      products = products.concat(await source.getProducts(code));
    } catch (error) {
      failures.push(`${code}: ${(error as Error)?.name ?? 'error'}`);
    }
  }
  if (failures.length === PRICE_LIST_SERVICES.length) {
    const summary = `Pricing refresh kept the previous catalog (as of ${previous.asOf}): the Price List API failed (${failures.join(', ')}).`;
    deps.log.warn(summary);
    return { job: 'pricing-refresh', messages: [], summary };
  }
  const result = mergePriceFacts(previous, products, now);
  if (!result.ok || !result.data) {
    const summary = `Pricing refresh FAILED and kept the previous catalog (as of ${previous.asOf}): ${result.reason}.`;
    deps.log.error(summary, {
      facts: result.facts,
      skipped: result.skipped,
      unknownModels: result.unknownModels.slice(0, 20),
    });
    return { job: 'pricing-refresh', messages: [], summary };
  }
  const partial = failures.length ? ` (${failures.join(', ')} failed; those prices kept)` : '';
  const unreadable = UNREADABLE.filter((r) => result.skipped[r]).map((r) => `${result.skipped[r]} ${r}`);
  const unknown = `${
    result.unknownModels.length
      ? `; ${result.unknownModels.length} models not in the catalog yet (${result.unknownModels.slice(0, 5).join(', ')})`
      : ''
  }${unreadable.length ? `; rows not read: ${unreadable.join(', ')}` : ''}${notModelled(result.skipped)}`;
  if (options.dryRun) {
    const summary = `Pricing refresh (dry run): ${result.updatedPrices} prices from ${products.length} products, as of ${result.data.asOf}${unknown}${partial}; nothing stored.`;
    return { job: 'pricing-refresh', messages: [], summary };
  }
  const stored = await saveRefreshedCatalog(deps.store, result.data);
  const summary = `Pricing refresh stored ${result.updatedPrices} prices from ${products.length} products, as of ${result.data.asOf} (${Math.round(stored.bytes / 1024)} KB compressed)${unknown}${partial}.`;
  deps.log.info(summary, { skipped: result.skipped, unknownModels: result.unknownModels.slice(0, 20) });
  return { job: 'pricing-refresh', messages: [], summary };
}

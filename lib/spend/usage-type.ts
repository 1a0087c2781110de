/**
 * Reading Bedrock usage types: what a Cost Explorer line *is* (model, token class,
 * batch, tier, cross-region scope, provisioned throughput, ...).
 *
 * Bedrock bills in two shapes (see ../../../shared/reference/bedrock-billing.md):
 * - Amazon and open-weight models sit under the `Amazon Bedrock` service and name the
 *   model inside the usage type: `USE1-NovaPro-input-tokens-batch`,
 *   `USE1-Nova2.0Lite-input-tokens-cross-region-global`.
 * - Third-party models (Anthropic, Cohere, ...) are each their own Marketplace service,
 *   `Claude Sonnet 4.5 (Amazon Bedrock Edition)`, whose usage types do NOT name the model:
 *   `USE1-MP:USE1_OutputTokenCount_Global-Units`. The model comes from the service name.
 * Knowledge Bases keep vectors in OpenSearch Serverless, billed as `Amazon OpenSearch
 * Service` OCU hours: Bedrock-related spend outside any Bedrock service.
 *
 * The parser is pure and total: a format it does not recognise becomes kind `other` with
 * the raw name as its label, so no dollar is ever dropped from an answer.
 */

/** The token classes Bedrock prices differently. */
export type TokenClass = 'input' | 'output' | 'cache-read' | 'cache-write-5m' | 'cache-write-1h';

/** What a usage-type line pays for. */
export type UsageKind =
  | 'tokens'
  | 'provisioned-throughput'
  | 'guardrails'
  | 'customization'
  | 'knowledge-base'
  | 'images'
  /** Reserved tier: tokens-per-minute capacity bought for 1 or 3 months (billed per TPM-hour). */
  | 'reserved'
  | 'other'
  /** A line of a shared service (OpenSearch) that is not Bedrock-related. */
  | 'unrelated';

/** On-demand service tier (Bedrock's flex and priority tiers are priced off standard). */
export type ServiceTier = 'standard' | 'flex' | 'priority';

/** Where a request may be served: the source region, a geography (`us.`), or anywhere (`global.`). */
export type CrossRegionScope = 'in-region' | 'geo' | 'global';

/**
 * How a token line was sold, for labels and prices: the on-demand service tier, or batch,
 * latency-optimized inference, the Reserved tier, Provisioned Throughput.
 */
export type PricingTier =
  | 'standard'
  | 'flex'
  | 'priority'
  | 'batch'
  | 'latency-optimized'
  | 'reserved'
  | 'provisioned';

export interface UsageTypeInfo {
  service: string;
  usageType: string;
  kind: UsageKind;
  /** Region code such as `us-east-1`, when the prefix is known. */
  region?: string;
  /** The raw prefix (`USE1`). */
  regionPrefix?: string;
  /** Stable model key (`claude-sonnet-4-5`) when the line belongs to one model. */
  modelKey?: string;
  /** Display name (`Claude Sonnet 4.5`). */
  modelName?: string;
  tokenClass?: TokenClass;
  batch: boolean;
  tier: ServiceTier;
  scope: CrossRegionScope;
  /** Provisioned throughput commitment, when the line is model-unit hours. */
  commitment?: 'none' | '1-month' | '6-month';
  /** Latency-optimized inference (`-latency-optimized`): a dearer row of its own. */
  latencyOptimized?: boolean;
  /** Long-context rates (`-long-context`, `_long_ctx`): requests over the model's threshold. */
  longContext?: boolean;
  /** Reserved tier term, when the line is reserved tokens-per-minute capacity. */
  reservedTerm?: '1-month' | '3-month';
  /** Extra words worth showing (`custom model`, `content policy`, `search units`). */
  detail?: string;
  /** True for Marketplace (`... (Amazon Bedrock Edition)`) services. */
  marketplace: boolean;
}

/** Cost Explorer region prefixes of usage types. */
export const REGION_PREFIXES: Record<string, string> = {
  USE1: 'us-east-1',
  USE2: 'us-east-2',
  USW1: 'us-west-1',
  USW2: 'us-west-2',
  UGW1: 'us-gov-west-1',
  UGE1: 'us-gov-east-1',
  CAN1: 'ca-central-1',
  SAE1: 'sa-east-1',
  EU: 'eu-west-1',
  EUW1: 'eu-west-1',
  EUW2: 'eu-west-2',
  EUW3: 'eu-west-3',
  EUC1: 'eu-central-1',
  EUC2: 'eu-central-2',
  EUN1: 'eu-north-1',
  EUS1: 'eu-south-1',
  EUS2: 'eu-south-2',
  APN1: 'ap-northeast-1',
  APN2: 'ap-northeast-2',
  APN3: 'ap-northeast-3',
  APS1: 'ap-southeast-1',
  APS2: 'ap-southeast-2',
  APS3: 'ap-south-1',
  APS4: 'ap-southeast-3',
  APS5: 'ap-south-2',
  APE1: 'ap-east-1',
  MEC1: 'me-central-1',
  MES1: 'me-south-1',
  AFS1: 'af-south-1',
  ILC1: 'il-central-1',
};

export const BEDROCK_SERVICE = 'Amazon Bedrock';
export const MARKETPLACE_SUFFIX = ' (Amazon Bedrock Edition)';
export const OPENSEARCH_SERVICE = 'Amazon OpenSearch Service';

/** AgentCore (agent runtime, gateway, memory): billed as its own service. */
export const AGENTCORE_SERVICE = 'Amazon Bedrock AgentCore';

/** Is this Cost Explorer SERVICE part of Bedrock spend (native, AgentCore or Marketplace)? */
export function isBedrockService(service: string): boolean {
  return service === BEDROCK_SERVICE || service === AGENTCORE_SERVICE || service.endsWith(MARKETPLACE_SUFFIX);
}

/** Known display names for usage-type model tokens the generic rule gets wrong. */
const MODEL_TOKEN_NAMES: Record<string, string> = {
  novapro: 'Nova Pro',
  novalite: 'Nova Lite',
  novamicro: 'Nova Micro',
  novapremier: 'Nova Premier',
  novacanvas: 'Nova Canvas',
  novareel: 'Nova Reel',
  novasonic: 'Nova Sonic',
  titantextexpress: 'Titan Text Express',
  titantextlite: 'Titan Text Lite',
  titanembedtextv2: 'Titan Text Embeddings V2',
  'titanembeddingv2-text': 'Titan Text Embeddings V2',
  titanembeddingv2text: 'Titan Text Embeddings V2',
  'cohere.rerank-english-v3': 'Cohere Rerank English v3',
  'amazon.rerank-v1': 'Amazon Rerank 1.0',
};

/**
 * Optional lookup of canonical model names (the pricing catalog): by Marketplace service
 * name and by usage-type model token. Without it (or when it does not know a model) the
 * parser derives names itself.
 */
export interface ModelNames {
  fromService(service: string): { key: string; name: string } | undefined;
  fromToken(token: string): { key: string; name: string } | undefined;
}

/** `Claude Sonnet 4.5` -> `claude-sonnet-4-5`: the key models are grouped by. */
export function modelKeyOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * A display name from the model token of an `Amazon Bedrock` usage type:
 * `Llama3-1-70B` -> `Llama 3.1 70B`, `Nova2.0Lite` -> `Nova 2 Lite`,
 * `Claude4.6Sonnet` -> `Claude Sonnet 4.6` (Anthropic's naming from Claude 4 on).
 */
export function modelNameFromToken(token: string): string {
  const known = MODEL_TOKEN_NAMES[token.toLowerCase()];
  if (known) return known;
  const parts = token.split('-').filter(Boolean);
  const words: string[] = [];
  for (const part of parts) {
    const spaced = part
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/([A-Za-z])(\d)/g, '$1 $2')
      .replace(/(\d(?:\.\d+)?)([A-Za-z]{2,})/g, '$1 $2')
      .replace(/\b(\d+)\.0\b/g, '$1')
      // Version tags stay whole: `V2`, `R1`.
      .replace(/\b([A-Za-z]) (\d)/g, '$1$2')
      .replace(/\bDeep Seek\b/g, 'DeepSeek')
      .replace(/\bGpt\b/gi, 'GPT');
    const last = words[words.length - 1];
    // `Llama3-2-1B`: two bare numbers in a row are a version (3.2), not two words.
    const minor = /^(\d+) (.+)$/.exec(spaced);
    if (/^\d+$/.test(spaced) && last && /(^|\s)\d+$/.test(last)) {
      words[words.length - 1] = `${last}.${spaced}`;
    } else if (minor && last && /(^|\s)\d+$/.test(last)) {
      // `Claude3-5Haiku`: `3` and `5 Haiku` are version 3.5 and the word after it.
      words[words.length - 1] = `${last}.${minor[1]}`;
      words.push(minor[2]!);
    } else {
      words.push(spaced);
    }
  }
  let name = words.join(' ').replace(/\s+/g, ' ').trim();
  const claude = /^Claude (\d+(?:\.\d+)?) (Sonnet|Opus|Haiku)$/.exec(name);
  if (claude && Number.parseFloat(claude[1]!) >= 4) name = `Claude ${claude[2]} ${claude[1]}`;
  return name;
}

/** `Claude Sonnet 4.5 (Amazon Bedrock Edition)` -> `Claude Sonnet 4.5`. */
export function modelNameFromService(service: string): string {
  return service.endsWith(MARKETPLACE_SUFFIX) ? service.slice(0, -MARKETPLACE_SUFFIX.length).trim() : service;
}

const TOKEN_CLASS_LABELS: Record<TokenClass, string> = {
  input: 'input',
  output: 'output',
  'cache-read': 'cache read',
  'cache-write-5m': 'cache write',
  'cache-write-1h': 'cache write 1h',
};

/** `output`, `cache read`, `cache write 1h`. */
export function tokenClassLabel(tokenClass: TokenClass): string {
  return TOKEN_CLASS_LABELS[tokenClass];
}

function splitRegion(usageType: string): { prefix?: string; region?: string; rest: string } {
  const m = /^([A-Z]{2,4}\d?)-(.+)$/.exec(usageType);
  if (m && (REGION_PREFIXES[m[1]!] || /^[A-Z]{3}\d$/.test(m[1]!))) {
    return { prefix: m[1], region: REGION_PREFIXES[m[1]!], rest: m[2]! };
  }
  return { rest: usageType };
}

function base(service: string, usageType: string): UsageTypeInfo {
  const { prefix, region } = splitRegion(usageType);
  return {
    service,
    usageType,
    kind: 'other',
    ...(region ? { region } : {}),
    ...(prefix ? { regionPrefix: prefix } : {}),
    batch: false,
    tier: 'standard',
    scope: 'in-region',
    marketplace: service.endsWith(MARKETPLACE_SUFFIX),
  };
}

/** Words of a meter name: `CacheWrite1hInputTokenCount_Global` -> cache write 1h input token count global. */
function meterWords(meter: string): string[] {
  return meter
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);
}

function tokenClassFromWords(words: string[]): TokenClass | undefined {
  const has = (w: string) => words.includes(w);
  if (has('cache') || has('cached')) {
    if (has('read')) return 'cache-read';
    if (has('write')) return has('1h') || (has('1') && has('h')) ? 'cache-write-1h' : 'cache-write-5m';
    return undefined;
  }
  if (has('input')) return 'input';
  if (has('output')) return 'output';
  return undefined;
}

function applyModifiers(info: UsageTypeInfo, words: string[]): string[] {
  const unknown: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === 'latency' && (next === 'optimized' || next === 'optimised')) {
      info.latencyOptimized = true;
      i++;
    } else if (w === 'latencyoptimized' || w === 'latencyoptimised') info.latencyOptimized = true;
    else if (w === 'long' && (next === 'context' || next === 'ctx')) {
      info.longContext = true;
      i++;
    } else if (w === 'longcontext' || w === 'longctx' || w === 'lctx') info.longContext = true;
    else if (w === 'million') {
      // `MillionBatchInputTokens`: the unit, not a modifier.
    } else if (w === 'batch') info.batch = true;
    else if (w === 'flex' || w === 'priority') info.tier = w;
    else if (w === 'standard' || w === 'on' || w === 'demand') {
      // default tier / on-demand
    } else if (w === 'global') info.scope = 'global';
    else if (w === 'geo' || w === 'cross' || w === 'region' || w === 'crossregion') {
      if (info.scope !== 'global') info.scope = 'geo';
    } else unknown.push(w);
  }
  return unknown;
}

/** `USE1-MP:USE1_OutputTokenCount_Global-Units` (model from the service name). */
function parseMarketplace(info: UsageTypeInfo, rest: string, names?: ModelNames): UsageTypeInfo {
  const known = info.marketplace ? names?.fromService(info.service) : undefined;
  const name = known?.name ?? modelNameFromService(info.service);
  info.modelName = name;
  info.modelKey = known?.key ?? modelKeyOf(name);
  const meter = rest
    .replace(/^MP:/, '')
    .replace(/^[A-Z]{2,4}\d?_/, '')
    .replace(/-Units$/i, '');
  const words = meterWords(meter);
  const tokenClass = tokenClassFromWords(words);
  if (tokenClass) {
    info.kind = 'tokens';
    info.tokenClass = tokenClass;
    const unknown = applyModifiers(
      info,
      words.filter(
        (w) =>
          ![
            'input',
            'output',
            'token',
            'tokens',
            'count',
            'cache',
            'read',
            'write',
            '1h',
            '1',
            'h',
            '5m',
          ].includes(w),
      ),
    );
    if (unknown.length) info.detail = unknown.join(' ');
  } else {
    info.detail = meter;
  }
  return info;
}

const TOKEN_MARKER =
  /^(.+?)-(?:mantle-)?(input-tokens?|output-tokens?|cache-read-input-token-count|cache-write-input-token-count|cache-write-1h-input-token-count|cache-read-input-tokens|cache-write-input-tokens)(?:-(.*))?$/i;

/** `USE1-NovaPro-input-tokens-batch`, `USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits`, ... */
function parseNative(info: UsageTypeInfo, rest: string, names?: ModelNames): UsageTypeInfo {
  const setModel = (token: string) => {
    const known = names?.fromToken(token);
    info.modelName = known?.name ?? modelNameFromToken(token);
    info.modelKey = known?.key ?? modelKeyOf(info.modelName);
  };
  const token = TOKEN_MARKER.exec(rest);
  if (token) {
    // `Llama3-1-70B-LatencyOptimized-input-tokens`: the tier inside the model token.
    const latency = /[-_]?latency-?optimi[sz]ed$/i.exec(token[1]!);
    if (latency && latency.index > 0) info.latencyOptimized = true;
    setModel(latency && latency.index > 0 ? token[1]!.slice(0, latency.index) : token[1]!);
    const marker = token[2]!.toLowerCase();
    info.kind = 'tokens';
    info.tokenClass = marker.startsWith('input')
      ? 'input'
      : marker.startsWith('output')
        ? 'output'
        : marker.startsWith('cache-read')
          ? 'cache-read'
          : marker.includes('1h')
            ? 'cache-write-1h'
            : 'cache-write-5m';
    const suffix = token[3] ?? '';
    let words = suffix.toLowerCase().split('-').filter(Boolean);
    // `custom-model`: tokens of a customised (fine-tuned / imported) model.
    const custom = words.join('-').includes('custom-model');
    if (custom) words = words.filter((w) => w !== 'custom' && w !== 'model');
    const unknown = applyModifiers(info, words);
    const detail = [custom ? 'custom model' : '', ...unknown].filter(Boolean).join(' ');
    if (detail) info.detail = detail;
    return info;
  }
  const pt = /^(.+?)-ProvisionedThroughput(?:-([A-Za-z0-9]+))?.*$/i.exec(rest);
  if (pt) {
    setModel(pt[1]!);
    info.kind = 'provisioned-throughput';
    const term = (pt[2] ?? '').toLowerCase();
    info.commitment = /6/.test(term) ? '6-month' : /1/.test(term) ? '1-month' : 'none';
    info.detail = 'model units';
    return info;
  }
  const custom = /^(.+?)-Customization-(.+)$/i.exec(rest);
  if (custom) {
    setModel(custom[1]!);
    info.kind = 'customization';
    info.detail = custom[2]!.toLowerCase();
    return info;
  }
  const guard = /^Guardrails?-(.+)$/i.exec(rest);
  if (guard) {
    info.kind = 'guardrails';
    info.detail = meterWords(guard[1]!.replace(/UnitsConsumed$/i, ''))
      .join(' ')
      .trim();
    return info;
  }
  const search = /^(.+?)-search-units$/i.exec(rest);
  if (search) {
    setModel(search[1]!);
    info.detail = 'search units';
    return info;
  }
  const images = /^(.+)-images?(?:-.*)?$/i.exec(rest);
  if (images && !/token/i.test(rest)) {
    setModel(images[1]!);
    info.kind = 'images';
    return info;
  }
  return info;
}

/**
 * Parse one Cost Explorer line (SERVICE + USAGE_TYPE). Never throws; unknown formats
 * come back as kind `other` (label = raw usage type).
 *
 * @example
 * parseUsageType('Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount_Global-Units');
 * // { kind: 'tokens', modelName: 'Claude Sonnet 4.5', tokenClass: 'output', scope: 'global', region: 'us-east-1', ... }
 */
export function parseUsageType(service: string, usageType: string, names?: ModelNames): UsageTypeInfo {
  const info = base(service, usageType);
  const { rest } = splitRegion(usageType);
  if (service === OPENSEARCH_SERVICE) {
    // Only OpenSearch Serverless compute (OCU hours) is what Knowledge Bases create;
    // managed domains and other OpenSearch lines are not Bedrock spend.
    if (/OCU/i.test(rest)) {
      info.kind = 'knowledge-base';
      info.detail = /index/i.test(rest) ? 'indexing OCU' : /search/i.test(rest) ? 'search OCU' : 'OCU';
    } else {
      info.kind = 'unrelated';
    }
    return info;
  }
  if (/reserved/i.test(rest)) return parseReserved(info, rest, names);
  if (/^MP:/i.test(rest) || info.marketplace) return parseMarketplace(info, rest, names);
  return parseNative(info, rest, names);
}

/**
 * Reserved tier capacity, billed per tokens-per-minute hour for a 1- or 3-month term:
 * `USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units` (Marketplace; the model is the
 * service) or `USE1-<Model>-Reserved-...` (`Amazon Bedrock`; the model is in the name).
 */
function parseReserved(info: UsageTypeInfo, rest: string, names?: ModelNames): UsageTypeInfo {
  const marketplace = /^MP:/i.test(rest) || info.marketplace;
  if (marketplace) {
    const known = info.marketplace ? names?.fromService(info.service) : undefined;
    info.modelName = known?.name ?? modelNameFromService(info.service);
    info.modelKey = known?.key ?? modelKeyOf(info.modelName);
  } else {
    const token = /^(.+?)[-_]reserved/i.exec(rest)?.[1];
    if (token) {
      const known = names?.fromToken(token);
      info.modelName = known?.name ?? modelNameFromToken(token);
      info.modelKey = known?.key ?? modelKeyOf(info.modelName);
    }
  }
  const meter = rest
    .replace(/^MP:/i, '')
    .replace(/^[A-Z]{2,4}\d?_/, '')
    .replace(/-Units$/i, '');
  const words = meterWords(meter.replace(/(\d)\s*-?\s*(months?|mo)\b/gi, '$1month'));
  info.kind = 'reserved';
  const term = words.find((w) => /^\d+months?$/.test(w));
  info.reservedTerm = term?.startsWith('3') ? '3-month' : '1-month';
  if (words.includes('input')) info.tokenClass = 'input';
  else if (words.includes('output')) info.tokenClass = 'output';
  if (words.includes('global')) info.scope = 'global';
  else if (words.includes('geo') || words.includes('cris') || words.includes('cross')) info.scope = 'geo';
  return info;
}

/**
 * How a line was sold: Provisioned Throughput, the Reserved tier, batch, latency-optimized,
 * or the on-demand service tier (`standard`, `flex`, `priority`).
 */
export function pricingTierOf(info: UsageTypeInfo): PricingTier {
  if (info.kind === 'provisioned-throughput') return 'provisioned';
  if (info.kind === 'reserved') return 'reserved';
  if (info.batch) return 'batch';
  if (info.latencyOptimized) return 'latency-optimized';
  return info.tier;
}

/**
 * The catalog price field (`lib/pricing/catalog.ts` `PriceSet`) a token line is billed at:
 * `input`, `batchOutput`, `priorityInput`, `latencyOutput`, `inputLong`, `cacheWrite1h`,
 * ... Undefined for lines that are not per-token (Reserved, Provisioned, images, ...).
 */
export function priceFieldOf(info: UsageTypeInfo): string | undefined {
  if (info.kind !== 'tokens' || !info.tokenClass) return undefined;
  switch (info.tokenClass) {
    case 'cache-read':
      return 'cacheRead';
    case 'cache-write-5m':
      return 'cacheWrite5m';
    case 'cache-write-1h':
      return 'cacheWrite1h';
  }
  const out = info.tokenClass === 'output';
  if (info.longContext) return out ? 'outputLong' : 'inputLong';
  if (info.latencyOptimized) return out ? 'latencyOutput' : 'latencyInput';
  if (info.batch) return out ? 'batchOutput' : 'batchInput';
  if (info.tier === 'flex') return out ? 'flexOutput' : 'flexInput';
  if (info.tier === 'priority') return out ? 'priorityOutput' : 'priorityInput';
  return out ? 'output' : 'input';
}

/** A short human label for a line: `Claude Sonnet 4.5 · output · batch`. */
export function describeUsage(info: UsageTypeInfo, options: { withModel?: boolean } = {}): string {
  const withModel = options.withModel ?? true;
  const parts: string[] = [];
  switch (info.kind) {
    case 'tokens': {
      if (withModel && info.modelName) parts.push(info.modelName);
      parts.push(tokenClassLabel(info.tokenClass!));
      if (info.batch) parts.push('batch');
      if (info.tier !== 'standard') parts.push(info.tier);
      if (info.latencyOptimized) parts.push('latency-optimized');
      if (info.longContext) parts.push('long context');
      if (info.scope === 'global') parts.push('global');
      else if (info.scope === 'geo') parts.push('cross-region');
      if (info.detail) parts.push(info.detail);
      break;
    }
    case 'reserved':
      if (withModel && info.modelName) parts.push(info.modelName);
      parts.push(
        `Reserved ${info.reservedTerm ?? '1-month'}${info.tokenClass ? ` ${tokenClassLabel(info.tokenClass)}` : ''} tokens per minute`,
      );
      if (info.scope === 'global') parts.push('global');
      else if (info.scope === 'geo') parts.push('cross-region');
      break;
    case 'provisioned-throughput':
      if (withModel && info.modelName) parts.push(info.modelName);
      parts.push(
        `provisioned throughput${info.commitment && info.commitment !== 'none' ? ` (${info.commitment})` : ''}`,
      );
      break;
    case 'customization':
      if (withModel && info.modelName) parts.push(info.modelName);
      parts.push(`customization ${info.detail ?? ''}`.trim());
      break;
    case 'guardrails':
      parts.push(`Guardrails${info.detail ? ` ${info.detail}` : ''}`);
      break;
    case 'knowledge-base':
      parts.push(`Knowledge Base vector store (OpenSearch Serverless ${info.detail ?? 'OCU'})`);
      break;
    case 'images':
      if (withModel && info.modelName) parts.push(info.modelName);
      parts.push('images');
      break;
    default:
      if (withModel && info.modelName)
        parts.push(info.modelName, info.detail || info.usageType || '(no usage type)');
      else parts.push(info.usageType || '(no usage type)');
  }
  return parts.join(' · ');
}

/**
 * The "model" a line belongs to for `spend by model`: the model name, else a family of
 * non-model spend (`Guardrails`, `Knowledge Bases (OpenSearch Serverless)`), else the
 * service name.
 */
export function modelGroupOf(info: UsageTypeInfo): { key: string; label: string } {
  if (info.modelKey && info.modelName) return { key: info.modelKey, label: info.modelName };
  if (info.kind === 'guardrails') return { key: 'guardrails', label: 'Guardrails' };
  if (info.kind === 'knowledge-base')
    return { key: 'knowledge-bases', label: 'Knowledge Bases (OpenSearch Serverless)' };
  return { key: `other:${info.service}:${info.usageType}`, label: `${info.service}: ${info.usageType}` };
}

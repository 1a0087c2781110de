/**
 * The pricing catalog: what every Bedrock model costs per token, image and model-unit
 * hour, per Region and route (in-region, geo profile such as `us.`, or `global.`), plus
 * the services around a model (Guardrails, Knowledge Base vector store, CloudWatch Logs,
 * EC2 GPUs for self-hosting).
 *
 * Two origins: the bundled snapshot (`data/catalog.json`, built by
 * `scripts/build-catalog.ts` from a checked public price map) and the refreshed catalog
 * that `pricing-refresh` writes to DynamoDB (`PRICING`/`CATALOG`) from the AWS Price List
 * API. `loadCatalog` prefers the refreshed one; every answer states which it used and
 * how old it is, because prices change and an estimate without a date misleads.
 *
 * Prices are decimal strings (USD per 1M tokens, per image, per model-unit hour) so no
 * binary float ever touches money; the estimator turns them into `Dec`.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Store } from '../store/store.js';
import { aliasKey } from './alias.js';
import bundledData from './data/catalog.json' with { type: 'json' };

/**
 * What kind of document a price came from, most trusted first:
 * - `price-list-offer`: an AWS Price List bulk offer file (with its publication date);
 * - `price-list-api`: AWS Price List GetProducts items;
 * - `pricing-page`: an AWS (or Anthropic) pricing or documentation page;
 * - `third-party`: a third-party price map (the LiteLLM snapshot), known to carry errors.
 * A price that follows from a rule (batch = 50%, a regional uplift) keeps the source of
 * the price it was derived from and names the rule in `PriceSet.derived`.
 */
export type SourceKind = 'price-list-offer' | 'price-list-api' | 'pricing-page' | 'third-party';

/** Where a price came from, and as of when. */
export interface PriceSource {
  /** Absent in catalogs stored before sources had kinds: read as third party unless a Price List. */
  kind?: SourceKind;
  title: string;
  url?: string;
  asOf: string;
  /**
   * Read from Price List product documents themselves (by the refresh, or by the build
   * from real documents), not quoted second-hand: a model whose prices came from such a
   * source and that a later refresh no longer sees has vanished from the offer.
   */
  documents?: boolean;
  /** The Price List offer (`AmazonBedrockFoundationModels`), its version and publication date. */
  offer?: string;
  offerVersion?: string;
  publicationDate?: string;
  /** The public file that quotes the offer's rows: repository, path and commit. */
  quotedIn?: { repo: string; path: string; commit: string };
}

/**
 * Where a model is in its Bedrock life: `active`, or `legacy` (still billable; AWS names
 * a date after which it is withdrawn). Whether the end-of-life date has passed is worked
 * out against the clock when answering (see `lifecycleOf`).
 */
export interface Lifecycle {
  status: 'active' | 'legacy';
  legacySince?: string;
  endOfLife?: string;
  /** Key into `Catalog.sources`. */
  source?: string;
}

/**
 * On-demand prices of one model at one place. `at` is a Region code for in-region calls
 * (`us-east-1`), a geo inference-profile prefix (`us`, `eu`, `apac`, `jp`, `au`,
 * `us-gov`, `ca`) or `global`. Token prices are USD per 1M tokens.
 */
export interface PriceSet {
  at: string;
  input?: string;
  output?: string;
  cacheRead?: string;
  /** Prompt-cache write with the default 5-minute TTL. */
  cacheWrite5m?: string;
  /** Prompt-cache write with the 1-hour TTL. */
  cacheWrite1h?: string;
  batchInput?: string;
  batchOutput?: string;
  /** Long-context rates: the whole request when its input exceeds `CatalogModel.longContextAbove`. */
  inputLong?: string;
  outputLong?: string;
  /** Flex tier (cheaper, may be served later) and Priority tier (dearer, served first). */
  flexInput?: string;
  flexOutput?: string;
  priorityInput?: string;
  priorityOutput?: string;
  /** Latency-optimized inference (a separate, dearer row). */
  latencyInput?: string;
  latencyOutput?: string;
  /**
   * Reserved tier: USD per 1K tokens-per-minute of reserved capacity per hour, by term
   * (1 or 3 months) and side. Published on geo (`us`, `eu`, ...) and `global` rows only.
   */
  reserved1mInput?: string;
  reserved1mOutput?: string;
  reserved3mInput?: string;
  reserved3mOutput?: string;
  /** USD per image, by variant (`standard`, `1024 premium`, `1024x1024 50-steps`, ...). */
  images?: Record<string, string>;
  /** Key into `Catalog.sources`, or `derived`. */
  source: string;
  asOf: string;
  /** When the price follows from a rule rather than a published row: the rule. */
  derived?: string;
  /** Cache prices that follow from a rule (Claude read 0.1x, 1-hour write 2x input, ...). */
  cacheRule?: string;
}

/** Provisioned Throughput: USD per model unit per hour, by commitment. */
export interface ProvisionedPrice {
  at: string;
  noCommit?: string;
  oneMonth?: string;
  sixMonth?: string;
  source: string;
  asOf: string;
}

export type Modality = 'text' | 'embedding' | 'image';

/** What a model is for: `compare` ranks only models of the workload's task. */
export type ModelTask =
  | 'text-generation'
  | 'speech'
  | 'safety'
  | 'embedding'
  | 'image-generation'
  | 'image-editing';

export interface CatalogModel {
  /** Short canonical name used in answers and suggestions: `claude-sonnet-4-5`. */
  key: string;
  /** Bedrock base model ID: `anthropic.claude-sonnet-4-5-20250929-v1:0`. */
  id: string;
  /** Display name, as AWS writes it: `Claude Sonnet 4.5`. */
  name: string;
  provider: string;
  modality: Modality;
  /** Absent in catalogs stored before tasks: filled from the bundled catalog. */
  task?: ModelTask;
  /**
   * `marketplace`: billed through AWS Marketplace as its own Cost Explorer service
   * (`<name> (Amazon Bedrock Edition)`); `bedrock`: under the `Amazon Bedrock` service.
   */
  billing: 'bedrock' | 'marketplace';
  /** Open weights: self-hosting on EC2 is a real alternative. */
  openWeight: boolean;
  /** Parameters in billions (open-weight models), for sizing self-hosting. */
  paramsB?: number;
  /** Batch inference supported (50% of on-demand). */
  batch: boolean;
  /** Prompt caching supported. */
  cache: boolean;
  aliases: string[];
  /** Usage-type model tokens (`NovaPro`, `Llama3-1-70B`) of `Amazon Bedrock` usage types. */
  usageTokens: string[];
  /** Largest input one request may carry, in tokens (when known). */
  contextWindow?: number;
  /** Input tokens above which a request is billed at the long-context rates. */
  longContextAbove?: number;
  /** Active or legacy (absent in catalogs stored before lifecycles: filled from the bundled one). */
  lifecycle?: Lifecycle;
  prices: PriceSet[];
  provisioned: ProvisionedPrice[];
}

export interface Ec2Instance {
  type: string;
  gpus: string;
  gpuMemoryGb: number;
  /** USD per hour, on-demand, Linux, us-east-1. */
  hourly: string;
  /** Typical spot discount as a fraction of on-demand (0.65 = 65% off). */
  spotDiscount: string;
  source: string;
  spotSource: string;
  asOf: string;
}

export interface CatalogServices {
  guardrails: {
    contentFilterPer1kUnits: string;
    deniedTopicsPer1kUnits: string;
    piiPer1kUnits: string;
    groundingPer1kUnits: string;
    charactersPerUnit: number;
    source: string;
    asOf: string;
  };
  knowledgeBase: {
    ocuHour: string;
    minOcus: number;
    minOcusRedundant: number;
    storageGbMonth: string;
    source: string;
    asOf: string;
  };
  logs: { ingestionPerGb: string; storagePerGbMonth: string; source: string; asOf: string };
  ec2: Ec2Instance[];
  selfHosting: {
    inputTokenWeight: string;
    peakToAverage: number;
    tiers: { maxParamsB: number; instance: string; outputTokensPerSecond: number }[];
  };
}

/** The catalog as stored (bundled JSON, or the refreshed copy in DynamoDB). */
export interface CatalogData {
  schema: number;
  source: 'bundled' | 'refreshed';
  /** ISO date the prices are as of (the snapshot, or the Price List publication). */
  asOf: string;
  /** When `pricing-refresh` wrote it (refreshed only). */
  refreshedAt?: string;
  sources: Record<string, PriceSource>;
  models: CatalogModel[];
  services: CatalogServices;
}

/** The loaded, indexed catalog. Build with `indexCatalog`; never mutate. */
export interface Catalog {
  /** `bundled` snapshot or `refreshed` from the Price List API. */
  source: 'bundled' | 'refreshed';
  /** ISO date the prices are as of. */
  asOf: string;
  refreshedAt?: string;
  /** Why the bundled catalog is used although a refresh was expected (a read error). */
  fallbackReason?: string;
  data: CatalogData;
  models: readonly CatalogModel[];
  sources: Record<string, PriceSource>;
  services: CatalogServices;
  /** Model by `key`. */
  byKey: ReadonlyMap<string, CatalogModel>;
  /** Model by exact base model ID (lowercase). */
  byId: ReadonlyMap<string, CatalogModel>;
  /** Model by normalised alias (see `lib/pricing/models.ts`). */
  byAlias: ReadonlyMap<string, CatalogModel>;
  /** Model by normalised usage-type token (`novapro`, `mistrallarge`). */
  byUsageToken: ReadonlyMap<string, CatalogModel>;
}

const BRANDS =
  /^(anthropic|amazon|meta|mistral|cohere|ai21|stability|google|openai|qwen|deepseek|nvidia|zai|minimax|moonshot|moonshotai|writer|twelvelabs|xai)\s*/i;

/** Every spelling a model answers to, before normalisation. */
function spellingsOf(m: CatalogModel): string[] {
  // Usage tokens are indexed apart (`byUsageToken`): some are not names people type.
  const out = new Set<string>([m.key, m.id, m.name, ...m.aliases]);
  const stem = m.id.slice(m.id.indexOf('.') + 1);
  out.add(stem);
  const unversioned = stem.replace(/[-:]v\d+(:\d+)?$/, '').replace(/:\d+$/, '');
  out.add(unversioned);
  out.add(unversioned.replace(/-\d{8}$/, ''));
  out.add(m.name.replace(BRANDS, ''));
  out.add(m.name.replace(/\s+(Instruct|IT|Chat)\b/gi, ''));
  out.add(m.key.replace(/-(instruct|it|chat)$/, ''));
  // "Claude Sonnet 4.5" is also written "Claude 4.5 Sonnet" (Price List / usage types:
  // `Claude4.6Sonnet`) and "Sonnet 4.5".
  const claude = /^Claude (Sonnet|Opus|Haiku) ([\d.]+)$/.exec(m.name);
  if (claude) {
    out.add(`Claude ${claude[2]} ${claude[1]}`);
    out.add(`${claude[1]} ${claude[2]}`);
  }
  const claudeOld = /^Claude ([\d.]+) (Sonnet|Opus|Haiku)( v2)?$/.exec(m.name);
  if (claudeOld) out.add(`${claudeOld[2]} ${claudeOld[1]}${claudeOld[3] ?? ''}`);
  // "Llama 3.1 70B" / "Llama3-1-70B" (usage type) / "llama 3.1 70b instruct".
  const llama = /^Llama ([\d.]+) (.+)$/.exec(m.name);
  if (llama) out.add(`Llama${llama[1]!.replace('.', '-')}-${llama[2]!.replace(/\s+/g, '-')}`);
  return [...out];
}

/**
 * Index catalog data once: by key, base model ID and every alias. Ambiguous aliases
 * keep the first model (the data lists newer keys explicitly where it matters).
 */
export function indexCatalog(data: CatalogData, extra: { fallbackReason?: string } = {}): Catalog {
  const byKey = new Map<string, CatalogModel>();
  const byId = new Map<string, CatalogModel>();
  const byAlias = new Map<string, CatalogModel>();
  for (const m of data.models) {
    byKey.set(m.key, m);
    byId.set(m.id.toLowerCase(), m);
  }
  const byUsageToken = new Map<string, CatalogModel>();
  for (const m of data.models) {
    for (const t of m.usageTokens) if (!byUsageToken.has(aliasKey(t))) byUsageToken.set(aliasKey(t), m);
  }
  // Exact keys win over derived spellings of other models.
  for (const m of data.models) byAlias.set(aliasKey(m.key), m);
  for (const m of data.models) {
    for (const s of spellingsOf(m)) {
      const k = aliasKey(s);
      if (k && !byAlias.has(k)) byAlias.set(k, m);
    }
  }
  return {
    source: data.source,
    asOf: data.asOf,
    ...(data.refreshedAt ? { refreshedAt: data.refreshedAt } : {}),
    ...(extra.fallbackReason ? { fallbackReason: extra.fallbackReason } : {}),
    data,
    models: data.models,
    sources: data.sources,
    services: data.services,
    byKey,
    byId,
    byAlias,
    byUsageToken,
  };
}

let bundled: Catalog | undefined;

/** The bundled snapshot, indexed once per process. */
export function bundledCatalog(): Catalog {
  bundled ??= indexCatalog(bundledData as unknown as CatalogData);
  return bundled;
}

/**
 * A catalog stored by an older version lacks what the bundled one now knows about each
 * model (task, lifecycle, context window) and each source (its kind): fill those in,
 * never touching a price. Models and sources the bundled catalog lacks are left as they are.
 */
export function withBundledMetadata(data: CatalogData): CatalogData {
  const bundle = bundledCatalog();
  const sources = { ...bundle.data.sources, ...data.sources };
  for (const [id, src] of Object.entries(sources)) {
    const known = bundle.data.sources[id];
    if (!src.kind && known?.kind) sources[id] = { ...src, kind: known.kind };
    else if (!src.kind && src.title.startsWith('AWS Price List API, GetProducts'))
      sources[id] = { ...src, kind: 'price-list-api', documents: true };
  }
  const models = data.models.map((m) => {
    const b = bundle.byKey.get(m.key);
    if (!b) return m;
    return {
      ...m,
      task: m.task ?? b.task,
      lifecycle: m.lifecycle ?? b.lifecycle,
      ...(m.contextWindow === undefined && b.contextWindow !== undefined
        ? { contextWindow: b.contextWindow }
        : {}),
      ...(m.longContextAbove === undefined && b.longContextAbove !== undefined
        ? { longContextAbove: b.longContextAbove }
        : {}),
    } as CatalogModel;
  });
  return { ...data, sources, models };
}

/** DynamoDB keys of the refreshed catalog (DESIGN data model). */
export const CATALOG_PK = 'PRICING';
export const CATALOG_SK = 'CATALOG';
/** Stay well under DynamoDB's 400 KB item limit; larger payloads are split into parts. */
const PART_BYTES = 300_000;

/** gzip + base64: the refreshed catalog is ~150 KB of JSON and ~15 KB compressed. */
export function encodeCatalog(data: CatalogData): string {
  return gzipSync(Buffer.from(JSON.stringify(data), 'utf8')).toString('base64');
}

export function decodeCatalog(payload: string): CatalogData {
  return JSON.parse(gunzipSync(Buffer.from(payload, 'base64')).toString('utf8')) as CatalogData;
}

/**
 * Write a refreshed catalog to the table. The main item carries the metadata and the
 * first part; further parts (rarely needed) go to `CATALOG#<n>`, written first so a
 * reader never sees a main item pointing at missing parts.
 */
export async function saveRefreshedCatalog(
  store: Store,
  data: CatalogData,
): Promise<{ bytes: number; parts: number }> {
  const payload = encodeCatalog(data);
  const parts: string[] = [];
  for (let i = 0; i < payload.length; i += PART_BYTES) parts.push(payload.slice(i, i + PART_BYTES));
  for (let i = 1; i < parts.length; i++) {
    await store.write({ key: { pk: CATALOG_PK, sk: `${CATALOG_SK}#${i}` }, put: { data: parts[i] } });
  }
  await store.write({
    key: { pk: CATALOG_PK, sk: CATALOG_SK },
    put: {
      format: 'gzip-base64-json',
      schema: data.schema,
      asOf: data.asOf,
      refreshedAt: data.refreshedAt,
      models: data.models.length,
      parts: parts.length,
      data: parts[0] ?? '',
    },
  });
  return { bytes: payload.length, parts: parts.length };
}

/** The refreshed catalog data from the table, or undefined when none was stored. */
export async function readRefreshedCatalog(store: Store): Promise<CatalogData | undefined> {
  const item = (await store.get({ pk: CATALOG_PK, sk: CATALOG_SK })) as
    | { data?: string; parts?: number; format?: string }
    | undefined;
  if (!item?.data) return undefined;
  let payload = item.data;
  for (let i = 1; i < (item.parts ?? 1); i++) {
    const part = await store.get({ pk: CATALOG_PK, sk: `${CATALOG_SK}#${i}` });
    const data = (part as { data?: string } | undefined)?.data;
    if (!data) throw new Error(`refreshed catalog part ${i} is missing`);
    payload += data;
  }
  return decodeCatalog(payload);
}

/**
 * The refreshed catalog from the table when present, else the bundled one. A read
 * failure falls back to the bundled catalog (with `fallbackReason`) rather than failing
 * an estimate: prices a few months old beat no answer, and the answer says which it used.
 *
 * @example
 * const catalog = await loadCatalog(deps.store);
 * catalog.source; // 'refreshed' | 'bundled'
 */
export async function loadCatalog(store: Store | undefined): Promise<Catalog> {
  if (!store) return bundledCatalog();
  try {
    const data = await readRefreshedCatalog(store);
    if (!data || !Array.isArray(data.models) || !data.models.length) return bundledCatalog();
    return indexCatalog({ ...withBundledMetadata(data), source: 'refreshed' });
  } catch (error) {
    return indexCatalog(bundledCatalog().data, {
      fallbackReason: `refreshed catalog unreadable (${(error as Error)?.name ?? 'error'})`,
    });
  }
}

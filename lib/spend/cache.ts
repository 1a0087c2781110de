/**
 * Cost Explorer is billed per request ($0.01 a page) and the bill only refreshes up to
 * three times a day, so the same question twice within a few hours must not cost twice.
 * `withCostCache` wraps any `CostSource` (AWS or demo) with:
 *
 * - a DynamoDB cache (`CACHE#<sha256 of the request>` / `V1`): answers are reused while
 *   fresh (`BEDROCK_COST_CACHE_TTL_MINUTES`) and kept two weeks longer (TTL `expiresAt`)
 *   as a fallback when Cost Explorer throttles (`LimitExceededException`) or the daily cap
 *   is reached: then the stale answer is served and the reply says how old it is;
 * - a request ledger (`USAGE#<yyyy-mm-dd>` / `<api>`, atomic `ADD`), so the bot can say
 *   what its own API use costs and enforce `BEDROCK_COST_CE_DAILY_CAP`;
 * - in-process de-duplication of identical requests in flight.
 *
 * `withProfileCache` keeps the Bedrock inference-profile listing (with its tags) the same
 * way for `INFERENCE_PROFILE_CACHE_TTL_HOURS`: without it every hourly alert run listed
 * every profile and read its tags again.
 *
 * Large answers (90 days x 60 usage types) are gzipped and, past DynamoDB's 400 KB item
 * limit, split over several items of the same partition.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, toIsoDate } from '../clock.js';
import { UnavailableError } from '../errors.js';
import type { Log } from '../log.js';
import { Dec } from '../money.js';
import type {
  BedrockControlPlane,
  ControlPlaneOperation,
  CostForecast,
  CostQuery,
  CostResult,
  CostRow,
  CostSource,
  DataSources,
  InferenceProfile,
  ListInferenceProfilesOptions,
  ListProvisionedThroughputsOptions,
  MetricsSource,
} from '../ports.js';
import { type Store, ttlAfter } from '../store/store.js';

/** Cost Explorer API price: $0.01 per request (each page of a paginated answer counts). */
export const CE_REQUEST_USD = new Dec('0.01');

/** The ledger names of the requests we make. */
export const API = {
  getCostAndUsage: 'ce:GetCostAndUsage',
  getDimensionValues: 'ce:GetDimensionValues',
  getCostForecast: 'ce:GetCostForecast',
  getMetricData: 'cloudwatch:GetMetricData',
  listMetrics: 'cloudwatch:ListMetrics',
  listProvisionedThroughputs: 'bedrock:ListProvisionedModelThroughputs',
  getProvisionedThroughput: 'bedrock:GetProvisionedModelThroughput',
  listInferenceProfiles: 'bedrock:ListInferenceProfiles',
  listTagsForResource: 'bedrock:ListTagsForResource',
  getResources: 'tag:GetResources',
} as const;

/** Ledger names of the operations a profile listing reports. */
const LISTING_API: Record<ControlPlaneOperation, string> = {
  ListInferenceProfiles: API.listInferenceProfiles,
  ListProvisionedModelThroughputs: API.listProvisionedThroughputs,
  ListTagsForResource: API.listTagsForResource,
  GetResources: API.getResources,
};

const CE_APIS = [API.getCostAndUsage, API.getDimensionValues, API.getCostForecast];

/** How long a stale answer is kept for throttling fallback after it stops being fresh. */
const KEEP_STALE_SECONDS = 14 * 86_400;
/** Item payload limit, below DynamoDB's 400 KB with room for the other attributes. */
const CHUNK_BYTES = 350_000;

export interface CostCacheOptions {
  store: Store;
  clock: Clock;
  log: Log;
  /** Minutes an answer stays fresh; 0 = always ask (the stale fallback still works). */
  ttlMinutes: number;
  /** Max billed Cost Explorer requests per UTC day. */
  dailyCap: number;
  /** Separates the demo account's answers from the real account's. */
  namespace: string;
  /**
   * Whose allowance the requests come from: the scheduled jobs' (ledger sync, default) or
   * chat's (a question outside the ledger). Each pool has its own daily cap, so chat can
   * never spend the allowance alerts and digests depend on.
   */
  pool?: 'jobs' | 'chat';
  /**
   * Keep answers in the table (default true). The bill ledger passes false: it keeps the
   * facts itself, so its reads are only counted and capped.
   */
  keep?: boolean;
}

/** The request ledger's name of an API call in a pool (`ce:GetCostAndUsage@chat`). */
export function pooledApi(api: string, pool: 'jobs' | 'chat' = 'jobs'): string {
  return pool === 'chat' ? `${api}@chat` : api;
}

/** Extra fields on a `CostResult` answered through the cache. */
export interface CachedCostResult extends CostResult {
  /** When Cost Explorer produced this answer (ISO timestamp). */
  fetchedAt: string;
  /** True when served past its freshness because Cost Explorer could not answer. */
  stale: boolean;
}

/** Record `n` requests of `api` today (atomic counter). Never throws: accounting must not break answers. */
export async function recordRequests(
  store: Store,
  now: Date,
  api: string,
  n: number,
  log?: Log,
): Promise<void> {
  if (n <= 0) return;
  try {
    await store.db.send(
      new UpdateCommand({
        TableName: store.table,
        Key: { pk: `USAGE#${toIsoDate(now)}`, sk: api },
        UpdateExpression: 'ADD requests :n SET expiresAt = if_not_exists(expiresAt, :ttl)',
        ExpressionAttributeValues: { ':n': n, ':ttl': ttlAfter(now, 400 * 86_400) },
      }),
    );
  } catch (error) {
    log?.warn('could not record API usage', error);
  }
}

/** Requests per API recorded for one UTC day. */
export async function requestsOn(store: Store, day: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const result = await store.db.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USAGE#${day}` },
    }),
  );
  for (const item of result.Items ?? []) out[String(item.sk)] = Number(item.requests ?? 0);
  return out;
}

/**
 * This bot's own Cost Explorer use in the month of `now` (UTC): requests and dollars at
 * $0.01 each. One BatchGet per 100 day x API keys.
 */
export async function botApiCostThisMonth(store: Store, now: Date): Promise<{ requests: number; usd: Dec }> {
  const today = toIsoDate(now);
  const keys: { pk: string; sk: string }[] = [];
  for (let d = 1; d <= Number(today.slice(8, 10)); d++) {
    const day = `${today.slice(0, 8)}${String(d).padStart(2, '0')}`;
    for (const api of CE_APIS) {
      keys.push({ pk: `USAGE#${day}`, sk: api });
      keys.push({ pk: `USAGE#${day}`, sk: pooledApi(api, 'chat') });
    }
  }
  let requests = 0;
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
      const result = await store.db.send(
        new BatchGetCommand({ RequestItems: { [store.table]: { Keys: pending } } }),
      );
      for (const item of result.Responses?.[store.table] ?? []) requests += Number(item.requests ?? 0);
      pending = result.UnprocessedKeys?.[store.table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return { requests, usd: CE_REQUEST_USD.times(requests) };
}

/** Serialisable form of a cached answer. */
type Payload =
  | { op: 'usage'; rows: [string, string, string[], string, string, number][]; requests: number }
  | { op: 'services'; services: string[] }
  | { op: 'forecast'; forecast: { total: string; low?: string; high?: string } | null };

interface Entry {
  payload: Payload;
  fetchedAt: Date;
  fresh: boolean;
  /**
   * The source's own rows, on a miss: the caller gets them as they came instead of
   * parsing the payload's strings back into decimals (an alert run's month-to-date answer
   * at 10,000 teams is 340,000 rows, two decimals each).
   */
  rows?: CostRow[];
}

/** gzip on libuv's thread pool: a multi-megabyte answer compresses while the job goes on. */
const gzipAsync = promisify(gzip);

/** A cached JSON value as read back from the table. */
export interface CacheItem {
  value: unknown;
  /** When the source produced the value. */
  fetchedAt: Date;
  /** Epoch milliseconds until which the value counts as fresh. */
  freshUntil: number;
}

/**
 * Read the value stored under `CACHE#<key>` / `V1` (gzipped, possibly in several parts).
 * `undefined` when absent, past its TTL (`expiresAt`), incomplete or unreadable; DynamoDB
 * errors are thrown for the caller to fall back on the live source.
 */
export async function readCacheItem(
  store: Store,
  key: string,
  now: Date,
  log: Log,
): Promise<CacheItem | undefined> {
  const head = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: `CACHE#${key}`, sk: 'V1' } }),
  );
  const item = head.Item;
  if (!item) return undefined;
  if (Number(item.expiresAt ?? 0) * 1000 < now.getTime()) return undefined;
  let bytes = Buffer.from(item.payload as Uint8Array);
  const parts = Number(item.parts ?? 1);
  if (parts > 1) {
    const rest = await store.db.send(
      new QueryCommand({
        TableName: store.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
        ExpressionAttributeValues: { ':pk': `CACHE#${key}`, ':part': 'V1#' },
      }),
    );
    const chunks = (rest.Items ?? [])
      .filter((i) => i.fetchedAt === item.fetchedAt)
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    if (chunks.length !== parts - 1) return undefined;
    bytes = Buffer.concat([bytes, ...chunks.map((c) => Buffer.from(c.payload as Uint8Array))]);
  }
  try {
    return {
      value: JSON.parse(gunzipSync(bytes).toString('utf8')) as unknown,
      fetchedAt: new Date(String(item.fetchedAt)),
      freshUntil: Number(item.freshUntil ?? 0),
    };
  } catch (error) {
    log.warn('unreadable cache entry ignored', error);
    return undefined;
  }
}

/**
 * Store a JSON value under `CACHE#<key>` / `V1`, gzipped and, past DynamoDB's 400 KB item
 * limit, split over `V1#0001`... items of the same partition. Throws on DynamoDB errors.
 */
export async function writeCacheItem(
  store: Store,
  key: string,
  value: unknown,
  meta: { fetchedAt: Date; freshUntil: number; expiresAt: number; op: string },
): Promise<void> {
  const bytes = await gzipAsync(Buffer.from(JSON.stringify(value), 'utf8'));
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytes.subarray(i, i + CHUNK_BYTES));
  if (!chunks.length) chunks.push(Buffer.alloc(0));
  const fetchedAt = meta.fetchedAt.toISOString();
  // Parts first (together), head last: a reader never sees a head whose parts are missing.
  await Promise.all(
    chunks.slice(1).map((chunk, k) =>
      store.db.send(
        new PutCommand({
          TableName: store.table,
          Item: {
            pk: `CACHE#${key}`,
            sk: `V1#${String(k + 1).padStart(4, '0')}`,
            payload: chunk,
            fetchedAt,
            expiresAt: meta.expiresAt,
          },
        }),
      ),
    ),
  );
  await store.db.send(
    new PutCommand({
      TableName: store.table,
      Item: {
        pk: `CACHE#${key}`,
        sk: 'V1',
        payload: chunks[0],
        parts: chunks.length,
        fetchedAt,
        freshUntil: meta.freshUntil,
        expiresAt: meta.expiresAt,
        op: meta.op,
      },
    }),
  );
}

/** Cache key: a hash of the account kind, the operation and the request. */
export function hashOf(namespace: string, op: string, request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, namespace, op, request }))
    .digest('hex')
    .slice(0, 40);
}

function isThrottleOrOutage(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  return (
    error instanceof UnavailableError ||
    name === 'LimitExceededException' ||
    name === 'ThrottlingException' ||
    name === 'ServiceUnavailableException' ||
    name === 'TimeoutError'
  );
}

/** Decorate a `CostSource` with the DynamoDB cache, the request ledger and the daily cap. */
export function withCostCache(inner: CostSource, options: CostCacheOptions): CostSource {
  const { store, clock, log } = options;
  const inFlight = new Map<string, Promise<Entry>>();

  async function read(key: string): Promise<Entry | undefined> {
    const item = await readCacheItem(store, key, clock.now(), log);
    if (!item) return undefined;
    return {
      payload: item.value as Payload,
      fetchedAt: item.fetchedAt,
      fresh: item.freshUntil > clock.now().getTime(),
    };
  }

  async function write(key: string, payload: Payload, fetchedAt: Date): Promise<void> {
    try {
      await writeCacheItem(store, key, payload, {
        fetchedAt,
        freshUntil: fetchedAt.getTime() + options.ttlMinutes * 60_000,
        expiresAt: ttlAfter(fetchedAt, options.ttlMinutes * 60 + KEEP_STALE_SECONDS),
        op: payload.op,
      });
    } catch (error) {
      log.warn('could not cache a Cost Explorer answer', error);
    }
  }

  async function underCap(): Promise<{ ok: boolean; used: number }> {
    if (options.dailyCap <= 0) return { ok: false, used: 0 };
    try {
      const counts = await requestsOn(store, toIsoDate(clock.now()));
      const used = CE_APIS.reduce((n, api) => n + (counts[pooledApi(api, options.pool)] ?? 0), 0);
      return { ok: used < options.dailyCap, used };
    } catch (error) {
      log.warn('could not read API usage; not enforcing the cap this time', error);
      return { ok: true, used: 0 };
    }
  }

  /** Fresh cache, else ask (within the cap), else stale cache, else a polite error. */
  async function answer(
    op: Payload['op'],
    request: unknown,
    ask: () => Promise<{ payload: Payload; api: string; n: number; rows?: CostRow[] }>,
  ): Promise<Entry> {
    const key = hashOf(options.namespace, op, request);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const run = (async (): Promise<Entry> => {
      const cached =
        options.keep === false
          ? undefined
          : await read(key).catch((error: unknown) => {
              log.warn('cache read failed', error);
              return undefined;
            });
      if (cached?.fresh) return cached;
      const cap = await underCap();
      if (!cap.ok) {
        if (cached) return { ...cached, fresh: false };
        throw new UnavailableError(
          options.pool === 'chat'
            ? `Chat questions have used today's Cost Explorer allowance (${options.dailyCap} requests, BEDROCK_COST_CE_CHAT_DAILY_CAP); this question needs the bill outside the synced ledger. Ask about the last 13 months (synced), or again after 00:00 UTC.`
            : `I have used today's Cost Explorer allowance (${options.dailyCap} requests, BEDROCK_COST_CE_DAILY_CAP) and have no saved answer for this question. Answers from the bill resume at 00:00 UTC.`,
        );
      }
      try {
        const fetchedAt = clock.now();
        const { payload, api, n, rows } = await ask();
        await recordRequests(store, fetchedAt, pooledApi(api, options.pool), n, log);
        if (options.keep !== false) await write(key, payload, fetchedAt);
        return { payload, fetchedAt, fresh: true, ...(rows ? { rows } : {}) };
      } catch (error) {
        if (!isThrottleOrOutage(error)) throw error;
        if (cached) {
          log.warn('Cost Explorer unavailable; answering from an older cached answer', error);
          return { ...cached, fresh: false };
        }
        throw new UnavailableError(
          'Cost Explorer is busy right now (too many requests). Please try again in a minute.',
          {
            cause: error,
          },
        );
      }
    })();
    inFlight.set(key, run);
    try {
      return await run;
    } finally {
      inFlight.delete(key);
    }
  }

  return {
    async listServices(range) {
      const entry = await answer('services', range, async () => ({
        payload: { op: 'services', services: await inner.listServices(range) },
        api: API.getDimensionValues,
        n: 1,
      }));
      return entry.payload.op === 'services' ? entry.payload.services : [];
    },

    async getCostAndUsage(query: CostQuery): Promise<CachedCostResult> {
      let requests = 0;
      const entry = await answer('usage', query, async () => {
        const result = await inner.getCostAndUsage(query);
        requests = result.requests;
        return {
          payload: {
            op: 'usage',
            rows: result.rows.map((r) => [
              r.start,
              r.end,
              r.keys,
              r.amount.toString(),
              r.quantity.toString(),
              r.estimated ? 1 : 0,
            ]),
            requests: result.requests,
          },
          api: API.getCostAndUsage,
          n: result.requests,
          rows: result.rows,
        };
      });
      const rows: CostRow[] = entry.rows
        ? [...entry.rows]
        : entry.payload.op === 'usage'
          ? entry.payload.rows.map(([start, end, keys, amount, quantity, estimated]) => ({
              start,
              end,
              keys,
              amount: new Dec(amount),
              quantity: new Dec(quantity),
              estimated: estimated === 1,
            }))
          : [];
      return { rows, requests, fetchedAt: entry.fetchedAt.toISOString(), stale: !entry.fresh };
    },

    async getCostForecast(query): Promise<CostForecast | null> {
      const entry = await answer('forecast', query, async () => {
        const f = await inner.getCostForecast(query);
        return {
          payload: {
            op: 'forecast',
            forecast: f
              ? {
                  total: f.total.toString(),
                  ...(f.low ? { low: f.low.toString() } : {}),
                  ...(f.high ? { high: f.high.toString() } : {}),
                }
              : null,
          },
          api: API.getCostForecast,
          n: 1,
        };
      });
      if (entry.payload.op !== 'forecast' || !entry.payload.forecast) return null;
      const f = entry.payload.forecast;
      return {
        total: new Dec(f.total),
        ...(f.low ? { low: new Dec(f.low) } : {}),
        ...(f.high ? { high: new Dec(f.high) } : {}),
      };
    },
  };
}

/** Count CloudWatch requests in the ledger (metrics are near-real-time: not cached). */
export function withMetricsLedger(
  inner: MetricsSource,
  options: { store: Store; clock: Clock; log: Log },
): MetricsSource {
  return {
    async listModelIds() {
      const ids = await inner.listModelIds();
      await recordRequests(options.store, options.clock.now(), API.listMetrics, 1, options.log);
      return ids;
    },
    async getMetricSums(query) {
      const result = await inner.getMetricSums(query);
      await recordRequests(
        options.store,
        options.clock.now(),
        API.getMetricData,
        result.requests,
        options.log,
      );
      return result;
    },
  };
}

/**
 * Count Bedrock control-plane calls in the ledger (one per call: these APIs are free, but
 * the ledger shows everything the bot asks AWS).
 */
export function withBedrockLedger(
  inner: BedrockControlPlane,
  options: { store: Store; clock: Clock; log: Log },
): BedrockControlPlane {
  const record = (api: string) => recordRequests(options.store, options.clock.now(), api, 1, options.log);
  const get = inner.getProvisionedThroughput?.bind(inner);
  /** Run a listing with an `onRequests` that tallies, then record the tally (also on failure). */
  async function counted<T>(
    run: (onRequests: (operation: ControlPlaneOperation, count: number) => void) => Promise<T>,
    forward?: (operation: ControlPlaneOperation, count: number) => void,
  ): Promise<T> {
    const counts = new Map<string, number>();
    try {
      return await run((operation, count) => {
        const api = LISTING_API[operation];
        counts.set(api, (counts.get(api) ?? 0) + count);
        forward?.(operation, count);
      });
    } finally {
      for (const [api, count] of counts) {
        await recordRequests(options.store, options.clock.now(), api, count, options.log);
      }
    }
  }
  return {
    // The adapter reports each request it makes (list pages, tag reads one by one or in
    // pages of 100): at one inference profile per team the tag reads are the bulk of them.
    listProvisionedThroughputs(listOptions?: ListProvisionedThroughputsOptions) {
      return counted(
        (onRequests) => inner.listProvisionedThroughputs({ ...listOptions, onRequests }),
        listOptions?.onRequests,
      );
    },
    listInferenceProfiles(listOptions?: ListInferenceProfilesOptions) {
      return counted(
        (onRequests) => inner.listInferenceProfiles({ ...listOptions, onRequests }),
        listOptions?.onRequests,
      );
    },
    ...(get
      ? {
          async getProvisionedThroughput(arnOrId: string) {
            const out = await get(arnOrId);
            await record(API.getProvisionedThroughput);
            return out;
          },
        }
      : {}),
  };
}

/**
 * Hours an inference-profile listing (with tags) is reused. The nowcast maps each
 * CloudWatch ModelId to a team through its application profile's tags; at one profile per
 * team, listing them and reading their tags is over 100 AWS requests per hourly alert run
 * at 10,000 teams (a second of latency and a rate-limit risk for nothing new).
 * Tags change rarely: with 6 h a new profile, or a re-tagged one, is attributed to its team
 * within 6 hours at worst (unattributed until then), while Cost Explorer's own tag
 * attribution lags up to 24 h anyway.
 */
export const INFERENCE_PROFILE_CACHE_TTL_HOURS = 6;

/** Serialisable form of a cached profile listing. */
interface ProfilesPayload {
  op: 'inference-profiles';
  profiles: InferenceProfile[];
  /** When every profile's tags were last read (ISO); refills in between reuse them. */
  taggedAt?: string;
}

/**
 * Hours between two full re-reads of the profiles' tags. Refills in between list the
 * profiles (a few pages) and read tags only for profiles not seen before, so the hourly
 * runs stay light at one profile per team; a re-tag (say, a profile moved to another team)
 * shows within a day, the same lag Cost Explorer's own tag attribution has.
 */
export const PROFILE_TAGS_FULL_REFRESH_HOURS = 24;

/**
 * Cache `listInferenceProfiles` (the listing and every profile's tags) in the table for
 * `INFERENCE_PROFILE_CACHE_TTL_HOURS`, same item layout as the Cost Explorer cache.
 * `inner` should be the ledger-wrapped control plane, so only real requests are counted.
 * Provisioned throughputs are passed through uncached: the idle scan needs their live state.
 * The cache never fails an answer: a read or write error falls back to the live call, and
 * a live failure falls back to an older listing when one is kept.
 */
export function withProfileCache(
  inner: BedrockControlPlane,
  options: { store: Store; clock: Clock; log: Log; namespace: string; ttlHours?: number },
): BedrockControlPlane {
  const { store, clock, log } = options;
  const ttlSeconds = (options.ttlHours ?? INFERENCE_PROFILE_CACHE_TTL_HOURS) * 3600;
  const key = hashOf(options.namespace, 'inference-profiles', {});
  let inFlight: Promise<InferenceProfile[]> | undefined;

  async function list(): Promise<InferenceProfile[]> {
    const cached = await readCacheItem(store, key, clock.now(), log).catch((error: unknown) => {
      log.warn('inference-profile cache read failed; listing live', error);
      return undefined;
    });
    const payload = cached?.value as ProfilesPayload | undefined;
    const usable = payload?.op === 'inference-profiles' && Array.isArray(payload.profiles);
    if (cached && usable && cached.freshUntil > clock.now().getTime()) return payload.profiles;
    const fetchedAt = clock.now();
    const taggedAt = usable && payload.taggedAt ? Date.parse(payload.taggedAt) : Number.NaN;
    const reuseTags = fetchedAt.getTime() - taggedAt < PROFILE_TAGS_FULL_REFRESH_HOURS * 3_600_000;
    const knownTags =
      reuseTags && payload
        ? new Map(payload.profiles.filter((p) => p.type === 'APPLICATION').map((p) => [p.arn, p.tags]))
        : undefined;
    let profiles: InferenceProfile[];
    try {
      profiles = await inner.listInferenceProfiles(knownTags ? { knownTags } : undefined);
    } catch (error) {
      if (!(usable && payload)) throw error;
      log.warn('could not list inference profiles; using an older cached listing', error);
      return payload.profiles;
    }
    try {
      const value: ProfilesPayload = {
        op: 'inference-profiles',
        profiles,
        taggedAt: reuseTags && payload?.taggedAt ? payload.taggedAt : fetchedAt.toISOString(),
      };
      await writeCacheItem(store, key, value, {
        fetchedAt,
        freshUntil: fetchedAt.getTime() + ttlSeconds * 1000,
        expiresAt: ttlAfter(fetchedAt, ttlSeconds + KEEP_STALE_SECONDS),
        op: value.op,
      });
    } catch (error) {
      log.warn('could not cache the inference-profile listing', error);
    }
    return profiles;
  }

  const get = inner.getProvisionedThroughput?.bind(inner);
  return {
    listProvisionedThroughputs: (listOptions?: ListProvisionedThroughputsOptions) =>
      inner.listProvisionedThroughputs(listOptions),
    ...(get ? { getProvisionedThroughput: (arnOrId: string) => get(arnOrId) } : {}),
    listInferenceProfiles() {
      // A budget run and a nowcast in the same process share one listing.
      inFlight ??= list().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

/**
 * Wrap a data source's costs with the cache, its metrics and control plane with the ledger,
 * and its inference-profile listing with the profile cache.
 */
export function withCaching(sources: DataSources, options: Omit<CostCacheOptions, 'namespace'>): DataSources {
  return {
    ...sources,
    costs: withCostCache(sources.costs, { ...options, namespace: sources.kind }),
    metrics: withMetricsLedger(sources.metrics, options),
    bedrock: withProfileCache(withBedrockLedger(sources.bedrock, options), {
      ...options,
      namespace: sources.kind,
    }),
  };
}

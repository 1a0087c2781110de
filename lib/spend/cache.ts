import { type Clock, toIsoDate } from '../clock.js';
import { UnavailableError } from '../errors.js';
import type { Log } from '../log.js';
import { Dec } from '../money.js';
import type { CostForecast, CostQuery, CostResult, CostRow, CostSource, DataSources } from '../ports.js';
import { type Store, ttlAfter } from '../store/store.js';
import {
  type Entry,
  hashOf,
  KEEP_STALE_SECONDS,
  type Payload,
  readCacheItem,
  writeCacheItem,
} from './cache-items.js';
import { withProfileCache } from './profile-cache.js';
import {
  API,
  CE_APIS,
  pooledApi,
  recordRequests,
  requestsOn,
  withBedrockLedger,
  withMetricsLedger,
} from './usage-ledger.js';

export { withProfileCache } from './profile-cache.js';
// What the wiring and the commands use, in one place (the modules: usage-ledger.ts,
// cache-items.ts, profile-cache.ts).
export { botApiCostThisMonth, requestsOn, withBedrockLedger, withMetricsLedger } from './usage-ledger.js';

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

/** Extra fields on a `CostResult` answered through the cache. */
export interface CachedCostResult extends CostResult {
  /** When Cost Explorer produced this answer (ISO timestamp). */
  fetchedAt: string;
  /** True when served past its freshness because Cost Explorer could not answer. */
  stale: boolean;
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
  const answer = answerer(options);
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
          payload: usagePayload(result),
          api: API.getCostAndUsage,
          n: result.requests,
          rows: result.rows,
        };
      });
      return { rows: rowsOf(entry), requests, fetchedAt: entry.fetchedAt.toISOString(), stale: !entry.fresh };
    },

    async getCostForecast(query): Promise<CostForecast | null> {
      const entry = await answer('forecast', query, async () => ({
        payload: forecastPayload(await inner.getCostForecast(query)),
        api: API.getCostForecast,
        n: 1,
      }));
      return entry.payload.op === 'forecast' ? forecastOf(entry.payload) : null;
    },
  };
}

/** What one uncached question to the inner source gives: the answer to keep, and what it cost. */
interface Asked {
  payload: Payload;
  api: string;
  n: number;
  rows?: CostRow[];
}

type Answer = (op: Payload['op'], request: unknown, ask: () => Promise<Asked>) => Promise<Entry>;

/**
 * The cache's answer to a question: fresh cache, else ask (within the cap), else stale
 * cache, else a polite error. The same question asked while it is being answered shares
 * that answer.
 */
function answerer(options: CostCacheOptions): Answer {
  const inFlight = new Map<string, Promise<Entry>>();
  return async (op, request, ask) => {
    const key = hashOf(options.namespace, op, request);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const run = answerOnce(options, key, ask);
    inFlight.set(key, run);
    try {
      return await run;
    } finally {
      inFlight.delete(key);
    }
  };
}

async function answerOnce(options: CostCacheOptions, key: string, ask: () => Promise<Asked>): Promise<Entry> {
  const { store, clock, log } = options;
  const cached =
    options.keep === false
      ? undefined
      : await readKept(options, key).catch((error: unknown) => {
          log.warn('cache read failed', error);
          return undefined;
        });
  if (cached?.fresh) return cached;
  if (!(await underCap(options)).ok) {
    if (cached) return { ...cached, fresh: false };
    throw capReached(options);
  }
  try {
    const fetchedAt = clock.now();
    const { payload, api, n, rows } = await ask();
    await recordRequests(store, fetchedAt, pooledApi(api, options.pool), n, log);
    if (options.keep !== false) await keep(options, key, payload, fetchedAt);
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
}

/** The kept answer to a question, fresh or not. */
async function readKept(options: CostCacheOptions, key: string): Promise<Entry | undefined> {
  const { store, clock, log } = options;
  const item = await readCacheItem(store, key, clock.now(), log);
  if (!item) return undefined;
  return {
    payload: item.value as Payload,
    fetchedAt: item.fetchedAt,
    fresh: item.freshUntil > clock.now().getTime(),
  };
}

/** Keep an answer: fresh for the TTL, then kept stale for the throttling fallback. */
async function keep(
  options: CostCacheOptions,
  key: string,
  payload: Payload,
  fetchedAt: Date,
): Promise<void> {
  try {
    await writeCacheItem(options.store, key, payload, {
      fetchedAt,
      freshUntil: fetchedAt.getTime() + options.ttlMinutes * 60_000,
      expiresAt: ttlAfter(fetchedAt, options.ttlMinutes * 60 + KEEP_STALE_SECONDS),
      op: payload.op,
    });
  } catch (error) {
    options.log.warn('could not cache a Cost Explorer answer', error);
  }
}

/** Is this pool's use of Cost Explorer today under its daily cap? */
async function underCap(options: CostCacheOptions): Promise<{ ok: boolean; used: number }> {
  if (options.dailyCap <= 0) return { ok: false, used: 0 };
  try {
    const counts = await requestsOn(options.store, toIsoDate(options.clock.now()));
    const used = CE_APIS.reduce((n, api) => n + (counts[pooledApi(api, options.pool)] ?? 0), 0);
    return { ok: used < options.dailyCap, used };
  } catch (error) {
    options.log.warn('could not read API usage; not enforcing the cap this time', error);
    return { ok: true, used: 0 };
  }
}

/** The refusal when the day's allowance is used and no answer is kept. */
function capReached(options: CostCacheOptions): UnavailableError {
  return new UnavailableError(
    options.pool === 'chat'
      ? `Chat questions have used today's Cost Explorer allowance (${options.dailyCap} requests, BEDROCK_COST_CE_CHAT_DAILY_CAP); this question needs the bill outside the synced ledger. Ask about the last 13 months (synced), or again after 00:00 UTC.`
      : `I have used today's Cost Explorer allowance (${options.dailyCap} requests, BEDROCK_COST_CE_DAILY_CAP) and have no saved answer for this question. Answers from the bill resume at 00:00 UTC.`,
  );
}

/** A usage answer in its kept form (decimals as strings). */
function usagePayload(result: CostResult): Payload {
  return {
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
  };
}

/** A usage answer's rows: the source's own on a miss, else read back from the kept form. */
function rowsOf(entry: Entry): CostRow[] {
  if (entry.rows) return [...entry.rows];
  if (entry.payload.op !== 'usage') return [];
  return entry.payload.rows.map(([start, end, keys, amount, quantity, estimated]) => ({
    start,
    end,
    keys,
    amount: new Dec(amount),
    quantity: new Dec(quantity),
    estimated: estimated === 1,
  }));
}

function forecastPayload(f: CostForecast | null): Payload {
  return {
    op: 'forecast',
    forecast: f
      ? {
          total: f.total.toString(),
          ...(f.low ? { low: f.low.toString() } : {}),
          ...(f.high ? { high: f.high.toString() } : {}),
        }
      : null,
  };
}

function forecastOf(payload: Extract<Payload, { op: 'forecast' }>): CostForecast | null {
  const f = payload.forecast;
  if (!f) return null;
  return {
    total: new Dec(f.total),
    ...(f.low ? { low: new Dec(f.low) } : {}),
    ...(f.high ? { high: new Dec(f.high) } : {}),
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

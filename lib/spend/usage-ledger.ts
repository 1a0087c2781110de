import { type Clock, toIsoDate } from '../clock.js';
import type { Log } from '../log.js';
import { Dec } from '../money.js';
import type {
  BedrockControlPlane,
  ControlPlaneOperation,
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

export const CE_APIS = [API.getCostAndUsage, API.getDimensionValues, API.getCostForecast];

/** The request ledger's name of an API call in a pool (`ce:GetCostAndUsage@chat`). */
export function pooledApi(api: string, pool: 'jobs' | 'chat' = 'jobs'): string {
  return pool === 'chat' ? `${api}@chat` : api;
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
    await store.write({
      key: { pk: `USAGE#${toIsoDate(now)}`, sk: api },
      update: 'ADD requests :n SET expiresAt = if_not_exists(expiresAt, :ttl)',
      values: { ':n': n, ':ttl': ttlAfter(now, 400 * 86_400) },
    });
  } catch (error) {
    log?.warn('could not record API usage', error);
  }
}

/** Requests per API recorded for one UTC day. */
export async function requestsOn(store: Store, day: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const item of await store.query({ pk: `USAGE#${day}` }))
    out[String(item.sk)] = Number(item.requests ?? 0);
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
  for (const item of await store.getMany(keys)) requests += Number(item.requests ?? 0);
  return { requests, usd: CE_REQUEST_USD.times(requests) };
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

/**
 * The bill: AWS Cost Explorer as a `CostSource`.
 *
 * - `GetCostAndUsage` has no SDK paginator: we loop on `NextPageToken` ourselves, and every
 *   page is a billed request ($0.01), counted in `CostResult.requests`.
 * - `TimePeriod.End` is exclusive, like our periods.
 * - Filter: SERVICE in the Bedrock services, RECORD_TYPE in [Usage] (credits, refunds and tax
 *   out), and optionally the team tag (`''` = untagged, Cost Explorer's `ABSENT` match).
 * - Throttling (`LimitExceededException`) is retried by the SDK's standard retry mode, then
 *   here with a longer backoff; if it persists the caller gets an `UnavailableError`, which
 *   the cache decorator answers from an older cached answer when it has one.
 * - `GetCostForecast` answers `DataUnavailableException` (or a validation error about
 *   history) when the account is too new to forecast: that is `null`, not an error.
 */
import {
  type CostExplorerClient,
  type Expression,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
  GetDimensionValuesCommand,
  type GroupDefinition,
} from '@aws-sdk/client-cost-explorer';
import { UnavailableError } from '../errors.js';
import { Dec } from '../money.js';
import type { CostForecast, CostMetric, CostQuery, CostRow, CostSource } from '../ports.js';

export interface CostExplorerOptions {
  /** Extra waits after the SDK gave up on throttling (default 2 s, then 5 s). */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

/** Cost Explorer is throttling us and our own retries did not help. */
export class CostExplorerThrottledError extends UnavailableError {
  constructor(cause: unknown) {
    super('Cost Explorer is busy right now (too many requests). Please try again in a minute.', { cause });
  }
}

const FORECAST_METRIC: Record<
  CostMetric,
  'UNBLENDED_COST' | 'AMORTIZED_COST' | 'NET_UNBLENDED_COST' | 'NET_AMORTIZED_COST'
> = {
  UnblendedCost: 'UNBLENDED_COST',
  AmortizedCost: 'AMORTIZED_COST',
  NetUnblendedCost: 'NET_UNBLENDED_COST',
  NetAmortizedCost: 'NET_AMORTIZED_COST',
};

/** Safety stop: no answer we ask for needs more pages than this. */
const MAX_PAGES = 200;

function isThrottle(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return (
    name === 'LimitExceededException' || name === 'ThrottlingException' || name === 'RequestLimitExceeded'
  );
}

/** The Filter expression of a query (Cost Explorer wants `And` only with 2+ operands). */
export function filterOf(query: Pick<CostQuery, 'services' | 'tag' | 'recordTypes'>): Expression | undefined {
  const parts: Expression[] = [];
  if (query.services.length) parts.push({ Dimensions: { Key: 'SERVICE', Values: [...query.services] } });
  const recordTypes = query.recordTypes ?? ['Usage'];
  if (recordTypes.length) parts.push({ Dimensions: { Key: 'RECORD_TYPE', Values: [...recordTypes] } });
  if (query.tag) {
    const named = query.tag.values.filter((v) => v !== '');
    const untagged = query.tag.values.includes('');
    const tagParts: Expression[] = [];
    if (named.length)
      tagParts.push({ Tags: { Key: query.tag.key, Values: named, MatchOptions: ['EQUALS'] } });
    if (untagged) tagParts.push({ Tags: { Key: query.tag.key, MatchOptions: ['ABSENT'] } });
    if (tagParts.length === 1) parts.push(tagParts[0]!);
    else if (tagParts.length > 1) parts.push({ Or: tagParts });
  }
  if (!parts.length) return undefined;
  return parts.length === 1 ? parts[0] : { And: parts };
}

/** A client with our own backoff on top of the SDK's when Cost Explorer throttles. */
interface Throttled {
  client: CostExplorerClient;
  delays: number[];
  sleep: (ms: number) => Promise<void>;
}

/** One request, retried after each of `delays` while Cost Explorer throttles. */
async function call<T>(cx: Throttled, send: (client: CostExplorerClient) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(cx.client);
    } catch (error) {
      if (!isThrottle(error)) throw error;
      const delay = cx.delays[attempt];
      if (delay === undefined) throw new CostExplorerThrottledError(error);
      await cx.sleep(delay);
    }
  }
}

async function listServices(cx: Throttled, range: { start: string; end: string }): Promise<string[]> {
  const services = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await call(cx, (client) =>
      client.send(
        new GetDimensionValuesCommand({
          TimePeriod: { Start: range.start, End: range.end },
          Dimension: 'SERVICE',
          Context: 'COST_AND_USAGE',
          ...(token ? { NextPageToken: token } : {}),
        }),
      ),
    );
    for (const v of out.DimensionValues ?? []) if (v.Value) services.add(v.Value);
    token = out.NextPageToken;
    pages++;
  } while (token && pages < MAX_PAGES);
  return [...services].sort();
}

/** One page's buckets as rows: per group when grouped, else the bucket's total (when any). */
/** Add a page's rows to `rows` (one push per row: a spread of a 100,000-group page overflows the stack). */
function addRows(
  rows: CostRow[],
  out: GetCostAndUsageCommandOutput,
  query: CostQuery,
  grouped: boolean,
): void {
  for (const bucket of out.ResultsByTime ?? []) {
    const start = bucket.TimePeriod?.Start ?? query.start;
    const end = bucket.TimePeriod?.End ?? query.end;
    const estimated = Boolean(bucket.Estimated);
    if (grouped) {
      for (const group of bucket.Groups ?? []) {
        rows.push({
          start,
          end,
          keys: group.Keys ?? [],
          amount: new Dec(group.Metrics?.[query.metric]?.Amount ?? '0'),
          quantity: new Dec(group.Metrics?.UsageQuantity?.Amount ?? '0'),
          estimated,
        });
      }
    } else if (bucket.Total?.[query.metric]) {
      rows.push({
        start,
        end,
        keys: [],
        amount: new Dec(bucket.Total[query.metric]?.Amount ?? '0'),
        quantity: new Dec(bucket.Total.UsageQuantity?.Amount ?? '0'),
        estimated,
      });
    }
  }
}

async function getCostAndUsage(
  cx: Throttled,
  query: CostQuery,
): Promise<{ rows: CostRow[]; requests: number }> {
  const filter = filterOf(query);
  const groupBy: GroupDefinition[] = query.groupBy.map((g) => ({ Type: g.type, Key: g.key }));
  const input: GetCostAndUsageCommandInput = {
    TimePeriod: { Start: query.start, End: query.end },
    Granularity: query.granularity,
    Metrics: [query.metric, 'UsageQuantity'],
    ...(filter ? { Filter: filter } : {}),
    ...(groupBy.length ? { GroupBy: groupBy } : {}),
  };
  const rows: CostRow[] = [];
  let token: string | undefined;
  let requests = 0;
  do {
    const out = await call(cx, (client) =>
      client.send(new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) })),
    );
    requests++;
    addRows(rows, out, query, groupBy.length > 0);
    token = out.NextPageToken;
  } while (token && requests < MAX_PAGES);
  return { rows, requests };
}

/** Too little history (a new account or a new filter): no forecast, not a failure. */
function isTooLittleHistory(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  if (e.name === 'DataUnavailableException') return true;
  return e.name === 'ValidationException' && /insufficient|not enough|historical data/i.test(e.message ?? '');
}

async function getCostForecast(
  cx: Throttled,
  query: Omit<CostQuery, 'groupBy' | 'granularity'>,
): Promise<CostForecast | null> {
  const filter = filterOf(query);
  try {
    const out = await call(cx, (client) =>
      client.send(
        new GetCostForecastCommand({
          TimePeriod: { Start: query.start, End: query.end },
          Metric: FORECAST_METRIC[query.metric],
          Granularity: 'MONTHLY',
          PredictionIntervalLevel: 80,
          ...(filter ? { Filter: filter } : {}),
        }),
      ),
    );
    if (!out.Total?.Amount) return null;
    let low = new Dec(0);
    let high = new Dec(0);
    let bounds = false;
    for (const r of out.ForecastResultsByTime ?? []) {
      if (r.PredictionIntervalLowerBound !== undefined && r.PredictionIntervalUpperBound !== undefined) {
        low = low.plus(r.PredictionIntervalLowerBound);
        high = high.plus(r.PredictionIntervalUpperBound);
        bounds = true;
      }
    }
    return { total: new Dec(out.Total.Amount), ...(bounds ? { low, high } : {}) };
  } catch (error) {
    if (isTooLittleHistory(error)) return null;
    throw error;
  }
}

/**
 * Build the Cost Explorer `CostSource` around a client (built in `lib/aws/clients.ts`,
 * pinned to us-east-1).
 *
 * @example
 * const costs = createCostExplorerSource(createAwsClients({ region }).costExplorer);
 * const { rows, requests } = await costs.getCostAndUsage(query);
 */
export function createCostExplorerSource(
  client: CostExplorerClient,
  options: CostExplorerOptions = {},
): CostSource {
  const cx: Throttled = {
    client,
    delays: options.retryDelaysMs ?? [2_000, 5_000],
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
  return {
    listServices: (range) => listServices(cx, range),
    getCostAndUsage: (query) => getCostAndUsage(cx, query),
    getCostForecast: (query) => getCostForecast(cx, query),
  };
}

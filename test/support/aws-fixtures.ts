/**
 * Builders for AWS response bodies in their real shapes, to return from `startAwsServer`
 * handlers. Amounts are strings, exactly as Cost Explorer sends them.
 *
 * @example
 * const aws = await startAwsServer({
 *   GetCostAndUsage: paged(
 *     [
 *       costAndUsageResponse([{ start: '2026-11-01', end: '2026-11-02', keys: ['Amazon Bedrock'], amount: '12.34' }], {
 *         groupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
 *       }),
 *       costAndUsageResponse([{ start: '2026-11-02', end: '2026-11-03', keys: ['Amazon Bedrock'], amount: '8.10' }], {
 *         groupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
 *       }),
 *     ],
 *     'NextPageToken',
 *   ),
 * });
 */

/** One group of one time bucket. */
export interface CostAndUsageRow {
  /** Bucket start (inclusive ISO date). */
  start: string;
  /** Bucket end (exclusive ISO date). */
  end: string;
  /** Group keys in GroupBy order (`['Amazon Bedrock', 'USE1-...']`, tags as `team$search`). Omit when ungrouped. */
  keys?: string[];
  /** Cost as Cost Explorer's decimal string, e.g. `'20.3171045'`. */
  amount: string;
  /** UsageQuantity (only included when given). */
  quantity?: string;
  /** Cost Explorer marks the current month's buckets as estimated. Default false. */
  estimated?: boolean;
}

/**
 * A `GetCostAndUsage` response body. Rows are bucketed by period in the order given. Grouped
 * buckets have `Groups` and an empty `Total` (as Cost Explorer answers); ungrouped ones a `Total`.
 */
export function costAndUsageResponse(
  rows: CostAndUsageRow[],
  options: {
    metric?: 'UnblendedCost' | 'AmortizedCost' | 'NetUnblendedCost' | 'NetAmortizedCost';
    groupBy?: { Type: 'DIMENSION' | 'TAG' | 'COST_CATEGORY'; Key: string }[];
  } = {},
): Record<string, unknown> {
  const metric = options.metric ?? 'UnblendedCost';
  const grouped = (options.groupBy?.length ?? 0) > 0;
  const buckets = new Map<string, CostAndUsageRow[]>();
  for (const row of rows) {
    const key = `${row.start}/${row.end}`;
    buckets.set(key, [...(buckets.get(key) ?? []), row]);
  }
  const metrics = (row: CostAndUsageRow) => ({
    [metric]: { Amount: row.amount, Unit: 'USD' },
    ...(row.quantity !== undefined ? { UsageQuantity: { Amount: row.quantity, Unit: 'N/A' } } : {}),
  });
  return {
    ...(grouped ? { GroupDefinitions: options.groupBy } : {}),
    ResultsByTime: [...buckets.values()].map((bucket) => {
      const first = bucket[0]!;
      return {
        TimePeriod: { Start: first.start, End: first.end },
        Total: grouped ? {} : metrics(first),
        Groups: grouped ? bucket.map((row) => ({ Keys: row.keys ?? [], Metrics: metrics(row) })) : [],
        Estimated: bucket.some((row) => row.estimated === true),
      };
    }),
    DimensionValueAttributes: [],
  };
}

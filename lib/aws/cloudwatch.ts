/**
 * Near-real-time Bedrock usage: CloudWatch `AWS/Bedrock` as a `MetricsSource`.
 *
 * - `ListMetrics` (paginated) finds the `ModelId` dimension values: base model IDs, system
 *   inference profiles (`us.anthropic...`) and application profile IDs, whatever was invoked.
 * - `GetMetricData` takes at most 500 queries per request, so queries are sent in batches;
 *   each batch follows `NextToken`, and a series split across pages is stitched together.
 *   Every request is counted (`requests`) for the bot's API ledger.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { MetricSeries, MetricsSource } from '../ports.js';

/** GetMetricData's limit on queries per request. */
export const MAX_QUERIES_PER_REQUEST = 500;
const MAX_PAGES = 100;

/**
 * Build the CloudWatch `MetricsSource` around a client (built in `lib/aws/clients.ts`).
 *
 * @example
 * const metrics = createCloudWatchMetrics(createAwsClients({ region }).cloudWatch);
 * const ids = await metrics.listModelIds();
 */
export function createCloudWatchMetrics(client: CloudWatchClient): MetricsSource {
  return {
    async listModelIds() {
      const ids = new Set<string>();
      for (const metricName of ['InputTokenCount', 'Invocations']) {
        let token: string | undefined;
        let pages = 0;
        do {
          const out = await client.send(
            new ListMetricsCommand({
              Namespace: 'AWS/Bedrock',
              MetricName: metricName,
              ...(token ? { NextToken: token } : {}),
            }),
          );
          for (const metric of out.Metrics ?? []) {
            const dims = metric.Dimensions ?? [];
            // Only series keyed by ModelId alone (not per-ModelId-and-something-else duplicates).
            const modelId = dims.length === 1 && dims[0]?.Name === 'ModelId' ? dims[0].Value : undefined;
            if (modelId) ids.add(modelId);
          }
          token = out.NextToken;
          pages++;
        } while (token && pages < MAX_PAGES);
        if (ids.size) break;
      }
      return [...ids].sort();
    },

    async getMetricSums(query) {
      const series = new Map<string, MetricSeries>(
        query.queries.map((q) => [q.id, { id: q.id, points: [] }]),
      );
      let requests = 0;
      for (let i = 0; i < query.queries.length; i += MAX_QUERIES_PER_REQUEST) {
        const batch: MetricDataQuery[] = query.queries.slice(i, i + MAX_QUERIES_PER_REQUEST).map((q) => ({
          Id: q.id,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Bedrock',
              MetricName: q.metric,
              Dimensions: [{ Name: 'ModelId', Value: q.modelId }],
            },
            Period: query.periodSeconds,
            Stat: 'Sum',
          },
          ReturnData: true,
        }));
        let token: string | undefined;
        let pages = 0;
        do {
          const out = await client.send(
            new GetMetricDataCommand({
              StartTime: query.start,
              EndTime: query.end,
              MetricDataQueries: batch,
              ScanBy: 'TimestampAscending',
              ...(token ? { NextToken: token } : {}),
            }),
          );
          requests++;
          for (const result of out.MetricDataResults ?? []) {
            const s = result.Id ? series.get(result.Id) : undefined;
            if (!s) continue;
            const timestamps = result.Timestamps ?? [];
            const values = result.Values ?? [];
            timestamps.forEach((at, k) => {
              const value = values[k];
              if (value !== undefined) s.points.push({ at: new Date(at), value });
            });
          }
          token = out.NextToken;
          pages++;
        } while (token && pages < MAX_PAGES);
      }
      for (const s of series.values()) s.points.sort((a, b) => a.at.getTime() - b.at.getTime());
      return { series: [...series.values()], requests };
    },
  };
}

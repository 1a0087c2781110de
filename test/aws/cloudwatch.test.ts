import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudWatchMetrics } from '../../lib/aws/cloudwatch.js';
import type { MetricQuery } from '../../lib/ports.js';
import { type AwsServer, paged, startAwsServer } from '../support/aws-server.js';

let aws: AwsServer | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

const START = new Date('2026-11-18T00:00:00Z');
const END = new Date('2026-11-18T06:00:00Z');

/** GetMetricData that answers each query with one point per hour (value = hour + 1), two results per page. */
// biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
function metricData(input: any) {
  const queries = input.MetricDataQueries as { Id: string }[];
  const offset = input.NextToken ? Number(input.NextToken) : 0;
  const results = queries.slice(offset, offset + 300).map((q) => ({
    Id: q.Id,
    Label: q.Id,
    StatusCode: 'Complete',
    Timestamps: [0, 1, 2, 3, 4, 5].map((h) => START.getTime() / 1000 + h * 3600),
    Values: [1, 2, 3, 4, 5, 6],
  }));
  const next = offset + 300 < queries.length ? String(offset + 300) : undefined;
  return { MetricDataResults: results, Messages: [], ...(next ? { NextToken: next } : {}) };
}

describe('createCloudWatchMetrics', () => {
  it('lists ModelId values over every page of ListMetrics', async () => {
    const metric = (modelId: string) => ({
      Namespace: 'AWS/Bedrock',
      MetricName: 'InputTokenCount',
      Dimensions: [{ Name: 'ModelId', Value: modelId }],
    });
    aws = await startAwsServer({
      ListMetrics: paged(
        [
          {
            Metrics: [
              metric('anthropic.claude-3-haiku-20240307-v1:0'),
              metric('us.anthropic.claude-sonnet-4-5-20250929-v1:0'),
            ],
          },
          {
            Metrics: [
              metric('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3v9x2m7q1ab'),
            ],
          },
        ],
        'NextToken',
      ),
    });
    const metrics = createCloudWatchMetrics(new CloudWatchClient(aws.clientConfig()));
    expect(await metrics.listModelIds()).toEqual([
      'anthropic.claude-3-haiku-20240307-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3v9x2m7q1ab',
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
    expect(aws.count('ListMetrics')).toBe(2);
    expect(aws.requestsTo('ListMetrics')[0]!.input).toMatchObject({ Namespace: 'AWS/Bedrock' });
  });

  it('sends at most 500 queries per GetMetricData request and follows NextToken', async () => {
    aws = await startAwsServer({ GetMetricData: metricData });
    const metrics = createCloudWatchMetrics(new CloudWatchClient(aws.clientConfig()));
    const queries: MetricQuery[] = Array.from({ length: 1_100 }, (_, i) => ({
      id: `m${i}`,
      metric: i % 2 ? 'OutputTokenCount' : 'InputTokenCount',
      modelId: `model-${Math.floor(i / 2)}`,
    }));
    const result = await metrics.getMetricSums({ start: START, end: END, periodSeconds: 3600, queries });
    const sent = aws.requestsTo('GetMetricData').map((r) => (r.input.MetricDataQueries as unknown[]).length);
    expect(Math.max(...sent)).toBeLessThanOrEqual(500);
    // 500 + 500 + 100 queries; the first two batches take two pages each.
    expect(result.requests).toBe(5);
    expect(aws.count('GetMetricData')).toBe(5);
    expect(result.series).toHaveLength(1_100);
    expect(result.series.every((s) => s.points.reduce((a, p) => a + p.value, 0) === 21)).toBe(true);
    const first = aws.requestsTo('GetMetricData')[0]!.input as {
      MetricDataQueries: Record<string, unknown>[];
    };
    expect(first.MetricDataQueries[1]).toMatchObject({
      Id: 'm1',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Bedrock',
          MetricName: 'OutputTokenCount',
          Dimensions: [{ Name: 'ModelId', Value: 'model-0' }],
        },
        Period: 3600,
        Stat: 'Sum',
      },
    });
  });
});

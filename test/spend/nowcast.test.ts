import { BedrockClient } from '@aws-sdk/client-bedrock';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockControlPlane } from '../../lib/aws/bedrock.js';
import { createCloudWatchMetrics } from '../../lib/aws/cloudwatch.js';
import { silentLog } from '../../lib/log.js';
import { Dec } from '../../lib/money.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { estimateTodayByTeam, nowcastToday } from '../../lib/spend/nowcast.js';
import type { SpendContext } from '../../lib/spend/query.js';
import { type AwsServer, awsError, paged, startAwsServer } from '../support/aws-server.js';

const NOW = new Date('2026-11-18T06:00:00Z');
const PROFILE_ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3v9x2m7q1ab';
const SONNET_US = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU = 'anthropic.claude-haiku-4-5-20251001-v1:0';

/** Tokens since midnight per (ModelId, metric), reported as six hourly sums. */
const TOKENS: Record<string, Record<string, number>> = {
  [PROFILE_ARN]: {
    InputTokenCount: 6_000_000,
    OutputTokenCount: 1_200_000,
    CacheReadInputTokenCount: 3_000_000,
  },
  [SONNET_US]: { InputTokenCount: 600_000, OutputTokenCount: 60_000 },
  [HAIKU]: { InputTokenCount: 1_800_000, OutputTokenCount: 240_000 },
};

let aws: AwsServer;
beforeAll(async () => {
  aws = await startAwsServer({
    ListMetrics: paged(
      [
        {
          Metrics: Object.keys(TOKENS)
            .slice(0, 2)
            .map((v) => ({
              Namespace: 'AWS/Bedrock',
              MetricName: 'InputTokenCount',
              Dimensions: [{ Name: 'ModelId', Value: v }],
            })),
        },
        {
          Metrics: [
            {
              Namespace: 'AWS/Bedrock',
              MetricName: 'InputTokenCount',
              Dimensions: [{ Name: 'ModelId', Value: HAIKU }],
            },
          ],
        },
      ],
      'NextToken',
    ),
    // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
    GetMetricData: (input: { MetricDataQueries: any[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => {
        const total = TOKENS[q.MetricStat.Metric.Dimensions[0].Value]?.[q.MetricStat.Metric.MetricName] ?? 0;
        const hours = total ? [0, 1, 2, 3, 4, 5] : [];
        return {
          Id: q.Id,
          StatusCode: 'Complete',
          Timestamps: hours.map((h) => Date.parse('2026-11-18T00:00:00Z') / 1000 + h * 3600),
          Values: hours.map(() => total / 6),
        };
      }),
    }),
    // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
    ListInferenceProfiles: (input: any) =>
      input.typeEquals === 'APPLICATION'
        ? {
            inferenceProfileSummaries: [
              {
                inferenceProfileName: 'search-sonnet',
                inferenceProfileId: 'k3v9x2m7q1ab',
                inferenceProfileArn: PROFILE_ARN,
                type: 'APPLICATION',
                status: 'ACTIVE',
                models: [
                  {
                    modelArn:
                      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
                  },
                ],
              },
            ],
          }
        : { inferenceProfileSummaries: [] },
    'Bedrock.ListTagsForResource': { tags: [{ key: 'team', value: 'search' }] },
  });
});
afterAll(async () => {
  await aws.close();
});

function context(): SpendContext {
  return {
    costs: {
      listServices: async () => [],
      getCostAndUsage: async () => ({ rows: [], requests: 0 }),
      getCostForecast: async () => null,
    },
    metrics: createCloudWatchMetrics(new CloudWatchClient(aws.clientConfig())),
    bedrock: createBedrockControlPlane(new BedrockClient(aws.clientConfig())),
    kind: 'aws',
    metric: 'UnblendedCost',
    teamTagKey: 'team',
    now: NOW,
  };
}

const deps = { catalog: async () => bundledCatalog(), log: silentLog, config: { AWS_REGION: 'us-east-1' } };

/** Price per 1M tokens from the catalog, for a model key at a route. */
function price(key: string, at: string, field: 'input' | 'output' | 'cacheRead'): Dec {
  const model = bundledCatalog().byKey.get(key)!;
  return new Dec(model.prices.find((p) => p.at === at)![field]!);
}

describe('nowcastToday', () => {
  it('prices CloudWatch tokens per ModelId, mapping application profiles to model and team', async () => {
    const nowcast = await nowcastToday(context(), deps);
    const m = (n: number) => new Dec(n).div(1_000_000);
    const search = m(6_000_000)
      .times(price('claude-sonnet-4-5', 'us-east-1', 'input'))
      .plus(m(1_200_000).times(price('claude-sonnet-4-5', 'us-east-1', 'output')))
      .plus(m(3_000_000).times(price('claude-sonnet-4-5', 'us-east-1', 'cacheRead')));
    const sonnetUs = m(600_000)
      .times(price('claude-sonnet-4-5', 'us', 'input'))
      .plus(m(60_000).times(price('claude-sonnet-4-5', 'us', 'output')));
    const haiku = m(1_800_000)
      .times(price('claude-haiku-4-5', 'us-east-1', 'input'))
      .plus(m(240_000).times(price('claude-haiku-4-5', 'us-east-1', 'output')));
    expect(nowcast.totalUsd.toFixed(6)).toBe(search.plus(sonnetUs).plus(haiku).toFixed(6));
    expect(
      nowcast.lines.filter((l) => l.team === 'search').every((l) => l.modelName === 'Claude Sonnet 4.5'),
    ).toBe(true);
    expect(nowcast.unpriced).toEqual([]);
    expect(nowcast.requests).toBe(1);

    const byTeam = await estimateTodayByTeam(context(), deps);
    expect(byTeam.get('search')?.toFixed(6)).toBe(search.toFixed(6));
    expect(byTeam.get('')?.toFixed(6)).toBe(sonnetUs.plus(haiku).toFixed(6));
  });

  it('estimates one team only when asked', async () => {
    const nowcast = await nowcastToday(context(), deps, { team: 'search' });
    expect(new Set(nowcast.lines.map((l) => l.modelId))).toEqual(new Set([PROFILE_ARN]));
  });
});

describe('nowcast across Regions (BEDROCK_COST_REGIONS)', () => {
  const WEST_PROFILE = 'arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/w3st9x2m7q1a';
  let west: AwsServer;
  let broken: AwsServer;
  beforeAll(async () => {
    west = await startAwsServer({
      ListMetrics: {
        Metrics: [WEST_PROFILE, HAIKU].map((v) => ({
          Namespace: 'AWS/Bedrock',
          MetricName: 'InputTokenCount',
          Dimensions: [{ Name: 'ModelId', Value: v }],
        })),
      },
      // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
      GetMetricData: (input: { MetricDataQueries: any[] }, request) => {
        // Only this Region's CloudWatch is asked about this Region's ModelIds.
        if (request.region !== 'us-west-2') throw new Error(`asked in ${request.region}`);
        return {
          MetricDataResults: input.MetricDataQueries.map((q) => {
            const id = q.MetricStat.Metric.Dimensions[0].Value;
            const metric = q.MetricStat.Metric.MetricName;
            const total =
              metric === 'InputTokenCount' ? 1_000_000 : metric === 'OutputTokenCount' ? 100_000 : 0;
            return {
              Id: q.Id,
              StatusCode: 'Complete',
              Timestamps: total ? [Date.parse('2026-11-18T01:00:00Z') / 1000] : [],
              Values: total ? [id === WEST_PROFILE ? total * 2 : total] : [],
            };
          }),
        };
      },
      // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
      ListInferenceProfiles: (input: any) => ({
        inferenceProfileSummaries:
          input.typeEquals === 'APPLICATION'
            ? [
                {
                  inferenceProfileName: 'ads-haiku',
                  inferenceProfileId: 'w3st9x2m7q1a',
                  inferenceProfileArn: WEST_PROFILE,
                  type: 'APPLICATION',
                  status: 'ACTIVE',
                  models: [{ modelArn: `arn:aws:bedrock:us-west-2::foundation-model/${HAIKU}` }],
                },
              ]
            : [],
      }),
      'Bedrock.ListTagsForResource': { tags: [{ key: 'team', value: 'ads' }] },
    });
    broken = await startAwsServer({
      ListMetrics: awsError('AccessDenied', 'not authorized to perform: cloudwatch:ListMetrics', 403),
    });
  });
  afterAll(async () => {
    await Promise.all([west.close(), broken.close()]);
  });

  const regional = (server: AwsServer, region: string) => ({
    region,
    metrics: createCloudWatchMetrics(new CloudWatchClient(server.clientConfig({ region, maxAttempts: 1 }))),
    bedrock: createBedrockControlPlane(new BedrockClient(server.clientConfig({ region, maxAttempts: 1 }))),
  });

  it("adds each Region's tokens, priced there and mapped through that Region's profiles", async () => {
    const home = await nowcastToday(context(), deps);
    const both = await nowcastToday(
      {
        ...context(),
        otherRegions: async () => [regional(west, 'us-west-2'), regional(broken, 'eu-central-1')],
      },
      deps,
    );
    const westLines = both.lines.filter((l) => l.region === 'us-west-2');
    const m = (n: number) => new Dec(n).div(1_000_000);
    const haiku = (millions: number) =>
      m(millions * 1_000_000)
        .times(price('claude-haiku-4-5', 'us-west-2', 'input'))
        .plus(m(millions * 100_000).times(price('claude-haiku-4-5', 'us-west-2', 'output')));
    // The profile's tokens (2x) belong to team ads; the bare model ID's to no team.
    expect(
      westLines
        .filter((l) => l.team === 'ads')
        .reduce((a, l) => a.plus(l.usd), new Dec(0))
        .toFixed(6),
    ).toBe(haiku(2).toFixed(6));
    expect(both.totalUsd.minus(home.totalUsd).toFixed(6)).toBe(haiku(3).toFixed(6));
    // The Region that could not be read is left out, not a failure.
    expect(both.lines.some((l) => l.region === 'eu-central-1')).toBe(false);
    expect(both.requests).toBe(home.requests + 1);
    const byTeam = await estimateTodayByTeam(
      { ...context(), otherRegions: async () => [regional(west, 'us-west-2')] },
      deps,
    );
    expect(byTeam.get('ads')?.toFixed(6)).toBe(haiku(2).toFixed(6));
  });
});

import { BedrockClient } from '@aws-sdk/client-bedrock';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockControlPlane } from '../../lib/aws/bedrock.js';
import { createCloudWatchMetrics } from '../../lib/aws/cloudwatch.js';
import { fixedClock } from '../../lib/clock.js';
import { silentLog } from '../../lib/log.js';
import type { DataSources, InferenceProfile } from '../../lib/ports.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { withCaching } from '../../lib/spend/cache.js';
import { estimateTodayByTeam, nowcastToday } from '../../lib/spend/nowcast.js';
import { withProfileCache } from '../../lib/spend/profile-cache.js';
import type { SpendContext } from '../../lib/spend/query.js';
import { API, requestsOn } from '../../lib/spend/usage-ledger.js';
import { DynamoStore } from '../../lib/store/dynamo.js';
import type { Store } from '../../lib/store/store.js';
import { type AwsServer, startAwsServer } from '../support/aws-server.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const TEAMS = ['search', 'ads', 'support'];
const arnOf = (id: string) => `arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/${id}`;
const SONNET = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0';

/** A ListInferenceProfiles handler: one application profile per team. */
const listProfilesOf =
  (teams: string[]) =>
  // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
  (input: any) => ({
    inferenceProfileSummaries:
      input.typeEquals === 'APPLICATION'
        ? teams.map((t) => ({
            inferenceProfileName: `${t}-sonnet`,
            inferenceProfileId: `p-${t}`,
            inferenceProfileArn: arnOf(`p-${t}`),
            type: 'APPLICATION',
            status: 'ACTIVE',
            models: [{ modelArn: SONNET }],
          }))
        : [],
  });

let aws: AwsServer;
let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
  aws = await startAwsServer({
    ListMetrics: {
      Metrics: TEAMS.map((t) => ({
        Namespace: 'AWS/Bedrock',
        MetricName: 'InputTokenCount',
        Dimensions: [{ Name: 'ModelId', Value: arnOf(`p-${t}`) }],
      })),
    },
    // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
    GetMetricData: (input: { MetricDataQueries: any[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => ({
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: [Date.parse('2026-11-18T00:00:00Z') / 1000],
        Values: [q.MetricStat.Metric.MetricName === 'InputTokenCount' ? 1_000_000 : 0],
      })),
    }),
    ListInferenceProfiles: listProfilesOf(TEAMS),
    // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
    'Bedrock.ListTagsForResource': (input: any) => ({
      tags: [{ key: 'team', value: String(input.resourceARN).split('/p-')[1] }],
    }),
  });
});
afterAll(async () => {
  await aws.close();
  await dynamo.close();
});

/** The wire sources behind the real cache, as `createDeps` wires them, at a given time. */
function context(store: Store, now: string): SpendContext {
  const raw: DataSources = {
    kind: 'aws',
    costs: {
      listServices: async () => [],
      getCostAndUsage: async () => ({ rows: [], requests: 0 }),
      getCostForecast: async () => null,
    },
    metrics: createCloudWatchMetrics(new CloudWatchClient(aws.clientConfig())),
    bedrock: createBedrockControlPlane(new BedrockClient(aws.clientConfig())),
  };
  const sources = withCaching(raw, {
    store,
    clock: fixedClock(now),
    log: silentLog,
    ttlMinutes: 240,
    dailyCap: 500,
  });
  return { ...sources, metric: 'UnblendedCost', teamTagKey: 'team', now: new Date(now) };
}

const deps = { catalog: async () => bundledCatalog(), log: silentLog, config: { AWS_REGION: 'us-east-1' } };

/** Bedrock control-plane requests the server received during `run`. */
async function bedrockRequests(run: () => Promise<unknown>) {
  const tags = aws.count('Bedrock.ListTagsForResource');
  const lists = aws.count('ListInferenceProfiles');
  await run();
  return {
    tags: aws.count('Bedrock.ListTagsForResource') - tags,
    lists: aws.count('ListInferenceProfiles') - lists,
  };
}

describe('inference-profile cache', () => {
  it('a second run within 6 hours maps ModelIds to teams with no Bedrock request', async () => {
    const store = await dynamo.newStore();
    let first = new Map<string, unknown>();
    const cold = await bedrockRequests(async () => {
      first = await estimateTodayByTeam(context(store, '2026-11-18T06:00:00Z'), deps);
    });
    expect(cold.tags).toBe(TEAMS.length);
    expect(cold.lists).toBeGreaterThan(0);

    let second = new Map<string, unknown>();
    const warm = await bedrockRequests(async () => {
      second = await estimateTodayByTeam(context(store, '2026-11-18T11:55:00Z'), deps);
    });
    expect(warm).toEqual({ tags: 0, lists: 0 });
    expect([...second.keys()].sort()).toEqual([...TEAMS].sort());
    expect(String(second.get('search'))).toBe(String(first.get('search')));

    // The ledger counts what was really asked, on the first run only: one listing page per
    // profile type and one tag read per profile (too few to read in pages of 100).
    const ledger = await requestsOn(store, '2026-11-18');
    expect(ledger[API.listTagsForResource]).toBe(TEAMS.length);
    expect(ledger[API.listInferenceProfiles]).toBe(2);
    expect(ledger[API.getResources]).toBeUndefined();
  });

  it('lists again once the 6 hours have passed, reading tags only of new profiles until a day has', async () => {
    const store = await dynamo.newStore();
    await nowcastToday(context(store, '2026-11-18T06:00:00Z'), deps);
    // A new team's profile appears.
    aws.handle('ListInferenceProfiles', listProfilesOf([...TEAMS, 'legal']));
    try {
      let byTeam = new Map<string, unknown>();
      const refill = await bedrockRequests(async () => {
        byTeam = await estimateTodayByTeam(context(store, '2026-11-18T12:01:00Z'), deps);
      });
      expect(refill).toEqual({ tags: 1, lists: 2 });
      // Known profiles keep their cached tags (legal has no usage yet, so no estimate).
      expect([...byTeam.keys()].sort()).toEqual([...TEAMS].sort());
      // The ledger counts the one tag read, not one per profile.
      expect((await requestsOn(store, '2026-11-18'))[API.listTagsForResource]).toBe(TEAMS.length + 1);
      // A day after the full read, every profile's tags are read again (re-tags show within a day).
      const daily = await bedrockRequests(() => nowcastToday(context(store, '2026-11-19T06:30:00Z'), deps));
      expect(daily.tags).toBe(TEAMS.length + 1);
    } finally {
      aws.handle('ListInferenceProfiles', listProfilesOf(TEAMS));
    }
  });

  it('falls back to the live listing when the cache table is broken', async () => {
    const { db } = await dynamo.newStore();
    const broken: Store = new DynamoStore(db, 'no-such-table');
    for (const at of ['2026-11-18T06:00:00Z', '2026-11-18T07:00:00Z']) {
      let byTeam = new Map<string, unknown>();
      const live = await bedrockRequests(async () => {
        byTeam = await estimateTodayByTeam(context(broken, at), deps);
      });
      expect(live.tags).toBe(TEAMS.length);
      expect([...byTeam.keys()].sort()).toEqual([...TEAMS].sort());
    }
  });

  it('keeps provisioned throughputs live', async () => {
    const store = await dynamo.newStore();
    const before = aws.count('ListProvisionedModelThroughputs');
    aws.handle('ListProvisionedModelThroughputs', { provisionedModelSummaries: [] });
    await context(store, '2026-11-18T06:00:00Z').bedrock?.listProvisionedThroughputs();
    await context(store, '2026-11-18T06:10:00Z').bedrock?.listProvisionedThroughputs();
    expect(aws.count('ListProvisionedModelThroughputs') - before).toBe(2);
  });

  it('stores 10,000 tagged profiles over several items and reads them back', async () => {
    const store = await dynamo.newStore();
    const profiles: InferenceProfile[] = Array.from({ length: 10_000 }, (_, i) => {
      const id = `${i.toString(36)}${Math.random().toString(36).slice(2, 12)}`;
      return {
        id,
        arn: arnOf(id),
        name: `team-${i}-${Math.random().toString(36).slice(2, 10)}`,
        type: 'APPLICATION',
        modelArns: [SONNET],
        tags: {
          team: `team-${i}`,
          costcenter: Math.random().toString(36).slice(2, 12),
          owner: `${Math.random().toString(36).slice(2, 12)}@example.com`,
        },
      };
    });
    let calls = 0;
    const inner = {
      listProvisionedThroughputs: async () => [],
      listInferenceProfiles: async () => {
        calls++;
        return profiles;
      },
    };
    const cachedAt = (now: string) =>
      withProfileCache(inner, { store, clock: fixedClock(now), log: silentLog, namespace: 'aws' });
    await cachedAt('2026-11-18T06:00:00Z').listInferenceProfiles();
    const again = await cachedAt('2026-11-18T07:00:00Z').listInferenceProfiles();
    expect(calls).toBe(1);
    expect(again).toEqual(profiles);
    // Past DynamoDB's 400 KB item limit even gzipped: the listing is split over parts.
    const items = await store.db.send(
      new ScanCommand({
        TableName: store.table,
        FilterExpression: 'begins_with(pk, :c)',
        ExpressionAttributeValues: { ':c': 'CACHE#' },
      }),
    );
    expect(items.Items?.length).toBeGreaterThan(1);
  });
});

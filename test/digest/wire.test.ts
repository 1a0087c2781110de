/**
 * The digest through the real Cost Explorer adapter and SDK, against the wire-level fake:
 * what is asked (group-bys, filters, period) and how many billed requests it takes.
 */
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCostExplorerSource } from '../../lib/aws/cost-explorer.js';
import { saveTeam } from '../../lib/budgets/store.js';
import { eachDay } from '../../lib/clock.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { Dec } from '../../lib/money.js';
import type { DataSources } from '../../lib/ports.js';
import { costExplorerHandler, type Fact, servicesHandler } from '../spend/bill-fixture.js';
import { type AwsServer, startAwsServer } from '../support/aws-server.js';
import { recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const RANGE = { start: '2026-10-19', end: '2026-11-17' };

/** search: $10/day Sonnet output, $20/day from Nov 9; growth: $5/day Nova Pro input. */
function facts(): Fact[] {
  const out: Fact[] = [];
  for (const day of eachDay(RANGE)) {
    const sonnet = day >= '2026-11-09' ? '20' : '10';
    out.push({
      day,
      team: 'search',
      service: SONNET,
      usageType: 'USE1-MP:USE1_OutputTokenCount-Units',
      amount: sonnet,
      quantity: sonnet,
    });
    out.push({
      day,
      team: 'growth',
      service: 'Amazon Bedrock',
      usageType: 'USE1-NovaPro-input-tokens',
      amount: '5',
      quantity: '6.25',
    });
  }
  return out;
}

describe('weekly digest against Cost Explorer at the wire', () => {
  let dynamo: TestDynamo;
  let aws: AwsServer;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    aws = await startAwsServer({
      GetDimensionValues: servicesHandler(facts()),
      GetCostAndUsage: costExplorerHandler(facts(), 1000),
    });
  });
  afterAll(async () => {
    await aws.close();
    await dynamo.close();
  });

  it('fills the ledger with one query per service and reads every team from it', async () => {
    const store = dynamo.store;
    for (const team of ['search', 'growth'])
      await saveTeam(
        store,
        {
          team,
          budgetUsd: new Dec(1000),
          thresholds: [50, 80, 100],
          target: { kind: 'slack', channel: `C0${team.toUpperCase()}` },
          timeZone: 'UTC',
          owners: [],
          digest: { weekday: 1, hour: 9 },
        },
        { userId: 'test', now: new Date('2026-11-01T00:00:00Z') },
        undefined,
      );
    const costs = createCostExplorerSource(new CostExplorerClient(aws.clientConfig({ maxAttempts: 1 })));
    const delivery = recordingDelivery();
    const sources: DataSources = {
      kind: 'aws',
      costs,
      metrics: { listModelIds: async () => [], getMetricSums: async () => ({ series: [], requests: 0 }) },
      bedrock: { listProvisionedThroughputs: async () => [], listInferenceProfiles: async () => [] },
    };
    const deps = testDeps({ store, delivery, now: '2026-11-16T09:00:00Z', sources });
    const report = await runWeeklyDigest(deps, { dryRun: false, charts: false });

    // The run filled the ledger: the service list, one query for linked accounts and one per
    // service (grouped by usage type and team), whatever the number of teams.
    expect(aws.count('GetDimensionValues')).toBe(1);
    expect(aws.count('GetCostAndUsage')).toBe(3);
    expect(report.costExplorerRequests).toBe(4);
    const groupBys = aws.requestsTo('GetCostAndUsage').map((r) => (r.input as { GroupBy: unknown }).GroupBy);
    expect(groupBys).toEqual([
      [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
      ],
      [
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        { Type: 'TAG', Key: 'team' },
      ],
      [
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        { Type: 'TAG', Key: 'team' },
      ],
    ]);
    for (const r of aws.requestsTo('GetCostAndUsage')) {
      const input = r.input as { TimePeriod: unknown; Granularity: string; Filter: unknown };
      // The first sync reads last month and this one through today, daily.
      expect(input.TimePeriod).toEqual({ Start: '2026-10-01', End: RANGE.end });
      expect(input.Granularity).toBe('DAILY');
      // Usage only, on the Bedrock services (no per-team filter: one answer serves every team).
      expect(JSON.stringify(input.Filter)).toContain('RECORD_TYPE');
      expect(JSON.stringify(input.Filter)).not.toContain('team');
    }
    // A second run reads the ledger only.
    const before = aws.count('GetCostAndUsage');
    await runWeeklyDigest(testDeps({ store, delivery, now: '2026-11-16T10:00:00Z', sources }), {
      dryRun: true,
      charts: false,
    });
    expect(aws.count('GetCostAndUsage')).toBe(before);

    // search: $10 a day, $20 from Nov 9: $140 last week vs $70. November so far: 8 x $10 +
    // 8 x $20 (Nov 16 included) = $240; forecast: the 15 complete days ($220) + 15 days left
    // at the mean of their weekday in the last two weeks ($15): $445.
    const search = delivery.sentTo('C0SEARCH')[0]!.reply;
    expect(search.headline).toBe(
      'search · week of Nov 9: $140 (+100%) · November so far $240 of $1,000 · forecast $445',
    );
    const why = search.blocks.find((b) => b.kind === 'text' && b.text.startsWith('*Why:*'));
    expect(why?.kind === 'text' && why.text).toBe('*Why:* Claude Sonnet 4.5 output tokens doubled (+$70).');
    const growth = delivery.sentTo('C0GROWTH')[0]!.reply;
    expect(growth.headline).toBe(
      'growth · week of Nov 9: $35 (+0%) · November so far $80 of $1,000 · forecast $150',
    );
  });
});

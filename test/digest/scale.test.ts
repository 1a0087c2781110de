import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { renderSlack, SLACK_LIMITS } from '../../lib/chat/slack-render.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { syncIfDue } from '../../lib/ledger/job.js';
import { Dec } from '../../lib/money.js';
import type { DataSources } from '../../lib/ports.js';
import { recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { TEAMS, team, thousandTeamBill } from './fixtures.js';

describe('weekly digest at scale', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('serves 1,000 teams from one ledger fill (requests independent of teams), within the function memory', async () => {
    const store = await dynamo.newStore();
    // 1,000 profiles, all due Monday 09:00 UTC (written through the budgets store, 50 at a time).
    for (let i = 0; i < TEAMS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, TEAMS - i) }, (_, k) =>
          saveTeam(
            store,
            {
              team: team(i + k),
              budgetUsd: new Dec(5000),
              thresholds: [50, 80, 100],
              target: { kind: 'slack', channel: `C${String(i + k).padStart(8, '0')}` },
              timeZone: 'UTC',
              owners: [],
              digest: { weekday: 1, hour: 9 },
            },
            { userId: 'test', now: new Date('2026-11-01T00:00:00Z') },
            undefined,
          ),
        ),
      );
    }
    const bill = thousandTeamBill();
    // No provisioned throughput and no metrics: the bill is what scales with teams.
    const sources: DataSources = {
      kind: 'aws',
      costs: bill.costs,
      metrics: { listModelIds: async () => [], getMetricSums: async () => ({ series: [], requests: 0 }) },
      bedrock: { listProvisionedThroughputs: async () => [], listInferenceProfiles: async () => [] },
    };
    const delivery = recordingDelivery();
    const deps = testDeps({
      store,
      sources,
      delivery,
      now: '2026-11-16T09:00:00Z',
      env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' },
    });

    // The hourly alert run keeps the ledger current (its own function and memory): the
    // digest run reads it. Service list, linked accounts, one query per service: the same
    // for 1,000 teams as for 1.
    const sync = await syncIfDue(deps);
    expect(sync.record?.requests).toBeLessThanOrEqual(5);
    const filled = bill.listCalls() + bill.requests.length;

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    let peak = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 10);
    // Its time is a bench figure (`digest run, 1,000 teams`), not asserted here.
    const report = await runWeeklyDigest(deps, { dryRun: false, charts: false, concurrency: 8 });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    const billed = bill.listCalls() + bill.requests.length - filled;
    console.log(
      `1,000 teams: ${billed} Cost Explorer requests, ${delivery.sent.length} digests, ` +
        `peak RSS ${Math.round(peak / 1e6)} MB (${Math.round(rssBefore / 1e6)} MB before: test runner and DynamoDB), ` +
        `peak heap growth ${Math.round((peakHeap - heapBefore) / 1e6)} MB`,
    );
    expect(billed).toBe(0);
    expect(report.costExplorerRequests).toBe(billed);
    expect(delivery.sent).toHaveLength(TEAMS + 1);
    // The run's own memory, leaving 256 MB of the function's 1,024 MB (serverless.yml) for
    // Node and the SDK (the test process's baseline includes vitest and an in-process
    // DynamoDB, which Lambda does not).
    expect(peak - rssBefore).toBeLessThan(768 * 1024 * 1024);

    // Every team got its own numbers; a team on two Marketplace models the same day has
    // their usage split between them, so the chart names both.
    const first = delivery.sentTo('C00000000')[0]!.reply;
    expect(first.headline).toMatch(/^team-0000 · week of Nov 9: \$[\d,]+/);
    const image = first.blocks.find((b) => b.kind === 'image');
    expect(image?.alt).toContain('team-0000');

    // The overview of 1,000 teams still fits one Slack message.
    const overview = delivery.sentTo('C0FINOPS')[0]!.reply;
    const table = overview.blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.rows.at(-1)?.[0]).toBe('985 more teams');
    for (const m of [first, overview]) {
      const message = renderSlack(m);
      expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      for (const block of message.blocks as { text?: unknown; fields?: unknown }[]) {
        const text = (block.text as { text?: string } | undefined)?.text;
        if (text !== undefined) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
    }
  }, 240_000);
});

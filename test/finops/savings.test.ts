import { afterEach, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { eachDay } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { SavingsData } from '../../lib/commands/savings.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { runIdleScan } from '../../lib/idle/job.js';
import type { IdleData } from '../../lib/idle/scan.js';
import { Dec } from '../../lib/money.js';
import type { ProvisionedThroughput } from '../../lib/ports.js';
import { arnOf, wireHandlers } from '../idle/idle-fixtures.js';
import { costExplorerHandler, type Fact, servicesHandler } from '../spend/bill-fixture.js';
import { awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
import { recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo } from '../support/dynamo.js';
import { cacheMisuseFacts } from './scenarios.js';

const NOW = new Date('2026-11-18T06:00:00Z');
const HOUR = 3_600_000;

/**
 * Team search's Claude Instant provisioned throughput: 2 model units on a 1-month commitment
 * until Dec 10, $39.60 per model-unit hour on the bill, called in 20 of the last 168 hours
 * (10 of them in the last 24).
 */
const UNDER_USED: ProvisionedThroughput = {
  arn: arnOf('u5s3d7r2e9d1'),
  name: 'claude-instant-search',
  modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-instant-v1',
  foundationModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-instant-v1',
  modelUnits: 2,
  status: 'InService',
  commitment: '1-month',
  commitmentExpiresAt: '2026-12-10T08:00:00.000Z',
  createdAt: '2026-11-01T00:00:00.000Z',
  tags: { team: 'search' },
};

function throughputFacts(): Fact[] {
  return eachDay({ start: '2026-10-26', end: '2026-11-18' }).map((day) => ({
    day,
    team: 'search',
    service: 'Amazon Bedrock',
    usageType: 'USE1-ClaudeInstant-ProvisionedThroughput-1Month-ModelUnits',
    quantity: '48',
    amount: '1900.8',
  }));
}

function hourly(from: number, to: number, value: number) {
  const points: { at: Date; value: number }[] = [];
  for (let t = from; t < to; t += HOUR) points.push({ at: new Date(t), value });
  return points;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const facts = [...cacheMisuseFacts(), ...throughputFacts()];
  // Called in 20 of the last 168 hours, 10 of them today: in use today, under-used over the week.
  const calls = [
    ...hourly(NOW.getTime() - 100 * HOUR, NOW.getTime() - 90 * HOUR, 10),
    ...hourly(NOW.getTime() - 10 * HOUR, NOW.getTime(), 10),
  ];
  const usage = new Map([
    ['u5s3d7r2e9d1', { Invocations: calls, InputTokenCount: calls, OutputTokenCount: calls }],
  ]);
  const aws = await startAwsServer({
    ...wireHandlers({ throughputs: [UNDER_USED], usage }),
    GetCostAndUsage: costExplorerHandler(facts, 50),
    GetDimensionValues: servicesHandler(facts),
  });
  const dynamo = await startTestDynamo();
  const restore = useEnv(awsTestEnv(aws.endpoint));
  cleanups.push(
    () => aws.close(),
    () => dynamo.close(),
    restore,
  );
  const store = await dynamo.newStore();
  const delivery = recordingDelivery();
  const deps = testDeps({
    store,
    delivery,
    env: { AWS_ENDPOINT_URL_BEDROCK: aws.endpoint, BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' },
  });
  const run = (text: string) =>
    executeLine(text, { deps, caller: { platform: 'cli', userId: 'cli', isAdmin: true } });
  return { deps, store, delivery, run };
}

describe('savings (Cost Explorer, CloudWatch and Bedrock at the wire)', () => {
  it('lists the money-losing cache and the under-used reservation with their dollars a month', async () => {
    const { run } = await setup();
    const result = await run('savings');
    const data = result.data as SavingsData;
    expect(data.period).toEqual({ start: '2026-11-09', end: '2026-11-16' });
    // 2 model units at $39.60 an hour, called in 20 of 168 hours: one unit fewer from Dec 10
    // saves $39.60 x 730 hours a month.
    expect(data.findings[0]).toMatchObject({
      kind: 'under-used',
      team: 'search',
      model: 'Claude Instant',
      monthlyUsd: 28908,
    });
    expect(data.findings[0]!.action).toContain(
      'when the commitment ends on Dec 10, buy 1 model unit instead of 2',
    );
    // Support's cache last week: 280M tokens written at $3.75 (+$0.75 over input each M),
    // 28M read at $0.30 (-$2.70): $210 - $75.60 = $134.40 lost, x 730 / 168 hours = $584 a month.
    expect(data.findings).toContainEqual({
      kind: 'cache',
      team: 'support',
      model: 'Claude Sonnet 4.5',
      monthlyUsd: 584,
      action: expect.stringMatching(
        /hit rate 9%, break-even 22%\): its writes cost \$210 above plain input and its reads saved \$76, about -\$584 a month\.$/,
      ),
    });
    // Cache economics per team and model: tokens (from list prices) and dollars.
    expect(data.cache).toContainEqual({
      team: 'support',
      model: 'Claude Sonnet 4.5',
      writeTokens: 280_000_000,
      readTokens: 28_000_000,
      writeUsd: 1050,
      readUsd: 8.4,
      writePremiumUsd: 210,
      readSavingUsd: 75.6,
      netUsd: -134.4,
      hitRate: 0.0909,
      breakEvenHitRate: 0.2174,
    });
    expect(data.totalMonthlyUsd).toBe(
      Math.round(data.findings.reduce((s, f) => s + f.monthlyUsd * 100, 0)) / 100,
    );
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toMatch(/^\d+ ways to save about \$[\d,]+ a month\.$/);
    expect(text).toMatch(/support · Claude Sonnet 4\.5 · cache writes exceed what reads save +-\$584\/mo/);

    // The JSON contract: findings [{kind, team?, model?, monthlyUsd, action}].
    for (const f of data.findings) {
      expect(Object.keys(f).every((k) => ['kind', 'team', 'model', 'monthlyUsd', 'action'].includes(k))).toBe(
        true,
      );
    }
    const scoped = (await run('savings team support')).data as SavingsData;
    expect(scoped.findings.every((f) => f.team === 'support')).toBe(true);
    expect(scoped.findings.find((f) => f.kind === 'cache')?.monthlyUsd).toBe(584);
  });

  it('shows the under-used reservation and its resize saving in idle', async () => {
    const { run } = await setup();
    const data = (await run('idle 168')).data as IdleData;
    expect(data.throughputs[0]).toMatchObject({
      name: 'claude-instant-search',
      state: 'under-used',
      activeHours: 20,
      expiresAt: '2026-12-10T08:00:00.000Z',
      savesPerDayUsd: 0,
      resizeSavesPerDayUsd: 950.4,
    });
  });

  it('posts the under-used reservation in the daily idle scan with the savings dollars', async () => {
    const { deps, run } = await setup();
    const report = await runIdleScan(deps, { dryRun: true });
    expect(report.summary).toBe(
      'idle-scan: 0 idle of 1 provisioned throughput, 1 under-used over 7 days, 1 would be posted to slack:C0FINOPS',
    );
    const [message] = report.messages;
    expect(message!.reply.headline).toBe(
      'Provisioned throughput claude-instant-search was called in only 20 of its 168 hours over 7 days: resizing saves about $28,908 a month.',
    );
    const savings = (await run('savings')).data as SavingsData;
    const action = savings.findings.find((f) => f.kind === 'under-used')!.action;
    expect(renderText(message!.reply)).toContain(action);
  });

  it("gives the digest's recommendation the same dollars as savings", async () => {
    const { deps, store, run } = await setup();
    await saveTeam(
      store,
      {
        team: 'support',
        budgetUsd: new Dec(50000),
        thresholds: [50, 80, 100],
        target: { kind: 'slack', channel: 'C0SUPPORT' },
        timeZone: 'UTC',
        owners: [],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'test', now: NOW },
      undefined,
    );
    const report = await runWeeklyDigest(deps, { dryRun: true, charts: false });
    const digest = report.messages.find((m) => m.subject === 'support')!.reply;
    const doLine = digest.blocks.find((b) => b.kind === 'text' && b.text.startsWith('*Do:*'));
    expect(doLine).toBeDefined();
    const text = doLine && 'text' in doLine ? doLine.text.replace(/^\*Do:\* /, '') : '';
    // The digest's one recommendation is one of support's findings, word for word and dollar for dollar.
    const savings = (await run('savings team support')).data as SavingsData;
    const actions = savings.findings.map((f) => f.action);
    expect(actions).toContain(text.charAt(0).toUpperCase() + text.slice(1));
    expect(
      actions.some((a) => /^Stop writing Claude Sonnet 4\.5 prompts .* about -\$584 a month\.$/.test(a)),
    ).toBe(true);
  });
});

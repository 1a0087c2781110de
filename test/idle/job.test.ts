import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { getSnooze, idleKey, STALE_CLAIM_MS, snoozeThroughput } from '../../lib/idle/idle-store.js';
import { runIdleScan } from '../../lib/idle/job.js';
import { snoozeIdleThroughput } from '../../lib/idle/snooze.js';
import { Dec } from '../../lib/money.js';
import type { DynamoStore } from '../../lib/store/dynamo.js';
import { type RecordingDelivery, recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { fakeSources, NOW, sdkError, THROUGHPUTS } from './idle-fixtures.js';

const CHANNEL = 'C0FINOPS';
const ADMIN = { userId: 'U0ADMIN', isAdmin: true, platform: 'slack' as const };

describe('runIdleScan (daily idle-throughput job)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  async function setup(
    options: {
      store?: DynamoStore;
      channel?: string | null;
      sources?: Parameters<typeof fakeSources>[0];
    } = {},
  ) {
    const store = options.store ?? (await dynamo.newStore());
    const delivery = recordingDelivery();
    const deps = testDeps({
      store,
      delivery,
      sources: fakeSources(options.sources),
      env: options.channel === null ? {} : { BEDROCK_COST_FINOPS_CHANNEL: options.channel ?? CHANNEL },
    });
    return { store, delivery, deps };
  }

  it('posts each idle throughput once to the FinOps channel with a snooze button', async () => {
    const { delivery, deps } = await setup();
    const report = await runIdleScan(deps, { dryRun: false });
    expect(report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['nova-lite-test', 'sent'],
      ['llama-ft-support', 'sent'],
    ]);
    expect(delivery.sentTo(CHANNEL)).toHaveLength(2);
    const first = delivery.sent[0]!;
    expect(first.target).toEqual({ kind: 'slack', channel: CHANNEL });
    expect(first.reply.actions).toEqual([
      {
        id: 'idle_snooze',
        label: 'Snooze 7 days',
        value: THROUGHPUTS.idleNoCommit.arn,
        command: 'idle snooze nova-lite-test',
      },
    ]);
    expect(renderText(first.reply)).toContain('Delete it to save $1,452 a day.');
    expect(report.summary).toBe('idle-scan: 2 idle of 5 provisioned throughputs, 2 posted to slack:C0FINOPS');
  });

  it('posts at most once per throughput per day, however many runs', async () => {
    const { store, delivery, deps } = await setup();
    await runIdleScan(deps, { dryRun: false });
    const again = await runIdleScan(deps, { dryRun: false });
    expect(again.messages.map((m) => m.status)).toEqual(['already-sent', 'already-sent']);
    expect(delivery.sent).toHaveLength(2);
    // Two runs at once (a retried Lambda and the schedule): still one message each.
    const second = await setup({ store: await dynamo.newStore() });
    const [a, b] = await Promise.all([
      runIdleScan(second.deps, { dryRun: false }),
      runIdleScan(
        testDeps({
          store: second.store,
          delivery: second.delivery,
          sources: fakeSources(),
          env: { BEDROCK_COST_FINOPS_CHANNEL: CHANNEL },
        }),
        { dryRun: false },
      ),
    ]);
    expect(second.delivery.sent).toHaveLength(2);
    expect([...a.messages, ...b.messages].filter((m) => m.status === 'sent')).toHaveLength(2);
    // The claim is recorded as sent with the Slack timestamp, and expires by TTL.
    const item = await store.db.send(
      new GetCommand({
        TableName: store.table,
        Key: { pk: idleKey(THROUGHPUTS.idleNoCommit.arn), sk: 'DAY#2026-11-18' },
      }),
    );
    expect(item.Item).toMatchObject({ state: 'sent', ts: expect.stringMatching(/^1763445600\./) });
    expect(item.Item?.expiresAt).toBeGreaterThan(NOW.getTime() / 1000);
  });

  it('posts again the next day', async () => {
    const { store, delivery, deps } = await setup();
    await runIdleScan(deps, { dryRun: false });
    const tomorrow = testDeps({
      store,
      delivery,
      sources: fakeSources(),
      now: new Date(NOW.getTime() + 24 * 3_600_000),
      env: { BEDROCK_COST_FINOPS_CHANNEL: CHANNEL },
    });
    const report = await runIdleScan(tomorrow, { dryRun: false });
    const again = report.messages.filter(
      (m) => m.subject === 'nova-lite-test' || m.subject === 'llama-ft-support',
    );
    expect(again.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(
      delivery.sentTo(CHANNEL).filter((m) => m.reply.actions?.[0]?.value === THROUGHPUTS.idleNoCommit.arn),
    ).toHaveLength(2);
  });

  it('never marks an unsent message as sent: a failed delivery is retried by the next run', async () => {
    const { delivery, deps } = await setup();
    (delivery as RecordingDelivery).failFor(CHANNEL, { times: 1, message: 'channel_not_found' });
    const first = await runIdleScan(deps, { dryRun: false });
    expect(first.messages.map((m) => [m.subject, m.status, m.reason])).toEqual([
      ['nova-lite-test', 'failed', 'channel_not_found'],
      ['llama-ft-support', 'sent', undefined],
    ]);
    expect(first.summary).toContain('1 failed');
    const second = await runIdleScan(deps, { dryRun: false });
    expect(second.messages.map((m) => [m.subject, m.status])).toEqual([
      ['nova-lite-test', 'sent'],
      ['llama-ft-support', 'already-sent'],
    ]);
    expect(delivery.sent.map((m) => m.reply.actions?.[0]?.value)).toEqual([
      THROUGHPUTS.idleSixMonth.arn,
      THROUGHPUTS.idleNoCommit.arn,
    ]);
  });

  it('never posts again a message that may have arrived (timeout, 5xx), and counts it', async () => {
    const { delivery, deps } = await setup();
    const counted: string[] = [];
    const withMetrics = {
      ...deps,
      metrics: { count: (name: string, job: string) => counted.push(`${job}:${name}`) },
    };
    (delivery as RecordingDelivery).failFor(CHANNEL, {
      times: 1,
      message: 'slack chat.postMessage: no answer in time',
      maybeDelivered: true,
    });
    const first = await runIdleScan(withMetrics, { dryRun: false });
    expect(first.messages.map((m) => [m.subject, m.status, m.reason])).toEqual([
      [
        'nova-lite-test',
        'failed',
        'slack chat.postMessage: no answer in time; it may have arrived, so it is not posted again',
      ],
      ['llama-ft-support', 'sent', undefined],
    ]);
    const second = await runIdleScan(withMetrics, { dryRun: false });
    expect(second.messages.map((m) => m.status)).toEqual(['already-sent', 'already-sent']);
    expect(delivery.attempts).toHaveLength(2);
    expect(counted).toEqual(['idle-scan:DeliveryUncertain']);
  });

  it('takes over a claim abandoned mid-send by a crashed run, but not a fresh one', async () => {
    const { store, delivery, deps } = await setup();
    const claim = (arn: string, ageMs: number) =>
      store.db.send(
        new PutCommand({
          TableName: store.table,
          Item: {
            pk: idleKey(arn),
            sk: 'DAY#2026-11-18',
            state: 'sending',
            claimedAt: new Date(NOW.getTime() - ageMs).toISOString(),
          },
        }),
      );
    await claim(THROUGHPUTS.idleNoCommit.arn, STALE_CLAIM_MS + 60_000);
    await claim(THROUGHPUTS.idleSixMonth.arn, 60_000);
    const report = await runIdleScan(deps, { dryRun: false });
    expect(report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['nova-lite-test', 'sent'],
      ['llama-ft-support', 'already-sent'],
    ]);
    expect(report.messages[1]?.reason).toBe('another run is sending it');
    expect(delivery.sent).toHaveLength(1);
  });

  it('skips snoozed throughputs until the snooze ends', async () => {
    const { store, delivery, deps } = await setup();
    await snoozeThroughput(
      store,
      THROUGHPUTS.idleNoCommit.arn,
      new Date(NOW.getTime() + 7 * 86_400_000),
      'U0ALICE',
    );
    await snoozeThroughput(store, THROUGHPUTS.idleSixMonth.arn, new Date(NOW.getTime() - 60_000), 'U0BOB');
    const report = await runIdleScan(deps, { dryRun: false });
    expect(report.messages.map((m) => m.subject)).toEqual(['llama-ft-support']);
    expect(report.summary).toContain('1 snoozed');
    expect(delivery.sent).toHaveLength(1);
    const item = await store.db.send(
      new GetCommand({
        TableName: store.table,
        Key: { pk: idleKey(THROUGHPUTS.idleNoCommit.arn), sk: 'SNOOZE' },
      }),
    );
    expect(item.Item).toMatchObject({
      arn: THROUGHPUTS.idleNoCommit.arn,
      by: 'U0ALICE',
      until: '2026-11-25T06:00:00.000Z',
    });
  });

  it('snoozes from the button value for 7 days, and refuses a value that is not a throughput ARN', async () => {
    const { delivery, deps } = await setup();
    const reply = await snoozeIdleThroughput(deps, THROUGHPUTS.idleSixMonth.arn, ADMIN);
    expect(renderText(reply)).toBe(
      'Snoozed: no idle message about provisioned model h7c2z9f4k1d8 until Nov 25 06:00 UTC.',
    );
    const report = await runIdleScan(deps, { dryRun: false });
    expect(report.messages.map((m) => m.subject)).toEqual(['nova-lite-test']);
    expect(delivery.sent).toHaveLength(1);
    await expect(snoozeIdleThroughput(deps, 'arn:aws:iam::123456789012:role/admin', ADMIN)).rejects.toThrow(
      /does not name a provisioned throughput/,
    );
  });

  it("lets only admins and the throughput's team owners snooze, says until when, and keeps every snooze", async () => {
    const { store, deps } = await setup({
      sources: {
        throughputs: [{ ...THROUGHPUTS.idleNoCommit, tags: { team: 'search' } }, THROUGHPUTS.idleSixMonth],
      },
    });
    await saveTeam(
      store,
      {
        team: 'search',
        budgetUsd: new Dec(5000),
        thresholds: [50, 80, 100],
        timeZone: 'UTC',
        owners: ['U0OWNER'],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'cli', now: NOW },
      undefined,
    );
    // The daily scan posts, and records each throughput's team with its post.
    await runIdleScan(deps, { dryRun: false });
    const tagged = THROUGHPUTS.idleNoCommit.arn;
    const someone = { userId: 'U0MALLORY', isAdmin: false, platform: 'slack' as const };
    await expect(snoozeIdleThroughput(deps, tagged, someone)).rejects.toThrow(
      "Only budget admins and the search team's owners can snooze provisioned model x4kq7m2n9p3w.",
    );
    const owner = { userId: 'U0OWNER', isAdmin: false, platform: 'slack' as const };
    const first = await snoozeIdleThroughput(deps, tagged, owner);
    expect(renderText(first)).toBe(
      'Snoozed: no idle message about provisioned model x4kq7m2n9p3w until Nov 25 06:00 UTC.',
    );
    // A renewal (by an admin, a day later) says until when, and what it replaced.
    const later = testDeps({ store, sources: fakeSources(), now: '2026-11-19T06:00:00Z' });
    const renewed = await snoozeIdleThroughput(later, tagged, ADMIN);
    expect(renderText(renewed)).toBe(
      'Snoozed: no idle message about provisioned model x4kq7m2n9p3w until Nov 26 06:00 UTC.\n' +
        'It was snoozed until Nov 25 06:00 UTC by U0OWNER; 2 snoozes so far.',
    );
    expect((await getSnooze(store, tagged))?.history).toEqual([
      { by: 'U0OWNER', at: '2026-11-18T06:00:00.000Z', until: '2026-11-25T06:00:00.000Z' },
      { by: 'U0ADMIN', at: '2026-11-19T06:00:00.000Z', until: '2026-11-26T06:00:00.000Z' },
    ]);
    // Mallory still cannot renew it (nor can anyone keep it quiet forever without the right).
    await expect(snoozeIdleThroughput(later, tagged, someone)).rejects.toThrow(/Only budget admins/);
    // An untagged throughput: admins only.
    await expect(snoozeIdleThroughput(deps, THROUGHPUTS.idleSixMonth.arn, owner)).rejects.toThrow(
      'Only budget admins can snooze provisioned model h7c2z9f4k1d8 (it carries no team tag).',
    );
  });

  it('in a dry run reports what it would send and writes nothing', async () => {
    const { store, delivery, deps } = await setup();
    const report = await runIdleScan(deps, { dryRun: true });
    expect(report.messages.map((m) => [m.subject, m.status, m.target])).toEqual([
      ['nova-lite-test', 'dry-run', 'slack:C0FINOPS'],
      ['llama-ft-support', 'dry-run', 'slack:C0FINOPS'],
    ]);
    expect(report.summary).toBe(
      'idle-scan: 2 idle of 5 provisioned throughputs, 2 would be posted to slack:C0FINOPS',
    );
    expect(delivery.attempts).toHaveLength(0);
    const claim = await store.db.send(
      new GetCommand({
        TableName: store.table,
        Key: { pk: idleKey(THROUGHPUTS.idleNoCommit.arn), sk: 'DAY#2026-11-18' },
      }),
    );
    expect(claim.Item).toBeUndefined();
  });

  it('says the FinOps channel is missing instead of dropping findings silently', async () => {
    const { delivery, deps } = await setup({ channel: null });
    const report = await runIdleScan(deps, { dryRun: false });
    expect(report.messages.map((m) => [m.status, m.reason])).toEqual([
      ['failed', 'BEDROCK_COST_FINOPS_CHANNEL is not set'],
      ['failed', 'BEDROCK_COST_FINOPS_CHANNEL is not set'],
    ]);
    expect(delivery.attempts).toHaveLength(0);
  });

  it('posts nothing and explains why when CloudWatch is throttled or the role lacks permissions', async () => {
    const throttled = await setup({ sources: { metricsError: sdkError('Throttling', 'Rate exceeded') } });
    const report = await runIdleScan(throttled.deps, { dryRun: false });
    expect(report.messages).toEqual([]);
    expect(report.summary).toMatch(/0 idle of 5 .*throttling/);
    const denied = await setup({
      sources: {
        listError: sdkError(
          'AccessDeniedException',
          'not authorized to perform: bedrock:ListProvisionedModelThroughputs',
        ),
      },
    });
    const deniedReport = await runIdleScan(denied.deps, { dryRun: false });
    expect(deniedReport.messages).toEqual([]);
    expect(deniedReport.summary).toMatch(/bedrock:ListProvisionedModelThroughputs.*missing AWS permission/);
  });
});

/**
 * DynamoDB throttling, lost answers and write races. dynalite cannot throttle, so a small
 * proxy in front of it (`dynamo-proxy.ts`) answers `ProvisionedThroughputExceededException`
 * on demand, can apply a write and then answer 500 (the SDK retries a write that already
 * took effect: every conditional write must recognise its own retry), and can hold writes
 * until two of them have arrived (a forced race).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syntheticAwsHandlers } from '../../bench/synthetic-aws.js';
import { acknowledgeAlert, getAlert } from '../../lib/budgets/alert-store.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { getTeam } from '../../lib/budgets/store.js';
import { createReplayGuard, requestKey } from '../../lib/chat/replay.js';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { userMessage } from '../../lib/errors.js';
import { runIdleScan } from '../../lib/idle/job.js';
import type { DynamoStore } from '../../lib/store/dynamo.js';
import { fakeBill } from '../budgets/fake-bill.js';
import { wireHandlers } from '../idle/idle-fixtures.js';
import { listAudit } from '../support/audit.js';
import { type AwsServer, startAwsServer } from '../support/aws-server.js';
import { recordingDelivery, TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { syntheticBudgetAccount } from '../support/synthetic-budgets.js';
import { type DynamoProxy, proxiedStore, startDynamoProxy } from './dynamo-proxy.js';
import { faultDeps, isFriendly } from './helpers.js';

let dynamo: TestDynamo;
let proxy: DynamoProxy;
let store: DynamoStore;
let aws: AwsServer;
const MONDAY_9 = '2026-11-16T09:00:00Z';

beforeAll(async () => {
  dynamo = await startTestDynamo();
  proxy = await startDynamoProxy(dynamo.endpoint);
  aws = await startAwsServer(syntheticAwsHandlers({ teams: 3, now: new Date(MONDAY_9) }));
});
afterAll(async () => {
  await proxy.close();
  await dynamo.close();
  await aws.close();
});
beforeEach(async () => {
  proxy.reset();
  store = proxiedStore(proxy, (await dynamo.newStore()).table, { maxAttempts: 3 });
});

const admin = (deps: Deps) => ({
  deps,
  caller: { platform: 'slack' as const, userId: 'U0ADMIN', isAdmin: true },
});
const hours = (h: number) => new Date(Date.parse(TEST_NOW) + h * 3_600_000);

/** Two teams with budgets of $1,000: search at 85% (50% and 80% due), growth at 20%. */
async function twoTeams(deps: Deps) {
  await executeLine('budget set search 1000 channel C0SEARCH01', admin(deps));
  await executeLine('budget set growth 1000 channel C0GROWTH01', admin(deps));
  const bill = fakeBill();
  bill.spread('search', '2026-11-01', '2026-11-18', 850);
  bill.spread('growth', '2026-11-01', '2026-11-18', 200);
  return bill;
}

describe('DynamoDB throttling', () => {
  it('retries throttled claim writes and posts each alert once', async () => {
    const delivery = recordingDelivery();
    const bill = await twoTeams(testDeps({ store }));
    const deps = testDeps({ store, sources: bill.sources, delivery });
    proxy.throttle('UpdateItem', 2);
    proxy.throttle('Scan', 1);
    const report = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
    expect(report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['search THRESHOLD#50 2026-11', 'sent'],
      ['search THRESHOLD#80 2026-11', 'sent'],
    ]);
    expect(proxy.calls.filter((c) => c.throttled)).toHaveLength(3);
    await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery, now: hours(1) }), {
      dryRun: false,
      nowcast: false,
    });
    expect(delivery.sent).toHaveLength(2);
  });

  // The claim of the 50% alert passes; its "sent" record is then throttled: twice (the SDK's
  // own retries absorb it) or five times (past the client's 3 attempts: recordDelivery's).
  it.each([
    ['a brief throttle', 2],
    ['a throttle longer than the SDK retries', 5],
  ])('records a sent alert through %s, so the next run does not post it again', async (_, times) => {
    const delivery = recordingDelivery();
    const bill = await twoTeams(testDeps({ store }));
    proxy.throttle('UpdateItem', times, { after: 1 });
    await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery }), {
      dryRun: false,
      nowcast: false,
    });
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' })).toMatchObject({
      state: 'sent',
    });
    // An hour later the claim would long have expired had the record been lost.
    await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery, now: hours(1) }), {
      dryRun: false,
      nowcast: false,
    });
    expect(delivery.sent.map((m) => m.target)).toEqual([
      { kind: 'slack', channel: 'C0SEARCH01' },
      { kind: 'slack', channel: 'C0SEARCH01' },
    ]);
  });

  it('when no claim can be written, posts nothing, then sends every alert once when the table recovers', async () => {
    const delivery = recordingDelivery();
    const bill = await twoTeams(testDeps({ store }));
    proxy.throttle('UpdateItem', 1000);
    const first = await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery }), {
      dryRun: false,
      nowcast: false,
    }).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    expect(delivery.sent).toHaveLength(0);
    if (!(first instanceof Error)) expect(first.messages.every((m) => m.status !== 'sent')).toBe(true);
    proxy.reset();
    const second = await runBudgetAlerts(
      testDeps({ store, sources: bill.sources, delivery, now: hours(1) }),
      {
        dryRun: false,
        nowcast: false,
      },
    );
    expect(second.messages.filter((m) => m.status === 'sent').map((m) => m.subject)).toEqual([
      'search THRESHOLD#50 2026-11',
      'search THRESHOLD#80 2026-11',
    ]);
    expect(delivery.sent).toHaveLength(2);
  });

  it('answers spend questions while the cache table is throttled (straight from Cost Explorer)', async () => {
    for (const op of ['GetItem', 'PutItem', 'UpdateItem', 'Query']) proxy.throttle(op, 1000);
    // No SDK retries here: every table call fails at once (the test stays fast).
    const noRetry = proxiedStore(proxy, store.table, { maxAttempts: 1 });
    const result = await executeLine('spend last week', admin(faultDeps({ store: noRetry, aws })));
    expect(renderText(result.reply)).toMatch(/^Bedrock spend last week was \$[\d,.]+/);
    expect(aws.count('GetCostAndUsage')).toBeGreaterThan(0);
  });

  it('a digest run whose claims cannot be written sends nothing; the next run sends each team one', async () => {
    await syntheticBudgetAccount({ teams: 3, now: new Date(MONDAY_9) }).seed(store);
    const delivery = recordingDelivery();
    proxy.throttle('UpdateItem', 1000);
    proxy.throttle('PutItem', 1000);
    const noRetry = proxiedStore(proxy, store.table, { maxAttempts: 1 });
    await runWeeklyDigest(faultDeps({ store: noRetry, aws, delivery, now: MONDAY_9 }), {
      dryRun: false,
      charts: false,
    }).catch(() => undefined);
    expect(delivery.sent).toHaveLength(0);
    proxy.reset();
    for (const hour of ['10', '11'])
      await runWeeklyDigest(faultDeps({ store, aws, delivery, now: `2026-11-16T${hour}:00:00Z` }), {
        dryRun: false,
        charts: false,
      });
    const channels = delivery.sent.map((m) => (m.target.kind === 'slack' ? m.target.channel : ''));
    expect(channels.sort()).toEqual(['C000000000', 'C000000001', 'C000000002']);
  });

  it('answers a budget change during throttling with a clear line and writes nothing', async () => {
    // The change and its audit are one transaction: throttled, neither is written.
    proxy.throttle('TransactWriteItems', 1000);
    const deps = testDeps({ store, env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    const error = await executeLine('budget set search 1000 channel C0SEARCH01', admin(deps)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(isFriendly(userMessage(error))).toBe(true);
    expect(userMessage(error)).toMatch(
      /^The search budget was not changed: .*Nothing was saved, so simply try again/s,
    );
    proxy.reset();
    expect(await getTeam(store, 'search')).toBeUndefined();
    expect(await listAudit(store, 'search')).toEqual([]);
    // Once the table recovers, the same command works.
    await executeLine('budget set search 1000 channel C0SEARCH01', admin(deps));
    expect((await getTeam(store, 'search'))?.budgetUsd.toString()).toBe('1000');
  });
});

describe('a write that took effect but whose answer was lost (the SDK retries it)', () => {
  it("a retried alert claim is still this run's: both alerts post in this run, once", async () => {
    const delivery = recordingDelivery();
    const bill = await twoTeams(testDeps({ store }));
    proxy.loseResponse('UpdateItem', 1, {
      match: (input) => String(input.UpdateExpression).includes(':claimedNew'),
    });
    const report = await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery }), {
      dryRun: false,
      nowcast: false,
    });
    expect(proxy.calls.filter((c) => c.throttled)).toHaveLength(1);
    expect(report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['search THRESHOLD#50 2026-11', 'sent'],
      ['search THRESHOLD#80 2026-11', 'sent'],
    ]);
    await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery, now: hours(1) }), {
      dryRun: false,
      nowcast: false,
    });
    expect(delivery.sent).toHaveLength(2);
  });

  it("a retried digest claim is still this run's: every team gets its digest now, once", async () => {
    await syntheticBudgetAccount({ teams: 3, now: new Date(MONDAY_9) }).seed(store);
    const delivery = recordingDelivery();
    proxy.loseResponse('UpdateItem', 1, {
      match: (input) => String(input.UpdateExpression).includes(':sending'),
    });
    const report = await runWeeklyDigest(faultDeps({ store, aws, delivery, now: MONDAY_9 }), {
      dryRun: false,
      charts: false,
    });
    expect(proxy.calls.filter((c) => c.throttled)).toHaveLength(1);
    expect(report.messages.filter((m) => m.status !== 'sent')).toEqual([]);
    await runWeeklyDigest(faultDeps({ store, aws, delivery, now: '2026-11-16T10:00:00Z' }), {
      dryRun: false,
      charts: false,
    });
    const channels = delivery.sent.map((m) => (m.target.kind === 'slack' ? m.target.channel : ''));
    expect(channels.filter((c) => c !== 'C0FINOPS').sort()).toEqual([
      'C000000000',
      'C000000001',
      'C000000002',
    ]);
  });

  it("a retried idle-finding claim is still this scan's: each finding posts now, once", async () => {
    const idleAws = await startAwsServer(wireHandlers({}));
    try {
      const delivery = recordingDelivery();
      const deps = () =>
        faultDeps({ store, aws: idleAws, delivery, env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' } });
      proxy.loseResponse('PutItem', 1, {
        match: (input) => JSON.stringify(input.Item).includes('"claimId"'),
      });
      const report = await runIdleScan(deps(), { dryRun: false });
      expect(proxy.calls.filter((c) => c.throttled)).toHaveLength(1);
      const findings = report.messages.length;
      expect(findings).toBeGreaterThan(0);
      expect(report.messages.filter((m) => m.status !== 'sent')).toEqual([]);
      const again = await runIdleScan(deps(), { dryRun: false });
      expect(again.messages.every((m) => m.status === 'already-sent')).toBe(true);
      expect(delivery.sent).toHaveLength(findings);
    } finally {
      await idleAws.close();
    }
  });

  it('a retried budget change is not "someone else changed it": saved once, audited once', async () => {
    const deps = testDeps({ store, env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    await executeLine('budget set search 1000 channel C0SEARCH01', admin(deps));
    for (const line of [
      'budget set search 2500 channel C0SEARCH01',
      'budget set legal 700 channel C0LEGAL001',
    ]) {
      proxy.loseResponse('TransactWriteItems', 1);
      const result = await executeLine(line, admin(deps));
      expect(renderText(result.reply)).toMatch(
        /(now has a Bedrock budget of|Bedrock budget is now) \$[\d,]+/,
      );
    }
    expect(proxy.calls.filter((c) => c.throttled)).toHaveLength(2);
    expect((await getTeam(store, 'search'))?.budgetUsd.toString()).toBe('2500');
    expect((await getTeam(store, 'legal'))?.budgetUsd.toString()).toBe('700');
    expect((await listAudit(store, 'search')).map((a) => a.new?.budgetUsd)).toEqual(['2500', '1000']);
    expect(await listAudit(store, 'legal')).toHaveLength(1);
  });

  it('a retried budget delete is done, and audited', async () => {
    const deps = testDeps({ store, env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    await executeLine('budget set search 1000 channel C0SEARCH01', admin(deps));
    proxy.loseResponse('TransactWriteItems', 1);
    const result = await executeLine('budget delete search', admin(deps));
    expect(renderText(result.reply)).not.toMatch(/changed|again/i);
    expect(await getTeam(store, 'search')).toBeUndefined();
    expect((await listAudit(store, 'search')).map((a) => a.action)).toEqual(['delete', 'set']);
  });

  it('a retried replay claim does not turn a genuine Slack request into a "replay"', async () => {
    proxy.loseResponse('PutItem', 1);
    const key = requestKey('v0=genuine-signature');
    // Each guard stands for a fresh Lambda instance (its memory is empty): only the table knows.
    expect(await createReplayGuard(() => store).claim(key, { durable: true })).toBe(true);
    expect(proxy.calls.filter((c) => c.throttled)).toHaveLength(1);
    expect(await createReplayGuard(() => store).claim(key, { durable: true })).toBe(false);
  });

  it('a retried "Acknowledge" click is recorded as this click, not someone earlier', async () => {
    const delivery = recordingDelivery();
    const bill = await twoTeams(testDeps({ store }));
    await runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery }), {
      dryRun: false,
      nowcast: false,
    });
    const value = delivery.sent[0]!.reply.actions![0]!.value;
    proxy.loseResponse('UpdateItem', 1);
    const ack = await acknowledgeAlert(store, value, 'UALICE001', hours(1));
    expect(ack).toMatchObject({ recorded: true, alert: { acknowledgedBy: 'UALICE001' } });
    const later = await acknowledgeAlert(store, value, 'UBOB00001', hours(2));
    expect(later).toMatchObject({ recorded: false, alert: { acknowledgedBy: 'UALICE001' } });
  });
});

describe('conditional-write races', () => {
  it('two admins changing one budget at the same moment: one wins, the other is told to look again', async () => {
    const deps = testDeps({ store, env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    await executeLine('budget set search 1000 channel C0SEARCH01', admin(deps));
    // Both read version 1, then both write: the proxy holds the writes until both arrived.
    proxy.hold('TransactWriteItems', 2);
    const outcomes = await Promise.allSettled([
      executeLine('budget set search 2000', admin(deps)),
      executeLine('budget set search 3000', admin(deps)),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(userMessage(lost[0]!.reason)).toMatch(
      /Someone else changed the search budget at the same moment\. Please look and try again\./,
    );
    const winner = outcomes.findIndex((o) => o.status === 'fulfilled') === 0 ? '2000' : '3000';
    const profile = await getTeam(store, 'search');
    expect(profile?.budgetUsd.toString()).toBe(winner);
    expect(profile?.version).toBe(2);
    // The audit trail has the creation and the winning change, nothing from the loser.
    expect((await listAudit(store, 'search')).length).toBe(2);
  });

  it('two alert runs at once (a Lambda retry overlapping the first) post each alert once', async () => {
    const delivery = recordingDelivery();
    const bill = await twoTeams(testDeps({ store }));
    proxy.hold('UpdateItem', 2);
    const runs = await Promise.all(
      [0, 1].map(() =>
        runBudgetAlerts(testDeps({ store, sources: bill.sources, delivery }), {
          dryRun: false,
          nowcast: false,
        }),
      ),
    );
    expect(delivery.sent).toHaveLength(2);
    const statuses = runs.flatMap((r) => r.messages.map((m) => m.status)).sort();
    expect(statuses).toEqual(['already-sent', 'already-sent', 'sent', 'sent']);
  });
});

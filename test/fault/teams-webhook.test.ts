/**
 * A Teams Workflows webhook answering 413 (the 28 KB message limit): the delivery retries
 * once as plain text; when even that is refused the alert is reported failed and stays
 * due, and it goes out once when the webhook accepts it. Command answers survive too.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { saveTeam } from '../../lib/budgets/store.js';
import { createChatDelivery, postReply } from '../../lib/chat/deliver.js';
import { loadConfig } from '../../lib/config.js';
import { Dec } from '../../lib/money.js';
import { outboundPolicyOf } from '../../lib/reply/outbound.js';
import type { Reply } from '../../lib/reply/reply.js';
import type { Store } from '../../lib/store/store.js';
import { fakeBill } from '../budgets/fake-bill.js';
import { LOCAL_WEBHOOK_ENV, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { startWebhookServer, type WebhookServer } from '../support/slack-server.js';
import { fastChatDelivery } from './helpers.js';

let dynamo: TestDynamo;
let webhook: WebhookServer;
let store: Store;

beforeAll(async () => {
  [dynamo, webhook] = await Promise.all([startTestDynamo(), startWebhookServer()]);
});
afterAll(async () => {
  await Promise.all([dynamo.close(), webhook.close()]);
});
beforeEach(async () => {
  store = await dynamo.newStore();
  webhook.posts.length = 0;
});

const hours = (h: number) => new Date(Date.parse('2026-11-18T06:00:00Z') + h * 3_600_000);
const TOO_LARGE = { status: 413, body: 'Request Entity Too Large' };

/** The search team alerts into a Teams channel through its Workflows webhook; 85% spent. */
async function teamsTeam() {
  await saveTeam(
    store,
    {
      team: 'search',
      budgetUsd: new Dec(1000),
      thresholds: [50, 80, 100],
      target: { kind: 'teams', webhookUrl: webhook.url('search') },
      timeZone: 'UTC',
      owners: [],
      digest: { weekday: 1, hour: 9 },
    },
    { userId: 'U0ADMIN', now: new Date('2026-11-01T00:00:00Z') },
    undefined,
  );
  const bill = fakeBill();
  bill.spread('search', '2026-11-01', '2026-11-18', 850);
  const { delivery } = fastChatDelivery({});
  return (now: Date) => testDeps({ store, sources: bill.sources, delivery, now });
}

const accepted = () => webhook.postsTo('search').filter((p) => !p.failed);

describe('Teams webhook 413', () => {
  it('retries a refused card once as plain text, and the alert arrives once', async () => {
    const at = await teamsTeam();
    webhook.failNext(TOO_LARGE, 1, 'search');
    const report = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(report.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    const [refused, plain] = webhook.postsTo('search');
    expect(refused?.failed).toBe(true);
    expect(plain!.raw.length).toBeLessThan(refused!.raw.length);
    expect(plain!.raw).toContain('search passed 50% of its November Bedrock budget and is now at 85%');
    expect(accepted()).toHaveLength(2);
  });

  it('when even plain text is refused: reported failed with a reason, nothing lost, sent once later', async () => {
    const at = await teamsTeam();
    webhook.failNext(TOO_LARGE, 2, 'search');
    const first = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(first.messages[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/too large/) });
    // The reason holds no webhook URL (it is a secret).
    expect(JSON.stringify(first.messages.map((m) => m.reason))).not.toContain(webhook.base);
    expect(accepted()).toHaveLength(0);
    await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    await runBudgetAlerts(at(hours(2)), { dryRun: false, nowcast: false });
    expect(accepted()).toHaveLength(2);
  });

  it('a card the webhook took but answered 500 slowly is not posted again, in this run or the next', async () => {
    await teamsTeam();
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const delivery = createChatDelivery(loadConfig({ AWS_REGION: 'us-east-1', ...LOCAL_WEBHOOK_ENV }), {
      sleep: async () => {},
    });
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, now });
    webhook.failNext({ status: 500, delayMs: 100 }, 1, 'search');
    const first = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(first.messages[0]?.reason).toMatch(/teams webhook: HTTP 500; it may have arrived/);
    await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    await runBudgetAlerts(at(hours(2)), { dryRun: false, nowcast: false });
    // One request per alert: the slow one (which Teams had) and the 80% one.
    expect(webhook.postsTo('search')).toHaveLength(2);
  });

  it('a command answer refused as too large is posted once as plain text', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => [`team-${i}`, `$${i}.00`, `${i % 100}%`]);
    const big: Reply = {
      headline: 'Bedrock spend last week by team: $79,800',
      blocks: [
        {
          kind: 'table',
          columns: [
            { header: 'Team', align: 'left' },
            { header: 'Spend', align: 'right' },
            { header: 'Share', align: 'right' },
          ],
          rows,
        },
      ],
    };
    webhook.failNext(TOO_LARGE, 1, 'answers');
    await postReply({ kind: 'teams-webhook', url: webhook.url('answers') }, big, {
      sleep: async () => {},
      policy: outboundPolicyOf(loadConfig(LOCAL_WEBHOOK_ENV)),
    });
    const posts = webhook.postsTo('answers');
    expect(posts.map((p) => p.failed)).toEqual([true, false]);
    expect(posts[1]!.raw).toContain('Bedrock spend last week by team: $79,800');
  });
});

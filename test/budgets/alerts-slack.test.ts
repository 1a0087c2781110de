/**
 * End to end: budgets set through the command grammar, alerts posted through the real
 * chat delivery to a local Slack Web API (`SLACK_API_URL`), state in dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlert } from '../../lib/budgets/alert-store.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { DEFAULT_DIGEST, saveTeam } from '../../lib/budgets/store.js';
import { createChatDelivery } from '../../lib/chat/deliver.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { loadConfig } from '../../lib/config.js';
import { usd } from '../../lib/money.js';
import { LOCAL_WEBHOOK_ENV, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type SlackServer, startSlackServer, startWebhookServer } from '../support/slack-server.js';
import { fakeBill } from './fake-bill.js';

let dynamo: TestDynamo;
let slack: SlackServer;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  slack = await startSlackServer({ token: 'xoxb-test' });
});
afterAll(async () => {
  await slack.close();
  await dynamo.close();
});

describe('budget alerts in Slack', () => {
  it('posts 50% and 80% once each with buttons, survives a throttle, and retries a refused post next run', async () => {
    const store = await dynamo.newStore();
    const bill = fakeBill();
    const env = { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: 'xoxb-test', ADMIN_USER_IDS: 'UADMIN001' };
    const delivery = createChatDelivery(
      loadConfig({ ...env, ...LOCAL_WEBHOOK_ENV, AWS_REGION: 'us-east-1' }),
      {
        sleep: async () => {},
      },
    );
    const at = (now: string) => testDeps({ store, sources: bill.sources, delivery, env, now });
    const admin = { platform: 'slack' as const, userId: 'UADMIN001', isAdmin: true };
    await executeLine('budget set growth 1000 channel <#C0GROWTH01|growth-alerts>', {
      deps: at('2026-11-01T00:00:00Z'),
      caller: admin,
    });
    await executeLine('budget set search 1000 channel <#C0SEARCH01|search-alerts>', {
      deps: at('2026-11-01T00:00:00Z'),
      caller: admin,
    });
    bill.spread('search', '2026-11-01', '2026-11-11', 850);
    bill.spread('growth', '2026-11-01', '2026-11-11', 600);

    // growth goes first (teams in order, one at a time): its post is refused; then Slack
    // throttles search's first post once (Retry-After), which is waited out.
    slack.failNext('chat.postMessage', { error: 'not_in_channel' });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const first = await runBudgetAlerts(at('2026-11-18T06:00:00Z'), {
      dryRun: false,
      nowcast: false,
      concurrency: 1,
    });
    expect(first.messages.map((m) => [m.subject, m.status])).toEqual([
      ['growth THRESHOLD#50 2026-11', 'failed'],
      ['search THRESHOLD#50 2026-11', 'sent'],
      ['search THRESHOLD#80 2026-11', 'sent'],
    ]);
    const posted = slack.callsTo('chat.postMessage').filter((c) => !c.failed);
    expect(posted.map((c) => c.args.channel)).toEqual(['C0SEARCH01', 'C0SEARCH01']);
    const message = posted[1]!.args;
    expect(message.text ?? JSON.stringify(message.blocks)).toContain(
      'search has used 85% of its November Bedrock budget',
    );
    const buttons = JSON.stringify(message.blocks);
    expect(buttons).toContain('"action_id":"alert_ack"');
    expect(buttons).toContain('ALERT#search#2026-11|THRESHOLD#80');
    expect(buttons).toContain('"action_id":"show_breakdown"');
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#80' })).toMatchObject({
      state: 'sent',
      messageTs: expect.stringMatching(/^1763445600\./),
    });

    // Next hour: growth is retried and goes out; search says nothing more.
    const second = await runBudgetAlerts(at('2026-11-18T07:00:00Z'), { dryRun: false, nowcast: false });
    expect(second.messages.map((m) => [m.subject, m.status])).toEqual([
      ['growth THRESHOLD#50 2026-11', 'sent'],
    ]);
    expect(
      slack
        .callsTo('chat.postMessage')
        .filter((c) => !c.failed)
        .map((c) => c.args.channel),
    ).toEqual(['C0SEARCH01', 'C0SEARCH01', 'C0GROWTH01']);
    const third = await runBudgetAlerts(at('2026-11-18T08:00:00Z'), { dryRun: false, nowcast: false });
    expect(third.messages).toEqual([]);
  });

  it('posts to a Teams Workflows webhook without the URL appearing in the report or the alert item', async () => {
    const store = await dynamo.newStore();
    const bill = fakeBill();
    const hooks = await startWebhookServer();
    try {
      const webhookUrl = `${hooks.url('legal')}?sig=TOPSECRET`;
      const delivery = createChatDelivery(loadConfig({ AWS_REGION: 'us-east-1', ...LOCAL_WEBHOOK_ENV }), {
        sleep: async () => {},
      });
      // Written through the repository: `budget set` accepts https only, the local server is http.
      await saveTeam(
        store,
        {
          team: 'legal',
          budgetUsd: usd(100),
          thresholds: [50, 80, 100],
          target: { kind: 'teams', webhookUrl },
          timeZone: 'Europe/Berlin',
          owners: [],
          digest: { ...DEFAULT_DIGEST },
        },
        { userId: 'UADMIN001', now: new Date('2026-11-01T00:00:00Z') },
        undefined,
      );
      bill.spread('legal', '2026-11-01', '2026-11-11', 60);
      hooks.failNext({ status: 429, retryAfter: 1 });
      const deps = testDeps({ store, sources: bill.sources, delivery, now: '2026-11-18T06:00:00Z' });
      const report = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
      expect(report.messages.map((m) => [m.target, m.status])).toEqual([
        [`teams:${new URL(hooks.base).host}`, 'sent'],
      ]);
      const delivered = hooks.postsTo('legal').filter((p) => !p.failed);
      expect(delivered).toHaveLength(1);
      expect(JSON.stringify(delivered[0]?.body)).toContain(
        'legal has used 60% of its November Bedrock budget.',
      );
      expect(JSON.stringify(delivered[0]?.body)).toContain('AdaptiveCard');
      const item = await getAlert(store, { team: 'legal', month: '2026-11', sk: 'THRESHOLD#50' });
      expect(JSON.stringify({ report, item })).not.toContain('TOPSECRET');
    } finally {
      await hooks.close();
    }
  });
});

/**
 * Slack throttling (HTTP 429 with `Retry-After`) and outages (5xx) on the real chat
 * delivery, against the local Slack Web API: alerts and digests reach each channel
 * exactly once, a refused post is retried next run, and a command answer still arrives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { postReply } from '../../lib/chat/deliver.js';
import { simpleReply } from '../../lib/chat/reply.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/deps.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import type { Store } from '../../lib/store/store.js';
import { fakeBill } from '../budgets/fake-bill.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';
import { fastChatDelivery } from './helpers.js';

let dynamo: TestDynamo;
let slack: SlackServer;
let store: Store;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startTestDynamo(), startSlackServer({ token: 'xoxb-test' })]);
});
afterAll(async () => {
  await Promise.all([dynamo.close(), slack.close()]);
});
beforeEach(async () => {
  store = await dynamo.newStore();
  slack.calls.length = 0;
});

const env = () => ({ SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: 'xoxb-test', ADMIN_USER_IDS: 'U0ADMIN' });
const hours = (h: number) => new Date(Date.parse('2026-11-18T06:00:00Z') + h * 3_600_000);
const posted = (channel: string) =>
  slack.callsTo('chat.postMessage').filter((c) => !c.failed && c.args.channel === channel);

/** search at 85% of $1,000 (two alerts due), with its alerts going to C0SEARCH01. */
async function searchTeam(at: (now: Date) => Deps) {
  await executeLine('budget set search 1000 channel C0SEARCH01', {
    deps: at(new Date('2026-11-01T00:00:00Z')),
    caller: { platform: 'slack', userId: 'U0ADMIN', isAdmin: true },
  });
}

describe('Slack 429 with Retry-After', () => {
  it('waits as long as Slack asks, then posts each alert once', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const { delivery, waits } = fastChatDelivery(env());
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    await searchTeam(at);
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const report = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(report.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(waits).toEqual([7000]);
    expect(posted('C0SEARCH01')).toHaveLength(2);
  });

  it('gives up on a long Retry-After without posting, keeps the alert due, and posts it once next hour', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const { delivery, waits } = fastChatDelivery(env());
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    await searchTeam(at);
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 600 });
    const first = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(first.messages.map((m) => m.status)).toEqual(['failed', 'failed']);
    expect(first.messages[0]?.reason).toMatch(/throttled.*retried next run/);
    expect(waits).toEqual([]);
    expect(posted('C0SEARCH01')).toHaveLength(0);
    const second = await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    expect(second.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    await runBudgetAlerts(at(hours(2)), { dryRun: false, nowcast: false });
    expect(posted('C0SEARCH01')).toHaveLength(2);
  });
});

describe('Slack 5xx', () => {
  it('retries a 503 and posts once', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const { delivery } = fastChatDelivery(env());
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    await searchTeam(at);
    slack.failNext('chat.postMessage', { status: 503 });
    await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(posted('C0SEARCH01')).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.failed)).toHaveLength(1);
  });

  it('a Slack outage through a whole run loses no alert: the next run posts each once', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const { delivery } = fastChatDelivery(env());
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    await searchTeam(at);
    slack.failNext('chat.postMessage', { status: 500 }, 3);
    const first = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(first.messages.map((m) => m.status)).toEqual(['failed', 'failed']);
    expect(first.messages[0]?.reason).toMatch(/HTTP 500; retried next run/);
    await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    await runBudgetAlerts(at(hours(2)), { dryRun: false, nowcast: false });
    expect(posted('C0SEARCH01')).toHaveLength(2);
  });

  it('a digest channel that fails gets its digest next run; the others get theirs once', async () => {
    const bill = fakeBill();
    for (const team of ['search', 'growth', 'legal']) bill.spread(team, '2026-10-01', '2026-11-16', 500);
    const { delivery } = fastChatDelivery(env());
    const monday = (h: number) => new Date(Date.parse('2026-11-16T09:00:00Z') + h * 3_600_000);
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    for (const team of ['search', 'growth', 'legal'])
      await executeLine(`budget set ${team} 5000 channel C0${team.toUpperCase()}01`, {
        deps: at(new Date('2026-11-01T00:00:00Z')),
        caller: { platform: 'slack', userId: 'U0ADMIN', isAdmin: true },
      });
    slack.failNext('chat.postMessage', { status: 502 }, 3);
    const first = await runWeeklyDigest(at(monday(0)), { dryRun: false, charts: false, concurrency: 1 });
    expect(first.messages.map((m) => m.status).sort()).toEqual(['failed', 'sent', 'sent']);
    const second = await runWeeklyDigest(at(monday(1)), { dryRun: false, charts: false, concurrency: 1 });
    expect(second.messages.filter((m) => m.status === 'sent')).toHaveLength(1);
    await runWeeklyDigest(at(monday(2)), { dryRun: false, charts: false, concurrency: 1 });
    for (const team of ['SEARCH', 'GROWTH', 'LEGAL']) expect(posted(`C0${team}01`)).toHaveLength(1);
  });
});

describe('command answers through the response_url', () => {
  it('waits out a 429 and a 503 on the response_url, answering once', async () => {
    const url = slack.responseUrl();
    const id = url.split('/').pop()!;
    slack.failNext('response', { status: 429, retryAfter: 0 });
    slack.failNext('response', { status: 503 });
    const waits: number[] = [];
    await postReply({ kind: 'slack-response-url', url }, simpleReply('Bedrock spend last week: $1,234'), {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const answers = slack.responsesTo(id).filter((p) => !p.failed);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body.text).toContain('$1,234');
    expect(waits).toHaveLength(2);
  });
});

/**
 * Slack throttling (HTTP 429 with `Retry-After`), outages (refused connections, 5xx) and
 * slow answers on the real chat delivery, against the local Slack Web API: a post is
 * repeated only when it surely did not arrive (429, connection refused), so no channel gets
 * a message twice; a refused post is retried next run; a chart that cannot be uploaded does
 * not make its digest go out again; failures show as EMF metrics.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getAlert } from '../../lib/budgets/alert-store.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { createChatDelivery, postReply } from '../../lib/chat/deliver.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { loadConfig } from '../../lib/config.js';
import type { Deps } from '../../lib/context.js';
import { getDigestRecord } from '../../lib/digest/claim.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { emfDeliveryMetrics } from '../../lib/metrics.js';
import { outboundPolicyOf } from '../../lib/reply/outbound.js';
import { simpleReply } from '../../lib/reply/reply.js';
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

/** A URL on a port nobody listens on: connections are refused (the request never leaves). */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return `http://127.0.0.1:${port}/api`;
}

/** The EMF lines Powertools Metrics wrote to stdout while `run` ran. */
async function emfLinesOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('Slack 5xx and timeouts: never posted twice', () => {
  it('a post answered 500 slowly (after Slack took it) is not repeated, now or in later runs', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const delivery = createChatDelivery(loadConfig({ AWS_REGION: 'us-east-1', ...env() }), {
      sleep: async () => {},
    });
    const metrics = emfDeliveryMetrics({ namespace: 'BedrockCostTest', serviceName: 'bedrock-cost' });
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now, metrics });
    await searchTeam(at);
    // Slack has the post (it is recorded) and answers 500 a while later.
    slack.failNext('chat.postMessage', { status: 500, delayMs: 100 });
    let first: Awaited<ReturnType<typeof runBudgetAlerts>> | undefined;
    const emf = await emfLinesOf(async () => {
      first = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    });
    expect(first?.messages[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/HTTP 500; it may have arrived, so it is not posted again/),
    });
    // The 80% alert waits for the next run (the channel misbehaved); the 50% one is done.
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' })).toMatchObject({
      state: 'sent',
    });
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ DeliveryUncertain: 1, service: 'bedrock-cost', job: 'alerts' });
    expect(emf[0]?._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'BedrockCostTest',
          Dimensions: [['service']],
          Metrics: [{ Name: 'DeliveryUncertain', Unit: 'Count' }],
        },
      ],
    });
    await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    await runBudgetAlerts(at(hours(2)), { dryRun: false, nowcast: false });
    // Exactly one copy of each alert reached Slack: the slow 500 one and the 80% one.
    const calls = slack.callsTo('chat.postMessage');
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => /search (?:passed 50%|has used 85%)/.exec(String(c.args.text))?.[0])).toEqual([
      'search passed 50%',
      'search has used 85%',
    ]);
  });

  it('a 503 is not repeated either: one call, the alert recorded as possibly delivered', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const { delivery } = fastChatDelivery(env());
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    await searchTeam(at);
    slack.failNext('chat.postMessage', { status: 503 });
    const first = await runBudgetAlerts(at(hours(0)), { dryRun: false, nowcast: false });
    expect(first.messages[0]?.reason).toMatch(/HTTP 503; it may have arrived/);
    await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    expect(slack.callsTo('chat.postMessage').filter((c) => c.failed)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('Slack unreachable (connection refused) for a whole run loses no alert: the next run posts each once', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 850);
    const down = fastChatDelivery({ ...env(), SLACK_API_URL: await refusingUrl() });
    const up = fastChatDelivery(env());
    const at = (now: Date, delivery = up.delivery) =>
      testDeps({ store, sources: bill.sources, delivery, env: env(), now });
    await searchTeam(at);
    const first = await runBudgetAlerts(at(hours(0), down.delivery), { dryRun: false, nowcast: false });
    expect(first.messages.map((m) => m.status)).toEqual(['failed', 'failed']);
    expect(first.messages[0]?.reason).toMatch(/connection refused; retried next run/);
    // Refused connections are retried within the run too (they surely did not arrive).
    expect(down.waits).toEqual([500, 1000]);
    await runBudgetAlerts(at(hours(1)), { dryRun: false, nowcast: false });
    await runBudgetAlerts(at(hours(2)), { dryRun: false, nowcast: false });
    expect(posted('C0SEARCH01')).toHaveLength(2);
  });

  it('a digest answered 502 is not posted again; the other channels get theirs once', async () => {
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
    slack.failNext('chat.postMessage', { status: 502 });
    const first = await runWeeklyDigest(at(monday(0)), { dryRun: false, charts: false, concurrency: 1 });
    expect(first.messages.map((m) => m.status).sort()).toEqual(['failed', 'sent', 'sent']);
    const second = await runWeeklyDigest(at(monday(1)), { dryRun: false, charts: false, concurrency: 1 });
    expect(second.messages.map((m) => m.status)).toEqual(['already-sent', 'already-sent', 'already-sent']);
    const channels = slack.callsTo('chat.postMessage').map((c) => c.args.channel);
    expect(channels.sort()).toEqual(['C0GROWTH01', 'C0LEGAL01', 'C0SEARCH01']);
  });
});

describe('a digest whose chart cannot be uploaded', () => {
  it('is posted once across hourly runs, recorded as sent without its chart, and counted', async () => {
    const bill = fakeBill();
    bill.spread('search', '2026-10-01', '2026-11-16', 500);
    const { delivery } = fastChatDelivery(env());
    const monday = (h: number) => new Date(Date.parse('2026-11-16T09:00:00Z') + h * 3_600_000);
    const metrics = emfDeliveryMetrics({ namespace: 'BedrockCostTest' });
    const at = (now: Date) => testDeps({ store, sources: bill.sources, delivery, env: env(), now, metrics });
    await executeLine('budget set search 5000 channel C0SEARCH01', {
      deps: at(new Date('2026-11-01T00:00:00Z')),
      caller: { platform: 'slack', userId: 'U0ADMIN', isAdmin: true },
    });
    // The bot lacks files:write: every upload is refused, in every run.
    slack.failNext('files.getUploadURLExternal', { error: 'missing_scope' }, 10);
    const reports: Awaited<ReturnType<typeof runWeeklyDigest>>[] = [];
    const emf = await emfLinesOf(async () => {
      for (let h = 0; h < 4; h++) reports.push(await runWeeklyDigest(at(monday(h)), { dryRun: false }));
    });
    expect(reports[0]?.messages[0]).toMatchObject({
      status: 'sent',
      reason: expect.stringMatching(
        /sent without its chart \(slack files.getUploadURLExternal: missing_scope\)/,
      ),
    });
    expect(reports.slice(1).map((r) => r.messages.map((m) => m.status))).toEqual([
      ['already-sent'],
      ['already-sent'],
      ['already-sent'],
    ]);
    expect(posted('C0SEARCH01')).toHaveLength(1);
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(await getDigestRecord(store, 'search', '2026-W47')).toMatchObject({
      state: 'sent',
      note: expect.stringMatching(/without its chart/),
    });
    expect(emf.map((e) => e.job)).toEqual(['digest']);
    expect(emf[0]).toMatchObject({ AttachmentFailed: 1 });
  });
});

describe('command answers through the response_url', () => {
  const policy = () => outboundPolicyOf(loadConfig({ SLACK_API_URL: slack.apiUrl }));

  it('waits out a 429 on the response_url, answering once', async () => {
    const url = slack.responseUrl();
    const id = url.split('/').pop()!;
    slack.failNext('response', { status: 429, retryAfter: 0 });
    const waits: number[] = [];
    await postReply({ kind: 'slack-response-url', url }, simpleReply('Bedrock spend last week: $1,234'), {
      sleep: async (ms) => {
        waits.push(ms);
      },
      policy: policy(),
    });
    const answers = slack.responsesTo(id).filter((p) => !p.failed);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body.text).toContain('$1,234');
    expect(waits).toHaveLength(1);
  });

  it('does not repeat an answer the response_url took and answered 500 slowly', async () => {
    const url = slack.responseUrl();
    const id = url.split('/').pop()!;
    slack.failNext('response', { status: 500, delayMs: 100 });
    const error = await postReply({ kind: 'slack-response-url', url }, simpleReply('Bedrock spend: $1,234'), {
      sleep: async () => {},
      policy: policy(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ maybeDelivered: true, message: expect.stringMatching(/HTTP 500/) });
    expect(slack.responsesTo(id)).toHaveLength(1);
  });

  it('does not repeat an answer whose reply never came (timeout), though Slack had it', async () => {
    const url = slack.responseUrl();
    const id = url.split('/').pop()!;
    // The request reaches Slack; the answer is lost on the way back, as when the timeout fires.
    const answerLost: typeof fetch = async (input, init) => {
      await fetch(input, init);
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    const error = await postReply({ kind: 'slack-response-url', url }, simpleReply('Bedrock spend: $1,234'), {
      sleep: async () => {},
      fetch: answerLost,
      policy: policy(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ maybeDelivered: true, message: 'slack response_url: no answer in time' });
    expect(slack.responsesTo(id)).toHaveLength(1);
  });

  it('gives up after its own timeout when the response_url does not answer', async () => {
    const url = slack.responseUrl();
    const id = url.split('/').pop()!;
    // Answers after 2 s; the delivery waits 100 ms (both timers in this process: the shorter fires first).
    slack.failNext('response', { status: 500, delayMs: 2_000 });
    const error = await postReply({ kind: 'slack-response-url', url }, simpleReply('Bedrock spend: $1,234'), {
      sleep: async () => {},
      timeoutMs: 100,
      policy: policy(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ maybeDelivered: true, message: 'slack response_url: no answer in time' });
    // Never repeated (whether or not the one request got there before the timeout).
    expect(slack.responsesTo(id).length).toBeLessThanOrEqual(1);
  });
});

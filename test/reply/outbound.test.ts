/**
 * Outbound requests go only where they should (server-side request forgery): a webhook
 * typed into `budget set` must be https on a Teams Workflows host (or one the operator
 * listed), never an IP, `localhost` or the instance metadata service; a `response_url` must
 * be Slack's; and no redirect is followed, so an allowed host answering
 * `307 -> http://127.0.0.1/...` cannot bounce a message into the bot's own network.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getAlert } from '../../lib/budgets/alert-store.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { getTeam, saveTeam } from '../../lib/budgets/store.js';
import { postReply } from '../../lib/chat/deliver.js';
import { createCommandWorkerHandler, type WorkerJob } from '../../lib/chat/worker.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { loadConfig } from '../../lib/config.js';
import { ParseError } from '../../lib/errors.js';
import { Dec } from '../../lib/money.js';
import { isAllowedResponseUrl, outboundPolicyOf, webhookUrlRefusal } from '../../lib/reply/outbound.js';
import { simpleReply } from '../../lib/reply/reply.js';
import type { Store } from '../../lib/store/store.js';
import { fakeBill } from '../budgets/fake-bill.js';
import { fastChatDelivery } from '../fault/helpers.js';
import { LOCAL_WEBHOOK_ENV, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import {
  type SlackServer,
  startSlackServer,
  startWebhookServer,
  type WebhookServer,
} from '../support/slack-server.js';

let dynamo: TestDynamo;
let slack: SlackServer;
/** An allowed webhook host (listed in `LOCAL_WEBHOOK_ENV`) that misbehaves. */
let webhook: WebhookServer;
/** Something inside the network that must never be reached. */
let internal: WebhookServer;
let store: Store;

beforeAll(async () => {
  [dynamo, slack, webhook, internal] = await Promise.all([
    startTestDynamo(),
    startSlackServer({ token: 'xoxb-test' }),
    startWebhookServer(),
    startWebhookServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([dynamo.close(), slack.close(), webhook.close(), internal.close()]);
});
beforeEach(async () => {
  store = await dynamo.newStore();
  webhook.posts.length = 0;
  internal.posts.length = 0;
  slack.responses.length = 0;
});

const ADMIN = { platform: 'slack' as const, userId: 'UADMIN001', isAdmin: true };
const WORKFLOWS =
  'https://prod-42.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s3cret';

describe('budget set ... webhook URL', () => {
  // The production default: no extra host (LOCAL_WEBHOOK_ENV is left out on purpose).
  const deps = (env: Record<string, string> = {}) =>
    testDeps({ store, env: { BEDROCK_COST_WEBHOOK_HOSTS: '', ...env } });

  it('refuses IP literals, localhost, link-local and private addresses with a friendly error, saving nothing', async () => {
    const refused: [string, RegExp][] = [
      [
        'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
        /may not point at 169\.254\.169\.254/,
      ],
      ['https://[fe80::1]/hook', /link-local/],
      ['https://localhost:8443/hook', /Teams Workflows host .* not this machine/],
      ['https://127.0.0.1/hook', /not an IP address/],
      ['https://10.0.0.1:8443/', /not an IP address/],
      ['https://192.168.1.20/hook', /not an IP address/],
      ['https://attacker.example.com/logic.azure.com', /not attacker\.example\.com/],
      ['https://logic.azure.com.attacker.example/x', /not logic\.azure\.com\.attacker\.example/],
      ['http://prod-1.westeurope.logic.azure.com/workflows/x', /must use https/],
    ];
    for (const [url, message] of refused) {
      const error = await executeLine(`budget set search 5000 webhook ${url}`, {
        deps: deps(),
        caller: ADMIN,
      }).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(ParseError);
      expect((error as Error).message, url).toMatch(message);
      expect((error as Error).message, url).toMatch(/BEDROCK_COST_WEBHOOK_HOSTS|https|link-local/);
      expect((error as Error).message, url).not.toContain('\n');
    }
    expect(await getTeam(store, 'search')).toBeUndefined();
  });

  it('accepts Workflows URLs, and a host the operator listed', async () => {
    await executeLine(`budget set search 5000 webhook ${WORKFLOWS}`, { deps: deps(), caller: ADMIN });
    // Stored as parsed (the default :443 dropped).
    expect((await getTeam(store, 'search'))?.target).toEqual({
      kind: 'teams',
      webhookUrl: new URL(WORKFLOWS).toString(),
    });
    const own = 'https://hooks.internal.example.org/teams/legal';
    await expect(
      executeLine(`budget set legal 100 webhook ${own}`, { deps: deps(), caller: ADMIN }),
    ).rejects.toBeInstanceOf(ParseError);
    await executeLine(`budget set legal 100 webhook ${own}`, {
      deps: deps({ BEDROCK_COST_WEBHOOK_HOSTS: '*.internal.example.org' }),
      caller: ADMIN,
    });
    expect((await getTeam(store, 'legal'))?.target).toEqual({ kind: 'teams', webhookUrl: own });
  });

  it('BEDROCK_COST_WEBHOOK_HOSTS takes host names, not URLs, and names itself when wrong', () => {
    expect(
      loadConfig({ BEDROCK_COST_WEBHOOK_HOSTS: ' Hooks.Example.org, *.corp.example ' })
        .BEDROCK_COST_WEBHOOK_HOSTS,
    ).toEqual(['hooks.example.org', '*.corp.example']);
    expect(loadConfig({}).BEDROCK_COST_WEBHOOK_HOSTS).toEqual([]);
    expect(() => loadConfig({ BEDROCK_COST_WEBHOOK_HOSTS: 'https://hooks.example.org/x' })).toThrow(
      /BEDROCK_COST_WEBHOOK_HOSTS: "https:\/\/hooks.example.org\/x" is not a host name/,
    );
  });

  it('even a listed host may not be the metadata service, and http is only for a listed loopback', () => {
    const policy = { webhookHosts: ['169.254.169.254', '127.0.0.1', 'hooks.example.org'] };
    expect(webhookUrlRefusal('https://169.254.169.254/x', policy)).toMatch(/link-local/);
    expect(webhookUrlRefusal('http://127.0.0.1:8080/webhook/x', policy)).toBeUndefined();
    expect(webhookUrlRefusal('http://hooks.example.org/x', policy)).toMatch(/must use https/);
    expect(webhookUrlRefusal('http://127.0.0.1:8080/x', { webhookHosts: [] })).toMatch(/must use https/);
  });
});

describe('response_url', () => {
  it('is only Slack: hooks.slack.com, or the host of SLACK_API_URL for a local Slack', () => {
    const prod = outboundPolicyOf(loadConfig({}));
    expect(isAllowedResponseUrl('https://hooks.slack.com/commands/T0/1/abc', prod)).toBe(true);
    expect(isAllowedResponseUrl('https://hooks.slack.com.evil.example/commands/T0/1/abc', prod)).toBe(false);
    expect(isAllowedResponseUrl('http://hooks.slack.com/commands/T0/1/abc', prod)).toBe(false);
    expect(isAllowedResponseUrl('https://169.254.169.254/latest/meta-data', prod)).toBe(false);
    expect(isAllowedResponseUrl('https://slack.com/api/chat.postMessage', prod)).toBe(false);
    const local = outboundPolicyOf(loadConfig({ SLACK_API_URL: slack.apiUrl }));
    expect(isAllowedResponseUrl(slack.responseUrl('x'), local)).toBe(true);
    expect(isAllowedResponseUrl(internal.url('x'), local)).toBe(false);
  });

  it('the worker posts nothing to a response_url that is not Slack, and fails the job (failure queue)', async () => {
    const deps = testDeps({ store, env: { SLACK_API_URL: slack.apiUrl } });
    const handler = createCommandWorkerHandler(async () => deps);
    const job: WorkerJob = {
      kind: 'command',
      id: 'forged-1',
      text: 'help',
      caller: { platform: 'slack', userId: 'U0ALICE', isAdmin: false },
      replyTo: { kind: 'slack-response-url', url: internal.url('metadata') },
    };
    await expect(handler(job)).rejects.toThrow(/response_url: not a Slack URL/);
    expect(internal.posts).toHaveLength(0);
  });
});

describe('redirects are never followed', () => {
  it('an alert webhook answering 307 -> http://127.0.0.1 is not followed and not recorded as sent', async () => {
    await saveTeam(
      store,
      {
        team: 'legal',
        budgetUsd: new Dec(100),
        thresholds: [50, 80, 100],
        target: { kind: 'teams', webhookUrl: webhook.url('legal') },
        timeZone: 'UTC',
        owners: [],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'UADMIN001', now: new Date('2026-11-01T00:00:00Z') },
      undefined,
    );
    const bill = fakeBill();
    bill.spread('legal', '2026-11-01', '2026-11-11', 60);
    webhook.failNext({ status: 307, headers: { location: internal.url('admin') } }, 3, 'legal');
    const { delivery } = fastChatDelivery({});
    const deps = testDeps({ store, sources: bill.sources, delivery });
    const report = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
    expect(report.messages).toHaveLength(1);
    expect(report.messages[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/HTTP 307 \(a redirect, not followed\); retried next run/),
    });
    expect(webhook.postsTo('legal')).toHaveLength(1);
    expect(internal.posts).toHaveLength(0);
    expect(await getAlert(store, { team: 'legal', month: '2026-11', sk: 'THRESHOLD#50' })).toMatchObject({
      state: 'failed',
    });
  });

  it('a response_url or Teams answer redirected elsewhere is refused, not followed', async () => {
    slack.failNext('response', { status: 302, headers: { location: internal.url('r') } });
    const url = slack.responseUrl('redirected');
    const policy = outboundPolicyOf(loadConfig({ SLACK_API_URL: slack.apiUrl, ...LOCAL_WEBHOOK_ENV }));
    await expect(
      postReply({ kind: 'slack-response-url', url }, simpleReply('Spend: $12'), { policy }),
    ).rejects.toThrow(/HTTP 302 \(a redirect, not followed\)/);
    webhook.failNext({ status: 308, headers: { location: internal.url('t') } }, 1, 'answers');
    await expect(
      postReply({ kind: 'teams-webhook', url: webhook.url('answers') }, simpleReply('Spend: $12'), {
        policy,
      }),
    ).rejects.toThrow(/HTTP 308/);
    expect(internal.posts).toHaveLength(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { commandText, createTeamsMessagesHandler } from '../../lib/chat/teams-app.js';
import { inProcessWorker, type WorkerJob } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import type { Deps } from '../../lib/deps.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec } from '../../lib/money.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { TEST_EPOCH_SECONDS, teamsMessage, teamsRequest } from '../support/signing.js';
import { startWebhookServer, type WebhookServer } from '../support/slack-server.js';

const SECRET = Buffer.from('teams-outgoing-webhook-secret-0123456789').toString('base64');
const NOW_MS = TEST_EPOCH_SECONDS * 1000;

let dynamo: TestDynamo;
let webhooks: WebhookServer;
let deps: Deps;

beforeAll(async () => {
  [dynamo, webhooks] = await Promise.all([startTestDynamo(), startWebhookServer()]);
  deps = testDeps({
    store: dynamo.store,
    sources: createDemoSources(fixedClock(TEST_NOW)),
    env: { TEAMS_WEBHOOK_SECRET: SECRET, ADMIN_USER_IDS: '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11' },
  });
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), webhooks?.close()]);
});

function handlerFor(options: { jobs?: WorkerJob[]; answerBudgetMs?: number } = {}) {
  const worker = inProcessWorker(async () => deps);
  const handler = createTeamsMessagesHandler(async () => deps, {
    nowMs: () => NOW_MS,
    answerBudgetMs: options.answerBudgetMs,
    invokeWorker: async (job) => {
      options.jobs?.push(job);
      await worker(job);
    },
  });
  return { handler, worker };
}

let ids = 0;
const message = (text: string, extra: Record<string, unknown> = {}) =>
  teamsMessage({ text, id: `17634456000${String(++ids).padStart(2, '0')}`, ...extra });

/** The Adaptive Card in a Teams answer. */
function cardOf(result: { statusCode?: number; body?: string }) {
  const body = JSON.parse(result.body ?? '{}');
  expect(body.type).toBe('message');
  expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  return body.attachments[0].content as { version: string; body: { type: string; text?: string }[] };
}

const allText = (card: { body: { text?: string }[] }) => card.body.map((b) => b.text ?? '').join('\n');

describe('Teams outgoing webhook: authentication', () => {
  it('answers a signed `@bedrock-cost help` with an Adaptive Card', async () => {
    const { handler } = handlerFor();
    const result = await handler(teamsRequest(message('help'), SECRET));
    expect(result.statusCode).toBe(200);
    const card = cardOf(result);
    expect(card.version).toBe('1.5');
    expect(card.body[0]?.text).toMatch(/Bedrock spend/);
    expect(JSON.stringify(card)).toContain('estimate');
  });

  it('refuses a tampered body', async () => {
    const { handler } = handlerFor();
    const event = teamsRequest(message('help'), SECRET);
    event.body = JSON.stringify(message('budget delete search'));
    expect(await handler(event)).toEqual({ statusCode: 401, body: '' });
  });

  it('refuses another secret and a missing Authorization header', async () => {
    const { handler } = handlerFor();
    const other = Buffer.from('someone-else').toString('base64');
    expect((await handler(teamsRequest(message('help'), other))).statusCode).toBe(401);
    const unsigned = teamsRequest(message('help'), SECRET);
    delete unsigned.headers.authorization;
    expect((await handler(unsigned)).statusCode).toBe(401);
  });

  it('refuses an activity more than five minutes old', async () => {
    const { handler } = handlerFor();
    const stale = message('help', {});
    stale.timestamp = new Date(NOW_MS - 6 * 60_000).toISOString();
    expect((await handler(teamsRequest(stale, SECRET))).statusCode).toBe(401);
  });

  it('refuses a replayed request', async () => {
    const { handler } = handlerFor();
    const event = teamsRequest(message('help'), SECRET);
    expect((await handler(structuredClone(event))).statusCode).toBe(200);
    expect(await handler(structuredClone(event))).toEqual({ statusCode: 401, body: '' });
  });

  it('verifies base64-encoded bodies', async () => {
    const { handler } = handlerFor();
    const event = teamsRequest(message('help estimate'), SECRET);
    event.body = Buffer.from(event.body ?? '', 'utf8').toString('base64');
    event.isBase64Encoded = true;
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect(cardOf(result).body[0]?.text).toMatch(/^estimate/);
  });

  it('answers 400 to signed bodies that are not message activities', async () => {
    const { handler } = handlerFor();
    const notJson = await handler(teamsRequest('{"type": "message", ', SECRET));
    const notMessage = await handler(teamsRequest({ type: 'conversationUpdate' }, SECRET));
    expect([notJson.statusCode, notMessage.statusCode]).toEqual([400, 400]);
  });
});

describe('Teams outgoing webhook: answers', () => {
  it('strips the mention and markup before parsing', () => {
    expect(commandText('<at>bedrock-cost</at> spend last week\n')).toBe('spend last week');
    expect(commandText('<at>Bedrock Cost</at>&nbsp;estimate nova-micro 300 in &amp; more')).toBe(
      'estimate nova-micro 300 in & more',
    );
  });

  it('answers an unknown command with the closest commands', async () => {
    const { handler } = handlerFor();
    const card = cardOf(await handler(teamsRequest(message('forcast'), SECRET)));
    expect(allText(card)).toContain('Did you mean: forecast');
  });

  it('answers a slow command inline when it is ready within the time budget', async () => {
    const { handler } = handlerFor();
    const card = cardOf(await handler(teamsRequest(message('why last week'), SECRET)));
    expect(card.body[0]?.text).toMatch(/last week/i);
  });

  it('hands a slow answer to the worker, which posts it to the team Workflows webhook', async () => {
    const url = webhooks.url('search');
    await saveTeam(
      dynamo.store,
      {
        team: 'search',
        budgetUsd: new Dec(5000),
        thresholds: [50, 80, 100],
        target: { kind: 'teams', webhookUrl: url },
        timeZone: 'UTC',
        owners: [],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'cli', now: new Date(TEST_NOW) },
      undefined,
    );
    const jobs: WorkerJob[] = [];
    const { handler, worker } = handlerFor({ jobs, answerBudgetMs: 0 });
    const card = cardOf(await handler(teamsRequest(message('spend last week team search'), SECRET)));
    expect(card.body[0]?.text).toMatch(/^Working on "spend last week team search"/);
    expect(jobs[0]).toMatchObject({
      text: 'spend last week team search',
      caller: { platform: 'teams', userId: '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11', isAdmin: true },
      replyTo: { kind: 'teams-webhook', url },
    });
    await worker.pending();
    const posts = webhooks.postsTo('search');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.type).toBe('message');
    expect(posts[0]?.body.attachments[0].content.version).toBe('1.5');
  });

  it('without a team webhook, says to ask again and warms the answer in the worker', async () => {
    const jobs: WorkerJob[] = [];
    const { handler, worker } = handlerFor({ jobs, answerBudgetMs: 0 });
    const card = cardOf(await handler(teamsRequest(message('spend last month'), SECRET)));
    expect(allText(card)).toMatch(/ask again in a minute/);
    expect(jobs[0]?.replyTo).toEqual({ kind: 'none' });
    await worker.pending();
  });
});

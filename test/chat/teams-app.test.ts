import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getTeam, saveTeam } from '../../lib/budgets/store.js';
import { commandText, createTeamsMessagesHandler } from '../../lib/chat/teams-app.js';
import { inProcessWorker, type WorkerJob } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import { estimateCommand } from '../../lib/commands/estimate.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec } from '../../lib/money.js';
import { saveConversation } from '../../lib/reply/teams-conversations.js';
import { type BotFramework, startBotFramework } from '../support/botframework-server.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { TEST_EPOCH_SECONDS, teamsMessage, teamsRequest } from '../support/signing.js';
import { startWebhookServer, type WebhookServer } from '../support/slack-server.js';

const SECRET = Buffer.from('teams-outgoing-webhook-secret-0123456789').toString('base64');
/** The default channel of `teamsMessage`, and another team's channel. */
const FINOPS_CHANNEL = '19:finops0000000000000000000000000@thread.tacv2';
const SEARCH_CHANNEL = '19:search0000000000000000000000000@thread.tacv2';
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

function handlerFor(options: { jobs?: WorkerJob[]; answerBudgetMs?: number; deps?: Deps } = {}) {
  const use = options.deps ?? deps;
  const worker = inProcessWorker(async () => use);
  const handler = createTeamsMessagesHandler(async () => use, {
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

  it('refuses an activity without a timestamp (nothing would bound its replay)', async () => {
    const { handler } = handlerFor();
    const undated = message('budget delete search');
    delete undated.timestamp;
    expect(await handler(teamsRequest(undated, SECRET))).toEqual({ statusCode: 401, body: '' });
    const unreadable = message('help', { timestamp: 'yesterday' });
    unreadable.timestamp = 'yesterday';
    expect((await handler(teamsRequest(unreadable, SECRET))).statusCode).toBe(401);
  });

  it('refuses the replay of an undated activity 11 minutes later, when the guard has forgotten it', async () => {
    // A fresh handler per call stands for a replay arriving after the 10-minute claim expired.
    let now = NOW_MS;
    const handler = () =>
      createTeamsMessagesHandler(async () => deps, { nowMs: () => now, invokeWorker: async () => {} });
    const undated = message('budget set search 1 channel C0SEARCH01');
    delete undated.timestamp;
    const event = teamsRequest(undated, SECRET);
    expect(await handler()(structuredClone(event))).toEqual({ statusCode: 401, body: '' });
    now = NOW_MS + 11 * 60_000;
    expect(await handler()(structuredClone(event))).toEqual({ statusCode: 401, body: '' });
    expect(await getTeam(dynamo.store, 'search')).toBeUndefined();
  });

  it('refuses a signed activity from another tenant when TEAMS_TENANT_ID is set, as the bot does', async () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const single = testDeps({
      store: dynamo.store,
      sources: createDemoSources(fixedClock(TEST_NOW)),
      env: { TEAMS_WEBHOOK_SECRET: SECRET, TEAMS_TENANT_ID: tenant },
    });
    const { handler } = handlerFor({ deps: single });
    const other = message('budget set search 1 channel C0SEARCH01', {
      tenantId: '00000000-0000-4000-8000-000000000000',
    });
    expect(await handler(teamsRequest(other, SECRET))).toEqual({ statusCode: 401, body: '' });
    expect(await getTeam(dynamo.store, 'search')).toBeUndefined();
    expect((await handler(teamsRequest(message('help', { tenantId: tenant }), SECRET))).statusCode).toBe(200);
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

  it('answers 413 to a body over 256 KiB, signed and base64 or not, before loading, parsing or verifying anything', async () => {
    let loads = 0;
    const jobs: WorkerJob[] = [];
    const handler = createTeamsMessagesHandler(
      async () => {
        loads++;
        return deps;
      },
      { nowMs: () => NOW_MS, invokeWorker: async (job) => void jobs.push(job) },
    );
    const big = teamsRequest(message(`budget delete search ${'x'.repeat(300 * 1024)}`), SECRET);
    expect(await handler(structuredClone(big))).toEqual({ statusCode: 413, body: '' });
    const encoded = {
      ...big,
      body: Buffer.from(big.body ?? '', 'utf8').toString('base64'),
      isBase64Encoded: true,
    };
    expect(await handler(encoded)).toEqual({ statusCode: 413, body: '' });
    expect([loads, jobs.length]).toEqual([0, 0]);
    // A long activity within the limit is read, checked and answered as ever.
    const long = await handler(teamsRequest(message(`estimate ${'x'.repeat(100 * 1024)}`), SECRET));
    expect(allText(cardOf(long))).toMatch(/at most 500/);
    expect(loads).toBe(1);
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
    expect(commandText('<at>bedrock-cost</at> <p>spend <b>last</b> week</p>')).toBe('spend last week');
    expect(commandText('spend <> week a<b')).toBe('spend <> week a<b');
    expect(commandText('<at>Bedrock Cost</at>&nbsp;estimate nova-micro 300 in &amp; more')).toBe(
      'estimate nova-micro 300 in & more',
    );
  });

  it('strips markup in linear time: 100 KB of `<` (no tag in it) stays as typed', async () => {
    // `/<[^>]+>/g` took seconds here (each `<` scanned to the end): the text is unchanged.
    expect(commandText('<'.repeat(100_000))).toBe('<'.repeat(100_000));
    expect(commandText(`${'<'.repeat(100_000)}>help`)).toBe('help');
    // 1 MB: a quadratic stripper would run for hours here (this test would time out).
    expect(commandText(`${'<'.repeat(1_000_000)}a`)).toHaveLength(1_000_001);
    expect(commandText('<at>'.repeat(25_000))).toBe('<at>'.repeat(25_000).replace(/<at>/g, ' ').trim());
    // Through the door: 40,000 `<` (a 200 KB activity, as its HTML copy has each as `&lt;`);
    // 100,000 make a 500 KB activity, refused for its size before anything reads it.
    const { handler } = handlerFor();
    const result = await handler(teamsRequest(message('<'.repeat(40_000)), SECRET));
    expect(result.statusCode).toBe(200);
    expect((await handler(teamsRequest(message('<'.repeat(100_000)), SECRET))).statusCode).toBe(413);
  });

  it('answers an unknown command with the closest commands', async () => {
    const { handler } = handlerFor();
    const card = cardOf(await handler(teamsRequest(message('forcast'), SECRET)));
    expect(allText(card)).toContain('Did you mean: forecast');
  });

  it('reads a command line once: the words it parsed are the ones it answers', async () => {
    const { handler } = handlerFor();
    const parse = vi.spyOn(estimateCommand, 'parse');
    try {
      const card = cardOf(
        await handler(teamsRequest(message('estimate sonnet 4.5 2000 in 500 out 10k/day'), SECRET)),
      );
      expect(card.body[0]?.text).toMatch(/a month/);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
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
        target: { kind: 'teams', webhookUrl: url, channelId: FINOPS_CHANNEL },
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

  it("answers about `team search` asked in another channel where asked, never in search's channel", async () => {
    // `budget set ... webhook` typed in search's own Teams channel records that channel.
    const setIn = (channel: string, text: string) =>
      handlerFor().handler(teamsRequest(message(text, { conversationId: `${channel};messageid=1` }), SECRET));
    const workflow =
      'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x';
    const set = await setIn(SEARCH_CHANNEL, `budget set search-2 5000 webhook ${workflow}`);
    expect(allText(cardOf(set))).toMatch(/search-2 now has a Bedrock budget/);
    expect((await getTeam(dynamo.store, 'search-2'))?.target).toEqual({
      kind: 'teams',
      webhookUrl: workflow,
      channelId: SEARCH_CHANNEL,
    });
    // The same, with a webhook this test can receive (https is for real Workflows URLs).
    const url = webhooks.url('search-2');
    const profile = (await getTeam(dynamo.store, 'search-2'))!;
    await saveTeam(
      dynamo.store,
      { ...profile, target: { kind: 'teams', webhookUrl: url, channelId: SEARCH_CHANNEL } },
      { userId: 'cli', now: new Date(TEST_NOW) },
      profile,
    );
    const jobs: WorkerJob[] = [];
    const { handler, worker } = handlerFor({ jobs, answerBudgetMs: 0 });
    const elsewhere = await handler(
      teamsRequest(
        message('spend last week team search-2', { conversationId: `${FINOPS_CHANNEL};messageid=2` }),
        SECRET,
      ),
    );
    expect(allText(cardOf(elsewhere))).toMatch(/ask again in a minute/);
    expect(jobs.at(-1)?.replyTo).toEqual({ kind: 'none' });
    const there = await handler(
      teamsRequest(
        message('spend last week team search-2', { conversationId: `${SEARCH_CHANNEL};messageid=3` }),
        SECRET,
      ),
    );
    expect(cardOf(there).body[0]?.text).toMatch(/^Working on/);
    expect(jobs.at(-1)?.replyTo).toEqual({ kind: 'teams-webhook', url });
    await worker.pending();
    // Only the question asked in search's channel was posted there.
    expect(webhooks.postsTo('search-2')).toHaveLength(1);
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

describe('Teams outgoing webhook: slow answers through the Teams bot', () => {
  let bf: BotFramework;
  let botDeps: Deps;
  beforeAll(async () => {
    bf = await startBotFramework();
    botDeps = testDeps({
      store: await dynamo.newStore(),
      sources: createDemoSources(fixedClock(TEST_NOW)),
      env: {
        ...bf.env,
        TEAMS_WEBHOOK_SECRET: SECRET,
        ADMIN_USER_IDS: '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11',
      },
    });
  });
  afterAll(async () => {
    await bf?.close();
  });

  it("posts the answer for a team routed to the bot into the bot's conversation in that channel", async () => {
    await saveTeam(
      botDeps.store,
      {
        team: 'search',
        budgetUsd: new Dec(5000),
        thresholds: [50, 80, 100],
        target: { kind: 'teams-bot', conversationId: SEARCH_CHANNEL, serviceUrl: bf.serviceUrl },
        timeZone: 'UTC',
        owners: [],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'cli', now: new Date(TEST_NOW) },
      undefined,
    );
    const jobs: WorkerJob[] = [];
    const { handler, worker } = handlerFor({ jobs, answerBudgetMs: 0, deps: botDeps });
    const ask = (channel: string, n: number) =>
      handler(
        teamsRequest(
          message('spend last week team search', { conversationId: `${channel};messageid=${n}` }),
          SECRET,
        ),
      );
    // Asked in another channel, where the bot is not: not posted into search's channel.
    expect(allText(cardOf(await ask(FINOPS_CHANNEL, 1)))).toMatch(/ask again in a minute/);
    expect(jobs.at(-1)?.replyTo).toEqual({ kind: 'none' });
    // Asked in search's channel: acknowledged, and the answer arrives there through the Bot Connector.
    expect(cardOf(await ask(SEARCH_CHANNEL, 2)).body[0]?.text).toMatch(
      /^Working on "spend last week team search"… the answer will be posted in this channel/,
    );
    expect(jobs.at(-1)?.replyTo).toEqual({
      kind: 'teams-bot',
      serviceUrl: bf.serviceUrl,
      conversationId: SEARCH_CHANNEL,
    });
    await worker.pending();
    expect(bf.posts).toHaveLength(1);
    expect(bf.posts[0]?.conversationId).toBe(SEARCH_CHANNEL);
    const card = bf.posts[0]?.activity.attachments?.[0]?.content as {
      version: string;
      body: { text?: string }[];
    };
    expect(card.version).toBe('1.5');
    expect(card.body[0]?.text).toMatch(/search/i);
  });

  it('posts a slow answer into a channel the bot was added to, without a team named', async () => {
    const channel = '19:platform000000000000000000000000@thread.tacv2';
    await saveConversation(botDeps.store, {
      conversationId: channel,
      serviceUrl: bf.serviceUrl,
      conversationType: 'channel',
      updatedAt: TEST_NOW,
    });
    const before = bf.posts.length;
    const jobs: WorkerJob[] = [];
    const { handler, worker } = handlerFor({ jobs, answerBudgetMs: 0, deps: botDeps });
    const result = await handler(
      teamsRequest(message('spend last month', { conversationId: `${channel};messageid=7` }), SECRET),
    );
    expect(cardOf(result).body[0]?.text).toMatch(/^Working on "spend last month"/);
    await worker.pending();
    expect(bf.posts.slice(before).map((p) => p.conversationId)).toEqual([channel]);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getAlert } from '../../lib/budgets/alert-store.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { getTeam } from '../../lib/budgets/store.js';
import { createChatDelivery } from '../../lib/chat/deliver.js';
import { botCommandText, createTeamsBotHandler } from '../../lib/chat/teams-bot/app.js';
import { clearBotKeyCache } from '../../lib/chat/teams-bot/auth.js';
import { clearConnectorTokens, isAllowedServiceUrl } from '../../lib/chat/teams-bot/connector.js';
import { inProcessWorker, type WorkerJob } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import { estimateCommand } from '../../lib/commands/estimate.js';
import type { Deps } from '../../lib/context.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { runIdleScan } from '../../lib/idle/job.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import type { DataSources } from '../../lib/ports.js';
import type { Delivery } from '../../lib/reply/delivery.js';
import { getConversation } from '../../lib/reply/teams-conversations.js';
import type { Store } from '../../lib/store/store.js';
import { fakeBill } from '../budgets/fake-bill.js';
import {
  type BotFramework,
  botRequest,
  startBotFramework,
  TEST_CHANNEL,
  TEST_TEAM,
  TEST_TENANT,
} from '../support/botframework-server.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { TEST_EPOCH_SECONDS } from '../support/signing.js';

const ADMIN = '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11';
const NOW_MS = TEST_EPOCH_SECONDS * 1000;

let dynamo: TestDynamo;
let bf: BotFramework;

beforeAll(async () => {
  [dynamo, bf] = await Promise.all([startTestDynamo(), startBotFramework()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), bf?.close()]);
});
beforeEach(() => {
  bf.posts.length = 0;
  clearConnectorTokens();
});

/** Deps on a fresh table, the demo account (or a given bill), and real delivery to the local Bot Connector. */
async function setup(options: { sources?: DataSources; now?: string; env?: Record<string, string> } = {}) {
  const store: Store = await dynamo.newStore();
  const env = { ...bf.env, ADMIN_USER_IDS: ADMIN, ...options.env };
  let deps: Deps;
  const delivery: Delivery = { send: (target, reply) => createChatDelivery(deps.config).send(target, reply) };
  deps = testDeps({
    store,
    sources: options.sources ?? createDemoSources(fixedClock(TEST_NOW)),
    env,
    delivery,
    ...(options.now ? { now: options.now } : {}),
  });
  const jobs: WorkerJob[] = [];
  const worker = inProcessWorker(async () => deps);
  const handler = createTeamsBotHandler(async () => deps, {
    nowMs: () => NOW_MS,
    invokeWorker: async (job) => {
      jobs.push(job);
      await worker(job);
    },
  });
  return { deps, store, handler, jobs, worker };
}

type Card = { version: string; body: { type: string; text?: string }[]; actions?: Record<string, unknown>[] };
const cardOf = (i: number): Card => bf.posts[i]?.activity.attachments?.[0]?.content as Card;

describe('Teams bot: authentication', () => {
  it('answers a signed `@bedrock-cost help` in the channel thread, through the Bot Connector', async () => {
    const { handler } = await setup();
    const activity = bf.channelMessage('help');
    const result = await handler(botRequest(activity, await bf.sign()));
    expect(result.statusCode).toBe(200);
    expect(bf.posts).toHaveLength(1);
    expect(bf.posts[0]).toMatchObject({ conversationId: activity.conversation.id, replyToId: activity.id });
    expect(cardOf(0).version).toBe('1.5');
    expect(JSON.stringify(cardOf(0))).toContain('estimate');
  });

  it('refuses forged, expired, wrong-audience, wrong-issuer and missing tokens with 401, doing nothing', async () => {
    const { handler, store, jobs } = await setup();
    const tokens = {
      forged: await bf.sign({ forged: true }),
      expired: await bf.sign({ issuedAt: TEST_EPOCH_SECONDS - 7200, expiresIn: 3600 }),
      audience: await bf.sign({ claims: { aud: 'another-bot-app-id' } }),
      issuer: await bf.sign({ claims: { iss: 'https://sts.windows.net/attacker/' } }),
      notYet: await bf.sign({ issuedAt: TEST_EPOCH_SECONDS + 3600 }),
      garbage: 'not.a.jwt',
      none: undefined,
    };
    const statuses: Record<string, number | undefined> = {};
    for (const [name, token] of Object.entries(tokens)) {
      const activity = bf.channelMessage('budget set forged 100 teams 19:elsewhere@thread.tacv2', {
        conversationId: `19:forged-${name}@thread.tacv2`,
      });
      statuses[name] = (await handler(botRequest(activity, token))).statusCode;
      expect(await getConversation(store, `19:forged-${name}@thread.tacv2`), name).toBeUndefined();
    }
    expect(statuses).toEqual({
      forged: 401,
      expired: 401,
      audience: 401,
      issuer: 401,
      notYet: 401,
      garbage: 401,
      none: 401,
    });
    expect(await getTeam(store, 'forged')).toBeUndefined();
    expect(bf.posts).toEqual([]);
    expect(jobs).toEqual([]);
  });

  it('accepts a token within the 5-minute clock skew', async () => {
    const { handler } = await setup();
    const lateButFine = await bf.sign({ issuedAt: TEST_EPOCH_SECONDS - 3600 - 120, expiresIn: 3600 });
    expect((await handler(botRequest(bf.channelMessage('help'), lateButFine))).statusCode).toBe(200);
    expect(bf.posts).toHaveLength(1);
  });

  it('refuses an activity whose serviceUrl is not the one the token vouches for (no request goes there)', async () => {
    const { handler } = await setup();
    const activity = { ...bf.channelMessage('help'), serviceUrl: 'https://attacker.example.com/' };
    expect((await handler(botRequest(activity, await bf.sign()))).statusCode).toBe(401);
    // A token for the attacker's URL is not one the Bot Framework would sign; even so the
    // connector refuses hosts that are not Bot Connector hosts.
    expect(isAllowedServiceUrl('https://attacker.example.com/')).toBe(false);
    expect(isAllowedServiceUrl('https://smba.trafficmanager.net/emea/')).toBe(true);
    expect(isAllowedServiceUrl('https://europe.webchat.botframework.com/')).toBe(true);
    expect(isAllowedServiceUrl('http://smba.trafficmanager.net/emea/')).toBe(false);
    expect(isAllowedServiceUrl('https://smba.trafficmanager.net.attacker.com/')).toBe(false);
    expect(isAllowedServiceUrl('https://user:pw@smba.trafficmanager.net/')).toBe(false);
    expect(bf.posts).toEqual([]);
  });

  it('refuses a replayed activity', async () => {
    const { handler } = await setup();
    const event = botRequest(bf.channelMessage('budget set replayed 100'), await bf.sign());
    expect((await handler(structuredClone(event))).statusCode).toBe(200);
    expect((await handler(structuredClone(event))).statusCode).toBe(401);
    expect(bf.posts).toHaveLength(1);
  });

  it('refuses an activity from another tenant when the app is single-tenant', async () => {
    const { deps, handler } = await setup();
    deps.config.TEAMS_TENANT_ID = TEST_TENANT;
    try {
      const other = bf.channelMessage('help', { tenantId: '00000000-0000-4000-8000-000000000000' });
      expect((await handler(botRequest(other, await bf.sign()))).statusCode).toBe(401);
      expect((await handler(botRequest(bf.channelMessage('help'), await bf.sign()))).statusCode).toBe(200);
    } finally {
      delete deps.config.TEAMS_TENANT_ID;
    }
  });

  it('reads the OpenID metadata and keys once, and gets one connector token for many replies', async () => {
    clearBotKeyCache();
    const before = { ...bf.counts };
    const { handler } = await setup();
    for (let i = 0; i < 3; i++) await handler(botRequest(bf.channelMessage('help'), await bf.sign()));
    expect(bf.counts.openid - before.openid).toBe(1);
    expect(bf.counts.keys - before.keys).toBe(1);
    expect(bf.counts.token - before.token).toBe(1);
    expect(bf.posts).toHaveLength(3);
  });

  it('gets its connector token while checking the caller’s, but a flood of forged requests gets one at most', async () => {
    const { handler } = await setup();
    const before = bf.counts.token;
    for (let i = 0; i < 5; i++) {
      const activity = bf.channelMessage('help', { conversationId: `19:flood-${i}@thread.tacv2` });
      expect((await handler(botRequest(activity, await bf.sign({ forged: true })))).statusCode).toBe(401);
    }
    expect(bf.counts.token - before).toBeLessThanOrEqual(1);
    expect(bf.posts).toEqual([]);
    // The genuine request that follows is answered with that token.
    expect((await handler(botRequest(bf.channelMessage('help'), await bf.sign()))).statusCode).toBe(200);
    expect(bf.counts.token - before).toBe(1);
    expect(bf.posts).toHaveLength(1);
  });

  it('answers 413 to a body over 256 KiB before loading the secrets, reading its JSON or checking its token', async () => {
    const { deps } = await setup();
    clearBotKeyCache();
    let loads = 0;
    const jobs: WorkerJob[] = [];
    const handler = createTeamsBotHandler(
      async () => {
        loads++;
        return deps;
      },
      { nowMs: () => NOW_MS, invokeWorker: async (job) => void jobs.push(job) },
    );
    const before = { ...bf.counts };
    const big = bf.channelMessage(`budget delete search ${'x'.repeat(300 * 1024)}`);
    expect(await handler(botRequest(big, await bf.sign()))).toEqual({ statusCode: 413, body: '' });
    expect({ loads, jobs: jobs.length, counts: bf.counts, posts: bf.posts.length }).toEqual({
      loads: 0,
      jobs: 0,
      counts: before,
      posts: 0,
    });
    // A long activity within the limit is verified and answered as ever.
    const long = bf.channelMessage(`estimate ${'x'.repeat(200 * 1024)}`);
    expect((await handler(botRequest(long, await bf.sign()))).statusCode).toBe(200);
    expect(bf.texts().join('\n')).toMatch(/at most 500/);
  });

  it('answers 400 to a verified body that is not an activity', async () => {
    const { handler } = await setup();
    const result = await handler(botRequest({ serviceUrl: bf.serviceUrl, type: 'message' }, await bf.sign()));
    expect(result.statusCode).toBe(400);
  });
});

describe('Teams bot: commands', () => {
  it('strips its own mention and markup', () => {
    const recipient = { id: '28:bot' };
    const mention = { type: 'mention', mentioned: { id: '28:bot' }, text: '<at>bedrock-cost</at>' };
    expect(
      botCommandText({ text: '<at>bedrock-cost</at> why last week\n', entities: [mention], recipient }),
    ).toBe('why last week');
    expect(botCommandText({ text: '<at>Bedrock Cost</at>&nbsp;estimate nova-micro 300 in &amp; more' })).toBe(
      'estimate nova-micro 300 in & more',
    );
    expect(botCommandText({ text: 'spend mtd' })).toBe('spend mtd');
  });

  it('acknowledges `@bedrock-cost why last week` at once and answers in the same conversation later', async () => {
    const { handler, jobs, worker } = await setup();
    const activity = bf.channelMessage('why last week');
    expect((await handler(botRequest(activity, await bf.sign()))).statusCode).toBe(200);
    // Before the worker has run: the acknowledgement (typing, then "Working on it").
    expect(bf.posts.map((p) => p.activity.type)).toEqual(['typing', 'message']);
    expect(bf.posts[1]?.activity.text).toMatch(/^Working on "why last week"/);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      text: 'why last week',
      caller: { platform: 'teams', userId: ADMIN, isAdmin: true, channelId: TEST_CHANNEL },
      replyTo: {
        kind: 'teams-bot',
        serviceUrl: bf.serviceUrl,
        conversationId: activity.conversation.id,
        replyToId: activity.id,
      },
    });
    await worker.pending();
    expect(bf.posts).toHaveLength(3);
    const answer = bf.posts[2]!;
    expect(answer).toMatchObject({ conversationId: activity.conversation.id, replyToId: activity.id });
    const card = cardOf(2);
    expect(card.body[0]?.text).toMatch(/last week/);
    expect(card.body[0]?.text).toMatch(/\$[\d,]+/);
    // The answer's buttons are real buttons here (not commands to type).
    expect(JSON.stringify(card.actions ?? [])).toContain('Action.Execute');
  });

  it('answers in a personal chat without a mention, and in a group chat', async () => {
    const { handler, worker } = await setup();
    const personal = bf.channelMessage('estimate sonnet 4.5 2000 in 500 out 10k/day', {
      conversationType: 'personal',
    });
    const group = bf.channelMessage('prices nova-micro', { conversationType: 'groupChat' });
    await handler(botRequest(personal, await bf.sign()));
    await handler(botRequest(group, await bf.sign()));
    await worker.pending();
    expect(bf.posts.map((p) => p.conversationId)).toEqual(['a:1personalchat000', '19:group0000@thread.v2']);
    expect(cardOf(0).body[0]?.text).toMatch(/a month/);
    expect(cardOf(1).body[0]?.text).toMatch(/Nova Micro/i);
  });

  it('reads a command line once: for the replay check and for the answer', async () => {
    const { handler } = await setup();
    const parse = vi.spyOn(estimateCommand, 'parse');
    try {
      await handler(
        botRequest(bf.channelMessage('estimate sonnet 4.5 2000 in 500 out 10k/day'), await bf.sign()),
      );
      expect(cardOf(0).body[0]?.text).toMatch(/a month/);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('answers a typo with the closest commands', async () => {
    const { handler } = await setup();
    await handler(botRequest(bf.channelMessage('forcast'), await bf.sign()));
    expect(JSON.stringify(cardOf(0))).toContain('Did you mean: forecast');
  });
});

describe('Teams bot: install, proactive alerts and buttons', () => {
  it('stores the conversation when added to a team, routes a team alert there, and records the Acknowledge button', async () => {
    const bill = fakeBill();
    const { deps, store, handler } = await setup({ sources: bill.sources });

    // 1. Added to a team: the reference is stored and a welcome message says how to route alerts.
    const added = {
      type: 'conversationUpdate',
      id: 'f:install-1',
      serviceUrl: bf.serviceUrl,
      channelId: 'msteams',
      from: { id: '29:installer', aadObjectId: ADMIN },
      recipient: { id: bf.botId, name: 'bedrock-cost' },
      conversation: { id: TEST_CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TEST_TENANT },
      membersAdded: [{ id: bf.botId }],
      channelData: {
        eventType: 'teamMemberAdded',
        team: { id: TEST_TEAM, name: 'FinOps' },
        channel: { id: TEST_CHANNEL, name: 'General' },
        tenant: { id: TEST_TENANT },
      },
    };
    expect((await handler(botRequest(added, await bf.sign()))).statusCode).toBe(200);
    expect(await getConversation(store, TEST_CHANNEL)).toMatchObject({
      serviceUrl: bf.serviceUrl,
      conversationType: 'channel',
      teamId: TEST_TEAM,
      teamName: 'FinOps',
    });
    expect(bf.posts).toHaveLength(1);
    expect(bf.posts[0]).toMatchObject({ conversationId: TEST_CHANNEL });
    expect(JSON.stringify(cardOf(0))).toContain(`budget set TEAM AMOUNT teams ${TEST_CHANNEL}`);

    // 2. An admin routes search's alerts there by id; an unknown conversation is refused politely.
    await handler(
      botRequest(bf.channelMessage('budget set search 1000 teams 19:unknown@thread.tacv2'), await bf.sign()),
    );
    expect(JSON.stringify(cardOf(1))).toContain('is not in the Teams conversation 19:unknown@thread.tacv2');
    await handler(
      botRequest(
        bf.channelMessage(
          `budget set search 1000 teams ${TEST_CHANNEL} owner b0b00000-0000-4000-8000-000000000001`,
        ),
        await bf.sign(),
      ),
    );
    expect((await getTeam(store, 'search'))?.target).toEqual({
      kind: 'teams-bot',
      conversationId: TEST_CHANNEL,
      serviceUrl: bf.serviceUrl,
    });
    bf.posts.length = 0;

    // 3. The hourly alert run posts proactively: a new message in the channel, with buttons.
    bill.spread('search', '2026-11-01', '2026-11-11', 850);
    const report = await runBudgetAlerts(deps, { dryRun: false, nowcast: false, concurrency: 1 });
    expect(report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['search THRESHOLD#50 2026-11', 'sent'],
      ['search THRESHOLD#80 2026-11', 'sent'],
    ]);
    expect(bf.posts.map((p) => [p.conversationId, p.replyToId])).toEqual([
      [TEST_CHANNEL, undefined],
      [TEST_CHANNEL, undefined],
    ]);
    const alert = cardOf(1);
    expect(alert.body[0]?.text).toContain('search has used 85% of its November Bedrock budget');
    const ack = alert.actions?.find((a) => a.verb === 'alert_ack') as
      | { type: string; verb: string; data: { action: string; value: string } }
      | undefined;
    expect(ack).toMatchObject({
      type: 'Action.Execute',
      data: { value: 'ALERT#search#2026-11|THRESHOLD#80' },
    });
    expect(alert.actions?.some((a) => a.verb === 'show_breakdown')).toBe(true);

    // 4. Someone clicks Acknowledge: an `adaptiveCard/action` invoke.
    const invoke = (id: string, aadObjectId: string) => ({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id,
      serviceUrl: bf.serviceUrl,
      channelId: 'msteams',
      replyToId: 'bot-activity-2',
      from: { id: '29:clicker', name: 'Bob', aadObjectId },
      recipient: { id: bf.botId },
      conversation: {
        id: `${TEST_CHANNEL};messageid=bot-activity-2`,
        conversationType: 'channel',
        tenantId: TEST_TENANT,
      },
      channelData: { channel: { id: TEST_CHANNEL }, team: { id: TEST_TEAM }, tenant: { id: TEST_TENANT } },
      value: { action: { type: 'Action.Execute', verb: ack!.verb, data: ack!.data }, trigger: 'manual' },
    });
    bf.posts.length = 0;
    const clicked = await handler(
      botRequest(invoke('f:click-1', 'b0b00000-0000-4000-8000-000000000001'), await bf.sign()),
    );
    expect(clicked.statusCode).toBe(200);
    expect(JSON.parse(clicked.body ?? '{}')).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining('acknowledged the search 80% budget alert'),
    });
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#80' })).toMatchObject({
      acknowledgedBy: 'b0b00000-0000-4000-8000-000000000001',
    });
    // The channel is told, under the alert.
    expect(bf.posts).toHaveLength(1);
    expect(bf.posts[0]?.replyToId).toBe('bot-activity-2');
    expect(JSON.stringify(cardOf(0))).toContain('acknowledged the search 80% budget alert');

    // A second click is told who was first; nothing is posted; the same click replayed is refused.
    bf.posts.length = 0;
    const again = await handler(botRequest(invoke('f:click-2', ADMIN), await bf.sign()));
    expect(JSON.parse(again.body ?? '{}').value).toMatch(/already acknowledged/);
    expect(bf.posts).toEqual([]);
    const replay = await handler(botRequest(invoke('f:click-2', ADMIN), await bf.sign()));
    expect(replay.statusCode).toBe(401);
  });

  it('routes a budget typed in a Teams conversation to that conversation', async () => {
    const { store, handler } = await setup();
    await handler(botRequest(bf.channelMessage('help'), await bf.sign()));
    await handler(botRequest(bf.channelMessage('budget set growth 2000'), await bf.sign()));
    expect((await getTeam(store, 'growth'))?.target).toEqual({
      kind: 'teams-bot',
      conversationId: TEST_CHANNEL,
      serviceUrl: bf.serviceUrl,
    });
    expect(JSON.stringify(cardOf(1))).toContain(`the Teams conversation ${TEST_CHANNEL}`);
  });

  it('runs Show breakdown as the command it carries, and refuses a budget change by a non-admin', async () => {
    const { handler, worker, store } = await setup();
    const click = {
      ...bf.channelMessage('', { aadObjectId: 'c0c00000-0000-4000-8000-000000000002' }),
      text: undefined,
      value: { action: 'show_breakdown', value: 'spend mtd by model team search' },
    };
    expect((await handler(botRequest(click, await bf.sign()))).statusCode).toBe(200);
    await worker.pending();
    expect(bf.texts().some((t) => /^Working on "spend mtd by model team search"/.test(t))).toBe(true);
    expect(JSON.stringify(bf.posts.at(-1))).toMatch(/search/);

    await handler(
      botRequest(
        bf.channelMessage('budget set search 10', { aadObjectId: 'c0c00000-0000-4000-8000-000000000002' }),
        await bf.sign(),
      ),
    );
    expect(JSON.stringify(bf.posts.at(-1))).toContain('Only budget admins');
    expect(await getTeam(store, 'search')).toBeUndefined();
  });

  it('snoozes an idle throughput from the Snooze button of the `idle` answer', async () => {
    const { handler, worker } = await setup();
    const asked = bf.channelMessage('idle');
    await handler(botRequest(asked, await bf.sign()));
    await worker.pending();
    const card = cardOf(bf.posts.length - 1);
    const snooze = card.actions?.find((a) => a.verb === 'idle_snooze') as
      | { verb: string; data: { action: string; value: string } }
      | undefined;
    expect(snooze?.data.value).toMatch(/^arn:aws:bedrock:.*:provisioned-model\//);
    bf.posts.length = 0;
    const click = {
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'f:snooze-1',
      serviceUrl: bf.serviceUrl,
      channelId: 'msteams',
      replyToId: 'bot-activity-3',
      from: { id: '29:clicker', aadObjectId: ADMIN },
      recipient: { id: bf.botId },
      conversation: { id: asked.conversation.id, conversationType: 'channel', tenantId: TEST_TENANT },
      channelData: { channel: { id: TEST_CHANNEL }, team: { id: TEST_TEAM }, tenant: { id: TEST_TENANT } },
      value: { action: { type: 'Action.Execute', verb: snooze!.verb, data: snooze!.data } },
    };
    const result = await handler(botRequest(click, await bf.sign()));
    expect(JSON.parse(result.body ?? '{}').value).toMatch(
      /^Snoozed: no idle message about provisioned model/,
    );
    expect(bf.posts).toHaveLength(1);
    expect(bf.posts[0]?.replyToId).toBe('bot-activity-3');
  });

  it('posts the weekly digest of a team routed to a Teams channel, chart inline, proactively', async () => {
    const now = '2026-11-16T09:05:00Z';
    const { deps, store, handler } = await setup({ sources: createDemoSources(fixedClock(now)), now });
    // Installed in a personal chat and a channel (installationUpdate): both references kept.
    const install = (conversation: Record<string, unknown>, channelData: Record<string, unknown>) => ({
      type: 'installationUpdate',
      action: 'add',
      id: `f:install-${String(conversation.id)}`,
      serviceUrl: bf.serviceUrl,
      channelId: 'msteams',
      from: { id: '29:installer', aadObjectId: ADMIN },
      recipient: { id: bf.botId },
      conversation,
      channelData,
    });
    await handler(
      botRequest(
        install(
          { id: TEST_CHANNEL, conversationType: 'channel', tenantId: TEST_TENANT },
          { team: { id: TEST_TEAM }, channel: { id: TEST_CHANNEL }, tenant: { id: TEST_TENANT } },
        ),
        await bf.sign(),
      ),
    );
    await handler(
      botRequest(
        install(
          { id: 'a:1personalchat000', conversationType: 'personal', tenantId: TEST_TENANT },
          { tenant: { id: TEST_TENANT } },
        ),
        await bf.sign(),
      ),
    );
    expect(await getConversation(store, 'a:1personalchat000')).toMatchObject({
      conversationType: 'personal',
    });
    await handler(
      botRequest(bf.channelMessage(`budget set search 5000 teams ${TEST_CHANNEL}`), await bf.sign()),
    );
    bf.posts.length = 0;

    const report = await runWeeklyDigest(deps, { dryRun: false });
    const sent = report.messages.filter((m) => m.status === 'sent');
    expect(sent.map((m) => m.target)).toContain(`teams-bot:${TEST_CHANNEL}`);
    const digest = bf.posts.find((p) => p.conversationId === TEST_CHANNEL);
    expect(digest?.replyToId).toBeUndefined();
    const card = JSON.stringify(digest?.activity.attachments?.[0]?.content);
    expect(card).toContain('search');
    expect(card).toMatch(/"type":"Image","url":"data:image\/png;base64,/);
  });

  it('sends the FinOps overview and idle findings to the bot conversation set as the FinOps channel', async () => {
    const now = '2026-11-16T09:05:00Z';
    const room = '19:finopsroom000000000000000000000@thread.tacv2';
    const { deps, handler } = await setup({
      sources: createDemoSources(fixedClock(now)),
      now,
      env: { BEDROCK_COST_FINOPS_CHANNEL: `teams:${room}` },
    });
    await handler(botRequest(bf.channelMessage('budget set search 5000'), await bf.sign()));
    bf.posts.length = 0;
    // Before the bot is added there: nothing is sent, and the report says why.
    const early = await runWeeklyDigest(deps, { dryRun: false });
    const missed = early.messages.find((m) => m.subject === 'overview');
    expect(missed).toMatchObject({ status: 'failed', target: `teams-bot:${room}` });
    expect(missed?.reason).toMatch(/bot has not been added there/);
    expect(bf.posts.filter((p) => p.conversationId === room)).toEqual([]);

    // Added to the FinOps room (the welcome message is posted there).
    await handler(
      botRequest(
        {
          type: 'conversationUpdate',
          id: 'f:add-finops-room',
          serviceUrl: bf.serviceUrl,
          channelId: 'msteams',
          from: { id: '29:installer', aadObjectId: ADMIN },
          recipient: { id: bf.botId },
          membersAdded: [{ id: bf.botId }],
          conversation: { id: room, conversationType: 'channel', tenantId: TEST_TENANT },
          channelData: { team: { id: TEST_TEAM }, channel: { id: room }, tenant: { id: TEST_TENANT } },
        },
        await bf.sign(),
      ),
    );
    bf.posts.length = 0;
    const report = await runWeeklyDigest(deps, { dryRun: false });
    expect(report.messages.find((m) => m.subject === 'overview')).toMatchObject({
      status: 'sent',
      target: `teams-bot:${room}`,
    });
    const overview = bf.posts.find((p) => p.conversationId === room);
    expect(overview?.replyToId).toBeUndefined();
    expect(JSON.stringify(overview?.activity.attachments?.[0]?.content)).toContain('All teams');

    bf.posts.length = 0;
    const idle = await runIdleScan(deps, { dryRun: false });
    const toRoom = idle.messages.filter((m) => m.target === `teams-bot:${room}`);
    expect(toRoom.length).toBeGreaterThan(0);
    expect(toRoom.every((m) => m.status === 'sent')).toBe(true);
    const posted = bf.posts.filter((p) => p.conversationId === room);
    expect(posted).toHaveLength(toRoom.length);
    // Interactive: the Snooze button is an Action.Execute the bot receives.
    expect(JSON.stringify(posted[0]?.activity.attachments?.[0]?.content)).toContain('"verb":"idle_snooze"');
  });

  it('keeps a conversation spoken to (not for a quick answer, which stays off the table), and forgets it when removed', async () => {
    const { store, handler } = await setup();
    await handler(botRequest(bf.channelMessage('help'), await bf.sign()));
    expect(await getConversation(store, TEST_CHANNEL)).toBeUndefined();
    await handler(botRequest(bf.channelMessage('budget set growth 100'), await bf.sign()));
    expect(await getConversation(store, TEST_CHANNEL)).toBeDefined();
    const removed = {
      type: 'conversationUpdate',
      id: 'f:remove-1',
      serviceUrl: bf.serviceUrl,
      recipient: { id: bf.botId },
      conversation: { id: TEST_CHANNEL, conversationType: 'channel', tenantId: TEST_TENANT },
      membersRemoved: [{ id: bf.botId }],
      channelData: { team: { id: TEST_TEAM }, channel: { id: TEST_CHANNEL }, tenant: { id: TEST_TENANT } },
    };
    expect((await handler(botRequest(removed, await bf.sign()))).statusCode).toBe(200);
    expect(await getConversation(store, TEST_CHANNEL)).toBeUndefined();
  });
});

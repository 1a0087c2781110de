/**
 * The Bot Connector client at the wire (the local Bot Connector and Entra token endpoint of
 * test/support/botframework-server.ts): the client-credentials token cached until shortly
 * before it expires, throttling waited out, refusals reported, and no request to a host that
 * is not a Bot Connector.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearConnectorTokens, createBotConnector, tokenUrlOf } from '../../lib/chat/teams-bot/connector.js';
import { sendReply } from '../../lib/chat/teams-bot/send.js';
import { runWorkerJob } from '../../lib/chat/worker.js';
import { loadConfig } from '../../lib/config.js';
import { DeliveryError } from '../../lib/reply/delivery.js';
import { simpleReply } from '../../lib/reply/reply.js';
import { type BotFramework, startBotFramework } from '../support/botframework-server.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let bf: BotFramework;
let dynamo: TestDynamo;
beforeAll(async () => {
  [bf, dynamo] = await Promise.all([startBotFramework(), startTestDynamo()]);
});
afterAll(async () => {
  await Promise.all([bf?.close(), dynamo?.close()]);
});
beforeEach(() => {
  bf.posts.length = 0;
  clearConnectorTokens();
});

const config = () => loadConfig({ ...bf.env, AWS_REGION: 'us-east-1' });
const address = () => ({ serviceUrl: bf.serviceUrl, conversationId: '19:chan@thread.tacv2' });
const noSleep = async () => {};

describe('Bot Connector client', () => {
  it('reuses its token until five minutes before it expires, then gets a new one', async () => {
    let now = Date.parse('2026-11-18T06:00:00Z');
    const connector = createBotConnector(config(), { nowMs: () => now });
    const before = bf.counts.token;
    await connector.send(address(), { type: 'message', text: 'one' });
    now += 50 * 60_000; // the token lasts 3,599 s: still good at 50 minutes
    await connector.send(address(), { type: 'message', text: 'two' });
    expect(bf.counts.token - before).toBe(1);
    now += 5 * 60_000; // 55 minutes: inside the 5-minute margin
    await connector.send(address(), { type: 'message', text: 'three' });
    expect(bf.counts.token - before).toBe(2);
    expect(bf.texts()).toEqual(['one', 'two', 'three']);
  });

  it('waits out a 429 and a 503, then posts once', async () => {
    bf.failNext(429);
    bf.failNext(503);
    const result = await createBotConnector(config(), { sleep: noSleep }).send(address(), {
      type: 'message',
      text: 'after the storm',
    });
    expect(result.id).toMatch(/^bot-activity-/);
    expect(bf.texts()).toEqual(['after the storm']);
  });

  it('reports a removed bot (403) as a permanent failure', async () => {
    bf.failNext(403);
    const error = await createBotConnector(config(), { sleep: noSleep })
      .send(address(), { type: 'message', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
  });

  it('sends a message refused as too large again as plain text', async () => {
    bf.failNext(413);
    await sendReply(config(), address(), simpleReply('A big answer', 'line one'), { sleep: noSleep });
    expect(bf.posts).toHaveLength(1);
    expect(JSON.stringify(bf.posts[0]?.activity)).toContain('A big answer');
  });

  it('refuses a wrong app secret without posting anything', async () => {
    const wrong = loadConfig({ ...bf.env, TEAMS_APP_PASSWORD: 'wrong', AWS_REGION: 'us-east-1' });
    const error = await createBotConnector(wrong)
      .send(address(), { type: 'message', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    expect(bf.posts).toEqual([]);
  });

  it('never calls a host that is not a Bot Connector, even from a worker job', async () => {
    const requests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      requests.push(String(input));
      return fetch(input, init);
    };
    const deps = testDeps({ store: dynamo.store, env: { ...bf.env } });
    const error = await runWorkerJob(
      {
        kind: 'command',
        id: 'ssrf-1',
        text: 'help',
        caller: { platform: 'teams', userId: 'someone', isAdmin: false },
        replyTo: { kind: 'teams-bot', serviceUrl: 'http://169.254.169.254/latest/', conversationId: 'x' },
      },
      deps,
      { fetch: counting },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(requests).toEqual([]);
  });

  it('gets tokens from the tenant of a single-tenant app, else from botframework.com', () => {
    expect(tokenUrlOf(loadConfig({ TEAMS_TENANT_ID: 'contoso.onmicrosoft.com' }))).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    );
    expect(tokenUrlOf(loadConfig({}))).toBe(
      'https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token',
    );
  });
});

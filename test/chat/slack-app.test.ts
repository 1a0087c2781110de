import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findAction } from '../../lib/chat/actions.js';
import type { HttpEvent } from '../../lib/chat/http.js';
import { createReplayGuard } from '../../lib/chat/replay.js';
import { createSlackEventsHandler } from '../../lib/chat/slack-app.js';
import { inProcessWorker, type WorkerJob } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import { estimateCommand } from '../../lib/commands/estimate.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import type { ActionHandler, ActionRequest } from '../../lib/reply/actions.js';
import { simpleReply } from '../../lib/reply/reply.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import {
  blockActionsPayload,
  slackCommandBody,
  slackEventBody,
  slackInteractionBody,
  slackRequest,
  TEST_EPOCH_SECONDS,
} from '../support/signing.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';

const SECRET = 'a3f1c0ffee5ecret0123456789abcdef';
const NOW_MS = TEST_EPOCH_SECONDS * 1000;

let dynamo: TestDynamo;
let slack: SlackServer;
let deps: Deps;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startTestDynamo(), startSlackServer({ token: 'xoxb-test' })]);
  deps = testDeps({
    store: dynamo.store,
    sources: createDemoSources(fixedClock(TEST_NOW)),
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      ADMIN_USER_IDS: 'U0ADMIN001',
    },
  });
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close()]);
});

function handlerFor(options: { jobs?: WorkerJob[]; actions?: Record<string, ActionHandler> } = {}) {
  const worker = inProcessWorker(async () => deps);
  const handler = createSlackEventsHandler(async () => deps, {
    nowMs: () => NOW_MS,
    ...(options.actions ? { actions: options.actions } : {}),
    invokeWorker: async (job) => {
      options.jobs?.push(job);
      await worker(job);
    },
  });
  return { handler, worker };
}

const command = (
  text: string,
  extra: Parameters<typeof slackCommandBody>[0] extends infer O ? Partial<O> : never = {},
) => slackCommandBody({ text, responseUrl: slack.responseUrl(), ...extra });

async function call(handler: ReturnType<typeof handlerFor>['handler'], event: HttpEvent) {
  const result = await handler(event);
  const body = result.body
    ? String(result.headers?.['Content-Type'] ?? result.headers?.['content-type'] ?? '').includes('json')
      ? JSON.parse(result.body)
      : result.body
    : undefined;
  return { status: result.statusCode, body, headers: result.headers ?? {} };
}

describe('Slack slash command: authentication', () => {
  it('answers a signed `/bedrock-cost help` inside the acknowledgement, without calling Slack', async () => {
    const { handler } = handlerFor();
    const { status, body } = await call(handler, slackRequest(command('help'), SECRET));
    expect(status).toBe(200);
    expect(body.response_type).toBe('ephemeral');
    expect(body.blocks[0]).toMatchObject({ type: 'header' });
    expect(body.text).toContain('estimate');
    // No auth.test or any other Web API call on the acknowledgement path.
    expect(slack.calls).toHaveLength(0);
  });

  it('refuses a tampered body with a bare 401', async () => {
    const { handler } = handlerFor();
    const event = slackRequest(command('help'), SECRET);
    event.body = command('budget delete search');
    const result = await handler(event);
    expect(result).toEqual({ statusCode: 401, body: '' });
  });

  it('refuses a request signed with another secret', async () => {
    const { handler } = handlerFor();
    expect((await handler(slackRequest(command('help'), 'not-the-secret'))).statusCode).toBe(401);
  });

  it('refuses a missing signature', async () => {
    const { handler } = handlerFor();
    const event = slackRequest(command('help'), SECRET);
    delete event.headers['x-slack-signature'];
    expect((await handler(event)).statusCode).toBe(401);
  });

  it('refuses timestamps more than five minutes old or ahead', async () => {
    const { handler } = handlerFor();
    const stale = await handler(
      slackRequest(command('help'), SECRET, { timestamp: TEST_EPOCH_SECONDS - 301 }),
    );
    const future = await handler(
      slackRequest(command('help'), SECRET, { timestamp: TEST_EPOCH_SECONDS + 301 }),
    );
    const edge = await handler(
      slackRequest(command('help'), SECRET, { timestamp: TEST_EPOCH_SECONDS - 299 }),
    );
    expect([stale.statusCode, future.statusCode, edge.statusCode]).toEqual([401, 401, 200]);
  });

  it('refuses a replay of a request it already answered', async () => {
    const { handler } = handlerFor();
    const event = slackRequest(command('help'), SECRET);
    expect((await handler(structuredClone(event))).statusCode).toBe(200);
    expect(await handler(structuredClone(event))).toEqual({ statusCode: 401, body: '' });
  });

  it('refuses a replay sent to another container when the request has side effects', async () => {
    // Two handlers = two Lambda containers: only the table connects them.
    const jobs: WorkerJob[] = [];
    const first = handlerFor({ jobs });
    const second = handlerFor({ jobs });
    const event = slackRequest(command('why last week'), SECRET);
    expect((await first.handler(structuredClone(event))).statusCode).toBe(200);
    expect((await second.handler(structuredClone(event))).statusCode).toBe(401);
    await first.worker.pending();
    expect(jobs).toHaveLength(1);
  });

  it('verifies base64-encoded bodies from API Gateway, including non-ASCII text', async () => {
    const { handler } = handlerFor();
    const { status, body } = await call(
      handler,
      slackRequest(command('help estimate – “quoted”'), SECRET, { base64: true }),
    );
    expect(status).toBe(200);
    expect(body.text).toMatch(/^estimate/);
  });

  it('uses the real clock by default, so a request signed now is accepted', async () => {
    const handler = createSlackEventsHandler(async () => deps);
    const result = await handler(
      slackRequest(command('help'), SECRET, { timestamp: Math.floor(Date.now() / 1000) }),
    );
    expect(result.statusCode).toBe(200);
    const old = await handler(slackRequest(command('help'), SECRET));
    expect(old.statusCode).toBe(401);
  });

  it('acknowledges Slack retries without doing the work again', async () => {
    const jobs: WorkerJob[] = [];
    const { handler } = handlerFor({ jobs });
    const retry = slackRequest(command('spend last week'), SECRET, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    const result = await handler(retry);
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ 'x-slack-no-retry': '1' });
    expect(result.body).toBe('');
    expect(jobs).toHaveLength(0);
  });

  it('answers 400 to signed but malformed bodies', async () => {
    const { handler } = handlerFor();
    const notACommand = await handler(slackRequest('hello=world', SECRET));
    const badPayload = await handler(slackRequest('payload=%7Bnot-json', SECRET));
    const badJson = await handler(slackRequest('{"type": ', SECRET));
    expect([notACommand.statusCode, badPayload.statusCode, badJson.statusCode]).toEqual([400, 400, 400]);
  });

  it('answers Slack envelopes it does not act on: ssl_check, url_verification, stray events', async () => {
    const { handler } = handlerFor();
    // Earlier answers may have uploaded charts: count only the calls these envelopes cause.
    const before = slack.calls.length;
    const ssl = await handler(slackRequest('ssl_check=1&token=x', SECRET));
    const challenge = await handler(
      slackRequest(JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' }), SECRET),
    );
    const event = await handler(
      slackRequest(
        slackEventBody({ type: 'app_mention', user: 'U0ALICE001', text: '<@U0BOT00001> hi', ts: '1.2' }),
        SECRET,
      ),
    );
    expect(ssl.statusCode).toBe(200);
    expect(JSON.parse(challenge.body ?? '{}')).toEqual({ challenge: 'c-123' });
    expect(event.statusCode).toBe(200);
    expect(slack.calls).toHaveLength(before);
  });

  it('refuses everything when no signing secret is configured', async () => {
    const unconfigured = testDeps({ store: dynamo.store });
    const handler = createSlackEventsHandler(async () => unconfigured, { nowMs: () => NOW_MS });
    expect((await handler(slackRequest(command('help'), SECRET))).statusCode).toBe(401);
  });
});

describe('Slack slash command: answers', () => {
  it('answers an unknown command with the closest commands', async () => {
    const { handler } = handlerFor();
    const { body } = await call(handler, slackRequest(command('spned last week'), SECRET));
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('Did you mean: spend');
  });

  it('refuses very long input politely', async () => {
    const { handler } = handlerFor();
    const { status, body } = await call(
      handler,
      slackRequest(command(`estimate ${'x'.repeat(900)}`), SECRET),
    );
    expect(status).toBe(200);
    expect(body.text).toMatch(/at most 500/);
  });

  it('posts in the channel with `public`', async () => {
    const { handler } = handlerFor();
    const { body } = await call(handler, slackRequest(command('help public'), SECRET));
    expect(body.response_type).toBe('in_channel');
  });

  it('acknowledges a slow command at once and the worker answers through response_url', async () => {
    const jobs: WorkerJob[] = [];
    const { handler, worker } = handlerFor({ jobs });
    const responseUrl = slack.responseUrl('why-1');
    const { status, body } = await call(
      handler,
      slackRequest(
        slackCommandBody({ text: 'why last week public', responseUrl, userId: 'U0ADMIN001' }),
        SECRET,
      ),
    );
    expect(status).toBe(200);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('Working on `why last week public`');
    expect(jobs[0]).toMatchObject({
      text: 'why last week public',
      caller: { platform: 'slack', userId: 'U0ADMIN001', isAdmin: true, channelId: 'C0FINOPS01' },
      replyTo: { kind: 'slack-response-url', url: responseUrl },
    });
    await worker.pending();
    const posts = slack.responsesTo('why-1');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.response_type).toBe('in_channel');
    expect(posts[0]?.body.replace_original).toBe(false);
    expect(posts[0]?.body.blocks[0].type).toBe('header');
    expect(posts[0]?.body.text).toMatch(/last week/i);
  });
});

describe('Slack slash command: failures', () => {
  it('answers a friendly line, not a 500, when the worker cannot be started', async () => {
    const handler = createSlackEventsHandler(async () => deps, {
      nowMs: () => NOW_MS,
      invokeWorker: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      },
    });
    const { status, body } = await call(handler, slackRequest(command('why last week'), SECRET));
    expect(status).toBe(200);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/something went wrong on our side\. Please try again/);
    expect(JSON.stringify(body)).not.toMatch(/Rate exceeded|TooManyRequests|at .*\.ts/);
  });
});

describe('Slack buttons', () => {
  it('routes a click to the registered handler and posts its answer, replacing the message when asked', async () => {
    const seen: ActionRequest[] = [];
    const testAck: ActionHandler = async (request) => {
      seen.push(request);
      return {
        reply: { ...simpleReply(`Acknowledged by ${request.caller.userId}.`), visibility: 'in_channel' },
        replaceOriginal: true,
      };
    };
    const { handler } = handlerFor({ actions: { test_ack: testAck } });
    const responseUrl = slack.responseUrl('ack-1');
    const payload = blockActionsPayload({
      actionId: 'test_ack',
      value: 'ALERT#search#2026-11|THRESHOLD#80',
      responseUrl,
      userId: 'U0ADMIN001',
      messageTs: '1763445600.000900',
    });
    const result = await handler(slackRequest(slackInteractionBody(payload), SECRET));
    expect(result.statusCode).toBe(200);
    expect(seen[0]).toMatchObject({
      id: 'test_ack',
      value: 'ALERT#search#2026-11|THRESHOLD#80',
      caller: { platform: 'slack', userId: 'U0ADMIN001', isAdmin: true, channelId: 'C0FINOPS01' },
      message: { channel: 'C0FINOPS01', ts: '1763445600.000900' },
    });
    const post = slack.responsesTo('ack-1')[0]?.body;
    expect(post).toMatchObject({
      replace_original: true,
      response_type: 'in_channel',
      text: 'Acknowledged by U0ADMIN001.',
    });
  });

  it('knows the handlers of the alert, idle and command buttons', async () => {
    for (const id of ['alert_ack', 'idle_snooze', 'show_breakdown', 'run_command', 'command']) {
      expect(typeof (await findAction(id)), id).toBe('function');
    }
  });

  it('runs a `run_command` button like the typed command', async () => {
    const { handler, worker } = handlerFor();
    const responseUrl = slack.responseUrl('button-1');
    const payload = blockActionsPayload({ actionId: 'run_command#1', value: 'help estimate', responseUrl });
    const result = await handler(slackRequest(slackInteractionBody(payload), SECRET));
    expect(result.statusCode).toBe(200);
    await worker.pending();
    const posts = slack.responsesTo('button-1');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.text).toMatch(/^estimate/);
  });

  it('says so when a button has no handler', async () => {
    const { handler } = handlerFor();
    const responseUrl = slack.responseUrl('button-2');
    const payload = blockActionsPayload({ actionId: 'retired_button', value: 'x', responseUrl });
    expect((await handler(slackRequest(slackInteractionBody(payload), SECRET))).statusCode).toBe(200);
    expect(slack.responsesTo('button-2')[0]?.body.text).toContain('no longer available');
  });

  it('refuses a replayed button click, even in another container', async () => {
    const guardA = handlerFor();
    const guardB = createSlackEventsHandler(async () => deps, {
      nowMs: () => NOW_MS,
      replayGuard: createReplayGuard(
        async () => dynamo.store,
        () => NOW_MS,
      ),
    });
    const payload = blockActionsPayload({
      actionId: 'retired_button',
      value: 'y',
      responseUrl: slack.responseUrl('button-3'),
    });
    const event = slackRequest(slackInteractionBody(payload), SECRET);
    expect((await guardA.handler(structuredClone(event))).statusCode).toBe(200);
    expect((await guardB(structuredClone(event))).statusCode).toBe(401);
  });
});

describe('Slack slash command: one parse', () => {
  it('reads a command line once: the words it parsed are the ones it answers', async () => {
    const { handler } = handlerFor();
    const parse = vi.spyOn(estimateCommand, 'parse');
    try {
      const { body } = await call(
        handler,
        slackRequest(command('estimate sonnet 4.5 2000 in 500 out 10k/day'), SECRET),
      );
      expect(body.text).toMatch(/a month/);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });
});

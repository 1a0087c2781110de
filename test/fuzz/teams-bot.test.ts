/**
 * Fuzzing the Teams bot's front door: whatever the body and the Authorization header, the
 * handler answers 200, 400 or 401 (never throws, never a 500, never a reason); a body
 * carrying a genuine token but arbitrary fields is answered or refused quietly; and what a
 * person types is parsed without throwing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botCommandText, createTeamsBotHandler, parseBotActivity } from '../../lib/chat/teams-bot/app.js';
import { fixedClock } from '../../lib/clock.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { type BotFramework, botRequest, startBotFramework } from '../support/botframework-server.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { TEST_EPOCH_SECONDS } from '../support/signing.js';
import { lineArb } from './friendly.js';

let dynamo: TestDynamo;
let bf: BotFramework;
let deps: Deps;
let token: string;

beforeAll(async () => {
  [dynamo, bf] = await Promise.all([startTestDynamo(), startBotFramework()]);
  deps = testDeps({ store: dynamo.store, sources: createDemoSources(fixedClock(TEST_NOW)), env: bf.env });
  token = await bf.sign();
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), bf?.close()]);
});

const handler = () =>
  createTeamsBotHandler(async () => deps, {
    nowMs: () => TEST_EPOCH_SECONDS * 1000,
    invokeWorker: async () => {},
  });

describe('Teams bot front door on arbitrary input', () => {
  it('parses any body and any typed text without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.json(), (raw, json) => {
        parseBotActivity(raw);
        parseBotActivity(json);
        const text = botCommandText({ text: raw, entities: [{ type: 'mention', text: raw.slice(0, 5) }] });
        expect(typeof text).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('answers any request with 200, 400 or 401 and an empty or JSON body', async () => {
    const h = handler();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })),
        fc.oneof(
          fc.constant(undefined),
          fc.string({ maxLength: 80 }),
          fc.constant(token),
          fc.constant(`${token}x`),
        ),
        async (body, auth) => {
          const event = botRequest(body, undefined);
          if (auth !== undefined) event.headers.authorization = auth === token ? `Bearer ${auth}` : auth;
          const result = await h(event);
          expect([200, 400, 401]).toContain(result.statusCode);
          if (result.statusCode === 401) expect(result.body).toBe('');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers a genuine token with arbitrary activity fields and typed text quietly', async () => {
    const h = handler();
    await fc.assert(
      fc.asyncProperty(
        lineArb,
        fc.constantFrom('message', 'invoke', 'conversationUpdate', 'installationUpdate', 'typing', 'weird'),
        fc.option(fc.json({ maxDepth: 2 }), { nil: undefined }),
        async (line, type, value) => {
          const activity = {
            ...bf.channelMessage(line),
            type,
            ...(value === undefined ? {} : { value: JSON.parse(value) }),
            name: 'adaptiveCard/action',
          };
          const result = await h(botRequest(activity, token));
          expect([200, 401]).toContain(result.statusCode);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/**
 * Cost Explorer throttling (`LimitExceededException`) and outages (HTTP 5xx), at the wire:
 * the real adapter, SDK and cache, answered by the local AWS server. What a person sees
 * goes through the Slack front door, the command worker and a `response_url`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syntheticAwsHandlers } from '../../bench/synthetic-aws.js';
import { getAlert } from '../../lib/budgets/alert-store.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { createSlackEventsHandler } from '../../lib/chat/slack-app.js';
import { renderText } from '../../lib/chat/text.js';
import { inProcessWorker } from '../../lib/chat/worker.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { UserError, userMessage } from '../../lib/errors.js';
import { syncIfDue } from '../../lib/ledger/job.js';
import type { Store } from '../../lib/store/store.js';
import {
  type AwsHandler,
  type AwsServer,
  awsError,
  failTimes,
  startAwsServer,
} from '../support/aws-server.js';
import { recordingDelivery, TEST_NOW } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { slackCommandBody, slackRequest, TEST_EPOCH_SECONDS } from '../support/signing.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';
import { syntheticBudgetAccount } from '../support/synthetic-budgets.js';
import { faultDeps, isFriendly } from './helpers.js';

const SECRET = 'fault-signing-secret-0123456789';
const handlers = syntheticAwsHandlers({ teams: 5, now: new Date(TEST_NOW) });
const costAndUsage = handlers.GetCostAndUsage as AwsHandler;
const THROTTLE = awsError('LimitExceededException', 'Rate exceeded');
const OUTAGE = awsError('InternalServerException', 'We encountered an internal error.', 500);
const cli = (deps: Deps) => ({
  deps,
  caller: { platform: 'cli' as const, userId: 'U0ADMIN', isAdmin: true },
});

let aws: AwsServer;
let dynamo: TestDynamo;
let slack: SlackServer;
let store: Store;

beforeAll(async () => {
  [aws, dynamo, slack] = await Promise.all([
    startAwsServer(handlers),
    startTestDynamo(),
    startSlackServer({ token: 'xoxb-test' }),
  ]);
});
afterAll(async () => {
  await Promise.all([aws.close(), dynamo.close(), slack.close()]);
});
beforeEach(async () => {
  aws.requests.length = 0;
  aws.handle('GetCostAndUsage', costAndUsage);
  store = await dynamo.newStore();
});

/** Ask through Slack as a person would: the ack, then the worker's answer at the response_url. */
async function askInSlack(deps: Deps, text: string): Promise<{ ack: string; answer: string }> {
  const worker = inProcessWorker(async () => deps);
  const handler = createSlackEventsHandler(async () => deps, {
    nowMs: () => TEST_EPOCH_SECONDS * 1000,
    invokeWorker: worker,
  });
  const url = slack.responseUrl();
  const id = url.split('/').pop()!;
  const result = await handler(slackRequest(slackCommandBody({ text, responseUrl: url }), SECRET));
  expect(result.statusCode).toBe(200);
  await worker.pending();
  const posts = slack.responsesTo(id);
  expect(posts).toHaveLength(1);
  const body = posts[0]!.body as { text?: string; blocks?: unknown[] };
  return { ack: String(JSON.parse(result.body ?? '{}').text ?? ''), answer: `${body.text ?? ''}` };
}

const slackEnv = { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: '' };

describe('Cost Explorer throttling', () => {
  it('retries a throttled request and answers normally', async () => {
    aws.handle('GetCostAndUsage', failTimes(1, THROTTLE, costAndUsage));
    const result = await executeLine('why last week', cli(faultDeps({ store, aws })));
    expect(renderText(result.reply)).not.toMatch(/busy|try again/i);
    // The ledger's queries (one per service, one for accounts), each once, plus the one retry.
    const queries = aws.requestsTo('GetCostAndUsage').map((r) => JSON.stringify(r.input));
    expect(queries.length).toBe(new Set(queries).size + 1);
  });

  it('says "try again in a minute" when throttling persists and nothing is cached', async () => {
    aws.handle('GetCostAndUsage', THROTTLE);
    const error = await executeLine('spend last week', cli(faultDeps({ store, aws }))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('unavailable');
    expect(userMessage(error)).toMatch(/Cost Explorer is busy.*try again in a minute/i);
    expect(isFriendly(userMessage(error))).toBe(true);
    // Bounded: SDK attempts x our retries, not a storm.
    expect(aws.count('GetCostAndUsage')).toBeLessThanOrEqual(4);
  });

  it('answers from the ledger, saying how old, when throttling persists through a sync', async () => {
    const first = await executeLine('spend last week', cli(faultDeps({ store, aws, now: TEST_NOW })));
    aws.handle('GetCostAndUsage', THROTTLE);
    // A day and five hours later the scheduled sync cannot read the bill.
    const later = faultDeps({ store, aws, now: new Date(Date.parse(TEST_NOW) + 29 * 3_600_000) });
    const sync = await syncIfDue(later, { force: true });
    expect(sync.reason).toBe('failed');
    const result = await executeLine('spend last week', cli(later));
    const text = renderText(result.reply);
    expect(text).toMatch(/bill data 29 h old: the ledger has not synced since/);
    expect((result.data as { totalUsd: number }).totalUsd).toBe(
      (first.data as { totalUsd: number }).totalUsd,
    );
    expect(result.data).toMatchObject({ totalUsd: expect.any(Number) });
  });

  it('tells the Slack user politely when the worker cannot reach Cost Explorer', async () => {
    aws.handle('GetCostAndUsage', THROTTLE);
    const deps = faultDeps({ store, aws, env: { ...slackEnv, SLACK_API_URL: slack.apiUrl } });
    const { ack, answer } = await askInSlack(deps, 'why last week');
    expect(ack).toMatch(/^Working on `why last week`/);
    expect(answer).toMatch(/Cost Explorer is busy.*try again in a minute/i);
    expect(isFriendly(answer)).toBe(true);
  });
});

describe('Cost Explorer outages (HTTP 5xx)', () => {
  it('retries one 500 and answers', async () => {
    aws.handle('GetCostAndUsage', failTimes(1, OUTAGE, costAndUsage));
    const result = await executeLine('spend last week', cli(faultDeps({ store, aws })));
    expect(result.data).toMatchObject({ totalUsd: expect.any(Number) });
  });

  it('answers a clear sorry in Slack when Cost Explorer keeps failing, with no internals', async () => {
    aws.handle('GetCostAndUsage', OUTAGE);
    const deps = faultDeps({ store, aws, env: { ...slackEnv, SLACK_API_URL: slack.apiUrl } });
    const { answer } = await askInSlack(deps, 'spend last week');
    expect(answer).toMatch(/try again/i);
    expect(answer).not.toMatch(/InternalServerException|internal error|500/);
    expect(isFriendly(answer)).toBe(true);
  });

  it('a budget alert run during an outage posts nothing and loses nothing; the next hour posts each alert once', async () => {
    const account = syntheticBudgetAccount({ teams: 5, now: new Date(TEST_NOW) });
    await account.seed(store);
    const delivery = recordingDelivery();
    aws.handle('GetCostAndUsage', OUTAGE);
    const down = faultDeps({ store, aws, delivery });
    const failed = await runBudgetAlerts(down, { dryRun: false, nowcast: false }).then(
      (report) => report,
      (error: unknown) => error as Error,
    );
    expect(delivery.sent).toHaveLength(0);
    if (!(failed instanceof Error)) expect(failed.messages.every((m) => m.status !== 'sent')).toBe(true);
    // The run reports the outage rather than hiding it (Lambda logs it; the next hour retries).
    else expect(failed.message).not.toBe('');
    // No claim was left behind: the 50% alert of team-00000 (85% spent) is still due.
    expect(
      await getAlert(store, { team: 'team-00000', month: '2026-11', sk: 'THRESHOLD#50' }),
    ).toBeUndefined();

    aws.handle('GetCostAndUsage', costAndUsage);
    const hourLater = new Date(Date.parse(TEST_NOW) + 3_600_000);
    const report = await runBudgetAlerts(faultDeps({ store, aws, delivery, now: hourLater }), {
      dryRun: false,
      nowcast: false,
    });
    const sent = report.messages.filter((m) => m.status === 'sent').map((m) => m.subject);
    expect(sent).toEqual(['team-00000 THRESHOLD#50 2026-11', 'team-00000 THRESHOLD#80 2026-11']);
    await runBudgetAlerts(
      faultDeps({ store, aws, delivery, now: new Date(Date.parse(TEST_NOW) + 7_200_000) }),
      {
        dryRun: false,
        nowcast: false,
      },
    );
    expect(delivery.sent).toHaveLength(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeBars } from '../../lib/chart/bridge.js';
import { createSlackEventsHandler } from '../../lib/chat/slack-app.js';
import { inProcessWorker, runWorkerJob } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { WhyData } from '../../lib/commands/why.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import type { ReplyBlock } from '../../lib/reply/reply.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { slackCommandBody, slackRequest, TEST_EPOCH_SECONDS } from '../support/signing.js';
import {
  type SlackServer,
  startSlackServer,
  startWebhookServer,
  type WebhookServer,
} from '../support/slack-server.js';

const SECRET = 'why-chart-signing-secret';
const PNG = [0x89, 0x50, 0x4e, 0x47];

let dynamo: TestDynamo;
let slack: SlackServer;
let teams: WebhookServer;
let deps: Deps;

beforeAll(async () => {
  [dynamo, slack, teams] = await Promise.all([
    startTestDynamo(),
    startSlackServer({ token: 'xoxb-test' }),
    startWebhookServer(),
  ]);
  deps = testDeps({
    store: dynamo.store,
    sources: createDemoSources(fixedClock(TEST_NOW)),
    env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl },
  });
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close(), teams?.close()]);
});

describe('why: the bridge chart', () => {
  it('has bars from the previous total through each driver to the current total, summing to the change', async () => {
    const result = await executeLine('why last week', {
      deps,
      caller: { platform: 'cli', userId: 'cli', isAdmin: true },
    });
    const data = result.data as WhyData;
    const image = result.reply.blocks.find(
      (b): b is Extract<ReplyBlock, { kind: 'image' }> => b.kind === 'image',
    );
    expect(image?.chart?.kind).toBe('bridge');
    const input = image!.chart!.kind === 'bridge' ? image!.chart!.input : undefined;
    const bars = bridgeBars(input!);
    expect(bars[0]).toMatchObject({ kind: 'total', end: data.previous.totalUsd });
    expect(bars.at(-1)).toMatchObject({ kind: 'total', end: data.current.totalUsd });
    const stepsCents = input!.steps.reduce((s, step) => s + step.cents, 0);
    expect(stepsCents).toBe(Math.round(data.deltaUsd * 100));
    // Each driver bar starts where the one before ended.
    for (let i = 2; i < bars.length - 1; i++) expect(bars[i]!.start).toBeCloseTo(bars[i - 1]!.end, 2);
    // The table's drivers, in order, then the tail: "Other" holds no driver the text names.
    const table = result.reply.blocks.find((b) => b.kind === 'table');
    const tableLabels = table?.kind === 'table' ? table.rows.map((r) => r[0]) : [];
    expect(input!.steps.map((s) => s.label)).toEqual(tableLabels);
    // Text shows the bridge as a line.
    expect(image!.fallback).toMatch(/^Nov 2-8 \$[\d,]+ → \+\$/);
  });

  it('through Slack: the answer to a signed `why last week` shows the uploaded PNG', async () => {
    const worker = inProcessWorker(async () => deps);
    const handler = createSlackEventsHandler(async () => deps, {
      nowMs: () => TEST_EPOCH_SECONDS * 1000,
      invokeWorker: worker,
    });
    const responseUrl = slack.responseUrl('why-chart');
    const ack = await handler(slackRequest(slackCommandBody({ text: 'why last week', responseUrl }), SECRET));
    expect(ack.statusCode).toBe(200);
    await worker.pending();
    const [post] = slack.responsesTo('why-chart');
    const image = post?.body.blocks.find((b: { type: string }) => b.type === 'image');
    const upload = slack.uploads.at(-1);
    expect(image?.slack_file?.id).toBe(upload?.fileId);
    expect([...(upload?.bytes.subarray(0, 4) ?? [])]).toEqual(PNG);
    // Shared with no channel: an answer only the asker sees puts no chart in the channel.
    const complete = slack.callsTo('files.completeUploadExternal').at(-1);
    expect(complete?.args.channel_id).toBeUndefined();
    expect(complete?.args.channels).toBeUndefined();
  });

  it('through a Teams webhook: the PNG inline in the card', async () => {
    await runWorkerJob(
      {
        kind: 'command',
        id: 'why-teams-chart',
        text: 'why last week',
        caller: { platform: 'teams', userId: 'aad-1', isAdmin: false },
        replyTo: { kind: 'teams-webhook', url: teams.url('why') },
      },
      deps,
    );
    const card = JSON.stringify(teams.postsTo('why')[0]?.body);
    expect(card).toContain('"type":"Image"');
    expect(card).toContain('data:image/png;base64,');
  });
});

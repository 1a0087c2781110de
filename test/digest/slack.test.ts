import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { createChatDelivery } from '../../lib/chat/deliver.js';
import { SLACK_LIMITS } from '../../lib/chat/slack-render.js';
import { TEAMS_CARD_MAX_BYTES } from '../../lib/chat/teams-render.js';
import { fixedClock } from '../../lib/clock.js';
import type { Deps } from '../../lib/context.js';
import { getDigestRecord } from '../../lib/digest/claim.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec } from '../../lib/money.js';
import type { DataSources } from '../../lib/ports.js';
import type { Store } from '../../lib/store/store.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type SlackServer, startSlackServer, startWebhookServer } from '../support/slack-server.js';

const TOKEN = 'xoxb-digest-test';

type CardElement = { type: string; text?: string; url?: string; altText?: string };

describe('weekly digest through the Slack Web API', () => {
  let dynamo: TestDynamo;
  let slack: SlackServer;
  let demo: DataSources;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    slack = await startSlackServer({ token: TOKEN, channels: ['C0SEARCH', 'C0SUPPORT'] });
    demo = createDemoSources(fixedClock('2026-11-16T23:00:00Z'));
  });
  afterAll(async () => {
    await slack.close();
    await dynamo.close();
  });

  const depsAt = (store: Store, at: string): Deps => {
    const base = testDeps({
      store,
      sources: demo,
      now: at,
      env: { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: TOKEN },
    });
    // Rate-limit waits are real in production; instant here.
    return { ...base, delivery: createChatDelivery(base.config, { sleep: async () => {} }) };
  };

  const addTeam = (store: Store, team: string, channel: string, webhookUrl?: string) =>
    saveTeam(
      store,
      {
        team,
        budgetUsd: new Dec(5000),
        thresholds: [50, 80, 100],
        target: webhookUrl ? { kind: 'teams', webhookUrl } : { kind: 'slack', channel },
        timeZone: 'Europe/London',
        owners: [],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'test', now: new Date('2026-11-01T00:00:00Z') },
      undefined,
    );

  it('posts the digest with its chart uploaded, waits out a 429, and retries a missing channel next hour', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', 'C0SEARCH');
    await addTeam(store, 'support-bot', 'C0SUPPORT');
    await addTeam(store, 'growth', 'C0ARCHIVED'); // not a channel the bot is in
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });

    const report = await runWeeklyDigest(depsAt(store, '2026-11-16T09:00:00Z'), { dryRun: false });
    const status = Object.fromEntries(report.messages.map((m) => [m.subject, m.status]));
    expect(status).toEqual({ search: 'sent', 'support-bot': 'sent', growth: 'failed' });
    expect(report.messages.find((m) => m.subject === 'growth')?.reason).toMatch(/channel_not_found/);

    // The throttled post was retried after Retry-After, not dropped: 2 delivered, 1 refused
    // (channel_not_found), 1 answered 429.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(4);
    const posts = slack.callsTo('chat.postMessage').filter((c) => !c.failed);
    expect(posts.map((c) => c.args.channel).sort()).toEqual(['C0SEARCH', 'C0SUPPORT']);
    for (const post of posts) {
      const blocks = post.args.blocks as { text?: { text: string }; fields?: unknown[] }[];
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      for (const b of blocks) {
        if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        if (b.fields) expect(b.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      }
      expect(String(post.args.text)).toMatch(/· week of Nov 9: \$/);
    }
    // The chart went up as a PNG file into each channel.
    expect(slack.uploads).toHaveLength(2);
    for (const upload of slack.uploads) {
      expect([...upload.bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(upload.bytes.length).toBeGreaterThan(10_000);
    }
    const shared = slack.callsTo('files.completeUploadExternal').map((c) => c.args.channel_id);
    expect(shared.sort()).toEqual(['C0SEARCH', 'C0SUPPORT']);

    // Next hour: the sent ones are not sent again; the failed channel is tried again.
    const postsBefore = slack.callsTo('chat.postMessage').length;
    const next = await runWeeklyDigest(depsAt(store, '2026-11-16T10:00:00Z'), {
      dryRun: false,
      charts: false,
    });
    expect(
      next.messages.filter((m) => m.status !== 'already-sent').map((m) => [m.subject, m.status]),
    ).toEqual([['growth', 'failed']]);
    expect(slack.callsTo('chat.postMessage').length - postsBefore).toBe(1);
    expect(await getDigestRecord(store, 'growth', '2026-W47')).toMatchObject({
      state: 'failed',
      attempts: 2,
    });
  });

  it('posts a Teams digest as an Adaptive Card with the chart inline, retrying after the webhook throttled a whole run', async () => {
    const webhooks = await startWebhookServer();
    try {
      const store = await dynamo.newStore();
      await addTeam(store, 'support-bot', '', webhooks.url('support'));
      webhooks.failNext({ status: 429, retryAfter: 1 }, 5, 'support');
      const first = await runWeeklyDigest(depsAt(store, '2026-11-16T09:00:00Z'), { dryRun: false });
      expect(first.messages.map((m) => [m.subject, m.target, m.status])).toEqual([
        ['support-bot', `teams:${new URL(webhooks.base).host}`, 'failed'],
      ]);
      const second = await runWeeklyDigest(depsAt(store, '2026-11-16T10:00:00Z'), { dryRun: false });
      expect(second.messages.map((m) => m.status)).toEqual(['sent']);
      const delivered = webhooks.postsTo('support').filter((p) => !p.failed);
      expect(delivered).toHaveLength(1);
      // What Teams receives: the raw request body, under its 28 KB limit.
      expect(Buffer.byteLength(delivered[0]!.raw, 'utf8')).toBeLessThan(TEAMS_CARD_MAX_BYTES);
      const message = delivered[0]!.body as { attachments: { content: { body: CardElement[] } }[] };
      const body = message.attachments[0]!.content.body;
      expect(JSON.stringify(body)).toMatch(/support-bot · week of Nov 9/);
      expect(JSON.stringify(body)).toMatch(/\*\*Why:\*\*/);
      expect(JSON.stringify(body)).toMatch(/\*\*Do:\*\*/);
      // The chart is an Image whose URL is the PNG itself, decoding to a real PNG.
      const image = body.find((e) => e.type === 'Image');
      expect(image?.altText).toMatch(/support-bot · daily Bedrock spend by model/);
      expect(image?.url).toMatch(/^data:image\/png;base64,/);
      const png = Buffer.from(String(image?.url).slice('data:image/png;base64,'.length), 'base64');
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(5_000);
      expect(png.length).toBeLessThan(second.charts.maxBytes + 1);
      // The chart replaced the sparkline, which is only the fallback.
      expect(JSON.stringify(body)).not.toMatch(/[▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7}/);
    } finally {
      await webhooks.close();
    }
  });
});

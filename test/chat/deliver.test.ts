import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChatDelivery, postReply } from '../../lib/chat/deliver.js';
import { loadConfig } from '../../lib/config.js';
import { DeliveryError } from '../../lib/reply/delivery.js';
import { outboundPolicyOf } from '../../lib/reply/outbound.js';
import type { Reply } from '../../lib/reply/reply.js';
import { simpleReply } from '../../lib/reply/reply.js';
import { LOCAL_WEBHOOK_ENV } from '../support/deps.js';
import {
  type SlackServer,
  startSlackServer,
  startWebhookServer,
  type WebhookServer,
} from '../support/slack-server.js';

let slack: SlackServer;
let webhooks: WebhookServer;
const waits: number[] = [];
const sleep = async (ms: number) => {
  waits.push(ms);
};

beforeAll(async () => {
  [slack, webhooks] = await Promise.all([
    startSlackServer({ token: 'xoxb-test', channels: ['C0FINOPS01', 'C0SEARCH01'] }),
    startWebhookServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([slack?.close(), webhooks?.close()]);
});
beforeEach(() => {
  waits.length = 0;
});

const config = () =>
  loadConfig({ SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: 'xoxb-test', ...LOCAL_WEBHOOK_ENV });

const alert: Reply = {
  headline: 'search has used 85% of its November Bedrock budget.',
  context: ['$4,250 of $5,000', '13 days left'],
  blocks: [{ kind: 'text', text: 'Top driver: *Claude Sonnet 4.5* output tokens.' }],
  actions: [
    { id: 'alert_ack', label: 'Acknowledge', value: 'search|2026-11|80' },
    { id: 'show_breakdown', label: 'Show breakdown', value: 'spend mtd by model team search' },
  ],
};

describe('createChatDelivery: Slack', () => {
  it('posts Block Kit with a text fallback through chat.postMessage and returns the ts', async () => {
    const delivery = createChatDelivery(config(), { sleep });
    const receipt = await delivery.send({ kind: 'slack', channel: 'C0SEARCH01' }, alert);
    const call = slack.callsTo('chat.postMessage').at(-1);
    expect(call?.token).toBe('xoxb-test');
    expect(call?.args.channel).toBe('C0SEARCH01');
    expect(call?.args.text).toMatch(/^search has used 85%/);
    expect(call?.args.blocks[0].type).toBe('header');
    expect(receipt.ts).toMatch(/^1763445600\.\d{6}$/);
  });

  it('waits out 429 Retry-After and then succeeds', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    const delivery = createChatDelivery(config(), { sleep });
    const receipt = await delivery.send({ kind: 'slack', channel: 'C0SEARCH01' }, alert);
    expect(waits).toEqual([2000]);
    expect(receipt.ts).toBeDefined();
  });

  it('gives up after a couple of throttled attempts with a retryable DeliveryError', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 3);
    const delivery = createChatDelivery(config(), { sleep });
    const error = await delivery
      .send({ kind: 'slack', channel: 'C0SEARCH01' }, alert)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
    expect(waits).toEqual([1000, 1000]);
  });

  it('does not retry a permanent refusal (unknown channel)', async () => {
    const delivery = createChatDelivery(config(), { sleep });
    const error = await delivery
      .send({ kind: 'slack', channel: 'C0GONE0001' }, alert)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeliveryError', retryable: false });
    expect(String((error as Error).message)).toContain('channel_not_found');
  });

  it('falls back to plain text when Slack rejects the blocks', async () => {
    slack.failNext('chat.postMessage', { error: 'invalid_blocks' });
    const delivery = createChatDelivery(config(), { sleep });
    await delivery.send({ kind: 'slack', channel: 'C0SEARCH01' }, alert);
    const [refused, retried] = slack.callsTo('chat.postMessage').slice(-2);
    expect(refused?.failed).toBe(true);
    expect(retried?.failed).toBe(false);
    expect(retried?.args.blocks.some((b: { type: string }) => b.type === 'actions')).toBe(false);
  });

  it('uploads a chart PNG into the channel after the message', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const digest: Reply = {
      headline: 'search · week of Nov 9: $1,451 (+21%)',
      blocks: [{ kind: 'image', alt: 'Daily spend by model, 4 weeks', fallback: '▁▂▃▅▇', png }],
    };
    await createChatDelivery(config(), { sleep }).send({ kind: 'slack', channel: 'C0SEARCH01' }, digest);
    const upload = slack.callsTo('files.getUploadURLExternal').at(-1);
    expect(upload?.args).toMatchObject({
      filename: 'daily-spend-by-model-4-weeks.png',
      length: String(png.byteLength),
    });
    expect(slack.uploads.at(-1)?.bytes).toEqual(Buffer.from(png));
    const complete = slack.callsTo('files.completeUploadExternal').at(-1);
    expect(complete?.args.channel_id).toBe('C0SEARCH01');
    expect(complete?.args.files[0].title).toBe('Daily spend by model, 4 weeks');
  });

  it('refuses without a bot token, not retryable', async () => {
    const delivery = createChatDelivery(loadConfig({}), { sleep });
    await expect(delivery.send({ kind: 'slack', channel: 'C0SEARCH01' }, alert)).rejects.toMatchObject({
      retryable: false,
    });
  });
});

describe('createChatDelivery: Teams Workflows webhook', () => {
  it('posts one Adaptive Card message', async () => {
    const url = webhooks.url('search');
    await createChatDelivery(config(), { sleep }).send({ kind: 'teams', webhookUrl: url }, alert);
    const post = webhooks.postsTo('search').at(-1);
    expect(post?.body.type).toBe('message');
    expect(post?.body.attachments).toHaveLength(1);
    expect(post?.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(post?.body.attachments[0].content.version).toBe('1.5');
  });

  it('sends a chart inline as a data URI, or only its sparkline when the card would pass 28 KB', async () => {
    const png = (bytes: number) => {
      const b = new Uint8Array(bytes);
      b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      for (let i = 8; i < bytes; i++) b[i] = (i * 31) % 256;
      return b;
    };
    const withChart = (bytes: number): Reply => ({
      ...alert,
      blocks: [
        { kind: 'image', alt: 'Daily spend by model', fallback: '▁▂▃▅▇', png: png(bytes) },
        ...alert.blocks,
      ],
    });
    const url = webhooks.url('charts');
    const delivery = createChatDelivery(config(), { sleep });
    await delivery.send({ kind: 'teams', webhookUrl: url }, withChart(10_000));
    await delivery.send({ kind: 'teams', webhookUrl: url }, withChart(30_000));
    const [small, big] = webhooks.postsTo('charts').map((p) => p.raw);
    for (const raw of [small, big]) expect(Buffer.byteLength(raw ?? '', 'utf8')).toBeLessThan(28 * 1024);
    const image = /"url":"data:image\/png;base64,([^"]+)"/.exec(small ?? '')?.[1];
    expect([...Buffer.from(image ?? '', 'base64').subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(small).not.toContain('▁▂▃▅▇');
    expect(big).not.toContain('"Image"');
    expect(big).toContain('▁▂▃▅▇');
    expect(big).toContain(alert.headline);
    expect(big).toContain('Top driver: **Claude Sonnet 4.5** output tokens.');
  });

  it('shrinks to text on 413, and gives up (not retryable) when even that is too large', async () => {
    const url = webhooks.url('big');
    webhooks.failNext({ status: 413, body: 'Request Entity Too Large' }, 1, 'big');
    await createChatDelivery(config(), { sleep }).send({ kind: 'teams', webhookUrl: url }, alert);
    expect(webhooks.postsTo('big').map((p) => p.failed)).toEqual([true, false]);

    webhooks.failNext({ status: 413 }, 2, 'big');
    const error = await createChatDelivery(config(), { sleep })
      .send({ kind: 'teams', webhookUrl: url }, alert)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeliveryError', retryable: false });
  });

  it('reports a deleted flow as permanent and an outage as retryable', async () => {
    const url = webhooks.url('flaky');
    webhooks.failNext({ status: 404 }, 1, 'flaky');
    await expect(
      createChatDelivery(config(), { sleep }).send({ kind: 'teams', webhookUrl: url }, alert),
    ).rejects.toMatchObject({
      retryable: false,
    });
    webhooks.failNext({ status: 502 }, 3, 'flaky');
    await expect(
      createChatDelivery(config(), { sleep }).send({ kind: 'teams', webhookUrl: url }, alert),
    ).rejects.toMatchObject({
      retryable: true,
    });
  });
});

describe('postReply', () => {
  it('answers through a Slack response_url, ephemeral unless the reply is public', async () => {
    const url = slack.responseUrl('post-1');
    const policy = outboundPolicyOf(config());
    await postReply({ kind: 'slack-response-url', url }, simpleReply('Done.'), { policy });
    await postReply(
      { kind: 'slack-response-url', url },
      { ...simpleReply('For everyone.'), visibility: 'in_channel' },
      { policy },
    );
    const posts = slack.responsesTo('post-1').map((p) => p.body);
    expect(posts.map((p) => [p.response_type, p.text, p.replace_original])).toEqual([
      ['ephemeral', 'Done.', false],
      ['in_channel', 'For everyone.', false],
    ]);
  });
});

import { WebClient, WebClientEvent } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackServer, startSlackServer, startWebhookServer } from './slack-server.js';

describe('startSlackServer with the real Slack WebClient', () => {
  let slack: SlackServer;
  let client: WebClient;
  beforeAll(async () => {
    slack = await startSlackServer({ token: 'xoxb-test', channels: ['C0FINOPS01'] });
    client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 2 } });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('records chat.postMessage with parsed blocks and answers with a message ts', async () => {
    const out = await client.chat.postMessage({
      channel: 'C0FINOPS01',
      text: 'Bedrock spend is $1,234.56 this week',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*$1,234.56*' } }],
    });
    expect(out.ok).toBe(true);
    expect(out.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.token).toBe('xoxb-test');
    expect(call?.args.channel).toBe('C0FINOPS01');
    expect(call?.args.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*$1,234.56*' } }]);
  });

  it('answers auth.test with the bot identity and refuses a wrong token', async () => {
    const me = await client.auth.test();
    expect(me).toMatchObject({ ok: true, user_id: 'U0BOT00001', team_id: 'T0TEST0001' });
    const stranger = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
  });

  it('answers channel_not_found for a channel it does not know, and on demand', async () => {
    await expect(client.chat.postMessage({ channel: 'C0UNKNOWN1', text: 'hi' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    slack.failNext('chat.update', { error: 'message_not_found' });
    await expect(client.chat.update({ channel: 'C0FINOPS01', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    const again = await client.chat.update({ channel: 'C0FINOPS01', ts: '1.2', text: 'x' });
    expect(again.ok).toBe(true);
  });

  it('rate-limits with 429 + Retry-After, which the WebClient waits out and retries', async () => {
    slack.failNext('chat.postEphemeral', { status: 429, retryAfter: 0 });
    const rateLimited: number[] = [];
    client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => rateLimited.push(seconds));
    const out = await client.chat.postEphemeral({
      channel: 'C0FINOPS01',
      user: 'U0ALICE001',
      text: 'only you',
    });
    expect(out.ok).toBe(true);
    expect(rateLimited).toEqual([0]);
    const calls = slack.callsTo('chat.postEphemeral');
    expect(calls.map((c) => c.failed)).toEqual([true, false]);
  });

  it('fails a call with a 5xx', async () => {
    slack.failNext('chat.postMessage', { status: 503 }, 5);
    const fragile = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(fragile.chat.postMessage({ channel: 'C0FINOPS01', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_http_error',
      statusCode: 503,
    });
  });

  it('runs the external file upload flow (getUploadURLExternal, upload, completeUploadExternal)', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const out = await client.filesUploadV2({
      channel_id: 'C0FINOPS01',
      file: png,
      filename: 'spend.png',
      title: 'Daily spend',
      initial_comment: 'Spend by day',
    });
    expect(out.ok).toBe(true);
    expect(slack.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({
      filename: 'spend.png',
      length: String(png.length),
    });
    expect(slack.uploads).toHaveLength(1);
    expect(slack.uploads[0]?.bytes).toEqual(png);
    const complete = slack.callsTo('files.completeUploadExternal')[0];
    expect(complete?.args.channel_id).toBe('C0FINOPS01');
    expect(complete?.args.files).toEqual([{ id: slack.uploads[0]?.fileId, title: 'Daily spend' }]);
  });

  it('records response_url posts and can expire one', async () => {
    const url = slack.responseUrl('cmd1');
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: 'Working on it' }),
    });
    expect(ok.status).toBe(200);
    slack.failNext('response', { status: 404, body: 'expired_url' });
    const expired = await fetch(url, { method: 'POST', body: '{"text":"late"}' });
    expect(expired.status).toBe(404);
    expect(slack.responsesTo('cmd1').map((r) => [r.body.text, r.failed])).toEqual([
      ['Working on it', false],
      ['late', true],
    ]);
  });
});

describe('startWebhookServer', () => {
  it('accepts Teams Workflows posts with 202 and can fail with 413 or 5xx', async () => {
    const hook = await startWebhookServer();
    try {
      const url = hook.url('finops');
      const card = {
        type: 'message',
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }],
      };
      const post = () =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(card),
        });
      expect((await post()).status).toBe(202);
      hook.failNext({ status: 413, body: 'Request Entity Too Large' });
      expect((await post()).status).toBe(413);
      hook.failNext({ status: 502 }, 1, 'finops');
      expect((await post()).status).toBe(502);
      expect((await post()).status).toBe(202);
      expect(hook.postsTo('finops').map((p) => p.failed)).toEqual([false, true, true, false]);
      expect(hook.postsTo(url)[0]?.body).toEqual(card);
    } finally {
      await hook.close();
    }
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  blockActionsPayload,
  httpEvent,
  signSlackRequest,
  signTeamsRequest,
  slackCommandBody,
  slackEventBody,
  slackInteractionBody,
  slackRequest,
  TEST_EPOCH_SECONDS,
  teamsMessage,
  teamsRequest,
} from './signing.js';

describe('Slack request signing', () => {
  it('matches the worked example in Slack’s documentation', () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = signSlackRequest(body, '8f742231b10e8888abcd99yyyzzz85a5', 1531420618);
    expect(headers).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it('builds a signed slash command event whose form fields Slack would send', () => {
    const body = slackCommandBody({ text: 'spend last week by team', userId: 'U0BOB00001' });
    const event = slackRequest(body, 'secret');
    const form = new URLSearchParams(event.body);
    expect(form.get('command')).toBe('/bedrock-cost');
    expect(form.get('text')).toBe('spend last week by team');
    expect(form.get('user_id')).toBe('U0BOB00001');
    expect(form.get('response_url')).toMatch(/^https:\/\/hooks\.slack\.com\/commands\//);
    expect(event.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(event.headers['x-slack-request-timestamp']).toBe(String(TEST_EPOCH_SECONDS));
    expect(event.headers['x-slack-signature']).toBe(signSlackRequest(body, 'secret')['x-slack-signature']);
    expect(event.requestContext.http.method).toBe('POST');
    expect(event.rawPath).toBe('/slack/events');
  });

  it('wraps a block_actions payload in the payload= form field', () => {
    const payload = blockActionsPayload({
      actionId: 'idle.snooze',
      value: 'pt-abc123',
      messageTs: '1763445600.000100',
    });
    const body = slackInteractionBody(payload);
    const parsed = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}');
    expect(parsed.type).toBe('block_actions');
    expect(parsed.actions[0]).toMatchObject({ action_id: 'idle.snooze', value: 'pt-abc123', type: 'button' });
    expect(parsed.container).toMatchObject({ message_ts: '1763445600.000100', channel_id: 'C0FINOPS01' });
  });

  it('sends Events API bodies as JSON', () => {
    const body = slackEventBody({
      type: 'app_mention',
      user: 'U0ALICE001',
      text: '<@U0BOT00001> spend',
      channel: 'C0FINOPS01',
    });
    const event = slackRequest(body, 'secret', { base64: true });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.isBase64Encoded).toBe(true);
    expect(JSON.parse(Buffer.from(event.body ?? '', 'base64').toString('utf8')).event.type).toBe(
      'app_mention',
    );
  });
});

describe('Teams outgoing webhook signing', () => {
  const secret = Buffer.from('a-32-byte-secret-for-tests-only!').toString('base64');

  it('signs the raw body with the base64-decoded key', () => {
    const body = '{"type":"message","text":"<at>bedrock-cost</at> help"}';
    const expected = createHmac('sha256', Buffer.from(secret, 'base64')).update(body).digest('base64');
    expect(signTeamsRequest(body, secret)).toEqual({ authorization: `HMAC ${expected}` });
  });

  it('builds a signed message event with the mention and sender', () => {
    const message = teamsMessage({
      text: 'spend last week',
      fromName: 'Bob Example',
      aadObjectId: 'aad-bob',
    });
    const event = teamsRequest(message, secret);
    const parsed = JSON.parse(event.body ?? '{}');
    expect(parsed.text).toBe('<at>bedrock-cost</at> spend last week\n');
    expect(parsed.from).toMatchObject({ name: 'Bob Example', aadObjectId: 'aad-bob' });
    expect(parsed.conversation.id).toMatch(/@thread\.tacv2;messageid=/);
    expect(event.headers.authorization).toBe(signTeamsRequest(event.body ?? '', secret).authorization);
    expect(event.rawPath).toBe('/teams/messages');
  });
});

describe('httpEvent', () => {
  it('lower-cases headers and parses the query string like API Gateway', () => {
    const event = httpEvent({ path: '/x', method: 'GET', query: 'a=1&b=two', headers: { 'X-Thing': 'y' } });
    expect(event.headers).toEqual({ 'x-thing': 'y' });
    expect(event.queryStringParameters).toEqual({ a: '1', b: 'two' });
    expect(event.routeKey).toBe('GET /x');
    expect(event.isBase64Encoded).toBe(false);
  });
});

/**
 * Requests as Slack and Teams send them: signatures, API Gateway HTTP API (payload 2.0)
 * events, and realistic payload fixtures (slash command, block_actions, Events API,
 * Teams outgoing webhook message).
 *
 * @example
 * const body = slackCommandBody({ text: 'spend last week', userId: 'U0ADMIN' });
 * const event = slackRequest(body, 'signing-secret');          // POST /slack/events, signed
 * const result = await handler(event);
 *
 * const teams = teamsRequest(teamsMessage({ text: 'spend last week' }), TEAMS_SECRET);
 */
import { createHmac } from 'node:crypto';
import type { HttpEvent } from '../../lib/chat/http.js';

/** The suite's "now" in epoch seconds (2026-11-18T06:00:00Z): default Slack request timestamp. */
export const TEST_EPOCH_SECONDS = Math.floor(Date.parse('2026-11-18T06:00:00Z') / 1000);

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed
 * with the app's signing secret.
 */
export function signSlackRequest(
  body: string,
  secret: string,
  timestamp: number | string = TEST_EPOCH_SECONDS,
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const ts = String(timestamp);
  const signature = createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': ts };
}

/**
 * Teams outgoing-webhook signature: `HMAC <base64 HMAC-SHA256 of the raw body>`, keyed with the
 * base64-decoded secret Teams shows when the webhook is created.
 */
export function signTeamsRequest(body: string, base64Secret: string): { authorization: string } {
  const mac = createHmac('sha256', Buffer.from(base64Secret, 'base64')).update(body, 'utf8').digest('base64');
  return { authorization: `HMAC ${mac}` };
}

export interface HttpEventOptions {
  path: string;
  body?: string;
  /** Header names are lower-cased, as API Gateway HTTP APIs deliver them. */
  headers?: Record<string, string>;
  method?: string;
  /** Query string without `?`. */
  query?: string;
  /** Deliver the body base64-encoded with `isBase64Encoded: true` (API Gateway does this for form posts). */
  base64?: boolean;
  /** `requestContext.timeEpoch`; default the suite's "now". */
  timeEpochMs?: number;
}

/** An API Gateway HTTP API payload 2.0 event, shaped like `lib/local/serve.ts` `toHttpEvent` builds. */
export function httpEvent(options: HttpEventOptions): HttpEvent {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  const body = options.body ?? '';
  if (body && headers['content-length'] === undefined)
    headers['content-length'] = String(Buffer.byteLength(body));
  const query = options.query ?? '';
  const timeEpoch = options.timeEpochMs ?? TEST_EPOCH_SECONDS * 1000;
  const routeKey = `${method} ${options.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: options.path,
    rawQueryString: query,
    headers,
    queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'testapi',
      domainName: 'testapi.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'testapi',
      http: {
        method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `test-${timeEpoch}`,
      routeKey,
      stage: '$default',
      time: new Date(timeEpoch).toISOString(),
      timeEpoch,
    },
    body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: Boolean(options.base64),
  };
}

/**
 * A signed Slack request (slash command, interactivity or Events API body) as the Lambda sees
 * it. Content type follows the body: JSON for Events API, form otherwise.
 *
 * The timestamp defaults to the suite's "now" (`TEST_EPOCH_SECONDS`, 2026-11-18T06:00:00Z), which
 * suits a verifier that checks freshness against `deps.clock`. A verifier using the system
 * clock needs `timestamp: Math.floor(Date.now() / 1000)`.
 */
export function slackRequest(
  body: string,
  secret: string,
  options: {
    path?: string;
    timestamp?: number | string;
    base64?: boolean;
    headers?: Record<string, string>;
  } = {},
): HttpEvent {
  const json = body.trimStart().startsWith('{');
  return httpEvent({
    path: options.path ?? '/slack/events',
    body,
    base64: options.base64,
    headers: {
      'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signSlackRequest(body, secret, options.timestamp),
      ...options.headers,
    },
  });
}

/** A signed Teams outgoing-webhook request (`message` is serialised as the raw body). */
export function teamsRequest(
  message: object | string,
  base64Secret: string,
  options: { path?: string; headers?: Record<string, string> } = {},
): HttpEvent {
  const body = typeof message === 'string' ? message : JSON.stringify(message);
  return httpEvent({
    path: options.path ?? '/teams/messages',
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)',
      ...signTeamsRequest(body, base64Secret),
      ...options.headers,
    },
  });
}

export interface SlackCommandOptions {
  text: string;
  command?: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  teamId?: string;
  teamDomain?: string;
  responseUrl?: string;
  triggerId?: string;
  apiAppId?: string;
}

/** A slash-command form body, fields in the order Slack sends them. */
export function slackCommandBody(options: SlackCommandOptions): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: options.teamId ?? 'T0TEST0001',
    team_domain: options.teamDomain ?? 'acme',
    channel_id: options.channelId ?? 'C0FINOPS01',
    channel_name: options.channelName ?? 'finops',
    user_id: options.userId ?? 'U0ALICE001',
    user_name: options.userName ?? 'alice',
    command: options.command ?? '/bedrock-cost',
    text: options.text,
    api_app_id: options.apiAppId ?? 'A0BEDROCK1',
    is_enterprise_install: 'false',
    response_url:
      options.responseUrl ?? 'https://hooks.slack.com/commands/T0TEST0001/1234567890123/abcdefABCDEF123456',
    trigger_id: options.triggerId ?? '1234567890123.1234567890.abcdef0123456789abcdef0123456789',
  }).toString();
}

export interface BlockActionOptions {
  actionId: string;
  value: string;
  /** Button text shown to the user. */
  text?: string;
  blockId?: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  teamId?: string;
  responseUrl?: string;
  triggerId?: string;
  /** The message the button is on (omit for ephemeral messages, which Slack sends as `container` only). */
  messageTs?: string;
}

/** A `block_actions` interactivity payload (a button click). */
export function blockActionsPayload(options: BlockActionOptions): Record<string, unknown> {
  const teamId = options.teamId ?? 'T0TEST0001';
  const channelId = options.channelId ?? 'C0FINOPS01';
  const userId = options.userId ?? 'U0ALICE001';
  return {
    type: 'block_actions',
    user: {
      id: userId,
      username: options.userName ?? 'alice',
      name: options.userName ?? 'alice',
      team_id: teamId,
    },
    api_app_id: 'A0BEDROCK1',
    token: 'deprecated-verification-token',
    container: options.messageTs
      ? { type: 'message', message_ts: options.messageTs, channel_id: channelId, is_ephemeral: false }
      : { type: 'message', message_ts: '1763445600.000100', channel_id: channelId, is_ephemeral: true },
    trigger_id: options.triggerId ?? '1234567890123.1234567890.fedcba9876543210fedcba9876543210',
    team: { id: teamId, domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: 'finops' },
    ...(options.messageTs
      ? {
          message: {
            type: 'message',
            user: 'U0BOT00001',
            ts: options.messageTs,
            bot_id: 'B0BEDROCK1',
            text: '',
          },
        }
      : {}),
    state: { values: {} },
    response_url:
      options.responseUrl ?? 'https://hooks.slack.com/actions/T0TEST0001/1234567890123/abcdefABCDEF123456',
    actions: [
      {
        action_id: options.actionId,
        block_id: options.blockId ?? 'actions',
        text: { type: 'plain_text', text: options.text ?? options.actionId, emoji: true },
        value: options.value,
        type: 'button',
        action_ts: `${TEST_EPOCH_SECONDS}.123456`,
      },
    ],
  };
}

/** The interactivity form body Slack posts: `payload=<url-encoded JSON>`. */
export function slackInteractionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API `event_callback` envelope (JSON body), e.g. for an `app_mention`. */
export function slackEventBody(
  event: Record<string, unknown>,
  options: { teamId?: string; eventId?: string } = {},
): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: options.teamId ?? 'T0TEST0001',
    api_app_id: 'A0BEDROCK1',
    event,
    type: 'event_callback',
    event_id: options.eventId ?? 'Ev0TEST0001',
    event_time: TEST_EPOCH_SECONDS,
    authorizations: [{ team_id: options.teamId ?? 'T0TEST0001', user_id: 'U0BOT00001', is_bot: true }],
  });
}

export interface TeamsMessageOptions {
  /** What the user typed after the mention, e.g. `spend last week`. */
  text: string;
  /** The outgoing webhook's name as mentioned (`<at>bedrock-cost</at>`). */
  botName?: string;
  fromId?: string;
  fromName?: string;
  aadObjectId?: string;
  conversationId?: string;
  tenantId?: string;
  serviceUrl?: string;
  teamId?: string;
  /** Message id (also the activity id). */
  id?: string;
}

/** A Teams outgoing-webhook activity as Teams posts it (text starts with the `<at>` mention). */
export function teamsMessage(options: TeamsMessageOptions): Record<string, unknown> {
  const bot = options.botName ?? 'bedrock-cost';
  const tenantId = options.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const channelId =
    options.conversationId?.split(';')[0] ?? '19:finops0000000000000000000000000@thread.tacv2';
  const id = options.id ?? '1763445600000';
  const teamId = options.teamId ?? '19:team00000000000000000000000000000@thread.tacv2';
  const escaped = options.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    type: 'message',
    id,
    timestamp: '2026-11-18T06:00:00.000Z',
    localTimestamp: '2026-11-18T07:00:00.000+01:00',
    serviceUrl: options.serviceUrl ?? 'https://smba.trafficmanager.net/emea/',
    channelId: 'msteams',
    from: {
      id: options.fromId ?? '29:1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
      name: options.fromName ?? 'Alice Example',
      aadObjectId: options.aadObjectId ?? '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11',
    },
    conversation: {
      isGroup: true,
      id: options.conversationId ?? `${channelId};messageid=${id}`,
      name: null,
      conversationType: 'channel',
      tenantId,
    },
    recipient: null,
    textFormat: 'plain',
    attachmentLayout: null,
    membersAdded: [],
    membersRemoved: [],
    topicName: null,
    historyDisclosed: null,
    locale: 'en-US',
    text: `<at>${bot}</at> ${options.text}\n`,
    speak: null,
    inputHint: null,
    summary: null,
    suggestedActions: null,
    attachments: [
      {
        contentType: 'text/html',
        content: `<div><div><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">${bot}</span> ${escaped}</div></div>`,
      },
    ],
    entities: [
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/Berlin' },
      {
        type: 'mention',
        mentioned: { id: '28:0a1b2c3d-0000-4000-8000-bedrockcost01', name: bot },
        text: `<at>${bot}</at>`,
      },
    ],
    channelData: {
      teamsChannelId: channelId,
      teamsTeamId: teamId,
      channel: { id: channelId },
      team: { id: teamId },
      tenant: { id: tenantId },
    },
    action: null,
    replyToId: null,
    value: null,
    name: null,
    relatesTo: null,
    code: null,
  };
}

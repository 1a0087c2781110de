/**
 * Sending messages to chat: proactive ones (alerts, digests, idle findings) through
 * `createChatDelivery`, and the command worker's answers through `postReply`.
 *
 * - Slack: Web API `chat.postMessage` with the bot token (`SLACK_API_URL` points it at a
 *   local server in tests). Charts (`image` blocks with a `png`) are uploaded with the
 *   two-step external upload (`files.getUploadURLExternal`, POST the bytes,
 *   `files.completeUploadExternal`) and shared into the same channel after the message.
 * - Teams: the team's Workflows webhook ("Post to a channel when a webhook request is
 *   received"), which takes `{type: 'message', attachments: [adaptive card]}`. It cannot
 *   carry a file: a chart goes inline in the card as a data URI (see teams-render.ts).
 *
 * Failure policy, so callers (which record "sent" only after success) can decide:
 * - A message POST (`chat.postMessage`, a `response_url`, a Teams webhook) is repeated only
 *   when it surely did not arrive: HTTP 429 (throttled, waited out per `Retry-After` a
 *   couple of times) or a connection that was never made (refused, unknown host). After a
 *   timeout or a 5xx the platform may well have posted it (a slow Slack answered 500 after
 *   posting): the `DeliveryError` says `maybeDelivered` and callers do not post it again.
 * - Idempotent steps (asking for an upload URL, uploading the bytes) are also retried on
 *   5xx and network errors.
 * - Redirects are never followed (`redirect: 'manual'`): a 3xx is a refusal. An allowed
 *   webhook host answering `307 -> http://127.0.0.1/` must not turn the bot into a proxy.
 * - Webhook and `response_url` destinations are checked against `lib/reply/outbound.ts` first.
 * - A permanent refusal (unknown channel, bot not in channel, bad token, deleted webhook)
 *   is not retryable. A message too large for the platform is retried once as a smaller
 *   plain-text version before giving up.
 * - A chart that cannot be uploaded after its message was posted does not fail the send:
 *   the receipt says so (`attachmentError`), the message counts as sent.
 */
import type { Config } from '../config.js';
import type { ChatTarget, Delivery, DeliveryReceipt, WorkerReplyTo } from '../reply/delivery.js';
import { DeliveryError, describeTarget } from '../reply/delivery.js';
import {
  DEFAULT_OUTBOUND_POLICY,
  isAllowedResponseUrl,
  type OutboundPolicy,
  outboundPolicyOf,
  webhookUrlRefusal,
} from '../reply/outbound.js';
import type { Reply } from '../reply/reply.js';
import { simpleReply } from '../reply/reply.js';
import { renderSlack, type SlackMessage } from './slack-render.js';
import { renderTeams, teamsAttachment } from './teams-render.js';
import { renderText } from './text.js';

export interface ChatDeliveryOptions {
  fetch?: typeof fetch;
  /** Wait (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** How many times a throttled or failed request is retried (default 2). */
  retries?: number;
  /** Longest single `Retry-After` honoured, in seconds (default 10); longer fails retryable. */
  maxRetryAfterSeconds?: number;
  /** How long one request may take before it is abandoned, in ms (default 10,000). */
  timeoutMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Slack Web API errors that will not go away by retrying. */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'restricted_action',
  'no_permission',
  'invalid_arguments',
]);

/** Errors meaning "this message is too big or malformed": retry once as plain text. */
const SHRINKABLE_SLACK_ERRORS = new Set(['invalid_blocks', 'msg_too_long', 'invalid_blocks_format']);

interface HttpOutcome {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Connection errors that mean the request never left: nothing can have been posted.
 * (`ECONNRESET`, a timeout or a closed socket may come after the server read the request.)
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof e.code === 'string' ? [e.code] : []),
    ...errorCodes(e.cause, depth + 1),
    ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, depth + 1)) : []),
  ];
}

/** The request surely did not reach the server (connection refused, host unknown). */
export function surelyNotSent(error: unknown): boolean {
  const codes = errorCodes(error);
  return codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c));
}

/**
 * `message`: posts a message, repeated only when it surely did not arrive (429, refused).
 * `idempotent`: safe to repeat (an upload URL, the bytes), also after a 5xx or a timeout.
 */
type RequestKind = 'message' | 'idempotent';

class Http {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retries: number;
  readonly maxRetryAfter: number;
  readonly timeoutMs: number;
  constructor(options: ChatDeliveryOptions) {
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    this.sleep = options.sleep ?? defaultSleep;
    this.retries = options.retries ?? 2;
    this.maxRetryAfter = options.maxRetryAfterSeconds ?? 10;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * POST, never following a redirect, with the retries `kind` allows. `what` names the
   * destination in errors without the URL (webhook URLs are secrets).
   */
  async post(
    url: string,
    init: { headers: Record<string, string>; body: string | Uint8Array },
    what: string,
    kind: RequestKind,
  ): Promise<HttpOutcome> {
    for (let attempt = 0; ; attempt++) {
      let outcome: HttpOutcome;
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: init.headers,
          body: init.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        outcome = { status: response.status, headers: response.headers, text: await response.text() };
      } catch (error) {
        const notSent = surelyNotSent(error);
        if ((notSent || kind === 'idempotent') && attempt < this.retries) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
        const timedOut = error instanceof Error && /TimeoutError|AbortError/.test(error.name);
        throw new DeliveryError(
          `${what}: ${notSent ? 'connection refused' : timedOut ? 'no answer in time' : 'network error'}`,
          { retryable: true, maybeDelivered: kind === 'message' && !notSent, cause: error },
        );
      }
      if (outcome.status === 0 || (outcome.status >= 300 && outcome.status < 400)) {
        // `redirect: 'manual'`: the platform did not take the message here, and we do not
        // follow it elsewhere (a redirect can point into our own network).
        throw new DeliveryError(`${what}: answered HTTP ${outcome.status} (a redirect, not followed)`, {
          retryable: false,
        });
      }
      const throttled = outcome.status === 429;
      const repeatable = throttled || (kind === 'idempotent' && outcome.status >= 500);
      if (repeatable && attempt < this.retries) {
        const wait = retryAfterSeconds(outcome.headers, throttled ? 1 : 0.5 * 2 ** attempt);
        if (wait > this.maxRetryAfter) {
          throw new DeliveryError(`${what}: throttled for ${wait}s`, { retryable: true });
        }
        await this.sleep(wait * 1000);
        continue;
      }
      return outcome;
    }
  }
}

function retryAfterSeconds(headers: Headers, fallback: number): number {
  const value = Number(headers.get('retry-after'));
  return Number.isFinite(value) && value >= 0 && headers.get('retry-after') !== null ? value : fallback;
}

/** A reply without its evidence, for platforms that refused the full message. */
function shrunk(reply: Reply): Reply {
  const text = renderText(reply);
  return {
    ...simpleReply(reply.headline, text.length > 2800 ? `${text.slice(0, 2800)}…` : text),
    visibility: reply.visibility,
  };
}

class SlackApi {
  constructor(
    private readonly http: Http,
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Call a Web API method; JSON or form body; resolves with the `ok: true` body. */
  async call(
    method: string,
    args: Record<string, unknown>,
    options: { form?: boolean; kind?: RequestKind } = {},
  ): Promise<Record<string, unknown>> {
    const form = options.form ?? false;
    const kind = options.kind ?? 'message';
    const body = form
      ? new URLSearchParams(
          Object.entries(args).map(
            ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string],
          ),
        ).toString()
      : JSON.stringify(args);
    const outcome = await this.http.post(
      `${this.baseUrl}/${method}`,
      {
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8',
        },
        body,
      },
      `slack ${method}`,
      kind,
    );
    if (outcome.status === 429) throw new DeliveryError(`slack ${method}: rate limited`, { retryable: true });
    if (outcome.status >= 500)
      throw new DeliveryError(`slack ${method}: HTTP ${outcome.status}`, {
        retryable: true,
        maybeDelivered: kind === 'message',
      });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(outcome.text) as Record<string, unknown>;
    } catch {
      throw new DeliveryError(`slack ${method}: HTTP ${outcome.status}, not a Web API answer`, {
        retryable: false,
      });
    }
    if (parsed.ok === true) return parsed;
    const error = String(parsed.error ?? `http_${outcome.status}`);
    throw new SlackApiError(method, error);
  }
}

class SlackApiError extends DeliveryError {
  readonly code: string;
  constructor(method: string, code: string) {
    super(`slack ${method}: ${code}`, {
      retryable: !PERMANENT_SLACK_ERRORS.has(code) && !SHRINKABLE_SLACK_ERRORS.has(code),
    });
    this.code = code;
  }
}

async function sendSlack(api: SlackApi, http: Http, channel: string, reply: Reply): Promise<DeliveryReceipt> {
  let message: SlackMessage = renderSlack(reply);
  let posted: Record<string, unknown>;
  try {
    posted = await api.call('chat.postMessage', {
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
    });
  } catch (error) {
    if (!(error instanceof SlackApiError) || !SHRINKABLE_SLACK_ERRORS.has(error.code)) throw error;
    message = renderSlack(shrunk(reply));
    posted = await api.call('chat.postMessage', {
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
    });
  }
  const ts = typeof posted.ts === 'string' ? posted.ts : undefined;
  const receipt: DeliveryReceipt = ts ? { ts } : {};
  // The message is out: from here on nothing may fail the send, or the caller would give
  // its claim back and the next run would post the message again (a digest went out 6
  // times when its chart upload answered `missing_scope`). A failed chart is a partial success.
  for (const block of reply.blocks) {
    if (block.kind !== 'image' || !block.png || block.url) continue;
    try {
      await uploadPng(api, http, channel, block.alt, block.png);
    } catch (error) {
      receipt.attachmentError = error instanceof Error ? error.message : String(error);
    }
  }
  return receipt;
}

/** Share a PNG (a digest chart) in a channel: Slack's two-step external upload. */
async function uploadPng(
  api: SlackApi,
  http: Http,
  channel: string,
  title: string,
  png: Uint8Array,
): Promise<void> {
  const filename = `${
    title
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'chart'
  }.png`;
  const target = await api.call(
    'files.getUploadURLExternal',
    { filename, length: String(png.byteLength) },
    { form: true, kind: 'idempotent' },
  );
  const uploadUrl = String(target.upload_url ?? '');
  const fileId = String(target.file_id ?? '');
  if (!uploadUrl || !fileId)
    throw new DeliveryError('slack files.getUploadURLExternal: no upload URL', { retryable: true });
  const uploaded = await http.post(
    uploadUrl,
    { headers: { 'content-type': 'image/png' }, body: png },
    'slack file upload',
    'idempotent',
  );
  if (uploaded.status !== 200) {
    throw new DeliveryError(`slack file upload: HTTP ${uploaded.status}`, {
      retryable: uploaded.status >= 500,
    });
  }
  await api.call(
    'files.completeUploadExternal',
    { files: [{ id: fileId, title }], channel_id: channel },
    { form: true },
  );
}

async function postTeams(
  http: Http,
  webhookUrl: string,
  reply: Reply,
  policy: OutboundPolicy,
): Promise<void> {
  const refusal = webhookUrlRefusal(webhookUrl, policy);
  // Checked again here, not only at `budget set`: an item written before the check existed,
  // or a webhook in `BEDROCK_COST_FINOPS_CHANNEL`, takes the same road.
  if (refusal)
    throw new DeliveryError(`teams webhook: not an allowed destination (${refusal})`, { retryable: false });
  const message = (r: Reply) =>
    JSON.stringify({ type: 'message', attachments: [teamsAttachment(renderTeams(r))] });
  let outcome = await http.post(
    webhookUrl,
    { headers: { 'content-type': 'application/json' }, body: message(reply) },
    'teams webhook',
    'message',
  );
  if (outcome.status === 413) {
    // Over the 28 KB message limit even after the renderer's shrinking: plain text only.
    outcome = await http.post(
      webhookUrl,
      { headers: { 'content-type': 'application/json' }, body: message(shrunk(reply)) },
      'teams webhook',
      'message',
    );
    if (outcome.status === 413)
      throw new DeliveryError('teams webhook: message too large', { retryable: false });
  }
  if (outcome.status >= 200 && outcome.status < 300) return;
  const retryable = outcome.status === 429 || outcome.status >= 500 || outcome.status === 408;
  throw new DeliveryError(`teams webhook: HTTP ${outcome.status}`, {
    retryable,
    maybeDelivered: outcome.status >= 500,
  });
}

/**
 * The real `Delivery`: Slack Web API and Teams Workflows webhooks.
 *
 * @example
 * const delivery = createChatDelivery(config);
 * await delivery.send({ kind: 'slack', channel: 'C0123ABCD' }, reply); // { ts: '1763445600.000100' }
 */
export function createChatDelivery(config: Config, options: ChatDeliveryOptions = {}): Delivery {
  const http = new Http(options);
  const policy = outboundPolicyOf(config);
  return {
    async send(target: ChatTarget, reply: Reply): Promise<DeliveryReceipt> {
      if (target.kind === 'slack') {
        if (!config.SLACK_BOT_TOKEN) {
          throw new DeliveryError(`${describeTarget(target)}: SLACK_BOT_TOKEN is not set`, {
            retryable: false,
          });
        }
        return sendSlack(
          new SlackApi(http, config.SLACK_API_URL, config.SLACK_BOT_TOKEN),
          http,
          target.channel,
          reply,
        );
      }
      if (target.kind === 'teams-bot') {
        const { sendToConversation } = await import('./teams-bot/send.js');
        return sendToConversation(config, target, reply, options);
      }
      await postTeams(http, target.webhookUrl, reply, policy);
      return {};
    },
  };
}

/**
 * Publish a Slack view for one user (`views.publish`: the App Home tab). Idempotent (the
 * view replaces the last one), so a lost answer is retried.
 *
 * @example
 * await publishSlackView(config, 'U0ALICE001', { type: 'home', blocks });
 */
export async function publishSlackView(
  config: Config,
  userId: string,
  view: Record<string, unknown> | { type: 'home' },
  options: ChatDeliveryOptions = {},
): Promise<void> {
  if (!config.SLACK_BOT_TOKEN)
    throw new DeliveryError('slack views.publish: SLACK_BOT_TOKEN is not set', { retryable: false });
  const api = new SlackApi(new Http(options), config.SLACK_API_URL, config.SLACK_BOT_TOKEN);
  await api.call('views.publish', { user_id: userId, view }, { kind: 'idempotent' });
}

/**
 * Post a command answer where the request said to: Slack's `response_url` (ephemeral by
 * default, `in_channel` for `... public`) or a Teams Workflows webhook. The destination is
 * checked against `policy` (default: Slack's own `hooks.slack.com`, the Workflows hosts).
 */
export async function postReply(
  replyTo: Exclude<WorkerReplyTo, { kind: 'teams-bot' } | { kind: 'slack-app-home' }>,
  reply: Reply,
  options: ChatDeliveryOptions & { replaceOriginal?: boolean; policy?: OutboundPolicy } = {},
): Promise<void> {
  const http = new Http(options);
  const policy = options.policy ?? DEFAULT_OUTBOUND_POLICY;
  if (replyTo.kind === 'none') return;
  if (replyTo.kind === 'teams-webhook') {
    await postTeams(http, replyTo.url, reply, policy);
    return;
  }
  if (!isAllowedResponseUrl(replyTo.url, policy)) {
    throw new DeliveryError('slack response_url: not a Slack URL (https://hooks.slack.com/...)', {
      retryable: false,
    });
  }
  const message = renderSlack(reply);
  const body = (m: SlackMessage) =>
    JSON.stringify({
      response_type: reply.visibility ?? 'ephemeral',
      replace_original: options.replaceOriginal ?? false,
      text: m.text,
      blocks: m.blocks,
    });
  let outcome = await http.post(
    replyTo.url,
    { headers: { 'content-type': 'application/json' }, body: body(message) },
    'slack response_url',
    'message',
  );
  if (outcome.status === 400 && /invalid_blocks|too_long/.test(outcome.text)) {
    outcome = await http.post(
      replyTo.url,
      { headers: { 'content-type': 'application/json' }, body: body(renderSlack(shrunk(reply))) },
      'slack response_url',
      'message',
    );
  }
  if (outcome.status !== 200) {
    // 404 expired_url / used_url: the 30-minute, 5-answer window is over.
    throw new DeliveryError(`slack response_url: HTTP ${outcome.status} ${outcome.text.slice(0, 40)}`, {
      retryable: outcome.status === 429 || outcome.status >= 500,
      maybeDelivered: outcome.status >= 500,
    });
  }
}

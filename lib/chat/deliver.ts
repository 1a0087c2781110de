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
 * throttling (HTTP 429, Slack `ratelimited`) is waited out per `Retry-After` a couple of
 * times, then reported as a retryable `DeliveryError`; a platform outage (5xx, network)
 * is retryable; a permanent refusal (unknown channel, bot not in channel, bad token,
 * deleted webhook) is not. A message too large for the platform is retried once as a
 * smaller plain-text version before giving up.
 */
import type { Config } from '../config.js';
import type { ChatTarget, Delivery, DeliveryReceipt } from './delivery.js';
import { DeliveryError, describeTarget } from './delivery.js';
import type { Reply } from './reply.js';
import { simpleReply } from './reply.js';
import { renderSlack, type SlackMessage } from './slack-render.js';
import { renderTeams, teamsAttachment } from './teams-render.js';
import { renderText } from './text.js';
import type { WorkerReplyTo } from './worker.js';

export interface ChatDeliveryOptions {
  fetch?: typeof fetch;
  /** Wait (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** How many times a throttled or failed request is retried (default 2). */
  retries?: number;
  /** Longest single `Retry-After` honoured, in seconds (default 10); longer fails retryable. */
  maxRetryAfterSeconds?: number;
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

class Http {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retries: number;
  readonly maxRetryAfter: number;
  constructor(options: ChatDeliveryOptions) {
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    this.sleep = options.sleep ?? defaultSleep;
    this.retries = options.retries ?? 2;
    this.maxRetryAfter = options.maxRetryAfterSeconds ?? 10;
  }

  /**
   * POST with retries on 429 / 5xx / network errors. `what` names the destination in
   * errors without the URL (webhook URLs are secrets).
   */
  async post(
    url: string,
    init: { headers: Record<string, string>; body: string | Uint8Array },
    what: string,
  ): Promise<HttpOutcome> {
    for (let attempt = 0; ; attempt++) {
      let outcome: HttpOutcome;
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: init.headers,
          body: init.body,
          signal: AbortSignal.timeout(10_000),
        });
        outcome = { status: response.status, headers: response.headers, text: await response.text() };
      } catch (error) {
        if (attempt < this.retries) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
        throw new DeliveryError(`${what}: network error`, { retryable: true, cause: error });
      }
      const throttled = outcome.status === 429;
      if ((throttled || outcome.status >= 500) && attempt < this.retries) {
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
  async call(method: string, args: Record<string, unknown>, form = false): Promise<Record<string, unknown>> {
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
    );
    if (outcome.status === 429) throw new DeliveryError(`slack ${method}: rate limited`, { retryable: true });
    if (outcome.status >= 500)
      throw new DeliveryError(`slack ${method}: HTTP ${outcome.status}`, { retryable: true });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(outcome.text) as Record<string, unknown>;
    } catch {
      throw new DeliveryError(`slack ${method}: HTTP ${outcome.status}, not a Web API answer`, {
        retryable: outcome.status >= 500,
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
  for (const block of reply.blocks) {
    if (block.kind === 'image' && block.png && !block.url)
      await uploadPng(api, http, channel, block.alt, block.png);
  }
  return ts ? { ts } : {};
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
    true,
  );
  const uploadUrl = String(target.upload_url ?? '');
  const fileId = String(target.file_id ?? '');
  if (!uploadUrl || !fileId)
    throw new DeliveryError('slack files.getUploadURLExternal: no upload URL', { retryable: true });
  const uploaded = await http.post(
    uploadUrl,
    { headers: { 'content-type': 'image/png' }, body: png },
    'slack file upload',
  );
  if (uploaded.status !== 200) {
    throw new DeliveryError(`slack file upload: HTTP ${uploaded.status}`, {
      retryable: uploaded.status >= 500,
    });
  }
  await api.call(
    'files.completeUploadExternal',
    { files: [{ id: fileId, title }], channel_id: channel },
    true,
  );
}

async function postTeams(http: Http, webhookUrl: string, reply: Reply): Promise<void> {
  const message = (r: Reply) =>
    JSON.stringify({ type: 'message', attachments: [teamsAttachment(renderTeams(r))] });
  let outcome = await http.post(
    webhookUrl,
    { headers: { 'content-type': 'application/json' }, body: message(reply) },
    'teams webhook',
  );
  if (outcome.status === 413) {
    // Over the 28 KB message limit even after the renderer's shrinking: plain text only.
    outcome = await http.post(
      webhookUrl,
      { headers: { 'content-type': 'application/json' }, body: message(shrunk(reply)) },
      'teams webhook',
    );
    if (outcome.status === 413)
      throw new DeliveryError('teams webhook: message too large', { retryable: false });
  }
  if (outcome.status >= 200 && outcome.status < 300) return;
  const retryable = outcome.status === 429 || outcome.status >= 500 || outcome.status === 408;
  throw new DeliveryError(`teams webhook: HTTP ${outcome.status}`, { retryable });
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
      await postTeams(http, target.webhookUrl, reply);
      return {};
    },
  };
}

/**
 * Post a command answer where the request said to: Slack's `response_url` (ephemeral by
 * default, `in_channel` for `... public`) or a Teams Workflows webhook.
 */
export async function postReply(
  replyTo: Exclude<WorkerReplyTo, { kind: 'teams-bot' }>,
  reply: Reply,
  options: ChatDeliveryOptions & { replaceOriginal?: boolean } = {},
): Promise<void> {
  const http = new Http(options);
  if (replyTo.kind === 'none') return;
  if (replyTo.kind === 'teams-webhook') {
    await postTeams(http, replyTo.url, reply);
    return;
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
  );
  if (outcome.status === 400 && /invalid_blocks|too_long/.test(outcome.text)) {
    outcome = await http.post(
      replyTo.url,
      { headers: { 'content-type': 'application/json' }, body: body(renderSlack(shrunk(reply))) },
      'slack response_url',
    );
  }
  if (outcome.status !== 200) {
    // 404 expired_url / used_url: the 30-minute, 5-answer window is over.
    throw new DeliveryError(`slack response_url: HTTP ${outcome.status} ${outcome.text.slice(0, 40)}`, {
      retryable: outcome.status === 429 || outcome.status >= 500,
    });
  }
}

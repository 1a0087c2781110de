/**
 * Talking back to Teams: the Bot Connector REST API at the activity's `serviceUrl`
 * (`POST /v3/conversations/{id}/activities` for a new message, `…/activities/{activityId}`
 * for a reply), authorised by an Entra ID token obtained with the client-credentials grant
 * (the bot's app ID and secret, scope `https://api.botframework.com/.default`). The token
 * is cached until 5 minutes before it expires, per app, for the whole container.
 *
 * No server-side request forgery: a `serviceUrl` is only ever one that a verified token
 * vouched for (or one stored from such a request), and it must also be https on a Bot
 * Connector host (`*.botframework.com`, `smba.trafficmanager.net`, plus the hosts in
 * `BOTFRAMEWORK_SERVICE_HOSTS`, which may be plain http: the local connector in tests).
 */

import { type BotFetch, type BotResponse, botFetch } from '../../aws/http-client.js';
import type { Config } from '../../config.js';
import { DeliveryError } from '../../reply/delivery.js';

/** Where a message goes: a conversation at a Bot Connector, optionally as a reply. */
export interface ConversationAddress {
  serviceUrl: string;
  conversationId: string;
  /** Reply to this activity (threads the answer under the question in a channel). */
  replyToId?: string;
}

/** A Bot Framework activity we send (message or typing). */
export type OutgoingActivity = Record<string, unknown> & { type: string };

export interface ConnectorOptions {
  /** HTTP client (default `botFetch`, node:https; tests pass a counting wrapper). */
  fetch?: BotFetch;
  /** Wall clock in ms for the token cache. */
  nowMs?: () => number;
  /** Wait between retries (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

const TOKEN_SCOPE = 'https://api.botframework.com/.default';
const TOKEN_MARGIN_MS = 5 * 60 * 1000;

/** Cached connector tokens per `tokenUrl|appId`. */
const tokens = new Map<string, { token: string; until: number }>();
/** Token requests in flight per `tokenUrl|appId`: a warm-up and a reply share one. */
const pending = new Map<string, Promise<string>>();
/** When a warm-up last failed, per `tokenUrl|appId`: not retried by warm-ups for a minute. */
const warmFailedAt = new Map<string, number>();
const WARM_RETRY_MS = 60_000;

/** Forget cached tokens (tests). */
export function clearConnectorTokens(): void {
  tokens.clear();
  pending.clear();
  warmFailedAt.clear();
}

/** Is this a Bot Connector URL the bot may call? */
export function isAllowedServiceUrl(serviceUrl: string, extraHosts: readonly string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'https:' && !url.port) {
    if (host === 'smba.trafficmanager.net' || host.endsWith('.botframework.com')) return true;
    if (host === 'smba.infra.gcc.teams.microsoft.com' || host === 'smba.infra.gov.teams.microsoft.us')
      return true;
  }
  // Test hosts are matched with their port (`127.0.0.1:4123`) and may use http.
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') && extraHosts.includes(url.host.toLowerCase())
  );
}

/** The token endpoint: the override, else the tenant's (single-tenant app), else Bot Framework's. */
export function tokenUrlOf(config: Config): string {
  if (config.BOTFRAMEWORK_TOKEN_URL) return config.BOTFRAMEWORK_TOKEN_URL;
  const tenant = config.TEAMS_TENANT_ID ?? 'botframework.com';
  return `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
}

const defaultSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The Bot Connector client for one app. */
export interface BotConnector {
  /** Send an activity to a conversation (a reply when `replyToId` is set); resolves with its id. */
  send(address: ConversationAddress, activity: OutgoingActivity): Promise<{ id?: string }>;
  /**
   * Start getting a token if none is cached, without waiting: the bot calls this when a
   * request arrives, so the token is there by the time the answer is ready (on a cold start
   * it is requested while the caller's token is being verified). Never throws; a failed
   * warm-up is not repeated for a minute (a flood of forged requests makes at most one
   * token request a minute), and `send` asks again itself.
   */
  warm(): void;
}

/** What the connector's steps share: the app's settings and its I/O. */
interface ConnectorContext {
  config: Config;
  doFetch: BotFetch;
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** A token for the app: the cached one, the one being requested, or a new one. */
async function connectorToken(cx: ConnectorContext): Promise<string> {
  const appId = cx.config.TEAMS_APP_ID;
  const secret = cx.config.TEAMS_APP_PASSWORD;
  if (!appId || !secret) {
    throw new DeliveryError('teams bot: TEAMS_APP_ID and TEAMS_APP_PASSWORD are not set', {
      retryable: false,
    });
  }
  const url = tokenUrlOf(cx.config);
  const key = `${url}|${appId}`;
  const cached = tokens.get(key);
  if (cached && cached.until > cx.nowMs()) return cached.token;
  const inFlight = pending.get(key);
  if (inFlight) return inFlight;
  const request = requestToken(cx, url, key, appId, secret).finally(() => pending.delete(key));
  pending.set(key, request);
  return request;
}

/** The client-credentials grant at the token endpoint; the token is cached for the container. */
async function requestToken(
  cx: ConnectorContext,
  url: string,
  key: string,
  appId: string,
  secret: string,
): Promise<string> {
  let response: BotResponse;
  try {
    response = await cx.doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: secret,
        scope: TOKEN_SCOPE,
      }).toString(),
      timeoutMs: 10_000,
    });
  } catch (error) {
    throw new DeliveryError('teams bot: token endpoint unreachable', { retryable: true, cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: unknown;
    expires_in?: unknown;
  };
  if (!response.ok || typeof body.access_token !== 'string') {
    // 400/401: a wrong app ID or secret will not fix itself.
    throw new DeliveryError(`teams bot: token endpoint answered HTTP ${response.status}`, {
      retryable: response.status >= 500 || response.status === 429,
    });
  }
  const lifetime = Number(body.expires_in);
  const until =
    cx.nowMs() + (Number.isFinite(lifetime) && lifetime > 0 ? lifetime * 1000 : 3600_000) - TOKEN_MARGIN_MS;
  tokens.set(key, { token: body.access_token, until });
  return body.access_token;
}

/** `BotConnector.warm`: start getting a token when none is cached or coming. */
function warmToken(cx: ConnectorContext): void {
  const { config } = cx;
  if (!config.TEAMS_APP_ID || !config.TEAMS_APP_PASSWORD) return;
  const key = `${tokenUrlOf(config)}|${config.TEAMS_APP_ID}`;
  const cached = tokens.get(key);
  if ((cached && cached.until > cx.nowMs()) || pending.has(key)) return;
  const failedAt = warmFailedAt.get(key);
  if (failedAt !== undefined && Date.now() - failedAt < WARM_RETRY_MS) return;
  connectorToken(cx).catch(() => warmFailedAt.set(key, Date.now()));
}

/** Where an activity is posted: a new message in the conversation, or a reply to one. */
function activitiesUrl(address: ConversationAddress): string {
  const base = address.serviceUrl.replace(/\/+$/, '');
  const conversation = encodeURIComponent(address.conversationId);
  return address.replyToId
    ? `${base}/v3/conversations/${conversation}/activities/${encodeURIComponent(address.replyToId)}`
    : `${base}/v3/conversations/${conversation}/activities`;
}

/** The new activity's id from a successful answer, when it has one. */
function sentId(text: string): { id?: string } {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? { id } : {};
  } catch {
    return {};
  }
}

/**
 * What to do after a refused attempt: try again (after a wait), or fail. A 401 on the first
 * attempt is a token revoked early: the cache is cleared and a fresh token asked for once.
 */
function afterRefusal(response: BotResponse, attempt: number): { waitMs?: number } | DeliveryError {
  if (response.status === 401 && attempt === 0) {
    tokens.clear();
    return {};
  }
  if ((response.status === 429 || response.status >= 500) && attempt < 2) {
    const after = Number(response.headers.get('retry-after'));
    const wait = Number.isFinite(after) && after >= 0 ? after : 0.5 * 2 ** attempt;
    if (wait > 10) return new DeliveryError(`teams bot: throttled for ${wait}s`, { retryable: true });
    return { waitMs: wait * 1000 };
  }
  // 403/404: the bot was removed from the conversation (or never in it).
  return new DeliveryError(`teams bot: Bot Connector answered HTTP ${response.status}`, {
    retryable: response.status === 429 || response.status >= 500,
  });
}

/** `BotConnector.send`: post to an allowed Bot Connector, retrying what may pass later. */
async function sendActivity(
  cx: ConnectorContext,
  address: ConversationAddress,
  activity: OutgoingActivity,
): Promise<{ id?: string }> {
  if (!isAllowedServiceUrl(address.serviceUrl, cx.config.BOTFRAMEWORK_SERVICE_HOSTS)) {
    throw new DeliveryError('teams bot: serviceUrl is not a Bot Connector host', { retryable: false });
  }
  const url = activitiesUrl(address);
  const body = JSON.stringify({
    ...activity,
    conversation: { id: address.conversationId },
    ...(address.replyToId ? { replyToId: address.replyToId } : {}),
  });
  for (let attempt = 0; ; attempt++) {
    let response: BotResponse;
    try {
      response = await cx.doFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await connectorToken(cx)}`, 'content-type': 'application/json' },
        body,
        timeoutMs: 10_000,
      });
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      if (attempt < 2) {
        await cx.sleep(500 * 2 ** attempt);
        continue;
      }
      throw new DeliveryError('teams bot: Bot Connector unreachable', { retryable: true, cause: error });
    }
    const text = await response.text();
    if (response.ok) return sentId(text);
    const next = afterRefusal(response, attempt);
    if (next instanceof DeliveryError) throw next;
    if (next.waitMs !== undefined) await cx.sleep(next.waitMs);
  }
}

/**
 * A Bot Connector client for the configured app.
 *
 * @example
 * const connector = createBotConnector(deps.config);
 * await connector.send({ serviceUrl, conversationId, replyToId: activity.id }, { type: 'typing' });
 */
export function createBotConnector(config: Config, options: ConnectorOptions = {}): BotConnector {
  const cx: ConnectorContext = {
    config,
    doFetch: options.fetch ?? botFetch,
    nowMs: options.nowMs ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
  };
  return {
    warm: () => warmToken(cx),
    send: (address, activity) => sendActivity(cx, address, activity),
  };
}

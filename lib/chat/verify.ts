/**
 * Request authentication for the chat endpoints. Everything here runs before a request
 * is parsed or any work is done, and every failure looks the same from outside (401, empty
 * body): a forger learns nothing about which check failed.
 *
 * - Slack signs `v0:<timestamp>:<raw body>` with HMAC-SHA256 and the app's signing
 *   secret (header `X-Slack-Signature: v0=<hex>`, `X-Slack-Request-Timestamp`). A
 *   timestamp more than 5 minutes from our clock is refused, so a captured request cannot
 *   be replayed later; `ReplayGuard` refuses it within those 5 minutes too.
 * - Teams outgoing webhooks send `Authorization: HMAC <base64>`: HMAC-SHA256 of the raw
 *   body keyed with the base64-decoded secret Teams showed when the webhook was created.
 *
 * The signature covers the exact bytes sent, so the body is never re-encoded before
 * checking; API Gateway base64-encodes some bodies, which are decoded as UTF-8 (decoding
 * as ASCII, as some libraries do, corrupts non-ASCII text and fails honest requests).
 * The wall clock here is the real time (`Date.now()`), not `BEDROCK_COST_NOW`: the
 * window is about when Slack sent the request, not about the data being reported on.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpEvent } from './http.js';

/** How far a Slack request timestamp may be from our clock. */
export const SLACK_REPLAY_WINDOW_SECONDS = 300;

/** The raw request body as text (API Gateway may base64-encode it). */
export function rawBodyOf(event: HttpEvent): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** A header, case-insensitively (API Gateway lower-cases them; local servers may not). */
export function headerOf(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name.toLowerCase()];
  if (direct !== undefined) return direct;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time constant.
  if (left.length !== right.length) {
    timingSafeEqual(right, right);
    return false;
  }
  return timingSafeEqual(left, right);
}

export interface SlackSignatureInput {
  signingSecret: string;
  rawBody: string;
  /** `X-Slack-Request-Timestamp` (seconds). */
  timestamp: string | undefined;
  /** `X-Slack-Signature` (`v0=<hex>`). */
  signature: string | undefined;
  /** Wall clock in milliseconds. */
  nowMs: number;
}

/**
 * Check a Slack request signature and its timestamp window.
 *
 * @example
 * verifySlackSignature({ signingSecret, rawBody, timestamp: headerOf(e, 'x-slack-request-timestamp'),
 *   signature: headerOf(e, 'x-slack-signature'), nowMs: Date.now() }); // true | false
 */
export function verifySlackSignature(input: SlackSignatureInput): boolean {
  const { timestamp, signature } = input;
  if (!input.signingSecret || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return false;
  const skew = Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp));
  if (skew > SLACK_REPLAY_WINDOW_SECONDS) return false;
  const expected = `v0=${createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:${input.rawBody}`).digest('hex')}`;
  return safeEqual(signature, expected);
}

/**
 * Check a Teams outgoing-webhook `Authorization: HMAC <base64>` header.
 *
 * @example
 * verifyTeamsSignature({ secret: config.TEAMS_WEBHOOK_SECRET, rawBody, authorization: headerOf(e, 'authorization') });
 */
export function verifyTeamsSignature(input: {
  secret: string;
  rawBody: string;
  authorization: string | undefined;
}): boolean {
  const match = /^HMAC ([A-Za-z0-9+/]+={0,2})$/.exec(input.authorization?.trim() ?? '');
  if (!input.secret || !match?.[1]) return false;
  const key = Buffer.from(input.secret, 'base64');
  if (key.length === 0) return false;
  const expected = createHmac('sha256', key).update(Buffer.from(input.rawBody, 'utf8')).digest('base64');
  return safeEqual(match[1], expected);
}

/**
 * Where proactive messages (alerts, digests, idle findings) go. Implemented in
 * `lib/chat/deliver.ts` (Slack Web API `chat.postMessage`, Teams Workflows webhook) and
 * by a dry-run recorder; domain code only sees this interface.
 */
import type { Reply } from './reply.js';

export type ChatTarget =
  /** A Slack channel ID (`C0123ABCD`). */
  | { kind: 'slack'; channel: string }
  /**
   * A Teams Workflows webhook URL (a secret: never logged), and the Teams channel where it
   * was set (`budget set ... webhook` typed there): slow answers asked in that channel go
   * to it, answers asked elsewhere do not.
   */
  | { kind: 'teams'; webhookUrl: string; channelId?: string };

export interface DeliveryReceipt {
  /** Slack message timestamp, when known. */
  ts?: string;
}

export interface Delivery {
  /**
   * Send one message. Resolves only when the platform accepted it; rejects with a
   * `DeliveryError` otherwise, so callers never mark unsent messages as sent.
   */
  send(target: ChatTarget, reply: Reply): Promise<DeliveryReceipt>;
}

/** A message could not be delivered; `retryable` when a later run may succeed. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
  }
}

/** Describe a target for logs without leaking a webhook URL. */
export function describeTarget(target: ChatTarget): string {
  return target.kind === 'slack' ? `slack:${target.channel}` : `teams:${new URL(target.webhookUrl).host}`;
}

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
  | { kind: 'teams'; webhookUrl: string; channelId?: string }
  /**
   * A Teams conversation (channel, group chat or personal chat) the bot is in, reached
   * through the Bot Connector at `serviceUrl` (lib/chat/teams-bot/).
   */
  | { kind: 'teams-bot'; conversationId: string; serviceUrl: string };

export interface DeliveryReceipt {
  /** Slack message timestamp, when known. */
  ts?: string;
  /**
   * The message is out but its attachment (a digest chart upload) failed: a partial
   * success. The message counts as sent (recorded, never re-posted); this says what is missing.
   */
  attachmentError?: string;
}

export interface Delivery {
  /**
   * Send one message. Resolves only when the platform accepted it; rejects with a
   * `DeliveryError` otherwise, so callers never mark unsent messages as sent.
   */
  send(target: ChatTarget, reply: Reply): Promise<DeliveryReceipt>;
}

/**
 * A message could not be delivered, or not surely: `retryable` when a later run may
 * succeed; `maybeDelivered` when the platform may have accepted it all the same (no answer
 * in time, a 5xx after the request was sent). Callers never post a `maybeDelivered`
 * message again (that is how one alert became two): they keep it as sent-but-unconfirmed,
 * log it and count it (`DeliveryUncertain`).
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  readonly maybeDelivered: boolean;
  constructor(message: string, options: { retryable: boolean; maybeDelivered?: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.maybeDelivered = options.maybeDelivered ?? false;
  }
}

/** Whether an error says a message may have arrived although the send failed. */
export function mayHaveArrived(error: unknown): boolean {
  return error instanceof DeliveryError && error.maybeDelivered;
}

/** Describe a target for logs without leaking a webhook URL. */
export function describeTarget(target: ChatTarget): string {
  if (target.kind === 'teams-bot') return `teams-bot:${target.conversationId}`;
  return target.kind === 'slack' ? `slack:${target.channel}` : `teams:${new URL(target.webhookUrl).host}`;
}

/** Where the command worker sends its answer (`lib/chat/worker.ts`, `postReply` in `lib/chat/deliver.ts`). */
export type WorkerReplyTo =
  /** Slack `response_url` of the slash command or button (valid 30 minutes, 5 posts). */
  | { kind: 'slack-response-url'; url: string }
  /** A Teams Workflows webhook (the team's channel). */
  | { kind: 'teams-webhook'; url: string }
  /** The Teams bot's conversation the question came from, through the Bot Connector (threaded under it). */
  | { kind: 'teams-bot'; serviceUrl: string; conversationId: string; replyToId?: string }
  /**
   * Nowhere: a Teams question too slow for its 5 seconds, from a team without a Workflows
   * webhook. Running it still fills the answer cache, so asking again is quick.
   */
  | { kind: 'none' }
  /** The Slack App Home tab of this user (`views.publish`); the job's text is not run. */
  | { kind: 'slack-app-home'; userId: string };

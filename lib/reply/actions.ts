/**
 * Buttons: what a click handler gets and answers. The handlers live with their domain
 * (`lib/budgets/actions.ts` acknowledges an alert, `lib/idle/idle-actions.ts` snoozes a
 * throughput); the front doors find them by the button's id (`lib/chat/actions.ts`).
 */
import type { Deps } from '../context.js';
import type { Caller } from './caller.js';
import type { Reply } from './reply.js';

/** What a handler gets for one click. */
export interface ActionRequest {
  /** The handler id (`alert_ack`). */
  id: string;
  /** The button's `value` (the handler's own payload, at most 2,000 characters). */
  value: string;
  deps: Deps;
  caller: Caller;
  /** The message the button was on, when Slack says. */
  message?: { channel?: string; ts?: string };
  /** Run a command line as if typed: fast commands answer at once, slow ones via the worker. */
  runCommand(text: string): Promise<void>;
}

/**
 * What a handler answers. `reply` is posted to the clicker (ephemeral unless the
 * Reply says `in_channel`); with `replaceOriginal` it replaces the message the button
 * was on (e.g. an alert showing "Acknowledged by @ana"). Nothing: no message.
 */
export type ActionResult = { reply: Reply; replaceOriginal?: boolean } | undefined;

export type ActionHandler = (request: ActionRequest) => Promise<ActionResult>;

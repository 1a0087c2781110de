/**
 * Button clicks (Slack interactivity) and who handles them.
 *
 * A button is a `ReplyAction {id, label, value}` on any Reply. When it is clicked, Slack
 * posts a `block_actions` payload to the same endpoint as the slash command; the front
 * door verifies it, acknowledges, and calls the handler registered under the button's
 * `id` (a `#n` suffix, added by the renderer to keep ids unique, is stripped).
 *
 * Built in:
 * - `run_command`, `show_breakdown`, `command`: `value` is a command line (`spend mtd by
 *   model team search`); it runs exactly as if typed, fast ones inline, slow ones through
 *   the worker.
 * - `alert_ack` (lib/budgets/actions.ts), `idle_snooze` (lib/idle/idle-actions.ts).
 *
 * Domain handlers (alert acknowledge, idle snooze, digest buttons) are one line in
 * `LAZY_ACTIONS` pointing at their module, so the Lambda bundle loads them only on a click.
 * A front door may be given more handlers (`SlackHandlerOptions.actions`).
 */
import type { Caller } from '../commands/types.js';
import type { Deps } from '../context.js';
import type { Reply } from '../reply/reply.js';

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

/** Handler ids whose value is command text (also rendered as hints in Teams). */
export const COMMAND_ACTION_IDS: readonly string[] = ['run_command', 'show_breakdown', 'command'];

const runCommandAction: ActionHandler = async (request) => {
  await request.runCommand(request.value);
  return undefined;
};

/**
 * Handlers in domain modules, imported on the first click only. Add a line:
 * `alert_ack: async () => (await import('../budgets/actions.js')).acknowledgeAlert,`
 */
const LAZY_ACTIONS: Record<string, () => Promise<ActionHandler>> = {
  run_command: async () => runCommandAction,
  show_breakdown: async () => runCommandAction,
  command: async () => runCommandAction,
  alert_ack: async () => (await import('../budgets/actions.js')).acknowledgeAlertAction,
  idle_snooze: async () => (await import('../idle/idle-actions.js')).snoozeIdleAction,
};

/** The handler for a button id, or undefined when nobody handles it. */
export async function findAction(
  id: string,
  extra: Readonly<Record<string, ActionHandler>> = {},
): Promise<ActionHandler | undefined> {
  if (Object.hasOwn(extra, id)) return extra[id];
  const load = LAZY_ACTIONS[id];
  return load ? load() : undefined;
}

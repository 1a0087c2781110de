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
import type { ActionHandler } from '../reply/actions.js';

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

/**
 * The "Snooze 7 days" button on idle-throughput messages, as a chat action handler.
 * Register it in `lib/chat/actions.ts` (`LAZY_ACTIONS`):
 * `idle_snooze: async () => (await import('./idle-actions.js')).snoozeIdleAction,`
 */
import type { ActionHandler } from '../reply/actions.js';
import { snoozeIdleThroughput } from './snooze.js';

/** `idle_snooze` clicked: the value is the throughput ARN; snooze it for 7 days and say so. */
export const snoozeIdleAction: ActionHandler = async ({ value, deps, caller }) => ({
  reply: await snoozeIdleThroughput(deps, value, caller),
  replaceOriginal: false,
});

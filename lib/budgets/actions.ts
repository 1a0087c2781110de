/**
 * The alert's "Acknowledge" button (`alert_ack`): records who acknowledged it and when on
 * the alert item, and tells the channel, so a team can see that someone is on it. The
 * first acknowledgement is kept; a second click is told who was first.
 *
 * Registered lazily by the chat layer:
 * `alert_ack: async () => (await import('../budgets/actions.js')).acknowledgeAlertAction`
 */
import type { ActionHandler } from '../chat/actions.js';
import type { Reply } from '../chat/reply.js';
import { formatTimestamp } from '../clock.js';
import type { Caller } from '../commands/types.js';
import type { Deps } from '../deps.js';
import { type AlertKey, acknowledgeAlert } from './alert-store.js';

function who(userId: string, platform: string): string {
  return platform === 'slack' && /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : userId;
}

function whatOf(sk: string, team: string, month: string): string {
  const pct = /^THRESHOLD#(\d+)$/.exec(sk)?.[1];
  return pct ? `${team} ${pct}% budget alert for ${month}` : `${team} forecast budget alert for ${month}`;
}

/**
 * Record an acknowledgement (the first one is kept) and say so: to the channel when it is
 * new, to the person alone when someone was first. Shared by the button and `budget ack`.
 */
export async function acknowledgeReply(
  deps: Deps,
  alertKey: string | AlertKey,
  caller: Pick<Caller, 'userId' | 'platform'>,
): Promise<Reply> {
  const now = deps.clock.now();
  const { alert, recorded } = await acknowledgeAlert(deps.store, alertKey, caller.userId, now);
  const what = whatOf(alert.sk, alert.team, alert.month);
  if (!recorded && alert.acknowledgedBy) {
    return {
      headline: `${who(alert.acknowledgedBy, caller.platform)} already acknowledged the ${what}${
        alert.acknowledgedAt ? ` at ${formatTimestamp(new Date(alert.acknowledgedAt))}` : ''
      }.`,
      blocks: [],
      visibility: 'ephemeral',
    };
  }
  deps.log.info('budget alert acknowledged', { team: alert.team, alert: alert.sk, by: caller.userId });
  return {
    headline: `${who(caller.userId, caller.platform)} acknowledged the ${what}.`,
    context: [formatTimestamp(now)],
    blocks: [],
    visibility: 'in_channel',
  };
}

/** `alert_ack` button handler: value is the alert key (`ALERT#search#2026-11|THRESHOLD#80`). */
export const acknowledgeAlertAction: ActionHandler = async ({ value, deps, caller }) => ({
  reply: await acknowledgeReply(deps, value, caller),
});

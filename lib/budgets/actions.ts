/**
 * The alert's "Acknowledge" button (`alert_ack`): records who acknowledged it and when on
 * the alert item, and tells the channel, so a team can see that someone is on it. Only
 * admins, the team's owners and the members of the alert's channel may acknowledge; the
 * first acknowledgement and the first by an owner are kept, and every one in the history.
 *
 * Registered lazily by the chat layer:
 * `alert_ack: async () => (await import('../budgets/actions.js')).acknowledgeAlertAction`
 */

import { formatTimestamp } from '../clock.js';
import type { Deps } from '../context.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { ActionHandler } from '../reply/actions.js';
import type { Caller } from '../reply/caller.js';
import { mention } from '../reply/mention.js';
import type { Reply } from '../reply/reply.js';
import {
  type AcknowledgerRole,
  type AlertKey,
  acknowledgeAlert,
  decodeAlertKind,
  getAlert,
  parseAlertKey,
  type StoredAlert,
} from './alert-store.js';
import { getTeam } from './store.js';

/** Who acknowledged, as the mention element (the CLI operator as `cli`). */
function who(userId: string, name?: string): string {
  return userId === 'cli' ? 'cli' : mention({ kind: 'user', id: userId, ...(name ? { name } : {}) });
}

function whatOf(alert: StoredAlert): string {
  const kind = decodeAlertKind(alert.sk);
  const which = kind?.kind === 'threshold' ? `${kind.pct}%` : 'forecast';
  return `${alert.team} ${which} budget alert for ${alert.month}`;
}

/**
 * Who the caller is for this alert: a budget admin, one of the team's owners, a member of
 * the channel the alert went to (Slack: `conversations.members`; Teams: asked in the
 * channel where the team's Workflows webhook was set), or nobody allowed.
 */
async function roleOf(
  deps: Deps,
  caller: Pick<Caller, 'userId' | 'platform' | 'isAdmin' | 'channelId'>,
  alert: StoredAlert,
): Promise<AcknowledgerRole | undefined> {
  const profile = await getTeam(deps.store, alert.team);
  if (profile?.owners.includes(caller.userId)) return 'owner';
  if (caller.isAdmin || deps.config.ADMIN_USER_IDS.includes(caller.userId)) return 'admin';
  const slackChannel = /^slack:(.+)$/.exec(alert.target ?? '')?.[1];
  if (caller.platform === 'slack' && slackChannel) {
    const { isSlackChannelMember } = await import('../reply/slack-members.js');
    if (await isSlackChannelMember(deps.config, slackChannel, caller.userId, deps.log)) return 'member';
  }
  const target = profile?.target;
  if (
    caller.platform === 'teams' &&
    target?.kind === 'teams' &&
    target.channelId &&
    caller.channelId === target.channelId
  )
    return 'member';
  return undefined;
}

/**
 * Record an acknowledgement and say so: to the channel when it is the first, or the first
 * by one of the team's owners; to the person alone otherwise (it is still kept in the
 * alert's history). Only admins, the team's owners and the members of the alert's channel
 * may acknowledge. Shared by the button and `budget ack`.
 */
export async function acknowledgeReply(
  deps: Deps,
  alertKey: string | AlertKey,
  caller: Pick<Caller, 'userId' | 'userName' | 'platform' | 'isAdmin' | 'channelId'>,
): Promise<Reply> {
  const key = typeof alertKey === 'string' ? parseAlertKey(alertKey) : alertKey;
  const existing = await getAlert(deps.store, key);
  if (!existing)
    throw new NotFoundError('That alert no longer exists (alerts are kept for about 13 months).');
  const what = whatOf(existing);
  const role = await roleOf(deps, caller, existing);
  if (!role) {
    throw new ForbiddenError(
      `Only budget admins, the ${existing.team} team's owners and the members of its alert channel can acknowledge the ${what}.`,
    );
  }
  const now = deps.clock.now();
  const { alert, recorded, ownerRecorded } = await acknowledgeAlert(
    deps.store,
    key,
    caller.userId,
    now,
    role,
  );
  deps.log.info('budget alert acknowledged', { team: alert.team, alert: alert.sk, by: caller.userId, role });
  const firstAt = alert.acknowledgedAt ? ` at ${formatTimestamp(new Date(alert.acknowledgedAt))}` : '';
  const first = alert.acknowledgedBy ? who(alert.acknowledgedBy) : 'someone';
  if (recorded) {
    return {
      headline: `${who(caller.userId, caller.userName)} acknowledged the ${what}.`,
      context: [formatTimestamp(now)],
      blocks: [],
      visibility: 'in_channel',
    };
  }
  if (ownerRecorded) {
    return {
      headline: `${who(caller.userId, caller.userName)}, an owner of ${alert.team}, acknowledged the ${what} too.`,
      context: [`${formatTimestamp(now)} · first acknowledged by ${first}${firstAt}`],
      blocks: [],
      visibility: 'in_channel',
    };
  }
  return {
    headline: `${first} already acknowledged the ${what}${firstAt}.`,
    context: [
      `Your acknowledgement is kept in the alert's history too (${alert.acknowledgements.length} so far).`,
    ],
    blocks: [],
    visibility: 'ephemeral',
  };
}

/** `alert_ack` button handler: value is the alert key (`ALERT#search#2026-11|THRESHOLD#80`). */
export const acknowledgeAlertAction: ActionHandler = async ({ value, deps, caller }) => ({
  reply: await acknowledgeReply(deps, value, caller),
});

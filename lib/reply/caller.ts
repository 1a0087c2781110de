/**
 * Who asked: the person behind a command, a button click or an `ask` question, on every
 * platform. Authorization (budget admins, team owners) and audit items read it.
 */

/** Who is asking, and from where. */
export interface Caller {
  platform: 'cli' | 'slack' | 'teams';
  /** Chat user ID (`U0123`), Teams AAD object id, or `cli`. */
  userId: string;
  /** Display name when known (audit items). */
  userName?: string;
  /** Budget admin (`ADMIN_USER_IDS`, or the CLI operator). */
  isAdmin: boolean;
  /** Slack channel the command came from, when any. */
  channelId?: string;
}

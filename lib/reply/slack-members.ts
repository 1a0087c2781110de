/**
 * Is this person a member of that Slack channel? (`conversations.members`, paged.)
 *
 * Used to let the members of an alert's channel acknowledge it: a public channel's buttons
 * can be clicked by anyone who opens the channel, so seeing the message is not enough.
 * Needs the bot token (`channels:read` / `groups:read`); any failure answers "not known to
 * be a member", so a broken lookup never grants anything.
 */
import type { Config } from '../config.js';
import type { Log } from '../log.js';

/** At most this many pages of 200 members are read (a 4,000-member channel). */
const MAX_PAGES = 20;

/**
 * @example
 * if (await isSlackChannelMember(deps.config, 'C0SEARCH', 'U0ALICE', deps.log)) { ... }
 */
export async function isSlackChannelMember(
  config: Pick<Config, 'SLACK_API_URL' | 'SLACK_BOT_TOKEN'>,
  channel: string,
  userId: string,
  log?: Log,
): Promise<boolean> {
  if (!config.SLACK_BOT_TOKEN) return false;
  let cursor = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    try {
      const response = await fetch(`${config.SLACK_API_URL.replace(/\/+$/, '')}/conversations.members`, {
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.timeout(5000),
        headers: {
          authorization: `Bearer ${config.SLACK_BOT_TOKEN}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ channel, limit: '200', ...(cursor ? { cursor } : {}) }).toString(),
      });
      const body = (await response.json()) as {
        ok?: boolean;
        error?: string;
        members?: string[];
        response_metadata?: { next_cursor?: string };
      };
      if (!body.ok) {
        log?.warn('slack conversations.members failed', { channel, error: body.error ?? response.status });
        return false;
      }
      if (body.members?.includes(userId)) return true;
      cursor = body.response_metadata?.next_cursor ?? '';
      if (!cursor) return false;
    } catch (error) {
      log?.warn('slack conversations.members failed', { channel, error });
      return false;
    }
  }
  return false;
}

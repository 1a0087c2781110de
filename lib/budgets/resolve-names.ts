/**
 * `budget set` accepts what people know: a channel name (`channel #search-alerts`) and owner
 * emails (`owner alice@example.com`). Alerts need the channel ID and owners are matched on
 * the user ID each request carries, so both are looked up in Slack before the budget is
 * saved; a name that cannot be found is refused, never stored.
 */

import type { Config } from '../config.js';
import { NotFoundError, UserError } from '../errors.js';
import { closestMatches } from '../fuzzy.js';
import type { ChatTarget } from '../reply/delivery.js';
import { findSlackChannel, findSlackUserByEmail } from '../reply/slack-directory.js';
import { EMAIL } from './validate.js';

export interface NamesToResolve {
  channelName?: string;
  owners?: string[];
}

function slackOptions(config: Config, what: string, instead: string) {
  if (!config.SLACK_BOT_TOKEN) {
    throw new UserError(
      'slack_lookup',
      `I can only look up ${what} in Slack, and the Slack app is not set up here (SLACK_BOT_TOKEN).`,
      { suggestion: instead },
    );
  }
  return { apiUrl: config.SLACK_API_URL, token: config.SLACK_BOT_TOKEN };
}

/**
 * The Slack channel for `channelName` and owners with emails replaced by Slack user IDs.
 * Throws a `NotFoundError` (with the closest channel names) or a `UserError` saying what to
 * type instead when Slack cannot be asked.
 *
 * @example
 * await resolveBudgetNames({ channelName: 'search-alerts', owners: ['alice@example.com'] }, config);
 * // { target: { kind: 'slack', channel: 'C0SEARCH01' }, owners: ['U0ALICE001'] }
 */
export async function resolveBudgetNames(
  input: NamesToResolve,
  config: Config,
): Promise<{ target?: ChatTarget; owners?: string[] }> {
  const out: { target?: ChatTarget; owners?: string[] } = {};
  if (input.channelName) {
    const name = input.channelName;
    const options = slackOptions(
      config,
      `the channel #${name}`,
      'Give its ID instead, for example: channel C0123ABCD (in Slack: open the channel, click its name, the ID is at the bottom of About).',
    );
    const found = await findSlackChannel(name, options);
    if (!found.channel) {
      const close = closestMatches(name, found.names, 3);
      throw new NotFoundError(
        `I can't find the Slack channel #${name.slice(0, 80)}.${close.length ? ` Did you mean: ${close.map((c) => `#${c}`).join(', ')}?` : ''}`,
        close,
        { suggestion: 'For a private channel, invite the bot first: /invite @bedrock-cost' },
      );
    }
    out.target = { kind: 'slack', channel: found.channel.id };
  }
  const emails = (input.owners ?? []).filter((o) => EMAIL.test(o));
  if (emails.length) {
    const options = slackOptions(
      config,
      'owners by email',
      'Give their Slack user ID instead, for example: owner U0123ABCD (in Slack: their profile, ⋮, Copy member ID).',
    );
    const ids = new Map<string, string>();
    for (const email of emails) {
      const id = await findSlackUserByEmail(email, options);
      if (!id)
        throw new NotFoundError(`No one in this Slack workspace has the email ${email.slice(0, 100)}.`, [], {
          suggestion: 'Check the spelling, or pick the person from the @ menu: owner @name.',
        });
      ids.set(email, id);
    }
    out.owners = [...new Set((input.owners ?? []).map((o) => ids.get(o) ?? o))];
  }
  return out;
}

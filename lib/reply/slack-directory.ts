/**
 * Names people type, turned into the IDs Slack needs: a channel name (`#search-alerts`) into
 * its channel ID through `conversations.list`, an email into a user ID through
 * `users.lookupByEmail`. `chat.postMessage` needs the ID (a name can be renamed or reused),
 * and budget owners are matched on the user ID Slack sends with each request.
 */
import { UnavailableError, UserError } from '../errors.js';

export interface SlackDirectoryOptions {
  /** `SLACK_API_URL` (Slack's, or a local server in tests). */
  apiUrl: string;
  /** `SLACK_BOT_TOKEN`. */
  token: string;
  fetch?: typeof fetch;
}

/** A channel as `conversations.list` lists it. */
export interface SlackChannel {
  id: string;
  name: string;
}

/** Most `conversations.list` pages read (1,000 channels each) before giving up. */
const MAX_PAGES = 20;

const SCOPE_HINT: Record<string, string> = {
  'conversations.list': 'channels:read and groups:read',
  'users.lookupByEmail': 'users:read and users:read.email',
};

async function callSlack(
  method: string,
  args: Record<string, string>,
  options: SlackDirectoryOptions,
): Promise<Record<string, unknown>> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(`${options.apiUrl.replace(/\/$/, '')}/${method}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(args).toString(),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new UnavailableError('Slack did not answer the lookup; try again in a minute.', { cause: error });
  }
  if (response.status === 429 || response.status >= 500)
    throw new UnavailableError('Slack is busy (rate limited); try again in a minute.');
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (body.ok === true) return body;
  const error = String(body.error ?? `http_${response.status}`);
  if (error === 'missing_scope') {
    throw new UserError(
      'slack_scope',
      `The Slack app needs the ${SCOPE_HINT[method] ?? 'read'} scopes to look names up (reinstall it from infra/slack-app-manifest.yml).`,
    );
  }
  return body;
}

/**
 * Find a channel by name (without `#`, any case) among the channels the bot can see:
 * public ones, and private ones it was invited to. Archived channels are skipped.
 *
 * @example
 * const found = await findSlackChannel('search-alerts', { apiUrl, token });
 * // { channel: { id: 'C0SEARCH01', name: 'search-alerts' }, names: [...] }
 */
export async function findSlackChannel(
  name: string,
  options: SlackDirectoryOptions,
): Promise<{ channel?: SlackChannel; names: string[] }> {
  const wanted = name.replace(/^#/, '').toLowerCase();
  const names: string[] = [];
  let cursor = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await callSlack(
      'conversations.list',
      {
        types: 'public_channel,private_channel',
        exclude_archived: 'true',
        limit: '1000',
        ...(cursor ? { cursor } : {}),
      },
      options,
    );
    if (body.ok !== true)
      throw new UnavailableError(`Slack refused the channel lookup (${String(body.error)}).`);
    for (const c of (body.channels ?? []) as { id?: string; name?: string }[]) {
      if (!c.id || !c.name) continue;
      if (c.name.toLowerCase() === wanted) return { channel: { id: c.id, name: c.name }, names };
      names.push(c.name);
    }
    cursor = String((body.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '');
    if (!cursor) break;
  }
  return { names };
}

/** The Slack user ID for an email address, or undefined when no member has it. */
export async function findSlackUserByEmail(
  email: string,
  options: SlackDirectoryOptions,
): Promise<string | undefined> {
  const body = await callSlack('users.lookupByEmail', { email }, options);
  if (body.ok === true) return String((body.user as { id?: string } | undefined)?.id ?? '') || undefined;
  if (body.error === 'users_not_found') return undefined;
  throw new UnavailableError(`Slack refused the user lookup (${String(body.error)}).`);
}

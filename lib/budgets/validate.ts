/**
 * Validation of what people type into `budget set`: each function either returns a clean
 * value or throws a `ParseError` whose one line says what is accepted, with an example.
 */

import { isKnownTimeZone } from '../clock.js';
import { ParseError } from '../errors.js';
import { Dec, type Dec as Decimal } from '../money.js';
import type { ChatTarget } from '../reply/delivery.js';
import { webhookUrlRefusal } from '../reply/outbound.js';

/** Largest monthly budget accepted: a typo guard (an extra zero or two), not a policy. */
export const MAX_BUDGET_USD = new Dec(10_000_000);

/** Most thresholds a team may have: each one can post a message a month. */
export const MAX_THRESHOLDS = 10;

export const BUDGET_SET_EXAMPLE = 'budget set search 5000 channel #search-alerts';

/**
 * Cost allocation tag values allow letters, digits, spaces and `+ - = . _ : / @` (up to 256
 * characters); the team ID is such a value. `#` and `|` never occur, which keeps the
 * alert keys (`ALERT#<team>#<yyyy-mm>`) and button values unambiguous.
 */
const TEAM_ID = /^[\p{L}\p{N}][\p{L}\p{N} +\-=._:/@]{0,127}$/u;

/** Words that look like a team but are part of the grammar. */
const RESERVED = new Set([
  'set',
  'delete',
  'remove',
  'channel',
  'webhook',
  'thresholds',
  'tz',
  'owner',
  'help',
]);

export function parseTeamId(text: string | undefined, usage: string): string {
  const team = (text ?? '').trim();
  if (!team) throw new ParseError(`${usage}`);
  if (RESERVED.has(team.toLowerCase()) || !TEAM_ID.test(team)) {
    throw new ParseError(
      `"${team.slice(0, 40)}" is not a team ID: use the value of the team cost allocation tag (letters, digits, and + - = . _ : / @), for example: ${BUDGET_SET_EXAMPLE}`,
    );
  }
  return team;
}

/**
 * A monthly amount in dollars: `5000`, `$5,000`, `5000.50`, `5k`, `1.5m`. Positive, at
 * most two decimals (cents), below `MAX_BUDGET_USD`.
 *
 * @example
 * parseAmount('$5,000').toFixed(); // "5000"
 * parseAmount('2.5k').toFixed();   // "2500"
 */
export function parseAmount(text: string | undefined): Decimal {
  const bad = () =>
    new ParseError(`"budget set" takes an amount in dollars, for example: ${BUDGET_SET_EXAMPLE}`, {
      suggestion: text
        ? `("${text.slice(0, 30)}" is not a dollar amount: try 5000, $5,000 or 5k.)`
        : undefined,
    });
  if (!text) throw bad();
  const cleaned = text
    .trim()
    .replace(/^\$/, '')
    .replace(/^usd/i, '')
    .replace(/usd$/i, '')
    .replace(/\/(month|mo)$/i, '');
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?([km])?$/i.exec(cleaned);
  if (!m || (!m[1] && !m[2])) throw bad();
  const multiplier = m[3] ? (m[3].toLowerCase() === 'k' ? 1_000 : 1_000_000) : 1;
  const amount = new Dec(`${(m[1] ?? '0').replace(/,/g, '')}${m[2] ?? ''}`).times(multiplier);
  if (amount.lte(0)) {
    throw new ParseError(`A budget must be more than $0, for example: ${BUDGET_SET_EXAMPLE}`, {
      suggestion: 'To stop tracking a team, use `budget delete TEAM`.',
    });
  }
  if (amount.decimalPlaces() > 2) {
    throw new ParseError(
      `A budget is whole dollars and cents (at most 2 decimals), for example: ${BUDGET_SET_EXAMPLE}`,
    );
  }
  if (amount.gte(MAX_BUDGET_USD)) {
    throw new ParseError(
      `$${amount.toFixed()} a month is above the $10,000,000 limit: check for an extra zero, for example: ${BUDGET_SET_EXAMPLE}`,
    );
  }
  return amount;
}

/**
 * Thresholds in percent: `50,80,100` (a `%` is allowed). Whole numbers from 1 to 1000, at
 * most ten; returned sorted ascending without duplicates, because each one is an alert
 * that fires once a month.
 */
export function parseThresholds(text: string | undefined): number[] {
  const form =
    'Thresholds are whole percentages from 1 to 1000 separated by commas, for example: thresholds 50,80,100';
  if (!text) throw new ParseError(form);
  const parts = text
    .split(',')
    .map((p) => p.trim().replace(/%$/, ''))
    .filter((p) => p !== '');
  if (!parts.length) throw new ParseError(form);
  const values = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new ParseError(`"${p.slice(0, 20)}" is not a threshold. ${form}`);
    const n = Number(p);
    if (n < 1 || n > 1000) throw new ParseError(`${n}% is out of range. ${form}`);
    return n;
  });
  const unique = [...new Set(values)].sort((a, b) => a - b);
  if (unique.length > MAX_THRESHOLDS) throw new ParseError(`At most ${MAX_THRESHOLDS} thresholds. ${form}`);
  return unique;
}

/** An IANA time zone (`Europe/Berlin`), returned in its canonical spelling. */
export function parseTimeZone(text: string | undefined): string {
  const form = 'Time zones are IANA names, for example: tz Europe/Berlin, tz America/New_York, tz UTC';
  if (!text) throw new ParseError(form);
  if (!isKnownTimeZone(text))
    throw new ParseError(`I don't know the time zone "${text.slice(0, 40)}". ${form}`);
  return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
}

/**
 * A Slack channel ID. The grammar turns Slack's `<#C0123ABCD|search-alerts>` into
 * `#C0123ABCD`; a bare name like `#search-alerts` is looked up by `budget set` (see
 * `slackChannelName`), since `chat.postMessage` needs the ID.
 */
export function parseSlackChannel(text: string | undefined): ChatTarget {
  const form =
    'Alerts go to a Slack channel (its name or ID, like #search-alerts or C0123ABCD) or a Teams Workflows webhook URL, for example: channel #search-alerts';
  if (!text) throw new ParseError(form);
  const raw = text.trim().replace(/^#/, '');
  if (/^https?:\/\//i.test(raw)) return parseWebhookUrl(raw);
  if (/^[CG][A-Z0-9]{6,20}$/.test(raw)) return { kind: 'slack', channel: raw };
  if (/^[cg][a-z0-9]{6,20}$/.test(raw) && /\d/.test(raw))
    return { kind: 'slack', channel: raw.toUpperCase() };
  if (/^D[A-Z0-9]{6,}$/.test(raw)) {
    throw new ParseError(`That is a direct message, not a channel. ${form}`);
  }
  throw new ParseError(`"${text.slice(0, 40)}" is not a Slack channel. ${form}`);
}

/**
 * The channel name in `channel #search-alerts` (lower-cased, without `#`), or undefined when
 * the word is a channel ID, a URL or not a possible Slack channel name (lower-case letters,
 * digits, `-` and `_`, up to 80 characters).
 */
export function slackChannelName(text: string | undefined): string | undefined {
  const raw = (text ?? '').trim().replace(/^#/, '');
  if (!raw || /^https?:\/\//i.test(raw)) return undefined;
  try {
    parseSlackChannel(raw);
    return undefined; // an ID
  } catch {
    // not an ID: maybe a name
  }
  return /^[\p{Ll}\p{Lu}\p{N}][\p{Ll}\p{Lu}\p{N}_-]{0,79}$/u.test(raw) && !/^D[A-Z0-9]{6,}$/.test(raw)
    ? raw.toLowerCase()
    : undefined;
}

/** A Teams Workflows webhook: https only (it carries its own signature in the query string). */
export function parseWebhookUrl(text: string | undefined): ChatTarget {
  const form =
    'A Teams alert destination is the https:// URL of a Workflows "post to a channel when a webhook request is received" flow';
  if (!text) throw new ParseError(form);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ParseError(`That is not a URL. ${form}`);
  }
  if (url.protocol !== 'https:') throw new ParseError(`Webhook URLs must use https. ${form}`);
  if (url.username || url.password)
    throw new ParseError(`Webhook URLs must not contain a user name or password. ${form}`);
  if (text.length > 2048) throw new ParseError(`That URL is too long. ${form}`);
  return { kind: 'teams', webhookUrl: url.toString() };
}

/**
 * Refuse a webhook the bot may not post to (`lib/reply/outbound.ts`: Workflows hosts and the
 * operator's `BEDROCK_COST_WEBHOOK_HOSTS`; never an IP, `localhost` or the metadata
 * service), with a sentence for the person who typed it.
 */
export function checkWebhookDestination(
  target: ChatTarget | undefined,
  webhookHosts: readonly string[],
): void {
  if (target?.kind !== 'teams') return;
  const refusal = webhookUrlRefusal(target.webhookUrl, { webhookHosts });
  if (refusal) {
    throw new ParseError(
      `${refusal} Use the URL Teams shows for a Workflows "post to a channel when a webhook request is received" flow.`,
    );
  }
}

/**
 * Owners: Slack user IDs (`@U0123ABCD`, as the grammar rewrites a `<@U0123ABCD>` mention),
 * Teams users (Entra object IDs) or emails, which `budget set` resolves to Slack user IDs.
 * A bare name (`@alice`) is refused: it is not what requests carry, and it can change.
 */
export function parseOwners(text: string | undefined): string[] {
  if (!text) throw new ParseError(OWNER_FORM);
  const entries = text
    .split(',')
    .map((p) =>
      p
        .trim()
        .replace(/^mailto:/i, '')
        .replace(/\|.*$/, '')
        .replace(/^@(?=[^@]*$)/, ''),
    )
    .filter(Boolean);
  if (!entries.length) throw new ParseError(OWNER_FORM);
  for (const entry of entries) {
    if (EMAIL.test(entry) || SLACK_USER_ID.test(entry) || AAD_OBJECT_ID.test(entry)) continue;
    throw new ParseError(
      `"${entry.slice(0, 30)}" is not a user I can identify: a name can change and be shared. ${OWNER_FORM}`,
    );
  }
  return [...new Set(entries.map((e) => (EMAIL.test(e) ? e.toLowerCase() : e)))];
}

/** A Slack user ID (`U0123ABCD`, or `W...` in Enterprise Grid), as `<@U0123ABCD>` mentions carry. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{6,20}$/;
/** A Teams user: the Entra ID object ID the Teams request carries. */
const AAD_OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An email address, looked up in Slack (`users.lookupByEmail`) by `budget set`. */
export const EMAIL = /^[^\s@,]{1,64}@[^\s@,]{1,190}\.[^\s@,]{2,63}$/;
const OWNER_FORM =
  'Owners are Slack users picked from the @ menu (Slack then sends their ID), Slack user IDs or emails, for example: owner U0123ABCD, or owners alice@example.com,U0456DEF';

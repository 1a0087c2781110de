/**
 * `budget`'s words: which subcommand, and its arguments checked (team ID, amount, channel,
 * thresholds, time zone, owners, digest slot). Nothing here reads the table or the bill.
 */
import type { AlertKind } from '../../budgets/alert-store.js';
import {
  BUDGET_SET_EXAMPLE,
  parseAmount,
  parseOwners,
  parseSlackChannel,
  parseTeamId,
  parseThresholds,
  parseTimeZone,
  parseWebhookUrl,
  slackChannelName,
} from '../../budgets/validate.js';
import { ParseError } from '../../errors.js';
import type { Dec } from '../../money.js';
import type { ChatTarget } from '../../reply/delivery.js';

export type BudgetInput =
  | { action: 'status'; team?: string }
  | {
      action: 'set';
      team: string;
      amount: Dec;
      target?: ChatTarget;
      /** `channel #search-alerts`: a name to look up in Slack (instead of `target`). */
      channelName?: string;
      thresholds?: number[];
      timeZone?: string;
      owners?: string[];
      digest?: { weekday: number; hour: number };
    }
  | { action: 'delete'; team: string }
  /** The alert's Acknowledge button as a command; `month` defaults to the team's current one. */
  | { action: 'ack'; team: string; alert: AlertKind; month?: string };

type SetInput = Extract<BudgetInput, { action: 'set' }>;

const SET_USAGE = `"budget set" takes a team and an amount in dollars, for example: ${BUDGET_SET_EXAMPLE}`;
const DELETE_USAGE = '"budget delete" takes a team, for example: budget delete search';
const ACK_USAGE =
  '"budget ack" takes a team and the alert (a threshold such as 80, or forecast), optionally its month, for example: budget ack search 80';

/** Digest weekdays as typed (`digest monday 9`); Monday is 1. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function parseDigest(day: string | undefined, hour: string | undefined): { weekday: number; hour: number } {
  const form =
    "The digest slot is a weekday and an hour in the team's time zone, for example: digest monday 9";
  const d = (day ?? '').toLowerCase();
  const weekday = WEEKDAYS.findIndex((w) => d.length >= 3 && w.startsWith(d)) + 1;
  if (weekday < 1) throw new ParseError(form);
  const m = /^(\d{1,2})(?::00)?$/.exec(hour ?? '');
  const h = m ? Number(m[1]) : Number.NaN;
  if (!(h >= 0 && h <= 23)) throw new ParseError(form);
  return { weekday, hour: h };
}

/** A Teams conversation id as typed after `teams` (`19:…@thread.tacv2`, `a:…`). */
function parseTeamsConversation(value: string | undefined): ChatTarget {
  const id = (value ?? '').trim();
  if (!/^(19|a|8|29):[^\s;]{1,300}$/.test(id)) {
    throw new ParseError(
      `"${id.slice(0, 40)}" is not a Teams conversation. Use the id the bot shows when it is added to a team or chat (19:…@thread.tacv2), or a Workflows webhook URL — for example: budget set search 5000 teams 19:abc@thread.tacv2`,
    );
  }
  return { kind: 'teams-bot', conversationId: id, serviceUrl: '' };
}

/** The alert `budget ack` names: a threshold (`80`, `80%`) or `forecast`. */
function parseAlertWord(which: string | undefined): AlertKind | undefined {
  if (which?.toLowerCase() === 'forecast') return { kind: 'forecast' };
  const pct = /^(\d{1,4})%?$/.exec(which ?? '')?.[1];
  return pct ? { kind: 'threshold', pct: Number(pct) } : undefined;
}

/** `budget ack TEAM 80|forecast [YYYY-MM]`. */
function parseAck(rest: string[]): BudgetInput {
  const [teamWord, which, month, ...extra] = rest;
  const alert = parseAlertWord(which);
  if (!alert || extra.length || (month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(month))) {
    throw new ParseError(ACK_USAGE);
  }
  return { action: 'ack', team: parseTeamId(teamWord, ACK_USAGE), alert, ...(month ? { month } : {}) };
}

/** One `KEY VALUE` option of `budget set` into `input` (`digest` takes a second value from `more`). */
function applySetOption(input: SetInput, key: string, value: string | undefined, more: string[]): void {
  switch (key) {
    case 'channel':
    case 'to':
    case 'in': {
      const name = slackChannelName(value);
      if (name) {
        input.channelName = name;
        delete input.target;
      } else {
        input.target = parseSlackChannel(value);
        delete input.channelName;
      }
      return;
    }
    case 'webhook':
      input.target = parseWebhookUrl(value);
      delete input.channelName;
      return;
    case 'teams':
      // A Workflows webhook URL, or a conversation the Teams bot is in (its Bot
      // Connector is looked up when the budget is saved).
      input.target = /^https?:/i.test(value ?? '') ? parseWebhookUrl(value) : parseTeamsConversation(value);
      return;
    case 'thresholds':
    case 'threshold':
    case 'at':
      input.thresholds = parseThresholds(value);
      return;
    case 'tz':
    case 'timezone':
    case 'zone':
      input.timeZone = parseTimeZone(value);
      return;
    case 'owner':
    case 'owners':
      input.owners = [...new Set([...(input.owners ?? []), ...parseOwners(value)])];
      return;
    case 'digest':
      input.digest = parseDigest(value, more.shift());
      return;
    default:
      throw new ParseError(
        `I don't understand "${key.slice(0, 30)}" in "budget set". Options: channel CHANNEL, webhook URL, teams CONVERSATION, thresholds 50,80,100, tz ZONE, owner @USER, digest monday 9 — for example: ${BUDGET_SET_EXAMPLE}`,
      );
  }
}

/** `budget set TEAM [to] AMOUNT [KEY VALUE]...`. */
function parseSet(rest: string[]): SetInput {
  const [teamWord, ...more] = rest;
  const team = parseTeamId(teamWord, SET_USAGE);
  let amountWord = more.shift();
  if (amountWord?.toLowerCase() === 'to') amountWord = more.shift();
  const input: SetInput = { action: 'set', team, amount: parseAmount(amountWord) };
  while (more.length) {
    const key = more.shift()!.toLowerCase();
    applySetOption(input, key, more.shift(), more);
  }
  return input;
}

/** Parse the words after `budget`. */
export function parseBudgetWords(words: string[]): BudgetInput {
  const [first, ...rest] = words;
  const verb = first?.toLowerCase();
  if (verb === undefined) return { action: 'status' };
  if (verb === 'status' || verb === 'show') {
    return rest[0] ? { action: 'status', team: parseTeamId(rest[0], SET_USAGE) } : { action: 'status' };
  }
  if (verb === 'delete' || verb === 'remove' || verb === 'rm') {
    if (rest.length !== 1) throw new ParseError(DELETE_USAGE);
    return { action: 'delete', team: parseTeamId(rest[0], DELETE_USAGE) };
  }
  if (verb === 'ack' || verb === 'acknowledge') return parseAck(rest);
  if (verb === 'set') return parseSet(rest);
  if (words.length > 1) {
    throw new ParseError(
      `"budget" takes one team for its status, or: budget set TEAM AMOUNT, budget delete TEAM — for example: ${BUDGET_SET_EXAMPLE}`,
    );
  }
  return { action: 'status', team: parseTeamId(first, SET_USAGE) };
}

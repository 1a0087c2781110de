/**
 * `budget`: team budgets.
 *
 * ```
 * budget [TEAM]                      status: budget, month to date, forecast, % used
 * budget set TEAM AMOUNT [channel CHANNEL] [thresholds 50,80,100] [tz ZONE]
 *            [webhook https://...] [teams CONVERSATION] [owner @USER] [digest monday 9]
 * budget delete TEAM
 * ```
 *
 * Only budget admins (`ADMIN_USER_IDS`, and the CLI operator) and the team's owners may
 * change a budget; every change is audited. Setting a budget is a table write and answers
 * at once; status reads the bill and is answered by the worker.
 */

import type { BudgetStatus } from '../budgets/evaluate.js';
import { readEarlier } from '../budgets/nowcast-cadence.js';
import { resolveBudgetNames } from '../budgets/resolve-names.js';
import {
  type BudgetTeamData,
  budgetPositions,
  describeDestination,
  positionData,
  type TeamBudgetPosition,
} from '../budgets/status.js';
import {
  DEFAULT_DIGEST,
  DEFAULT_THRESHOLDS,
  deleteTeam,
  getTeam,
  listTeams,
  saveTeam,
  type TeamProfile,
} from '../budgets/store.js';
import { teamMonthAt } from '../budgets/team-month.js';
import {
  BUDGET_SET_EXAMPLE,
  checkWebhookDestination,
  parseAmount,
  parseOwners,
  parseSlackChannel,
  parseTeamId,
  parseThresholds,
  parseTimeZone,
  parseWebhookUrl,
  slackChannelName,
} from '../budgets/validate.js';
import { addDays, formatDay, formatRange, formatTimestamp, monthName } from '../clock.js';
import { ForbiddenError, NotFoundError, ParseError } from '../errors.js';
import { closestMatches } from '../fuzzy.js';
import { type Dec, formatUsd, roundCents } from '../money.js';
import type { ChatTarget } from '../reply/delivery.js';
import { mention } from '../reply/mention.js';
import type { Reply, ReplyAction } from '../reply/reply.js';
import { helpOf } from './meta.js';
import { type CommandContext, defineCommand } from './types.js';

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
  | { action: 'ack'; team: string; sk: string; month?: string };

/** A profile as `budget set` reports it. */
export interface BudgetSettingData {
  team: string;
  budgetUsd: number;
  thresholds: number[];
  channel?: string;
  timeZone: string;
  owners: string[];
  digest: { weekday: number; hour: number };
}

export type BudgetData =
  | {
      action: 'status';
      month: string;
      period: { start: string; end: string };
      teams: BudgetTeamData[];
      /** Untagged spend this month (no team tag). Absent for a one-team question. */
      unattributedUsd?: number;
      /** Teams with spend this month but no budget. */
      unbudgeted?: { team: string; mtdUsd: number }[];
      costBasis: string;
      dataAsOf: string;
    }
  | { action: 'set'; teams: BudgetSettingData[]; previous?: BudgetSettingData }
  | { action: 'delete'; teams: []; deleted: BudgetSettingData }
  | { action: 'ack'; teams: []; alert: { team: string; month: string; alert: string } };

const SET_USAGE = `"budget set" takes a team and an amount in dollars, for example: ${BUDGET_SET_EXAMPLE}`;
const DELETE_USAGE = '"budget delete" takes a team, for example: budget delete search';
const ACK_USAGE =
  '"budget ack" takes a team and the alert (a threshold such as 80, or forecast), optionally its month, for example: budget ack search 80';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

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
  if (verb === 'ack' || verb === 'acknowledge') {
    const [teamWord, which, month, ...extra] = rest;
    const pct = /^(\d{1,4})%?$/.exec(which ?? '')?.[1];
    const sk =
      which?.toLowerCase() === 'forecast' ? 'FORECAST' : pct ? `THRESHOLD#${Number(pct)}` : undefined;
    if (!sk || extra.length || (month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(month))) {
      throw new ParseError(ACK_USAGE);
    }
    return { action: 'ack', team: parseTeamId(teamWord, ACK_USAGE), sk, ...(month ? { month } : {}) };
  }
  if (verb === 'set') {
    const [teamWord, ...more] = rest;
    const team = parseTeamId(teamWord, SET_USAGE);
    let amountWord = more.shift();
    if (amountWord?.toLowerCase() === 'to') amountWord = more.shift();
    const input: Extract<BudgetInput, { action: 'set' }> = {
      action: 'set',
      team,
      amount: parseAmount(amountWord),
    };
    while (more.length) {
      const key = more.shift()!.toLowerCase();
      const value = more.shift();
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
          break;
        }
        case 'webhook':
          input.target = parseWebhookUrl(value);
          delete input.channelName;
          break;
        case 'teams':
          // A Workflows webhook URL, or a conversation the Teams bot is in (its Bot
          // Connector is looked up when the budget is saved).
          input.target = /^https?:/i.test(value ?? '')
            ? parseWebhookUrl(value)
            : parseTeamsConversation(value);
          break;
        case 'thresholds':
        case 'threshold':
        case 'at':
          input.thresholds = parseThresholds(value);
          break;
        case 'tz':
        case 'timezone':
        case 'zone':
          input.timeZone = parseTimeZone(value);
          break;
        case 'owner':
        case 'owners':
          input.owners = [...new Set([...(input.owners ?? []), ...parseOwners(value)])];
          break;
        case 'digest':
          input.digest = parseDigest(value, more.shift());
          break;
        default:
          throw new ParseError(
            `I don't understand "${key.slice(0, 30)}" in "budget set". Options: channel CHANNEL, webhook URL, teams CONVERSATION, thresholds 50,80,100, tz ZONE, owner @USER, digest monday 9 — for example: ${BUDGET_SET_EXAMPLE}`,
          );
      }
    }
    return input;
  }
  if (words.length > 1) {
    throw new ParseError(
      `"budget" takes one team for its status, or: budget set TEAM AMOUNT, budget delete TEAM — for example: ${BUDGET_SET_EXAMPLE}`,
    );
  }
  return { action: 'status', team: parseTeamId(first, SET_USAGE) };
}

/** Is the caller allowed to change this team's budget? Admins, and the team's owners. */
export function mayChangeBudget(ctx: CommandContext, existing: TeamProfile | undefined): boolean {
  const { caller } = ctx;
  if (caller.isAdmin || ctx.deps.config.ADMIN_USER_IDS.includes(caller.userId)) return true;
  return Boolean(existing?.owners.includes(caller.userId));
}

function settingData(p: TeamProfile): BudgetSettingData {
  const channel = describeDestination(p.target);
  return {
    team: p.team,
    budgetUsd: roundCents(p.budgetUsd),
    thresholds: [...p.thresholds],
    ...(channel ? { channel } : {}),
    timeZone: p.timeZone,
    owners: [...p.owners],
    digest: { ...p.digest },
  };
}

function money(d: Dec): string {
  return formatUsd(d, { decimals: d.isInteger() ? 0 : 2 });
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

/** A conversation the Teams bot is in, with its Bot Connector, from the stored reference. */
async function teamsBotTarget(
  ctx: CommandContext,
  conversationId: string,
  options: { optional?: boolean } = {},
): Promise<ChatTarget | undefined> {
  const { baseConversationId, getConversation } = await import('../reply/teams-conversations.js');
  const id = baseConversationId(conversationId);
  const ref = await getConversation(ctx.deps.store, id);
  if (ref) return { kind: 'teams-bot', conversationId: ref.conversationId, serviceUrl: ref.serviceUrl };
  if (options.optional) return undefined;
  throw new ParseError(
    `The bedrock-cost bot is not in the Teams conversation ${id.slice(0, 60)}. Add the app to that team or chat (or type the budget set command there), then try again.`,
  );
}

function destinationText(target: ChatTarget | undefined): string {
  if (!target) return 'nowhere yet';
  if (target.kind === 'slack') return `#${target.channel}`;
  if (target.kind === 'teams-bot')
    return `the Teams conversation ${target.conversationId} (the bedrock-cost bot)`;
  return `a Teams channel (Workflows webhook on ${describeDestination(target)?.replace(/^teams:/, '')})`;
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function profileFields(p: TeamProfile): { label: string; value: string }[] {
  return [
    { label: 'Budget', value: `${money(p.budgetUsd)} a month` },
    {
      label: 'Alerts at',
      value: p.thresholds.map((t) => `${t}%`).join(', ') + ' and when the forecast exceeds it',
    },
    { label: 'Alerts go to', value: destinationText(p.target) },
    { label: 'Time zone', value: p.timeZone },
    {
      label: 'Owners',
      value: p.owners.length
        ? p.owners.map((o) => mention({ kind: 'user', id: o })).join(', ')
        : 'admins only',
    },
    {
      label: 'Weekly digest',
      value: `${WEEKDAY_NAMES[p.digest.weekday - 1] ?? 'Monday'} ${String(p.digest.hour).padStart(2, '0')}:00`,
    },
  ];
}

async function unknownTeam(ctx: CommandContext, team: string, what: string): Promise<never> {
  const teams = (await listTeams(ctx.deps.store)).map((t) => t.team);
  const close = closestMatches(team, teams, 3);
  throw new NotFoundError(
    close.length
      ? `${team.slice(0, 40)} has no budget to ${what}. Did you mean: ${close.join(', ')}?`
      : `${team.slice(0, 40)} has no budget to ${what}.`,
    close,
    { suggestion: `Set one with: budget set ${team.slice(0, 40)} 5000 channel #${team.slice(0, 20)}-alerts` },
  );
}

function forbidden(team: string): ForbiddenError {
  return new ForbiddenError(`Only budget admins and the team's owners can change the ${team} budget.`);
}

async function runSet(input: Extract<BudgetInput, { action: 'set' }>, ctx: CommandContext) {
  const { deps, caller } = ctx;
  const previous = await getTeam(deps.store, input.team);
  if (!mayChangeBudget(ctx, previous)) throw forbidden(input.team);
  checkWebhookDestination(input.target, deps.config.BEDROCK_COST_WEBHOOK_HOSTS);
  // Channel names and owner emails become Slack IDs (after the permission check: the lookup's
  // suggestions name channels).
  const named = await resolveBudgetNames(input, deps.config);
  const fromChannel: ChatTarget | undefined =
    caller.channelId && /^[CG][A-Z0-9]{6,}$/.test(caller.channelId)
      ? { kind: 'slack', channel: caller.channelId }
      : undefined;
  let target = named.target ?? input.target ?? previous?.target ?? fromChannel;
  if (input.target?.kind === 'teams-bot') target = await teamsBotTarget(ctx, input.target.conversationId);
  else if (input.target?.kind === 'teams') {
    // Remember the Teams channel the webhook was given in: slow answers asked there go to it.
    const before =
      previous?.target?.kind === 'teams' && previous.target.webhookUrl === input.target.webhookUrl
        ? previous.target.channelId
        : undefined;
    const channelId = caller.platform === 'teams' && caller.channelId ? caller.channelId : before;
    target = { ...input.target, ...(channelId ? { channelId } : {}) };
  } else if (!target && caller.platform === 'teams' && caller.channelId) {
    // Typed to the Teams bot: alerts go to the conversation it was typed in.
    target = await teamsBotTarget(ctx, caller.channelId, { optional: true });
  }
  const saved = await saveTeam(
    deps.store,
    {
      team: input.team,
      budgetUsd: input.amount,
      thresholds: input.thresholds ?? previous?.thresholds ?? [...DEFAULT_THRESHOLDS],
      ...(target ? { target } : {}),
      timeZone: input.timeZone ?? previous?.timeZone ?? deps.config.BEDROCK_COST_DEFAULT_TZ,
      owners: named.owners ?? input.owners ?? previous?.owners ?? [],
      digest: input.digest ?? previous?.digest ?? { ...DEFAULT_DIGEST },
    },
    {
      userId: caller.userId,
      ...(caller.userName ? { userName: caller.userName } : {}),
      now: deps.clock.now(),
    },
    previous,
  );
  deps.log.info('budget set', { team: saved.team, by: caller.userId, budgetUsd: saved.budgetUsd.toFixed() });
  const headline = previous
    ? previous.budgetUsd.eq(saved.budgetUsd)
      ? `Updated the ${saved.team} budget settings (still ${money(saved.budgetUsd)} a month).`
      : `The ${saved.team} Bedrock budget is now ${money(saved.budgetUsd)} a month (was ${money(previous.budgetUsd)}).`
    : `${saved.team} now has a Bedrock budget of ${money(saved.budgetUsd)} a month.`;
  const blocks: Reply['blocks'] = [{ kind: 'fields', fields: profileFields(saved) }];
  if (!saved.target) {
    blocks.push({
      kind: 'text',
      text: `No alert channel yet: add one with \`budget set ${saved.team} ${saved.budgetUsd.toFixed()} channel #channel\`.`,
    });
  }
  if (previous && !previous.budgetUsd.eq(saved.budgetUsd)) {
    blocks.push({
      kind: 'text',
      text: 'Thresholds are re-checked against the new budget at the next hourly alert run.',
    });
  }
  const reply: Reply = {
    headline,
    context: [
      `changed by ${caller.platform === 'cli' ? 'the CLI operator' : mention({ kind: 'user', id: caller.userId, name: caller.userName })} · recorded in the audit log`,
    ],
    blocks,
  };
  const data: BudgetData = {
    action: 'set',
    teams: [settingData(saved)],
    ...(previous ? { previous: settingData(previous) } : {}),
  };
  return { command: 'budget', data, reply };
}

/**
 * The `budget set` line that recreates a deleted profile as it was: amount, destination,
 * thresholds, time zone, owners and digest slot. A Teams webhook URL is a secret, so it
 * appears as a placeholder.
 */
export function restoreCommand(p: TeamProfile): string {
  const parts = ['budget set', p.team, p.budgetUsd.toFixed()];
  if (p.target?.kind === 'slack') parts.push('channel', p.target.channel);
  else if (p.target?.kind === 'teams') parts.push('webhook', 'WEBHOOK_URL');
  parts.push('thresholds', p.thresholds.join(','), 'tz', p.timeZone);
  if (p.owners.length) parts.push('owners', p.owners.join(','));
  parts.push('digest', WEEKDAYS[p.digest.weekday - 1] ?? 'monday', String(p.digest.hour));
  return parts.join(' ');
}

async function runDelete(input: Extract<BudgetInput, { action: 'delete' }>, ctx: CommandContext) {
  const { deps, caller } = ctx;
  const previous = await getTeam(deps.store, input.team);
  if (!previous) {
    // Refuse first when the caller could not delete it anyway: no hint about which teams exist.
    if (!mayChangeBudget(ctx, undefined)) throw forbidden(input.team);
    return unknownTeam(ctx, input.team, 'delete');
  }
  if (!mayChangeBudget(ctx, previous)) throw forbidden(input.team);
  await deleteTeam(deps.store, previous, {
    userId: caller.userId,
    ...(caller.userName ? { userName: caller.userName } : {}),
    now: deps.clock.now(),
  });
  deps.log.info('budget deleted', { team: previous.team, by: caller.userId });
  const reply: Reply = {
    headline: `Deleted the ${previous.team} Bedrock budget (${money(previous.budgetUsd)} a month): no more budget alerts for ${previous.team}.`,
    context: ['recorded in the audit log'],
    blocks: [
      {
        kind: 'text',
        text: `To bring it back: \`${restoreCommand(previous)}\`${previous.target?.kind === 'teams' ? ' (with the Workflows webhook URL, which is not shown here)' : ''}`,
      },
    ],
  };
  const data: BudgetData = { action: 'delete', teams: [], deleted: settingData(previous) };
  return { command: 'budget', data, reply };
}

const STATUS_LABEL: Record<BudgetStatus, string> = {
  'on-track': 'on track',
  'at-risk': 'at risk',
  'over-budget': 'over budget',
};

function pct(p: TeamBudgetPosition): string {
  return `${p.pctUsed.toDecimalPlaces(0).toFixed(0)}%`;
}

/** Rows shown in chat before "and N more" (the data has every team). */
const MAX_ROWS = 25;

async function runStatus(asked: Extract<BudgetInput, { action: 'status' }>, ctx: CommandContext) {
  const { deps } = ctx;
  // `--team` (or the chat's default team) answers for that team when none is named.
  const input = asked.team === undefined && ctx.team ? { ...asked, team: ctx.team } : asked;
  let profiles: TeamProfile[];
  if (input.team !== undefined) {
    const one = await getTeam(deps.store, input.team);
    if (!one) return unknownTeam(ctx, input.team, 'show');
    profiles = [one];
  } else {
    profiles = await listTeams(deps.store);
  }
  const { positions, spend } = await budgetPositions(deps, profiles, {
    ...(input.team !== undefined ? { team: input.team } : {}),
  });
  const month = input.team !== undefined ? positions[0]!.spend.month : spend.utcMonth;
  const monthLabel = monthName(month.start);
  const through = deps.clock.now().toISOString().slice(0, 10);
  const period = { start: month.start, end: through < month.end ? addDays(through, 1) : month.end };
  const dataAsOf = `bill data as of ${formatTimestamp(spend.dataAsOf)}${spend.stale ? ' (cached: Cost Explorer is throttling)' : ''}`;
  const context = [
    `${formatRange(period)} · ${spend.costBasis} · ${dataAsOf}${spend.sourceKind === 'demo' ? ' · demo account' : ''}`,
  ];
  const data: BudgetData = {
    action: 'status',
    month: month.month,
    period,
    teams: positions.map(positionData),
    ...(input.team === undefined
      ? {
          unattributedUsd: roundCents(spend.unattributedUsd),
          unbudgeted: spend.unbudgeted.map((t) => ({ team: t.team, mtdUsd: roundCents(t.usd) })),
        }
      : {}),
    costBasis: spend.costBasis,
    dataAsOf: spend.dataAsOf.toISOString(),
  };
  const actions: ReplyAction[] = [];
  let reply: Reply;
  if (input.team !== undefined) {
    const p = positions[0]!;
    const over = p.spentUsd.minus(p.profile.budgetUsd);
    const headline =
      p.status === 'over-budget'
        ? `${p.profile.team} is over its ${monthLabel} Bedrock budget: ${money2(p.spentUsd)} of ${money(p.profile.budgetUsd)} (${pct(p)}), ${money2(over)} over.`
        : `${p.profile.team} has used ${pct(p)} of its ${monthLabel} Bedrock budget: ${money2(p.spentUsd)} of ${money(p.profile.budgetUsd)}.`;
    const forecastPct = p.profile.budgetUsd.gt(0)
      ? `${p.forecast.usd.div(p.profile.budgetUsd).times(100).toDecimalPlaces(0).toFixed(0)}%`
      : '';
    const fields = [
      { label: 'Status', value: STATUS_LABEL[p.status] },
      {
        label: 'Month to date',
        value: `${money2(p.spentUsd)}${p.spend.nowcastUsd.gt(0) ? ` (incl. ${money2(p.spend.nowcastUsd)} estimated from token metrics)` : ''}`,
      },
      {
        label: 'Forecast',
        value: `${money(p.forecast.usd.toDecimalPlaces(0))} by ${formatDay(p.spend.month.lastDay)} (${forecastPct})${p.forecast.reliable ? '' : ', early in the month: rough'}`,
      },
      {
        label: 'Remaining',
        value: `${money2(p.profile.budgetUsd.minus(p.spentUsd).clampedTo(0, Number.POSITIVE_INFINITY))} · ${p.spend.month.daysLeft} days left`,
      },
      ...profileFields(p.profile).filter((f) => f.label !== 'Budget'),
    ];
    reply = { headline, context, blocks: [{ kind: 'fields', fields }], actions };
    actions.push({
      id: 'show_breakdown',
      label: 'Show breakdown',
      value: `spend mtd by model team ${p.profile.team}`,
    });
  } else if (!positions.length) {
    const lines: string[] = [];
    if (spend.unbudgeted.length) {
      lines.push(
        `Teams with Bedrock spend in ${monthLabel}: ${spend.unbudgeted
          .slice(0, 8)
          .map((t) => `${t.team} ${money2(t.usd)}`)
          .join(', ')}${spend.unbudgeted.length > 8 ? `, and ${spend.unbudgeted.length - 8} more` : ''}.`,
      );
    }
    if (spend.unattributedUsd.gt(0))
      lines.push(`Unattributed (no team tag): ${money2(spend.unattributedUsd)} so far in ${monthLabel}.`);
    lines.push(`Set one with: ${BUDGET_SET_EXAMPLE}`);
    reply = {
      headline: 'No team has a Bedrock budget yet.',
      context,
      blocks: lines.map((text) => ({ kind: 'text' as const, text })),
    };
  } else {
    const over = positions.filter((p) => p.status === 'over-budget');
    const risk = positions.filter((p) => p.status === 'at-risk');
    const names = (list: TeamBudgetPosition[]) =>
      list.length <= 3 ? list.map((p) => p.profile.team).join(', ') : `${list.length} teams`;
    const parts: string[] = [];
    if (over.length) parts.push(`${names(over)} ${over.length === 1 ? 'is' : 'are'} over budget`);
    if (risk.length)
      parts.push(
        `${names(risk)} ${risk.length === 1 ? 'is' : 'are'} on track to exceed ${risk.length === 1 ? 'its' : 'their'} budget`,
      );
    const count = `${positions.length} team${positions.length === 1 ? '' : 's'}`;
    const headline = parts.length
      ? `${monthLabel} Bedrock budgets: ${parts.join('; ')} (${count} with a budget).`
      : `All ${count} with a ${monthLabel} Bedrock budget ${positions.length === 1 ? 'is' : 'are'} on track.`;
    const ranked = [...positions].sort(
      (a, b) => b.pctUsed.comparedTo(a.pctUsed) || a.profile.team.localeCompare(b.profile.team),
    );
    const rows = ranked
      .slice(0, MAX_ROWS)
      .map((p) => [
        p.profile.team,
        money(p.profile.budgetUsd),
        money2(p.spentUsd),
        pct(p),
        money(p.forecast.usd.toDecimalPlaces(0)),
        STATUS_LABEL[p.status],
      ]);
    const blocks: Reply['blocks'] = [
      {
        kind: 'table',
        columns: [
          { header: 'Team' },
          { header: 'Budget', align: 'right' },
          { header: 'Month to date', align: 'right' },
          { header: 'Used', align: 'right' },
          { header: 'Forecast', align: 'right' },
          { header: 'Status' },
        ],
        rows,
      },
    ];
    if (ranked.length > MAX_ROWS)
      blocks.push({
        kind: 'text',
        text: `And ${ranked.length - MAX_ROWS} more teams, all further below their budgets.`,
      });
    blocks.push({
      kind: 'text',
      text: `Unattributed (no team tag): ${money2(spend.unattributedUsd)} so far in ${monthLabel}.`,
    });
    if (spend.unbudgeted.length) {
      blocks.push({
        kind: 'text',
        text: `Tagged but without a budget: ${spend.unbudgeted
          .slice(0, 5)
          .map((t) => `${t.team} ${money2(t.usd)}`)
          .join(', ')}${spend.unbudgeted.length > 5 ? `, and ${spend.unbudgeted.length - 5} more` : ''}.`,
      });
    }
    const estimated = [...spend.teams.values()].filter((t) => t.nowcastUsd.gt(0));
    if (estimated.length) {
      const oldest = estimated
        .map((t) => t.nowcastReadAt)
        .filter((d): d is Date => d !== undefined)
        .sort((a, b) => a.getTime() - b.getTime())
        // Said when a reading is from an earlier run (far-off teams are read every few hours).
        .find((d) => readEarlier(deps.clock.now(), d));
      blocks.push({
        kind: 'text',
        text: `Month to date includes an estimate of spend not yet billed, from token metrics${
          oldest ? ` read ${formatTimestamp(oldest)} or later` : ''
        }.`,
      });
    }
    reply = { headline, context, blocks };
  }
  return { command: 'budget', data, reply };
}

function money2(d: Dec): string {
  return formatUsd(d);
}

/** `budget ack TEAM 80 [YYYY-MM]`: what the Acknowledge button does, for Teams and the CLI. */
async function runAck(input: Extract<BudgetInput, { action: 'ack' }>, ctx: CommandContext) {
  const { deps } = ctx;
  const month =
    input.month ??
    teamMonthAt(
      deps.clock.now(),
      (await getTeam(deps.store, input.team))?.timeZone ?? deps.config.BEDROCK_COST_DEFAULT_TZ,
    ).month;
  const { acknowledgeReply } = await import('../budgets/actions.js');
  const reply = await acknowledgeReply(deps, { team: input.team, month, sk: input.sk }, ctx.caller).catch(
    (error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
      const which = input.sk === 'FORECAST' ? 'forecast' : `${input.sk.replace('THRESHOLD#', '')}%`;
      throw new NotFoundError(
        `${input.team} has no ${which} budget alert for ${month} to acknowledge (none was sent); \`budget ${input.team}\` shows where it stands.`,
      );
    },
  );
  const data: BudgetData = { action: 'ack', teams: [], alert: { team: input.team, month, alert: input.sk } };
  return { command: 'budget', data, reply };
}

export const budgetCommand = defineCommand<BudgetInput, BudgetData>({
  ...helpOf('budget'),
  slow: true,
  isSlow: (input) => input.action === 'status',
  mutates: true,
  parse: (words) => parseBudgetWords(words),
  run: async (input, ctx) => {
    switch (input.action) {
      case 'set':
        return runSet(input, ctx);
      case 'delete':
        return runDelete(input, ctx);
      case 'status':
        return runStatus(input, ctx);
      case 'ack':
        return runAck(input, ctx);
    }
  },
});

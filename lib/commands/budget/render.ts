/**
 * What `budget` answers: the data each subcommand returns, and its reply (headline first,
 * then the fields or the table). Only formatting here: the figures come computed.
 */
import type { BudgetStatus } from '../../budgets/evaluate.js';
import { readEarlier } from '../../budgets/nowcast-cadence.js';
import { type BudgetTeamData, describeDestination, type TeamBudgetPosition } from '../../budgets/status.js';
import type { TeamProfile } from '../../budgets/store.js';
import type { BudgetSpend } from '../../budgets/team-spend.js';
import { BUDGET_SET_EXAMPLE } from '../../budgets/validate.js';
import { formatDay, formatTimestamp } from '../../clock.js';
import { type Dec, formatUsd, roundCents } from '../../money.js';
import type { Caller } from '../../reply/caller.js';
import type { ChatTarget } from '../../reply/delivery.js';
import { mention } from '../../reply/mention.js';
import type { Reply } from '../../reply/reply.js';
import { WEEKDAYS } from './parse.js';

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

export function settingData(p: TeamProfile): BudgetSettingData {
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

/** A budget amount: whole dollars when it is whole. */
function money(d: Dec): string {
  return formatUsd(d, { decimals: d.isInteger() ? 0 : 2 });
}

/** Spend: always to the cent. */
function money2(d: Dec): string {
  return formatUsd(d);
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

/** `budget set`'s answer: what the budget is now (and was), who changed it. */
export function renderSet(saved: TeamProfile, previous: TeamProfile | undefined, caller: Caller): Reply {
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
  return {
    headline,
    context: [
      `changed by ${caller.platform === 'cli' ? 'the CLI operator' : mention({ kind: 'user', id: caller.userId, name: caller.userName })} · recorded in the audit log`,
    ],
    blocks,
  };
}

/**
 * The `budget set` line that recreates a deleted profile as it was: amount, destination,
 * thresholds, time zone, owners and digest slot. A Teams webhook URL is a secret, so it
 * appears as a placeholder.
 */
function restoreCommand(p: TeamProfile): string {
  const parts = ['budget set', p.team, p.budgetUsd.toFixed()];
  if (p.target?.kind === 'slack') parts.push('channel', p.target.channel);
  else if (p.target?.kind === 'teams') parts.push('webhook', 'WEBHOOK_URL');
  parts.push('thresholds', p.thresholds.join(','), 'tz', p.timeZone);
  if (p.owners.length) parts.push('owners', p.owners.join(','));
  parts.push('digest', WEEKDAYS[p.digest.weekday - 1] ?? 'monday', String(p.digest.hour));
  return parts.join(' ');
}

/** `budget delete`'s answer: what went, and the line that brings it back. */
export function renderDelete(previous: TeamProfile): Reply {
  return {
    headline: `Deleted the ${previous.team} Bedrock budget (${money(previous.budgetUsd)} a month): no more budget alerts for ${previous.team}.`,
    context: ['recorded in the audit log'],
    blocks: [
      {
        kind: 'text',
        text: `To bring it back: \`${restoreCommand(previous)}\`${previous.target?.kind === 'teams' ? ' (with the Workflows webhook URL, which is not shown here)' : ''}`,
      },
    ],
  };
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

/** `budget TEAM`: one team's month, field by field, with a button to its breakdown. */
export function renderTeamStatus(p: TeamBudgetPosition, monthLabel: string, context: string[]): Reply {
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
  return {
    headline,
    context,
    blocks: [{ kind: 'fields', fields }],
    actions: [
      { id: 'show_breakdown', label: 'Show breakdown', value: `spend mtd by model team ${p.profile.team}` },
    ],
  };
}

/** `budget` before any team has one: who spends, and how to set one. */
export function renderNoBudgets(spend: BudgetSpend, monthLabel: string, context: string[]): Reply {
  const lines: string[] = [];
  if (spend.unbudgeted.length) {
    lines.push(
      `Teams with Bedrock spend billed in ${monthLabel}: ${spend.unbudgeted
        .slice(0, 8)
        .map((t) => `${t.team} ${money2(t.usd)}`)
        .join(', ')}${spend.unbudgeted.length > 8 ? `, and ${spend.unbudgeted.length - 8} more` : ''}.`,
    );
  }
  if (spend.unattributedUsd.gt(0))
    lines.push(
      `Unattributed (no team tag): ${money2(spend.unattributedUsd)} billed so far in ${monthLabel}.`,
    );
  lines.push(`Set one with: ${BUDGET_SET_EXAMPLE}`);
  return {
    headline: 'No team has a Bedrock budget yet.',
    context,
    blocks: lines.map((text) => ({ kind: 'text' as const, text })),
  };
}

/** The all-teams headline: who is over, who is heading over, or that all are on track. */
function allTeamsHeadline(positions: TeamBudgetPosition[], monthLabel: string): string {
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
  return parts.length
    ? `${monthLabel} Bedrock budgets: ${parts.join('; ')} (${count} with a budget).`
    : `All ${count} with a ${monthLabel} Bedrock budget ${positions.length === 1 ? 'is' : 'are'} on track.`;
}

/** The teams, most used first, at most `MAX_ROWS` of them. */
function teamTable(positions: TeamBudgetPosition[]): Reply['blocks'] {
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
  return blocks;
}

/**
 * Below the table: unattributed spend, teams without a budget (as billed: the estimate of
 * today's unbilled hours is read for budgeted teams only, so these say "billed" beside the
 * budgeted teams' estimated month to date), and the estimate's age.
 */
function spendNotes(spend: BudgetSpend, monthLabel: string, now: Date): Reply['blocks'] {
  const blocks: Reply['blocks'] = [
    {
      kind: 'text',
      text: `Unattributed (no team tag): ${money2(spend.unattributedUsd)} billed so far in ${monthLabel}.`,
    },
  ];
  if (spend.unbudgeted.length) {
    blocks.push({
      kind: 'text',
      text: `Tagged but without a budget, billed so far: ${spend.unbudgeted
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
      .find((d) => readEarlier(now, d));
    blocks.push({
      kind: 'text',
      text: `Month to date includes an estimate of spend not yet billed, from token metrics${
        oldest ? ` read ${formatTimestamp(oldest)} or later` : ''
      }.`,
    });
  }
  return blocks;
}

/** `budget`: every team with a budget, in one table. */
export function renderAllTeams(
  positions: TeamBudgetPosition[],
  spend: BudgetSpend,
  monthLabel: string,
  context: string[],
  now: Date,
): Reply {
  return {
    headline: allTeamsHeadline(positions, monthLabel),
    context,
    blocks: [...teamTable(positions), ...spendNotes(spend, monthLabel, now)],
  };
}

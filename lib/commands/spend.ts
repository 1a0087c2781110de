/**
 * `spend [PERIOD] [by model|team|usage|region|account] [team TEAM]`: Bedrock spend from
 * the bill, with shares; untagged spend is shown as "unattributed". `spend today` adds an
 * estimate from CloudWatch token metrics for the hours the bill does not have yet.
 */

import { nextNowcastState } from '../budgets/nowcast-cadence.js';
import { getTeam } from '../budgets/store.js';
import { addDays } from '../clock.js';
import { costMetricOf } from '../config.js';
import { ParseError } from '../errors.js';
import { readTodayNowcast, writeTodayNowcast } from '../ledger/store.js';
import { type Dec, formatUsd, roundCents, shareOf, sumUsd, usd, ZERO } from '../money.js';
import type { Reply, ReplyAction } from '../reply/reply.js';
import { botApiCostThisMonth } from '../spend/cache.js';
import { groupNowcastLines, nowcastToday, teamTotals, unbilledPart } from '../spend/nowcast.js';
import { billContext, periodText } from '../spend/present.js';
import {
  costBasisLabel,
  fetchLines,
  resolveTeam,
  type SpendContext,
  type SpendLine,
  spendContextOf,
  UNATTRIBUTED,
} from '../spend/query.js';
import { getSpend, SPEND_GROUP_BYS, type SpendGroupBy, type SpendReport } from '../spend/spend.js';
import type { Store } from '../store/store.js';
import { helpOf } from './meta.js';
import {
  PERIOD_FORMS,
  type Period,
  parsePeriod,
  periodIn,
  TEAM_ZONE,
  takeOption,
  takePeriod,
  todayIn,
  unknownPeriodError,
} from './period.js';
import { spendChartBlock } from './spend-chart.js';
import type { CommandContext } from './types.js';
import { defineCommand } from './types.js';

export interface SpendInput {
  /**
   * As typed, before the team's time zone is known (`TEAM_ZONE`): `run` reads it in that
   * zone, or UTC, and checks it against today there (`periodIn`).
   */
  period: Period;
  groupBy: SpendGroupBy;
  team?: string;
}

export interface SpendData {
  period: { start: string; end: string };
  totalUsd: number;
  groupBy: SpendGroupBy;
  groups: { key: string; label: string; usd: number; share: number }[];
  costBasis: string;
  dataAsOf: string;
  team?: string;
  /** Part of `totalUsd` estimated from token metrics (hours not yet in the bill). */
  estimatedUsd?: number;
  /** What the bill alone says (when an estimate was added). */
  billedUsd?: number;
  /** Cost Explorer requests this answer took (0 = cached). */
  requests: number;
  /** This bot's own Cost Explorer use this month. */
  botApi?: { requests: number; usd: number };
}

const USAGE = helpOf('spend').usage[0]!;
const GROUP_ALIASES: Record<string, SpendGroupBy> = {
  model: 'model',
  models: 'model',
  team: 'team',
  teams: 'team',
  usage: 'usage',
  'usage-type': 'usage',
  usagetype: 'usage',
  type: 'usage',
  region: 'region',
  regions: 'region',
  account: 'account',
  accounts: 'account',
  service: 'service',
  services: 'service',
};

/**
 * `spend by model by team` (or `by model and team`): one breakdown at a time, and the
 * answer says how to get the other view instead of "team needs a value".
 */
function rejectTwoGroupings(words: string[]): void {
  const lower = words.map((w) => w.toLowerCase());
  const at = lower.indexOf('by');
  if (at < 0) return;
  const first = lower[at + 1] ?? '';
  const after = lower.slice(at + 2);
  const second =
    after[0] === 'by' || after[0] === 'and' || after[0] === '&'
      ? after[1]
      : first.includes(',')
        ? first.split(',')[1]
        : undefined;
  const one = first.split(',')[0] ?? '';
  if (!second || !Object.hasOwn(GROUP_ALIASES, one) || !Object.hasOwn(GROUP_ALIASES, second)) return;
  const [a, b] = [GROUP_ALIASES[one]!, GROUP_ALIASES[second]!];
  const period = lower.slice(0, at).join(' ') || 'mtd';
  const teamFirst = a === 'team' || b === 'team';
  const other = a === 'team' ? b : a;
  throw new ParseError(`"spend" breaks spend down one way at a time, not by ${a} and by ${b} together.`, {
    suggestion: teamFirst
      ? `Try: spend ${period} by team, then spend ${period} by ${other} team TEAM for one team's ${other === 'usage' ? 'usage types' : `${other}s`}.`
      : `Try: spend ${period} by ${a}, or spend ${period} by ${b}.`,
  });
}

/** Parse `spend` words; exported for `ask` and tests. */
export function parseSpendWords(words: string[], now: Date, defaultTeam?: string): SpendInput {
  const stops = ['by', 'team', 'for'];
  rejectTwoGroupings(words);
  const byOpt = takeOption(words, 'by', stops, USAGE);
  let teamOpt = takeOption(byOpt.rest, 'team', stops, USAGE);
  if (!teamOpt.value) teamOpt = takeOption(teamOpt.rest, 'for', stops, USAGE);
  let groupBy: SpendGroupBy = 'model';
  if (byOpt.value) {
    const word = byOpt.value.join('-').toLowerCase();
    // Own keys only: `by constructor` must not find Object's.
    const g = Object.hasOwn(GROUP_ALIASES, word) ? GROUP_ALIASES[word] : undefined;
    if (!g) {
      throw new ParseError(
        `I can break spend down by ${SPEND_GROUP_BYS.slice(0, 5).join(', ')}, not "${word}".`,
        {
          suggestion: `Try: ${USAGE}`,
        },
      );
    }
    groupBy = g;
  }
  const rest = teamOpt.rest;
  let period: Period;
  if (!rest.length) period = parsePeriod('mtd', now, TEAM_ZONE);
  else {
    const taken = takePeriod(rest, now, TEAM_ZONE);
    if (!taken.period || taken.rest.length) {
      throw unknownPeriodError(rest.join(' '), now, `Try: ${USAGE}. PERIOD: ${PERIOD_FORMS}.`);
    }
    period = taken.period;
  }
  const team = teamOpt.value?.join(' ') ?? defaultTeam;
  if (team !== undefined && groupBy === 'team') groupBy = 'model';
  return { period, groupBy, ...(team !== undefined ? { team } : {}) };
}

const GROUP_HEADERS: Record<SpendGroupBy, string> = {
  model: 'Model',
  team: 'Team',
  usage: 'Usage',
  region: 'Region',
  account: 'Account',
  service: 'Service',
};

const TABLE_ROWS = 10;

function pct(share: number): string {
  if (share > 0 && share < 0.005) return '<1%';
  return `${Math.round(share * 100)}%`;
}

/**
 * Resolve a team typed by a user: a team with a budget profile is known even before it has
 * spend; otherwise it must appear in the bill's team tags. Returns its time zone when it is
 * not UTC.
 */
export async function resolveTeamOf(
  ctx: CommandContext,
  spend: SpendContext,
  name: string | undefined,
  today: string,
): Promise<{ team?: string; timeZone?: string }> {
  if (name === undefined) return {};
  const profile = await getTeam(ctx.deps.store, name).catch(() => undefined);
  const team = profile ? profile.team : await resolveTeam(spend, name, today);
  const tz = profile?.timeZone;
  return { team, ...(tz && tz !== 'UTC' ? { timeZone: tz } : {}) };
}

/** Run `spend` (the command's `run`): plan, read the bill, add today's estimate, render. */
async function runSpend(given: SpendInput, ctx: CommandContext) {
  const { deps } = ctx;
  const spend = await spendContextOf(deps);
  const today = todayIn(spend.now);
  const { team, timeZone } = await resolveTeamOf(ctx, spend, given.team, today);
  // Days are the team's local days when it has a time zone; the period is checked there.
  const input = { ...given, period: periodIn(given.period, spend.now, timeZone ?? 'UTC') };
  const report = await getSpend(spend, {
    start: input.period.start,
    end: input.period.end,
    groupBy: input.groupBy,
    ...(team !== undefined ? { team } : {}),
  });
  const { groups, extra } = await withTodayEstimate(spend, deps, input, report, team);
  const total = extra ? report.totalUsd.plus(extra) : report.totalUsd;
  groups.sort((a, b) => b.usd.comparedTo(a.usd) || a.label.localeCompare(b.label));
  for (const g of groups) g.share = shareOf(g.usd, total);
  const botApi = await botApiCostThisMonth(deps.store, spend.now).catch(() => undefined);
  const data = spendDataOf(input, report, { groups, total, extra, botApi, team }, deps);
  return {
    command: 'spend',
    data,
    reply: spendReply(input, data, { ...report, total, extra, botApi }, ctx, spend.kind),
  };
}

type Group = SpendReport['groups'][number];

/**
 * The groups with what the bill lacks of today added, when the period includes today: an
 * estimate from token metrics, and said so. Per team, as budgets and alerts derive it (one
 * derivation): the team's estimate less what the bill already has of its day, never below
 * zero; other breakdowns share each team's part over that team's estimate lines.
 */
async function withTodayEstimate(
  spend: SpendContext,
  deps: CommandContext['deps'],
  input: SpendInput,
  report: SpendReport,
  team: string | undefined,
): Promise<{ groups: Group[]; extra?: Dec }> {
  const groups = report.groups.map((g) => ({ ...g }));
  const today = todayIn(spend.now);
  if (!(input.period.end > today && input.period.start <= today)) return { groups };
  const estimate = await nowcastToday(spend, deps, { ...(team !== undefined ? { team } : {}) }).catch(
    (error: unknown) => {
      deps.log.warn('nowcast failed', error);
      return undefined;
    },
  );
  if (!estimate?.lines.length) return { groups };
  const estByTeam = teamTotals(estimate.lines);
  const billed = await billedTodayByTeam(spend, today, team);
  const extraByTeam = new Map(
    [...estByTeam].map(([t, est]) => [t, unbilledPart(est, billed.get(t) ?? ZERO)] as const),
  );
  const sum = sumUsd([...extraByTeam.values()]);
  // The readings are kept: `budget` and the next alert run show this same estimate.
  await keepTodayReadings(deps.store, spend.now, estByTeam, team).catch((error: unknown) =>
    deps.log.warn('could not keep today’s token readings', error),
  );
  const scaled = estimate.lines.map((l) => {
    const est = estByTeam.get(l.team)!;
    return { ...l, usd: est.isZero() ? ZERO : l.usd.times(extraByTeam.get(l.team)!).div(est) };
  });
  for (const est of groupNowcastLines(scaled, input.groupBy)) {
    if (est.usd.isZero()) continue;
    // One vocabulary: the bill's and the metrics' names of a model meet on its key, else its name.
    const g = groups.find((x) => x.key === est.key) ?? groups.find((x) => x.label === est.label);
    if (g) g.usd = g.usd.plus(est.usd);
    else groups.push({ key: est.key, label: est.label, usd: est.usd, share: 0 });
  }
  return { groups, ...(sum.gt(0) ? { extra: sum } : {}) };
}

/** The answer's data: each group rounded on its own, the totals, the cost basis. */
function spendDataOf(
  input: SpendInput,
  report: SpendReport,
  derived: {
    groups: Group[];
    total: Dec;
    extra: Dec | undefined;
    botApi: { requests: number; usd: Dec } | undefined;
    team: string | undefined;
  },
  deps: CommandContext['deps'],
): SpendData {
  const { groups, total, extra, botApi, team } = derived;
  // Each group rounded on its own (half-even), as every other answer rounds the same figure:
  // a team's row here is the team's figure in `why`, `budget` and the digest, to the cent.
  // The exact groups sum to the exact total; the rounded ones may differ by a cent or two.
  const cents = groups.map((g) => roundCents(g.usd));
  const metric = costMetricOf(deps.config.BEDROCK_COST_BASIS);
  return {
    period: { start: input.period.start, end: input.period.end },
    totalUsd: roundCents(total),
    groupBy: input.groupBy,
    groups: groups.map((g, i) => ({ key: g.key, label: g.label, usd: cents[i]!, share: g.share })),
    costBasis: costBasisLabel(metric),
    dataAsOf: report.dataAsOf.toISOString(),
    ...(team !== undefined ? { team: team === '' ? UNATTRIBUTED : team } : {}),
    ...(extra ? { estimatedUsd: roundCents(extra), billedUsd: roundCents(report.totalUsd) } : {}),
    requests: report.requests,
    ...(botApi ? { botApi: { requests: botApi.requests, usd: roundCents(botApi.usd) } } : {}),
  };
}

/** The bill's spend of today per team (Bedrock services, as budgets read it); empty if not in the ledger yet. */
async function billedTodayByTeam(ctx: SpendContext, today: string, team?: string): Promise<Map<string, Dec>> {
  const out = new Map<string, Dec>();
  const result = await fetchLines(ctx, {
    start: today,
    end: addDays(today, 1),
    grouping: 'team',
    granularity: 'DAILY',
    ...(team !== undefined ? { team } : {}),
  }).catch(() => undefined);
  for (const line of result?.lines ?? []) {
    const t = line.team ?? '';
    out.set(t, (out.get(t) ?? ZERO).plus(line.amount));
  }
  return out;
}

/** Keep this question's readings of today's token metrics for `budget` and the alert runs. */
async function keepTodayReadings(
  store: Store,
  now: Date,
  byTeam: Map<string, Dec>,
  team?: string,
): Promise<void> {
  const read = new Set(team !== undefined ? [team] : byTeam.keys());
  await writeTodayNowcast(store, nextNowcastState(now, await readTodayNowcast(store), byTeam, read));
}

/** What the reply shows besides the data: the exact total, the estimate, freshness, the lines. */
interface SpendShown {
  dataAsOf: Date;
  stale: boolean;
  total: Dec;
  extra?: Dec;
  botApi?: { requests: number; usd: Dec };
  lines?: SpendLine[];
  /** `spend by team` over days: the lines are the biggest teams' days; every team's daily totals. */
  chartTotals?: SpendReport['chartTotals'];
}

function spendReply(
  input: SpendInput,
  data: SpendData,
  report: SpendShown,
  ctx: CommandContext,
  kind: 'aws' | 'demo',
): Reply {
  const now = ctx.deps.clock.now();
  const who =
    data.team === undefined
      ? 'Bedrock spend'
      : data.team === UNATTRIBUTED
        ? 'Untagged Bedrock spend'
        : `Team ${data.team}'s Bedrock spend`;
  const context = [
    `${periodText(input.period, now)}${input.period.partial ? ' (so far)' : ''}`,
    ...billContext({
      metric: costMetricOf(ctx.deps.config.BEDROCK_COST_BASIS),
      dataAsOf: report.dataAsOf,
      now,
      stale: report.stale,
      demo: kind === 'demo',
      ranges: [input.period],
    }),
  ];
  const blocks: Reply['blocks'] = [];
  const table = spendTable(input, data);
  if (table) blocks.push(table);
  const chart = spendChartBlock({
    period: input.period,
    lines: report.lines ?? [],
    groupBy: input.groupBy,
    who,
    ...(report.chartTotals ? { totals: report.chartTotals } : {}),
  });
  if (chart) blocks.push(chart);
  for (const text of spendNotes(input, data, report, ctx.deps.config.TEAM_TAG_KEY))
    blocks.push({ kind: 'text', text });
  // The bot's own Cost Explorer use stays in `data` for `status`: in an answer about
  // someone's spend it is noise.
  const actions = spendActions(input, data);
  return {
    headline: spendHeadline(input, data, report, who),
    context,
    blocks,
    ...(actions.length ? { actions } : {}),
  };
}

/** `Bedrock spend last week was $1,240; Claude Sonnet 4.5 is 62% of it.` */
function spendHeadline(input: SpendInput, data: SpendData, report: SpendShown, who: string): string {
  const when = input.period.label;
  const verb = input.period.partial ? 'is' : 'was';
  const top = data.groups[0];
  if (!top) return `${who} ${verb} $0 ${when}: no Bedrock usage in the bill.`;
  const amount = formatUsd(report.total, { decimals: report.total.gte(1000) ? 0 : 2 });
  const lead = `${who} ${when} ${verb} ${amount}${report.extra ? ' (partly estimated)' : ''}`;
  const topText =
    data.groups.length > 1
      ? input.groupBy === 'team' && top.key === UNATTRIBUTED
        ? `; ${pct(top.share)} has no team tag`
        : `; ${top.label} is ${pct(top.share)} of it`
      : `, all ${top.label}`;
  return `${lead}${topText}.`;
}

/** The first rows of the breakdown, the rest as one "Other" row. */
function spendTable(input: SpendInput, data: SpendData): Reply['blocks'][number] | undefined {
  const shown = data.groups.slice(0, TABLE_ROWS);
  const rest = data.groups.slice(TABLE_ROWS);
  const rows = shown.map((g) => [g.label, formatUsd(usdOf(g.usd)), pct(g.share)]);
  if (rest.length) {
    const restUsd = rest.reduce((a, g) => a + Math.round(g.usd * 100), 0) / 100;
    const share = rest.reduce((a, g) => a + g.share, 0);
    rows.push([
      `Other (${rest.length} ${rest.length === 1 ? 'line' : 'lines'})`,
      formatUsd(usdOf(restUsd)),
      pct(share),
    ]);
  }
  if (!rows.length) return undefined;
  return {
    kind: 'table',
    columns: [
      { header: GROUP_HEADERS[input.groupBy] },
      { header: 'Cost', align: 'right' },
      { header: 'Share', align: 'right' },
    ],
    rows,
  };
}

/** What the figures include (today's estimate) and what to do about untagged spend. */
function spendNotes(input: SpendInput, data: SpendData, report: SpendShown, tagKey: string): string[] {
  const notes: string[] = [];
  if (report.extra) {
    notes.push(
      `Includes ${formatUsd(report.extra)} estimated for the latest hours from CloudWatch token counts x catalog prices (the bill so far: ${formatUsd(usdOf(data.billedUsd ?? 0))}); the bill catches up within a day.`,
    );
  }
  const unattributed = data.groups.find((g) => g.key === UNATTRIBUTED);
  if (input.groupBy === 'team' && unattributed && unattributed.share >= 0.05) {
    notes.push(
      `Unattributed spend has no \`${tagKey}\` tag: call models through a tagged application inference profile and activate the tag for cost allocation.`,
    );
  }
  return notes;
}

/** Follow-ups, with the period's own words: why it changed, and the other breakdown. */
function spendActions(input: SpendInput, data: SpendData): ReplyAction[] {
  if (!data.groups.length) return [];
  const periodWords = input.period.words;
  const teamWords = data.team !== undefined ? ` team ${data.team}` : '';
  const actions: ReplyAction[] = [
    { id: 'command', label: 'Why did it change?', value: `why ${periodWords}${teamWords}`.trim() },
  ];
  if (input.groupBy !== 'team' && data.team === undefined) {
    actions.push({
      id: 'command',
      label: 'Break down by team',
      value: `spend ${periodWords} by team`.trim(),
    });
  } else if (input.groupBy !== 'model') {
    actions.push({
      id: 'command',
      label: 'Break down by model',
      value: `spend ${periodWords} by model${teamWords}`.trim(),
    });
  }
  return actions;
}

function usdOf(n: number): Dec {
  return usd(n);
}

export const spendCommand = defineCommand<SpendInput, SpendData>({
  ...helpOf('spend'),
  slow: true,
  parse: (words, ctx) => parseSpendWords(words, ctx.deps.clock.now(), ctx.team),
  run: runSpend,
});

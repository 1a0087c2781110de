/**
 * `why [PERIOD] [vs PERIOD] [team TEAM] [by team|model]`: explain the change of Bedrock
 * spend against the previous equal period, from the bill. Drivers by (model, token class)
 * - or by team - each split into volume and rate effects, summing exactly to the change;
 * new and vanished lines named; the day furthest from its usual weekday; one headline.
 *
 * Cost: two Cost Explorer queries (SERVICE x USAGE_TYPE and TAG x SERVICE, both periods in
 * one daily range) plus a cached service discovery; a repeat within the cache TTL costs 0.
 */

import { formatWeekdayDay, weekdayName } from '../analysis/anomaly.js';
import {
  type Explanation,
  effectKindLabel,
  effectLabel,
  explainChange,
  type RoundedDriver,
  type RoundedEffect,
  roundDrivers,
  roundEffects,
} from '../analysis/explain.js';
import { type BridgeInput, bridgeText } from '../chart/bridge.js';
import { addDays, daysBetween, formatRange, toIsoDate } from '../clock.js';
import { costMetricOf } from '../config.js';
import { notBilledYet, ParseError, UserError } from '../errors.js';
import { Dec, formatUsd, roundCents, usd as toUsd } from '../money.js';
import type { Reply, ReplyAction } from '../reply/reply.js';
import { billContext, earlierDay, laterDay, periodText, provisionalDays } from '../spend/present.js';
import {
  costBasisLabel,
  fetchLines,
  type LinesResult,
  type SpendContext,
  type SpendLine,
  spendContextOf,
  UNATTRIBUTED,
} from '../spend/query.js';
import { dailyTotals } from '../spend/spend.js';
import { helpOf } from './meta.js';
import {
  PERIOD_FORMS,
  type Period,
  parsePeriod,
  periodIn,
  previousPeriod,
  TEAM_ZONE,
  type Today,
  takeOption,
  takePeriod,
  todayAnywhere,
  todayIn,
  unknownPeriodError,
  validatePeriod,
} from './period.js';
import { resolveTeamOf } from './spend.js';
import { type CommandContext, defineCommand } from './types.js';

export interface WhyInput {
  current: Period;
  previous: Period;
  /** True when the comparison period was given with `vs`. */
  explicitPrevious: boolean;
  team?: string;
  by: 'model' | 'team';
}

export interface WhyDriverData extends RoundedDriver {
  effect: string;
}

export interface WhyData {
  current: { start: string; end: string; totalUsd: number };
  previous: { start: string; end: string; totalUsd: number };
  deltaUsd: number;
  drivers: WhyDriverData[];
  /**
   * The change as volume, mix, route/tier, cache and rate effects per team, biggest first;
   * they sum to `deltaUsd` to the cent (docs/why-method.md).
   */
  effects: RoundedEffect[];
  costBasis: string;
  dataAsOf: string;
  headline: string;
  by: 'model' | 'team';
  team?: string;
  /** Team drivers (all teams answers), summing to `deltaUsd` like `drivers`. */
  teams?: RoundedDriver[];
  unattributedUsd?: number;
  anomaly?: { day: string; usd: number; baselineUsd: number; deltaUsd: number; basis: 'weekday' | 'day' };
  /** Cost Explorer requests this answer took (0 = all from the cache). */
  requests: number;
}

const USAGE = helpOf('why').usage[0]!;

/** Parse `why` words; exported for `ask` and tests. */
export function parseWhyWords(words: string[], now: Date, defaultTeam?: string): WhyInput {
  const stops = ['vs', 'versus', 'against', 'team', 'by', 'for'];
  const normalised = words.map((w) =>
    ['versus', 'against', 'compared'].includes(w.toLowerCase()) ? 'vs' : w,
  );
  const vsOpt = takeOption(normalised, 'vs', stops, USAGE);
  const byOpt = takeOption(vsOpt.rest, 'by', stops, USAGE);
  let teamOpt = takeOption(byOpt.rest, 'team', stops, USAGE);
  if (!teamOpt.value) teamOpt = takeOption(teamOpt.rest, 'for', stops, USAGE);
  let by: 'model' | 'team' = 'model';
  if (byOpt.value) {
    const word = byOpt.value.join(' ').toLowerCase().replace(/s$/, '');
    if (word !== 'team' && word !== 'model') {
      throw new ParseError(`"why" breaks a change down by model or by team, not "${word}".`, {
        suggestion: `Try: ${USAGE}`,
      });
    }
    by = word;
  }
  const rest = teamOpt.rest;
  let asked: Period;
  if (!rest.length) asked = parsePeriod('7d', now, TEAM_ZONE);
  else {
    const taken = takePeriod(rest, now, TEAM_ZONE);
    if (!taken.period || taken.rest.length) {
      throw unknownPeriodError(rest.join(' '), now, `Try: ${USAGE}. PERIOD: ${PERIOD_FORMS}.`);
    }
    asked = taken.period;
  }
  // Read before the team's time zone is known: `runWhy` reads them again there (`inTimeZone`).
  const vs = vsOpt.value ? parsePeriod(vsOpt.value, now, TEAM_ZONE) : undefined;
  const team = teamOpt.value?.join(' ') ?? defaultTeam;
  if (team !== undefined && by === 'team') by = 'model';
  return {
    ...comparedPeriods(asked, vs, todayAnywhere(now), toIsoDate(now)),
    explicitPrevious: vs !== undefined,
    by,
    ...(team !== undefined ? { team } : {}),
  };
}

/**
 * The two periods a change is measured between, from the periods asked (read in UTC or in
 * the team's time zone, whose day is `today`; any zone's before it is known): the current
 * one on complete days, against the `vs` period over the same elapsed span, or else the
 * previous equal period. Before the zone is known, periods that overlap in UTC may not in
 * the team's zone: that is checked when they are read again there (`inTimeZone`).
 */
function comparedPeriods(
  asked: Period,
  vs: Period | undefined,
  today: Today,
  utcToday: string,
): { current: Period; previous: Period } {
  const current = completeDays(asked, utcToday);
  if (!vs) {
    const previous = validatePeriod(previousPeriod(current), today, `The period before ${current.label}`);
    return { current, previous };
  }
  const previous = sameElapsedSpan(vs, current, asked.partial);
  if (typeof today === 'string' && previous.start < current.end && current.start < previous.end) {
    throw new UserError(
      'bad_period',
      `The two periods overlap (${periodLabel(current)} and ${periodLabel(previous)}): compare periods that do not.`,
    );
  }
  return { current, previous };
}

/**
 * Like for like: a period in progress (`this week`, `mtd`) compared with a whole one
 * (`vs last week`) is compared with the same number of days from its start ("Nov 9-11, the
 * same 3 days"), never 3 days against 7.
 */
export function sameElapsedSpan(previous: Period, current: Period, inProgress: boolean): Period {
  const days = daysBetween(current.start, current.end);
  if (!inProgress || daysBetween(previous.start, previous.end) <= days) return previous;
  const end = addDays(previous.start, days);
  return {
    ...previous,
    end,
    kind: 'range',
    label: `${formatRange({ start: previous.start, end })} (the same ${days === 1 ? 'day' : `${days} days`} of ${previous.label})`,
    partial: false,
  };
}

/**
 * A change is measured on complete days: today's bill is a few hours old, so `mtd` and
 * `this week` compare up to yesterday (a single day, `today`, is left as asked). Complete in
 * the bill, too, which keeps UTC days: east of UTC, the team's yesterday may be UTC's today,
 * still in progress, and is left out as well.
 */
function completeDays(p: Period, utcToday: string): Period {
  if (!p.partial) return p;
  const last = earlierDay(addDays(p.end, -1), utcToday);
  if (last > p.start) return { ...p, end: last, partial: false };
  // No complete day yet: all the bill has of it is UTC's today so far (compared hour for hour).
  const end = earlierDay(p.end, addDays(utcToday, 1));
  return end > p.start ? { ...p, end } : p;
}

function periodLabel(p: Period): string {
  return `${p.start}..${addDays(p.end, -1)}`;
}

/** "last week", "in the last 7 days", "in Nov 1-15". */
function periodName(p: Period): string {
  if (['today', 'yesterday', 'last week', 'this week', 'last month'].includes(p.label)) return p.label;
  if (p.label === 'month to date') return 'this month so far';
  if (/^last \d+ days$/.test(p.label)) return `in the ${p.label}`;
  return `in ${p.label}`;
}

/** Both periods' lines: one daily query over the span when they are close, else one per period. */
async function linesFor(
  ctx: SpendContext,
  input: WhyInput,
  grouping: 'usage' | 'team-service' | 'team-service-usage',
  team?: string,
): Promise<LinesResult> {
  const start = earlierDay(input.previous.start, input.current.start);
  const end = laterDay(input.previous.end, input.current.end);
  const teamFilter = team !== undefined ? { team } : {};
  // Team lines and the exact cells only count per period (the day-level anomaly comes from
  // the usage lines): summed into the two periods (by the ledger itself), not one object per
  // team, service, usage type and day (2.4 million for 60 days of a 10,000-team bill).
  const sumInto = grouping !== 'usage' ? { sumInto: [input.previous, input.current] } : {};
  if (daysBetween(start, end) <= 200) {
    return fetchLines(ctx, { start, end, grouping, granularity: 'DAILY', ...teamFilter, ...sumInto });
  }
  const [a, b] = await Promise.all(
    [input.previous, input.current].map((p) =>
      fetchLines(ctx, { start: p.start, end: p.end, grouping, ...teamFilter, ...sumInto }),
    ),
  );
  return {
    lines: [...a!.lines, ...b!.lines],
    requests: a!.requests + b!.requests,
    dataAsOf: new Date(Math.min(a!.dataAsOf.getTime(), b!.dataAsOf.getTime())),
    stale: a!.stale || b!.stale,
    services: [...new Set([...a!.services, ...b!.services])],
  };
}

/** Day totals of both periods (every Bedrock line, as the exact cells count them). */
async function dayTotalsFor(ctx: SpendContext, input: WhyInput): Promise<{ day: string; usd: Dec }[]> {
  const inEither = (day: string) =>
    (day >= input.previous.start && day < input.previous.end) ||
    (day >= input.current.start && day < input.current.end);
  const result = await fetchLines(ctx, {
    start: earlierDay(input.previous.start, input.current.start),
    end: laterDay(input.previous.end, input.current.end),
    grouping: 'usage',
    granularity: 'DAILY',
  });
  return dailyTotals(result.lines.filter((l) => inEither(l.day)));
}

/**
 * Explain a change for the `why` command (and `ask`, through it; the latency bench):
 * fetch both periods from the bill and run the explanation engine.
 *
 * @param team tag value (already resolved), `''` for untagged spend, undefined for all.
 */
export async function explainPeriods(
  ctx: SpendContext,
  input: {
    current: Period;
    previous: Period;
    team?: string;
    by?: 'model' | 'team';
    explicitPrevious?: boolean;
  },
): Promise<{ explanation: Explanation; requests: number; dataAsOf: Date; stale: boolean }> {
  const full: WhyInput = {
    current: input.current,
    previous: input.previous,
    explicitPrevious: input.explicitPrevious ?? false,
    by: input.by ?? 'model',
    ...(input.team !== undefined ? { team: input.team } : {}),
  };
  // All teams: the ledger's exact cells (team x service x usage type), one question; a driver
  // is one (model, token class, team) cell, the same figure the team-filtered answer shows.
  // One team: its usage lines.
  const exact = input.team === undefined;
  const [usage, daily] = await Promise.all([
    linesFor(ctx, full, exact ? 'team-service-usage' : 'usage', input.team),
    // The exact cells come as period sums: the day totals (for the biggest day) from the usage lines.
    exact ? dayTotalsFor(ctx, full) : Promise.resolve(undefined),
  ]);
  const explanation = explainChange(
    {
      current: input.current,
      previous: input.previous,
      lines: usage.lines,
      exactTeams: exact,
      ...(daily ? { daily } : {}),
      by: full.by,
      ...(input.team !== undefined ? { team: input.team } : {}),
    },
    { format: money, periodName: periodName(input.current), ...subjectOf(input.team) },
  );
  return {
    explanation,
    requests: usage.requests,
    dataAsOf: usage.dataAsOf,
    stale: usage.stale,
  };
}

/**
 * A day the bill has only part of (UTC's today: `why today`, or a team's `why yesterday`
 * east of UTC in its morning): from midnight UTC until now against the day before over the same hours, both
 * estimated from CloudWatch token counts x catalog prices (per model, token class and team),
 * so the comparison is like for like. Tokens only: provisioned throughput and other hourly
 * lines are in the bill's daily totals (`why yesterday`).
 */
async function explainTodaySoFar(
  ctx: SpendContext,
  deps: CommandContext['deps'],
  input: WhyInput,
  team: string | undefined,
): Promise<{ explanation: Explanation; requests: number; dataAsOf: Date; stale: boolean }> {
  if (!ctx.metrics) {
    throw new UserError(
      'no_metrics',
      'Today so far needs the CloudWatch token metrics, which this account does not give me. Try: why yesterday.',
    );
  }
  const { nowcastWindow } = await import('../spend/nowcast.js');
  const now = ctx.now;
  const midnight = new Date(`${toIsoDate(now)}T00:00:00Z`);
  // The day compared (the day before, or the same weekday or day of last month for `this
  // week` on a Monday and `mtd` on the 1st), over the same hours.
  const before = new Date(`${input.previous.start}T00:00:00Z`);
  const elapsed = now.getTime() - midnight.getTime();
  const teamOpt = team !== undefined ? { team } : {};
  const [today, yesterday] = await Promise.all([
    nowcastWindow(ctx, deps, { start: midnight, end: now, ...teamOpt }),
    nowcastWindow(ctx, deps, { start: before, end: new Date(before.getTime() + elapsed), ...teamOpt }),
  ]);
  const hour = now.toISOString().slice(11, 16);
  const current: Period = { ...input.current, label: `${input.current.label} until ${hour} UTC` };
  const previous: Period = { ...input.previous, label: `${input.previous.label} until ${hour} UTC` };
  const toLines = (n: typeof today, day: string): SpendLine[] =>
    n.lines.map((l) => ({
      day,
      end: addDays(day, 1),
      service: l.modelName ?? l.modelId,
      usageType: `${l.modelId}|${l.tokenClass}`,
      team: l.team,
      info: {
        service: l.modelName ?? l.modelId,
        usageType: `${l.modelId}|${l.tokenClass}`,
        kind: 'tokens',
        tokenClass: l.tokenClass,
        ...(l.modelKey ? { modelKey: l.modelKey } : { modelKey: l.modelId }),
        modelName: l.modelName ?? l.modelId,
        scope: 'in-region',
        batch: false,
        tier: 'standard',
        marketplace: false,
      },
      amount: l.usd,
      quantity: new Dec(l.tokens),
      estimated: true,
    }));
  const lines = [...toLines(yesterday, previous.start), ...toLines(today, current.start)];
  const explanation = explainChange(
    {
      current,
      previous,
      lines,
      exactTeams: team === undefined,
      by: input.by,
      ...(team !== undefined ? { team } : {}),
    },
    { format: money, periodName: current.label, ...subjectOf(team) },
  );
  return { explanation, requests: 0, dataAsOf: now, stale: false };
}

/** Whose spend a headline is about, when the answer is about one team (`''`: untagged spend). */
function subjectOf(team: string | undefined): { subject?: string } {
  if (team === undefined) return {};
  return { subject: team === '' ? 'Untagged Bedrock spend' : `Team ${team}'s Bedrock spend` };
}

/** `$1,240` for large amounts, `$81.20` for small ones; `signed` for changes. */
function money(d: Dec, signed = false): string {
  return formatUsd(d, { signed, decimals: d.abs().gte(1000) ? 0 : 2 });
}

const TABLE_ROWS = 5;

/** Run `why`: resolve the team (and its time zone), explain, and build the data and reply. */
export async function runWhy(given: WhyInput, ctx: CommandContext) {
  const { deps } = ctx;
  const spend = await spendContextOf(deps);
  const now = spend.now;
  const { team, timeZone } = await resolveTeamOf(ctx, spend, given.team, todayIn(now));
  const input = inTimeZone(given, now, timeZone ?? 'UTC');
  // A day the bill has only part of (UTC's today, whichever day it is in the team's zone:
  // London's today, Tokyo's yesterday in its morning; or all there is of `this week` on a
  // Monday and `mtd` on the 1st): compare it with its previous day up to the same hour, both
  // from the token metrics (hourly); never a few hours against a whole day.
  const todaySoFar =
    !input.explicitPrevious &&
    input.current.start === toIsoDate(now) &&
    daysBetween(input.current.start, input.current.end) === 1;
  const { explanation, requests, dataAsOf, stale } = todaySoFar
    ? await explainTodaySoFar(spend, deps, input, team)
    : await explainPeriods(spend, {
        current: input.current,
        previous: input.previous,
        by: input.by,
        explicitPrevious: input.explicitPrevious,
        ...(team !== undefined ? { team } : {}),
      });
  const metric = costMetricOf(deps.config.BEDROCK_COST_BASIS);
  const data = whyDataOf(input, explanation, { team, requests, dataAsOf, costBasis: costBasisLabel(metric) });
  return {
    command: 'why',
    data,
    reply: whyReply(input, data, explanation, { dataAsOf, stale, now, kind: spend.kind }, ctx),
  };
}

/**
 * Days are the team's local days when it has a time zone (else UTC's): the periods asked
 * (the current one and the `vs` one; their words were read once) resolved and checked in
 * that zone, and compared.
 */
function inTimeZone(input: WhyInput, now: Date, timeZone: string): WhyInput {
  const asked = periodIn(input.current, now, timeZone);
  // A team's today east of UTC has no bill yet: say so rather than compare nothing with a day.
  if (asked.start > toIsoDate(now)) throw notBilledYet(asked.start, now);
  const vs = input.explicitPrevious ? periodIn(input.previous, now, timeZone) : undefined;
  return { ...input, ...comparedPeriods(asked, vs, todayIn(now, timeZone), toIsoDate(now)) };
}

/** The answer's data: totals, drivers and effects rounded so they reconcile to the cent. */
function whyDataOf(
  input: WhyInput,
  explanation: Explanation,
  meta: { team: string | undefined; requests: number; dataAsOf: Date; costBasis: string },
): WhyData {
  const { team } = meta;
  const currentCents = Math.round(roundCents(explanation.current.totalUsd) * 100);
  const previousCents = Math.round(roundCents(explanation.previous.totalUsd) * 100);
  const rounded = roundDrivers(explanation.drivers);
  const drivers: WhyDriverData[] = rounded.map((d, i) => ({
    ...d,
    effect: effectLabel(explanation.drivers[i]!),
  }));
  const teamLabel = team === undefined ? undefined : team === '' ? UNATTRIBUTED : team;
  const a = explanation.anomaly;
  return {
    current: { start: input.current.start, end: input.current.end, totalUsd: currentCents / 100 },
    previous: { start: input.previous.start, end: input.previous.end, totalUsd: previousCents / 100 },
    deltaUsd: (currentCents - previousCents) / 100,
    drivers,
    effects: roundEffects(explanation, currentCents - previousCents, money),
    costBasis: meta.costBasis,
    dataAsOf: meta.dataAsOf.toISOString(),
    headline: explanation.headline,
    by: explanation.by,
    ...(teamLabel !== undefined ? { team: teamLabel } : {}),
    ...(explanation.teams.length && explanation.by === 'model'
      ? { teams: roundDrivers(explanation.teams) }
      : {}),
    ...(explanation.unattributedUsd !== undefined
      ? { unattributedUsd: roundCents(explanation.unattributedUsd) }
      : {}),
    ...(a
      ? {
          anomaly: {
            day: a.day,
            usd: roundCents(a.usd),
            baselineUsd: roundCents(a.baselineUsd),
            deltaUsd: roundCents(a.deltaUsd),
            basis: a.basis,
          },
        }
      : {}),
    requests: meta.requests,
  };
}

/**
 * The bridge chart of the change: the same drivers as the table, in the same order, and the
 * same "Other" tail, so the picture never holds a driver the text names elsewhere. Amounts
 * in cents: the drivers sum to the change (the `why` contract); if they did not, no chart.
 */
function bridgeOf(
  data: WhyData,
  labels: string[],
  rest: WhyDriverData[],
  prevHeader: string,
  curHeader: string,
): Extract<Reply['blocks'][number], { kind: 'image' }> | undefined {
  const cents = (n: number) => Math.round(n * 100);
  const steps = data.drivers
    .filter((d) => d.deltaUsd !== 0)
    .slice(0, labels.length)
    .map((d, i) => ({ label: labels[i] ?? d.label, cents: cents(d.deltaUsd) }));
  if (rest.length) {
    steps.push({
      label: `Other (${rest.length} ${rest.length === 1 ? 'line' : 'lines'})`,
      cents: rest.reduce((s, d) => s + cents(d.deltaUsd), 0),
    });
  }
  const input: BridgeInput = {
    title: [
      `${data.team !== undefined ? `${data.team} · ` : ''}Bedrock spend, ${prevHeader} to ${curHeader}`,
      'each driver up or down',
    ],
    previous: { label: prevHeader, cents: cents(data.previous.totalUsd) },
    steps,
    current: { label: curHeader, cents: cents(data.current.totalUsd) },
  };
  if (steps.reduce((s, x) => s + x.cents, input.previous.cents) !== input.current.cents) return undefined;
  return {
    kind: 'image',
    alt: `Bridge from ${prevHeader} to ${curHeader}, driver by driver`,
    fallback: bridgeText(input),
    chart: { kind: 'bridge', input },
  };
}

/** Dollars as the reply shows them: `$81.20`, `+$1,240.00`. */
function usd(n: number, signed = false): string {
  return formatUsd(toUsd(n), { signed });
}

function whyReply(
  input: WhyInput,
  data: WhyData,
  explanation: Explanation,
  meta: { dataAsOf: Date; stale: boolean; now: Date; kind: 'aws' | 'demo' },
  ctx: CommandContext,
): Reply {
  const prevHeader = periodText(input.previous, meta.now);
  const curHeader = periodText(input.current, meta.now);
  const context = [
    `${curHeader}${input.current.partial ? ' (so far)' : ''} vs ${prevHeader}`,
    ...billContext({
      metric: costMetricOf(ctx.deps.config.BEDROCK_COST_BASIS),
      dataAsOf: meta.dataAsOf,
      now: meta.now,
      stale: meta.stale,
      demo: meta.kind === 'demo',
      // The last 48 hours are named even outside the periods: they will still move.
      ranges: [input.previous, input.current, provisionalDays(meta.now)],
    }),
  ];
  const moving = data.drivers.filter((d) => d.deltaUsd !== 0);
  const shown = moving.slice(0, TABLE_ROWS);
  const rest = moving.slice(TABLE_ROWS);
  const withTeam = (d: WhyDriverData) =>
    input.by === 'model' && data.team === undefined && d.team !== undefined && d.team !== ''
      ? `${d.label} · ${d.team}`
      : d.label;
  const blocks: Reply['blocks'] = [];
  if (shown.length) {
    blocks.push(driverTable(input, shown, rest, withTeam, [prevHeader, curHeader]));
    const bridge = bridgeOf(data, shown.map(withTeam), rest, prevHeader, curHeader);
    if (bridge) blocks.push(bridge);
  }
  const lines = [
    ...switchesAndNewLines(data, new Set(shown.map((d) => d.key)), withTeam),
    ...breakdownLines(input, data),
  ];
  if (!data.drivers.length) lines.push('No Bedrock spend in either period.');
  for (const text of lines) blocks.push({ kind: 'text', text });
  const actions = whyActions(input, data, explanation);
  return { headline: data.headline, context, blocks, ...(actions.length ? { actions } : {}) };
}

/** The drivers that moved most, the rest as one "Other" row; the effect column when any has one. */
function driverTable(
  input: WhyInput,
  shown: WhyDriverData[],
  rest: WhyDriverData[],
  withTeam: (d: WhyDriverData) => string,
  [prevHeader, curHeader]: [string, string],
): Reply['blocks'][number] {
  const rows = shown.map((d) => [
    withTeam(d),
    usd(d.previousUsd),
    usd(d.currentUsd),
    usd(d.deltaUsd, true),
    d.effect,
  ]);
  if (rest.length) {
    const restCents = rest.reduce((s, d) => s + Math.round(d.deltaUsd * 100), 0);
    rows.push([
      `Other (${rest.length} ${rest.length === 1 ? 'line' : 'lines'})`,
      '',
      '',
      usd(restCents / 100, true),
      '',
    ]);
  }
  const withEffect = shown.some((d) => d.effect !== '');
  return {
    kind: 'table',
    columns: [
      { header: input.by === 'team' ? 'Team' : 'Driver' },
      { header: prevHeader, align: 'right' },
      { header: curHeader, align: 'right' },
      { header: 'Change', align: 'right' },
      ...(withEffect ? [{ header: 'Effect' }] : []),
    ],
    rows: withEffect ? rows : rows.map((r) => r.slice(0, 4)),
  };
}

/**
 * Model switches (a line gone and a line new with the same token class and team), then
 * the new and vanished lines not already in the table.
 */
function switchesAndNewLines(
  data: WhyData,
  inTable: Set<string>,
  withTeam: (d: WhyDriverData) => string,
): string[] {
  const lines: string[] = [];
  const threshold = Math.max(1, Math.abs(data.deltaUsd) * 0.02);
  const fresh = data.drivers.filter((d) => d.status === 'new' && Math.abs(d.deltaUsd) >= threshold);
  const gone = data.drivers.filter((d) => d.status === 'vanished' && Math.abs(d.deltaUsd) >= threshold);
  const switches = new Map<string, { from: string; to: string; team?: string; cents: number }>();
  for (const n of fresh) {
    const v = gone.find(
      (g) => g.tokenClass && g.tokenClass === n.tokenClass && g.team === n.team && g.model !== n.model,
    );
    if (!v?.model || !n.model) continue;
    const key = `${v.model}>${n.model}>${n.team ?? ''}`;
    const s = switches.get(key) ?? {
      from: v.model,
      to: n.model,
      ...(n.team ? { team: n.team } : {}),
      cents: 0,
    };
    s.cents += Math.round(n.deltaUsd * 100) + Math.round(v.deltaUsd * 100);
    switches.set(key, s);
  }
  for (const s of switches.values()) {
    const who = s.team && data.team === undefined ? `Team ${s.team}` : 'Traffic';
    lines.push(`Model switch: ${who} moved from ${s.from} to ${s.to} (${usd(s.cents / 100, true)} net).`);
  }
  const freshRest = fresh.filter((d) => !inTable.has(d.key)).slice(0, 3);
  const goneRest = gone.filter((d) => !inTable.has(d.key)).slice(0, 3);
  if (freshRest.length)
    lines.push(`Also new: ${freshRest.map((d) => `${withTeam(d)} (${usd(d.deltaUsd, true)})`).join(', ')}.`);
  if (goneRest.length)
    lines.push(`Also gone: ${goneRest.map((d) => `${withTeam(d)} (${usd(d.deltaUsd, true)})`).join(', ')}.`);
  return lines;
}

/** The change by effect and by team, untagged spend, and the day furthest from its usual. */
function breakdownLines(input: WhyInput, data: WhyData): string[] {
  const lines: string[] = [];
  const effects = data.effects.filter((e) => e.deltaUsd !== 0);
  if (effects.length > 1 || effects.some((e) => e.kind !== 'volume')) {
    const shown = effects.slice(0, 4).map((e) => {
      const who = e.team !== undefined ? ` (${e.team})` : '';
      return `${effectKindLabel(e.kind)}${who} ${usd(e.deltaUsd, true)}`;
    });
    const restCents = effects.slice(4).reduce((s, e) => s + Math.round(e.deltaUsd * 100), 0);
    if (effects.length > 4) shown.push(`other ${usd(restCents / 100, true)}`);
    lines.push(`Effects: ${shown.join(', ')}.`);
  }
  if (data.teams && input.by === 'model') {
    const teamMoves = data.teams.filter((t) => t.deltaUsd !== 0).slice(0, 3);
    if (teamMoves.length > 1 || (teamMoves.length === 1 && teamMoves[0]!.team !== undefined)) {
      lines.push(`By team: ${teamMoves.map((t) => `${t.label} ${usd(t.deltaUsd, true)}`).join(', ')}.`);
    }
  }
  if (data.unattributedUsd !== undefined && data.unattributedUsd > 0 && data.current.totalUsd > 0) {
    const share = Math.round((data.unattributedUsd / data.current.totalUsd) * 100);
    const of =
      input.current.kind === 'week'
        ? 'the week'
        : input.current.kind === 'month'
          ? 'the month'
          : 'the period';
    lines.push(`Unattributed (no team tag): ${usd(data.unattributedUsd)}, ${share}% of ${of}.`);
  }
  if (data.anomaly && Math.abs(data.anomaly.deltaUsd) >= Math.max(1, data.current.totalUsd * 0.01)) {
    const an = data.anomaly;
    const usual = an.basis === 'weekday' ? `the usual ${weekdayName(an.day)}` : 'a usual day';
    lines.push(
      `Biggest day: ${formatWeekdayDay(an.day)}, ${an.deltaUsd >= 0 ? `${usd(an.deltaUsd, true)} above` : `${usd(-an.deltaUsd)} below`} ${usual}.`,
    );
  }
  return lines;
}

/** Follow-ups, with the periods' own words: the other breakdown, and the spend behind the top driver. */
function whyActions(input: WhyInput, data: WhyData, explanation: Explanation): ReplyAction[] {
  if (!data.drivers.length) return [];
  const periodWords = input.current.words;
  const vsWords = input.explicitPrevious ? ` vs ${input.previous.words}` : '';
  const actions: ReplyAction[] = [];
  if (input.by === 'model' && data.team === undefined) {
    actions.push({
      id: 'command',
      label: 'Break down by team',
      value: `why ${periodWords}${vsWords} by team`,
    });
  } else if (input.by === 'team') {
    actions.push({ id: 'command', label: 'Break down by model', value: `why ${periodWords}${vsWords}` });
  }
  const top = explanation.drivers[0];
  const topTeam = data.team ?? top?.team;
  if (top && topTeam && topTeam !== UNATTRIBUTED && top.tokenClass) {
    actions.push({
      id: 'command',
      label: `Show ${topTeam}'s spend`,
      value: `spend ${periodWords} by usage team ${topTeam}`,
    });
  } else {
    actions.push({
      id: 'command',
      label: 'Show spend by usage type',
      value: `spend ${periodWords} by usage`,
    });
  }
  return actions;
}

export const whyCommand = defineCommand<WhyInput, WhyData>({
  ...helpOf('why'),
  slow: true,
  parse: (words, ctx) => parseWhyWords(words, ctx.deps.clock.now(), ctx.team),
  run: runWhy,
});

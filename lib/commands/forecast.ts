/**
 * `forecast [team TEAM]`: month-end Bedrock spend, from Cost Explorer's forecast with its
 * prediction interval, or a weekday-aware run-rate when Cost Explorer has too little
 * history (labelled as such). Compared with the team's budget when it has one.
 */

import { FORECAST_METHOD_TEXT, forecastMonthEnd, type MonthEndForecast } from '../analysis/forecast.js';
import { getTeam } from '../budgets/store.js';
import { formatRange, monthName, startOfNextMonth, startOfPreviousMonth } from '../clock.js';
import { costMetricOf } from '../config.js';
import { ParseError, UserError } from '../errors.js';
import { formatUsd, roundCents, usd as toDec } from '../money.js';
import type { CostMetric } from '../ports.js';
import type { Reply } from '../reply/reply.js';
import { billContext } from '../spend/present.js';
import {
  costBasisLabel,
  resolveTeam,
  type SpendContext,
  spendContextOf,
  UNATTRIBUTED,
} from '../spend/query.js';
import { helpOf } from './meta.js';
import { takeOption, todayAnywhere, todayIn } from './period.js';
import { type CommandContext, defineCommand } from './types.js';

export interface ForecastInput {
  team?: string;
  /**
   * A month typed (`forecast 2026-12`) that is the current month in some time zones only
   * (around a month's turn): `run` checks it is the team's current month, in its time zone.
   */
  month?: ForecastMonth;
}

/**
 * A month in `forecast` words: `2027-01`; `next month`, `this month` (`mtd`), `last month`
 * (`offset` from the current month); a month's name (this year's, or next year's once passed).
 */
type ForecastMonth = { key: string } | { offset: -1 | 0 | 1 } | { name: number };

export interface ForecastData {
  team?: string;
  monthEndUsd: number;
  lowUsd?: number;
  highUsd?: number;
  method: 'trend';
  budgetUsd?: number;
  month: { start: string; end: string };
  /** Complete days of the month before today, from the bill. */
  mtdUsd: number;
  costBasis: string;
  dataAsOf: string;
}

const USAGE = helpOf('forecast').usage[0]!;

/** Parse `forecast [team TEAM]` (or `forecast TEAM`); exported for `ask` and tests. */
export function parseForecastWords(words: string[], defaultTeam?: string, now?: Date): ForecastInput {
  const teamOpt = takeOption(words, 'team', ['team'], USAGE);
  let team = teamOpt.value?.join(' ');
  let rest = teamOpt.rest;
  // `forecast 2027-01`, `forecast next month`: a month, not a team.
  const asked = now ? readForecastMonth(rest) : undefined;
  if (asked) rest = [];
  if (team === undefined && rest.length === 1 && !['month', 'this', 'mtd'].includes(rest[0]!.toLowerCase())) {
    // `forecast search` reads naturally too.
    team = rest[0];
    rest = [];
  }
  if (rest.length) {
    throw new ParseError(
      `"forecast" forecasts this month; I don't understand "${rest.join(' ').slice(0, 60)}".`,
      {
        suggestion: `Try: ${USAGE}`,
      },
    );
  }
  team ??= defaultTeam;
  const month = asked && now ? monthForAnyZone(asked, now) : undefined;
  return { ...(team !== undefined ? { team } : {}), ...(month ? { month } : {}) };
}

/** Month words in `forecast` (`2027-01`, `december`, `next month`), or `undefined`. */
function readForecastMonth(words: string[]): ForecastMonth | undefined {
  const text = words.join(' ').toLowerCase();
  if (/^\d{4}-\d{2}$/.test(text)) {
    const mm = Number(text.slice(5, 7));
    if (!(mm >= 1 && mm <= 12)) {
      throw new ParseError(`${text} is not a month: months go from 01 to 12.`, {
        suggestion: `Try: ${USAGE}`,
      });
    }
    return { key: text };
  }
  if (text === 'next month') return { offset: 1 };
  if (text === 'this month' || text === 'mtd') return { offset: 0 };
  if (text === 'last month') return { offset: -1 };
  const named = words.length === 1 ? monthNumber(text) : undefined;
  return named !== undefined ? { name: named } : undefined;
}

/** The `YYYY-MM` a month asked names when the current month is `current`. */
function monthKeyOf(asked: ForecastMonth, current: string): string {
  if ('key' in asked) return asked.key;
  if ('offset' in asked) {
    const first = `${current}-01`;
    if (asked.offset === 0) return current;
    return (asked.offset > 0 ? startOfNextMonth(first) : startOfPreviousMonth(first)).slice(0, 7);
  }
  const year = Number(current.slice(0, 4));
  const candidate = `${year}-${String(asked.name).padStart(2, '0')}`;
  // A month name means this year's, or next year's when it has passed.
  return candidate < current ? `${year + 1}-${candidate.slice(5)}` : candidate;
}

/**
 * A forecast covers the current month: another month gets a clear message (`bad_period`).
 * `current` is the month of the team's today.
 */
function checkForecastMonth(asked: ForecastMonth, current: string): void {
  const month = monthKeyOf(asked, current);
  if (month === current) return;
  const label = `${monthName(`${month}-01`)} ${month.slice(0, 4)}`;
  if (month < current) {
    throw new UserError('bad_period', `${label} is over: its spend is in the bill, not a forecast.`, {
      suggestion: `Try: spend ${month}`,
    });
  }
  throw new UserError(
    'bad_period',
    `"forecast" projects the current month (${monthName(`${current}-01`)} ${current.slice(0, 4)}) to its end; ${label} has not started, so there is nothing to project yet.`,
    {
      suggestion: `Try: forecast (this month), or estimate WORKLOAD for what a workload would cost a month.`,
    },
  );
}

/**
 * Check a month asked before the team's time zone is known, against the current month
 * wherever it is now (UTC's first, whose refusal is shown): refused when it is nowhere
 * current; dropped when it is current everywhere; else kept for `run` to check.
 */
function monthForAnyZone(asked: ForecastMonth, now: Date): ForecastMonth | undefined {
  const { earliest, latest } = todayAnywhere(now);
  const months = [...new Set([todayIn(now), earliest, latest].map((day) => day.slice(0, 7)))];
  const current = months.filter((m) => monthKeyOf(asked, m) === m);
  if (!current.length) checkForecastMonth(asked, months[0]!);
  return current.length === months.length ? undefined : asked;
}

function monthNumber(word: string): number | undefined {
  if (word.length < 3) return undefined;
  for (let m = 1; m <= 12; m++) {
    if (
      monthName(`2000-${String(m).padStart(2, '0')}-01`)
        .toLowerCase()
        .startsWith(word)
    )
      return m;
  }
  return undefined;
}

function money(n: number): string {
  return formatUsd(toDec(n), { decimals: Math.abs(n) >= 1000 ? 0 : 2 });
}

/** The team asked about (its profile when it has a budget) and the day the forecast starts from, in its time zone. */
async function teamAndToday(input: ForecastInput, ctx: CommandContext, spend: SpendContext) {
  const now = spend.now;
  let today = todayIn(now);
  const profile =
    input.team !== undefined ? await getTeam(ctx.deps.store, input.team).catch(() => undefined) : undefined;
  const team =
    input.team !== undefined
      ? profile
        ? profile.team
        : await resolveTeam(spend, input.team, today)
      : undefined;
  // The team's month follows its time zone.
  if (profile?.timeZone && profile.timeZone !== 'UTC') today = todayIn(now, profile.timeZone);
  return { profile, team, today };
}

/** "Team search is on track for $X in November (likely $A-$B), N% of its $Y budget." */
function forecastHeadline(data: ForecastData, monthText: string): string {
  const who =
    data.team === undefined
      ? 'Bedrock spend'
      : data.team === UNATTRIBUTED
        ? 'Untagged Bedrock spend'
        : `Team ${data.team}`;
  let headline = `${who} is on track for ${money(data.monthEndUsd)} in ${monthText}`;
  if (data.lowUsd !== undefined && data.highUsd !== undefined) {
    headline += ` (likely ${money(data.lowUsd)}-${money(data.highUsd)})`;
  }
  if (data.budgetUsd !== undefined && data.budgetUsd > 0) {
    const pct = Math.round((data.monthEndUsd / data.budgetUsd) * 100);
    headline += `, ${pct}% of its ${money(data.budgetUsd)} budget`;
  }
  return `${headline}.`;
}

/** The answer: billed so far, the rest of the month, month end against the budget. */
function renderForecast(
  data: ForecastData,
  f: MonthEndForecast,
  today: string,
  context: { metric: CostMetric; now: Date; demo: boolean },
): Reply {
  const monthText = monthName(f.month.start);
  const methodText =
    f.historyDays !== undefined && f.historyDays < 14
      ? `${FORECAST_METHOD_TEXT}; only ${f.historyDays} days of history, so read it as a rough guide`
      : FORECAST_METHOD_TEXT;
  return {
    headline: forecastHeadline(data, monthText),
    context: [monthText, methodText, ...billContext({ ...context, dataAsOf: f.dataAsOf, ranges: [] })],
    blocks: [
      {
        kind: 'fields',
        fields: [
          {
            label:
              today > f.month.start
                ? `Billed ${formatRange({ start: f.month.start, end: today })}`
                : 'Billed so far',
            value: money(data.mtdUsd),
          },
          {
            label: `Forecast ${formatRange({ start: today, end: f.month.end })}`,
            value: money(roundCents(f.restUsd)),
          },
          { label: 'Month end', value: `*${money(data.monthEndUsd)}*` },
          ...(data.budgetUsd !== undefined ? [{ label: 'Budget', value: money(data.budgetUsd) }] : []),
        ],
      },
    ],
    actions: [
      {
        id: 'command',
        label: 'Why is it changing?',
        value: `why mtd${data.team !== undefined ? ` team ${data.team}` : ''}`,
      },
    ],
  };
}

/** Run `forecast`: month-end from Cost Explorer or the run-rate, against the team budget. */
export async function runForecast(input: ForecastInput, ctx: CommandContext) {
  const { deps } = ctx;
  const spend = await spendContextOf(deps);
  const { profile, team, today } = await teamAndToday(input, ctx, spend);
  if (input.month) checkForecastMonth(input.month, today.slice(0, 7));
  const f = await forecastMonthEnd(spend, { today, ...(team !== undefined ? { team } : {}) });
  const metric = costMetricOf(deps.config.BEDROCK_COST_BASIS);
  const teamLabel = team === undefined ? undefined : team === '' ? UNATTRIBUTED : team;
  const data: ForecastData = {
    ...(teamLabel !== undefined ? { team: teamLabel } : {}),
    monthEndUsd: roundCents(f.monthEndUsd),
    ...(f.lowUsd ? { lowUsd: roundCents(f.lowUsd) } : {}),
    ...(f.highUsd ? { highUsd: roundCents(f.highUsd) } : {}),
    method: f.method,
    ...(profile ? { budgetUsd: roundCents(profile.budgetUsd) } : {}),
    month: f.month,
    mtdUsd: roundCents(f.mtdUsd),
    costBasis: costBasisLabel(metric),
    dataAsOf: f.dataAsOf.toISOString(),
  };
  const reply = renderForecast(data, f, today, { metric, now: spend.now, demo: spend.kind === 'demo' });
  return { command: 'forecast', data, reply };
}

export const forecastCommand = defineCommand<ForecastInput, ForecastData>({
  ...helpOf('forecast'),
  slow: true,
  parse: (words, ctx) => parseForecastWords(words, ctx.team, ctx.deps.clock.now()),
  run: runForecast,
});

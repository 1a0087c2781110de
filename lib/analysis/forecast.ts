/**
 * The month-end forecast: one method, one function (`forecastScopes`), for every answer that
 * shows a forecast. See `forecastScopes` for the method.
 */
import { addDays, type DateRange, daysBetween, startOfMonth, startOfNextMonth } from '../clock.js';
import { ExactSums } from '../exact-sum.js';
import { trendForecast } from '../ledger/trend.js';
import { type Dec, sumUsd, ZERO } from '../money.js';
import { fetchDailyClasses, fetchLines, type SpendContext, type SpendLine } from '../spend/query.js';
import type { UsageTypeInfo } from '../spend/usage-type.js';

export type ForecastMethod = 'trend';

export interface MonthEndForecast {
  month: DateRange;
  /** Spend of the month's complete days before today. */
  mtdUsd: Dec;
  /** Forecast for today through the end of the month. */
  restUsd: Dec;
  /** Of `restUsd`: fixed costs known to continue (provisioned throughput, knowledge-base OCUs). */
  fixedUsd: Dec;
  monthEndUsd: Dec;
  lowUsd?: Dec;
  highUsd?: Dec;
  method: ForecastMethod;
  /** Days of history the run-rate used (run-rate only). */
  historyDays?: number;
  requests: number;
  dataAsOf: Date;
}

/** How the one forecast works, as answers state it. */
export const FORECAST_METHOD_TEXT =
  "fixed costs (provisioned throughput, knowledge-base OCUs) at yesterday's rate + weekday-aware usage trend (same weekday, last two complete weeks), 80% interval";

/** One scope to forecast: a team tag value (`''` = untagged; undefined = all spend) and its month. */
export interface ForecastScope {
  team?: string;
  /** The budget month (a team's time zone may shift it); default the month of `today`. */
  month?: DateRange;
  /** The scope's own date now (a team's time zone); default the call's `today`. */
  today?: string;
}

/**
 * The product's one month-end forecast, used by `forecast`, `budget`, the alerts and the
 * digest alike, so the same team at the same moment gets the same figure everywhere:
 *
 * month end = the month's complete days from the ledger (before `today`)
 *           + fixed costs known to continue (provisioned throughput and knowledge-base OCU
 *             lines, at the last complete day's rate, for each day left, today included)
 *           + the usage trend of everything else (`trendForecast`: the same weekday of the
 *             last two complete weeks; its 80 % interval is the answer's interval).
 *
 * All scopes come from one ledger query (team x usage type, daily, the last 28 days and the
 * month): no Cost Explorer request for a synced period.
 */
export async function forecastScopes(
  ctx: SpendContext,
  today: string,
  scopes: ForecastScope[],
  /**
   * The ledger's team lines (any grouping with team and usage type, daily) when the caller
   * already read them for the whole span (the digest): the same facts, read once.
   */
  given?: { lines: SpendLine[]; requests: number; dataAsOf: Date },
): Promise<MonthEndForecast[]> {
  const todayOf = (s: ForecastScope) => s.today ?? today;
  const monthOf = (s: ForecastScope) =>
    s.month ?? { start: startOfMonth(todayOf(s)), end: startOfNextMonth(todayOf(s)) };
  let start = addDays(today, -28);
  let end = today;
  for (const s of scopes) {
    if (monthOf(s).start < start) start = monthOf(s).start;
    if (addDays(todayOf(s), -28) < start) start = addDays(todayOf(s), -28);
    if (todayOf(s) > end) end = todayOf(s);
  }
  const teams = new Set(scopes.map((s) => s.team));
  const single = teams.size === 1 ? [...teams][0] : undefined;
  const all = scopes.some((s) => s.team === undefined);
  const query = {
    start,
    end,
    grouping: 'team-usage' as const,
    granularity: 'DAILY' as const,
    ...(single !== undefined ? { team: single } : {}),
  };
  if (!given && !all && end > start) {
    // Team scopes from the ledger: each team's days folded into fixed / variable there.
    const folded = await fetchDailyClasses(ctx, query, (info) => (isFixed(info) ? 0 : 1), 2);
    if (folded) {
      return scopes.map((scope) => {
        const days = new Map<string, { fixed: Dec; variable: Dec }>();
        for (const [day, [fixed, variable]] of folded.byTeam.get(scope.team!) ?? []) {
          days.set(day, { fixed: fixed!, variable: variable! });
        }
        return forecastFromDays(days, todayOf(scope), monthOf(scope), folded.requests, folded.dataAsOf);
      });
    }
  }
  const history = given
    ? { ...given, lines: given.lines.filter((l) => l.day >= start && l.day < end) }
    : end > start
      ? // The forecast sums amounts only.
        await fetchLines(ctx, { ...query, quantities: false })
      : { lines: [], requests: 0, dataAsOf: ctx.now, stale: false, services: [] };
  const days = dailyCells(history.lines, {
    all,
    byTeam: teams.size > 1 || single !== undefined,
  });
  return scopes.map((scope) =>
    forecastFromDays(
      days(scope.team === undefined ? '*' : `=${scope.team}`),
      todayOf(scope),
      monthOf(scope),
      history.requests,
      history.dataAsOf,
    ),
  );
}

/**
 * Each scope's daily fixed and variable spend ('*' = all, `=team` = one team tag value): the
 * lines summed as exact counts (`ExactSums`, one Decimal per cell at the end, not one per
 * line), '*' only when a scope asks for it. At 10,000 teams (1.1 million team x usage-type
 * lines) the `Decimal.plus` and cell copies per line, twice (all and the team), were 1.5 s
 * of the alert run's CPU (2026-12-05 profile); the figures are the same exact sums.
 */
function dailyCells(
  lines: SpendLine[],
  want: { all: boolean; byTeam: boolean },
): (key: string) => Map<string, { fixed: Dec; variable: Dec }> {
  // scope key -> day -> index of the cell's fixed sum (its variable sum is the next one)
  const byScope = new Map<string, Map<string, number>>();
  const sums = new ExactSums();
  const cellOf = (key: string, day: string): number => {
    let days = byScope.get(key);
    if (!days) {
      days = new Map();
      byScope.set(key, days);
    }
    let cell = days.get(day);
    if (cell === undefined) {
      cell = sums.open();
      sums.open();
      days.set(day, cell);
    }
    return cell;
  };
  for (const line of lines) {
    const fixed = isFixed(line.info);
    if (want.all) sums.addDecimal(cellOf('*', line.day) + (fixed ? 0 : 1), line.amount);
    if (want.byTeam) sums.addDecimal(cellOf(`=${line.team ?? ''}`, line.day) + (fixed ? 0 : 1), line.amount);
  }
  return (key) => {
    const out = new Map<string, { fixed: Dec; variable: Dec }>();
    for (const [day, cell] of byScope.get(key) ?? []) {
      out.set(day, { fixed: sums.value(cell), variable: sums.value(cell + 1) });
    }
    return out;
  };
}

/** Fixed costs known to continue: provisioned throughput and knowledge-base OCU lines. */
function isFixed(info: UsageTypeInfo | undefined): boolean {
  return info?.kind === 'provisioned-throughput' || info?.kind === 'knowledge-base';
}

/** The forecast arithmetic over one scope's daily fixed and variable spend (pure). */
export function forecastFromDays(
  days: Map<string, { fixed: Dec; variable: Dec }>,
  today: string,
  month: DateRange,
  requests: number,
  dataAsOf: Date,
): MonthEndForecast {
  const mtdUsd = sumUsd(
    [...days.entries()]
      .filter(([day]) => day >= month.start && day < today && day < month.end)
      .map(([, c]) => c.fixed.plus(c.variable)),
  );
  const restStart = today > month.start ? today : month.start;
  const rest = { start: restStart, end: month.end };
  const variable = new Map<string, Dec>();
  const historyStart = addDays(today, -28);
  for (let d = historyStart; d < today; d = addDays(d, 1)) variable.set(d, days.get(d)?.variable ?? ZERO);
  const trend = rest.start < rest.end ? trendForecast(variable, today, rest.start, rest.end) : null;
  const daysLeft = rest.start < rest.end ? daysBetween(rest.start, rest.end) : 0;
  const fixedRate = days.get(addDays(today, -1))?.fixed ?? ZERO;
  const fixedUsd = fixedRate.times(daysLeft);
  const restUsd = (trend?.total ?? ZERO).plus(fixedUsd);
  const firstSpend = [...days.keys()].filter((d) => d >= historyStart).sort()[0];
  const historyDays = firstSpend ? daysBetween(firstSpend, today) : 0;
  return {
    month,
    mtdUsd,
    restUsd,
    fixedUsd,
    monthEndUsd: mtdUsd.plus(restUsd),
    ...(trend?.low ? { lowUsd: mtdUsd.plus(fixedUsd).plus(trend.low) } : {}),
    ...(trend?.high ? { highUsd: mtdUsd.plus(fixedUsd).plus(trend.high) } : {}),
    method: 'trend',
    historyDays,
    requests,
    dataAsOf,
  };
}

/**
 * Forecast month-end Bedrock spend (all teams, or one team's tag value; `''` = untagged).
 *
 * @param today ISO date; the month forecast is the one containing it.
 * @example
 * const f = await forecastMonthEnd(ctx, { today: '2026-11-18', team: 'search' });
 * f.monthEndUsd; f.method; // 'trend'
 */
export async function forecastMonthEnd(
  ctx: SpendContext,
  options: { today: string; team?: string; month?: DateRange },
): Promise<MonthEndForecast> {
  const [f] = await forecastScopes(ctx, options.today, [
    {
      ...(options.team !== undefined ? { team: options.team } : {}),
      ...(options.month ? { month: options.month } : {}),
    },
  ]);
  return f!;
}

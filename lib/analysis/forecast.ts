/**
 * Month-end forecast of Bedrock spend: month-to-date from the bill plus the rest of the
 * month, from Cost Explorer's own forecast (`GetCostForecast`, with its 80% prediction
 * interval) when it has one, else from a weekday-aware run-rate.
 *
 * Cost Explorer refuses to forecast an account or filter with too little history; a plain
 * daily average would then over-forecast a team that is quiet at weekends, so the run-rate
 * projects each remaining day from the same weekday of the last four weeks.
 */
import {
  addDays,
  type DateRange,
  daysBetween,
  eachDay,
  isoWeekday,
  startOfMonth,
  startOfNextMonth,
} from '../clock.js';
import { type Dec, sumUsd, ZERO } from '../money.js';
import { earlierDay } from '../spend/present.js';
import { discoverBedrockServices, fetchLines, type SpendContext } from '../spend/query.js';
import { dailyTotals } from '../spend/spend.js';

export type ForecastMethod = 'cost-explorer' | 'run-rate';

export interface MonthEndForecast {
  month: DateRange;
  /** Spend of the month's complete days before today. */
  mtdUsd: Dec;
  /** Forecast for today through the end of the month. */
  restUsd: Dec;
  monthEndUsd: Dec;
  lowUsd?: Dec;
  highUsd?: Dec;
  method: ForecastMethod;
  /** Days of history the run-rate used (run-rate only). */
  historyDays?: number;
  requests: number;
  dataAsOf: Date;
}

/** Weekday-aware run-rate for the days of `rest`, from daily history (oldest first). */
export function runRate(
  history: { day: string; usd: Dec }[],
  rest: DateRange,
  historyWindow: DateRange,
): Dec {
  const byDay = new Map(history.map((h) => [h.day, h.usd]));
  const days = eachDay(historyWindow);
  if (!days.length) return ZERO;
  const all = days.map((d) => byDay.get(d) ?? ZERO);
  const mean = sumUsd(all).div(all.length);
  let total = ZERO;
  for (const day of eachDay(rest)) {
    const same = days.filter((d) => isoWeekday(d) === isoWeekday(day)).map((d) => byDay.get(d) ?? ZERO);
    total = total.plus(same.length ? sumUsd(same).div(same.length) : mean);
  }
  return total;
}

/**
 * Forecast month-end Bedrock spend (all teams, or one team's tag value; `''` = untagged).
 * Two Cost Explorer requests: the last 28 days + month to date (daily), and the forecast.
 *
 * @param today ISO date; the month forecast is the one containing it.
 * @example
 * const f = await forecastMonthEnd(ctx, { today: '2026-11-18', team: 'search' });
 * f.monthEndUsd; f.method; // 'cost-explorer' | 'run-rate'
 */
export async function forecastMonthEnd(
  ctx: SpendContext,
  options: { today: string; team?: string },
): Promise<MonthEndForecast> {
  const { today } = options;
  const month = { start: startOfMonth(today), end: startOfNextMonth(today) };
  const historyStart = earlierDay(addDays(today, -28), month.start);
  const teamFilter = options.team !== undefined ? { team: options.team } : {};
  const history =
    today > historyStart
      ? await fetchLines(ctx, {
          start: historyStart,
          end: today,
          grouping: 'usage',
          granularity: 'DAILY',
          ...teamFilter,
        })
      : { lines: [], requests: 0, dataAsOf: ctx.now, stale: false, services: [] };
  const daily = dailyTotals(history.lines);
  const mtdUsd = sumUsd(daily.filter((d) => d.day >= month.start && d.day < today).map((d) => d.usd));
  const rest = { start: today, end: month.end };

  let forecast: { total: Dec; low?: Dec; high?: Dec } | null = null;
  let requests = history.requests;
  const services = await discoverBedrockServices(ctx.costs, { start: historyStart, end: addDays(today, 1) });
  if (services.length) {
    forecast = await ctx.costs.getCostForecast({
      start: rest.start,
      end: rest.end,
      services,
      recordTypes: ['Usage'],
      metric: ctx.metric,
      ...(options.team !== undefined ? { tag: { key: ctx.teamTagKey, values: [options.team] } } : {}),
    });
    requests += 1;
  }
  if (forecast) {
    return {
      month,
      mtdUsd,
      restUsd: forecast.total,
      monthEndUsd: mtdUsd.plus(forecast.total),
      ...(forecast.low ? { lowUsd: mtdUsd.plus(forecast.low) } : {}),
      ...(forecast.high ? { highUsd: mtdUsd.plus(forecast.high) } : {}),
      method: 'cost-explorer',
      requests,
      dataAsOf: history.dataAsOf,
    };
  }
  const firstSpend = daily[0]?.day;
  const window = {
    start: firstSpend && firstSpend > addDays(today, -28) ? firstSpend : addDays(today, -28),
    end: today,
  };
  const restUsd = runRate(daily, rest, window);
  return {
    month,
    mtdUsd,
    restUsd,
    monthEndUsd: mtdUsd.plus(restUsd),
    method: 'run-rate',
    historyDays: Math.max(0, daysBetween(window.start, window.end)),
    requests,
    dataAsOf: history.dataAsOf,
  };
}

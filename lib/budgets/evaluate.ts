/**
 * Budget arithmetic and alert decisions, as pure functions over plain inputs (no I/O):
 * how much of the budget is used, the status, the month-end forecast, and which alerts
 * are due given what was already sent this month.
 *
 * Why an alert fires once: a team wants to hear "you crossed 80%" once, when it happens,
 * not every hour until the month ends. Each threshold of each month is one DynamoDB item
 * (`ALERT#<team>#<yyyy-mm>` / `THRESHOLD#<pct>`); the run that creates it (a conditional
 * write) is the one that posts. These functions only decide what *should* be claimed; the
 * claim itself (`alert-store.ts`) settles races between concurrent runs.
 */
import { addDays, daysBetween, parseIsoDate } from '../clock.js';
import { Dec, type Dec as Decimal, sumUsd, ZERO } from '../money.js';
import { type AlertKind, type AlertRecord, encodeAlertKind } from './alert-store.js';
import type { TeamMonth } from './team-month.js';

/** Where a team stands this month. */
export type BudgetStatus = 'on-track' | 'at-risk' | 'over-budget';

/** A forecast alert re-arms when the forecast drops back below this share of the budget. */
export const FORECAST_REARM_RATIO = new Dec('0.9');

/** Forecasts from fewer complete days than this are shown but never alerted on. */
export const MIN_DAYS_FOR_FORECAST_ALERT = 3;

/** Spend of one team for its budget month, as gathered from the bill and the nowcast. */
export interface TeamSpend {
  /** Month to date from the bill (Cost Explorer). */
  billedUsd: Decimal;
  /** Estimated spend not yet in the bill (CloudWatch tokens x catalog prices); zero when unknown. */
  nowcastUsd: Decimal;
  /** Daily billed spend this month, oldest first (days without spend may be absent). */
  daily: { day: string; usd: Decimal }[];
  /** Month-end forecast when another component computed one (else `forecastMonthEnd` is used). */
  forecastUsd?: Decimal;
  /** One line naming the biggest driver of this month's spend, when known. */
  topDriver?: string;
}

/** Billed plus nowcast: the best estimate of what the team has spent so far. */
export function spentOf(spend: Pick<TeamSpend, 'billedUsd' | 'nowcastUsd'>): Decimal {
  return spend.billedUsd.plus(spend.nowcastUsd);
}

/** Percent of the budget used, exact (e.g. `85.2`). */
export function percentUsed(spent: Decimal, budget: Decimal): Decimal {
  if (budget.lte(0)) return ZERO;
  return spent.div(budget).times(100);
}

/** Has `spent` reached `pct` percent of `budget`? (compared exactly, no rounding) */
export function hasCrossed(spent: Decimal, budget: Decimal, pct: number): boolean {
  return spent.times(100).gte(budget.times(pct));
}

export function budgetStatus(spent: Decimal, forecast: Decimal | null, budget: Decimal): BudgetStatus {
  if (hasCrossed(spent, budget, 100)) return 'over-budget';
  if (forecast?.gt(budget)) return 'at-risk';
  return 'on-track';
}

export interface MonthEndForecast {
  usd: Decimal;
  /** Complete UTC days of bill data the run rate came from. */
  basisDays: number;
  /** Enough history to act on (alerts); otherwise shown only. */
  reliable: boolean;
  method: 'trailing-7-day-run-rate' | 'month-to-date-run-rate';
}

/**
 * Month-end forecast: spend so far plus the recent daily run rate for the time left.
 *
 * The run rate is the average of the last (up to) 7 complete UTC days, so a team that
 * changed its usage two weeks ago is projected at its new pace, not the month's average.
 * Before the first complete day it is the month-to-date rate (marked unreliable).
 *
 * @param now the instant of the forecast; `todayUtc` is its UTC date.
 */
export function forecastMonthEnd(input: {
  spent: Decimal;
  daily: { day: string; usd: Decimal }[];
  month: Pick<TeamMonth, 'start' | 'end'>;
  now: Date;
}): MonthEndForecast {
  const { spent, daily, month, now } = input;
  const todayUtc = now.toISOString().slice(0, 10);
  const monthEndMs = parseIsoDate(month.end).getTime();
  const hoursLeft = Math.max(0, (monthEndMs - now.getTime()) / 3_600_000);
  // Complete days are the UTC days before today that fall in the month.
  const to = earlierDay(todayUtc, month.end);
  const completeDays = Math.max(0, daysBetween(month.start, to));
  if (completeDays >= 1) {
    const window = Math.min(7, completeDays);
    const from = addDays(to, -window);
    const recent = sumUsd(daily.filter((d) => d.day >= from && d.day < to).map((d) => d.usd));
    const perHour = recent.div(window * 24);
    return {
      usd: spent.plus(perHour.times(hoursLeft)),
      basisDays: completeDays,
      reliable: completeDays >= MIN_DAYS_FOR_FORECAST_ALERT,
      method: 'trailing-7-day-run-rate',
    };
  }
  const elapsedHours = Math.max(1, (now.getTime() - parseIsoDate(month.start).getTime()) / 3_600_000);
  return {
    usd: spent.plus(spent.div(elapsedHours).times(hoursLeft)),
    basisDays: 0,
    reliable: false,
    method: 'month-to-date-run-rate',
  };
}

/** The earlier of two ISO dates (they sort as strings). */
function earlierDay(a: string, b: string): string {
  return [a, b].sort()[0]!;
}

/** One thing the alert job should do for a team. */
export type AlertDecision =
  /** Claim, post and mark sent. */
  | { action: 'send'; alert: AlertKind }
  /** Record the alert as covered by a threshold message sent in the same run (no post of its own). */
  | { action: 'cover'; alert: AlertKind; by: string }
  /** Make a sent alert eligible again (the condition went away: budget raised, forecast fell). */
  | { action: 'rearm'; alert: AlertKind };

export interface EvaluateInput {
  budgetUsd: Decimal;
  thresholds: number[];
  spent: Decimal;
  forecast: MonthEndForecast | null;
  /** This month's alert items of the team, by sort key. */
  records: ReadonlyMap<string, AlertRecord>;
  now: Date;
}

/** Is this alert still owed (never sent, released after a failure, re-armed, or an abandoned claim)? */
function owed(record: AlertRecord | undefined, now: Date): boolean {
  if (!record) return true;
  if (record.state === 'failed' || record.state === 'rearmed') return true;
  if (record.state === 'claimed') return (record.claimExpiresAt ?? 0) <= now.getTime();
  return false;
}

/**
 * Which alerts are due for one team now.
 *
 * - A threshold is due once per month when spend reaches it.
 * - A sent threshold re-arms when the budget changed and, at the new budget, spend is
 *   below it again (the budget was raised mid-month): it will fire again when crossed at
 *   the new budget. With an unchanged budget a sent threshold stays sent, so a bill
 *   correction that dips below and back over does not post twice.
 * - The forecast alert is due when the month-end forecast exceeds the budget while spend
 *   is still under it (once over, the 100% threshold speaks), from enough history to trust.
 *   It re-arms when the forecast drops back below 90% of the budget, which keeps a
 *   forecast hovering around the budget from posting every hour.
 * - When thresholds post in this run, a due forecast alert is marked covered instead of
 *   posting separately: the threshold message already says where the month is heading.
 */
export function evaluateAlerts(input: EvaluateInput): AlertDecision[] {
  const { budgetUsd, thresholds, spent, forecast, records, now } = input;
  const decisions: AlertDecision[] = [];
  let lastSent: string | undefined;
  for (const pct of [...thresholds].sort((a, b) => a - b)) {
    const alert: AlertKind = { kind: 'threshold', pct };
    const record = records.get(encodeAlertKind(alert));
    const crossed = hasCrossed(spent, budgetUsd, pct);
    if (crossed && owed(record, now)) {
      decisions.push({ action: 'send', alert });
      lastSent = encodeAlertKind(alert);
    } else if (!crossed && record?.state === 'sent' && !new Dec(record.budgetUsd || '0').eq(budgetUsd)) {
      decisions.push({ action: 'rearm', alert });
    }
  }
  const forecastAlert: AlertKind = { kind: 'forecast' };
  const record = records.get(encodeAlertKind(forecastAlert));
  const forecastOver = forecast?.reliable && forecast.usd.gt(budgetUsd) && !hasCrossed(spent, budgetUsd, 100);
  if (forecastOver && owed(record, now)) {
    decisions.push(
      lastSent
        ? { action: 'cover', alert: forecastAlert, by: lastSent }
        : { action: 'send', alert: forecastAlert },
    );
  } else if (
    record?.state === 'sent' &&
    forecast !== null &&
    forecast.usd.lt(budgetUsd.times(FORECAST_REARM_RATIO))
  ) {
    decisions.push({ action: 'rearm', alert: forecastAlert });
  }
  return decisions;
}

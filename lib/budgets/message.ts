/**
 * The budget alert message (UX.md "Budget alert"): the conclusion first (team, % used),
 * then spent / remaining / days left / forecast, the top driver, and how fresh the data is,
 * with "Acknowledge" and "Show breakdown" buttons.
 *
 * ```
 * search has used 85% of its November Bedrock budget.
 * $4,250 of $5,000 spent, $750 left · 13 days left · on track for $7,480 (150%) by Nov 30
 * Top driver this month: Claude Sonnet 4.5 output tokens, +$1,900 against October's pace.
 * Bill data as of Nov 18 06:00 UTC, plus $38 estimated for today from token metrics.
 * [Acknowledge]  [Show breakdown]
 * ```
 */

import { formatDay, formatTimestamp, monthName } from '../clock.js';
import { type Dec, formatUsd } from '../money.js';
import type { Reply } from '../reply/reply.js';
import { type AlertKind, encodeAlertKind, formatAlertKey } from './alert-store.js';
import type { MonthEndForecast } from './evaluate.js';
import type { TeamMonth } from './team-month.js';

/** Button IDs the chat layer handles. */
export const ALERT_ACK_ACTION = 'alert_ack';
export const SHOW_BREAKDOWN_ACTION = 'show_breakdown';

export interface AlertMessageInput {
  team: string;
  alert: AlertKind;
  budgetUsd: Dec;
  /** Bill plus nowcast. */
  spentUsd: Dec;
  nowcastUsd: Dec;
  /** When the token metrics behind `nowcastUsd` were read, if not by this run. */
  nowcastReadAt?: Date;
  forecast: MonthEndForecast | null;
  month: TeamMonth;
  topDriver?: string;
  dataAsOf: Date;
  /** A higher threshold is crossed too (this one was passed on the way). */
  passedHigher?: boolean;
  /** True when the demo account answered (said in the context line). */
  demo?: boolean;
}

function pctOf(part: Dec, whole: Dec): string {
  if (whole.lte(0)) return '0%';
  return `${part.div(whole).times(100).toDecimalPlaces(0).toFixed(0)}%`;
}

/** Build the alert reply for one team and one threshold (or the forecast). */
export function buildAlertReply(input: AlertMessageInput): Reply {
  const { team, alert, budgetUsd, spentUsd, nowcastUsd, forecast, month, topDriver, dataAsOf } = input;
  const monthLabel = monthName(month.start);
  const used = pctOf(spentUsd, budgetUsd);
  const remaining = budgetUsd.minus(spentUsd);
  const over = remaining.isNegative();
  let headline: string;
  if (alert.kind === 'forecast') {
    headline = forecast
      ? `${team} is on track to exceed its ${monthLabel} Bedrock budget: ${formatUsd(forecast.usd, 'compact')} forecast against ${formatUsd(budgetUsd, 'compact')} (${pctOf(forecast.usd, budgetUsd)}).`
      : `${team} is on track to exceed its ${monthLabel} Bedrock budget.`;
  } else if (input.passedHigher) {
    // Several thresholds crossed at once: each still gets its message (each is its own
    // once-a-month event), but the lower ones say they were passed on the way.
    headline = `${team} passed ${alert.pct}% of its ${monthLabel} Bedrock budget and is now at ${used}.`;
  } else if (over) {
    headline = `${team} has spent ${used} of its ${monthLabel} Bedrock budget: ${formatUsd(remaining.neg(), 'compact')} over.`;
  } else {
    headline = `${team} has used ${used} of its ${monthLabel} Bedrock budget.`;
  }
  const days = `${month.daysLeft} day${month.daysLeft === 1 ? '' : 's'} left`;
  const spentPart = over
    ? `${formatUsd(spentUsd, 'compact')} of ${formatUsd(budgetUsd, 'compact')} spent`
    : `${formatUsd(spentUsd, 'compact')} of ${formatUsd(budgetUsd, 'compact')} spent, ${formatUsd(remaining, 'compact')} left`;
  const parts = [spentPart, days];
  if (forecast) {
    parts.push(
      `on track for ${formatUsd(forecast.usd, 'compact')} (${pctOf(forecast.usd, budgetUsd)}) by ${formatDay(month.lastDay)}`,
    );
  }
  const lines = [parts.join(' · ')];
  if (topDriver) lines.push(`Top driver this month: ${topDriver}.`);
  lines.push(
    `Bill data as of ${formatTimestamp(dataAsOf)}${
      nowcastUsd.gt(0)
        ? `, plus ${formatUsd(nowcastUsd, 'compact')} estimated for today from token metrics${
            input.nowcastReadAt ? ` read ${formatTimestamp(input.nowcastReadAt)}` : ''
          }`
        : ''
    }.`,
  );
  const context = [
    `${alert.kind === 'forecast' ? 'Forecast alert' : `${alert.pct}% threshold`} · ${formatUsd(budgetUsd, 'compact')} monthly budget${
      forecast && !forecast.reliable ? ' · forecast from few days of data' : ''
    }${input.demo ? ' · demo account' : ''}`,
  ];
  return {
    headline,
    context,
    blocks: lines.map((text) => ({ kind: 'text' as const, text })),
    actions: [
      {
        id: ALERT_ACK_ACTION,
        label: 'Acknowledge',
        value: formatAlertKey({ team, month: month.month, sk: encodeAlertKind(alert) }),
        style: 'primary',
        command: `budget ack ${team} ${alert.kind === 'forecast' ? 'forecast' : alert.pct} ${month.month}`,
      },
      { id: SHOW_BREAKDOWN_ACTION, label: 'Show breakdown', value: `spend mtd by model team ${team}` },
    ],
    visibility: 'in_channel',
  };
}

/**
 * The bot's own monthly AWS bill for 100 teams, from the request counts measured at the
 * wire (one deployment through simulated days: hourly alert and digest runs, the daily idle
 * scan, 40 slow chat questions a day, all reading the bill ledger) and the prices below. Each assumption is a row of the table, so the figure can be redone.
 *
 * Prices (us-east-1, list, no free tier):
 * - Cost Explorer API: $0.01 per request (each page).
 * - CloudWatch GetMetricData: $0.01 per 1,000 metrics requested; ListMetrics $0.01 per 1,000 requests.
 * - Lambda arm64: $0.0000133334 per GB-second, $0.20 per million requests.
 * - DynamoDB on-demand: $0.125 per million read request units, $0.625 per million write
 *   request units (storage of a few MB: cents, left out).
 * - CloudWatch Logs ingestion and a Bedrock model for `ask`: from the pricing catalog.
 */
import type { Catalog } from '../lib/pricing/catalog.js';
import { memorySizes } from './functions.js';
import { estimateLine } from './pricing-hooks.js';
import type { RequestFigures, RunCounts } from './requests.js';
import { type BenchRow, dollars, rowWithTarget } from './util.js';

const CE_USD = 0.01;
const GMD_USD_PER_METRIC = 0.01 / 1000;
const CW_LIST_USD = 0.01 / 1000;
const LAMBDA_GB_S = 0.0000133334;
const LAMBDA_REQUEST = 0.2 / 1e6;
const RRU = 0.125 / 1e6;
const WRU = 0.625 / 1e6;

/** Assumptions about use (100 teams). */
export const USAGE = {
  /** Slow chat commands a day across all teams (spend, why, forecast, budget, idle in turn). */
  chatCommandsPerDay: 40,
  /** Fast commands (help, estimate, prices, compare) a day: answered in the ack. */
  fastCommandsPerDay: 40,
  /** `ask` questions a day (only when ASSISTANT_MODEL_ID is set). */
  askPerDay: 10,
  /** Log bytes per invocation (Powertools JSON: a start, a summary, a few warnings). */
  logBytesPerInvocation: 3_000,
  days: 30,
  /** Mondays in an average month. */
  mondays: 30 / 7,
};

function scale(r: RunCounts, k: number): RunCounts {
  const out = { ...r };
  for (const key of Object.keys(out) as (keyof RunCounts)[])
    if (typeof out[key] === 'number') (out[key] as number) *= k;
  return out;
}

function add(...runs: RunCounts[]): RunCounts {
  const out = scale(runs[0]!, 0);
  for (const r of runs)
    for (const key of Object.keys(out) as (keyof RunCounts)[])
      if (typeof r[key] === 'number') (out[key] as number) += r[key] as number;
  return out;
}

/** The month's requests and spend of one set of runs, priced. */
function priced(
  r: RunCounts,
  gbPerRun: number,
): { ce: number; cw: number; dynamo: number; gbSeconds: number } {
  return {
    ce: r.ce * CE_USD,
    cw: r.cwMetrics * GMD_USD_PER_METRIC + r.cwOther * CW_LIST_USD,
    dynamo: r.dynamoRead * RRU + r.dynamoWrite * WRU,
    gbSeconds: (r.durationMs / 1000) * gbPerRun,
  };
}

/** Monthly cost rows. `ackMs` is the measured warm Slack acknowledgement (p50). */
export function costRows(figures: RequestFigures, catalog: Catalog, ackMs: number): BenchRow[] {
  const section = 'monthly cost, 100 teams';
  const mem = memorySizes();
  const gb = (fn: string) => (mem[fn] ?? 1024) / 1024;
  const { monday, otherDay, firstDay } = figures.deploy100;
  const u = USAGE;

  // A steady-state month of the simulated deployment: Mondays (the digest posts) and other days.
  const month = (job: 'alerts' | 'digest' | 'idle' | 'chat') =>
    add(scale(monday[job], u.mondays), scale(otherDay[job], u.days - u.mondays));
  const alerts = month('alerts');
  const digest = month('digest');
  // The daily idle scan: Cost Explorer as in the deployment (the ledger), CloudWatch as
  // measured scanning 50 provisioned throughputs (the synthetic account has none).
  const idle = month('idle');
  if (figures.idle50) {
    idle.cwMetrics += figures.idle50.cwMetrics * u.days;
    idle.cwOther += figures.idle50.cwOther * u.days;
    idle.cwGetMetricData += figures.idle50.cwGetMetricData * u.days;
  }
  // Chat: the questions asked in the simulated days, scaled to the assumed number a day.
  const chat = scale(
    month('chat'),
    u.chatCommandsPerDay / Math.max(1, (monday.chatQuestions + otherDay.chatQuestions) / 2),
  );

  const jobs = { alerts, digest, idle, chat };
  const ce = Object.values(jobs).reduce((n, r) => n + r.ce, 0) * CE_USD;
  const cw =
    Object.values(jobs).reduce((n, r) => n + r.cwMetrics, 0) * GMD_USD_PER_METRIC +
    Object.values(jobs).reduce((n, r) => n + r.cwOther, 0) * CW_LIST_USD;
  const dynamo =
    Object.values(jobs).reduce((n, r) => n + r.dynamoRead, 0) * RRU +
    Object.values(jobs).reduce((n, r) => n + r.dynamoWrite, 0) * WRU;
  // Lambda: measured durations (in process, warm) x memory. Each chat command is an ack
  // (slack-events) plus a worker run; fast commands are an ack.
  const gbSeconds =
    (alerts.durationMs / 1000) * gb('budget-alerts') +
    (digest.durationMs / 1000) * gb('weekly-digest') +
    (idle.durationMs / 1000) * gb('idle-throughput') +
    (chat.durationMs / 1000) * gb('command-worker') +
    ((u.chatCommandsPerDay + u.fastCommandsPerDay) * u.days * ackMs * gb('slack-events')) / 1000;
  const invocations = 24 * u.days * 2 + u.days + (u.chatCommandsPerDay * 2 + u.fastCommandsPerDay) * u.days;
  const lambda = gbSeconds * LAMBDA_GB_S + invocations * LAMBDA_REQUEST;
  const logsPerGb = Number(catalog.data.services?.logs?.ingestionPerGb ?? '0.50');
  const logs = ((invocations * u.logBytesPerInvocation) / 1024 ** 3) * logsPerGb;
  const ask = estimateLine(catalog, `claude-haiku-4-5 9000 in 900 out ${u.askPerDay}/day`);
  const askUsd = ask.default.monthly.toNumber();
  const total = ce + cw + dynamo + lambda + logs;

  // The first day on an empty ledger, beyond a steady day: the fill and the 13-month backfill.
  const dayTotal = (d: typeof firstDay) => add(d.alerts, d.digest, d.idle, d.chat);
  const extra = dayTotal(firstDay);
  const steady = dayTotal(otherDay);
  const fill = {
    ce: (extra.ce - steady.ce) * CE_USD,
    dynamo: (extra.dynamoRead - steady.dynamoRead) * RRU + (extra.dynamoWrite - steady.dynamoWrite) * WRU,
  };

  // Cost per added team: steady-state hourly alert runs at 100 and 1,000 teams (the nowcast's
  // metrics, the table, the run time), a month of them, per team added.
  const s100 = figures.steadyAlerts[100];
  const s1000 = figures.steadyAlerts[1000];
  let perTeam: number | undefined;
  let perTeamNote = '';
  if (s100 && s1000) {
    const runsPerMonth = 24 * u.days;
    const a = priced(s100, gb('budget-alerts'));
    const b = priced(s1000, gb('budget-alerts'));
    const d = (k: 'ce' | 'cw' | 'dynamo') => ((b[k] - a[k]) * runsPerMonth) / 900;
    const lambdaPerTeam = (((b.gbSeconds - a.gbSeconds) * runsPerMonth) / 900) * LAMBDA_GB_S;
    perTeam = d('ce') + d('cw') + d('dynamo') + lambdaPerTeam;
    perTeamNote = `hourly alert runs, steady state, 1,000 vs 100 teams: CloudWatch ${dollars(d('cw'))} (${(s1000.cwMetrics - s100.cwMetrics) / 900} metrics a run), Cost Explorer ${dollars(d('ce'))}, DynamoDB ${dollars(d('dynamo'))}, Lambda ${dollars(lambdaPerTeam)} a month per team; the weekly digest and chat add little per team`;
  }

  const row = (name: string, usd: number, note: string): BenchRow => ({
    section,
    name,
    value: dollars(usd),
    raw: usd,
    target: '',
    note,
  });
  const cwMetrics = alerts.cwMetrics + idle.cwMetrics + chat.cwMetrics + digest.cwMetrics;
  return [
    row(
      'Cost Explorer API',
      ce,
      `${Math.round(ce / CE_USD)} requests: alerts ${Math.round(alerts.ce)}, digest ${Math.round(digest.ce)}, idle ${Math.round(idle.ce)}, chat ${Math.round(chat.ce)} (steady state: the ledger's open window read once a day by whichever scheduled run finds it due)`,
    ),
    row(
      'CloudWatch GetMetricData + ListMetrics',
      cw,
      `${Math.round(cwMetrics)} metrics requested: alerts ${Math.round(alerts.cwMetrics)} (hourly nowcast of 100 application profiles x 4 token metrics), chat ${Math.round(chat.cwMetrics)}, idle ${Math.round(idle.cwMetrics)} (50 throughputs), digest ${Math.round(digest.cwMetrics)}`,
    ),
    row(
      'Lambda (arm64)',
      lambda,
      `${Math.round(gbSeconds)} GB-s from measured run times x serverless.yml memory; ${invocations} invocations`,
    ),
    row(
      'DynamoDB on-demand',
      dynamo,
      `${Math.round((alerts.dynamoRead + digest.dynamoRead + idle.dynamoRead + chat.dynamoRead) / 1000)}k RRU, ${Math.round((alerts.dynamoWrite + digest.dynamoWrite + idle.dynamoWrite + chat.dynamoWrite) / 1000)}k WRU (writes counted as 1 unit an item: the ledger's day items are larger, see the ledger rows)`,
    ),
    row(
      'CloudWatch Logs ingestion',
      logs,
      `${u.logBytesPerInvocation / 1000} KB per invocation at $${logsPerGb}/GB (catalog)`,
    ),
    rowWithTarget(
      {
        section,
        name: 'total',
        value: dollars(total),
        raw: total,
        note: `${u.chatCommandsPerDay} slow + ${u.fastCommandsPerDay} fast chat commands a day (fast ones answered in the ack), hourly alerts and digest runs, a daily idle scan; CloudWatch is ${Math.round((cw / total) * 100)}% of it`,
      },
      3,
      '<= $3',
      false,
    ),
    row(
      'first day on an empty ledger, once (extra)',
      fill.ce + fill.dynamo,
      `fill + 13-month backfill: ${Math.round(extra.ce - steady.ce)} Cost Explorer requests more than a steady day (${dollars(fill.ce)}), DynamoDB ${dollars(fill.dynamo)}`,
    ),
    ...(perTeam !== undefined ? [row('cost per added team, a month', perTeam, perTeamNote)] : []),
    row(
      '`ask` if enabled (Bedrock, extra)',
      askUsd,
      `${u.askPerDay} questions/day x ~3 Converse turns (9,000 in / 900 out tokens) on ${ask.model.name}, priced from the catalog`,
    ),
  ];
}

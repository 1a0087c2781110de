/**
 * The hourly budget alert job (`budget-alerts`): tell each team, in its own channel, when
 * its Bedrock spend crosses 50%, 80% and 100% (or its own thresholds) of its monthly
 * budget, and when the month-end forecast exceeds the budget. Hours after the spend, not a
 * day later (the nowcast adds what the bill does not show yet), and never twice.
 *
 * One run:
 * 1. reads every team profile and this month's alert items (two scans, in parallel);
 * 2. reads month-to-date spend of all teams in ONE Cost Explorer query (plus the service
 *    discovery, usually cached), adds the nowcast and computes forecasts;
 * 3. decides per team which alerts are due (`evaluateAlerts`, pure);
 * 4. for teams with something to say, one more query (team x usage type, joined with the
 *    month-to-date team x service lines) finds the top driver: model and token class;
 * 5. claims each due alert with a conditional write, posts it, and marks it sent; a failed
 *    post releases the claim so the next run retries, and never holds up other teams.
 *
 * A dry run reports what would be sent and writes nothing.
 */

import { monthId, startOfNextMonth, startOfPreviousMonth } from '../clock.js';
import type { Deps } from '../context.js';
import type { JobMessage, JobOptions, JobReport } from '../jobs/types.js';
import { syncBeforeJob } from '../ledger/job.js';
import { mapPool } from '../pool.js';
import { type ChatTarget, describeTarget, mayHaveArrived } from '../reply/delivery.js';
import type { Reply } from '../reply/reply.js';
import {
  type AlertKey,
  type AlertKind,
  type AlertRecord,
  alertKeyOf,
  alertPk,
  type ClaimDetails,
  claimAlert,
  coverAlert,
  encodeAlertKind,
  loadAlertRecords,
  markAlertSent,
  rearmAlert,
  releaseAlert,
} from './alert-store.js';
import { type AlertDecision, evaluateAlerts, hasCrossed } from './evaluate.js';
import { buildAlertReply } from './message.js';
import { readEarlier } from './nowcast-cadence.js';
import { positionOf, type TeamBudgetPosition } from './status.js';
import { listTeams, type TeamProfile } from './store.js';
import { type BudgetSpend, findTopDrivers, gatherBudgetSpend, type NowcastFn } from './team-spend.js';

export interface BudgetAlertOptions extends JobOptions {
  /** Estimate of today's unbilled spend per team; `false` to use the bill alone. Default: the spend nowcast. */
  nowcast?: NowcastFn | false;
  /**
   * Teams posted to in parallel (default 16). Each is a different channel (Slack rate-limits
   * per channel) and one team's alerts stay in order; the time of a run with hundreds of
   * alerts is mostly the claim / post / record round trips, which overlap.
   */
  concurrency?: number;
}

/** Figures of one run, for logs and the benchmark. */
export interface BudgetAlertStats {
  teams: number;
  /** Teams with at least one alert due. */
  alerting: number;
  sent: number;
  failed: number;
  alreadySent: number;
  dryRun: number;
  rearmed: number;
  covered: number;
  /** Teams with an alert due but nowhere to send it. */
  noChannel: number;
  /** Billed Cost Explorer requests the run made. */
  costExplorerRequests: number;
  durationMs: number;
}

export interface BudgetAlertReport extends JobReport {
  stats: BudgetAlertStats;
}

/** Keep secrets (webhook URLs, tokens) out of stored and logged error text. */
function safeReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/https?:\/\/\S+/g, '[url]')
    .replace(/xox[a-z]-[\w-]+/g, '[token]')
    .slice(0, 200);
}

/** `slack:C0123` / `teams:host`: a target for logs and items, never a webhook URL (nor a throw on a bad one). */
function whereOf(target: ChatTarget): string {
  try {
    return describeTarget(target);
  } catch {
    return 'teams:invalid-url';
  }
}

function emptyStats(): BudgetAlertStats {
  return {
    teams: 0,
    alerting: 0,
    sent: 0,
    failed: 0,
    alreadySent: 0,
    dryRun: 0,
    rearmed: 0,
    covered: 0,
    noChannel: 0,
    costExplorerRequests: 0,
    durationMs: 0,
  };
}

/** Every team profile, and the alert items of the months any team can be in (two scans, in parallel). */
async function loadBudgetsAndAlerts(deps: Deps, now: Date) {
  // A team's month depends on its time zone: at most one month either side of UTC's.
  const utcMonthStart = `${monthId(now.toISOString().slice(0, 10))}-01`;
  const months = [startOfPreviousMonth(utcMonthStart), utcMonthStart, startOfNextMonth(utcMonthStart)].map(
    monthId,
  );
  const [profiles, records] = await Promise.all([
    listTeams(deps.store),
    loadAlertRecords(deps.store, months),
  ]);
  return { profiles, records };
}

/**
 * Bring the bill ledger up to date first when its open window is due (the alert run is
 * hourly; most runs find the ledger current and read no bill at all), and keep yesterday's
 * full-day nowcast once, to reconcile with the bill when it lands (`status`). Returns the
 * Cost Explorer requests it made.
 */
async function prepareLedger(deps: Deps, options: BudgetAlertOptions, now: Date): Promise<number> {
  const sync = await syncBeforeJob(deps);
  if (options.nowcast !== false && !options.dryRun) {
    const { recordYesterdaysNowcast } = await import('../ledger/reconcile.js');
    await recordYesterdaysNowcast(deps.store, now, deps.log, async (start, end) => {
      const [{ nowcastWindow }, { spendContextOf }] = await Promise.all([
        import('../spend/nowcast.js'),
        import('../spend/query.js'),
      ]);
      return (await nowcastWindow(await spendContextOf(deps), deps, { start, end })).totalUsd;
    });
  }
  return sync.record?.requests ?? 0;
}

/** What one team is due: its position this month and the alert decisions (`evaluateAlerts`, pure). */
interface TeamPlan {
  position: TeamBudgetPosition;
  decisions: AlertDecision[];
}

/** Decide, per team; teams with nothing to do are left out. */
function decideAlerts(
  profiles: TeamProfile[],
  spend: BudgetSpend,
  records: Map<string, Map<string, AlertRecord>>,
  now: Date,
): TeamPlan[] {
  const plans: TeamPlan[] = [];
  for (const profile of profiles) {
    const position = positionOf(profile, spend.teams.get(profile.team)!, now);
    const teamRecords =
      records.get(alertPk(profile.team, position.spend.month.month)) ?? new Map<string, AlertRecord>();
    const decisions = evaluateAlerts({
      budgetUsd: profile.budgetUsd,
      thresholds: profile.thresholds,
      spent: position.spentUsd,
      forecast: position.forecast,
      records: teamRecords,
      now,
    });
    if (decisions.length) plans.push({ position, decisions });
  }
  return plans;
}

/** The top driver of each team about to hear from us (one request for all of them); none when it fails. */
async function topDriversOf(
  deps: Deps,
  spend: BudgetSpend,
  alerting: TeamPlan[],
  stats: BudgetAlertStats,
): Promise<Map<string, string>> {
  if (!alerting.length) return new Map();
  try {
    const found = await findTopDrivers(
      deps,
      spend,
      alerting
        .filter((p) => p.position.profile.target)
        .map((p) => ({ team: p.position.profile.team, month: p.position.spend.month })),
    );
    stats.costExplorerRequests += found.requests;
    return found.drivers;
  } catch (error) {
    deps.log.warn('budget alerts: top drivers unavailable', error);
    return new Map();
  }
}

/** What every team's delivery shares in one run. */
interface AlertRun {
  deps: Deps;
  now: Date;
  dryRun: boolean;
  stats: BudgetAlertStats;
  spend: BudgetSpend;
  drivers: Map<string, string>;
}

/** One alert ready to go: its item, and the message. */
interface PendingAlert {
  team: string;
  key: AlertKey;
  subject: string;
  reply: Reply;
  claimDetails: ClaimDetails;
}

/** What became of one alert; `broken` when the channel failed (the team's next alerts wait for the next run). */
interface AlertOutcome {
  message: JobMessage;
  broken?: boolean;
  sent?: boolean;
}

/** The alert message for one decision. */
function composeAlert(run: AlertRun, position: TeamBudgetPosition, alert: AlertKind): Reply {
  const { profile, spend: teamSpend } = position;
  const team = profile.team;
  const highestCrossed = Math.max(
    0,
    ...profile.thresholds.filter((pct) => hasCrossed(position.spentUsd, profile.budgetUsd, pct)),
  );
  return buildAlertReply({
    team,
    alert,
    passedHigher: alert.kind === 'threshold' && alert.pct < highestCrossed,
    budgetUsd: profile.budgetUsd,
    spentUsd: position.spentUsd,
    nowcastUsd: teamSpend.nowcastUsd,
    // Said when the reading is from an earlier run (the cadence reads far-off teams every few hours).
    ...(readEarlier(run.now, teamSpend.nowcastReadAt) ? { nowcastReadAt: teamSpend.nowcastReadAt } : {}),
    forecast: position.forecast,
    month: teamSpend.month,
    ...(run.drivers.has(team) ? { topDriver: run.drivers.get(team)! } : {}),
    dataAsOf: run.spend.dataAsOf,
    demo: run.spend.sourceKind === 'demo',
  });
}

/** A post that surely did not arrive: release the claim so the next run retries it. */
async function failDelivery(
  run: AlertRun,
  alert: PendingAlert,
  where: string,
  claimId: string,
  reason: string,
): Promise<AlertOutcome> {
  const { deps, stats } = run;
  const { team, key, subject, reply } = alert;
  await releaseAlert(deps.store, key, claimId, reason).catch((releaseError: unknown) => {
    // The claim will expire on its own (CLAIM_TTL_MS) and the alert will be retried then.
    deps.log.error('budget alert claim not released', {
      team,
      alert: key.sk,
      reason: safeReason(releaseError),
    });
  });
  stats.failed++;
  deps.metrics?.count('DeliveryFailed', 'alerts');
  deps.log.warn('budget alert not delivered; retried next run', {
    team,
    alert: key.sk,
    target: where,
    reason,
  });
  return {
    broken: true,
    message: { target: where, subject, reply, status: 'failed', reason: `${reason}; retried next run` },
  };
}

/** Post a claimed alert and mark it sent (or sent-uncertain: it may have arrived). */
async function postClaimed(
  run: AlertRun,
  target: ChatTarget,
  where: string,
  alert: PendingAlert,
  claimId: string,
): Promise<AlertOutcome> {
  const { deps, stats, now } = run;
  const { team, key, subject, reply } = alert;
  let receipt: { ts?: string };
  let uncertain: string | undefined;
  try {
    receipt = await deps.delivery.send(target, reply);
  } catch (error) {
    const reason = safeReason(error);
    if (!mayHaveArrived(error)) return failDelivery(run, alert, where, claimId, reason);
    // No answer in time, or a 5xx after the request went out: the alert may be in the
    // channel. Posting it again next run could say it twice, so it is kept as sent
    // (unconfirmed), logged and counted instead.
    receipt = {};
    uncertain = reason;
    deps.metrics?.count('DeliveryUncertain', 'alerts');
    deps.log.error('budget alert may not have been delivered; not posted again', {
      team,
      alert: key.sk,
      target: where,
      reason,
    });
  }
  try {
    await markAlertSent(deps.store, key, claimId, {
      now,
      ...(receipt.ts ? { messageTs: receipt.ts } : {}),
      ...(uncertain ? { uncertain } : {}),
    });
  } catch (error) {
    // Posted, but the record failed: the claim expires and a later run may post again.
    deps.metrics?.count('PostedNotRecorded', 'alerts');
    deps.log.error('budget alert posted but not recorded', {
      team,
      alert: key.sk,
      reason: safeReason(error),
    });
  }
  if (uncertain) {
    stats.failed++;
    const reason = `${uncertain}; it may have arrived, so it is not posted again`;
    return { broken: true, message: { target: where, subject, reply, status: 'failed', reason } };
  }
  stats.sent++;
  return { sent: true, message: { target: where, subject, reply, status: 'sent' } };
}

/** One due alert: nowhere to go, a dry run, a broken channel, another run's claim, or claimed and posted. */
async function deliverAlert(
  run: AlertRun,
  target: ChatTarget | undefined,
  alert: PendingAlert,
  channelBroken: boolean,
): Promise<AlertOutcome> {
  const { stats } = run;
  const { subject, reply } = alert;
  if (!target) {
    stats.noChannel++;
    const reason = 'no alert channel set (budget set TEAM AMOUNT channel #...)';
    return { message: { target: 'none', subject, reply, status: 'failed', reason } };
  }
  const where = whereOf(target);
  if (run.dryRun) {
    stats.dryRun++;
    return { message: { target: where, subject, reply, status: 'dry-run' } };
  }
  if (channelBroken) {
    stats.failed++;
    const reason = 'not attempted: an earlier alert to this channel failed; retried next run';
    return { message: { target: where, subject, reply, status: 'failed', reason } };
  }
  const claimId = await claimAlert(run.deps.store, alert.key, alert.claimDetails);
  if (!claimId) {
    // Another run (concurrent, or a retry of this one) has it: it posts, we don't.
    stats.alreadySent++;
    return { message: { target: where, subject, reply, status: 'already-sent' } };
  }
  return postClaimed(run, target, where, alert, claimId);
}

/** One team's alerts, in order: re-arm, send each due alert, then mark the covered ones. */
async function deliverTeamAlerts(run: AlertRun, { position, decisions }: TeamPlan): Promise<JobMessage[]> {
  const { deps, now, dryRun, stats } = run;
  const { profile } = position;
  const team = profile.team;
  const month = position.spend.month.month;
  const claimDetails: ClaimDetails = {
    budgetUsd: profile.budgetUsd.toFixed(),
    spentUsd: position.spentUsd.toFixed(2),
    forecastUsd: position.forecast.usd.toFixed(2),
    target: profile.target ? whereOf(profile.target) : 'none',
    now,
  };
  // Re-arm first: a raised budget makes old thresholds eligible before new ones are judged.
  for (const d of decisions) {
    if (d.action !== 'rearm' || dryRun) continue;
    if (await rearmAlert(deps.store, alertKeyOf(team, month, d.alert), now)) stats.rearmed++;
  }
  let lastSentSk: string | undefined;
  let channelBroken = false;
  const messages: JobMessage[] = [];
  for (const d of decisions) {
    if (d.action !== 'send') continue;
    const key = alertKeyOf(team, month, d.alert);
    const subject = `${team} ${encodeAlertKind(d.alert)} ${month}`;
    const reply = composeAlert(run, position, d.alert);
    const outcome = await deliverAlert(
      run,
      profile.target,
      { team, key, subject, reply, claimDetails },
      channelBroken,
    );
    messages.push(outcome.message);
    if (outcome.broken) channelBroken = true;
    if (outcome.sent) lastSentSk = key.sk;
  }
  // A forecast alert due alongside a threshold alert is said by that message already.
  for (const d of decisions) {
    if (d.action !== 'cover' || dryRun || !lastSentSk) continue;
    if (await coverAlert(deps.store, alertKeyOf(team, month, d.alert), lastSentSk, claimDetails))
      stats.covered++;
  }
  return messages;
}

/**
 * Check every team's budget and post the alerts that are due, each once.
 *
 * @example
 * const report = await runBudgetAlerts(deps, { dryRun: true });
 * console.log(report.summary); // "alerts: 12 teams checked · 2 alerts would be sent ..."
 */
export async function runBudgetAlerts(deps: Deps, options: BudgetAlertOptions): Promise<BudgetAlertReport> {
  const started = performance.now();
  const now = deps.clock.now();
  const dryRun = options.dryRun;
  const stats = emptyStats();
  const { profiles, records } = await loadBudgetsAndAlerts(deps, now);
  stats.teams = profiles.length;
  if (!profiles.length) {
    stats.durationMs = Math.round(performance.now() - started);
    return {
      job: 'alerts',
      messages: [],
      summary: 'alerts: no team has a budget yet (budget set TEAM AMOUNT).',
      stats,
    };
  }
  stats.costExplorerRequests += await prepareLedger(deps, options, now);
  const spend = await gatherBudgetSpend(deps, profiles, {
    ...(options.nowcast !== undefined ? { nowcast: options.nowcast } : {}),
    // Far-off teams' token metrics every few hours, those near a threshold every run.
    cadence: { store: deps.store, refreshHours: deps.config.BEDROCK_COST_NOWCAST_HOURS, write: !dryRun },
  });
  stats.costExplorerRequests += spend.requests;

  const plans = decideAlerts(profiles, spend, records, now);
  const alerting = plans.filter((p) => p.decisions.some((d) => d.action === 'send'));
  stats.alerting = alerting.length;
  const drivers = await topDriversOf(deps, spend, alerting, stats);

  const run: AlertRun = { deps, now, dryRun, stats, spend, drivers };
  // Teams in profile order, each team's alerts in threshold order.
  const perTeam = await mapPool(plans, options.concurrency ?? 16, (plan) => deliverTeamAlerts(run, plan));
  stats.durationMs = Math.round(performance.now() - started);
  return { job: 'alerts', messages: perTeam.flat(), summary: summarize(stats, dryRun), stats };
}

function summarize(s: BudgetAlertStats, dryRun: boolean): string {
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  const parts = [`${plural(s.teams, 'team')} checked`];
  if (dryRun) parts.push(`${plural(s.dryRun, 'alert')} would be sent (dry run: nothing written)`);
  else {
    parts.push(`${plural(s.sent, 'alert')} sent`);
    if (s.failed) parts.push(`${s.failed} failed (retried next run)`);
    if (s.alreadySent) parts.push(`${s.alreadySent} already sent by another run`);
    if (s.rearmed) parts.push(`${s.rearmed} re-armed`);
  }
  if (s.noChannel) parts.push(`${plural(s.noChannel, 'alert')} with no channel to go to`);
  parts.push(`${plural(s.costExplorerRequests, 'Cost Explorer request')}`);
  return `alerts: ${parts.join(' · ')}`;
}

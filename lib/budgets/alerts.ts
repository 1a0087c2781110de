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
import {
  type AlertKey,
  type AlertRecord,
  alertKeyOf,
  alertPk,
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
import { listTeams } from './store.js';
import { findTopDrivers, gatherBudgetSpend, type NowcastFn } from './team-spend.js';

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
  const stats: BudgetAlertStats = {
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
  // A team's month depends on its time zone: at most one month either side of UTC's.
  const utcMonthStart = `${monthId(now.toISOString().slice(0, 10))}-01`;
  const months = [startOfPreviousMonth(utcMonthStart), utcMonthStart, startOfNextMonth(utcMonthStart)].map(
    monthId,
  );
  const [profiles, records] = await Promise.all([
    listTeams(deps.store),
    loadAlertRecords(deps.store, months),
  ]);
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

  // Bring the bill ledger up to date first when its open window is due (the alert run is
  // hourly; most runs find the ledger current and read no bill at all).
  const sync = await syncBeforeJob(deps);
  stats.costExplorerRequests += sync.record?.requests ?? 0;
  // Keep yesterday's full-day nowcast once, to reconcile with the bill when it lands (`status`).
  if (options.nowcast !== false && !dryRun) {
    const { recordYesterdaysNowcast } = await import('../ledger/reconcile.js');
    await recordYesterdaysNowcast(deps.store, now, deps.log, async (start, end) => {
      const [{ nowcastWindow }, { spendContextOf }] = await Promise.all([
        import('../spend/nowcast.js'),
        import('../spend/query.js'),
      ]);
      return (await nowcastWindow(await spendContextOf(deps), deps, { start, end })).totalUsd;
    });
  }

  const spend = await gatherBudgetSpend(deps, profiles, {
    byService: true,
    ...(options.nowcast !== undefined ? { nowcast: options.nowcast } : {}),
    // Far-off teams' token metrics every few hours, those near a threshold every run.
    cadence: { store: deps.store, refreshHours: deps.config.BEDROCK_COST_NOWCAST_HOURS, write: !dryRun },
  });
  stats.costExplorerRequests += spend.requests;

  // Decide, per team.
  const plans: { position: TeamBudgetPosition; decisions: AlertDecision[] }[] = [];
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
  const alerting = plans.filter((p) => p.decisions.some((d) => d.action === 'send'));
  stats.alerting = alerting.length;

  // The top driver, for the teams about to hear from us (one request for all of them).
  let drivers = new Map<string, string>();
  if (alerting.length) {
    try {
      const found = await findTopDrivers(
        deps,
        spend,
        alerting
          .filter((p) => p.position.profile.target)
          .map((p) => ({ team: p.position.profile.team, month: p.position.spend.month })),
      );
      drivers = found.drivers;
      stats.costExplorerRequests += found.requests;
    } catch (error) {
      deps.log.warn('budget alerts: top drivers unavailable', error);
    }
  }

  const messagesByTeam = new Map<string, JobMessage[]>();
  await mapPool(plans, options.concurrency ?? 16, async ({ position, decisions }) => {
    const { profile, spend: teamSpend } = position;
    const team = profile.team;
    const month = teamSpend.month;
    const target = profile.target;
    const claimDetails = {
      budgetUsd: profile.budgetUsd.toFixed(),
      spentUsd: position.spentUsd.toFixed(2),
      forecastUsd: position.forecast.usd.toFixed(2),
      target: target ? whereOf(target) : 'none',
      now,
    };
    // Re-arm first: a raised budget makes old thresholds eligible before new ones are judged.
    for (const d of decisions) {
      if (d.action !== 'rearm' || dryRun) continue;
      if (await rearmAlert(deps.store, alertKeyOf(team, month.month, d.alert), now)) stats.rearmed++;
    }
    let lastSentSk: string | undefined;
    let channelBroken = false;
    const messages: JobMessage[] = [];
    messagesByTeam.set(team, messages);
    const highestCrossed = Math.max(
      0,
      ...profile.thresholds.filter((pct) => hasCrossed(position.spentUsd, profile.budgetUsd, pct)),
    );
    for (const d of decisions) {
      if (d.action !== 'send') continue;
      const key: AlertKey = alertKeyOf(team, month.month, d.alert);
      const subject = `${team} ${encodeAlertKind(d.alert)} ${month.month}`;
      const reply = buildAlertReply({
        team,
        alert: d.alert,
        passedHigher: d.alert.kind === 'threshold' && d.alert.pct < highestCrossed,
        budgetUsd: profile.budgetUsd,
        spentUsd: position.spentUsd,
        nowcastUsd: teamSpend.nowcastUsd,
        // Said when the reading is from an earlier run (the cadence reads far-off teams every few hours).
        ...(readEarlier(now, teamSpend.nowcastReadAt) ? { nowcastReadAt: teamSpend.nowcastReadAt } : {}),
        forecast: position.forecast,
        month,
        ...(drivers.has(team) ? { topDriver: drivers.get(team)! } : {}),
        dataAsOf: spend.dataAsOf,
        demo: spend.sourceKind === 'demo',
      });
      if (!target) {
        stats.noChannel++;
        messages.push({
          target: 'none',
          subject,
          reply,
          status: 'failed',
          reason: 'no alert channel set (budget set TEAM AMOUNT channel #...)',
        });
        continue;
      }
      const where = whereOf(target);
      if (dryRun) {
        stats.dryRun++;
        messages.push({ target: where, subject, reply, status: 'dry-run' });
        continue;
      }
      if (channelBroken) {
        stats.failed++;
        messages.push({
          target: where,
          subject,
          reply,
          status: 'failed',
          reason: 'not attempted: an earlier alert to this channel failed; retried next run',
        });
        continue;
      }
      const claimId = await claimAlert(deps.store, key, claimDetails);
      if (!claimId) {
        // Another run (concurrent, or a retry of this one) has it: it posts, we don't.
        stats.alreadySent++;
        messages.push({ target: where, subject, reply, status: 'already-sent' });
        continue;
      }
      let receipt: { ts?: string };
      let uncertain: string | undefined;
      try {
        receipt = await deps.delivery.send(target, reply);
      } catch (error) {
        const reason = safeReason(error);
        if (mayHaveArrived(error)) {
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
        } else {
          await releaseAlert(deps.store, key, claimId, reason).catch((releaseError: unknown) => {
            // The claim will expire on its own (CLAIM_TTL_MS) and the alert will be retried then.
            deps.log.error('budget alert claim not released', {
              team,
              alert: key.sk,
              reason: safeReason(releaseError),
            });
          });
          stats.failed++;
          channelBroken = true;
          deps.metrics?.count('DeliveryFailed', 'alerts');
          deps.log.warn('budget alert not delivered; retried next run', {
            team,
            alert: key.sk,
            target: where,
            reason,
          });
          messages.push({
            target: where,
            subject,
            reply,
            status: 'failed',
            reason: `${reason}; retried next run`,
          });
          continue;
        }
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
        channelBroken = true;
        messages.push({
          target: where,
          subject,
          reply,
          status: 'failed',
          reason: `${uncertain}; it may have arrived, so it is not posted again`,
        });
        continue;
      }
      stats.sent++;
      lastSentSk = key.sk;
      messages.push({ target: where, subject, reply, status: 'sent' });
    }
    // A forecast alert due alongside a threshold alert is said by that message already.
    for (const d of decisions) {
      if (d.action !== 'cover' || dryRun || !lastSentSk) continue;
      if (await coverAlert(deps.store, alertKeyOf(team, month.month, d.alert), lastSentSk, claimDetails))
        stats.covered++;
    }
  });

  stats.durationMs = Math.round(performance.now() - started);
  // Teams in profile order, each team's alerts in threshold order.
  const messages = plans.flatMap((p) => messagesByTeam.get(p.position.profile.team) ?? []);
  return { job: 'alerts', messages, summary: summarize(stats, dryRun), stats };
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

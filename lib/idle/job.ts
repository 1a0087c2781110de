/**
 * The daily idle-throughput job (`functions/idle-throughput.ts`, `bedrock-cost idle-scan`).
 *
 * Scans the last 24 hours and posts each idle provisioned throughput to the FinOps channel
 * (`BEDROCK_COST_FINOPS_CHANNEL`: a Slack channel, a Teams webhook or a conversation of the
 * Teams bot, see `lib/chat/finops-channel.ts`) and, when the throughput carries the team tag
 * and that team's budget has an alert channel or Teams webhook, to the team as well, with
 * a "Snooze 7 days" button: at most one message per throughput per channel per UTC day,
 * whatever the number of runs or retries (claim with a conditional write, send, then mark
 * sent; release the claim if the send failed). Snoozed throughputs are skipped. A dry run
 * reports what would be sent and writes nothing.
 *
 * Under-use: when some throughput is in use, the last 7 days are scanned too, and a
 * throughput called in under a quarter of its hours that could be resized (now, or when its
 * commitment ends) is posted the same way, with its saving a month: the `savings` finding,
 * word for word (`lib/analysis/savings.ts`).
 */

import type { SavingsFinding } from '../analysis/savings.js';
import { toIsoDate } from '../clock.js';
import type { Deps } from '../context.js';
import type { JobMessage, JobOptions, JobReport } from '../jobs/types.js';
import { formatUsd } from '../money.js';
import type { DataSources } from '../ports.js';
import { type ChatTarget, describeTarget, mayHaveArrived } from '../reply/delivery.js';
import { describeFinopsChannel, parseFinopsChannel, resolveFinopsChannel } from '../reply/finops-channel.js';
import type { Reply } from '../reply/reply.js';
import { buildIdleAlert } from './idle-reply.js';
import {
  claimIdlePost,
  idlePostSlot,
  markIdlePostSent,
  releaseIdlePost,
  snoozedThroughputs,
} from './idle-store.js';
import {
  DEFAULT_IDLE_HOURS,
  describeFault,
  type IdleFinding,
  type IdleScan,
  scanIdleForDeps,
} from './scan.js';

/** The FinOps channel as this run uses it: resolved, or why not, and how the report names it. */
interface FinopsDestination {
  target?: ChatTarget;
  /** Why the FinOps channel could not be used (the bot is not in its conversation). */
  unresolved?: string;
  text: string;
}

/**
 * The FinOps channel. A Teams bot conversation is looked up (its Bot Connector address)
 * only when there is something to post; when the bot is not there, the FinOps posts fail
 * saying why.
 */
async function finopsDestination(
  deps: Deps,
  needed: boolean,
  problems: string[],
): Promise<FinopsDestination> {
  const channel = parseFinopsChannel(deps.config.BEDROCK_COST_FINOPS_CHANNEL);
  const text = channel ? describeFinopsChannel(channel) : 'slack:(BEDROCK_COST_FINOPS_CHANNEL not set)';
  if (!channel || !needed) return { text };
  let unresolved: string | undefined;
  try {
    const resolved = await resolveFinopsChannel(channel, deps.store);
    if ('target' in resolved) return { target: resolved.target, text };
    unresolved = resolved.problem;
  } catch (error) {
    unresolved = describeFault(error, 'Could not read the FinOps conversation from the table');
  }
  if (unresolved) problems.push(unresolved);
  return { ...(unresolved ? { unresolved } : {}), text };
}

/**
 * The snoozed throughputs among `idle`; `undefined` when they cannot be read (then nothing
 * is posted: without the snooze list we would re-post snoozed findings).
 */
async function readSnoozes(
  deps: Deps,
  idle: IdleFinding[],
  now: Date,
  problems: string[],
): Promise<Map<string, string> | undefined> {
  if (!idle.length) return new Map();
  try {
    return await snoozedThroughputs(
      deps.store,
      idle.map((f) => f.throughput.arn),
      now,
    );
  } catch (error) {
    problems.push(describeFault(error, 'Could not read snoozes from the table'));
    return undefined;
  }
}

/**
 * The owning team hears about its own throughput too: a throughput tagged with a team
 * whose budget has an alert channel (or Teams webhook) is posted there as well.
 */
async function teamTargetsOf(
  deps: Deps,
  idle: IdleFinding[],
  snoozed: ReadonlyMap<string, string>,
  problems: string[],
): Promise<Map<string, ChatTarget>> {
  const teamTargets = new Map<string, ChatTarget>();
  const owners = [
    ...new Set(idle.flatMap((f) => (f.team && !snoozed.has(f.throughput.arn) ? [f.team] : []))),
  ];
  if (!owners.length) return teamTargets;
  const { getTeam } = await import('../budgets/store.js');
  await Promise.all(
    owners.map(async (team) => {
      try {
        const profile = await getTeam(deps.store, team);
        if (profile?.target) teamTargets.set(team, profile.target);
      } catch (error) {
        problems.push(describeFault(error, `Could not read team ${team}'s channel; posted to FinOps only`));
      }
    }),
  );
  return teamTargets;
}

/** What every post of one run shares. */
interface IdleRun {
  deps: Deps;
  options: JobOptions;
  now: Date;
  /** Today (UTC): one post per throughput per channel per day. */
  day: string;
  kind: 'aws' | 'demo';
  scan: IdleScan;
  underUsed: UnderUsed[];
  finops: FinopsDestination;
  teamTargets: ReadonlyMap<string, ChatTarget>;
}

/** One finding's posts: to FinOps, and to the owning team's channel when it has one of its own. */
async function postFinding(run: IdleRun, finding: IdleFinding): Promise<JobMessage[]> {
  const { finops, now, kind } = run;
  const weekly = run.underUsed.find((u) => u.finding === finding);
  const reply = weekly
    ? buildUnderUsedAlert(weekly, now, kind)
    : buildIdleAlert(finding, run.scan, now, kind);
  const teamTarget = finding.team ? run.teamTargets.get(finding.team) : undefined;
  const sameChannel =
    finops.target && teamTarget && describeTarget(finops.target) === describeTarget(teamTarget);
  // FinOps always hears (or is reported missing) unless the owning team's channel stands in.
  const posts: { target: ChatTarget | undefined; slot: string; text: string; unresolved?: string }[] = [];
  if (finops.target || finops.unresolved || !teamTarget)
    posts.push({
      target: finops.target,
      slot: idlePostSlot(run.day),
      text: finops.text,
      ...(finops.unresolved ? { unresolved: finops.unresolved } : {}),
    });
  if (teamTarget && !sameChannel) {
    posts.push({
      target: teamTarget,
      slot: idlePostSlot(run.day, finding.team),
      text: describeTarget(teamTarget),
    });
  }
  const messages: JobMessage[] = [];
  for (const post of posts) {
    messages.push(
      await postOne(run.deps, run.options, {
        ...post,
        arn: finding.throughput.arn,
        now,
        reply,
        subject: finding.throughput.name,
        ...(finding.team ? { team: finding.team } : {}),
      }),
    );
  }
  return messages;
}

/** The run in one line: what was found, what was posted where, and what could not be checked. */
function summarizeIdleRun(
  messages: JobMessage[],
  found: { idleToday: number; scanned: number; underUsed: number; reserved: number; snoozed: number },
  targetText: string,
  dryRun: boolean,
  problems: string[],
): string {
  const count = (status: JobMessage['status']) => messages.filter((m) => m.status === status).length;
  const parts = [
    `${found.idleToday} idle of ${found.scanned} provisioned throughput${found.scanned === 1 ? '' : 's'}`,
  ];
  if (found.underUsed) parts.push(`${found.underUsed} under-used over 7 days`);
  if (found.reserved)
    parts.push(
      `${found.reserved} under-used Reserved-tier reservation${found.reserved === 1 ? '' : 's'} over 7 days`,
    );
  if (found.snoozed) parts.push(`${found.snoozed} snoozed`);
  const teamPosts = (status: JobMessage['status']) =>
    messages.filter((m) => m.status === status && m.target !== targetText).length;
  const where = (status: JobMessage['status']) => {
    const own = teamPosts(status);
    const finops = count(status) - own;
    if (!own) return `to ${targetText}`;
    return finops ? `(${finops} to ${targetText}, ${own} to team channels)` : 'to team channels';
  };
  if (dryRun) parts.push(`${count('dry-run')} would be posted ${where('dry-run')}`);
  else {
    parts.push(`${count('sent')} posted ${where('sent')}`);
    if (count('already-sent')) parts.push(`${count('already-sent')} already posted today`);
    if (count('failed')) parts.push(`${count('failed')} failed`);
  }
  return `idle-scan: ${parts.join(', ')}${problems.length ? `. ${problems.join(' ')}` : ''}`;
}

/**
 * The scheduled job. Never throws for AWS or delivery faults: they are in the report.
 *
 * @example
 * const report = await runIdleScan(deps, { dryRun: true });
 * console.log(report.summary);
 */
export async function runIdleScan(deps: Deps, options: JobOptions): Promise<JobReport> {
  const now = deps.clock.now();
  const sources = await deps.sources().catch(() => undefined);
  const scan = await scanIdleForDeps(deps, DEFAULT_IDLE_HOURS, sources);
  const idleToday = scan.findings.filter((f) => f.state === 'idle');
  const underUsed = await underUsedThisWeek(deps, scan, sources);
  const idle = [...idleToday, ...underUsed.map((u) => u.finding)];
  const reserved = await underUsedReservations(deps);
  const problems = [...scan.problems, ...reserved.problems];
  const finops = await finopsDestination(deps, idle.length > 0 || reserved.findings.length > 0, problems);
  const snoozed = await readSnoozes(deps, idle, now, problems);
  if (!snoozed) {
    const summary = `idle-scan: ${idle.length} idle, nothing posted: ${problems.join(' ')}`;
    return { job: 'idle-scan', messages: [], summary };
  }
  const run: IdleRun = {
    deps,
    options,
    now,
    day: toIsoDate(now),
    kind: sources?.kind ?? 'aws',
    scan,
    underUsed,
    finops,
    teamTargets: await teamTargetsOf(deps, idle, snoozed, problems),
  };
  const messages: JobMessage[] = [];
  for (const finding of idle) {
    if (!snoozed.has(finding.throughput.arn)) messages.push(...(await postFinding(run, finding)));
  }
  // Under-used Reserved-tier capacity: to the FinOps channel, once a day each.
  for (const r of reserved.findings) {
    messages.push(
      await postOne(deps, options, {
        target: finops.target,
        slot: idlePostSlot(run.day),
        text: finops.text,
        ...(finops.unresolved ? { unresolved: finops.unresolved } : {}),
        arn: r.key,
        now,
        reply: r.reply,
        subject: r.subject,
        ...(r.saving.team ? { team: r.saving.team } : {}),
      }),
    );
  }
  const found = {
    idleToday: idleToday.length,
    scanned: scan.findings.length,
    underUsed: underUsed.length,
    reserved: reserved.findings.length,
    snoozed: snoozed.size,
  };
  return {
    job: 'idle-scan',
    messages,
    summary: summarizeIdleRun(messages, found, finops.text, options.dryRun, problems),
  };
}

/** Hours of the under-use check: 7 days. */
const UNDER_USE_HOURS = 168;

interface UnderUsed {
  finding: IdleFinding;
  scan: IdleScan;
  /** The `savings` finding of this throughput. */
  saving: SavingsFinding;
}

/**
 * Throughputs in use today but called in under a quarter of their hours over 7 days, that
 * resizing (now, or from the commitment's end) would save on. Scanned only when some
 * throughput is in use: an account whose throughputs are all idle needs no second look.
 */
async function underUsedThisWeek(
  deps: Deps,
  today: IdleScan,
  sources: DataSources | undefined,
): Promise<UnderUsed[]> {
  if (!sources || !today.findings.some((f) => f.state === 'in-use' || f.state === 'under-used')) return [];
  const idleToday = new Set(today.findings.filter((f) => f.state === 'idle').map((f) => f.throughput.arn));
  let week: IdleScan;
  try {
    week = await scanIdleForDeps(deps, UNDER_USE_HOURS, sources);
  } catch (error) {
    deps.log.warn('idle-scan: the 7-day under-use scan failed', { error: String(error) });
    return [];
  }
  const { recommendationCandidates } = await import('../digest/recommend.js');
  const { findingOf } = await import('../analysis/savings.js');
  const out: UnderUsed[] = [];
  for (const finding of week.findings) {
    if (finding.state !== 'under-used' || idleToday.has(finding.throughput.arn)) continue;
    const [candidate] = recommendationCandidates({
      catalog: undefined,
      lines: [],
      current: { start: week.window.start.slice(0, 10), end: week.window.end.slice(0, 10) },
      previous: { start: week.window.start.slice(0, 10), end: week.window.start.slice(0, 10) },
      idle: [finding],
    });
    if (candidate) out.push({ finding, scan: week, saving: findingOf(candidate) });
  }
  return out;
}

/**
 * Reserved-tier commitments used under half over 7 days (`lib/analysis/reserved.ts`), as
 * their `savings` findings (the same dollars) and the daily message. Never throws: a bill
 * or CloudWatch fault is a problem in the report.
 */
async function underUsedReservations(deps: Deps): Promise<{
  findings: { key: string; subject: string; saving: SavingsFinding; reply: Reply }[];
  problems: string[];
}> {
  try {
    const [{ scanReserved }, { reservedFinding, MIN_MONTHLY_SAVING }, { spendContextOf }] = await Promise.all(
      [import('../analysis/reserved.js'), import('../analysis/savings.js'), import('../spend/query.js')],
    );
    const [spend, catalog] = await Promise.all([spendContextOf(deps), deps.catalog().catch(() => undefined)]);
    const scan = await scanReserved(spend, catalog);
    const findings = scan.commitments.flatMap((c) => {
      const saving = reservedFinding(c);
      if (!saving || saving.monthlyUsd.lt(MIN_MONTHLY_SAVING)) return [];
      const subject = `${c.model} Reserved ${c.term} ${c.direction}${c.team ? ` (${c.team})` : ''}`;
      const reply: Reply = {
        headline: `Reserved tier: ${subject} used ${Math.round((c.utilization ?? 0) * 100)}% of its ${Math.round(c.reservedTpm).toLocaleString('en-US')} TPM over 7 days: resizing at renewal saves about ${formatUsd(saving.monthlyUsd, { decimals: 0 })} a month.`,
        context: [
          `bill and CloudWatch token counts of the last 7 days · commitment since ${c.start}, renews ${c.renews}`,
        ],
        blocks: [{ kind: 'text', text: saving.action }],
      };
      return [{ key: `reserved:${c.team ?? ''}:${c.usageType}`, subject, saving, reply }];
    });
    return { findings, problems: scan.problems };
  } catch (error) {
    return { findings: [], problems: [describeFault(error, 'Could not check Reserved-tier use')] };
  }
}

/** The daily message of an under-used throughput: its verdict over 7 days and the saving a month. */
function buildUnderUsedAlert(u: UnderUsed, now: Date, kind: 'aws' | 'demo'): Reply {
  const base = buildIdleAlert(u.finding, u.scan, now, kind);
  return {
    ...base,
    headline: `Provisioned throughput ${u.finding.throughput.name} was called in only ${u.finding.activeHours} of its ${u.finding.billedHours} hours over 7 days: resizing saves about ${formatUsd(u.saving.monthlyUsd, { decimals: 0 })} a month.`,
    blocks: [...base.blocks, { kind: 'text', text: u.saving.action }],
  };
}

/** Claim, send and record one idle post (one throughput, one channel, one day). */
async function postOne(
  deps: Deps,
  options: JobOptions,
  post: {
    arn: string;
    slot: string;
    target: ChatTarget | undefined;
    text: string;
    subject: string;
    reply: Reply;
    now: Date;
    team?: string;
    /** Why the FinOps channel could not be used (the bot is not in its conversation). */
    unresolved?: string;
  },
): Promise<JobMessage> {
  const base = { target: post.text, subject: post.subject, reply: post.reply };
  if (options.dryRun) return { ...base, status: 'dry-run' };
  if (!post.target)
    return { ...base, status: 'failed', reason: post.unresolved ?? 'BEDROCK_COST_FINOPS_CHANNEL is not set' };
  let claim: Awaited<ReturnType<typeof claimIdlePost>>;
  try {
    claim = await claimIdlePost(deps.store, post.arn, post.slot, post.now, post.team);
  } catch (error) {
    return { ...base, status: 'failed', reason: describeFault(error, 'claim failed') };
  }
  if (claim !== 'claimed') {
    return {
      ...base,
      status: 'already-sent',
      ...(claim === 'in-flight' ? { reason: 'another run is sending it' } : {}),
    };
  }
  let receipt: { ts?: string };
  let uncertain: string | undefined;
  try {
    receipt = await deps.delivery.send(post.target, post.reply);
  } catch (error) {
    const reason = (error as Error)?.message ?? 'delivery failed';
    if (!mayHaveArrived(error)) {
      await releaseIdlePost(deps.store, post.arn, post.slot).catch((releaseError: unknown) =>
        deps.log.warn('idle-scan: could not release claim', { subject: post.subject, error: releaseError }),
      );
      deps.metrics?.count('DeliveryFailed', 'idle-scan');
      return { ...base, status: 'failed', reason };
    }
    // It may be in the channel (timeout, 5xx): kept as sent for today, not posted again.
    receipt = {};
    uncertain = reason;
    deps.metrics?.count('DeliveryUncertain', 'idle-scan');
    deps.log.error('idle-scan: delivery uncertain; not posted again', { subject: post.subject, reason });
  }
  try {
    await markIdlePostSent(deps.store, post.arn, post.slot, deps.clock.now(), receipt.ts);
  } catch (error) {
    // Sent but not recorded: the claim still blocks a repost today; log for the operator.
    deps.metrics?.count('PostedNotRecorded', 'idle-scan');
    deps.log.warn('idle-scan: sent but could not mark as sent', { subject: post.subject, error });
  }
  return uncertain
    ? { ...base, status: 'failed', reason: `${uncertain}; it may have arrived, so it is not posted again` }
    : { ...base, status: 'sent' };
}

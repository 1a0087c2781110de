/**
 * The weekly digest job (`functions/weekly-digest.ts`, hourly; `bedrock-cost digest`).
 *
 * Each run:
 * 1. lists the team profiles and finds the teams whose digest slot (default Monday 09:00 in
 *    the team's time zone) is open now and not yet sent this ISO week, plus the FinOps
 *    overview (Monday 09:00 UTC, to `BEDROCK_COST_FINOPS_CHANNEL`);
 * 2. if any is pending, reads the bill for all teams at once (3 Cost Explorer requests, see
 *    `data.ts`), scans idle provisioned throughput (its bill lookup served from the same data)
 *    and loads the pricing catalog;
 * 3. per pending digest: builds it, draws the chart, claims the week (conditional write),
 *    sends, and marks it sent only once the platform accepted it. A failed channel gives its
 *    claim back (retried next hour, within the catch-up window) and does not stop the others.
 *    A posted message whose chart upload failed is sent (a partial success, logged and
 *    counted); one the platform may have taken (timeout, 5xx) is not posted again.
 *
 * Sends go a few at a time (Slack allows about one message per second per channel; the
 * delivery waits out 429s), and the run stops starting new digests before Lambda's timeout:
 * what is left is picked up by the next hourly run.
 *
 * `--dry-run` sends nothing and claims nothing. It previews every team's digest *as of now*,
 * whatever its slot (the reason says when it would go), so `bedrock-cost digest --dry-run`
 * is a way to read this week's digests at any time.
 */
import { randomUUID } from 'node:crypto';
import { forecastScopes } from '../analysis/forecast.js';
import type { TeamProfile } from '../budgets/store.js';
import { teamMonthAt } from '../budgets/team-month.js';
import { addDays, type DateRange, isKnownTimeZone, toIsoDate } from '../clock.js';
import type { Deps } from '../context.js';
import type { IdleFinding, IdleScan } from '../idle/scan.js';
import type { JobMessage, JobOptions, JobReport } from '../jobs/types.js';
import { syncBeforeJob } from '../ledger/job.js';
import { type Dec, ZERO } from '../money.js';
import { mapPool } from '../pool.js';
import type { Catalog } from '../pricing/catalog.js';
import type { ChatTarget, DeliveryReceipt } from '../reply/delivery.js';
import { describeTarget, mayHaveArrived } from '../reply/delivery.js';
import { describeFinopsChannel, parseFinopsChannel, resolveFinopsChannel } from '../reply/finops-channel.js';
import type { Reply, ReplyBlock } from '../reply/reply.js';
import { costBasisLabel, type SpendContext, type SpendLine, spendContextOf } from '../spend/query.js';
import { buildTeamDigest, digestReply, type OverviewRow, overviewTable, type TeamDigest } from './build.js';
import { claimDigest, markDigestSent, releaseDigest } from './claim.js';
import { type DigestBill, fetchDigestBill } from './data.js';
import { type DigestSlot, type DigestWeek, describeSlot, digestWeek } from './schedule.js';

/** The overview's key in `DIGEST#<team>` (not a valid team ID, so it cannot collide). */
export const OVERVIEW_KEY = '*';

/** The overview's slot: Monday 09:00 UTC. */
export const OVERVIEW_SLOT: DigestSlot = { weekday: 1, hour: 9 };

/** Default slot when a profile has none. */
export const DEFAULT_SLOT: DigestSlot = { weekday: 1, hour: 9 };

/** Default wall-time budget of one run (see `DigestRunOptions.timeBudgetMs`). */
export const DEFAULT_TIME_BUDGET_MS = 200_000;

/** Hours of CloudWatch history the digest's idle check looks at. */
export const IDLE_HOURS = 72;

const HOW_TO_CONFIGURE =
  'No team has a budget yet. Set one with a channel to start weekly digests, for example: budget set search 5000 channel #search-alerts (or: budget set search 5000 webhook https://... for Teams).';

export interface DigestRunOptions extends JobOptions {
  /** Digests built and sent at the same time (default 3: Slack's per-channel rate is ~1/s). */
  concurrency?: number;
  /**
   * Stop starting new digests after this many ms of wall time (default 200 s: the function's
   * timeout is 300 s, and a digest in flight may wait out Slack rate limits). What is left
   * goes out with the next hourly run, inside the slot's catch-up window.
   */
  timeBudgetMs?: number;
  /** Draw chart PNGs (default true). Without, messages carry only the sparkline. */
  charts?: boolean;
  /** Identifies this run's claims (default: a random UUID). */
  runId?: string;
}

interface Pending {
  key: string;
  who: string;
  target?: ChatTarget;
  profile?: TeamProfile;
  timeZone: string;
  slot: DigestSlot;
  week: DigestWeek;
  /** Dry run: why it would or would not go now. */
  note?: string;
}

/** Chart timing and size, for the report and the benchmark. */
export interface ChartStats {
  rendered: number;
  totalMs: number;
  maxBytes: number;
  failures: number;
}

export interface DigestReport extends JobReport {
  /** Billed Cost Explorer requests this run made. */
  costExplorerRequests: number;
  charts: ChartStats;
  /** Teams skipped because they have no channel or webhook. */
  skipped: string[];
}

/**
 * The chart for a Teams card, where it travels inline as base64 (4/3 of its bytes) inside
 * Teams' 28 KB message limit next to the text: 1x pixels, ~550 x 270, the legend wrapped in
 * rows, best zlib compression. About 13 KB of PNG for six models over four weeks (the 2x
 * Slack upload is ~80 KB).
 */
const TEAMS_CHART = { width: 480, height: 160, scale: 1, legendColumns: 3, smallest: true } as const;

/** "who · daily ... by model, Oct 19 - Nov 15" in two lines, so a narrow chart stays narrow. */
function splitTitle(title: string): string[] {
  const cut = title.lastIndexOf(', ');
  return cut > 0 ? [title.slice(0, cut), title.slice(cut + 2)] : [title];
}

function slotOf(profile: TeamProfile): DigestSlot {
  const d = profile.digest;
  return d && Number.isInteger(d.weekday) && Number.isInteger(d.hour) ? d : DEFAULT_SLOT;
}

/**
 * Idle throughput findings that belong to a team: the ones carrying its team tag, and
 * untagged ones billed to it (its provisioned usage types match the finding's rate).
 */
function idleForTeam(
  findings: IdleFinding[],
  team: string,
  lines: SpendLine[],
  since: string,
): IdleFinding[] {
  const types = new Set(
    lines
      .filter((l) => l.day >= since && l.info?.kind === 'provisioned-throughput' && l.usageType)
      .map((l) => l.usageType as string),
  );
  return findings.filter((f) =>
    f.team ? f.team === team : f.hourly?.source === 'bill' && types.has(f.hourly.basis),
  );
}

/** One run's settings, and what it reports as it goes. */
interface DigestRun {
  deps: Deps;
  options: DigestRunOptions;
  now: Date;
  dryRun: boolean;
  runId: string;
  /** `performance.now()` at the start (the time budget counts from here). */
  started: number;
  messages: JobMessage[];
  /** Teams without a channel or webhook. */
  skipped: string[];
  charts: ChartStats;
}

/** The teams whose digest is due now (in a dry run, every team with a channel). */
function planTeamDigests(run: DigestRun, profiles: TeamProfile[]): Pending[] {
  const pending: Pending[] = [];
  for (const profile of profiles) {
    const slot = slotOf(profile);
    // A profile's zone is validated when set; one that this runtime's ICU does not know
    // falls back to UTC rather than stopping every team's digest.
    const timeZone = isKnownTimeZone(profile.timeZone) ? profile.timeZone : 'UTC';
    const week = digestWeek(run.now, timeZone, slot);
    if (!profile.target) {
      run.skipped.push(profile.team);
      continue;
    }
    if (!week.due && !run.dryRun) continue;
    pending.push({
      key: profile.team,
      who: profile.team,
      target: profile.target,
      profile,
      timeZone,
      slot,
      week,
      note: week.due ? 'due now' : `preview; sent ${describeSlot(slot)} ${timeZone}`,
    });
  }
  return pending;
}

/** The FinOps overview, when it is due (or previewed), with where it goes. */
async function planOverview(run: DigestRun, profiles: TeamProfile[]): Promise<Pending | undefined> {
  const { deps, dryRun } = run;
  const finopsChannel = parseFinopsChannel(deps.config.BEDROCK_COST_FINOPS_CHANNEL);
  const overviewWeek = digestWeek(run.now, 'UTC', OVERVIEW_SLOT);
  // The overview is previewed in every dry run: with no team configured yet, it shows what
  // the bill holds per team tag, which is where setting budgets starts.
  const overviewWanted = dryRun || (profiles.length > 0 && finopsChannel !== undefined && overviewWeek.due);
  // A Teams bot conversation is looked up only when the overview is wanted; without the bot
  // there, the overview is reported failed (and tried again next hour) with the reason.
  let finops: ChatTarget | undefined;
  let finopsProblem: string | undefined;
  if (overviewWanted && finopsChannel) {
    const resolved = await resolveFinopsChannel(finopsChannel, deps.store);
    if ('target' in resolved) finops = resolved.target;
    else finopsProblem = resolved.problem;
    if (finopsProblem && !dryRun) {
      run.messages.push({
        target: describeFinopsChannel(finopsChannel),
        subject: 'overview',
        reply: { headline: 'All teams: the overview was not sent', blocks: [] },
        status: 'failed',
        reason: finopsProblem,
      });
    }
  }
  if (!overviewWanted || !(finops || dryRun)) return undefined;
  return {
    key: OVERVIEW_KEY,
    who: 'All teams',
    ...(finops ? { target: finops } : {}),
    timeZone: 'UTC',
    slot: OVERVIEW_SLOT,
    week: overviewWeek,
    note: !finops
      ? `preview; ${finopsProblem ?? 'set BEDROCK_COST_FINOPS_CHANNEL to send it'}`
      : overviewWeek.due
        ? 'due now'
        : `preview; sent ${describeSlot(OVERVIEW_SLOT)} UTC`,
  };
}

/** Reruns within the hour: drop what was already sent before touching Cost Explorer. */
async function dropAlreadySent(run: DigestRun, pending: Pending[]): Promise<Pending[]> {
  if (run.dryRun || !pending.length) return pending;
  const { getDigestRecord } = await import('./claim.js');
  const records = await Promise.all(
    pending.map((p) => getDigestRecord(run.deps.store, p.key, p.week.weekId)),
  );
  pending.forEach((p, i) => {
    if (records[i]?.state !== 'sent') return;
    run.messages.push({
      target: p.target ? describeTarget(p.target) : 'none',
      subject: p.key === OVERVIEW_KEY ? 'overview' : p.key,
      reply: {
        headline: `${p.who}: this week's digest was sent at ${String(records[i]?.sentAt)}`,
        blocks: [],
      },
      status: 'already-sent',
      reason: 'sent earlier this week',
    });
  });
  return pending.filter((_, i) => records[i]?.state !== 'sent');
}

/** The report: counts by outcome, skipped teams, requests and chart time in one line. */
function finishDigest(run: DigestRun, costExplorerRequests: number, extra = ''): DigestReport {
  const { messages, skipped, charts, dryRun } = run;
  const count = (s: JobMessage['status']) => messages.filter((m) => m.status === s).length;
  const parts = dryRun
    ? [`${count('dry-run')} previewed`]
    : [`${count('sent')} sent`, `${count('already-sent')} already sent`, `${count('failed')} failed`];
  if (skipped.length)
    parts.push(
      `${skipped.length} skipped without a channel (${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''})`,
    );
  parts.push(`${costExplorerRequests} Cost Explorer requests`);
  if (charts.rendered) parts.push(`${charts.rendered} charts in ${Math.round(charts.totalMs)} ms`);
  const summary = `digest${dryRun ? ' (dry run)' : ''}: ${parts.join(', ')}${extra}`;
  return { job: 'digest', messages, summary, costExplorerRequests, charts, skipped };
}

/** Everything the digests are built from, read once for every team. */
interface DigestData {
  profiles: TeamProfile[];
  bill: DigestBill;
  /** Month-end forecast per team, and for all spend under `OVERVIEW_KEY`. */
  forecastOf: Map<string, Dec>;
  findings: IdleFinding[];
  catalog: Catalog | undefined;
  costBasis: string;
  sourceKind: 'aws' | 'demo';
}

/** The bill from the earliest day any digest needs (at least 28 days: the forecast's history). */
async function fetchBill(deps: Deps, ctx: SpendContext, now: Date, todo: Pending[]): Promise<DigestBill> {
  const todayUtc = toIsoDate(now);
  let start = addDays(todayUtc, -28);
  for (const p of todo) {
    const month = teamMonthAt(now, p.timeZone);
    for (const d of [p.week.chart.start, month.start]) if (d < start) start = d;
  }
  const range: DateRange = { start, end: addDays(todayUtc, 1) };
  // Bring the ledger up to date when due, then read every team's cells from it at once.
  const sync = await syncBeforeJob(deps, { backfill: false });
  const bill = await fetchDigestBill(ctx, range);
  bill.requests += sync.record?.requests ?? 0;
  return bill;
}

/**
 * The one forecast for every team in the bill and for all spend (the overview), the figure
 * `forecast` and `budget` show for the same team at the same moment.
 */
async function forecastsOf(
  ctx: SpendContext,
  now: Date,
  bill: DigestBill,
  profiles: TeamProfile[],
  todo: Pending[],
): Promise<Map<string, Dec>> {
  const zones = new Map(profiles.map((p) => [p.team, p.timeZone]));
  const zoneOf = (team: string) => {
    const zone = zones.get(team);
    return zone && isKnownTimeZone(zone) ? zone : 'UTC';
  };
  const forecastTeams = [...new Set([...bill.teams.keys(), ...todo.map((p) => p.key)])].filter(
    (t) => t !== OVERVIEW_KEY,
  );
  const scopeOf = (team?: string) => {
    const month = teamMonthAt(now, team === undefined ? 'UTC' : zoneOf(team));
    return {
      ...(team !== undefined ? { team } : {}),
      month: { start: month.start, end: month.end },
      today: month.today,
    };
  };
  const forecasts = await forecastScopes(ctx, toIsoDate(now), [...forecastTeams.map(scopeOf), scopeOf()], {
    lines: [...bill.teams.values()].flat(),
    requests: 0,
    dataAsOf: bill.dataAsOf,
  });
  const forecastOf = new Map<string, Dec>(forecastTeams.map((t, i) => [t, forecasts[i]!.monthEndUsd]));
  forecastOf.set(OVERVIEW_KEY, forecasts.at(-1)!.monthEndUsd);
  return forecastOf;
}

/** The data, once for everyone: the bill, the forecasts, idle throughput and the catalog. */
async function loadDigestData(run: DigestRun, profiles: TeamProfile[], todo: Pending[]): Promise<DigestData> {
  const { deps, now } = run;
  const ctx = await spendContextOf(deps);
  const bill = await fetchBill(deps, ctx, now, todo);
  const forecastOf = await forecastsOf(ctx, now, bill, profiles, todo);
  const sources = await deps.sources();
  const [idleScan, catalog] = await Promise.all([
    import('../idle/scan.js')
      .then(({ scanIdleForDeps }) => scanIdleForDeps(deps, IDLE_HOURS, sources))
      .catch((error: unknown): IdleScan | undefined => {
        deps.log.warn('digest: idle scan failed', { error: String(error) });
        return undefined;
      }),
    deps.catalog().catch((): Catalog | undefined => undefined),
  ]);
  return {
    profiles,
    bill,
    forecastOf,
    findings: idleScan?.findings ?? [],
    catalog,
    costBasis: costBasisLabel(ctx.metric),
    sourceKind: sources.kind,
  };
}

/** The overview's table: every team in the bill, its week, month to date and forecast. */
function overviewRows(now: Date, data: DigestData, week: DigestWeek): OverviewRow[] {
  const rows: OverviewRow[] = [];
  const byTeam = new Map(data.profiles.map((p) => [p.team, p]));
  for (const [team, lines] of data.bill.teams) {
    const profile = byTeam.get(team);
    const zone = profile && isKnownTimeZone(profile.timeZone) ? profile.timeZone : 'UTC';
    const d = buildTeamDigest({
      team,
      lines,
      week,
      month: teamMonthAt(now, zone),
      now,
      forecastUsd: data.forecastOf.get(team) ?? ZERO,
      ...(profile ? { budgetUsd: profile.budgetUsd } : {}),
      idle: [],
      catalog: undefined,
    });
    rows.push({
      team,
      lastWeekUsd: d.lastWeekUsd,
      weekBeforeUsd: d.weekBeforeUsd,
      monthToDateUsd: d.monthToDateUsd,
      forecastUsd: d.forecastUsd,
      ...(profile ? { budgetUsd: profile.budgetUsd } : {}),
    });
  }
  return rows;
}

interface BuiltDigest {
  digest: TeamDigest;
  extra?: ReplyBlock[];
}

/** One digest's figures: a team's, or the overview of all spend with its team table. */
function buildDigest(now: Date, data: DigestData, p: Pending): BuiltDigest {
  const { bill } = data;
  if (p.key === OVERVIEW_KEY) {
    const digest = buildTeamDigest({
      team: OVERVIEW_KEY,
      lines: [...bill.teams.values()].flat(),
      week: p.week,
      month: teamMonthAt(now, 'UTC'),
      now,
      forecastUsd: data.forecastOf.get(OVERVIEW_KEY) ?? ZERO,
      idle: data.findings,
      catalog: data.catalog,
      overview: true,
    });
    return { digest, extra: [overviewTable(overviewRows(now, data, p.week))] };
  }
  const lines = bill.teams.get(p.key) ?? [];
  // Each team's lines are needed once: free them as the run goes (1,000 teams' lines are
  // most of the run's memory).
  bill.teams.delete(p.key);
  const digest = buildTeamDigest({
    team: p.key,
    lines,
    week: p.week,
    month: teamMonthAt(now, p.timeZone),
    now,
    forecastUsd: data.forecastOf.get(p.key) ?? ZERO,
    ...(p.profile ? { budgetUsd: p.profile.budgetUsd } : {}),
    idle: idleForTeam(data.findings, p.key, lines, p.week.weekBefore.start),
    catalog: data.catalog,
  });
  return { digest };
}

/** The digest's chart as a PNG (none when charts are off or it fails: the sparkline stays). */
async function renderChart(
  run: DigestRun,
  digest: TeamDigest,
  forTeams: boolean,
): Promise<Uint8Array | undefined> {
  const { charts } = run;
  if (!(run.options.charts ?? true) || !digest.chart.points.length) return undefined;
  try {
    const { renderDailyChart } = await import('../chart/render.js');
    const chart = await renderDailyChart({
      title: forTeams ? splitTitle(digest.chart.title) : digest.chart.title,
      points: digest.chart.points,
      seriesOrder: digest.chart.series,
      ...(forTeams ? TEAMS_CHART : {}),
    });
    charts.rendered++;
    charts.totalMs += chart.ms;
    charts.maxBytes = Math.max(charts.maxBytes, chart.png.byteLength);
    return chart.png;
  } catch (error) {
    // A chart is worth a lot, but not the digest: send with the sparkline instead.
    charts.failures++;
    run.deps.log.warn('digest: chart failed', { error: String(error) });
    return undefined;
  }
}

/** A reply as the report keeps it (without the PNG's bytes). */
function withoutPng(reply: Reply): Reply {
  return {
    ...reply,
    blocks: reply.blocks.map((b) => (b.kind === 'image' && b.png ? { ...b, png: undefined } : b)),
  };
}

/** Where a message went and what it is about, as the report says. */
interface Addressed {
  target: string;
  subject: string;
}

/** Mark a delivered digest sent; returns the notes for the report (chart missing, uncertain, not recorded). */
async function recordDigestSent(
  run: DigestRun,
  p: Pending,
  { target }: Addressed,
  receipt: DeliveryReceipt,
  uncertain: string | undefined,
): Promise<string[]> {
  const { deps } = run;
  if (receipt.attachmentError) {
    // The message is out without its chart: a partial success, recorded as sent below.
    run.charts.failures++;
    deps.metrics?.count('AttachmentFailed', 'digest');
    deps.log.warn('digest: sent without its chart', { team: p.key, target, reason: receipt.attachmentError });
  }
  const notes = [
    ...(uncertain ? [`${uncertain}; it may have arrived, so it is not posted again`] : []),
    ...(receipt.attachmentError ? [`sent without its chart (${receipt.attachmentError})`] : []),
  ];
  try {
    await markDigestSent(deps.store, p.key, p.week.weekId, run.runId, run.now, {
      target,
      ...(receipt.ts ? { ts: receipt.ts } : {}),
      ...(notes.length ? { note: notes.join('; ') } : {}),
    });
  } catch (error) {
    // Delivered, but not recorded: the lease still covers it for a while. Say so loudly.
    deps.metrics?.count('PostedNotRecorded', 'digest');
    deps.log.error('digest: sent but not recorded', { team: p.key, error: String(error) });
    notes.push(`sent, but recording it failed (${String(error)})`);
  }
  return notes;
}

/** Post a claimed digest; a failure that surely did not arrive gives the claim back. */
async function postDigest(run: DigestRun, p: Pending, chat: ChatTarget, reply: Reply, where: Addressed) {
  const { deps } = run;
  const { target, subject } = where;
  let receipt: DeliveryReceipt;
  let uncertain: string | undefined;
  try {
    receipt = await deps.delivery.send(chat, reply);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!mayHaveArrived(error)) {
      await releaseDigest(deps.store, p.key, p.week.weekId, run.runId, run.now, reason).catch(
        () => undefined,
      );
      deps.metrics?.count('DeliveryFailed', 'digest');
      deps.log.warn('digest: delivery failed', { team: p.key, target, reason });
      const failed = `${reason}; retried next hour`;
      run.messages.push({ target, subject, reply: withoutPng(reply), status: 'failed', reason: failed });
      return;
    }
    // No answer in time, or a 5xx after the request went out: the digest may be in the
    // channel. Recorded as sent (unconfirmed) rather than posted again next hour.
    receipt = {};
    uncertain = reason;
    deps.metrics?.count('DeliveryUncertain', 'digest');
    deps.log.error('digest: delivery uncertain; not posted again', { team: p.key, target, reason });
  }
  const notes = await recordDigestSent(run, p, where, receipt, uncertain);
  run.messages.push({
    target,
    subject,
    reply: withoutPng(reply),
    status: uncertain ? 'failed' : 'sent',
    ...(notes.length ? { reason: notes.join('; ') } : {}),
  });
}

/** One digest: out of time, built and previewed (dry run), already claimed, or claimed and posted. */
async function deliverDigest(
  run: DigestRun,
  data: DigestData,
  p: Pending,
  prebuilt: BuiltDigest | undefined,
) {
  const where: Addressed = {
    target: p.target ? describeTarget(p.target) : 'none',
    subject: p.key === OVERVIEW_KEY ? 'overview' : p.key,
  };
  if (performance.now() - run.started > (run.options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS)) {
    run.messages.push({
      ...where,
      reply: { headline: `${p.who}: left for the next run`, blocks: [] },
      status: 'failed',
      reason: 'out of time in this run; the next hourly run sends it',
    });
    return;
  }
  const { digest, extra } = prebuilt ?? buildDigest(run.now, data, p);
  // Slack gets the PNG uploaded into the channel. A Teams webhook cannot carry a file, so
  // its card inlines a smaller PNG as a data URI (the renderer falls back to the sparkline
  // if the card would pass 28 KB).
  const png = await renderChart(run, digest, p.target?.kind === 'teams' || p.target?.kind === 'teams-bot');
  const reply = digestReply(digest, {
    who: p.who,
    costBasis: data.costBasis,
    dataAsOf: data.bill.dataAsOf,
    kind: data.sourceKind,
    withTeam: p.key === OVERVIEW_KEY,
    ...(png ? { png } : {}),
    ...(extra ? { extra } : {}),
  });
  if (run.dryRun || !p.target) {
    const chartNote = png ? `; chart ${Math.round(png.byteLength / 1024)} KB PNG` : '';
    run.messages.push({
      ...where,
      reply: withoutPng(reply),
      status: 'dry-run',
      reason: `${p.note ?? ''}${chartNote}`,
    });
    return;
  }
  const claim = await claimDigest(run.deps.store, p.key, p.week.weekId, run.runId, run.now);
  if (claim.outcome !== 'claimed') {
    run.messages.push({
      ...where,
      reply: withoutPng(reply),
      status: 'already-sent',
      reason: claim.outcome === 'in-flight' ? 'another run is sending it' : 'sent earlier this week',
    });
    return;
  }
  await postDigest(run, p, p.target, reply, where);
}

/**
 * Run the weekly digest once. Never throws for a channel's failure (it is in the report);
 * throws only when the team list or the bill cannot be read at all.
 *
 * @example
 * const report = await runWeeklyDigest(deps, { dryRun: true });
 * console.log(report.summary); // "digest (dry run): 4 digests previewed ..."
 */
export async function runWeeklyDigest(deps: Deps, options: DigestRunOptions): Promise<DigestReport> {
  const run: DigestRun = {
    deps,
    options,
    now: deps.clock.now(),
    dryRun: options.dryRun,
    runId: options.runId ?? randomUUID(),
    started: performance.now(),
    messages: [],
    skipped: [],
    charts: { rendered: 0, totalMs: 0, maxBytes: 0, failures: 0 },
  };
  const { listTeams } = await import('../budgets/store.js');
  const profiles = await listTeams(deps.store);
  const pending = planTeamDigests(run, profiles);
  const overview = await planOverview(run, profiles);
  if (overview) pending.push(overview);
  const todo = await dropAlreadySent(run, pending);
  if (!profiles.length && !run.dryRun) {
    return { ...finishDigest(run, 0), summary: `digest: nothing to send. ${HOW_TO_CONFIGURE}` };
  }
  if (!todo.length) return finishDigest(run, 0, pending.length ? '' : '; no digest due this hour');

  const data = await loadDigestData(run, profiles, todo);
  // The overview needs every team's lines: build it first, then keep only the lines of the
  // teams still to send.
  const overviewPending = todo.find((p) => p.key === OVERVIEW_KEY);
  const overviewBuilt = overviewPending ? buildDigest(run.now, data, overviewPending) : undefined;
  const wanted = new Set(todo.map((p) => p.key));
  for (const key of [...data.bill.teams.keys()]) if (!wanted.has(key)) data.bill.teams.delete(key);

  await mapPool(todo, options.concurrency ?? 3, (p) =>
    deliverDigest(run, data, p, p.key === OVERVIEW_KEY ? overviewBuilt : undefined),
  );
  const report = finishDigest(run, data.bill.requests);
  if (run.dryRun && run.skipped.length) {
    report.summary += `. Give ${run.skipped.length === 1 ? 'it' : 'each'} a channel to send: budget set ${run.skipped[0]} <amount> channel #channel`;
  }
  if (!profiles.length) report.summary += `. ${HOW_TO_CONFIGURE}`;
  return report;
}

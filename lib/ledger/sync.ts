/**
 * Keep the ledger current from the bill source, incrementally.
 *
 * The query plan (Cost Explorer groups by at most two dimensions, and Marketplace usage types
 * do not name the model, so service x usage type x team needs one query per service):
 *
 * - per Bedrock-related service: GetCostAndUsage DAILY, SERVICE = s, RECORD_TYPE = Usage,
 *   grouped by USAGE_TYPE and the team tag (every page a billed request);
 * - one more over all of them grouped by SERVICE and LINKED_ACCOUNT (which account a cell is in);
 * - GetDimensionValues SERVICE with each read of the open window (service discovery: a new
 *   model's Marketplace service appears there first), at least daily.
 *
 * What is read when:
 * - final days are never read again;
 * - the open window (from the first day Cost Explorer still marks estimated, through today)
 *   is re-read when due: as often as the daily request budget allows given the last sync's
 *   cost (`BEDROCK_COST_SYNC_DAILY_REQUESTS`, default 8: with 6 services, once a day), never
 *   more often than every 4 hours. Today's hours the bill lacks come from the nowcast;
 * - the first run reads last month and this one; each later run backfills 3 more months until the
 *   ledger holds 13 months (bounded steps);
 * - a chat question about days before the first synced day reads just those (chat allowance).
 *
 * A day is written only when its facts changed. The meta item is written after the days,
 * so a sync that dies half-way is simply done again; a lease keeps two syncs from running at once.
 */
import { addDays, type Clock, earlierDay, laterDay, startOfMonth, toIsoDate } from '../clock.js';
import { isUserError, toUserFacing, UnavailableError } from '../errors.js';
import type { Log } from '../log.js';
import type { CostMetric, CostRow, CostSource } from '../ports.js';
import { isBedrockService, OPENSEARCH_SERVICE } from '../spend/usage-type.js';
import { isConditionalCheckFailed, type Store, ttlAfter } from '../store/store.js';
import { type AttributionConfig, attributeTeam } from './attribution.js';
import { formatBytes } from './bytes.js';
import { type BillFact, mergeFacts, regionOfUsageType } from './facts.js';
import {
  hashFacts,
  type LedgerMeta,
  readDayHeaders,
  readMeta,
  type SyncRecord,
  writeDay,
  writeMeta,
} from './store.js';

/** How many months the ledger keeps (Cost Explorer's own reach). */
export const HORIZON_MONTHS = 13;
/** Months read per step of the backfill. */
export const BACKFILL_STEP_MONTHS = 3;
/** The open window is never re-read more often than this. */
export const MIN_SYNC_HOURS = 4;
/** Service discovery at most this often. */
const SERVICES_TTL_MS = 24 * 3_600_000;
const LEASE_SECONDS = 300;

export interface LedgerContext {
  store: Store;
  clock: Clock;
  log: Log;
  teamTagKey: string;
  metric: CostMetric;
  /** `cost-explorer` or `cur`: facts of one source are never mixed with another's. */
  source: string;
  /** Requests the scheduled syncs may make in a day (the interval follows from it). */
  dailyRequests: number;
  /** Team attribution beyond the resource tag (`lib/ledger/attribution.ts`); default none. */
  attribution?: AttributionConfig;
  /** Facts a sync holds at once (`PIECE_FACTS` unless set: tests use a small one). */
  pieceFacts?: number;
}

/** One range of the bill read into facts per day. */
export interface RangeRead {
  byDay: Map<string, BillFact[]>;
  /** Billed requests (Cost Explorer pages) or queries (Athena). */
  requests: number;
  firstEstimated?: string;
  /** Athena: bytes the read scanned. */
  bytesScanned?: number;
  /** Services found in the range (a source that needs no separate service listing). */
  services?: string[];
  /** Linked account ID -> name, where the source names accounts. */
  accountNames?: Record<string, string>;
  /** The attribution rules applied, as said to people. */
  rules?: string;
}

/**
 * A bill source that reads facts itself (CUR 2.0 through Athena) instead of answering the
 * Cost Explorer query plan below: `readRange` hands the range to it. It finds the services
 * with the facts (no separate listing) and tells its export's refresh status, so an open
 * window the export has not refreshed since the last read is not read again.
 */
export interface FactReader {
  readFacts(
    range: { start: string; end: string },
    ctx: Pick<LedgerContext, 'metric' | 'teamTagKey' | 'attribution'>,
  ): Promise<RangeRead>;
  /** The latest usage hour the export holds (ISO), and what the check cost. */
  refreshStatus(today: string): Promise<{ through?: string; bytesScanned: number; requests: number }>;
  /** How the source is named in messages (`Athena`). */
  readonly label: string;
}

export function factReaderOf(bill: CostSource): FactReader | undefined {
  const r = bill as CostSource & Partial<FactReader>;
  return typeof r.readFacts === 'function' && typeof r.refreshStatus === 'function'
    ? (r as FactReader)
    : undefined;
}

export interface SyncResult {
  ran: boolean;
  reason: string;
  record?: SyncRecord;
  meta?: LedgerMeta;
}

/** One line saying what a sync did (`bedrock-cost sync`, the `ledger-sync` function's log). */
export function describeSync(label: string, result: SyncResult): string {
  const r = result.record;
  if (!r) return `${label}: ${result.reason}.`;
  const ranges = r.ranges.map((x) => `${x.start}..${x.end}`).join(', ') || 'nothing due';
  // Each source counts what it is billed for: Cost Explorer requests, or Athena queries and bytes.
  const cost =
    result.meta?.source === 'cur'
      ? `${r.requests} Athena ${r.requests === 1 ? 'query' : 'queries'} (${formatBytes(r.bytesScanned ?? 0)} scanned)`
      : `${r.requests} Cost Explorer ${r.requests === 1 ? 'request' : 'requests'}`;
  return `${label}: ${ranges} read with ${cost}; ${r.daysWritten} days written, ${r.daysUnchanged} unchanged${r.skipped ? ` (${r.skipped})` : ''}${r.error ? `; FAILED: ${r.error}` : ''}.`;
}

/** First day of the ledger's horizon: the first of the month 12 months before today's. */
export function horizonStart(today: string): string {
  let d = startOfMonth(today);
  for (let i = 1; i < HORIZON_MONTHS; i++) d = startOfMonth(addDays(d, -1));
  return d;
}

function monthsBack(day: string, months: number): string {
  let d = startOfMonth(day);
  for (let i = 0; i < months; i++) d = startOfMonth(addDays(d, -1));
  return d;
}

/** Hours between reads of the open window, from the request budget and the last sync's cost. */
export function syncIntervalHours(meta: LedgerMeta | undefined, dailyRequests: number): number {
  // Sized on the last read of the open window (a backfill step costs less and lists no services).
  const last = meta?.history.find((h) => !h.error && h.trigger !== 'chat' && h.openRead);
  const perSync = Math.max(1, last?.requests ?? (meta ? meta.services.length + 1 : 1));
  // One request a day goes to service discovery.
  const syncsPerDay = Math.max(1, Math.floor(Math.max(1, dailyRequests - 1) / perSync));
  return Math.max(MIN_SYNC_HOURS, Math.ceil(24 / syncsPerDay));
}

/** When the open window will next be read. */
export function nextSyncAt(meta: LedgerMeta | undefined, dailyRequests: number): Date | undefined {
  if (!meta) return undefined;
  return new Date(new Date(meta.syncedAt).getTime() + syncIntervalHours(meta, dailyRequests) * 3_600_000);
}

export interface SyncOptions {
  trigger: SyncRecord['trigger'];
  /** Read the open window even if it is not due (the CLI's `sync`). */
  force?: boolean;
  /** Take a backfill step when one is due (default true; the digest only needs the open window). */
  backfill?: boolean;
  /** A question's range that must be in the ledger (chat): read the days before `from` it needs. */
  want?: { start: string; end: string };
}

/** A range of days the sync reads; `open`: the window the bill may still change. */
interface PlannedRange {
  start: string;
  end: string;
  open: boolean;
}

/** Bring the ledger up to date (or just the days a question needs). Never throws for the schedule. */
export async function syncLedger(
  ctx: LedgerContext,
  bill: CostSource,
  options: SyncOptions,
): Promise<SyncResult> {
  const now = ctx.clock.now();
  let meta = await readMeta(ctx.store);
  if (meta && (meta.metric !== ctx.metric || meta.source !== ctx.source)) meta = undefined;
  const ranges = planRanges(ctx, meta, options, now);
  if (!ranges.length) return { ran: false, reason: 'up to date', meta };
  const reader = factReaderOf(bill);

  if (!(await takeLease(ctx, now)))
    return { ran: false, reason: 'another sync is running', ...(meta ? { meta } : {}) };
  const record: SyncRecord = {
    at: now.toISOString(),
    trigger: options.trigger,
    ranges: [],
    requests: 0,
    daysWritten: 0,
    daysUnchanged: 0,
  };
  try {
    let next = await prepareMeta(ctx, bill, reader, meta, ranges, record, options);
    for (const range of ranges) next = await syncRange(ctx, bill, reader, next, range, record);
    next = { ...next, history: [record, ...next.history].slice(0, 20) };
    await writeMeta(ctx.store, next);
    ctx.log.info('ledger synced', { ...record });
    return { ran: true, reason: 'synced', record, meta: next };
  } catch (error) {
    return await failedSync(ctx, reader, meta, record, options, error);
  } finally {
    await releaseLease(ctx);
  }
}

/** What is due: the first read, a question's missing days, a backfill step, the open window. */
function planRanges(
  ctx: LedgerContext,
  meta: LedgerMeta | undefined,
  options: SyncOptions,
  now: Date,
): PlannedRange[] {
  const today = toIsoDate(now);
  const tomorrow = addDays(today, 1);
  const horizon = horizonStart(today);
  if (!meta) {
    const wanted = options.want ? earlierDay(options.want.start, today) : today;
    // The first read: last month and this one (what alerts, digests and most questions
    // need), or further back if a question asks; the backfill brings the rest in steps.
    const start = [wanted, monthsBack(today, 1)].sort()[0]!;
    return [{ start: laterDay(start, horizon), end: tomorrow, open: true }];
  }
  const ranges: PlannedRange[] = [];
  const due =
    now.getTime() - new Date(meta.syncedAt).getTime() >=
    syncIntervalHours(meta, ctx.dailyRequests) * 3_600_000;
  if (options.want && options.want.start < meta.from) {
    const start = laterDay(options.want.start, horizon);
    if (start < meta.from) ranges.push({ start, end: meta.from, open: false });
  } else if (options.trigger !== 'chat' && options.backfill !== false && meta.from > horizon) {
    const start = monthsBack(meta.from, BACKFILL_STEP_MONTHS);
    ranges.push({ start: laterDay(start, horizon), end: meta.from, open: false });
  }
  if (options.trigger !== 'chat' && (due || options.force)) {
    ranges.push({
      start: meta.openFrom < meta.through ? meta.openFrom : addDays(meta.through, -1),
      end: tomorrow,
      open: true,
    });
  }
  return ranges;
}

/**
 * The meta this sync starts from: the services (listed with every read of the open window,
 * where a new model's Marketplace service appears first, and at least daily) and, for a
 * fact reader (CUR), the export's refresh status: an export with no newer usage than at the
 * last read is not read again (the open ranges are dropped from `ranges`).
 */
async function prepareMeta(
  ctx: LedgerContext,
  bill: CostSource,
  reader: FactReader | undefined,
  meta: LedgerMeta | undefined,
  ranges: PlannedRange[],
  record: SyncRecord,
  options: SyncOptions,
): Promise<LedgerMeta> {
  const now = ctx.clock.now();
  const today = toIsoDate(now);
  let services = meta?.services ?? [];
  let servicesAt = meta?.servicesAt ?? '';
  const readsOpen = ranges.some((r) => r.open);
  let exportThrough = meta?.exportThrough;
  if (reader && readsOpen) {
    const status = await reader.refreshStatus(today);
    record.requests += status.requests;
    record.bytesScanned = (record.bytesScanned ?? 0) + status.bytesScanned;
    if (meta && !options.force && status.through && status.through === meta.exportThrough) {
      record.skipped = `the CUR export has not refreshed since ${status.through.slice(0, 16).replace('T', ' ')} UTC`;
      for (let i = ranges.length - 1; i >= 0; i--) if (ranges[i]!.open) ranges.splice(i, 1);
    }
    exportThrough = status.through ?? exportThrough;
  }
  // A fact reader finds the services with the facts; Cost Explorer lists them.
  if (
    !reader &&
    (!meta || readsOpen || now.getTime() - new Date(meta.servicesAt).getTime() >= SERVICES_TTL_MS)
  ) {
    const all = await bill.listServices({ start: horizonStart(today), end: addDays(today, 1) });
    record.requests += 1;
    services = all.filter(isBedrockService).sort();
    if (all.includes(OPENSEARCH_SERVICE)) services.push(OPENSEARCH_SERVICE);
    servicesAt = now.toISOString();
  }
  const first = ranges[0]?.start ?? today;
  const next: LedgerMeta = meta
    ? { ...meta, services, servicesAt }
    : {
        from: first,
        through: first,
        openFrom: first,
        syncedAt: new Date(0).toISOString(),
        services,
        servicesAt,
        metric: ctx.metric,
        source: ctx.source,
        history: [],
      };
  return exportThrough ? { ...next, exportThrough } : next;
}

/**
 * Facts a sync holds in memory at once: a range is read from Cost Explorer in pieces of at
 * most this many facts (by the largest day seen so far). A 3-month backfill step at 10,000
 * teams is 3.6 million facts, ~4 GB as rows and facts, over the ledger-sync function's 3 GB
 * (`npm run bench -- --only requests`, 2026-12-05); at 100 teams a piece is the whole range,
 * so the requests do not change. Cost Explorer bills per page, so pieces of a large bill
 * cost about the same pages as one query.
 */
const PIECE_FACTS = 400_000;

/** The range in pieces of whole days, each under `PIECE_FACTS` at the largest day seen. */
function piecesOf(
  range: PlannedRange,
  factsPerDay: number | undefined,
  pieceFacts = PIECE_FACTS,
): PlannedRange[] {
  const days = Math.max(1, Math.floor(pieceFacts / Math.max(1, factsPerDay ?? 0)));
  const pieces: PlannedRange[] = [];
  for (let start = range.start; start < range.end; ) {
    const end = earlierDay(addDays(start, days), range.end);
    pieces.push({ start, end, open: range.open });
    start = end;
  }
  return pieces;
}

/** Read one range (in pieces), write the days whose facts changed, and say what the ledger now holds. */
async function syncRange(
  ctx: LedgerContext,
  bill: CostSource,
  reader: FactReader | undefined,
  meta: LedgerMeta,
  range: PlannedRange,
  record: SyncRecord,
): Promise<LedgerMeta> {
  const now = ctx.clock.now();
  let next = meta;
  let firstEstimated: string | undefined;
  // A fact reader (CUR) prunes by month: one query per range scans least.
  for (const piece of reader ? [range] : piecesOf(range, meta.factsPerDay, ctx.pieceFacts)) {
    const read = reader
      ? await reader.readFacts(piece, ctx)
      : await readRange(ctx, bill, meta.services, piece);
    next = noteRead(next, read, record, now);
    if (read.firstEstimated && (!firstEstimated || read.firstEstimated < firstEstimated))
      firstEstimated = read.firstEstimated;
    let largest = 0;
    for (const facts of read.byDay.values()) largest = Math.max(largest, facts.length);
    if (largest > (next.factsPerDay ?? 0)) next = { ...next, factsPerDay: largest };
    await writeChangedDays(ctx, piece, read, record);
  }
  record.ranges.push({ start: range.start, end: range.end });
  next = { ...next, from: earlierDay(range.start, next.from), through: laterDay(range.end, next.through) };
  if (range.open) {
    record.openRead = true;
    return { ...next, openFrom: firstEstimated ?? toIsoDate(now), syncedAt: now.toISOString() };
  }
  if (firstEstimated && firstEstimated < next.openFrom) return { ...next, openFrom: firstEstimated };
  return next;
}

/** What a read adds to the sync record and the meta (requests, bytes, rules, services, account names). */
function noteRead(meta: LedgerMeta, read: RangeRead, record: SyncRecord, now: Date): LedgerMeta {
  let next = meta;
  record.requests += read.requests;
  if (read.bytesScanned !== undefined) record.bytesScanned = (record.bytesScanned ?? 0) + read.bytesScanned;
  if (read.rules) record.rules = read.rules;
  if (read.services) {
    next = {
      ...next,
      services: [...new Set([...next.services, ...read.services])].sort(),
      servicesAt: now.toISOString(),
    };
  }
  if (read.accountNames) next = { ...next, accountNames: { ...next.accountNames, ...read.accountNames } };
  return next;
}

/** Write each day of the range whose facts changed (a day's fingerprint decides). */
async function writeChangedDays(
  ctx: LedgerContext,
  range: { start: string; end: string },
  read: RangeRead,
  record: SyncRecord,
): Promise<void> {
  const existing = await readDayHeaders(ctx.store, range.start, range.end);
  for (let d = range.start; d < range.end; d = addDays(d, 1)) {
    const facts = read.byDay.get(d) ?? [];
    const previous = existing.get(d);
    if (previous ? previous.hash === hashFacts(facts) : facts.length === 0) {
      record.daysUnchanged++;
      continue;
    }
    await writeDay(ctx.store, d, facts, previous, (error) =>
      ctx.log.warn(`ledger: the replaced chunks of ${d} were not deleted (never read again)`, error),
    );
    record.daysWritten++;
  }
}

/**
 * A failed sync: recorded in the meta (the ledger keeps its previous days); the schedule
 * carries on, a question (or a first sync) gets a clear error.
 */
async function failedSync(
  ctx: LedgerContext,
  reader: FactReader | undefined,
  meta: LedgerMeta | undefined,
  record: SyncRecord,
  options: SyncOptions,
  error: unknown,
): Promise<SyncResult> {
  record.error = error instanceof Error ? error.message : String(error);
  ctx.log.warn('ledger sync failed; the ledger keeps its previous days', error);
  if (meta)
    await writeMeta(ctx.store, { ...meta, history: [record, ...meta.history].slice(0, 20) }).catch(() => {});
  if (options.trigger === 'chat' || !meta) {
    const facing = toUserFacing(error);
    throw isUserError(facing)
      ? facing
      : new UnavailableError(
          reader
            ? `${reader.label} could not read the bill (${record.error}); please try again later.`
            : 'Cost Explorer is busy right now (too many requests or an outage); please try again in a minute.',
          { cause: error },
        );
  }
  return { ran: true, reason: 'failed', record, meta };
}

/** Read one range of the bill into facts per day (the query plan above). */
async function readRange(
  ctx: LedgerContext,
  bill: CostSource,
  services: string[],
  range: { start: string; end: string },
): Promise<RangeRead> {
  const byDay = new Map<string, BillFact[]>();
  if (!services.length) return { byDay, requests: 0 };
  const accounts = await accountsOf(ctx, bill, services, range);
  let requests = accounts.requests;
  let firstEstimated: string | undefined;
  for (const service of services) {
    const result = await bill.getCostAndUsage({
      start: range.start,
      end: range.end,
      granularity: 'DAILY',
      groupBy: [
        { type: 'DIMENSION', key: 'USAGE_TYPE' },
        { type: 'TAG', key: ctx.teamTagKey },
      ],
      services: [service],
      recordTypes: ['Usage'],
      metric: ctx.metric,
    });
    requests += result.requests;
    for (const row of result.rows) {
      if (row.estimated && (!firstEstimated || row.start < firstEstimated)) firstEstimated = row.start;
      const fact = factOfRow(ctx, service, row, accounts.byCell.get(`${row.start}\u0000${service}`) ?? '');
      const list = byDay.get(row.start);
      if (list) list.push(fact);
      else byDay.set(row.start, [fact]);
    }
  }
  // Two cells can land on one team (an untagged cell attributed by its account): one fact each.
  for (const [day, facts] of byDay) byDay.set(day, mergeFacts(facts));
  return { byDay, requests, ...(firstEstimated ? { firstEstimated } : {}) };
}

/** Which linked account each (day, service) is in; '' where a cell spans several. */
async function accountsOf(
  ctx: LedgerContext,
  bill: CostSource,
  services: string[],
  range: { start: string; end: string },
): Promise<{ byCell: Map<string, string>; requests: number }> {
  const accounts = await bill.getCostAndUsage({
    start: range.start,
    end: range.end,
    granularity: 'DAILY',
    groupBy: [
      { type: 'DIMENSION', key: 'SERVICE' },
      { type: 'DIMENSION', key: 'LINKED_ACCOUNT' },
    ],
    services,
    recordTypes: ['Usage'],
    metric: ctx.metric,
  });
  const byCell = new Map<string, string>();
  for (const row of accounts.rows) {
    const key = `${row.start}\u0000${row.keys[0]}`;
    const account = row.keys[1] ?? '';
    const seen = byCell.get(key);
    byCell.set(key, seen === undefined || seen === account ? account : '');
  }
  return { byCell, requests: accounts.requests };
}

/** One Cost Explorer row (usage type x team tag of one service and day) as a fact. */
function factOfRow(ctx: LedgerContext, service: string, row: CostRow, account: string): BillFact {
  const usageType = row.keys[0] ?? '';
  const tag = row.keys[1] ?? '';
  const i = tag.indexOf('$');
  // Cost Explorer has the resource tag and (when one cell is in one account) the account.
  const team = attributeTeam(
    { resourceTag: i >= 0 ? tag.slice(i + 1) : tag, account },
    ctx.attribution ?? { accountTeams: {} },
    ['resource-tag', 'account'],
  );
  return {
    day: row.start,
    service,
    usageType,
    team,
    account,
    region: regionOfUsageType(usageType),
    recordType: 'Usage',
    amount: row.amount,
    quantity: row.quantity,
    state: row.estimated ? 'provisional' : 'final',
  };
}

/** The sync lease: one sync at a time writes the ledger. */
const LEASE_KEY = { pk: 'LEDGER', sk: 'LEASE' };

async function takeLease(ctx: LedgerContext, now: Date): Promise<boolean> {
  try {
    await ctx.store.write({
      key: LEASE_KEY,
      put: { until: now.getTime() + LEASE_SECONDS * 1000, expiresAt: ttlAfter(now, LEASE_SECONDS * 2) },
      condition: 'attribute_not_exists(pk) OR #u < :now',
      names: { '#u': 'until' },
      values: { ':now': now.getTime() },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

async function releaseLease(ctx: LedgerContext): Promise<void> {
  await ctx.store
    .write({ key: LEASE_KEY, remove: true })
    .catch((error: unknown) => ctx.log.warn('could not release the ledger lease', error));
}

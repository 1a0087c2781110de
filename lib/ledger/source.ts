/**
 * The ledger as the bill port: a `CostSource` that answers every bill question from the
 * synced facts, so commands and jobs ask exactly as they would ask Cost Explorer and make no
 * Cost Explorer request for a synced period.
 *
 * - Days after the last sync are not in the bill yet: the answer says how old the bill is
 *   (`fetchedAt`, `stale`) and today's hours come from the nowcast, as before.
 * - A question about days before the first synced day (the backfill has not reached them)
 *   reads just those days once, from the chat allowance, into the ledger.
 * - Questions the ledger cannot answer (older than 13 months, other record types) go to the
 *   bill source itself, counted in the chat allowance, and say so through `requests`.
 * - `getCostForecast` is the product's one usage trend over the ledger's daily totals.
 */
import { addDays, type DateRange, toIsoDate } from '../clock.js';
import { isUserError, notBilledYet, UnavailableError } from '../errors.js';
import type { CostForecast, CostQuery, CostResult, CostSource, DailyClassSums } from '../ports.js';
import type { FactBlock } from './block.js';
import { dailyClassSums, dailyTotalsOf, queryBlocks } from './facts.js';
import { type LedgerMeta, readDays, readMeta } from './store.js';
import { horizonStart, type LedgerContext, nextSyncAt, syncIntervalHours, syncLedger } from './sync.js';
import { trendForecast } from './trend.js';

export interface LedgerSourceOptions extends LedgerContext {
  /** The bill source for syncing the days a question needs (chat allowance). */
  bill: CostSource;
  /**
   * Run a due sync when a question comes (the demo account, whose bill costs nothing and
   * which has no schedule). Off for real accounts: chat never spends the jobs' allowance.
   */
  syncOnRead?: boolean;
}

/** Extra fields a ledger answer carries (as the cache's answers did). */
export interface LedgerCostResult extends CostResult {
  fetchedAt: string;
  stale: boolean;
}

/** What one ledger source keeps between questions in a process. */
interface ReadState {
  options: LedgerSourceOptions;
  /**
   * Requests a chat sync made while answering `listServices` (which has no request count):
   * reported with the next bill answer, so the question that caused them says so.
   */
  unreported: number;
  /** A chat sync in flight in this process: concurrent questions wait for the one read. */
  inFlight: Promise<unknown> | undefined;
  /**
   * Questions asked together over the same days (`why`'s cells and its day totals) share
   * one read: a 10,000-team month is read once rather than twice.
   */
  reading: Map<string, Promise<Map<string, FactBlock[]>>>;
}

export function ledgerCostSource(options: LedgerSourceOptions): CostSource & {
  meta(): Promise<LedgerMeta | undefined>;
} {
  const state: ReadState = { options, unreported: 0, inFlight: undefined, reading: new Map() };
  return {
    meta: () => readMeta(options.store),
    listServices: (range) => listServices(state, range),
    getCostAndUsage: (query) => answerQuery(state, query),
    getCostForecast: (query) => forecastOf(state, query),
    getDailyClassSums: (query, classOf, classes) => classSums(state, query, classOf, classes),
  };
}

function covers(
  options: LedgerSourceOptions,
  meta: LedgerMeta | undefined,
  range: { start: string },
): meta is LedgerMeta {
  return Boolean(
    meta && meta.metric === options.metric && meta.source === options.source && range.start >= meta.from,
  );
}

/** The meta, after reading the days `range` needs that the ledger lacks. */
async function ready(state: ReadState, range: DateRange): Promise<{ meta: LedgerMeta; requests: number }> {
  const { options } = state;
  let requests = 0;
  if (options.syncOnRead) {
    const due = await syncLedger(options, options.bill, { trigger: 'demo', backfill: false }).catch(
      () => undefined,
    );
    requests += due?.record?.requests ?? 0;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const meta = await readMeta(options.store);
    if (covers(options, meta, range)) {
      if (range.start >= meta.through) throw notInTheBill(options, meta, range.start);
      return { meta, requests };
    }
    if (state.inFlight) {
      await state.inFlight.catch(() => {});
      continue;
    }
    const run = syncLedger(options, options.bill, { trigger: 'chat', want: range });
    state.inFlight = run;
    try {
      const result = await run;
      requests += result.record?.requests ?? 0;
      if (covers(options, result.meta, range)) return { meta: result.meta, requests };
    } finally {
      state.inFlight = undefined;
    }
    // Another process holds the sync lease: its days land shortly.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new UnavailableError('The bill ledger is being filled by another run; please ask again in a minute.');
}

/**
 * Why the days from `start` on have no bill figures. Either the ledger is behind (the next
 * sync brings them), or it is synced through today (UTC) and `start` is a day that already
 * began east of UTC, e.g. a Tokyo team's today while UTC is still on yesterday: AWS bills by
 * the UTC day, so no sync can bring it before 00:00 UTC.
 */
function notInTheBill(options: LedgerSourceOptions, meta: LedgerMeta, start: string): UnavailableError {
  const now = options.clock.now();
  return meta.through <= toIsoDate(now) ? notSyncedYet(options, meta) : notBilledYet(start, now);
}

function notSyncedYet(options: LedgerSourceOptions, meta: LedgerMeta): UnavailableError {
  const next = nextSyncAt(meta, options.dailyRequests);
  return new UnavailableError(
    `The bill from ${meta.through} on is not in the ledger yet: the next sync is due ${next ? `at ${next.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'soon'} (an administrator can run \`bedrock-cost sync\`).`,
  );
}

function isStale(options: LedgerSourceOptions, meta: LedgerMeta): boolean {
  if (meta.history[0]?.error) return true;
  const age = options.clock.now().getTime() - new Date(meta.syncedAt).getTime();
  return age > 2 * syncIntervalHours(meta, options.dailyRequests) * 3_600_000;
}

/** The stored days' blocks in `[start, end)` (inside the synced days), by day. */
function blocksIn(
  state: ReadState,
  meta: LedgerMeta,
  start: string,
  end: string,
): Promise<Map<string, FactBlock[]>> {
  const from = start > meta.from ? start : meta.from;
  const to = end < meta.through ? end : meta.through;
  if (from >= to) return Promise.resolve(new Map());
  const key = `${meta.syncedAt}|${from}|${to}`;
  let pending = state.reading.get(key);
  if (!pending) {
    pending = readDays(state.options.store, from, to)
      .then((days) => new Map([...days.values()].map((d) => [d.day, d.blocks] as const)))
      .finally(() => state.reading.delete(key));
    state.reading.set(key, pending);
  }
  return pending;
}

async function listServices(state: ReadState, range: DateRange): Promise<string[]> {
  // Older than the ledger keeps (it starts on a month's first day, 12 months back; the bill
  // keeps 13 months to the day): the bill answers, as `answerQuery` does for such days.
  if (range.start < horizonStart(toIsoDate(state.options.clock.now())))
    return state.options.bill.listServices(range);
  try {
    const { meta, requests } = await ready(state, range);
    state.unreported += requests;
    return [...meta.services];
  } catch (error) {
    if (isUserError(error)) throw error;
    state.options.log.warn('bill ledger unreadable; listing services from the bill', error);
    return state.options.bill.listServices(range);
  }
}

/** A question the ledger does not hold (older than 13 months, other record types), or a ledger that cannot be read. */
async function askTheBill(options: LedgerSourceOptions, query: CostQuery): Promise<LedgerCostResult> {
  const result = await options.bill.getCostAndUsage(query);
  return { ...result, fetchedAt: options.clock.now().toISOString(), stale: false };
}

/** A question the ledger does not hold: older than its horizon, or about other record types. */
function outsideLedger(options: LedgerSourceOptions, query: CostQuery): boolean {
  const today = toIsoDate(options.clock.now());
  return (
    query.start < horizonStart(today) ||
    (query.recordTypes ?? ['Usage']).some((r) => r !== 'Usage') ||
    query.groupBy.some((g) => g.type === 'DIMENSION' && g.key === 'RECORD_TYPE')
  );
}

/** The stored facts a question reads, by day, and what reading them took; undefined: the table cannot be read. */
async function factsFor(
  state: ReadState,
  query: CostQuery,
): Promise<
  | { blocksOf: (start: string, end: string) => Iterable<FactBlock>; requests: number; meta: LedgerMeta }
  | undefined
> {
  let synced: Awaited<ReturnType<typeof ready>>;
  try {
    synced = await ready(state, query);
  } catch (error) {
    if (isUserError(error)) throw error;
    state.options.log.warn('bill ledger unreadable; asking the bill directly', error);
    return undefined;
  }
  const { meta } = synced;
  const requests = synced.requests + state.unreported;
  state.unreported = 0;
  const byDay = await blocksIn(state, meta, query.start, query.end);
  return {
    blocksOf: function* (start, end) {
      for (let d = start; d < end; d = addDays(d, 1)) yield* byDay.get(d) ?? [];
    },
    requests,
    meta,
  };
}

async function answerQuery(state: ReadState, query: CostQuery): Promise<LedgerCostResult> {
  const { options } = state;
  if (outsideLedger(options, query)) return askTheBill(options, query);
  const facts = await factsFor(state, query);
  // The table cannot be read (throttled, down): answer this question from the bill
  // itself, from the chat allowance, rather than not at all.
  if (!facts) return askTheBill(options, query);
  const { meta, requests } = facts;
  const rows = queryBlocks(query, options.teamTagKey, facts.blocksOf);
  return { rows, requests, fetchedAt: meta.syncedAt, stale: isStale(options, meta) };
}

/** `getDailyClassSums`: undefined when the ledger cannot answer (the caller asks `getCostAndUsage`). */
async function classSums(
  state: ReadState,
  query: CostQuery,
  classOf: (usageType: string) => number,
  classes: number,
): Promise<DailyClassSums | undefined> {
  const { options } = state;
  if (outsideLedger(options, query)) return undefined;
  const facts = await factsFor(state, query);
  if (!facts) return undefined;
  const { meta, requests } = facts;
  const sums = dailyClassSums(query, options.teamTagKey, facts.blocksOf, classOf, classes);
  return { sums, requests, fetchedAt: meta.syncedAt, stale: isStale(options, meta) };
}

async function forecastOf(
  state: ReadState,
  query: Parameters<CostSource['getCostForecast']>[0],
): Promise<CostForecast | null> {
  const { teamTagKey, clock } = state.options;
  const today = toIsoDate(clock.now());
  const from = addDays(today, -28);
  const { meta } = await ready(state, { start: from, end: today });
  const days = await blocksIn(state, meta, from, today);
  const history = dailyTotalsOf([...days.values()].flat(), query, teamTagKey, from, today);
  return trendForecast(history, today, query.start, query.end);
}

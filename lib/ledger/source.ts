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
import { addDays, toIsoDate } from '../clock.js';
import { isUserError, UnavailableError } from '../errors.js';
import type { CostForecast, CostQuery, CostResult, CostSource } from '../ports.js';
import type { FactBlock } from './block.js';
import { dailyTotalsOf, queryBlocks } from './facts.js';
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

export function ledgerCostSource(options: LedgerSourceOptions): CostSource & {
  meta(): Promise<LedgerMeta | undefined>;
} {
  const { store, clock, bill, teamTagKey } = options;

  /**
   * Requests a chat sync made while answering `listServices` (which has no request count):
   * reported with the next bill answer, so the question that caused them says so.
   */
  let unreported = 0;
  /** A chat sync in flight in this process: concurrent questions wait for the one read. */
  let inFlight: Promise<unknown> | undefined;

  const covers = (meta: LedgerMeta | undefined, range: { start: string }): meta is LedgerMeta =>
    Boolean(
      meta && meta.metric === options.metric && meta.source === options.source && range.start >= meta.from,
    );

  /** The meta, after reading the days `range` needs that the ledger lacks. */
  async function ready(range: {
    start: string;
    end: string;
  }): Promise<{ meta: LedgerMeta; requests: number }> {
    let requests = 0;
    if (options.syncOnRead) {
      const due = await syncLedger(options, bill, { trigger: 'demo', backfill: false }).catch(
        () => undefined,
      );
      requests += due?.record?.requests ?? 0;
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const meta = await readMeta(store);
      if (covers(meta, range)) {
        if (range.start >= meta.through) {
          const next = nextSyncAt(meta, options.dailyRequests);
          throw new UnavailableError(
            `The bill from ${meta.through} on is not in the ledger yet: the next sync is due ${next ? `at ${next.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'soon'} (an administrator can run \`bedrock-cost sync\`).`,
          );
        }
        return { meta, requests };
      }
      if (inFlight) {
        await inFlight.catch(() => {});
        continue;
      }
      const run = syncLedger(options, bill, { trigger: 'chat', want: range });
      inFlight = run;
      try {
        const result = await run;
        requests += result.record?.requests ?? 0;
        if (covers(result.meta, range)) return { meta: result.meta, requests };
      } finally {
        inFlight = undefined;
      }
      // Another process holds the sync lease: its days land shortly.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new UnavailableError(
      'The bill ledger is being filled by another run; please ask again in a minute.',
    );
  }

  function stale(meta: LedgerMeta): boolean {
    if (meta.history[0]?.error) return true;
    const age = clock.now().getTime() - new Date(meta.syncedAt).getTime();
    return age > 2 * syncIntervalHours(meta, options.dailyRequests) * 3_600_000;
  }

  // Questions asked together over the same days (`why`'s cells and its day totals) share
  // one read: a 10,000-team month is 10 MB of items, read once rather than twice.
  const reading = new Map<string, Promise<Map<string, FactBlock[]>>>();
  /** The stored days' blocks in `[start, end)` (inside the synced days), by day. */
  async function blocksIn(meta: LedgerMeta, start: string, end: string): Promise<Map<string, FactBlock[]>> {
    const from = start > meta.from ? start : meta.from;
    const to = end < meta.through ? end : meta.through;
    if (from >= to) return new Map();
    const key = `${meta.syncedAt}|${from}|${to}`;
    let pending = reading.get(key);
    if (!pending) {
      pending = readDays(store, from, to)
        .then((days) => new Map([...days.values()].map((d) => [d.day, d.blocks] as const)))
        .finally(() => reading.delete(key));
      reading.set(key, pending);
    }
    return pending;
  }

  return {
    meta: () => readMeta(store),

    async listServices(range) {
      try {
        const { meta, requests } = await ready(range);
        unreported += requests;
        return [...meta.services];
      } catch (error) {
        if (isUserError(error)) throw error;
        options.log.warn('bill ledger unreadable; listing services from the bill', error);
        return bill.listServices(range);
      }
    },

    async getCostAndUsage(query: CostQuery): Promise<LedgerCostResult> {
      const today = toIsoDate(clock.now());
      const outside =
        query.start < horizonStart(today) ||
        (query.recordTypes ?? ['Usage']).some((r) => r !== 'Usage') ||
        query.groupBy.some((g) => g.type === 'DIMENSION' && g.key === 'RECORD_TYPE');
      if (outside) {
        const result = await bill.getCostAndUsage(query);
        return { ...result, fetchedAt: clock.now().toISOString(), stale: false };
      }
      let ready_: Awaited<ReturnType<typeof ready>>;
      try {
        ready_ = await ready(query);
      } catch (error) {
        // The table cannot be read (throttled, down): answer this question from the bill
        // itself, from the chat allowance, rather than not at all.
        if (isUserError(error)) throw error;
        options.log.warn('bill ledger unreadable; asking the bill directly', error);
        const result = await bill.getCostAndUsage(query);
        return { ...result, fetchedAt: clock.now().toISOString(), stale: false };
      }
      const meta = ready_.meta;
      const requests = ready_.requests + unreported;
      unreported = 0;
      const byDay = await blocksIn(meta, query.start, query.end);
      const rows = queryBlocks(query, teamTagKey, function* (start, end) {
        for (let d = start; d < end; d = addDays(d, 1)) yield* byDay.get(d) ?? [];
      });
      return { rows, requests, fetchedAt: meta.syncedAt, stale: stale(meta) };
    },

    async getCostForecast(query): Promise<CostForecast | null> {
      const today = toIsoDate(clock.now());
      const from = addDays(today, -28);
      const { meta } = await ready({ start: from, end: today });
      const days = await blocksIn(meta, from, today);
      const history = dailyTotalsOf([...days.values()].flat(), query, teamTagKey, from, today);
      return trendForecast(history, today, query.start, query.end);
    },
  };
}

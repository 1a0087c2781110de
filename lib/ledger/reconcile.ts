/**
 * Nowcast reconciliation: each day's nowcast (CloudWatch tokens x catalog prices, the whole
 * UTC day) is kept; once the bill for that day is in the ledger, the two are compared, so
 * `status` can say how far the estimates that alerts add for "today" were from the bill.
 * On-demand token spend only on both sides (the nowcast estimates tokens from runtime metrics;
 * batch jobs emit none, and provisioned throughput and other hourly lines are in the bill as
 * they are).
 */
import { addDays, toIsoDate } from '../clock.js';
import type { Log } from '../log.js';
import { Dec, sumUsd } from '../money.js';
import type { SpendContext } from '../spend/query.js';
import { fetchLines } from '../spend/query.js';
import type { Store } from '../store/store.js';
import { type NowcastRecord, readNowcasts, writeNowcast } from './store.js';

/** Keep yesterday's full-day nowcast, once (the first run after midnight UTC). */
export async function recordYesterdaysNowcast(
  store: Store,
  now: Date,
  log: Log,
  estimate: (start: Date, end: Date) => Promise<Dec>,
): Promise<void> {
  const today = toIsoDate(now);
  const yesterday = addDays(today, -1);
  try {
    const [existing] = await readNowcasts(store, yesterday, today);
    if (existing) return;
    const usd = await estimate(new Date(`${yesterday}T00:00:00Z`), new Date(`${today}T00:00:00Z`));
    await writeNowcast(store, { day: yesterday, nowcastUsd: usd.toString(), at: now.toISOString() });
  } catch (error) {
    log.warn('could not record yesterday’s nowcast for reconciliation', error);
  }
}

export interface ReconciledDay {
  day: string;
  nowcastUsd: Dec;
  billUsd: Dec;
  /** (nowcast - bill) / bill, as a fraction; undefined when the bill is zero. */
  error?: number;
}

/** The last `days` days with both a nowcast and the bill in the ledger (token spend). */
export async function reconcileNowcasts(ctx: SpendContext, store: Store, days = 7): Promise<ReconciledDay[]> {
  const today = toIsoDate(ctx.now);
  const start = addDays(today, -days - 2);
  const records: NowcastRecord[] = await readNowcasts(store, start, today);
  if (!records.length) return [];
  const lines = await fetchLines(ctx, { start, end: today, grouping: 'usage', granularity: 'DAILY' }).catch(
    () => undefined,
  );
  if (!lines) return [];
  const billed = new Set(lines.lines.map((l) => l.day));
  const out: ReconciledDay[] = [];
  for (const r of records) {
    if (!billed.has(r.day)) continue;
    const billUsd = sumUsd(
      // Batch jobs emit no runtime token metrics: the nowcast cannot see them, so they are left out.
      lines.lines
        .filter((l) => l.day === r.day && l.info?.kind === 'tokens' && !l.info.batch)
        .map((l) => l.amount),
    );
    const nowcastUsd = new Dec(r.nowcastUsd);
    out.push({
      day: r.day,
      nowcastUsd,
      billUsd,
      ...(billUsd.isZero() ? {} : { error: nowcastUsd.minus(billUsd).div(billUsd).toNumber() }),
    });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : 1)).slice(-days);
}

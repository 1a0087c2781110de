/**
 * The ledger sync as a job: `bedrock-cost sync`, the hourly `ledger-sync` schedule, and the
 * first step of the alert and digest runs (a no-op unless the open window is due, so a run
 * that follows a sync costs one GetItem).
 */
import type { Deps } from '../context.js';
import type { JobOptions, JobReport } from '../jobs/types.js';
import { describeSync, type SyncOptions, type SyncResult, syncLedger } from './sync.js';

/** Sync the ledger if it is due (or `force`). Never throws for a scheduled run: answers come from what is there. */
export async function syncIfDue(
  deps: Pick<Deps, 'ledger' | 'log'>,
  options: Partial<SyncOptions> = {},
): Promise<SyncResult> {
  try {
    const { context, bill } = await deps.ledger();
    return await syncLedger(context, bill, { trigger: 'schedule', ...options });
  } catch (error) {
    deps.log.warn('ledger sync unavailable; answering from the ledger as it is', error);
    return { ran: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The first step of the alert and digest runs: sync when due, unless the deployment syncs the
 * ledger in its own function (`BEDROCK_COST_LEDGER_SYNC_FUNCTION`), whose memory is sized for
 * the sync (a 10,000-team month of the bill), so that these runs only read.
 */
export async function syncBeforeJob(
  deps: Pick<Deps, 'ledger' | 'log' | 'config'>,
  options: Partial<SyncOptions> = {},
): Promise<SyncResult> {
  if (deps.config.BEDROCK_COST_LEDGER_SYNC_FUNCTION) {
    return { ran: false, reason: 'the ledger-sync function keeps the ledger current' };
  }
  return syncIfDue(deps, options);
}

/**
 * The scheduled `ledger-sync` function: sync when due (and one backfill step). A failed sync
 * throws after the ledger recorded it (answers go on from the ledger as it is): the function's
 * error alarm fires and the schedule's retry tries again.
 */
export async function runLedgerSync(deps: Deps, options: JobOptions): Promise<JobReport> {
  if (options.dryRun) {
    return { job: 'ledger-sync', messages: [], summary: 'ledger-sync: dry run, nothing read.' };
  }
  const { context, bill } = await deps.ledger();
  const result = await syncLedger(context, bill, { trigger: 'schedule' });
  const summary = describeSync('ledger-sync', result);
  if (result.record?.error) throw new Error(summary);
  return { job: 'ledger-sync', messages: [], summary };
}

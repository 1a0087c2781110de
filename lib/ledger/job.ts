/**
 * The ledger sync as a job: `bedrock-cost sync`, the hourly `ledger-sync` schedule, and the
 * first step of the alert and digest runs (a no-op unless the open window is due, so a run
 * that follows a sync costs one GetItem).
 */
import type { Deps } from '../context.js';
import { type SyncOptions, type SyncResult, syncLedger } from './sync.js';

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

/** Scheduled hourly: bring the bill ledger up to date when its open window is due (and backfill). */

import { createScheduledHandler } from '../lib/lambda/runtime.js';
import { runLedgerSync } from '../lib/ledger/job.js';

export const handler = createScheduledHandler('ledger-sync', runLedgerSync);

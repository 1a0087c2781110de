/** Scheduled daily: idle provisioned throughput findings to the FinOps channel. */
import { runIdleScan } from '../lib/idle/job.js';
import { createScheduledHandler } from '../lib/lambda/runtime.js';

export const handler = createScheduledHandler('idle-throughput', runIdleScan);

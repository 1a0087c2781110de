/** Scheduled hourly: each team's weekly digest at its local Monday 09:00. */
import { runWeeklyDigest } from '../lib/digest/run.js';
import { createScheduledHandler } from '../lib/lambda/runtime.js';

export const handler = createScheduledHandler('weekly-digest', runWeeklyDigest);

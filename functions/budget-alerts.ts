/** Scheduled hourly: budget threshold and forecast alerts, each fired once. */
import { runBudgetAlerts } from '../lib/budgets/alerts.js';
import { createScheduledHandler } from '../lib/lambda/runtime.js';

export const handler = createScheduledHandler('budget-alerts', runBudgetAlerts);

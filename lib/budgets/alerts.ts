/** PLACEHOLDER: replaced by the issue that owns the alerts job. */
import type { Deps } from '../deps.js';
import type { JobOptions, JobReport } from '../jobs/types.js';

export async function runBudgetAlerts(_deps: Deps, _options: JobOptions): Promise<JobReport> {
  return { job: 'alerts', messages: [], summary: 'alerts: not available yet' };
}

/** PLACEHOLDER: replaced by the issue that owns the idle-scan job. */
import type { Deps } from '../deps.js';
import type { JobOptions, JobReport } from '../jobs/types.js';

export async function runIdleScan(_deps: Deps, _options: JobOptions): Promise<JobReport> {
  return { job: 'idle-scan', messages: [], summary: 'idle-scan: not available yet' };
}

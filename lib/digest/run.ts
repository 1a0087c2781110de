/** PLACEHOLDER: replaced by the issue that owns the digest job. */
import type { Deps } from '../deps.js';
import type { JobOptions, JobReport } from '../jobs/types.js';

export async function runWeeklyDigest(_deps: Deps, _options: JobOptions): Promise<JobReport> {
  return { job: 'digest', messages: [], summary: 'digest: not available yet' };
}

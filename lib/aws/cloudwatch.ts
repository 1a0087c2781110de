/** PLACEHOLDER adapter: replaced by the issue that owns it. */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { UnavailableError } from '../errors.js';
import type { MetricsSource } from '../ports.js';

export function createCloudWatchMetrics(_client: CloudWatchClient): MetricsSource {
  const missing = async (): Promise<never> => {
    throw new UnavailableError('This data source is not wired up yet.');
  };
  return new Proxy({} as MetricsSource, { get: () => missing });
}

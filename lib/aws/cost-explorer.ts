/** PLACEHOLDER adapter: replaced by the issue that owns it. */
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { UnavailableError } from '../errors.js';
import type { CostSource } from '../ports.js';

export function createCostExplorerSource(_client: CostExplorerClient): CostSource {
  const missing = async (): Promise<never> => {
    throw new UnavailableError('This data source is not wired up yet.');
  };
  return new Proxy({} as CostSource, { get: () => missing });
}

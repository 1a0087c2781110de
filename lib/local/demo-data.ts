/** PLACEHOLDER: the deterministic demo account (replaced by the foundation work). */
import type { Clock } from '../clock.js';
import { UnavailableError } from '../errors.js';
import type { DataSources } from '../ports.js';

export function createDemoSources(_clock: Clock): DataSources {
  const missing = async (): Promise<never> => {
    throw new UnavailableError('The demo account is not ready yet.');
  };
  const stub = <T extends object>() => new Proxy({} as T, { get: () => missing });
  return { kind: 'demo', costs: stub(), metrics: stub(), bedrock: stub() };
}

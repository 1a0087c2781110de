/** PLACEHOLDER adapter: replaced by the issue that owns it. */
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import { UnavailableError } from '../errors.js';
import type { BedrockControlPlane } from '../ports.js';

export function createBedrockControlPlane(_client: BedrockClient): BedrockControlPlane {
  const missing = async (): Promise<never> => {
    throw new UnavailableError('This data source is not wired up yet.');
  };
  return new Proxy({} as BedrockControlPlane, { get: () => missing });
}

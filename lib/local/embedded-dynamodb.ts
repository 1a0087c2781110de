/**
 * The embedded DynamoDB for local runs: dynalite (a DynamoDB-compatible server on
 * LevelDB) on loopback, started on demand, data persisted under `BEDROCK_COST_DATA_DIR`
 * so budgets survive a restart. Skipped when `AWS_ENDPOINT_URL_DYNAMODB` is set.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { BedrockCostError } from '../errors.js';

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

export class EmbeddedDynamoError extends BedrockCostError {}

/**
 * Start dynalite. `dataDir` null keeps data in memory (tests).
 *
 * @example
 * const dynamo = await startEmbeddedDynamo('.bedrock-cost');
 * // AWS SDK clients use endpoint dynamo.endpoint
 */
export async function startEmbeddedDynamo(dataDir: string | null): Promise<EmbeddedDynamo> {
  const { default: dynalite } = await import('dynalite');
  let path: string | undefined;
  if (dataDir) {
    path = resolve(dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
  }
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
  } catch (error) {
    throw new EmbeddedDynamoError(`Could not start the embedded DynamoDB in ${path ?? 'memory'}.`, {
      cause: error,
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

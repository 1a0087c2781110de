/**
 * Assemble `Deps` for local runs (CLI and `serve`): against the embedded DynamoDB (unless
 * `AWS_ENDPOINT_URL_DYNAMODB` is set) and, with `--demo`, the demo account. Lambda builds
 * its own in `lib/lambda/runtime.ts` (`lambdaDeps`).
 */
import { createDynamoClients } from '../aws/dynamodb.js';
import { createChatDelivery } from '../chat/deliver.js';
import { loadConfig } from '../config.js';
import type { Deps } from '../context.js';
import { createDeps } from '../deps.js';
import { type Log, silentLog } from '../log.js';
import type { DataSources } from '../ports.js';
import type { Delivery } from '../reply/delivery.js';
import { DynamoStore } from '../store/dynamo.js';
import { ensureTable } from '../store/table.js';

export interface LocalRuntime {
  deps: Deps;
  close(): Promise<void>;
}

export interface LocalRuntimeOptions {
  env?: Record<string, string | undefined>;
  log?: Log;
  delivery?: Delivery;
  sources?: DataSources;
  /** Keep the embedded table in memory instead of `BEDROCK_COST_DATA_DIR` (tests). */
  inMemory?: boolean;
}

/** Local credentials for the embedded DynamoDB; real AWS calls use the normal chain. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function createLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const closers: (() => Promise<void>)[] = [];
  let endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint) {
    const { startEmbeddedDynamo } = await import('./embedded-dynamodb.js');
    const embedded = await startEmbeddedDynamo(options.inMemory ? null : config.BEDROCK_COST_DATA_DIR);
    endpoint = embedded.endpoint;
    closers.push(embedded.close);
  }
  const local = endpoint.startsWith('http://127.0.0.1') || endpoint.startsWith('http://localhost');
  const { client, db } = createDynamoClients({
    region: config.AWS_REGION,
    endpoint,
    ...(local && !env.AWS_ACCESS_KEY_ID ? { credentials: LOCAL_CREDENTIALS } : {}),
  });
  closers.push(async () => client.destroy());
  await ensureTable(client, config.BEDROCK_COST_TABLE);
  const deps = createDeps({
    config,
    store: new DynamoStore(db, config.BEDROCK_COST_TABLE),
    log: options.log ?? silentLog,
    delivery: options.delivery ?? createChatDelivery(config),
    sources: options.sources,
  });
  return {
    deps,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}

/**
 * DynamoDB for tests: an in-memory dynalite on loopback (the same server `bedrock-cost serve`
 * embeds), reached through the real SDK, with a fresh uniquely-named table per call so tests
 * never see each other's items.
 *
 * @example
 * let dynamo: TestDynamo;
 * beforeAll(async () => { dynamo = await startTestDynamo(); });
 * afterAll(() => dynamo.close());
 * // repositories take dynamo.store ({ db, table })
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClients } from '../../lib/aws/dynamodb.js';
import { startEmbeddedDynamo } from '../../lib/local/embedded-dynamodb.js';
import type { Store } from '../../lib/store/store.js';
import { ensureTable } from '../../lib/store/table.js';
import { TEST_CREDENTIALS } from './aws-server.js';

export interface TestDynamo {
  /** The document client and the table, as repositories expect them. */
  store: Store;
  /** The low-level client (e.g. for `DescribeTable` or raw `AttributeValue` checks). */
  client: DynamoDBClient;
  /** `http://127.0.0.1:<port>`, e.g. for `AWS_ENDPOINT_URL_DYNAMODB` in `awsTestEnv`. */
  endpoint: string;
  /** Create another fresh table on the same server (e.g. to simulate a second deployment). */
  newStore(): Promise<Store>;
  close(): Promise<void>;
}

let tables = 0;

function uniqueTableName(): string {
  tables++;
  return `test-${process.pid}-${tables}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Start dynalite in memory and create a fresh table with the design's keys (`pk`/`sk`). */
export async function startTestDynamo(): Promise<TestDynamo> {
  const server = await startEmbeddedDynamo(null);
  const { client, db } = createDynamoClients({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
    maxAttempts: 2,
  });
  const newStore = async (): Promise<Store> => {
    const table = uniqueTableName();
    await ensureTable(client, table);
    return { db, table };
  };
  const store = await newStore();
  return {
    store,
    client,
    endpoint: server.endpoint,
    newStore,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

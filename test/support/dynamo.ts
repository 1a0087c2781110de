/**
 * DynamoDB for tests: an in-memory dynalite on loopback (the same server `bedrock-cost serve`
 * embeds), reached through the real SDK, with a fresh uniquely-named table per call so tests
 * never see each other's items.
 *
 * @example
 * let dynamo: TestDynamo;
 * beforeAll(async () => { dynamo = await startTestDynamo(); });
 * afterAll(() => dynamo.close());
 * // repositories take dynamo.store (a DynamoStore: the Store port, with `db` and `table` for raw checks)
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClients } from '../../lib/aws/dynamodb.js';
import { startEmbeddedDynamo } from '../../lib/local/embedded-dynamodb.js';
import { DynamoStore } from '../../lib/store/dynamo.js';
import type { Store } from '../../lib/store/store.js';
import { ensureTable } from '../../lib/store/table.js';
import { TEST_CREDENTIALS } from './aws-server.js';

export interface TestDynamo {
  /** The table as repositories expect it (`db` and `table` visible for raw checks). */
  store: DynamoStore;
  /** The low-level client (e.g. for `DescribeTable` or raw `AttributeValue` checks). */
  client: DynamoDBClient;
  /** `http://127.0.0.1:<port>`, e.g. for `AWS_ENDPOINT_URL_DYNAMODB` in `awsTestEnv`. */
  endpoint: string;
  /** Create another fresh table on the same server (e.g. to simulate a second deployment). */
  newStore(): Promise<DynamoStore>;
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
  const newStore = async (): Promise<DynamoStore> => {
    const table = uniqueTableName();
    await ensureTable(client, table);
    return new DynamoStore(db, table);
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

/**
 * A plain object forwarding every `Store` method to `store`, to override one or two (a
 * failing write, a counting query): `{ ...storeMethods(store), write: ... }`.
 */
export function storeMethods(store: Store): Store {
  return {
    get: (...a) => store.get(...a),
    write: (...a) => store.write(...a),
    query: (...a) => store.query(...a),
    scan: (...a) => store.scan(...a),
    getMany: (...a) => store.getMany(...a),
    removeMany: (...a) => store.removeMany(...a),
    transact: (...a) => store.transact(...a),
  };
}

/** A `Store` for code that must not touch the table: every call fails the test. */
export function untouchedStore(): Store {
  const touched = async (): Promise<never> => {
    throw new Error('the table was touched');
  };
  return {
    get: touched,
    write: touched,
    query: touched,
    scan: touched,
    getMany: touched,
    removeMany: touched,
    transact: touched,
  };
}

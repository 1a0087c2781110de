/**
 * The latency bench in its own process: the table is served by the parent (dynalite),
 * so its CPU work and heap do not show up in this process's timings and GC pauses.
 *
 * Input (argv[2], JSON): `{ endpoint, table }`. Output (stdout, JSON): the rows.
 */
import { createDynamoClients } from '../lib/aws/dynamodb.js';
import { DynamoStore } from '../lib/store/dynamo.js';
import { TEST_CREDENTIALS } from '../test/support/aws-server.js';
import { latencyBench } from './latency.js';

const input = JSON.parse(process.argv[2] ?? '{}') as { endpoint: string; table: string };
const { db } = createDynamoClients({
  endpoint: input.endpoint,
  region: 'us-east-1',
  credentials: { ...TEST_CREDENTIALS },
  maxAttempts: 3,
});
const rows = await latencyBench({ store: new DynamoStore(db, input.table) });
process.stdout.write(JSON.stringify(rows));
db.destroy();
process.exit(0);

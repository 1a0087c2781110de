/**
 * One weekly-digest run in its own process, so its peak memory is the job's alone (plus
 * Node and the tsx loader), not the bench's (dynalite, the fake AWS server, earlier runs).
 * The parent serves the table and the AWS APIs; this process reaches them by endpoint.
 *
 * Input (argv[2], JSON): `{ awsEndpoint, dynamoEndpoint, table, now, charts }`.
 * Output (stdout, JSON): `{ maxRssMb, durationMs, messages, summary }`.
 */
import { createDynamoClients } from '../lib/aws/dynamodb.js';
import { runWeeklyDigest } from '../lib/digest/run.js';
import { awsTestEnv, TEST_CREDENTIALS, useEnv } from '../test/support/aws-server.js';
import { recordingDelivery, testDeps } from '../test/support/deps.js';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  awsEndpoint: string;
  dynamoEndpoint: string;
  table: string;
  now: string;
  charts: boolean;
};
useEnv(awsTestEnv(input.awsEndpoint));
const { db } = createDynamoClients({
  endpoint: input.dynamoEndpoint,
  region: 'us-east-1',
  credentials: { ...TEST_CREDENTIALS },
  maxAttempts: 3,
});
const delivery = recordingDelivery();
const deps = testDeps({
  store: { db, table: input.table },
  delivery,
  now: input.now,
  env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' },
});
const started = performance.now();
const report = await runWeeklyDigest(deps, { dryRun: false, charts: input.charts });
const durationMs = performance.now() - started;
// maxRSS is in kilobytes: the process's peak resident set, what Lambda's memory limit caps.
process.stdout.write(
  JSON.stringify({
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    durationMs,
    messages: delivery.sent.length,
    summary: report.summary,
  }),
);
db.destroy();

/**
 * One scheduled job run in its own process, so its time and peak memory are the job's
 * alone (plus Node and the tsx loader), not shared with the bench's dynalite, fake AWS
 * server and earlier runs. The parent serves the table and the AWS APIs by endpoint.
 *
 * Input (argv[2], JSON): `{ job: 'digest' | 'alerts' | 'ledger-sync', awsEndpoint,
 * dynamoEndpoint, table, now, charts?, nowcast?, deployed? }`. Output (stdout, JSON): `{ maxRssMb, rssBeforeMb, durationMs, cpuMs,
 * messages, summary }`.
 */
import { createDynamoClients } from '../lib/aws/dynamodb.js';
import { runBudgetAlerts } from '../lib/budgets/alerts.js';
import { runWeeklyDigest } from '../lib/digest/run.js';
import { runLedgerSync } from '../lib/ledger/job.js';
import { DynamoStore } from '../lib/store/dynamo.js';
import { awsTestEnv, TEST_CREDENTIALS, useEnv } from '../test/support/aws-server.js';
import { recordingDelivery, testDeps } from '../test/support/deps.js';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  job: 'digest' | 'alerts' | 'ledger-sync';
  /** As deployed: the ledger-sync function syncs, the alert and digest runs only read. */
  deployed?: boolean;
  awsEndpoint: string;
  dynamoEndpoint: string;
  table: string;
  now: string;
  charts?: boolean;
  nowcast?: boolean;
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
  store: new DynamoStore(db, input.table),
  delivery,
  now: input.now,
  env: {
    BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS',
    ...(input.deployed ? { BEDROCK_COST_LEDGER_SYNC_FUNCTION: 'true' } : {}),
  },
});
const rssBeforeMb = process.memoryUsage.rss() / 1024 / 1024;
// Sampled, not `resourceUsage().maxRSS`: on Linux a spawned process's maxRSS starts at the
// parent's resident size at fork time (the high-water mark survives exec), which would
// report the bench's memory, not the job's.
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 5);
const cpu0 = process.cpuUsage();
const started = performance.now();
const report =
  input.job === 'digest'
    ? await runWeeklyDigest(deps, { dryRun: false, charts: input.charts ?? true })
    : input.job === 'ledger-sync'
      ? await runLedgerSync(deps, { dryRun: false })
      : await runBudgetAlerts(deps, {
          dryRun: false,
          ...(input.nowcast === false ? { nowcast: false } : {}),
        });
const durationMs = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
// The peak resident set is what Lambda's memory limit caps.
process.stdout.write(
  JSON.stringify({
    maxRssMb: peakRss / 1024 / 1024,
    rssBeforeMb,
    durationMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    messages: delivery.sent.length,
    summary: report.summary,
  }),
);
db.destroy();
process.exit(0);

/**
 * What the scheduled jobs and `why` cost in AWS requests, counted at the wire: the real
 * adapters (through `deps.sources()`, with the DynamoDB cache and API ledger) talk to the
 * local AWS server (`bench/synthetic-aws.ts`), the table is dynalite behind a counting proxy.
 *
 * Cost Explorer's page size is undocumented: the synthetic account answers each query in
 * one page unless a page size is given (the `why` rows page deliberately).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runIdleScan } from '../lib/analysis/idle-scan.js';
import { runBudgetAlerts } from '../lib/budgets/alerts.js';
import { syntheticBudgetAccount } from '../lib/budgets/synthetic.js';
import { executeLine } from '../lib/commands/grammar.js';
import type { CommandContext } from '../lib/commands/types.js';
import { runWeeklyDigest } from '../lib/digest/run.js';
import type { Store } from '../lib/store/store.js';
import { manyThroughputs, wireHandlers } from '../test/analysis/idle-fixtures.js';
import { type DynamoProxy, proxiedStore, startDynamoProxy } from '../test/fault/dynamo-proxy.js';
import { type AwsServer, awsTestEnv, startAwsServer, useEnv } from '../test/support/aws-server.js';
import { recordingDelivery, testDeps } from '../test/support/deps.js';
import { startTestDynamo, type TestDynamo } from '../test/support/dynamo.js';
import { functionSettings, memorySizes } from './cost.js';
import { CE_OPERATIONS, syntheticAwsHandlers } from './synthetic-aws.js';
import { type BenchRow, ms, progress, rowWithTarget } from './util.js';

const runFile = promisify(execFile);

/** Requests of one run, by kind. */
export interface RunCounts {
  ce: number;
  /** GetCostAndUsage pages. */
  cePages: number;
  cwGetMetricData: number;
  /** Metrics requested through GetMetricData (what CloudWatch bills). */
  cwMetrics: number;
  cwOther: number;
  bedrock: number;
  dynamoRead: number;
  dynamoWrite: number;
  dynamoCalls: number;
  durationMs: number;
  messages: number;
  peakRssMb?: number;
  rssBeforeMb?: number;
  cpuMs?: number;
}

/** Everything the cost model needs, gathered while measuring. */
export interface RequestFigures {
  rows: BenchRow[];
  /** Per-run counts by job and team count (`alerts@100`, `digest@100`, ...). */
  runs: Record<string, RunCounts>;
  /** 100 teams, a simulated day of hourly runs. */
  day100: { alerts: RunCounts; digestMonday: RunCounts; digestOtherDay: RunCounts; idle: RunCounts };
  /** 100 teams: each slow chat command's requests, uncached (first ask) and cached (again). */
  chat100: Record<string, { uncached: RunCounts; cached: RunCounts }>;
}

/** The slow commands people ask in chat (they run in the command worker). */
export const CHAT_COMMANDS = ['spend last week by team', 'why last week', 'forecast', 'budget', 'idle'];

const ALERT_NOW = new Date('2026-11-18T06:00:00Z'); // a Wednesday
const MONDAY_9 = new Date('2026-11-16T09:00:00Z');

function countsOf(aws: AwsServer, proxy: DynamoProxy, durationMs: number, messages: number): RunCounts {
  const ce = aws.requests.filter((r) => CE_OPERATIONS.includes(r.operation)).length;
  const gmd = aws.requestsTo('GetMetricData');
  const units = proxy.units();
  return {
    ce,
    cePages: aws.count('GetCostAndUsage'),
    cwGetMetricData: gmd.length,
    cwMetrics: gmd.reduce(
      (n, r) => n + ((r.input.MetricDataQueries as unknown[] | undefined)?.length ?? 0),
      0,
    ),
    cwOther: aws.requests.filter((r) => r.service === 'CloudWatch' && r.operation !== 'GetMetricData').length,
    bedrock: aws.requests.filter((r) => r.service === 'Bedrock' || r.service === 'Tagging').length,
    dynamoRead: units.read,
    dynamoWrite: units.write,
    dynamoCalls: proxy.count(),
    durationMs,
    messages,
  };
}

function sum(runs: RunCounts[]): RunCounts {
  const out: RunCounts = {
    ce: 0,
    cePages: 0,
    cwGetMetricData: 0,
    cwMetrics: 0,
    cwOther: 0,
    bedrock: 0,
    dynamoRead: 0,
    dynamoWrite: 0,
    dynamoCalls: 0,
    durationMs: 0,
    messages: 0,
  };
  for (const r of runs)
    for (const k of Object.keys(out) as (keyof RunCounts)[]) (out[k] as number) += (r[k] as number) ?? 0;
  return out;
}

interface Account {
  aws: AwsServer;
  store: Store;
  table: string;
  restore: () => void;
}

async function account(dynamo: TestDynamo, proxy: DynamoProxy, teams: number, now: Date): Promise<Account> {
  const aws = await startAwsServer(syntheticAwsHandlers({ teams, now }));
  const table = (await dynamo.newStore()).table;
  const store = proxiedStore(proxy, table, { maxAttempts: 3 });
  await syntheticBudgetAccount({ teams, now }).seed(store);
  const restore = useEnv(awsTestEnv(aws.endpoint));
  return { aws, store, table, restore };
}

/** Sample RSS while `work` runs; peak in MB. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function alertRun(a: Account, proxy: DynamoProxy, now: Date, options: { nowcast?: false } = {}) {
  a.aws.requests.length = 0;
  proxy.reset();
  const delivery = recordingDelivery();
  const deps = testDeps({ store: a.store, delivery, now });
  const t0 = performance.now();
  const report = await runBudgetAlerts(deps, { dryRun: false, ...options });
  const counts = countsOf(a.aws, proxy, performance.now() - t0, delivery.sent.length);
  return { counts, report };
}

async function digestRun(a: Account, proxy: DynamoProxy, now: Date, charts: boolean) {
  a.aws.requests.length = 0;
  proxy.reset();
  const delivery = recordingDelivery();
  const deps = testDeps({ store: a.store, delivery, now, env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' } });
  const t0 = performance.now();
  const { peakMb } = await withPeakRss(() =>
    runWeeklyDigest(deps, { dryRun: false, charts, ...(charts ? {} : { concurrency: 8 }) }),
  );
  const counts = countsOf(a.aws, proxy, performance.now() - t0, delivery.sent.length);
  counts.peakRssMb = peakMb;
  return counts;
}

/** A job in a child process (`bench/job-child.ts`): its own time and peak RSS. */
async function childRun(
  a: Account,
  proxy: DynamoProxy,
  now: Date,
  job: { job: 'digest'; charts: boolean } | { job: 'alerts'; nowcast: boolean },
) {
  a.aws.requests.length = 0;
  proxy.reset();
  const t0 = performance.now();
  const { stdout } = await runFile(
    process.execPath,
    [
      // BENCH_CPU_PROF=dir writes a V8 CPU profile of each job run there (open in DevTools).
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      // The function's own NODE_OPTIONS from serverless.yml, as Lambda would start it.
      ...(functionSettings()[job.job === 'alerts' ? 'budget-alerts' : 'weekly-digest']?.nodeOptions ?? []),
      '--import',
      'tsx',
      new URL('./job-child.ts', import.meta.url).pathname,
      JSON.stringify({
        ...job,
        awsEndpoint: a.aws.endpoint,
        dynamoEndpoint: proxy.endpoint,
        table: a.table,
        now: now.toISOString(),
      }),
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 300_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const child = JSON.parse(stdout) as {
    maxRssMb: number;
    rssBeforeMb: number;
    durationMs: number;
    cpuMs: number;
    messages: number;
  };
  const counts = countsOf(a.aws, proxy, performance.now() - t0, child.messages);
  counts.durationMs = child.durationMs;
  counts.cpuMs = child.cpuMs;
  counts.peakRssMb = child.maxRssMb;
  counts.rssBeforeMb = child.rssBeforeMb;
  return counts;
}

/** Resident memory the tsx loader adds to a Node process (the Lambda bundle has no tsx): MB. */
async function tsxOverheadMb(): Promise<number> {
  const rss = async (args: string[]) => {
    const { stdout } = await runFile(process.execPath, [
      ...args,
      '-e',
      'process.stdout.write(String(process.memoryUsage().rss / 1048576))',
    ]);
    return Number(stdout);
  };
  return Math.max(0, (await rss(['--import', 'tsx'])) - (await rss([])));
}

const hoursLater = (at: Date, h: number) => new Date(at.getTime() + h * 3_600_000);

/** Run the request benches. `quick` skips the 10,000-team alert run. */
export async function requestBench(options: { quick?: boolean } = {}): Promise<RequestFigures> {
  const rows: BenchRow[] = [];
  const runs: Record<string, RunCounts> = {};
  const dynamo = await startTestDynamo();
  const proxy = await startDynamoProxy(dynamo.endpoint);
  const section = 'AWS requests';
  let day100: RequestFigures['day100'] | undefined;
  const chat100: RequestFigures['chat100'] = {};
  try {
    for (const teams of [10, 100, 1000]) {
      progress(`requests: alerts and digest at ${teams} teams`);
      const a = await account(dynamo, proxy, teams, ALERT_NOW);
      try {
        const { counts } = await alertRun(a, proxy, ALERT_NOW);
        runs[`alerts@${teams}`] = counts;
        rows.push(
          rowWithTarget(
            {
              section,
              name: `alert run, ${teams} teams: Cost Explorer · CloudWatch requests`,
              value: `${counts.ce} CE · ${counts.cwGetMetricData + counts.cwOther} CW`,
              raw: counts.ce,
              note: `${counts.cwGetMetricData} GetMetricData (${counts.cwMetrics} metrics) + ${counts.cwOther} ListMetrics, ${counts.bedrock} Bedrock, ${counts.messages} alerts, ${ms(counts.durationMs)}; target on Cost Explorer`,
            },
            3,
            '<= 3',
            false,
          ),
        );
        const digest =
          teams === 1000
            ? await childRun(a, proxy, MONDAY_9, { job: 'digest', charts: false })
            : await digestRun(a, proxy, MONDAY_9, true);
        runs[`digest@${teams}`] = digest;
        rows.push(
          rowWithTarget(
            {
              section,
              name: `digest run, ${teams} teams: Cost Explorer · CloudWatch requests`,
              value: `${digest.ce} CE · ${digest.cwGetMetricData + digest.cwOther} CW`,
              raw: digest.ce,
              note: `${digest.cwGetMetricData} GetMetricData + ${digest.cwOther} ListMetrics, ${digest.bedrock} Bedrock, ${digest.messages} messages, ${ms(digest.durationMs)}${teams < 1000 ? ', with charts' : ', no charts'}`,
            },
            3,
            '<= 3',
            false,
          ),
        );
        if (teams === 1000) {
          const tsx = await tsxOverheadMb();
          const peak = (digest.peakRssMb ?? 0) - tsx;
          rows.push(
            rowWithTarget(
              {
                section,
                name: 'digest run, 1,000 teams: peak RSS',
                value: `${Math.round(peak)} MB`,
                raw: peak,
                note: `peak RSS of a process running only the digest, charts off: ${Math.round(digest.peakRssMb ?? 0)} MB measured minus ${Math.round(tsx)} MB for the tsx loader (not in the Lambda bundle); ${Math.round(digest.rssBeforeMb ?? 0)} MB before the run started`,
              },
              512,
              '< 512 MB',
            ),
          );
        }
        if (teams === 100) {
          progress('requests: a simulated day of hourly runs at 100 teams');
          // Hourly alert runs through one day (the cache keeps answers 4 h by default).
          const day = new Date('2026-11-18T00:30:00Z');
          const alerts: RunCounts[] = [];
          for (let h = 0; h < 24; h++) alerts.push((await alertRun(a, proxy, hoursLater(day, h))).counts);
          // The digest Lambda runs hourly too; Monday 09:00 was measured above.
          const monday: RunCounts[] = [digest];
          for (const h of [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23])
            monday.push(
              await digestRun(a, proxy, new Date(`2026-11-16T${String(h).padStart(2, '0')}:05:00Z`), false),
            );
          const other: RunCounts[] = [];
          for (let h = 0; h < 24; h++)
            other.push(await digestRun(a, proxy, hoursLater(new Date('2026-11-17T00:05:00Z'), h), false));
          day100 = {
            alerts: sum(alerts),
            digestMonday: sum(monday),
            digestOtherDay: sum(other),
            idle: {} as RunCounts,
          };
          // Chat commands on a cold cache (a fresh table with the same teams), then again.
          const chatStore = proxiedStore(proxy, (await dynamo.newStore()).table, { maxAttempts: 3 });
          await syntheticBudgetAccount({ teams, now: ALERT_NOW }).seed(chatStore);
          const chatDeps = testDeps({ store: chatStore, now: ALERT_NOW });
          const ctx: CommandContext = {
            deps: chatDeps,
            caller: { platform: 'cli', userId: 'bench', isAdmin: true },
          };
          for (const line of CHAT_COMMANDS) {
            const once = async () => {
              a.aws.requests.length = 0;
              proxy.reset();
              const t0 = performance.now();
              await executeLine(line, ctx);
              return countsOf(a.aws, proxy, performance.now() - t0, 1);
            };
            chat100[line] = { uncached: await once(), cached: await once() };
          }
          rows.push({
            section,
            name: 'chat commands, 100 teams: Cost Explorer uncached / cached',
            value: CHAT_COMMANDS.map((l) => `${chat100[l]!.uncached.ce}/${chat100[l]!.cached.ce}`).join(' '),
            raw: CHAT_COMMANDS.reduce((n, l) => n + chat100[l]!.uncached.ce, 0),
            target: '',
            note: CHAT_COMMANDS.map((l) => `\`${l.split(' ')[0]}\``).join(' '),
          });
          rows.push({
            section,
            name: '24 hourly alert runs, 100 teams: Cost Explorer',
            value: `${day100.alerts.ce} req/day`,
            raw: day100.alerts.ce,
            target: '',
            note: `${day100.alerts.cwGetMetricData} GetMetricData (${day100.alerts.cwMetrics} metrics)/day; cached answers live 4 h`,
          });
        }
      } finally {
        a.restore();
        await a.aws.close();
      }
    }

    if (!options.quick) {
      for (const nowcast of [false, true]) {
        const label = nowcast ? 'as deployed (bill + nowcast)' : 'bill only (nowcast off)';
        progress(`requests: alert run at 10,000 teams, ${label}`);
        const a = await account(dynamo, proxy, 10_000, ALERT_NOW);
        try {
          const counts = await childRun(a, proxy, ALERT_NOW, { job: 'alerts', nowcast });
          runs[`alerts@10000${nowcast ? '' : '-bill-only'}`] = counts;
          rows.push(
            rowWithTarget(
              {
                section,
                name: `alert run, 10,000 teams, ${label}: time`,
                value: ms(counts.durationMs),
                raw: counts.durationMs,
                note: `job alone in a child process (the function's NODE_OPTIONS from serverless.yml), ${ms(counts.cpuMs ?? 0)} of CPU; ${counts.messages} alerts posted (recording delivery); ${counts.ce} Cost Explorer, ${counts.cwGetMetricData} GetMetricData (${counts.cwMetrics} metrics), ${counts.bedrock} Bedrock and tagging requests`,
              },
              10_000,
              '< 10 s',
            ),
            rowWithTarget(
              {
                section,
                name: `alert run, 10,000 teams, ${label}: Cost Explorer`,
                value: `${counts.ce} req`,
                raw: counts.ce,
              },
              3,
              '<= 3',
              false,
            ),
          );
          if (nowcast) {
            // The run must fit in the function's memory (serverless.yml).
            const memory = memorySizes()['budget-alerts'] ?? 1024;
            const tsx = await tsxOverheadMb();
            const peak = (counts.peakRssMb ?? 0) - tsx;
            rows.push(
              rowWithTarget(
                {
                  section,
                  name: 'alert run, 10,000 teams, as deployed: peak RSS',
                  value: `${Math.round(peak)} MB`,
                  raw: peak,
                  note: `${Math.round(counts.peakRssMb ?? 0)} MB measured minus ${Math.round(tsx)} MB for the tsx loader; budget-alerts has ${memory} MB (serverless.yml)`,
                },
                memory,
                `< ${memory} MB`,
              ),
            );
            // The steady state at its heaviest: a later hourly run after both the 4-hour Cost
            // Explorer cache and the 6-hour inference-profile cache expired (a fresh bill, the
            // profiles listed again; their tags, read within the day, are reused).
            const later = new Date(ALERT_NOW.getTime() + 7 * 3_600_000);
            const next = await childRun(a, proxy, later, { job: 'alerts', nowcast });
            runs['alerts@10000-next-hour'] = next;
            rows.push(
              rowWithTarget(
                {
                  section,
                  name: 'alert run, 10,000 teams, as deployed, a later hourly run (caches refilled, tags reused): time',
                  value: ms(next.durationMs),
                  raw: next.durationMs,
                  note: `7 h after the first run: the bill and the profile listing fetched again, tags reused; ${ms(next.cpuMs ?? 0)} of CPU; ${next.ce} Cost Explorer, ${next.cwGetMetricData} GetMetricData, ${next.bedrock} Bedrock and tagging requests`,
                },
                10_000,
                '< 10 s',
              ),
            );
            // The once-a-day full re-read of every profile's tags (a re-tag shows within a day).
            const nextDay = new Date(ALERT_NOW.getTime() + 25 * 3_600_000);
            const daily = await childRun(a, proxy, nextDay, { job: 'alerts', nowcast });
            runs['alerts@10000-next-day'] = daily;
            rows.push(
              rowWithTarget(
                {
                  section,
                  name: 'alert run, 10,000 teams, as deployed, the daily tag re-read: time',
                  value: ms(daily.durationMs),
                  raw: daily.durationMs,
                  note: `25 h after the first run: bill, listing and every profile's tags read again; ${ms(daily.cpuMs ?? 0)} of CPU; ${daily.ce} Cost Explorer, ${daily.cwGetMetricData} GetMetricData, ${daily.bedrock} Bedrock and tagging requests`,
                },
                10_000,
                '< 10 s',
              ),
            );
          }
        } finally {
          a.restore();
          await a.aws.close();
        }
      }
    }

    progress('requests: digest with charts, 100 teams, in its own process');
    {
      const a = await account(dynamo, proxy, 100, ALERT_NOW);
      try {
        const tsx = await tsxOverheadMb();
        const counts = await childRun(a, proxy, MONDAY_9, { job: 'digest', charts: true });
        rows.push({
          section,
          name: 'digest run, 100 teams, with charts (as deployed): peak RSS',
          value: `${Math.round((counts.peakRssMb ?? 0) - tsx)} MB`,
          raw: (counts.peakRssMb ?? 0) - tsx,
          target: '',
          note: `${counts.messages} messages with a chart PNG each in ${ms(counts.durationMs)} (${ms(counts.cpuMs ?? 0)} CPU); ${counts.ce} Cost Explorer requests; tsx loader (${Math.round(tsx)} MB) subtracted`,
        });
      } finally {
        a.restore();
        await a.aws.close();
      }
    }

    progress('requests: idle scan of 50 throughputs');
    {
      const aws = await startAwsServer(wireHandlers({ throughputs: manyThroughputs(50), usage: new Map() }));
      const restore = useEnv(awsTestEnv(aws.endpoint));
      try {
        const store = proxiedStore(proxy, (await dynamo.newStore()).table, { maxAttempts: 3 });
        proxy.reset();
        const delivery = recordingDelivery();
        const deps = testDeps({
          store,
          delivery,
          env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS', AWS_ENDPOINT_URL_BEDROCK: aws.endpoint },
        });
        const t0 = performance.now();
        await runIdleScan(deps, { dryRun: false });
        const counts = countsOf(aws, proxy, performance.now() - t0, delivery.sent.length);
        runs['idle@50'] = counts;
        if (day100) day100.idle = counts;
        rows.push(
          rowWithTarget(
            {
              section,
              name: 'idle scan, 50 throughputs: GetMetricData',
              value: `${counts.cwGetMetricData} req`,
              raw: counts.cwGetMetricData,
              note: `${counts.cwMetrics} metrics, ${counts.ce} Cost Explorer, ${counts.messages} findings posted`,
            },
            2,
            '<= 2',
            false,
          ),
          rowWithTarget(
            {
              section,
              name: 'idle scan, 50 throughputs: time',
              value: ms(counts.durationMs),
              raw: counts.durationMs,
            },
            2000,
            '< 2 s',
          ),
        );
      } finally {
        restore();
        await aws.close();
      }
    }

    progress('requests: why, uncached then cached');
    {
      // 25 teams, pages of 200 groups: a `why 30d` reads 60 days of daily rows.
      const aws = await startAwsServer(syntheticAwsHandlers({ teams: 25, now: ALERT_NOW, pageSize: 200 }));
      const restore = useEnv(awsTestEnv(aws.endpoint));
      try {
        const store = proxiedStore(proxy, (await dynamo.newStore()).table, { maxAttempts: 3 });
        const deps = testDeps({ store });
        const ctx: CommandContext = { deps, caller: { platform: 'cli', userId: 'bench', isAdmin: true } };
        await executeLine('why 30d', ctx);
        const uncached = aws.requests.filter((r) => CE_OPERATIONS.includes(r.operation)).length;
        const pages = aws.count('GetCostAndUsage');
        aws.requests.length = 0;
        await executeLine('why 30d', ctx);
        const cached = aws.requests.filter((r) => CE_OPERATIONS.includes(r.operation)).length;
        const perPage = uncached / Math.max(1, pages);
        rows.push(
          rowWithTarget(
            {
              section,
              name: '`why 30d` uncached: Cost Explorer requests per page of data',
              value: perPage.toFixed(2),
              raw: perPage,
              note: `${uncached} requests for ${pages} pages (200 groups a page, 25 teams)`,
            },
            2,
            '<= 2',
            false,
          ),
          rowWithTarget(
            {
              section,
              name: '`why 30d` cached: Cost Explorer requests',
              value: `${cached} req`,
              raw: cached,
            },
            0,
            '0',
            false,
          ),
        );
      } finally {
        restore();
        await aws.close();
      }
    }
  } finally {
    await proxy.close();
    await dynamo.close();
  }
  if (!day100) throw new Error('the 100-team day was not measured');
  return { rows, runs, day100, chat100 };
}

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
import { runBudgetAlerts } from '../lib/budgets/alerts.js';
import { executeLine } from '../lib/commands/grammar.js';
import type { CommandContext } from '../lib/commands/types.js';
import { runWeeklyDigest } from '../lib/digest/run.js';
import { runIdleScan } from '../lib/idle/job.js';
import { syncIfDue } from '../lib/ledger/job.js';
import type { Store } from '../lib/store/store.js';
import { type DynamoProxy, proxiedStore, startDynamoProxy } from '../test/fault/dynamo-proxy.js';
import { manyThroughputs, wireHandlers } from '../test/idle/idle-fixtures.js';
import {
  type AwsHandler,
  type AwsServer,
  awsTestEnv,
  startAwsServer,
  useEnv,
} from '../test/support/aws-server.js';
import { recordingDelivery, testDeps } from '../test/support/deps.js';
import { startTestDynamo, type TestDynamo } from '../test/support/dynamo.js';
import { syntheticBudgetAccount } from '../test/support/synthetic-budgets.js';
import { functionSettings, memorySizes } from './functions.js';
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
  /**
   * 100 teams, one deployment (one table, one account) through simulated days: the first day
   * on an empty ledger (fill + backfill), then a Monday (the digest posts) and a Tuesday.
   */
  deploy100: { firstDay: DayCounts; monday: DayCounts; otherDay: DayCounts };
  /** The idle scan of 50 throughputs (its CloudWatch metrics stand for the daily scan). */
  idle50?: RunCounts;
  /** Steady-state alert runs (ledger synced, nothing due) by team count: the marginal cost per team. */
  steadyAlerts: Record<number, RunCounts>;
}

/** One simulated day's requests by job. */
export interface DayCounts {
  alerts: RunCounts;
  digest: RunCounts;
  idle: RunCounts;
  chat: RunCounts;
  /** Slow chat questions asked that day. */
  chatQuestions: number;
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
  /** The instant the synthetic bill is at (moved by each run: the bill gains a day at midnight). */
  at: Date;
  /** Groups Cost Explorer returned so far (each page is billed; the page size is undocumented). */
  groups: number;
}

async function account(dynamo: TestDynamo, proxy: DynamoProxy, teams: number, now: Date): Promise<Account> {
  const a = { at: now, groups: 0 } as Account;
  const handlers = syntheticAwsHandlers({ teams, now: () => a.at });
  const getCostAndUsage = handlers.GetCostAndUsage as AwsHandler;
  handlers.GetCostAndUsage = async (input, request) => {
    const out = (await getCostAndUsage(input, request)) as { ResultsByTime?: { Groups: unknown[] }[] };
    for (const r of out.ResultsByTime ?? []) a.groups += r.Groups.length;
    return out;
  };
  a.aws = await startAwsServer(handlers);
  a.table = (await dynamo.newStore()).table;
  a.store = proxiedStore(proxy, a.table, { maxAttempts: 3 });
  await syntheticBudgetAccount({ teams, now }).seed(a.store);
  a.restore = useEnv(awsTestEnv(a.aws.endpoint));
  return a;
}

/** The ledger sync step of a scheduled run alone (what `syncIfDue` reads at `now`). */
async function syncRun(a: Account, proxy: DynamoProxy, now: Date) {
  a.at = now;
  a.aws.requests.length = 0;
  proxy.reset();
  const deps = testDeps({ store: a.store, now });
  const t0 = performance.now();
  const result = await syncIfDue(deps);
  return { counts: countsOf(a.aws, proxy, performance.now() - t0, 0), result };
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
  a.at = now;
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
  a.at = now;
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
  job:
    | { job: 'digest'; charts: boolean; deployed?: boolean }
    | { job: 'alerts'; nowcast: boolean; deployed?: boolean }
    | { job: 'ledger-sync' },
) {
  a.at = now;
  a.aws.requests.length = 0;
  proxy.reset();
  const t0 = performance.now();
  const { stdout } = await runFile(
    process.execPath,
    [
      // BENCH_CPU_PROF=dir writes a V8 CPU profile of each job run there (open in DevTools).
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      // The function's own NODE_OPTIONS from serverless.yml, as Lambda would start it.
      ...(functionSettings()[
        job.job === 'alerts' ? 'budget-alerts' : job.job === 'ledger-sync' ? 'ledger-sync' : 'weekly-digest'
      ]?.nodeOptions ?? []),
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
    {
      maxBuffer: 16 * 1024 * 1024,
      // Twice the function's own timeout (serverless.yml: ledger-sync 600 s, the jobs 300 s):
      // the bench machine is shared, and the figure reported is the measured time.
      timeout: (job.job === 'ledger-sync' ? 1_200 : 600) * 1000,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    },
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

/** Slow chat questions an hour, 10 hours a day (`USAGE.chatCommandsPerDay` = 40). */
const USAGE_CHAT_PER_HOUR = 4;

const hoursLater = (at: Date, h: number) => new Date(at.getTime() + h * 3_600_000);

/**
 * One deployment of 100 teams through simulated days, every job on one table and one
 * account as deployed: hourly alert and digest runs (the digest posts Monday 09:00), the
 * daily idle scan, and 40 slow chat questions a day (the chat commands in turn, 08:00-17:00).
 * Day 0 starts on an empty ledger (fill and backfill); Monday and Tuesday are steady state.
 */
async function simulatedDeployment(
  dynamo: TestDynamo,
  proxy: DynamoProxy,
  rows: BenchRow[],
): Promise<RequestFigures['deploy100']> {
  const section = 'AWS requests';
  const days = ['2026-11-15', '2026-11-16', '2026-11-17']; // Sunday (empty ledger), Monday, Tuesday
  const a = await account(dynamo, proxy, 100, new Date(`${days[0]}T00:00:00Z`));
  const out: DayCounts[] = [];
  try {
    for (const day of days) {
      progress(`requests: simulated day ${day} at 100 teams (hourly jobs, 40 chat questions)`);
      const alerts: RunCounts[] = [];
      const digests: RunCounts[] = [];
      const idle: RunCounts[] = [];
      const chat: RunCounts[] = [];
      for (let h = 0; h < 24; h++) {
        const at = (m: number) =>
          new Date(`${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);
        alerts.push((await alertRun(a, proxy, at(0))).counts);
        digests.push(await digestRun(a, proxy, at(5), h === 9 && day === days[1]));
        if (h === 6) {
          a.at = at(10);
          a.aws.requests.length = 0;
          proxy.reset();
          const deps = testDeps({
            store: a.store,
            delivery: recordingDelivery(),
            now: at(10),
            env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' },
          });
          const t0 = performance.now();
          await runIdleScan(deps, { dryRun: false });
          idle.push(countsOf(a.aws, proxy, performance.now() - t0, 0));
        }
        if (h >= 8 && h < 18) {
          // One command worker per hour (a warm Lambda answers that hour's questions).
          const ctx: CommandContext = {
            deps: testDeps({ store: a.store, now: at(20) }),
            caller: { platform: 'cli', userId: 'bench', isAdmin: true },
          };
          for (let q = 0; q < USAGE_CHAT_PER_HOUR; q++) {
            a.at = at(20 + q);
            a.aws.requests.length = 0;
            proxy.reset();
            const t0 = performance.now();
            await executeLine(CHAT_COMMANDS[chat.length % CHAT_COMMANDS.length]!, ctx);
            chat.push(countsOf(a.aws, proxy, performance.now() - t0, 1));
          }
        }
      }
      out.push({
        alerts: sum(alerts),
        digest: sum(digests),
        idle: sum(idle),
        chat: sum(chat),
        chatQuestions: chat.length,
      });
    }
  } finally {
    a.restore();
    await a.aws.close();
  }
  const [firstDay, monday, otherDay] = out as [DayCounts, DayCounts, DayCounts];
  const total = (d: DayCounts, k: 'ce' | 'cwGetMetricData' | 'cwMetrics' | 'cwOther') =>
    d.alerts[k] + d.digest[k] + d.idle[k] + d.chat[k];
  const describe = (d: DayCounts) =>
    `alerts ${d.alerts.ce}, digest ${d.digest.ce}, idle ${d.idle.ce}, chat ${d.chat.ce} (${d.chatQuestions} questions); CloudWatch ${total(d, 'cwGetMetricData')} GetMetricData (${total(d, 'cwMetrics')} metrics) + ${total(d, 'cwOther')} ListMetrics`;
  rows.push(
    {
      section,
      name: '100 teams, first day on an empty ledger: Cost Explorer requests',
      value: `${total(firstDay, 'ce')} req`,
      raw: total(firstDay, 'ce'),
      target: '',
      note: `fill + 13-month backfill: ${describe(firstDay)}`,
    },
    ...(
      [
        ['a Monday (digest day)', monday],
        ['a Tuesday', otherDay],
      ] as const
    ).map(([label, d]) =>
      rowWithTarget(
        {
          section,
          name: `100 teams, steady state, ${label}: Cost Explorer · CloudWatch requests`,
          value: `${total(d, 'ce')} CE · ${total(d, 'cwGetMetricData') + total(d, 'cwOther')} CW`,
          raw: total(d, 'ce'),
          note: `24 alert runs, 24 digest runs, 1 idle scan, ${d.chatQuestions} slow chat questions: ${describe(d)}; target on Cost Explorer`,
        },
        10,
        '<= 10 CE',
        false,
      ),
    ),
  );
  return { firstDay, monday, otherDay };
}

/** Run the request benches. `quick` skips the 10,000-team alert run. */
export async function requestBench(options: { quick?: boolean } = {}): Promise<RequestFigures> {
  const rows: BenchRow[] = [];
  const runs: Record<string, RunCounts> = {};
  const dynamo = await startTestDynamo();
  const proxy = await startDynamoProxy(dynamo.endpoint);
  const section = 'AWS requests';
  let deploy100: RequestFigures['deploy100'] | undefined;
  let idle50: RunCounts | undefined;
  const steadyAlerts: RequestFigures['steadyAlerts'] = {};
  try {
    for (const teams of [10, 100, 1000]) {
      progress(`requests: alerts and digest at ${teams} teams`);
      const a = await account(dynamo, proxy, teams, ALERT_NOW);
      try {
        // The first run on an empty table fills the ledger (last month and this one).
        const { counts } = await alertRun(a, proxy, ALERT_NOW);
        runs[`alerts@${teams}`] = counts;
        rows.push({
          section,
          name: `alert run, ${teams} teams, first on an empty ledger (fill): Cost Explorer · CloudWatch requests`,
          value: `${counts.ce} CE · ${counts.cwGetMetricData + counts.cwOther} CW`,
          raw: counts.ce,
          target: '',
          note: `${counts.cwGetMetricData} GetMetricData (${counts.cwMetrics} metrics) + ${counts.cwOther} ListMetrics, ${counts.bedrock} Bedrock, ${counts.messages} alerts, ${ms(counts.durationMs)}`,
        });
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
              note: `${digest.cwGetMetricData} GetMetricData + ${digest.cwOther} ListMetrics, ${digest.bedrock} Bedrock, ${digest.messages} messages, ${ms(digest.durationMs)}${teams < 1000 ? ', with charts' : ', no charts'}; from the ledger`,
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
        // The rest of the first day: the hourly runs' sync steps bring the 13-month backfill
        // in (3 months a step), then nothing is due until the open window is, a day later.
        let firstDay = counts.ce;
        let steps = 0;
        for (let h = 1; h < 24; h++) {
          const step = await syncRun(a, proxy, hoursLater(ALERT_NOW, h));
          firstDay += step.counts.ce;
          if (step.counts.ce) steps++;
          else break;
        }
        // The next day: the open window is due once (all Cost Explorer requests of the day).
        const groups0 = a.groups;
        const due = await syncRun(a, proxy, hoursLater(ALERT_NOW, 24));
        const groups = a.groups - groups0;
        const after = await syncRun(a, proxy, hoursLater(ALERT_NOW, 25));
        const steadyDay = due.counts.ce + after.counts.ce;
        runs[`sync-day@${teams}`] = due.counts;
        rows.push(
          {
            section,
            name: `ledger, ${teams} teams: first day's Cost Explorer requests (fill + 13-month backfill)`,
            value: `${firstDay} req`,
            raw: firstDay,
            target: '',
            note: `the first alert run's fill, then ${steps} backfill steps on the next hourly runs`,
          },
          rowWithTarget(
            {
              section,
              name: `ledger, ${teams} teams: Cost Explorer requests a steady-state day`,
              value: `${steadyDay} req`,
              raw: steadyDay,
              note: `one read of the open window (1 GetDimensionValues + 1 by account + 1 per Bedrock service; the synthetic bill has 2, a real account up to 6); ${groups.toLocaleString('en-US')} groups returned, counted as one page per query (Cost Explorer bills each page; its page size is undocumented); ${due.counts.dynamoCalls} DynamoDB calls, ${due.result.record?.daysWritten ?? 0} days written`,
            },
            10,
            '<= 10',
            false,
          ),
        );
        // A steady-state alert run: ledger current, nothing due.
        const steady = (await alertRun(a, proxy, hoursLater(ALERT_NOW, 26))).counts;
        steadyAlerts[teams] = steady;
        rows.push(
          rowWithTarget(
            {
              section,
              name: `alert run, ${teams} teams, steady state: Cost Explorer · CloudWatch requests`,
              value: `${steady.ce} CE · ${steady.cwGetMetricData + steady.cwOther} CW`,
              raw: steady.ce,
              note: `${steady.cwGetMetricData} GetMetricData (${steady.cwMetrics} metrics, the nowcast) + ${steady.cwOther} ListMetrics, ${steady.bedrock} Bedrock, ${steady.dynamoCalls} DynamoDB calls, ${ms(steady.durationMs)}`,
            },
            0,
            '0 CE',
            false,
          ),
        );
      } finally {
        a.restore();
        await a.aws.close();
      }
    }

    deploy100 = await simulatedDeployment(dynamo, proxy, rows);

    /** The ledger-sync function at 10,000 teams in its own process: time and peak memory. */
    const syncChild = async (a: Account, proxy: DynamoProxy, at: Date, what: string) => {
      const memory = memorySizes()['ledger-sync'] ?? 1024;
      const counts = await childRun(a, proxy, new Date(at.getTime() - 10 * 60_000), { job: 'ledger-sync' });
      const peak = (counts.peakRssMb ?? 0) - (await tsxOverheadMb());
      rows.push(
        rowWithTarget(
          {
            section,
            name: `ledger sync, 10,000 teams, ${what}: peak RSS`,
            value: `${Math.round(peak)} MB`,
            raw: peak,
            note: `${ms(counts.durationMs)} (${ms(counts.cpuMs ?? 0)} of CPU), ${counts.ce} Cost Explorer requests, ${counts.dynamoWrite} WRU; ledger-sync has ${memory} MB (serverless.yml)`,
          },
          memory,
          `< ${memory} MB`,
        ),
      );
    };

    if (!options.quick) {
      for (const nowcast of [false, true]) {
        const label = nowcast ? 'as deployed (bill + nowcast)' : 'bill only (nowcast off)';
        progress(`requests: alert run at 10,000 teams, ${label}`);
        const a = await account(dynamo, proxy, 10_000, ALERT_NOW);
        try {
          // As deployed, the ledger-sync function (its own memory) fills the ledger first; the
          // alert run then only reads it.
          if (nowcast) await syncChild(a, proxy, ALERT_NOW, 'the first sync, an empty table (the fill)');
          const counts = await childRun(a, proxy, ALERT_NOW, { job: 'alerts', nowcast, deployed: nowcast });
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
            {
              section,
              name: `alert run, 10,000 teams, ${label}: Cost Explorer (the ledger's fill, first run on an empty table)`,
              value: `${counts.ce} req`,
              raw: counts.ce,
              target: '',
              note: `${a.groups.toLocaleString('en-US')} groups returned, counted as one page per query (Cost Explorer bills each page; its page size is undocumented)`,
            },
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
            await syncChild(a, proxy, later, '7 h later (a 3-month backfill step)');
            const next = await childRun(a, proxy, later, { job: 'alerts', nowcast, deployed: true });
            runs['alerts@10000-next-hour'] = next;
            rows.push(
              rowWithTarget(
                {
                  section,
                  name: 'alert run, 10,000 teams, as deployed, a later hourly run (caches refilled, tags reused): time',
                  value: ms(next.durationMs),
                  raw: next.durationMs,
                  note: `7 h after the first run: a step of the ledger's backfill, the profile listing fetched again, tags reused; ${ms(next.cpuMs ?? 0)} of CPU; ${next.ce} Cost Explorer, ${next.cwGetMetricData} GetMetricData, ${next.bedrock} Bedrock and tagging requests`,
                },
                10_000,
                '< 10 s',
              ),
            );
            // The once-a-day full re-read of every profile's tags (a re-tag shows within a day).
            const nextDay = new Date(ALERT_NOW.getTime() + 25 * 3_600_000);
            await syncChild(a, proxy, nextDay, '25 h later (the open window read again)');
            const daily = await childRun(a, proxy, nextDay, { job: 'alerts', nowcast, deployed: true });
            runs['alerts@10000-next-day'] = daily;
            rows.push(
              rowWithTarget(
                {
                  section,
                  name: 'alert run, 10,000 teams, as deployed, the daily tag re-read: time',
                  value: ms(daily.durationMs),
                  raw: daily.durationMs,
                  note: `25 h after the first run: the ledger's open window, the listing and every profile's tags read again; ${ms(daily.cpuMs ?? 0)} of CPU; ${daily.ce} Cost Explorer, ${daily.cwGetMetricData} GetMetricData, ${daily.bedrock} Bedrock and tagging requests`,
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

    if (!options.quick) {
      // The weekly digest at 10,000 teams, as deployed: ledger-sync has filled the ledger,
      // the run reads it and posts what fits its time budget (the rest in the next runs).
      progress('requests: digest run at 10,000 teams, as deployed');
      const a = await account(dynamo, proxy, 10_000, MONDAY_9);
      try {
        await syncChild(a, proxy, MONDAY_9, 'before the digest (the fill)');
        const counts = await childRun(a, proxy, MONDAY_9, { job: 'digest', charts: true, deployed: true });
        const memory = memorySizes()['weekly-digest'] ?? 1024;
        const peak = (counts.peakRssMb ?? 0) - (await tsxOverheadMb());
        rows.push(
          rowWithTarget(
            {
              section,
              name: 'digest run, 10,000 teams, as deployed: peak RSS',
              value: `${Math.round(peak)} MB`,
              raw: peak,
              note: `${counts.messages} digests with charts in ${ms(counts.durationMs)} (${ms(counts.cpuMs ?? 0)} CPU; the run posts what fits its time budget, the next runs the rest); ${counts.ce} Cost Explorer requests; weekly-digest has ${memory} MB (serverless.yml)`,
            },
            memory,
            `< ${memory} MB`,
          ),
        );
      } finally {
        a.restore();
        await a.aws.close();
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
        idle50 = counts;
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

    progress('requests: why on an empty ledger, then from it');
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
              name: '`why 30d` on an empty ledger (chat reads the days it needs): Cost Explorer requests per page of data',
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
              name: '`why 30d` again (from the ledger): Cost Explorer requests',
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
  if (!deploy100) throw new Error('the 100-team deployment was not simulated');
  return { rows, runs, deploy100, ...(idle50 ? { idle50 } : {}), steadyAlerts };
}

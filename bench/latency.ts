/**
 * In-process latency (warm): the Slack acknowledgement path, every command on the demo
 * account, the pricing hot paths (bench hooks of `bench/pricing-hooks.ts`) and `why` over a
 * large synthetic bill.
 *
 * The demo account goes through the same `deps.sources()` as AWS (cache and ledger in the
 * table, here dynalite): a warm command answers from the cached bill like a warm Lambda.
 */
import { renderDailyChart } from '../lib/chart/render.js';
import { createSlackEventsHandler } from '../lib/chat/slack-app.js';
import { addDays } from '../lib/clock.js';
import { executeLine } from '../lib/commands/grammar.js';
import { type Period, rangePeriod } from '../lib/commands/period.js';
import type { CommandContext } from '../lib/commands/types.js';
import { explainPeriods } from '../lib/commands/why.js';
import { Dec, ZERO } from '../lib/money.js';
import type { CostQuery, CostRow, CostSource } from '../lib/ports.js';
import { loadCatalog } from '../lib/pricing/catalog.js';
import type { SpendContext } from '../lib/spend/query.js';
import type { Store } from '../lib/store/store.js';
import { testDeps } from '../test/support/deps.js';
import { startTestDynamo } from '../test/support/dynamo.js';
import { slackCommandBody, slackRequest, TEST_EPOCH_SECONDS } from '../test/support/signing.js';
import { BENCH_WORKLOADS, estimateLine, measureCatalogLoad } from './pricing-hooks.js';
import {
  type BenchRow,
  median,
  ms,
  percentile,
  progress,
  quietestRound,
  rowWithTarget,
  sampleCpu,
} from './util.js';

const SECRET = 'bench-signing-secret-0123456789ab';

function latencyRow(
  section: string,
  name: string,
  samples: number[],
  limitMs?: number,
  note?: string,
): BenchRow {
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  const row = {
    section,
    name,
    value: `${ms(p50)} / ${ms(p99)}`,
    raw: p99,
    note: `p50 / p99 of ${samples.length} runs (quietest of 3 rounds)${note ? `; ${note}` : ''}`,
  };
  return limitMs === undefined ? { ...row, target: '' } : rowWithTarget(row, limitMs, `p99 < ${limitMs} ms`);
}

/** The demo account's commands, as people type them. */
const COMMANDS: [string, string, number][] = [
  ['help', 'help', 100],
  ['spend', 'spend last week by team', 40],
  ['why', 'why last week', 40],
  ['idle', 'idle', 40],
  ['estimate', 'estimate claude-sonnet-4-5 2000 in 500 out 10k/day', 200],
  ['compare', 'compare claude-sonnet-4-5 2000 in 500 out 10k/day', 40],
  ['prices', 'prices sonnet 4.5', 100],
  ['forecast', 'forecast', 40],
  ['budget', 'budget', 40],
];

/**
 * A bill of `days` x `usageTypes` x `teams`: usage lines (service x usage type) and team
 * lines (team x service), answered from memory so only our code is timed.
 */
export function bigBill(options: {
  start: string;
  days: number;
  usageTypes: number;
  teams: number;
}): CostSource {
  const services = Array.from({ length: 10 }, (_, s) =>
    s === 0 ? 'Amazon Bedrock' : `Model ${s} (Amazon Bedrock Edition)`,
  );
  const usage: { service: string; usageType: string }[] = [];
  for (let u = 0; u < options.usageTypes; u++) {
    const service = services[u % services.length]!;
    const kind = ['input-tokens', 'output-tokens', 'input-tokens-batch', 'output-tokens-cache-read'][u % 4]!;
    usage.push(
      service === 'Amazon Bedrock'
        ? { service, usageType: `USE1-Model${u}-${kind}` }
        : {
            service,
            usageType: `USE1-MP:USE1_${u % 2 ? 'Output' : 'Input'}TokenCount${u > 20 ? `-${u}` : ''}-Units`,
          },
    );
  }
  const days = Array.from({ length: options.days }, (_, d) => addDays(options.start, d));
  const cache = new Map<string, CostRow[]>();
  const rowsFor = (query: CostQuery): CostRow[] => {
    const byTeam = query.groupBy[0]?.type === 'TAG';
    const id = `${byTeam}|${query.start}|${query.end}`;
    const hit = cache.get(id);
    if (hit) return hit;
    const rows: CostRow[] = [];
    days.forEach((day, d) => {
      if (day < query.start || day >= query.end) return;
      const end = addDays(day, 1);
      if (byTeam) {
        for (let t = 0; t <= options.teams; t++)
          for (const [s, service] of services.entries())
            rows.push({
              start: day,
              end,
              keys: [`team$${t === options.teams ? '' : `team-${t}`}`, service],
              amount: new Dec(((t + 1) * (s + 1) * (1 + d / 90)).toFixed(4)),
              quantity: ZERO,
              estimated: false,
            });
      } else {
        for (const [k, u] of usage.entries())
          rows.push({
            start: day,
            end,
            keys: [u.service, u.usageType],
            amount: new Dec(((k + 1) * (1 + (d % 7) / 10) * (d > options.days / 2 ? 1.3 : 1)).toFixed(4)),
            quantity: new Dec((k + 1) * 1000),
            estimated: false,
          });
      }
    });
    cache.set(id, rows);
    return rows;
  };
  return {
    listServices: async () => services,
    getCostAndUsage: async (query) => ({ rows: rowsFor(query), requests: 1 }),
    getCostForecast: async () => null,
  };
}

/**
 * A row judged on the main thread's time (per run the smaller of wall clock and process
 * CPU time, see `sampleCpu`), with both in the note.
 */
function cpuRow(
  name: string,
  s: { wall: number[]; cpu: number[]; own: number[] },
  limitMs: number,
  note: string,
): BenchRow {
  return rowWithTarget(
    {
      section: 'in process',
      name: `${name} (CPU time)`,
      value: `${ms(percentile(s.own, 50))} / ${ms(percentile(s.own, 99))}`,
      raw: percentile(s.own, 99),
      note: `p50 / p99 of ${s.own.length} runs, each the smaller of wall clock and process CPU time; wall clock ${ms(percentile(s.wall, 50))} / ${ms(percentile(s.wall, 99))}, process CPU (with GC helper threads) ${ms(percentile(s.cpu, 50))} / ${ms(percentile(s.cpu, 99))}; ${note}`,
    },
    limitMs,
    `p99 < ${limitMs} ms`,
  );
}

/**
 * Every latency figure. `store`: a table to use (the bench passes one served by another
 * process, so dynalite's own work and heap stay out of this process's timings).
 */
export async function latencyBench(options: { store?: Store } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dynamo = options.store ? undefined : await startTestDynamo();
  const store = options.store ?? dynamo!.store;
  try {
    // Pricing hooks.
    progress('latency: catalog load and estimate');
    const loads = Array.from({ length: 15 }, () => measureCatalogLoad());
    rows.push(
      rowWithTarget(
        {
          section: 'in process',
          name: 'catalog load (bundled JSON: parse + index)',
          value: ms(median(loads.map((l) => l.bundledMs))),
          raw: median(loads.map((l) => l.bundledMs)),
          note: `median of 15; refreshed from DynamoDB (gunzip): ${ms(median(loads.map((l) => l.refreshedMs)))}; ${Math.round((loads[0]?.bundledBytes ?? 0) / 1024)} KB`,
        },
        20,
        '< 20 ms',
      ),
    );
    const catalog = await loadCatalog(store);
    let w = 0;
    const estimates = await sampleCpu(
      () => estimateLine(catalog, BENCH_WORKLOADS[w++ % BENCH_WORKLOADS.length]!),
      3000,
      200,
    );
    rows.push(cpuRow('estimate, 8 workloads', estimates, 5, 'the estimator alone, no chat rendering'));

    // A warm chart render (the digest's PNG): moved here from a test, where a wall-clock
    // limit failed at random on a busy machine.
    progress('latency: chart render (warm)');
    const chartPoints = Array.from({ length: 28 }, (_, i) => addDays('2026-10-19', i)).flatMap((day, i) => [
      { day, series: 'Claude Sonnet 4.5', value: i >= 22 ? 400 : 150 + (i % 7) * 5 },
      { day, series: 'Nova Pro', value: 40 },
    ]);
    await renderDailyChart({ title: 'warm-up', points: chartPoints });
    const renders: number[] = [];
    for (let i = 0; i < 5; i++)
      renders.push((await renderDailyChart({ title: 'again', points: chartPoints, scale: 1 })).ms);
    rows.push(
      rowWithTarget(
        {
          section: 'in process',
          name: 'daily chart render, 4 weeks x 2 models (warm)',
          value: ms(median(renders)),
          raw: median(renders),
          note: 'median of 5 renders at scale 1 after a warm-up',
        },
        3000,
        '< 3 s',
      ),
    );

    // `why` over 90 days of bill x 60 usage types x 25 teams: the last 45 days vs the 45 before.
    progress('latency: why over a large bill');
    const now = new Date('2026-11-18T06:00:00Z');
    const costs = bigBill({ start: '2026-08-20', days: 90, usageTypes: 60, teams: 25 });
    const ctx: SpendContext = { costs, kind: 'aws', metric: 'UnblendedCost', teamTagKey: 'team', now };
    const period = (start: string, end: string): Period => rangePeriod({ start, end });
    const whySamples = await sampleCpu(
      () =>
        explainPeriods(ctx, {
          current: period('2026-10-04', '2026-11-18'),
          previous: period('2026-08-20', '2026-10-04'),
        }),
      60,
      3,
    );
    rows.push(
      cpuRow(
        '`why` 90 days x 60 usage types x 25 teams',
        whySamples,
        50,
        '45 days vs the 45 before: 5,400 usage rows + 23,400 team rows (10 services, 26 tag values), parsed and explained',
      ),
    );

    // The Slack acknowledgement path and every command on the demo account.
    progress('latency: Slack acknowledgement and demo commands');
    const deps = testDeps({
      store,
      env: {
        BEDROCK_COST_DEMO: '1',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_BOT_ID: 'B0BENCH',
        SLACK_BOT_USER_ID: 'U0BOT',
        SLACK_TEAM_ID: 'T0TEST0001',
        ADMIN_USER_IDS: 'U0ADMIN',
      },
    });
    const cli: CommandContext = { deps, caller: { platform: 'cli', userId: 'U0ADMIN', isAdmin: true } };
    for (const team of ['search', 'support-bot', 'growth'])
      await executeLine(`budget set ${team} 5000 channel C0${team.toUpperCase().replace('-', '')}`, cli);

    let n = 0;
    const handoffs: string[] = [];
    const handler = createSlackEventsHandler(async () => deps, {
      nowMs: () => TEST_EPOCH_SECONDS * 1000,
      invokeWorker: async (job) => {
        handoffs.push(job.text);
      },
    });
    const ack = async (text: string) => {
      n++;
      const body = slackCommandBody({ text, triggerId: `bench.${n}`, userId: 'U0ALICE001' });
      const result = await handler(slackRequest(body, SECRET));
      if (result.statusCode !== 200) throw new Error(`ack ${text}: ${result.statusCode} ${result.body}`);
    };
    rows.push(
      latencyRow(
        'in process',
        'Slack ack: signed `/bedrock-cost help`',
        (await quietestRound(() => ack('help'), 150)).best,
        50,
        'verify, Bolt, answer in the ack',
      ),
    );
    rows.push(
      latencyRow(
        'in process',
        'Slack ack: signed `/bedrock-cost spend` (to worker)',
        (await quietestRound(() => ack('spend last week'), 150)).best,
        50,
        'verify, replay record in DynamoDB, hand-off, "working on it"',
      ),
    );
    if (!handoffs.length) throw new Error('the slow command never reached the worker');

    for (const [name, line, runs] of COMMANDS) {
      const samples = (await quietestRound(() => executeLine(line, cli), runs, 3, 5)).best;
      rows.push(
        latencyRow('demo commands', name, samples, name === 'estimate' ? 5 : undefined, `\`${line}\``),
      );
    }
  } finally {
    await dynamo?.close();
  }
  return rows;
}

/**
 * A synthetic account of many teams, for the benchmark (`bench/`) and scale tests: N team
 * profiles written straight to the table, and a bill (`CostSource`) answering the budget
 * queries for all of them, counting requests like Cost Explorer bills them.
 *
 * Spend is deterministic: team `i` spends between 10% and 120% of its $1,000 budget by the
 * 18th, so a known share of teams crosses thresholds (and a real alert run posts).
 *
 * @example
 * const account = syntheticBudgetAccount({ teams: 10_000, now: new Date('2026-11-18T06:00:00Z') });
 * await account.seed(deps.store);
 * const report = await runBudgetAlerts({ ...deps, sources: async () => account.sources }, { dryRun: false, nowcast: false });
 * // report.stats.durationMs, account.requests()
 */
import { DEFAULT_DIGEST, DEFAULT_THRESHOLDS, teamPk } from '../../lib/budgets/store.js';
import { addDays, eachDay, startOfMonth, startOfPreviousMonth } from '../../lib/clock.js';
import { type BillFact, queryFacts } from '../../lib/ledger/facts.js';
import { Dec, ZERO } from '../../lib/money.js';
import type { CostQuery, CostRow, DataSources } from '../../lib/ports.js';
import type { Store } from '../../lib/store/store.js';

export interface SyntheticBudgetAccount {
  /** Team tag values, `team-00000` ... */
  teams: string[];
  sources: DataSources;
  /** Billed requests so far (GetCostAndUsage + GetDimensionValues). */
  requests(): number;
  /** Write every team's profile ($1,000 budget, 50/80/100%, a Slack channel each), 25 per batch. */
  seed(store: Store): Promise<void>;
  /** Teams expected to have crossed at least 50% by `now` (spent >= $500). */
  expectedAlerting(): number;
}

const SERVICES = ['Amazon Bedrock', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)'];

/** Build the synthetic account. `now` fixes the month; spend runs from the 1st to yesterday (UTC). */
export function syntheticBudgetAccount(options: {
  teams: number;
  now: Date;
  tagKey?: string;
}): SyntheticBudgetAccount {
  const tagKey = options.tagKey ?? 'team';
  const today = options.now.toISOString().slice(0, 10);
  const monthStart = startOfMonth(today);
  const days = eachDay({ start: monthStart, end: today });
  const previousStart = startOfPreviousMonth(monthStart);
  const teams = Array.from({ length: options.teams }, (_, i) => `team-${String(i).padStart(5, '0')}`);
  // Month-to-date for team i, of a $1,000 budget: most teams between 5% and 45%; every
  // 50th at 85% (crosses 50% and 80%) and every 200th (offset 7) at 105% (all three).
  const mtdOf = (i: number) => (i % 200 === 7 ? 1050 : i % 50 === 0 ? 850 : 50 + ((i * 37) % 401));
  const daily = teams.map((_, i) => new Dec(mtdOf(i)).div(Math.max(1, days.length)).toDecimalPlaces(6));
  let billed = 0;

  // What each team's spend is made of: the second group-by dimension splits it into these
  // (SERVICE: the two services; USAGE_TYPE: the four meters). `last` is last month's daily
  // pace against this month's (80% overall): Sonnet output tokens grew most, so alerts
  // name "Claude Sonnet 4.5 output tokens" as the top driver.
  const meters = [
    { service: SERVICES[1]!, usageType: 'USE1-MP:USE1_OutputTokenCount-Units', share: 0.45, last: 0.6 },
    { service: SERVICES[1]!, usageType: 'USE1-MP:USE1_InputTokenCount-Units', share: 0.25, last: 1 },
    { service: SERVICES[0]!, usageType: 'USE1-NovaPro-output-tokens', share: 0.2, last: 1 },
    { service: SERVICES[0]!, usageType: 'USE1-NovaPro-input-tokens', share: 0.1, last: 0.8 },
  ];
  // The bill as facts, one day at a time (built on demand, the last few kept), answered by
  // the ledger's own query engine: the same engine the ledger and the demo account use.
  const dayFacts = new Map<string, BillFact[]>();
  const factsOfDay = (day: string): BillFact[] => {
    let facts = dayFacts.get(day);
    if (facts) return facts;
    facts = [];
    if (day >= previousStart && day < today) {
      for (let i = 0; i < teams.length; i++) {
        for (const m of meters) {
          const current = daily[i]!.times(m.share);
          facts.push({
            day,
            service: m.service,
            usageType: m.usageType,
            team: teams[i]!,
            account: '111122223333',
            region: 'us-east-1',
            recordType: 'Usage',
            amount: day < monthStart ? current.times(m.last) : current,
            quantity: ZERO,
            state: day >= monthStart ? 'provisional' : 'final',
          });
        }
      }
    }
    if (dayFacts.size > 4) dayFacts.delete(dayFacts.keys().next().value as string);
    dayFacts.set(day, facts);
    return facts;
  };
  const rowsFor = (query: CostQuery): CostRow[] =>
    queryFacts(query, tagKey, function* (start, end) {
      for (let d = start; d < end; d = addDays(d, 1)) yield* factsOfDay(d);
    });

  return {
    teams,
    requests: () => billed,
    expectedAlerting: () => teams.filter((_, i) => mtdOf(i) >= 500).length,
    sources: {
      kind: 'demo',
      costs: {
        async listServices() {
          billed++;
          return [...SERVICES];
        },
        async getCostAndUsage(query) {
          billed++;
          return { rows: rowsFor(query), requests: 1 };
        },
        async getCostForecast() {
          billed++;
          return null;
        },
      },
      metrics: {
        listModelIds: async () => [],
        getMetricSums: async () => ({ series: [], requests: 0 }),
      },
      bedrock: {
        listProvisionedThroughputs: async () => [],
        listInferenceProfiles: async () => [],
      },
    },
    async seed(store) {
      const at = options.now.toISOString();
      const items = teams.map((team, i) => ({
        key: { pk: teamPk(team), sk: 'PROFILE' },
        put: {
          kind: 'team',
          team,
          budgetUsd: '1000',
          thresholds: [...DEFAULT_THRESHOLDS],
          channel: `C${String(i).padStart(9, '0')}`,
          timeZone: 'UTC',
          owners: [],
          digestWeekday: DEFAULT_DIGEST.weekday,
          digestHour: DEFAULT_DIGEST.hour,
          createdAt: at,
          updatedAt: at,
          updatedBy: 'synthetic',
          version: 1,
        },
      }));
      // Through the Store port, 16 writes at a time (the SDK retries a throttled one).
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < items.length) await store.write(items[next++]!);
        }),
      );
    },
  };
}

/** Figures of one benchmark: a first run (alerts posted) and a steady hourly run (nothing new). */
export interface BudgetBenchmark {
  teams: number;
  seedMs: number;
  first: { durationMs: number; sent: number; alerting: number; costExplorerRequests: number };
  steady: { durationMs: number; sent: number; costExplorerRequests: number };
  /** Billed requests to the synthetic bill over both runs, service discovery included. */
  billedRequests: number;
}

/**
 * Time the alert job over `teams` synthetic teams on `store` (an empty table): seed, one
 * run that posts (to an in-memory delivery), and one steady run. The target is
 * 10,000 teams in under 10 s with at most 3 Cost Explorer requests per run.
 *
 * @example
 * const result = await benchmarkBudgetAlerts({ store, teams: 10_000 });
 */
export async function benchmarkBudgetAlerts(options: {
  store: Store;
  teams: number;
  now?: Date;
}): Promise<BudgetBenchmark> {
  const [{ loadConfig }, { createDeps }, { silentLog }, { fixedClock }, { runBudgetAlerts }] =
    await Promise.all([
      import('../../lib/config.js'),
      import('../../lib/deps.js'),
      import('../../lib/log.js'),
      import('../../lib/clock.js'),
      import('../../lib/budgets/alerts.js'),
    ]);
  const now = options.now ?? new Date('2026-11-18T06:00:00Z');
  const account = syntheticBudgetAccount({ teams: options.teams, now });
  let t = performance.now();
  await account.seed(options.store);
  const seedMs = Math.round(performance.now() - t);
  let posted = 0;
  const deps = createDeps({
    config: loadConfig({ BEDROCK_COST_NOW: now.toISOString() }),
    store: options.store,
    log: silentLog,
    sources: account.sources,
    clock: fixedClock(now),
    delivery: {
      async send() {
        posted++;
        return { ts: `1763445600.${String(posted).padStart(6, '0')}` };
      },
    },
  });
  t = performance.now();
  const first = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
  const firstMs = Math.round(performance.now() - t);
  t = performance.now();
  const steady = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
  const steadyMs = Math.round(performance.now() - t);
  return {
    teams: options.teams,
    seedMs,
    first: {
      durationMs: firstMs,
      sent: first.stats.sent,
      alerting: first.stats.alerting,
      costExplorerRequests: first.stats.costExplorerRequests,
    },
    steady: {
      durationMs: steadyMs,
      sent: steady.stats.sent,
      costExplorerRequests: steady.stats.costExplorerRequests,
    },
    billedRequests: account.requests(),
  };
}

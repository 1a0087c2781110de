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
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, eachDay, startOfMonth, startOfNextMonth, startOfPreviousMonth } from '../clock.js';
import { Dec, sumUsd, ZERO } from '../money.js';
import type { CostQuery, CostRow, DataSources } from '../ports.js';
import type { Store } from '../store/store.js';
import { DEFAULT_DIGEST, DEFAULT_THRESHOLDS, teamPk } from './store.js';

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
  const previousDays = eachDay({ start: startOfPreviousMonth(monthStart), end: monthStart });
  const teams = Array.from({ length: options.teams }, (_, i) => `team-${String(i).padStart(5, '0')}`);
  // Month-to-date for team i, of a $1,000 budget: most teams between 5% and 45%; every
  // 50th at 85% (crosses 50% and 80%) and every 200th (offset 7) at 105% (all three).
  const mtdOf = (i: number) => (i % 200 === 7 ? 1050 : i % 50 === 0 ? 850 : 50 + ((i * 37) % 401));
  const daily = teams.map((_, i) => new Dec(mtdOf(i)).div(Math.max(1, days.length)).toDecimalPlaces(6));
  const dayPairs = [...previousDays, ...days].map((day) => [day, addDays(day, 1)] as const);
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
  const previousStart = startOfPreviousMonth(monthStart);

  const rowsFor = (query: CostQuery): CostRow[] => {
    const tagFilter = query.tag ? new Set(query.tag.values) : undefined;
    const split = query.groupBy[1];
    const parts =
      split?.type === 'DIMENSION' && split.key === 'USAGE_TYPE'
        ? meters.map((m) => ({ key: m.usageType, share: m.share, last: m.last }))
        : split?.type === 'DIMENSION' && split.key === 'SERVICE'
          ? SERVICES.map((service) => {
              const own = meters.filter((m) => m.service === service);
              const share = own.reduce((sum, m) => sum + m.share, 0);
              return { key: service, share, last: own.reduce((sum, m) => sum + m.share * m.last, 0) / share };
            })
          : [{ key: undefined, share: 1, last: 0.8 }];
    const rows: CostRow[] = [];
    teams.forEach((team, i) => {
      if (tagFilter && !tagFilter.has(team)) return;
      const push = (start: string, end: string, amount: Dec, key?: string) =>
        rows.push({
          start,
          end,
          keys: key ? [`${tagKey}$${team}`, key] : [`${tagKey}$${team}`],
          amount,
          quantity: ZERO,
          estimated: false,
        });
      const perDay = daily[i]!;
      // Each part's daily amount this month and last, computed once per team (not per day).
      const amounts = parts.map((part) => {
        const current = parts.length === 1 ? perDay : perDay.times(part.share);
        return { current, previous: current.times(part.last) };
      });
      const amountOf = (day: string, p: number) =>
        day < monthStart ? amounts[p]!.previous : amounts[p]!.current;
      if (query.granularity === 'DAILY') {
        for (const [day, next] of dayPairs) {
          if (day < query.start || day >= query.end) continue;
          for (let p = 0; p < parts.length; p++) push(day, next, amountOf(day, p), parts[p]!.key);
        }
        return;
      }
      // MONTHLY: last month (from the query's start) and this month so far.
      for (const [start, end, list] of [
        [previousStart, monthStart, previousDays],
        [monthStart, startOfNextMonth(monthStart), days],
      ] as const) {
        const inRange = list.filter((d) => d >= query.start && d < query.end);
        if (!inRange.length) continue;
        for (let p = 0; p < parts.length; p++) {
          const amount = sumUsd(inRange.map((d) => amountOf(d, p)));
          if (amount.isZero()) continue;
          push([start, query.start].sort()[1]!, [end, query.end].sort()[0]!, amount, parts[p]!.key);
        }
      }
    });
    return rows;
  };

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
        pk: teamPk(team),
        sk: 'PROFILE',
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
      }));
      const batches: (typeof items)[] = [];
      for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < batches.length) {
            const batch = batches[next++]!;
            let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
            for (let attempt = 0; pending.length && attempt < 10; attempt++) {
              const out = await store.db.send(
                new BatchWriteCommand({ RequestItems: { [store.table]: pending as never } }),
              );
              pending = (out.UnprocessedItems?.[store.table] as Record<string, unknown>[] | undefined) ?? [];
            }
          }
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
      import('../config.js'),
      import('../deps.js'),
      import('../log.js'),
      import('../clock.js'),
      import('./alerts.js'),
    ]);
  const now = options.now ?? new Date('2026-11-18T06:00:00Z');
  const account = syntheticBudgetAccount({ teams: options.teams, now });
  let t = performance.now();
  await account.seed(options.store);
  const seedMs = Math.round(performance.now() - t);
  let posted = 0;
  const deps = createDeps({
    config: loadConfig({ BEDROCK_COST_TABLE: options.store.table, BEDROCK_COST_NOW: now.toISOString() }),
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

/**
 * The ledger's invariants over generated bills (fast-check): whatever the bill, the same
 * quantity is the same figure in every answer.
 *
 * - for any period and grouping, the groups sum to the total, and the total is the same
 *   whichever way it is grouped (spend by team, by model, by usage; why; the digest's cells);
 * - a team-filtered answer equals the unfiltered answer's row for that team;
 * - the forecast is identical in `forecast` and `budget` for the same team and moment;
 * - re-syncing an unchanged bill writes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastScopes, type MonthEndForecast } from '../../lib/analysis/forecast.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { type BillFact, queryFacts } from '../../lib/ledger/facts.js';
import { syncLedger } from '../../lib/ledger/sync.js';
import { Dec, sumUsd } from '../../lib/money.js';
import type { CostSource, DataSources } from '../../lib/ports.js';
import { fetchLines, type LineGrouping, spendContextOf } from '../../lib/spend/query.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const NOW = '2026-11-18T06:00:00Z';
const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const HAIKU = 'Claude Haiku 4.5 (Amazon Bedrock Edition)';
const BEDROCK = 'Amazon Bedrock';
const METERS: { service: string; usageType: string }[] = [
  { service: SONNET, usageType: 'USE1-MP:USE1_InputTokenCount-Units' },
  { service: SONNET, usageType: 'USE1-MP:USE1_OutputTokenCount-Units' },
  { service: HAIKU, usageType: 'USE1-MP:USE1_OutputTokenCount-Units' },
  { service: BEDROCK, usageType: 'USE1-NovaPro-input-tokens' },
  { service: BEDROCK, usageType: 'USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits' },
];
const TEAMS = ['search', 'growth', 'legal', ''];

/** A generated bill: facts on days of Oct 1 - Nov 18 (today partial), any team incl. untagged. */
const billArb = fc
  .array(
    fc.record({
      dayIndex: fc.integer({ min: 0, max: 48 }),
      meter: fc.integer({ min: 0, max: METERS.length - 1 }),
      team: fc.constantFrom(...TEAMS),
      cents: fc.integer({ min: 1, max: 500_000 }),
      micro: fc.integer({ min: 0, max: 9_999 }),
    }),
    { minLength: 1, maxLength: 80 },
  )
  .map((cells) => {
    const facts: BillFact[] = [];
    for (const c of cells) {
      const day = new Date(Date.UTC(2026, 9, 1 + c.dayIndex)).toISOString().slice(0, 10);
      const m = METERS[c.meter]!;
      facts.push({
        day,
        service: m.service,
        usageType: m.usageType,
        team: c.team,
        account: '111122223333',
        region: 'us-east-1',
        recordType: 'Usage',
        // Sub-cent amounts, as the bill has them.
        amount: new Dec(c.cents).div(100).plus(new Dec(c.micro).div(1_000_000)),
        quantity: new Dec(c.cents),
        state: day >= '2026-11-01' ? 'provisional' : 'final',
      });
    }
    return facts;
  });

/** The generated bill as Cost Explorer would serve it (the ledger's own engine, two group-bys). */
function billSource(facts: BillFact[]): { sources: DataSources; requests: () => number } {
  let requests = 0;
  const costs: CostSource = {
    async listServices(range) {
      requests++;
      return [
        ...new Set(facts.filter((f) => f.day >= range.start && f.day < range.end).map((f) => f.service)),
      ].sort();
    },
    async getCostAndUsage(query) {
      requests++;
      if (query.groupBy.length > 2) throw new Error('Cost Explorer groups by at most two dimensions');
      const rows = queryFacts(query, 'team', (start, end) =>
        facts.filter((f) => f.day >= start && f.day < end),
      );
      return { rows, requests: 1 };
    },
    async getCostForecast() {
      throw new Error('the ledger forecasts itself');
    },
  };
  return {
    requests: () => requests,
    sources: {
      kind: 'aws',
      costs,
      metrics: { listModelIds: async () => [], getMetricSums: async () => ({ series: [], requests: 0 }) },
      bedrock: { listProvisionedThroughputs: async () => [], listInferenceProfiles: async () => [] },
    },
  };
}

const PERIODS = ['last week', '7d', '30d', 'mtd', 'last month', 'this week', '2026-10-05..2026-11-12'];

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());

const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
const run = (deps: Deps, text: string) => executeLine(text, { deps, caller });

describe('ledger invariants over generated bills', () => {
  it('every grouping of a period sums to one total, and team-filtered equals the team row', async () => {
    await fc.assert(
      fc.asyncProperty(
        billArb,
        fc.constantFrom('2026-10-01', '2026-10-10', '2026-11-01'),
        fc.integer({ min: 1, max: 48 }),
        async (facts, start, length) => {
          const bill = billSource(facts);
          const deps = testDeps({ store: await dynamo.newStore(), sources: bill.sources, now: NOW });
          const ctx = await spendContextOf(deps);
          const end = new Date(Date.parse(`${start}T00:00:00Z`) + length * 86_400_000)
            .toISOString()
            .slice(0, 10);
          const range = { start, end: end > '2026-11-19' ? '2026-11-19' : end };
          if (range.start >= range.end) return;
          const expected = sumUsd(
            facts.filter((f) => f.day >= range.start && f.day < range.end).map((f) => f.amount),
          );
          const total = async (grouping: LineGrouping, extra: { team?: string } = {}) =>
            sumUsd(
              (await fetchLines(ctx, { ...range, grouping, granularity: 'DAILY', ...extra })).lines.map(
                (l) => l.amount,
              ),
            );
          for (const grouping of [
            'usage',
            'team',
            'team-usage',
            'team-service',
            'team-service-usage',
          ] as const) {
            expect((await total(grouping)).toString()).toBe(expected.toString());
          }
          const byTeam = (await fetchLines(ctx, { ...range, grouping: 'team', granularity: 'MONTHLY' }))
            .lines;
          for (const team of TEAMS) {
            const row = sumUsd(byTeam.filter((l) => (l.team ?? '') === team).map((l) => l.amount));
            expect((await total('usage', { team })).toString()).toBe(row.toString());
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('spend, why and budget show one total for a period; the forecast is identical everywhere', async () => {
    let teamRows = 0;
    let forecasts = 0;
    await fc.assert(
      fc.asyncProperty(billArb, fc.constantFrom(...PERIODS), async (facts, period) => {
        const bill = billSource(facts);
        const deps = testDeps({ store: await dynamo.newStore(), sources: bill.sources, now: NOW });
        await run(deps, 'budget set search 5000');
        const spend = (await run(deps, `spend ${period} by team`)).data as {
          period: { start: string; end: string };
          totalUsd: number;
          groups: { key: string; usd: number }[];
        };
        const byModel = (await run(deps, `spend ${period}`)).data as { totalUsd: number };
        expect(byModel.totalUsd).toBe(spend.totalUsd);
        // `why` measures complete days; asked for the same complete range it shows the same total.
        const range = `${spend.period.start}..${addDaysIso(spend.period.end, -1)}`;
        const spendRange = (await run(deps, `spend ${range}`)).data as { totalUsd: number };
        const why = (await run(deps, `why ${range}`)).data as { current: { totalUsd: number } };
        expect(why.current.totalUsd).toBe(spendRange.totalUsd);
        for (const team of ['search', 'growth', 'legal']) {
          const row = spend.groups.find((g) => g.key === team)?.usd ?? 0;
          const filtered = (await run(deps, `spend ${period} team ${team}`).catch(() => undefined))?.data as
            | { totalUsd: number }
            | undefined;
          if (filtered) {
            expect(filtered.totalUsd).toBe(row);
            teamRows++;
          }
        }
        const forecast = (await run(deps, 'forecast team search').catch(() => undefined))?.data as
          | { monthEndUsd: number }
          | undefined;
        const budget = (await run(deps, 'budget search')).data as { teams: { forecastUsd: number }[] };
        if (forecast) {
          expect(budget.teams[0]!.forecastUsd).toBe(forecast.monthEndUsd);
          forecasts++;
        }
      }),
      { numRuns: 8 },
    );
    // The comparisons above ran (a team absent from a generated bill is skipped, not passed).
    expect(teamRows).toBeGreaterThan(0);
    expect(forecasts).toBeGreaterThan(0);
  });

  it('re-syncing an unchanged bill writes nothing and asks nothing more than the sync itself', async () => {
    await fc.assert(
      fc.asyncProperty(billArb, async (facts) => {
        const bill = billSource(facts);
        const deps = testDeps({ store: await dynamo.newStore(), sources: bill.sources, now: NOW });
        const { context, bill: source } = await deps.ledger();
        const first = await syncLedger(context, source, { trigger: 'cli', force: true });
        expect(first.record?.error).toBeUndefined();
        const again = await syncLedger(context, source, { trigger: 'cli', force: true });
        expect(again.record?.daysWritten).toBe(0);
        expect(again.record?.error).toBeUndefined();
        const ctx = await spendContextOf(deps);
        const all = await fetchLines(ctx, {
          start: '2026-10-01',
          end: '2026-11-19',
          grouping: 'team-service-usage',
        });
        const expected = sumUsd(facts.map((f) => f.amount));
        expect(sumUsd(all.lines.map((l) => l.amount)).toString()).toBe(expected.toString());
        expect(all.requests).toBe(0);
      }),
      { numRuns: 8 },
    );
  });
});

describe('the forecast of many teams folded by the ledger', () => {
  it('gives every team the figures of its lines, fixed, knowledge-base and unrelated lines included', async () => {
    let folded = 0;
    let fixedSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        billArb,
        fc.constantFrom('2026-11-18', '2026-11-01', '2026-11-10'),
        async (generated, today) => {
          // Knowledge-base OCU hours (a fixed cost) and an OpenSearch domain's hours (unrelated,
          // left out) for one team, on the days the forecast reads.
          const facts: BillFact[] = [...generated];
          for (const day of ['2026-10-30', '2026-11-09', '2026-11-17']) {
            for (const [usageType, amount] of [
              ['USE1-SearchOCU', '2.4'],
              ['USE1-ES:m5.large.search', '3.1'],
            ] as const) {
              facts.push({
                day,
                service: 'Amazon OpenSearch Service',
                usageType,
                team: 'growth',
                account: '111122223333',
                region: 'us-east-1',
                recordType: 'Usage',
                amount: new Dec(amount),
                quantity: new Dec(1),
                state: 'final',
              });
            }
          }
          const deps = testDeps({
            store: await dynamo.newStore(),
            sources: billSource(facts).sources,
            now: NOW,
          });
          const { context, bill } = await deps.ledger();
          await syncLedger(context, bill, { trigger: 'cli', force: true });
          const ctx = await spendContextOf(deps);
          const classSums = ctx.costs.getDailyClassSums!.bind(ctx.costs);
          const costs = {
            ...ctx.costs,
            getDailyClassSums: (...args: Parameters<typeof classSums>) => {
              folded++;
              return classSums(...args);
            },
          };
          const scopes = [...TEAMS, 'nobody'].map((team) => ({ team }));
          // Through the ledger's folded sums, and through the lines (a source without them).
          const fast = await forecastScopes({ ...ctx, costs }, today, scopes);
          const lines = await forecastScopes(
            { ...ctx, costs: { ...ctx.costs, getDailyClassSums: undefined } },
            today,
            scopes,
          );
          const figures = (f: MonthEndForecast) =>
            [f.mtdUsd, f.restUsd, f.fixedUsd, f.monthEndUsd, f.lowUsd, f.highUsd, f.historyDays, f.requests]
              .map(String)
              .join(' ');
          expect(fast.map(figures)).toEqual(lines.map(figures));
          fixedSeen += fast.filter((f) => !f.fixedUsd.isZero()).length;
        },
      ),
      { numRuns: 8 },
    );
    // The folded path ran, and fixed costs were part of what it compared.
    expect(folded).toBeGreaterThan(0);
    expect(fixedSeen).toBeGreaterThan(0);
  });
});

describe('a sync in pieces', () => {
  it('writes the same ledger as one read, reading a large bill a few days at a time', async () => {
    await fc.assert(
      fc.asyncProperty(billArb, fc.integer({ min: 1, max: 12 }), async (facts, pieceFacts) => {
        const whole = billSource(facts);
        const wholeDeps = testDeps({ store: await dynamo.newStore(), sources: whole.sources, now: NOW });
        const one = await wholeDeps.ledger();
        await syncLedger(one.context, one.bill, { trigger: 'cli', force: true });
        const oneRead = await syncLedger(one.context, one.bill, { trigger: 'cli', force: true });

        const pieces = billSource(facts);
        const deps = testDeps({ store: await dynamo.newStore(), sources: pieces.sources, now: NOW });
        const { context, bill } = await deps.ledger();
        const small = { ...context, pieceFacts };
        // The first read learns the largest day; the forced re-read of the open window then
        // reads it in pieces of a few days.
        await syncLedger(small, bill, { trigger: 'cli', force: true });
        const again = await syncLedger(small, bill, { trigger: 'cli', force: true });
        expect(again.record?.error).toBeUndefined();
        // A day larger than a piece: one day a piece, so more requests than one read of the window.
        const perDay = new Map<string, number>();
        for (const f of facts) perDay.set(f.day, (perDay.get(f.day) ?? 0) + 1);
        if (Math.max(...perDay.values()) > pieceFacts)
          expect(again.record!.requests).toBeGreaterThan(oneRead.record!.requests);

        const cells = async (d: Deps) =>
          (
            await fetchLines(await spendContextOf(d), {
              start: '2026-10-01',
              end: '2026-11-19',
              grouping: 'team-service-usage',
              granularity: 'DAILY',
            })
          ).lines
            .map(
              (l) => `${l.day} ${l.team} ${l.service} ${l.usageType} ${l.amount.toString()} ${l.estimated}`,
            )
            .sort();
        expect(await cells(deps)).toEqual(await cells(wholeDeps));
      }),
      { numRuns: 6 },
    );
  });
});

function addDaysIso(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

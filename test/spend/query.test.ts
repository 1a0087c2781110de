import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/clock.js';
import { Dec, sumUsd } from '../../lib/money.js';
import type { CostRow, CostSource } from '../../lib/ports.js';
import { fetchLines, type SpendContext } from '../../lib/spend/query.js';

const SERVICES = ['Amazon Bedrock', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)'];
const START = '2026-10-01';

function contextOf(rows: CostRow[]): SpendContext {
  const costs: CostSource = {
    listServices: async () => SERVICES,
    getCostAndUsage: async () => ({ rows, requests: 1 }),
    getCostForecast: async () => null,
  };
  return {
    costs,
    kind: 'aws',
    metric: 'UnblendedCost',
    teamTagKey: 'team',
    now: new Date('2026-11-18T06:00:00Z'),
  };
}

const rowArb = fc.record({
  offset: fc.integer({ min: 0, max: 29 }),
  team: fc.constantFrom('team$search', 'team$growth', 'team$'),
  service: fc.constantFrom(...SERVICES),
  micros: fc.integer({ min: -1_000_000, max: 900_000_000 }),
  estimated: fc.boolean(),
});

describe('team lines summed per period as they are read (sumInto)', () => {
  it('give the same totals per team, service and period as the daily lines, and leave out other days', async () => {
    const previous = { start: addDays(START, 3), end: addDays(START, 10) };
    const current = { start: addDays(START, 12), end: addDays(START, 19) };
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 80 }), async (raw) => {
        const rows: CostRow[] = raw
          .sort((a, b) => a.offset - b.offset)
          .map((r) => {
            const day = addDays(START, r.offset);
            return {
              start: day,
              end: addDays(day, 1),
              keys: [r.team, r.service],
              amount: new Dec(r.micros).div(1e6),
              quantity: new Dec(r.offset),
              estimated: r.estimated,
            };
          });
        const ctx = contextOf(rows);
        const query = { start: START, end: addDays(START, 30), grouping: 'team-service' as const };
        const daily = (await fetchLines(ctx, query)).lines;
        const summed = (await fetchLines(ctx, { ...query, sumInto: [previous, current] })).lines;
        for (const period of [previous, current]) {
          const inPeriod = daily.filter((l) => l.day >= period.start && l.day < period.end);
          const keys = [...new Set(inPeriod.map((l) => `${l.team}|${l.service}`))];
          const lines = summed.filter((l) => l.day === period.start);
          expect(lines.map((l) => `${l.team}|${l.service}`)).toEqual(keys);
          for (const line of lines) {
            expect(line.end).toBe(period.end);
            const same = inPeriod.filter((l) => l.team === line.team && l.service === line.service);
            expect(line.amount.eq(sumUsd(same.map((l) => l.amount)))).toBe(true);
            expect(line.quantity.eq(sumUsd(same.map((l) => l.quantity)))).toBe(true);
            expect(line.estimated).toBe(same.some((l) => l.estimated));
          }
        }
        expect(summed.every((l) => l.day === previous.start || l.day === current.start)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the age of an answer', () => {
  const row: CostRow = {
    start: START,
    end: addDays(START, 1),
    keys: ['Amazon Bedrock', 'USE1-Claude4.5Sonnet-output-tokens'],
    amount: new Dec('12.5'),
    quantity: new Dec('1000'),
    estimated: false,
  };
  const query = { start: START, end: addDays(START, 1), grouping: 'usage' as const };

  it('is the kept answer’s read time, and says when it is stale', async () => {
    const ctx = contextOf([row]);
    // A source that keeps answers (the cache, the ledger) says when it read them, in its result.
    ctx.costs = {
      ...ctx.costs,
      getCostAndUsage: async () => ({
        rows: [row],
        requests: 0,
        fetchedAt: '2026-11-17T22:15:00.000Z',
        stale: true,
      }),
    };
    const result = await fetchLines(ctx, query);
    expect(result.dataAsOf.toISOString()).toBe('2026-11-17T22:15:00.000Z');
    expect(result.stale).toBe(true);
    expect(sumUsd(result.lines.map((l) => l.amount)).toString()).toBe('12.5');
  });

  it('is now, and fresh, for a source that does not keep answers', async () => {
    const ctx = contextOf([row]);
    const result = await fetchLines(ctx, query);
    expect(result.dataAsOf.toISOString()).toBe(ctx.now.toISOString());
    expect(result.stale).toBe(false);
  });
});

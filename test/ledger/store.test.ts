/**
 * The ledger's stored days and its query engine over columns: what is written is what is read
 * back, to the exact decimal (negative, long and huge figures included); a large day split
 * into chunks reads back whole, and a write that dies half-way leaves the previous day; days
 * written in the first format (a JSON tuple per fact) are still read; and the engine's answer
 * over blocks equals a plain Decimal sum of the facts for any grouping and filter.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactBlock } from '../../lib/ledger/block.js';
import { type BillFact, type FactState, queryBlocks, queryFacts } from '../../lib/ledger/facts.js';
import { hashFacts, readDays, writeDay } from '../../lib/ledger/store.js';
import { Dec, ZERO } from '../../lib/money.js';
import type { CostDimension, CostQuery } from '../../lib/ports.js';
import type { Store } from '../../lib/store/store.js';
import { startTestDynamo, storeMethods, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());

const SERVICES = [
  'Amazon Bedrock',
  'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
  'Amazon OpenSearch Service',
];
const USAGE = ['USE1-NovaPro-input-tokens', 'USE1-MP:USE1_OutputTokenCount-Units', 'USW2-ES:OCU-Hours'];
const TEAMS = ['', 'search', 'growth', 'legal'];
const STATES: FactState[] = ['final', 'provisional', 'nowcast'];
/** Figures a bill can hold, and ones the parts cannot (more than 10 decimals, 16+ digits, exponents). */
const FIGURES = [
  '0',
  '12.5',
  '-3.25',
  '0.0000000001',
  '1234567.0123456789',
  '-0.5',
  '0.123456789012345',
  '98765432109876543.21',
  '1e-12',
  '400000000',
];

function fact(day: string, i: number, amount: string, quantity: string): BillFact {
  return {
    day,
    service: SERVICES[i % SERVICES.length]!,
    usageType: USAGE[(i >> 1) % USAGE.length]!,
    team: TEAMS[(i >> 2) % TEAMS.length]!,
    account: i % 5 === 0 ? '' : `11112222333${i % 3}`,
    region: i % 2 ? 'us-east-1' : 'us-west-2',
    recordType: i % 7 === 6 ? 'Credit' : 'Usage',
    amount: new Dec(amount),
    quantity: new Dec(quantity),
    state: STATES[i % STATES.length]!,
  };
}

function expectSameFacts(read: BillFact[], written: BillFact[]): void {
  const key = (f: BillFact) =>
    [f.day, f.service, f.usageType, f.team, f.account, f.region, f.recordType, f.state].join('|');
  const view = (list: BillFact[]) =>
    list.map((f) => `${key(f)}|${f.amount.toString()}|${f.quantity.toString()}`).sort();
  expect(view(read)).toEqual(view(written));
}

describe('stored days', () => {
  it('reads back every fact to the exact decimal, including figures the columns keep as text', async () => {
    const store = await dynamo.newStore();
    const facts = FIGURES.flatMap((a, i) => FIGURES.map((q, j) => fact('2026-11-03', i * 10 + j, a, q)));
    await writeDay(store, '2026-11-03', facts);
    const days = await readDays(store, '2026-11-01', '2026-11-30');
    expect([...days.keys()]).toEqual(['2026-11-03']);
    const day = days.get('2026-11-03')!;
    expectSameFacts(day.facts, facts);
    // The fingerprint the sync compares is the same for the facts read back.
    expect(hashFacts(day.facts)).toBe(day.hash);
    expect(day.hash).toBe(hashFacts(facts));
  });

  it('splits a large day into chunks, reads it whole, and keeps the previous day when a write dies half-way', async () => {
    const store = await dynamo.newStore();
    // Random figures compress badly: enough facts for several chunks of at most 300 KB.
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const big = Array.from({ length: 60_000 }, (_, i) => ({
      ...fact(
        '2026-11-04',
        i,
        `${next() % 100000}.${String(next()).padStart(10, '0').slice(0, 10)}`,
        `${next()}`,
      ),
      team: `team-${i % 5000}`,
    }));
    await writeDay(store, '2026-11-04', big);
    const first = (await readDays(store, '2026-11-04', '2026-11-05')).get('2026-11-04')!;
    expect(first.blocks.length).toBeGreaterThan(1);
    expectSameFacts(first.facts, big);

    // A rewrite whose header put fails: its chunks were written, the switch was not.
    const failing: Store = {
      ...storeMethods(store),
      write: async (write, options) => {
        if (write.key.sk === 'DAY#2026-11-04') throw new Error('connection reset');
        return store.write(write, options);
      },
    };
    const changed = big.slice(0, 1000);
    await expect(writeDay(failing, '2026-11-04', changed, { gen: first.gen })).rejects.toThrow(
      'connection reset',
    );
    const after = (await readDays(store, '2026-11-04', '2026-11-05')).get('2026-11-04')!;
    expect(after.gen).toBe(first.gen);
    expectSameFacts(after.facts, big);

    // A rewrite whose clean-up of the old chunks fails: the day is replaced all the same, and
    // the failure is handed over (the sync logs it) instead of failing the sync.
    const leftovers: unknown[] = [];
    const noDeletes: Store = {
      ...storeMethods(store),
      removeMany: async () => {
        throw new Error('throttled');
      },
    };
    await writeDay(noDeletes, '2026-11-04', changed, { gen: first.gen }, (e) => leftovers.push(e));
    const replaced = (await readDays(store, '2026-11-04', '2026-11-05')).get('2026-11-04')!;
    expect(replaced.gen).not.toBe(first.gen);
    expectSameFacts(replaced.facts, changed);
    expect(leftovers).toEqual([new Error('throttled')]);
  });

  it('reads a day whole once per generation: asked again, only the headers; a rewritten day again', async () => {
    const store = await dynamo.newStore();
    const withData: string[] = [];
    const counting: Store = {
      ...storeMethods(store),
      query: async (spec) => {
        const items = await store.query(spec);
        for (const item of items) if (item.data) withData.push(String(item.sk).split('#')[1]!);
        return items;
      },
    };
    const days = ['2026-09-01', '2026-09-02', '2026-09-03'];
    for (const [i, day] of days.entries()) await writeDay(store, day, [fact(day, i, '1.5', '10')]);
    expect([...(await readDays(counting, '2026-09-01', '2026-09-04')).keys()].sort()).toEqual(days);
    expect(withData.sort()).toEqual(days);

    withData.length = 0;
    const again = await readDays(counting, '2026-09-01', '2026-09-04');
    expect(withData).toEqual([]);
    expect(again.get('2026-09-02')!.facts.map((f) => f.amount.toString())).toEqual(['1.5']);

    const previous = again.get('2026-09-02')!;
    await writeDay(store, '2026-09-02', [fact('2026-09-02', 1, '7.25', '10')], previous);
    const third = await readDays(counting, '2026-09-01', '2026-09-04');
    expect(withData).toEqual(['2026-09-02']);
    expect(third.get('2026-09-02')!.facts.map((f) => f.amount.toString())).toEqual(['7.25']);
  });

  it('still reads days written in the first format (a JSON tuple per fact)', async () => {
    const store = await dynamo.newStore();
    const v1 = {
      s: ['Amazon Bedrock'],
      u: ['USE1-NovaPro-input-tokens', 'USE1-NovaPro-output-tokens'],
      t: ['search', ''],
      a: ['111122223333'],
      g: ['us-east-1'],
      r: ['Usage'],
      f: [
        [0, 0, 0, 0, 0, 0, '12.3456', '1500000', 0],
        [0, 1, 1, 0, 0, 0, '0.123456789012', '42', 1],
      ],
    };
    const data = await promisify(gzip)(JSON.stringify(v1));
    await store.db.send(
      new PutCommand({
        TableName: store.table,
        Item: {
          pk: 'LEDGER#2026-10',
          sk: 'DAY#2026-10-20',
          gen: 'old1',
          hash: 'x',
          count: 2,
          chunks: 1,
          data,
        },
      }),
    );
    const day = (await readDays(store, '2026-10-01', '2026-11-01')).get('2026-10-20')!;
    expect(
      day.facts.map((f) => [f.usageType, f.team, f.amount.toString(), f.quantity.toString(), f.state]),
    ).toEqual([
      ['USE1-NovaPro-input-tokens', 'search', '12.3456', '1500000', 'final'],
      ['USE1-NovaPro-output-tokens', '', '0.123456789012', '42', 'provisional'],
    ]);
  });
});

describe('the query engine over columns', () => {
  const DIMS: CostDimension[] = [
    { type: 'DIMENSION', key: 'SERVICE' },
    { type: 'DIMENSION', key: 'USAGE_TYPE' },
    { type: 'TAG', key: 'team' },
    { type: 'DIMENSION', key: 'LINKED_ACCOUNT' },
    { type: 'DIMENSION', key: 'REGION' },
    { type: 'TAG', key: 'cost-center' },
  ];
  const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03'];

  it('equals a plain Decimal sum of the facts for any grouping, filter and bucket', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(200), fc.constantFrom(...FIGURES), fc.constantFrom(...FIGURES), fc.nat(2)), {
          maxLength: 60,
        }),
        fc.subarray(DIMS, { maxLength: 4 }),
        fc.subarray(SERVICES),
        fc.option(fc.subarray(TEAMS, { minLength: 1 }), { nil: undefined }),
        fc.constantFrom<'DAILY' | 'MONTHLY'>('DAILY', 'MONTHLY'),
        (raw, groupBy, services, teams, granularity) => {
          const facts = raw.map(([i, a, q, d]) => fact(DAYS[d]!, i, a, q));
          const query: CostQuery = {
            start: DAYS[0]!,
            end: '2026-11-04',
            granularity,
            groupBy,
            services,
            metric: 'UnblendedCost',
            ...(teams ? { tag: { key: 'team', values: teams } } : {}),
          };
          const rows = queryFacts(query, 'team', (start, end) =>
            facts.filter((f) => f.day >= start && f.day < end),
          );
          // The same answer with the groups in nested maps (a grid too large for a dense table).
          const nested = queryBlocks(
            query,
            'team',
            (start, end) => [FactBlock.of(facts.filter((f) => f.day >= start && f.day < end))],
            { denseCells: 0 },
          );
          expect(nested).toEqual(rows);

          // The reference: one string key per fact, Decimal sums.
          const keyOf = (f: BillFact) =>
            groupBy.map((g) => {
              if (g.type === 'TAG') return `${g.key}$${g.key === 'team' ? f.team : ''}`;
              return {
                SERVICE: f.service,
                USAGE_TYPE: f.usageType,
                LINKED_ACCOUNT: f.account,
                REGION: f.region,
              }[g.key as 'SERVICE'];
            });
          const buckets =
            granularity === 'DAILY' ? DAYS.map((d) => [d, d] as const) : [[DAYS[0]!, DAYS[2]!] as const];
          const expected: string[] = [];
          for (const [from, to] of buckets) {
            const sums = new Map<string, { amount: Dec; quantity: Dec }>();
            for (const f of facts) {
              if (f.day < from || f.day > to || f.recordType !== 'Usage') continue;
              if (services.length && !services.includes(f.service)) continue;
              if (teams && !teams.includes(f.team)) continue;
              const k = JSON.stringify(keyOf(f));
              const s = sums.get(k) ?? { amount: ZERO, quantity: ZERO };
              sums.set(k, { amount: s.amount.plus(f.amount), quantity: s.quantity.plus(f.quantity) });
            }
            for (const [k, s] of sums)
              expected.push(`${from} ${k} ${s.amount.toString()} ${s.quantity.toString()}`);
          }
          const got = rows.map(
            (r) => `${r.start} ${JSON.stringify(r.keys)} ${r.amount.toString()} ${r.quantity.toString()}`,
          );
          expect(got.sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('marks a bucket estimated when any fact in it is not final', () => {
    const facts = [
      fact('2026-11-01', 0, '1', '1'),
      { ...fact('2026-11-02', 0, '2', '1'), state: 'provisional' as const },
    ];
    const block = FactBlock.of(facts);
    expect(block.n).toBe(2);
    const rows = queryFacts(
      {
        start: '2026-11-01',
        end: '2026-11-03',
        granularity: 'DAILY',
        groupBy: [],
        services: [],
        metric: 'UnblendedCost',
      },
      'team',
      (start) => facts.filter((f) => f.day === start),
    );
    expect(rows.map((r) => [r.start, r.amount.toString(), r.estimated])).toEqual([
      ['2026-11-01', '1', false],
      ['2026-11-02', '2', true],
    ]);
  });
});

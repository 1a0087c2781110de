import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lib/store/dynamo.js';
import { lazyStore } from '../../lib/store/lazy.js';
import { failedWrites, isConditionalCheckFailed, type Store } from '../../lib/store/store.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const day = (i: number) => `DAY#2026-11-${String(i).padStart(2, '0')}`;

type Batch = { RequestItems: Record<string, { Keys: unknown[] } | unknown[]> };

/** The same store, whose batch requests leave `leftOver(call)` of their keys unprocessed. */
function leavingKeys(store: DynamoStore, leftOver: (call: number) => number): DynamoStore {
  let calls = 0;
  const send = async (command: { constructor: { name: string }; input: Batch }) => {
    const name = command.constructor.name;
    if (name !== 'BatchGetCommand' && name !== 'BatchWriteCommand') return store.db.send(command as never);
    const n = leftOver(calls++);
    const request = command.input.RequestItems[store.table]!;
    const all = Array.isArray(request) ? request : request.Keys;
    const kept = all.slice(0, all.length - n);
    const left = all.slice(all.length - n);
    const Command = command.constructor as new (input: Batch) => never;
    const input = {
      RequestItems: { [store.table]: Array.isArray(request) ? kept : { ...request, Keys: kept } },
    };
    const out = kept.length ? ((await store.db.send(new Command(input))) as object) : {};
    return Array.isArray(request)
      ? { ...out, UnprocessedItems: left.length ? { [store.table]: left } : {} }
      : { ...out, UnprocessedKeys: left.length ? { [store.table]: { Keys: left } } : {} };
  };
  return new DynamoStore({ send } as unknown as DynamoDBDocumentClient, store.table);
}

describe('the Store port over DynamoDB (dynalite)', () => {
  it('reads a partition past one page, in order or newest first, up to a limit, with only some attributes', async () => {
    const store = await dynamo.newStore();
    // 24 items of ~100 KB: about 2.4 MB, more than one 1 MB query page.
    const blob = 'x'.repeat(100_000);
    for (let i = 1; i <= 24; i++)
      await store.write({ key: { pk: 'LEDGER#2026-11', sk: day(i) }, put: { n: i, blob } });
    await store.write({ key: { pk: 'LEDGER#2026-11', sk: 'META' }, put: { n: 0 } });

    const all = await store.query({ pk: 'LEDGER#2026-11', sk: { beginsWith: 'DAY#' } });
    expect(all.map((i) => i.n)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));

    const range = await store.query({
      pk: 'LEDGER#2026-11',
      sk: { between: [day(3), day(5)] },
      attributes: ['sk', 'n'],
    });
    expect(range).toEqual([3, 4, 5].map((n) => ({ sk: day(n), n })));

    const newest = await store.query({
      pk: 'LEDGER#2026-11',
      sk: { beginsWith: 'DAY#' },
      descending: true,
      limit: 2,
    });
    expect(newest.map((i) => i.n)).toEqual([24, 23]);
    expect(await store.query({ pk: 'LEDGER#2026-12' })).toEqual([]);
  });

  it('gets and deletes many keys at once, over the per-request limits (100 reads, 25 deletes)', async () => {
    const store = await dynamo.newStore();
    const keys = Array.from({ length: 230 }, (_, i) => ({ pk: `USAGE#${i % 7}`, sk: `K${i}` }));
    for (const [i, key] of keys.entries()) if (i % 3 !== 0) await store.write({ key, put: { i } });
    const found = await store.getMany(keys);
    expect(found.map((item) => item.i).sort((a, b) => Number(a) - Number(b))).toEqual(
      keys.flatMap((_, i) => (i % 3 !== 0 ? [i] : [])),
    );
    await store.removeMany(keys.slice(0, 120));
    expect((await store.getMany(keys)).map((item) => item.i).sort((a, b) => Number(a) - Number(b))).toEqual(
      keys.flatMap((_, i) => (i >= 120 && i % 3 !== 0 ? [i] : [])),
    );
  });

  it('sends the keys a throttled batch left over again, and fails loudly when they never go through', async () => {
    const store = await dynamo.newStore();
    const keys = Array.from({ length: 40 }, (_, i) => ({ pk: 'SNOOZE', sk: `T${i}` }));
    for (const key of keys) await store.write({ key, put: { v: 1 } });

    const flaky = leavingKeys(store, (call) => (call < 2 ? 10 : 0));
    expect(await flaky.getMany(keys)).toHaveLength(40);
    await flaky.removeMany(keys.slice(0, 20));
    expect(await store.getMany(keys)).toHaveLength(20);

    const stuck = leavingKeys(store, () => 1);
    await expect(stuck.getMany(keys)).rejects.toThrow(/left 1 items unprocessed \(read\)/);
  });

  it('writes with conditions: the item before or after, and a failed condition named as such', async () => {
    const store = await dynamo.newStore();
    const key = { pk: 'IDLE#arn', sk: 'SNOOZE' };
    expect(
      await store.write(
        { key, update: 'SET #u = :u', names: { '#u': 'until' }, values: { ':u': 'a' } },
        { returnItem: 'old' },
      ),
    ).toBeUndefined();
    expect(
      await store.write(
        { key, update: 'SET #u = :u', names: { '#u': 'until' }, values: { ':u': 'b' } },
        { returnItem: 'old' },
      ),
    ).toEqual({ ...key, until: 'a' });
    expect(
      await store.write({ key, update: 'ADD n :one', values: { ':one': 1 } }, { returnItem: 'new' }),
    ).toEqual({
      ...key,
      until: 'b',
      n: 1,
    });
    const error = await store
      .write({ key, put: { v: 2 }, condition: 'attribute_not_exists(pk)' })
      .catch((e) => e);
    expect(isConditionalCheckFailed(error)).toBe(true);
    await store.write({ key, remove: true });
    expect(await store.get(key, { consistent: true })).toBeUndefined();
  });

  it('writes a transaction whole or not at all, and says which condition failed', async () => {
    const store = await dynamo.newStore();
    await store.write({ key: { pk: 'TEAM#search', sk: 'PROFILE' }, put: { version: 1 } });
    const error = await store
      .transact([
        {
          key: { pk: 'TEAM#search', sk: 'AUDIT#1' },
          put: { action: 'set' },
          condition: 'attribute_not_exists(pk)',
        },
        {
          key: { pk: 'TEAM#search', sk: 'PROFILE' },
          update: 'SET version = :two',
          condition: 'version = :v',
          values: { ':v': 7, ':two': 2 },
        },
      ])
      .catch((e) => e);
    expect(failedWrites(error)).toEqual([1]);
    expect(await store.get({ pk: 'TEAM#search', sk: 'AUDIT#1' })).toBeUndefined();

    await store.transact([
      {
        key: { pk: 'TEAM#search', sk: 'AUDIT#1' },
        put: { action: 'set' },
        condition: 'attribute_not_exists(pk)',
      },
      {
        key: { pk: 'TEAM#search', sk: 'PROFILE' },
        remove: true,
        condition: 'version = :v',
        values: { ':v': 1 },
      },
    ]);
    expect(await store.get({ pk: 'TEAM#search', sk: 'AUDIT#1' })).toMatchObject({ action: 'set' });
    expect(await store.get({ pk: 'TEAM#search', sk: 'PROFILE' })).toBeUndefined();
  });

  it('scans with a filter over every segment', async () => {
    const store = await dynamo.newStore();
    for (let i = 0; i < 30; i++)
      await store.write({ key: { pk: `TEAM#t${i}`, sk: i % 2 ? 'PROFILE' : 'OTHER' }, put: { i } });
    const items = await store.scan({ filter: 'sk = :p', values: { ':p': 'PROFILE' }, segments: 3 });
    expect(items.map((item) => item.i).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 15 }, (_, k) => 2 * k + 1),
    );
  });
});

describe('lazyStore', () => {
  it('builds the table on first use, once, and tries again after a failed build', async () => {
    let builds = 0;
    let fail = true;
    const real = await dynamo.newStore();
    const store: Store = lazyStore(async () => {
      builds++;
      if (fail) throw new Error('no SDK yet');
      return real;
    });
    expect(builds).toBe(0);
    await expect(store.get({ pk: 'A', sk: 'B' })).rejects.toThrow('no SDK yet');
    fail = false;
    await store.write({ key: { pk: 'A', sk: 'B' }, put: { v: 1 } });
    expect(await store.get({ pk: 'A', sk: 'B' })).toMatchObject({ v: 1 });
    expect(builds).toBe(2);
  });
});

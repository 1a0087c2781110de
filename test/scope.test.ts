import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeStore } from '../lib/scope.js';
import { startTestDynamo, type TestDynamo } from './support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());

describe('scopeStore: the table as someone who sees only some teams reads it', () => {
  it("reads another team's items as absent, through every read, and leaves other items alone", async () => {
    const store = await dynamo.newStore();
    for (const team of ['search', 'growth']) {
      await store.write({ key: { pk: `TEAM#${team}`, sk: 'PROFILE' }, put: { team, budgetUsd: '1000' } });
    }
    await store.write({ key: { pk: 'LEDGER', sk: 'META' }, put: { meta: {} } });
    let lookups = 0;
    const scoped = scopeStore(
      store,
      async () => new Set(['search']),
      () => lookups++,
    );
    const profile = (team: string) => ({ pk: `TEAM#${team}`, sk: 'PROFILE' });

    expect(await scoped.get(profile('search'))).toMatchObject({ team: 'search' });
    expect(await scoped.get(profile('growth'))).toBeUndefined();
    // A query of a hidden team's partition is empty even when the attributes read leave `pk` out.
    expect(await scoped.query({ pk: 'TEAM#growth', attributes: ['sk', 'budgetUsd'] })).toEqual([]);
    expect(await scoped.query({ pk: 'TEAM#search', attributes: ['sk'] })).toEqual([{ sk: 'PROFILE' }]);
    const many = await scoped.getMany([profile('search'), profile('growth'), { pk: 'LEDGER', sk: 'META' }]);
    expect(many.map((i) => i.pk).sort()).toEqual(['LEDGER', 'TEAM#search']);
    const scanned = await scoped.scan({ filter: 'sk = :p', values: { ':p': 'PROFILE' } });
    expect(scanned.map((i) => i.team)).toEqual(['search']);
    // Items that are not a team's pass without asking who the person is.
    const before = lookups;
    expect(await scoped.get({ pk: 'LEDGER', sk: 'META' })).toMatchObject({ meta: {} });
    expect(lookups).toBe(before);
  });
});

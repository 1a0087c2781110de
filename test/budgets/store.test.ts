import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrentChangeError,
  DEFAULT_DIGEST,
  deleteTeam,
  getTeam,
  listTeams,
  saveTeam,
} from '../../lib/budgets/store.js';
import { usd } from '../../lib/money.js';
import { listAudit } from '../support/audit.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());

const profile = (team: string, amount: number) => ({
  team,
  budgetUsd: usd(amount),
  thresholds: [50, 80, 100],
  timeZone: 'UTC',
  owners: [],
  digest: { ...DEFAULT_DIGEST },
});
const actor = (userId: string, at = '2026-11-18T06:00:00Z') => ({ userId, now: new Date(at) });

describe('team profile repository', () => {
  it('stores the budget as an exact decimal string and lists teams in order', async () => {
    const store = await dynamo.newStore();
    await saveTeam(store, { ...profile('search', 0), budgetUsd: usd('1234.56') }, actor('U1'), undefined);
    await saveTeam(store, profile('growth', 9000), actor('U1'), undefined);
    expect((await listTeams(store)).map((t) => [t.team, t.budgetUsd.toFixed()])).toEqual([
      ['growth', '9000'],
      ['search', '1234.56'],
    ]);
  });

  it('refuses a write based on a stale read, so concurrent edits never silently overwrite', async () => {
    const store = await dynamo.newStore();
    const v1 = await saveTeam(store, profile('search', 1000), actor('U1'), undefined);
    await saveTeam(store, profile('search', 2000), actor('U2'), v1);
    await expect(saveTeam(store, profile('search', 3000), actor('U3'), v1)).rejects.toBeInstanceOf(
      ConcurrentChangeError,
    );
    await expect(saveTeam(store, profile('search', 3000), actor('U3'), undefined)).rejects.toThrow(
      /changed the search budget at the same moment/,
    );
    await expect(deleteTeam(store, v1, actor('U3'))).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect((await getTeam(store, 'search'))?.budgetUsd.toFixed()).toBe('2000');
    expect((await listAudit(store, 'search')).map((a) => a.userId)).toEqual(['U2', 'U1']);
  });

  it('keeps every change in the audit, even at the same instant and after re-creation', async () => {
    const store = await dynamo.newStore();
    const v1 = await saveTeam(store, profile('search', 1000), actor('U1'), undefined);
    await deleteTeam(store, v1, actor('U2'));
    await saveTeam(store, profile('search', 500), actor('U3'), undefined);
    const audit = await listAudit(store, 'search');
    expect(audit.map((a) => [a.action, a.userId, a.old?.budgetUsd, a.new?.budgetUsd])).toHaveLength(3);
    expect(audit.map((a) => a.userId).sort()).toEqual(['U1', 'U2', 'U3']);
  });

  it('reads profiles written with fewer fields, with the defaults', async () => {
    const store = await dynamo.newStore();
    await store.db.send(
      new PutCommand({
        TableName: store.table,
        Item: { pk: 'TEAM#legacy', sk: 'PROFILE', budgetUsd: '750' },
      }),
    );
    expect(await getTeam(store, 'legacy')).toMatchObject({
      team: 'legacy',
      thresholds: [50, 80, 100],
      timeZone: 'UTC',
      owners: [],
      digest: { weekday: 1, hour: 9 },
    });
  });
});

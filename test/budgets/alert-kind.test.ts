/**
 * One typed alert kind (`{ kind: 'threshold', pct }` | `{ kind: 'forecast' }`) and one
 * encoding of it (`lib/budgets/alert-store.ts`). The encoded form is the alert item's sort
 * key and the tail of every Acknowledge button already posted, so it must never change:
 * items written before the encoding moved there still decode, and `budget ack` finds them.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AlertKind,
  decodeAlertKind,
  encodeAlertKind,
  formatAlertKey,
  getAlert,
  parseAlertKey,
} from '../../lib/budgets/alert-store.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { DynamoStore } from '../../lib/store/dynamo.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('encodeAlertKind / decodeAlertKind', () => {
  it('writes the stored forms, THRESHOLD#<pct> and FORECAST', () => {
    expect(encodeAlertKind({ kind: 'threshold', pct: 80 })).toBe('THRESHOLD#80');
    expect(encodeAlertKind({ kind: 'threshold', pct: 100 })).toBe('THRESHOLD#100');
    expect(encodeAlertKind({ kind: 'forecast' })).toBe('FORECAST');
    expect(decodeAlertKind('THRESHOLD#80')).toEqual({ kind: 'threshold', pct: 80 });
    expect(decodeAlertKind('FORECAST')).toEqual({ kind: 'forecast' });
  });

  it('decodes what it encodes, and nothing else', () => {
    const kinds = fc.oneof(
      fc.integer({ min: 0, max: 9999 }).map((pct): AlertKind => ({ kind: 'threshold', pct })),
      fc.constant<AlertKind>({ kind: 'forecast' }),
    );
    fc.assert(
      fc.property(kinds, (kind) => {
        expect(decodeAlertKind(encodeAlertKind(kind))).toEqual(kind);
      }),
    );
    for (const other of [
      'THRESHOLD#',
      'THRESHOLD#080',
      'THRESHOLD#12345',
      'threshold#80',
      'FORECAST#1',
      'PROFILE',
    ]) {
      expect(decodeAlertKind(other)).toBeUndefined();
    }
    expect(() => parseAlertKey('ALERT#search#2026-11|THRESHOLD#080')).toThrow(/not valid/);
  });

  it('reads a button value posted before, and writes the same one', () => {
    const value = 'ALERT#search#2026-11|THRESHOLD#80';
    expect(parseAlertKey(value)).toEqual({ team: 'search', month: '2026-11', sk: 'THRESHOLD#80' });
    expect(formatAlertKey(parseAlertKey(value))).toBe(value);
    expect(parseAlertKey('ALERT#search#2026-11|FORECAST')).toEqual({
      team: 'search',
      month: '2026-11',
      sk: 'FORECAST',
    });
  });
});

describe('alert items already in the table', () => {
  let dynamo: TestDynamo;
  let store: DynamoStore;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(() => dynamo.close());
  beforeEach(async () => {
    store = await dynamo.newStore();
  });

  /** An item as the alert job has always written it (keys spelled out, not built by the code under test). */
  async function putSentAlert(sk: string) {
    await store.db.send(
      new PutCommand({
        TableName: store.table,
        Item: {
          pk: 'ALERT#search#2026-11',
          sk,
          team: 'search',
          month: '2026-11',
          state: 'sent',
          budgetUsd: '1000',
          target: 'slack:C0SEARCH01',
          attempts: 1,
          sentAt: '2026-11-17T10:00:00.000Z',
        },
      }),
    );
  }

  it('are acknowledged by `budget ack` under their stored keys', async () => {
    await putSentAlert('THRESHOLD#80');
    await putSentAlert('FORECAST');
    const deps = testDeps({ store });
    const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
    const threshold = await executeLine('budget ack search 80%', { deps, caller });
    expect(threshold.reply.headline).toBe('cli acknowledged the search 80% budget alert for 2026-11.');
    expect(threshold.data).toEqual({
      action: 'ack',
      teams: [],
      alert: { team: 'search', month: '2026-11', alert: 'THRESHOLD#80' },
    });
    const forecast = await executeLine('budget ack search forecast 2026-11', { deps, caller });
    expect(forecast.reply.headline).toBe('cli acknowledged the search forecast budget alert for 2026-11.');
    for (const sk of ['THRESHOLD#80', 'FORECAST']) {
      expect(await getAlert(store, { team: 'search', month: '2026-11', sk })).toMatchObject({
        acknowledgedBy: 'cli',
      });
    }
    // One never sent: said so, nothing written.
    await expect(executeLine('budget ack search 50', { deps, caller })).rejects.toThrow(
      'search has no 50% budget alert for 2026-11 to acknowledge (none was sent)',
    );
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' })).toBeUndefined();
  });
});

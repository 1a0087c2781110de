import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConditionalCheckFailed } from '../../lib/store/store.js';
import { startTestDynamo, type TestDynamo } from './dynamo.js';

describe('startTestDynamo', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('stores and reads back an item by pk/sk', async () => {
    const { db, table } = dynamo.store;
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'BUDGET#search', sk: 'MONTH#2026-11', limit: '500.00' },
      }),
    );
    const { Item } = await db.send(
      new GetCommand({ TableName: table, Key: { pk: 'BUDGET#search', sk: 'MONTH#2026-11' } }),
    );
    expect(Item).toEqual({ pk: 'BUDGET#search', sk: 'MONTH#2026-11', limit: '500.00' });
  });

  it('raises ConditionalCheckFailedException when a claim is already taken', async () => {
    const { db, table } = dynamo.store;
    const claim = () =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'ALERT#search#2026-11', sk: 'THRESHOLD#80' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await claim();
    const error = await claim().catch((e: unknown) => e);
    expect((error as Error).name).toBe('ConditionalCheckFailedException');
    expect(isConditionalCheckFailed(error)).toBe(true);
    expect(isConditionalCheckFailed(new Error('other'))).toBe(false);
  });

  it('gives every store its own empty table', async () => {
    const other = await dynamo.newStore();
    expect(other.table).not.toBe(dynamo.store.table);
    const { Item } = await other.db.send(
      new GetCommand({ TableName: other.table, Key: { pk: 'BUDGET#search', sk: 'MONTH#2026-11' } }),
    );
    expect(Item).toBeUndefined();
  });
});

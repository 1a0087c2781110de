/**
 * `TransactWriteItems` on the embedded DynamoDB (dynalite has none of its own), through
 * the real SDK: both writes or neither, DynamoDB's cancellation reasons, idempotent tokens.
 */
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/store/dynamo.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
let store: DynamoStore;
beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = await dynamo.newStore();
});
afterAll(async () => {
  await dynamo.close();
});

const get = async (pk: string, sk: string) =>
  (await store.db.send(new GetCommand({ TableName: store.table, Key: { pk, sk }, ConsistentRead: true })))
    .Item;

describe('TransactWriteItems on the embedded DynamoDB', () => {
  it('writes every item when every condition holds', async () => {
    await store.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: store.table, Item: { pk: 'A', sk: '1', v: 1 } } },
          {
            Put: {
              TableName: store.table,
              Item: { pk: 'B', sk: '1', v: 2 },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    expect(await get('A', '1')).toMatchObject({ v: 1 });
    expect(await get('B', '1')).toMatchObject({ v: 2 });
  });

  it('writes nothing when one condition fails, and says which (CancellationReasons)', async () => {
    await store.db.send(new PutCommand({ TableName: store.table, Item: { pk: 'C', sk: '1', v: 'before' } }));
    const error = await store.db
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: store.table, Item: { pk: 'C', sk: '1', v: 'after' } } },
            { Delete: { TableName: store.table, Key: { pk: 'D', sk: '1' } } },
            {
              Put: {
                TableName: store.table,
                Item: { pk: 'B', sk: '1', v: 3 },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => e as { name: string; CancellationReasons?: { Code?: string }[] });
    expect(error).toMatchObject({ name: 'TransactionCanceledException' });
    expect(
      (error as { CancellationReasons: { Code?: string }[] }).CancellationReasons.map((r) => r.Code),
    ).toEqual(['None', 'None', 'ConditionalCheckFailed']);
    // The first write was undone: the item is as it was.
    expect(await get('C', '1')).toMatchObject({ v: 'before' });
    expect(await get('B', '1')).toMatchObject({ v: 2 });
  });

  it('checks a condition without writing (ConditionCheck), and answers a repeated token as done', async () => {
    const token = 'token-0123456789-abcdef';
    const transaction = () =>
      store.db.send(
        new TransactWriteCommand({
          ClientRequestToken: token,
          TransactItems: [
            {
              ConditionCheck: {
                TableName: store.table,
                Key: { pk: 'A', sk: '1' },
                ConditionExpression: 'v = :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            {
              Update: {
                TableName: store.table,
                Key: { pk: 'E', sk: '1' },
                UpdateExpression: 'ADD n :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
    await transaction();
    await transaction();
    expect(await get('A', '1')).toEqual({ pk: 'A', sk: '1', v: 1 });
    // The same token again (a retry of a transaction whose answer was lost): applied once.
    expect(await get('E', '1')).toMatchObject({ n: 1 });
  });
});

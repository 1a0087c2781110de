/**
 * The `Store` port over DynamoDB (the document client of `lib/aws/dynamodb.ts`): the only
 * module that builds DynamoDB requests for the table. `db` and `table` stay visible on
 * this concrete class for tests that inspect raw items; the domain sees only `Store`.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Expression, Item, ItemKey, QuerySpec, ScanSpec, Store, Write } from './store.js';

/** Waits (ms) before re-sending the keys a batch request left unprocessed (throttled). */
const LEFTOVER_WAITS = [50, 100, 200, 400, 800];

export class DynamoStore implements Store {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async get(key: ItemKey, options: { consistent?: boolean } = {}): Promise<Item | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: key,
        ...(options.consistent ? { ConsistentRead: true } : {}),
      }),
    );
    return out.Item;
  }

  async write(write: Write, options: { returnItem?: 'new' | 'old' } = {}): Promise<Item | undefined> {
    const common = { TableName: this.table, ...expression(write) };
    const old = options.returnItem === 'old' ? { ReturnValues: 'ALL_OLD' as const } : {};
    if (write.put) {
      const out = await this.db.send(
        new PutCommand({ ...common, ...old, Item: { ...write.put, ...write.key } }),
      );
      return out.Attributes;
    }
    if (write.remove) {
      const out = await this.db.send(new DeleteCommand({ ...common, ...old, Key: write.key }));
      return out.Attributes;
    }
    const out = await this.db.send(
      new UpdateCommand({
        ...common,
        Key: write.key,
        UpdateExpression: write.update,
        ...(options.returnItem === 'new' ? { ReturnValues: 'ALL_NEW' as const } : old),
      }),
    );
    return out.Attributes;
  }

  async query(spec: QuerySpec): Promise<Item[]> {
    const { condition, values } = keyCondition(spec);
    const names: Record<string, string> = {};
    const projection = spec.attributes?.map((name, i) => {
      names[`#a${i}`] = name;
      return `#a${i}`;
    });
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const left = spec.limit === undefined ? undefined : spec.limit - items.length;
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ...(projection
            ? { ProjectionExpression: projection.join(', '), ExpressionAttributeNames: names }
            : {}),
          ...(spec.descending ? { ScanIndexForward: false } : {}),
          ...(left !== undefined ? { Limit: left } : {}),
          ...(spec.consistent ? { ConsistentRead: true } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) items.push(item);
      start = page.LastEvaluatedKey;
    } while (start && (spec.limit === undefined || items.length < spec.limit));
    return items;
  }

  async scan(spec: ScanSpec): Promise<Item[]> {
    const segments = Math.max(1, spec.segments ?? 4);
    const pages = await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        const out: Item[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.db.send(
            new ScanCommand({
              TableName: this.table,
              FilterExpression: spec.filter,
              ExpressionAttributeValues: spec.values,
              ...(spec.names ? { ExpressionAttributeNames: spec.names } : {}),
              ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          for (const item of page.Items ?? []) out.push(item);
          start = page.LastEvaluatedKey;
        } while (start);
        return out;
      }),
    );
    return pages.flat();
  }

  async getMany(keys: readonly ItemKey[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
      await this.leftovers('read', async () => {
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) items.push(item);
        pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
        return pending.length;
      });
    }
    return items;
  }

  async removeMany(keys: readonly ItemKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let pending = keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: { pk: k.pk, sk: k.sk } } }));
      await this.leftovers('delete', async () => {
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (out.UnprocessedItems?.[this.table] ?? []) as typeof pending;
        return pending.length;
      });
    }
  }

  async transact(writes: readonly Write[]): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: writes.map((w) => this.transactItem(w)) }));
  }

  private transactItem(write: Write) {
    const common = { TableName: this.table, ...expression(write) };
    if (write.put) return { Put: { ...common, Item: { ...write.put, ...write.key } } };
    if (write.remove) return { Delete: { ...common, Key: write.key } };
    return { Update: { ...common, Key: write.key, UpdateExpression: write.update } };
  }

  /**
   * Send a batch request until nothing is left over (`send` resolves how many keys were),
   * waiting a little longer each time; still some left after that is an error, not a
   * silent partial answer.
   */
  private async leftovers(what: string, send: () => Promise<number>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const left = await send();
      if (left === 0) return;
      if (attempt >= LEFTOVER_WAITS.length) {
        throw new Error(`DynamoDB left ${left} items unprocessed (${what}) after ${attempt + 1} attempts`);
      }
      await new Promise((resolve) => setTimeout(resolve, LEFTOVER_WAITS[attempt]));
    }
  }
}

function expression(e: Expression) {
  return {
    ...(e.condition ? { ConditionExpression: e.condition } : {}),
    ...(e.names ? { ExpressionAttributeNames: e.names } : {}),
    ...(e.values ? { ExpressionAttributeValues: e.values } : {}),
  };
}

function keyCondition(spec: QuerySpec): { condition: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = { ':pk': spec.pk };
  if (!spec.sk) return { condition: 'pk = :pk', values };
  if ('between' in spec.sk) {
    values[':a'] = spec.sk.between[0];
    values[':b'] = spec.sk.between[1];
    return { condition: 'pk = :pk AND sk BETWEEN :a AND :b', values };
  }
  values[':p'] = spec.sk.beginsWith;
  return { condition: 'pk = :pk AND begins_with(sk, :p)', values };
}

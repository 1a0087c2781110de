import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERSE_API, priceUsage, recordAssistantUsage } from '../../lib/assistant/usage.js';
import { Dec } from '../../lib/money.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { modelForModelId, priceAt } from '../../lib/pricing/models.js';
import { DynamoStore } from '../../lib/store/dynamo.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const catalog = bundledCatalog();
const usage = { inputTokens: 2000, outputTokens: 300, calls: 1 };
const NOW = new Date('2026-11-18T06:00:00Z');

/** The catalog's price of `usage` at one place, computed independently. */
function expected(modelId: string, at: string): Dec {
  const prices = priceAt(modelForModelId(catalog, modelId)!.model, at)!;
  return new Dec(prices.input!).times(2000).plus(new Dec(prices.output!).times(300)).div(1e6);
}

describe('priceUsage', () => {
  it('prices an inference-profile ID at that profile', () => {
    const id = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
    const cost = priceUsage(catalog, id, 'us-east-1', usage);
    expect(cost).toMatchObject({ modelName: 'Claude Haiku 4.5', priceAt: 'us' });
    expect(cost.usd?.equals(expected(id, 'us'))).toBe(true);
    const global = priceUsage(catalog, `global.${id.slice(3)}`, 'us-east-1', usage);
    expect(global.priceAt).toBe('global');
    expect(global.usd?.lt(cost.usd!)).toBe(true);
  });

  it('prices a base model ID in the bot Region', () => {
    const id = 'anthropic.claude-haiku-4-5-20251001-v1:0';
    const cost = priceUsage(catalog, id, 'eu-west-1', usage);
    expect(cost.priceAt).toBe('eu-west-1');
    expect(cost.usd?.equals(expected(id, 'eu-west-1'))).toBe(true);
  });

  it('leaves a model the catalog does not know unpriced', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x1';
    expect(priceUsage(catalog, arn, 'us-east-1', usage)).toEqual({ modelName: arn });
  });
});

describe('recordAssistantUsage', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(() => dynamo.close());

  it('never throws: a ledger failure is logged and the answer goes on', async () => {
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const missing = new DynamoStore(dynamo.store.db, 'no-such-table');
    await expect(
      recordAssistantUsage(missing, NOW, usage, { modelName: 'x', usd: new Dec('0.001') }, log),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual(['could not record assistant usage']);
  });

  it('adds concurrent answers without losing any', async () => {
    const store = await dynamo.newStore();
    const cost = { modelName: 'Claude Haiku 4.5', usd: new Dec('0.0025') };
    await Promise.all(Array.from({ length: 10 }, () => recordAssistantUsage(store, NOW, usage, cost)));
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { Item } = await store.db.send(
      new GetCommand({ TableName: store.table, Key: { pk: 'USAGE#2026-11-18', sk: CONVERSE_API } }),
    );
    expect(Item).toMatchObject({
      requests: 10,
      inputTokens: 20000,
      outputTokens: 3000,
      costNanoUsd: 25_000_000,
    });
  });
});

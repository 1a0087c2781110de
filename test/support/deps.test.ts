import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../lib/reply/delivery.js';
import { simpleReply } from '../../lib/reply/reply.js';
import { recordingDelivery, testDeps } from './deps.js';
import { startTestDynamo, type TestDynamo } from './dynamo.js';

describe('testDeps', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('stops the clock at the suite’s now and uses the given store and env', () => {
    const deps = testDeps({ store: dynamo.store, env: { ADMIN_USER_IDS: 'U0ADMIN001,U0ADMIN002' } });
    expect(deps.clock.now().toISOString()).toBe('2026-11-18T06:00:00.000Z');
    expect(deps.config.BEDROCK_COST_TABLE).toBe(dynamo.store.table);
    expect(deps.config.ADMIN_USER_IDS).toEqual(['U0ADMIN001', 'U0ADMIN002']);
    expect(deps.store).toBe(dynamo.store);
  });

  it('takes another now', () => {
    const deps = testDeps({ store: dynamo.store, now: '2026-12-01T00:00:00Z' });
    expect(deps.clock.now().toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('recordingDelivery', () => {
  it('records sends and fails the configured target with a DeliveryError', async () => {
    const delivery = recordingDelivery();
    delivery.failFor('C0BROKEN01', { retryable: false, times: 1 });
    const receipt = await delivery.send(
      { kind: 'slack', channel: 'C0FINOPS01' },
      simpleReply('Spend is up 12%'),
    );
    expect(receipt.ts).toMatch(/^\d{10}\.\d{6}$/);
    const error = await delivery
      .send({ kind: 'slack', channel: 'C0BROKEN01' }, simpleReply('x'))
      .catch((e) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    await delivery.send({ kind: 'slack', channel: 'C0BROKEN01' }, simpleReply('second try'));
    await delivery.send(
      { kind: 'teams', webhookUrl: 'https://example.test/hook' },
      simpleReply('hello teams'),
    );
    expect(delivery.sent.map((m) => m.reply.headline)).toEqual([
      'Spend is up 12%',
      'second try',
      'hello teams',
    ]);
    expect(delivery.sentTo('https://example.test/hook')).toHaveLength(1);
    expect(delivery.attempts.filter((a) => a.failed)).toHaveLength(1);
  });
});

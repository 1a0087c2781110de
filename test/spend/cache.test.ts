import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../lib/clock.js';
import { silentLog } from '../../lib/log.js';
import { Dec } from '../../lib/money.js';
import type { CostQuery, CostResult, CostSource } from '../../lib/ports.js';
import {
  botApiCostThisMonth,
  type CachedCostResult,
  requestsOn,
  withCostCache,
} from '../../lib/spend/cache.js';
import type { Store } from '../../lib/store/store.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const QUERY: CostQuery = {
  start: '2026-11-09',
  end: '2026-11-16',
  granularity: 'DAILY',
  groupBy: [{ type: 'TAG', key: 'team' }],
  services: ['Amazon Bedrock'],
  metric: 'UnblendedCost',
};

/** A fake bill that counts calls and can be told to throttle. */
function countingSource(rows = 3, pages = 2) {
  const calls = { usage: 0, services: 0, forecast: 0 };
  let throttle = false;
  const source: CostSource = {
    async listServices() {
      calls.services++;
      return ['Amazon Bedrock'];
    },
    async getCostAndUsage(): Promise<CostResult> {
      calls.usage++;
      if (throttle) throw Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' });
      return {
        rows: Array.from({ length: rows }, (_, i) => ({
          start: '2026-11-09',
          end: '2026-11-10',
          keys: [`team$t${i}`],
          amount: new Dec('12.3456789012'),
          quantity: new Dec('1000.5'),
          estimated: i === 0,
        })),
        requests: pages,
      };
    },
    async getCostForecast() {
      calls.forecast++;
      return null;
    },
  };
  return { source, calls, setThrottle: (on: boolean) => (throttle = on) };
}

function cached(
  store: Store,
  source: CostSource,
  now: string,
  options: { ttlMinutes?: number; dailyCap?: number } = {},
) {
  return withCostCache(source, {
    store,
    clock: fixedClock(now),
    log: silentLog,
    ttlMinutes: options.ttlMinutes ?? 240,
    dailyCap: options.dailyCap ?? 500,
    namespace: 'aws',
  });
}

describe('withCostCache', () => {
  it('answers the same question twice within the TTL with no second request', async () => {
    const store = await dynamo.newStore();
    const { source, calls } = countingSource();
    const first = (await cached(store, source, '2026-11-18T06:00:00Z').getCostAndUsage(
      QUERY,
    )) as CachedCostResult;
    const second = (await cached(store, source, '2026-11-18T07:00:00Z').getCostAndUsage(
      QUERY,
    )) as CachedCostResult;
    expect(calls.usage).toBe(1);
    expect(first.requests).toBe(2);
    expect(second.requests).toBe(0);
    expect(second.fetchedAt).toBe('2026-11-18T06:00:00.000Z');
    expect(second.rows.map((r) => [r.keys, r.amount.toString(), r.quantity.toString(), r.estimated])).toEqual(
      first.rows.map((r) => [r.keys, r.amount.toString(), r.quantity.toString(), r.estimated]),
    );
  });

  it('asks again once the TTL has passed', async () => {
    const store = await dynamo.newStore();
    const { source, calls } = countingSource();
    await cached(store, source, '2026-11-18T06:00:00Z', { ttlMinutes: 60 }).getCostAndUsage(QUERY);
    await cached(store, source, '2026-11-18T07:30:00Z', { ttlMinutes: 60 }).getCostAndUsage(QUERY);
    expect(calls.usage).toBe(2);
  });

  it('records every billed request per day and prices the bot’s own use at $0.01', async () => {
    const store = await dynamo.newStore();
    const { source } = countingSource(1, 3);
    const costs = cached(store, source, '2026-11-18T06:00:00Z');
    await costs.getCostAndUsage(QUERY);
    await costs.listServices({ start: '2026-11-01', end: '2026-11-18' });
    await costs.getCostAndUsage({ ...QUERY, start: '2026-11-02' });
    expect(await requestsOn(store, '2026-11-18')).toEqual({
      'ce:GetCostAndUsage': 6,
      'ce:GetDimensionValues': 1,
    });
    const bot = await botApiCostThisMonth(store, new Date('2026-11-18T06:00:00Z'));
    expect(bot.requests).toBe(7);
    expect(bot.usd.toString()).toBe('0.07');
  });

  it('answers from an older cached answer, saying so, when Cost Explorer throttles', async () => {
    const store = await dynamo.newStore();
    const fake = countingSource();
    await cached(store, fake.source, '2026-11-18T06:00:00Z', { ttlMinutes: 60 }).getCostAndUsage(QUERY);
    fake.setThrottle(true);
    const later = (await cached(store, fake.source, '2026-11-18T09:00:00Z', {
      ttlMinutes: 60,
    }).getCostAndUsage(QUERY)) as CachedCostResult;
    expect(later.stale).toBe(true);
    expect(later.fetchedAt).toBe('2026-11-18T06:00:00.000Z');
    expect(later.rows).toHaveLength(3);
  });

  it('says "try again in a minute" when throttled with nothing cached', async () => {
    const store = await dynamo.newStore();
    const fake = countingSource();
    fake.setThrottle(true);
    await expect(cached(store, fake.source, '2026-11-18T06:00:00Z').getCostAndUsage(QUERY)).rejects.toThrow(
      /try again in a minute/,
    );
  });

  it('stops asking Cost Explorer at the daily cap', async () => {
    const store = await dynamo.newStore();
    const { source, calls } = countingSource(1, 2);
    const costs = cached(store, source, '2026-11-18T06:00:00Z', { dailyCap: 3 });
    await costs.getCostAndUsage(QUERY);
    await costs.getCostAndUsage({ ...QUERY, start: '2026-11-08' });
    await expect(costs.getCostAndUsage({ ...QUERY, start: '2026-11-07' })).rejects.toThrow(/allowance/);
    expect(calls.usage).toBe(2);
  });

  it('stores answers larger than a DynamoDB item in several parts', async () => {
    const store = await dynamo.newStore();
    // Random-looking keys so gzip cannot shrink them below 400 KB.
    const rows = Array.from({ length: 12_000 }, (_, i) => ({
      start: '2026-11-09',
      end: '2026-11-10',
      keys: [
        `team$${(i * 2654435761).toString(36)}`,
        `USE1-${Math.sin(i).toString(36).slice(2, 14)}-input-tokens`,
      ],
      amount: new Dec(Math.cos(i)).abs(),
      quantity: new Dec(i),
      estimated: false,
    }));
    let calls = 0;
    const source: CostSource = {
      listServices: async () => [],
      getCostForecast: async () => null,
      getCostAndUsage: async () => {
        calls++;
        return { rows, requests: 30 };
      },
    };
    await cached(store, source, '2026-11-18T06:00:00Z').getCostAndUsage(QUERY);
    const again = await cached(store, source, '2026-11-18T06:05:00Z').getCostAndUsage(QUERY);
    expect(calls).toBe(1);
    expect(again.rows).toHaveLength(rows.length);
    expect(again.rows[11_999]!.amount.eq(rows[11_999]!.amount)).toBe(true);
  });

  it('caches "no forecast" too', async () => {
    const store = await dynamo.newStore();
    const { source, calls } = countingSource();
    const costs = cached(store, source, '2026-11-18T06:00:00Z');
    const query = {
      start: '2026-11-18',
      end: '2026-12-01',
      services: ['Amazon Bedrock'],
      metric: 'UnblendedCost' as const,
    };
    expect(await costs.getCostForecast(query)).toBeNull();
    expect(await costs.getCostForecast(query)).toBeNull();
    expect(calls.forecast).toBe(1);
  });
});

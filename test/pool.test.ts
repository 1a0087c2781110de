import { describe, expect, it } from 'vitest';
import { mapPool } from '../lib/pool.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapPool', () => {
  it('keeps at most `limit` calls in flight, results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapPool([30, 5, 20, 1, 10, 2, 8], 3, async (ms) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(ms);
      inFlight--;
      return ms * 2;
    });
    expect(out).toEqual([60, 10, 40, 2, 20, 4, 16]);
    expect(peak).toBe(3);
  });

  it('a free worker takes the next item at once (a pool, not batches)', async () => {
    const started: number[] = [];
    await mapPool([50, 1, 1, 1], 2, async (ms) => {
      started.push(ms);
      await tick(ms);
    });
    // While the 50 ms call runs, the other worker goes through the three short ones.
    expect(started).toEqual([50, 1, 1, 1]);
  });

  it('rejects with the first failure; with stopOnError no further item is started', async () => {
    const seen: string[] = [];
    // Two workers: the first fails at once, the second is busy with a slow item meanwhile.
    const failing = (stopOnError: boolean) =>
      mapPool(
        ['fail', 'slow', 'c', 'd'],
        2,
        async (item) => {
          seen.push(item);
          if (item === 'fail') throw new Error('boom');
          if (item === 'slow') await tick(20);
          return item;
        },
        { stopOnError },
      );
    await expect(failing(true)).rejects.toThrow('boom');
    await tick(40);
    expect(seen).toEqual(['fail', 'slow']);
    seen.length = 0;
    await expect(failing(false)).rejects.toThrow('boom');
    await tick(40);
    expect(seen).toEqual(['fail', 'slow', 'c', 'd']);
  });

  it('handles no items and a limit of 0', async () => {
    expect(await mapPool([], 4, async () => 1)).toEqual([]);
    expect(await mapPool([1, 2], 0, async (n) => n + 1)).toEqual([2, 3]);
  });
});

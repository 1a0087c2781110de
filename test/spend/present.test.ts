import { describe, expect, it } from 'vitest';
import { billContext } from '../../lib/spend/present.js';

const now = new Date('2026-12-04T20:00:00Z');
const context = (ranges: { start: string; end: string }[]) =>
  billContext({ metric: 'UnblendedCost', dataAsOf: now, now, ranges });

describe('billContext', () => {
  it('names the provisional days the ranges touch once, as one span', () => {
    // `why yesterday`: Dec 3 vs Dec 2, with the last 48 hours (Dec 2-3) always named.
    expect(
      context([
        { start: '2026-12-02', end: '2026-12-03' },
        { start: '2026-12-03', end: '2026-12-04' },
        { start: '2026-12-02', end: '2026-12-04' },
      ])[1],
    ).toBe('data as of Dec 4 20:00 UTC (Dec 2-3 provisional)');
    expect(context([{ start: '2026-12-03', end: '2026-12-05' }])[1]).toBe(
      'data as of Dec 4 20:00 UTC (Dec 3 provisional)',
    );
  });

  it('names none when no range reaches the last 48 hours', () => {
    expect(context([{ start: '2026-11-01', end: '2026-12-01' }])[1]).toBe('data as of Dec 4 20:00 UTC');
  });
});

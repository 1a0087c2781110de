import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateCents,
  formatPercentChange,
  formatUsd,
  roundCents,
  shareOf,
  sumUsd,
  usd,
} from '../lib/money.js';

describe('money', () => {
  it('sums token-sized amounts exactly where floats drift', () => {
    // Prepare: a thousand lines of $0.0001 each, and ten of $0.10.
    const lines = Array.from({ length: 1000 }, () => usd('0.0001'));
    // Act
    const total = sumUsd(lines);
    // Assess: floats drift, decimals do not.
    expect(total.toString()).toBe('0.1');
    expect(Array.from({ length: 10 }, () => 0.1).reduce((a, b) => a + b, 0)).not.toBe(1);
    expect(sumUsd(Array.from({ length: 10 }, () => usd('0.1'))).toString()).toBe('1');
  });

  it('formats dollars for people', () => {
    expect(formatUsd(usd('1240.5'))).toBe('$1,240.50');
    expect(formatUsd(usd('-64.234'))).toBe('-$64.23');
    expect(formatUsd(usd('238.61'), { signed: true })).toBe('+$238.61');
    expect(formatUsd(usd('4106.4'), { decimals: 0 })).toBe('$4,106');
    expect(formatUsd(usd('0.004'))).toBe('<$0.01');
    expect(formatUsd(usd('0.000003'), { significant: 3 })).toBe('$0.000003');
    expect(formatUsd(usd(0))).toBe('$0.00');
  });

  it('rounds half to even at the cent only when asked', () => {
    expect(roundCents(usd('2.345'))).toBe(2.34);
    expect(roundCents(usd('2.355'))).toBe(2.36);
  });

  it('describes changes and shares', () => {
    expect(formatPercentChange(usd(100), usd(138))).toBe('+38%');
    expect(formatPercentChange(usd(100), usd(73))).toBe('-27%');
    expect(formatPercentChange(usd(0), usd(5))).toBe('new');
    expect(shareOf(usd(1), usd(3))).toBe(0.3333);
    expect(shareOf(usd(1), usd(0))).toBe(0);
  });

  it('allocates cents so rounded parts always sum to the rounded total', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { minLength: 1, maxLength: 40 }),
        (milli) => {
          const parts = milli.map((m) => usd(m).div(1000));
          const cents = allocateCents(parts);
          const total = roundCents(sumUsd(parts));
          const sum = sumUsd(cents.map((c) => usd(c)));
          expect(sum.toNumber()).toBeCloseTo(total, 10);
          expect(roundCents(sum)).toBe(total);
        },
      ),
    );
  });
});

describe('roundCents and the formatUsd presets', () => {
  it('rounds to the cent in dollars, banker-style, never -0', () => {
    expect(roundCents(usd('12.345'))).toBe(12.34);
    expect(roundCents(usd('12.355'))).toBe(12.36);
    expect(Object.is(roundCents(usd('-0.001')), 0)).toBe(true);
  });

  it('shows each kind of figure one way', () => {
    expect(formatUsd(usd('1240.5'), 'cents')).toBe('$1,240.50');
    expect(formatUsd(usd('4105.6'), 'whole')).toBe('$4,106');
    expect(formatUsd(usd('4250.2'), 'compact')).toBe('$4,250');
    expect(formatUsd(usd('38.2'), 'compact')).toBe('$38.20');
    expect(formatUsd(usd('-1500'), 'compact')).toBe('-$1,500');
    expect(formatUsd(usd('5000'), 'as-typed')).toBe('$5,000');
    expect(formatUsd(usd('1234.5'), 'as-typed')).toBe('$1,234.50');
    expect(formatUsd(usd('12.5'), { preset: 'compact', signed: true })).toBe('+$12.50');
    expect(formatUsd(usd('2500'), { preset: 'compact', signed: true })).toBe('+$2,500');
  });
});

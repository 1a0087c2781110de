import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateCents,
  centsOf,
  Dec,
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

describe('allocateCents on bill figures (the integer path)', () => {
  /** The largest-remainder rule, spelled with Decimals: floors, then the total's missing cents by remainder, ties by order. */
  function reference(parts: Dec[]): number[] {
    const total = sumUsd(parts).toDecimalPlaces(2, Dec.ROUND_HALF_EVEN);
    const floors = parts.map((p) => p.toDecimalPlaces(2, Dec.ROUND_FLOOR));
    let missing = total.minus(sumUsd(floors)).times(100).toNumber();
    const cents = floors.map((f) => f.times(100).toNumber() || 0);
    const order = parts
      .map((p, i) => ({ i, rest: p.minus(floors[i]!) }))
      .sort((a, b) => b.rest.comparedTo(a.rest) || a.i - b.i);
    for (const { i } of order) {
      if (missing <= 0) break;
      cents[i]! += 1;
      missing -= 1;
    }
    return cents.map((c) => c / 100);
  }
  const figure = fc.oneof(
    // Ten decimals (Cost Explorer's finest), signed, up to millions of dollars.
    fc
      .tuple(fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.integer({ min: 0, max: 9_999_999_999 }))
      .map(([w, f]) => new Dec(`${w < 0 ? '-' : ''}${Math.abs(w)}.${String(f).padStart(10, '0')}`)),
    // Half cents (the half-even rule), and figures the integer path leaves to Decimals.
    fc.integer({ min: -1000, max: 1000 }).map((n) => new Dec(n).div(200)),
    fc.constantFrom(
      new Dec('0.123456789012345'),
      new Dec('12345678901234567.5'),
      new Dec('1e-12'),
      new Dec('-0'),
    ),
  );

  it('rounds a figure to whole cents half-even, as Decimal does', () => {
    fc.assert(
      fc.property(figure, (x) => {
        expect(centsOf(x)).toBe(x.times(100).toDecimalPlaces(0, Dec.ROUND_HALF_EVEN).toNumber() || 0);
      }),
      {
        numRuns: 500,
        examples: [[new Dec('0.125')], [new Dec('-0.125')], [new Dec('0.135')], [new Dec('-0.005')]],
      },
    );
  });

  it('rounds to dollars and cents as the Decimal rule does (roundCents)', () => {
    fc.assert(
      fc.property(figure, (x) => {
        expect(Object.is(roundCents(x), x.toDecimalPlaces(2, Dec.ROUND_HALF_EVEN).toNumber() || 0)).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same cents as the Decimal rule, for any list of figures', () => {
    fc.assert(
      fc.property(fc.array(figure, { minLength: 1, maxLength: 60 }), (parts) => {
        expect(allocateCents(parts)).toEqual(reference(parts));
      }),
      { numRuns: 400 },
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

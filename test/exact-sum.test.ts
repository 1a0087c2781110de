import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum, unitsOf } from '../lib/exact-sum.js';
import { Dec, sumUsd } from '../lib/money.js';

/** Amounts as Cost Explorer returns them, and the ones it never does (many decimals, huge, tiny). */
const amountArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: -5_000_000, max: 50_000_000 }), fc.integer({ min: 0, max: 14 }))
    .map(([n, scale]) => new Dec(n).div(new Dec(10).pow(scale))),
  fc.bigInt({ min: -(10n ** 28n), max: 10n ** 28n }).map((b) => new Dec(b.toString()).div(1e4)),
  fc.constantFrom(new Dec(0), new Dec('-0'), new Dec('0.0000000001'), new Dec('1e20'), new Dec('-12345.67')),
);

describe('exact sums without a Decimal per addition', () => {
  it('equal the Decimal sum, amount by amount, whatever the amounts', () => {
    fc.assert(
      fc.property(fc.array(amountArb, { maxLength: 200 }), (amounts) => {
        const sum = new ExactSum();
        for (const a of amounts) sum.add(a);
        const got = sum.value();
        const expected = sumUsd(amounts);
        expect(got.eq(expected)).toBe(true);
        expect(got.toString()).toBe(expected.toString());
      }),
      { numRuns: 500 },
    );
  });

  it('stays exact past the range where plain numbers would round (a quarter of a large bill)', () => {
    const sum = new ExactSum();
    const amount = new Dec('123456.7890123456');
    for (let i = 0; i < 100_000; i++) sum.add(amount);
    expect(sum.value().toString()).toBe('12345678901.23456');
  });

  it('counts cents exactly in 10^-10 units, and leaves what does not fit to Decimal', () => {
    expect(unitsOf(new Dec('12.34'))).toBe(123_400_000_000);
    expect(unitsOf(new Dec('-0.0000000001'))).toBe(-1);
    expect(unitsOf(new Dec('0.00000000001'))).toBeUndefined();
    expect(unitsOf(new Dec('1e30'))).toBeUndefined();
    expect(unitsOf(new Dec(Number.NaN))).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum, ExactSums, splitDecimal, unitsOf } from '../lib/exact-sum.js';
import { partsText } from '../lib/ledger/block.js';
import { StoredFact } from '../lib/ledger/facts.js';
import { Dec, partsOf, sumUsd, ZERO } from '../lib/money.js';

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

/** Figures as the ledger stores them (text), Cost Explorer's shape and what Decimal's toString can give. */
const decimalText = fc.oneof(
  // Cost Explorer's shape: up to 10 decimals.
  fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 10 }), fc.nat())
    .map(([neg, int, digits, frac]) => {
      const f = digits ? `.${String(frac).padStart(digits, '0').slice(-digits)}` : '';
      return `${neg ? '-' : ''}${int}${f}`;
    }),
  // What Decimal's toString can also give: exponents, long fractions, huge integers.
  fc.constantFrom('1e-7', '2.5e+21', '0.123456789012345', '123456789012345678901234', '-0.00000000001', '0'),
);

describe('exact sums of stored figures (text in parts, mixed with Decimals)', () => {
  it('sums stored figures exactly as Decimal does', () => {
    fc.assert(
      fc.property(fc.array(decimalText, { maxLength: 400 }), (texts) => {
        const sum = new ExactSum();
        for (const t of texts) {
          const parts = splitDecimal(t);
          if (parts) sum.addParts(parts[0], parts[1]);
          else sum.add(new Dec(t));
        }
        const expected = texts.reduce((acc, t) => acc.plus(new Dec(t)), ZERO);
        expect(sum.value().equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the same parts from a Decimal as from its text, and they spell the same figure', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const x = new Dec(text);
        const parts = partsOf(x);
        expect(parts).toEqual(splitDecimal(x.toFixed()));
        if (parts) expect(new Dec(partsText(parts[0], parts[1])).equals(x)).toBe(true);
      }),
      { numRuns: 500, examples: [['-0'], ['0'], ['-0.5']] },
    );
  });

  it('sums side by side (ExactSums) exactly as one ExactSum per sum', () => {
    const big = fc.constantFrom('999999999999999.9999999999', '-999999999999999.5', '123456789012345');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(7), fc.oneof(decimalText, big)), { maxLength: 300 }), (adds) => {
        const columns = new ExactSums();
        const one: ExactSum[] = [];
        for (let i = 0; i < 8; i++) {
          expect(columns.open()).toBe(i);
          one.push(new ExactSum());
        }
        for (const [i, text] of adds) {
          const parts = splitDecimal(text);
          if (parts) {
            columns.addParts(i, parts[0], parts[1]);
            one[i]!.addParts(parts[0], parts[1]);
          } else {
            columns.add(i, new Dec(text));
            one[i]!.add(new Dec(text));
          }
        }
        for (let i = 0; i < 8; i++) expect(columns.value(i).equals(one[i]!.value())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('splits only what doubles hold exactly, and a stored fact builds its Decimals on demand', () => {
    expect(splitDecimal('12.5')).toEqual([12, 5_000_000_000]);
    // A figure inside a longer text (a stored day's comma-separated figures).
    expect(splitDecimal('1.5,-12.5,x', 4, 9)).toEqual([-12, -5_000_000_000]);
    expect(splitDecimal('1.5,-12.5,x', 10, 11)).toBeUndefined();
    expect(splitDecimal('-0.0000000001')).toEqual([-0, -1]);
    expect(splitDecimal('0.12345678901')).toBeUndefined();
    expect(splitDecimal('1e-7')).toBeUndefined();
    expect(splitDecimal('1234567890123456')).toBeUndefined();
    const fact = new StoredFact(
      '2026-11-01',
      'Amazon Bedrock',
      'USE1-NovaPro-input-tokens',
      'search',
      '',
      'us-east-1',
      'Usage',
      '1.25',
      '1e+21',
      'final',
    );
    expect(fact.amount.toString()).toBe('1.25');
    expect(fact.quantity.equals(new Dec('1e21'))).toBe(true);
    expect(Number.isNaN(fact.qi)).toBe(true);
  });
});

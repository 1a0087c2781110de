/**
 * The ledger sums stored figures without a Decimal per fact (integer parts in doubles): the
 * sums must equal Decimal's exactly, whatever the figures (more than 10 decimals, exponents,
 * huge quantities and negatives fall back to Decimal).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum, StoredFact, splitDecimal } from '../../lib/ledger/facts.js';
import { Dec, ZERO } from '../../lib/money.js';

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

describe('ExactSum', () => {
  it('sums stored figures exactly as Decimal does', () => {
    fc.assert(
      fc.property(fc.array(decimalText, { maxLength: 400 }), (texts) => {
        const sum = new ExactSum();
        for (const t of texts) {
          const parts = splitDecimal(t);
          if (parts) sum.addParts(parts[0], parts[1]);
          else sum.addDec(new Dec(t));
        }
        const expected = texts.reduce((acc, t) => acc.plus(new Dec(t)), ZERO);
        expect(sum.value().equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('splits only what doubles hold exactly, and a stored fact builds its Decimals on demand', () => {
    expect(splitDecimal('12.5')).toEqual([12, 5_000_000_000]);
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

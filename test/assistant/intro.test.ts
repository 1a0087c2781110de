import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_INTRO_LENGTH, sanitizeIntro } from '../../lib/assistant/intro.js';

describe('sanitizeIntro', () => {
  it('keeps one plain sentence without figures', () => {
    expect(sanitizeIntro("I'll look up last week's spend by team. Then I'll summarise it.")).toBe(
      "I'll look up last week's spend by team.",
    );
    expect(sanitizeIntro('Let me check **search**’s `why` drivers')).toBe(
      'Let me check search’s why drivers',
    );
  });

  it('drops sentences with numbers, amounts or number words', () => {
    expect(sanitizeIntro('Search spent $1,240 more last week.')).toBeUndefined();
    expect(sanitizeIntro('Costs went up 38% since Tuesday.')).toBeUndefined();
    expect(sanitizeIntro('Spend roughly doubled, let me check.')).toBeUndefined();
    expect(sanitizeIntro('It was about three thousand dollars.')).toBeUndefined();
    expect(sanitizeIntro('Costs are €40 higher.')).toBeUndefined();
    // Only the first sentence is ever considered: no figures sneak in after a safe opener.
    expect(sanitizeIntro('Checking now! It is 4200 USD.')).toBe('Checking now!');
  });

  it("drops sentences with any script's digits, numerals or currency signs", () => {
    for (const text of [
      'Search spent ４２k more last week.', // fullwidth digits
      'Search spent ٤٢ thousand more.', // Arabic-Indic digits
      'Costs rose by ४२ since Monday.', // Devanagari digits
      'Spend went up ⅻ times.', // a Roman numeral
      'About ½ of it is search.', // a vulgar fraction
      'The bill is ₹ higher now.', // a currency sign beyond $€£¥
      'Costs are up by²  now.', // a superscript digit
    ])
      expect(sanitizeIntro(text), text).toBeUndefined();
    // Words are still fine.
    expect(sanitizeIntro('Je regarde les dépenses de search.')).toBe('Je regarde les dépenses de search.');
  });

  it('strips markup in linear time: 100 KB of `<` leaves nothing safe to show, at once', () => {
    expect(sanitizeIntro('<'.repeat(100_000))).toBeUndefined();
    expect(sanitizeIntro(`${'<'.repeat(100_000)}> Checking search now.`)).toBe('Checking search now.');
  });

  it('drops mentions, links and very long text', () => {
    expect(sanitizeIntro('<!channel> look at <https://evil.example|this>')).toBe('look at');
    expect(sanitizeIntro('@here see https://evil.example now')).toBe('see now');
    expect(sanitizeIntro(`I will ${'really '.repeat(40)}check.`)).toBeUndefined();
    expect(sanitizeIntro('')).toBeUndefined();
    expect(sanitizeIntro(undefined)).toBeUndefined();
  });

  it('never lets a digit, currency sign, link or markup through', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const out = sanitizeIntro(text);
        if (out === undefined) return;
        expect(out).not.toMatch(/[\p{N}\p{Sc}%<>`*]|https?:/u);
        expect(out.length).toBeLessThanOrEqual(MAX_INTRO_LENGTH);
      }),
      { numRuns: 500 },
    );
  });
});

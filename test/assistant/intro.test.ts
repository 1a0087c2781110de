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
        expect(out).not.toMatch(/[0-9$€£¥%<>`*]|https?:/);
        expect(out.length).toBeLessThanOrEqual(MAX_INTRO_LENGTH);
      }),
      { numRuns: 500 },
    );
  });
});

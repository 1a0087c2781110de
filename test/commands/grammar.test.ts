import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine, tokenize, UnknownCommandError } from '../../lib/commands/grammar.js';
import { isUserError, ParseError } from '../../lib/errors.js';

describe('tokenize', () => {
  it('turns Slack references into plain words', () => {
    expect(tokenize('budget set search 5000 channel <#C0123ABCD|search-alerts>')).toEqual([
      'budget',
      'set',
      'search',
      '5000',
      'channel',
      '#C0123ABCD',
    ]);
    expect(tokenize('budget set search 5k owner <@U42>')).toContain('@U42');
    expect(tokenize('ask \u201cwhy is search so expensive?\u201d')).toEqual([
      'ask',
      'why is search so expensive?',
    ]);
  });
});

describe('parseLine', () => {
  it('picks the command and the visibility', () => {
    const parsed = parseLine('/bedrock-cost why last week public');
    expect(parsed.command.name).toBe('why');
    expect(parsed.words).toEqual(['last', 'week']);
    expect(parsed.visibility).toBe('in_channel');
    expect(parseLine('').command.name).toBe('help');
  });

  it('suggests the closest commands for a typo', () => {
    try {
      parseLine('spedn last week');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownCommandError);
      expect((error as UnknownCommandError).candidates[0]).toBe('spend');
      expect((error as Error).message).toMatch(/Did you mean: spend/);
    }
  });

  it('refuses very long input politely', () => {
    expect(() => parseLine(`why ${'x'.repeat(600)}`)).toThrow(ParseError);
  });

  it('never throws anything but a friendly user error on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (text) => {
        try {
          parseLine(text);
        } catch (error) {
          expect(isUserError(error)).toBe(true);
          expect((error as Error).message.length).toBeLessThan(400);
        }
      }),
      { numRuns: 500 },
    );
  });
});

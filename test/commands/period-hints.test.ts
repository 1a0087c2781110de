import { describe, expect, it } from 'vitest';
import { parseForecastWords } from '../../lib/commands/forecast.js';
import { parsePeriod } from '../../lib/commands/period.js';
import { parseSpendWords } from '../../lib/commands/spend.js';
import { parseWhyWords } from '../../lib/commands/why.js';
import { userMessage } from '../../lib/errors.js';

const NOW = new Date('2026-11-18T06:00:00Z');
const said = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return userMessage(error);
  }
  throw new Error('expected a refusal');
};
const spend = (text: string) => said(() => parseSpendWords(text.split(' '), NOW));

describe('periods people mistype', () => {
  it('an impossible date names the month length and the date meant', () => {
    expect(spend('2026-11-31')).toBe(
      '2026-11-31 is not a date: November 2026 has 30 days. Did you mean 2026-11-30?',
    );
    expect(spend('2026-11-01..2026-11-31')).toContain('Did you mean 2026-11-01..2026-11-30?');
    expect(said(() => parsePeriod('2026-02-29', NOW))).toContain('February 2026 has 28 days');
    expect(spend('2026-13-01')).toContain('months go from 01 to 12');
  });

  it('a typo gets the closest period', () => {
    expect(spend('last weak')).toContain('Did you mean "last week"?');
    expect(said(() => parseWhyWords(['yesterdy'], NOW))).toContain('Did you mean "yesterday"?');
    expect(spend('novembre')).toContain('Did you mean "november"?');
  });

  it('a word that is no period is not "corrected" into one', () => {
    expect(spend('search')).not.toContain('Did you mean');
  });

  it('a quarter gets its date range', () => {
    expect(spend('q3')).toBe(
      "I don't take quarters as such: Q3 2026 is Jul 1-Sep 30. Try the range 2026-07-01..2026-09-30.",
    );
    // The quarter in progress ends today; a quarter not begun this year is last year's.
    expect(spend('q4')).toContain('Try the range 2026-10-01..2026-11-18.');
    expect(said(() => parseWhyWords(['2025-q1'], NOW))).toContain('2025-01-01..2025-03-31');
  });
});

describe('forecast MONTH', () => {
  it('takes the current month as the forecast it is', () => {
    expect(parseForecastWords(['2026-11'], undefined, NOW)).toEqual({});
    expect(parseForecastWords(['november', 'team', 'search'], undefined, NOW)).toEqual({ team: 'search' });
  });

  it('says why another month has no forecast, instead of "I don\'t know the team 2027-01"', () => {
    const future = said(() => parseForecastWords(['2027-01'], undefined, NOW));
    expect(future).toContain('January 2027 has not started');
    expect(future).not.toContain('team');
    expect(said(() => parseForecastWords(['2026-10'], undefined, NOW))).toContain('Try: spend 2026-10');
  });
});

describe('spend by two groupings', () => {
  it('explains one breakdown at a time and shows both commands', () => {
    const message = spend('by model by team');
    expect(message).toContain('one way at a time, not by model and by team together');
    expect(message).toContain('spend mtd by team, then spend mtd by model team TEAM');
    expect(spend('last week by model and region')).toContain(
      'spend last week by model, or spend last week by region',
    );
    expect(message).not.toContain('needs a value');
  });
});

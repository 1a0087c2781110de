import { describe, expect, it } from 'vitest';
import { parsePeriod, periodIn, previousPeriod, TEAM_ZONE, takePeriod } from '../../lib/commands/period.js';
import { isUserError } from '../../lib/errors.js';

// Wednesday 2026-11-18, 06:00 UTC (as BEDROCK_COST_NOW in vitest.config).
const NOW = new Date('2026-11-18T06:00:00Z');

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isUserError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a user error');
}

describe('parsePeriod', () => {
  it.each([
    ['today', '2026-11-18', '2026-11-19', true],
    ['yesterday', '2026-11-17', '2026-11-18', false],
    ['7d', '2026-11-11', '2026-11-18', false],
    ['30d', '2026-10-19', '2026-11-18', false],
    ['this week', '2026-11-16', '2026-11-19', true],
    ['last week', '2026-11-09', '2026-11-16', false],
    ['mtd', '2026-11-01', '2026-11-19', true],
    ['last month', '2026-10-01', '2026-11-01', false],
    ['2026-10', '2026-10-01', '2026-11-01', false],
    ['2026-10-01..2026-10-15', '2026-10-01', '2026-10-16', false],
    ['2026-W45', '2026-11-02', '2026-11-09', false],
    ['october', '2026-10-01', '2026-11-01', false],
    ['2026-11-10', '2026-11-10', '2026-11-11', false],
  ])('reads "%s" as [%s, %s)', (text, start, end, partial) => {
    const period = parsePeriod(text, NOW);
    expect({ start: period.start, end: period.end, partial: period.partial }).toEqual({
      start,
      end,
      partial,
    });
  });

  it('uses ISO weeks: last week runs Monday to Sunday even from a Sunday', () => {
    const sunday = new Date('2026-11-22T23:00:00Z');
    expect(parsePeriod('last week', sunday)).toMatchObject({ start: '2026-11-09', end: '2026-11-16' });
    expect(parsePeriod('this week', sunday)).toMatchObject({ start: '2026-11-16', end: '2026-11-23' });
  });

  it('takes "today" in the team time zone', () => {
    // 06:00 UTC is still Nov 17 in Los Angeles.
    expect(parsePeriod('today', NOW, 'America/Los_Angeles')).toMatchObject({ start: '2026-11-17' });
  });

  it('refuses periods in the future, reversed ranges and history older than 13 months', () => {
    expect(errorOf(() => parsePeriod('2026-12', NOW))).toMatchObject({ code: 'bad_period' });
    expect(errorOf(() => parsePeriod('2026-12', NOW)).message).toMatch(/future/);
    expect(errorOf(() => parsePeriod('next week', NOW)).message).toMatch(
      /^Next week \(Nov 23-29\) is in the future/,
    );
    const reversed = errorOf(() => parsePeriod('2026-10-15..2026-10-01', NOW));
    expect(reversed.message).toMatch(/ends before it starts/);
    const old = errorOf(() => parsePeriod('2025-09', NOW));
    expect(old.message).toMatch(/13 months/);
    expect(errorOf(() => parsePeriod('fortnight', NOW)).message).toMatch(/don't understand the period/);
  });

  it('clips a range that runs into the future at today', () => {
    expect(parsePeriod('2026-11-01..2026-11-30', NOW)).toMatchObject({
      start: '2026-11-01',
      end: '2026-11-19',
      partial: true,
    });
  });
});

describe("periods read before the team's time zone is known (TEAM_ZONE)", () => {
  // 20:00 UTC on Dec 4 is Dec 5 in Tokyo and Kiribati, still Dec 4 in Los Angeles.
  const evening = new Date('2026-12-04T20:00:00Z');

  it('refuses at once only what every zone refuses, and checks the rest in the zone read', () => {
    const day = parsePeriod('2026-12-05', evening, TEAM_ZONE);
    expect(periodIn(day, evening, 'Asia/Tokyo')).toMatchObject({
      start: '2026-12-05',
      label: 'today',
      partial: true,
    });
    expect(errorOf(() => periodIn(day, evening, 'UTC')).message).toMatch(/is in the future/);
    expect(errorOf(() => parsePeriod('2026-12-06', evening, TEAM_ZONE)).message).toMatch(/is in the future/);
    // Named periods move with the zone: tomorrow is tomorrow everywhere, even when it is UTC's.
    expect(errorOf(() => parsePeriod('tomorrow', evening, TEAM_ZONE)).message).toMatch(/is in the future/);
    expect(errorOf(() => takePeriod(['next', 'week'], evening, TEAM_ZONE)).message).toMatch(/in the future/);
  });

  it("keeps 13 months of history by the team's own today", () => {
    // 06:00 UTC on Nov 18 is Nov 17 in Los Angeles: its 13 months reach back to Oct 17, 2025.
    const oldest = parsePeriod('2025-10-17', NOW, TEAM_ZONE);
    expect(periodIn(oldest, NOW, 'America/Los_Angeles')).toMatchObject({ start: '2025-10-17' });
    expect(errorOf(() => periodIn(oldest, NOW, 'UTC')).message).toMatch(/13 months/);
    expect(errorOf(() => parsePeriod('2025-10-16', NOW, TEAM_ZONE)).message).toMatch(/13 months/);
  });
});

describe('previousPeriod', () => {
  it('compares a week with the week before, a month with the month before', () => {
    expect(previousPeriod(parsePeriod('last week', NOW))).toMatchObject({
      start: '2026-11-02',
      end: '2026-11-09',
    });
    expect(previousPeriod(parsePeriod('last month', NOW))).toMatchObject({
      start: '2026-09-01',
      end: '2026-10-01',
    });
    expect(previousPeriod(parsePeriod('7d', NOW))).toMatchObject({ start: '2026-11-04', end: '2026-11-11' });
  });

  it('compares month-to-date with the same days of last month', () => {
    expect(previousPeriod(parsePeriod('mtd', NOW))).toMatchObject({ start: '2026-10-01', end: '2026-10-19' });
  });
});

describe('takePeriod', () => {
  it('takes the longest period at the front and leaves the rest', () => {
    expect(takePeriod(['last', 'week', 'by', 'team'], NOW)).toMatchObject({
      period: { start: '2026-11-09' },
      rest: ['by', 'team'],
    });
    expect(takePeriod(['by', 'team'], NOW)).toEqual({ rest: ['by', 'team'] });
  });
});

describe('the words a period carries', () => {
  it.each([
    ['today', 'today'],
    ['yesterday', 'yesterday'],
    ['7d', '7d'],
    ['last 30 days', '30d'],
    ['this week', 'this week'],
    ['wtd', 'this week'],
    ['last week', 'last week'],
    ['this month', 'mtd'],
    ['last month', 'last month'],
    ['2026-10', '2026-10'],
    ['oct', '2026-10'],
    ['november', '2026-11'],
    ['2026-w45', '2026-W45'],
    ['2026-11-10', '2026-11-10'],
    ['2026-10-01 to 2026-10-15', '2026-10-01..2026-10-15'],
    ['2026-11-01..2026-11-30', '2026-11-01..2026-11-30'],
  ])('"%s" is named again as "%s", the same period', (text, words) => {
    const period = parsePeriod(text, NOW);
    expect(period.words).toBe(words);
    const again = parsePeriod(period.words, NOW);
    expect({ ...again, spec: undefined }).toEqual({ ...period, spec: undefined });
  });

  it("reads the same words in a team's time zone without the text", () => {
    // 06:00 UTC on Wednesday Nov 18 is 19:00 in Auckland, and still Tuesday Nov 17 in Los Angeles.
    for (const text of ['today', 'yesterday', '7d', 'this week', 'mtd', 'nov', '2026-11-10']) {
      for (const tz of ['Pacific/Auckland', 'America/Los_Angeles']) {
        const inZone = periodIn(parsePeriod(text, NOW), NOW, tz);
        expect(inZone).toEqual(parsePeriod(text, NOW, tz));
        expect(inZone.timeZone).toBe(tz);
      }
    }
    expect(periodIn(parsePeriod('today', NOW), NOW, 'America/Los_Angeles')).toMatchObject({
      start: '2026-11-17',
      words: 'today',
    });
  });

  it('names a comparison period by its days', () => {
    expect(previousPeriod(parsePeriod('last month', NOW)).words).toBe('2026-09');
    expect(previousPeriod(parsePeriod('mtd', NOW)).words).toBe('2026-10-01..2026-10-18');
    expect(previousPeriod(parsePeriod('7d', NOW)).words).toBe('2026-11-04..2026-11-10');
  });
});

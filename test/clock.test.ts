import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysInMonth,
  eachDay,
  fixedClock,
  formatRange,
  isIsoDate,
  isoWeekday,
  isoWeekId,
  localTime,
  startOfIsoWeek,
  startOfNextMonth,
  startOfPreviousMonth,
} from '../lib/clock.js';

describe('clock', () => {
  it('stops at BEDROCK_COST_NOW', () => {
    const clock = fixedClock('2026-11-18T06:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-11-18T06:00:00.000Z');
  });

  it('knows ISO weeks, including across the year boundary', () => {
    expect(isoWeekday('2026-11-18')).toBe(3);
    expect(startOfIsoWeek('2026-11-18')).toBe('2026-11-16');
    expect(isoWeekId('2026-11-18')).toBe('2026-W47');
    expect(isoWeekId('2027-01-01')).toBe('2026-W53');
    expect(isoWeekId('2024-12-30')).toBe('2025-W01');
  });

  it('walks months and days', () => {
    expect(startOfNextMonth('2026-12-15')).toBe('2027-01-01');
    expect(startOfPreviousMonth('2026-01-15')).toBe('2025-12-01');
    expect(daysInMonth('2028-02-10')).toBe(29);
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(eachDay({ start: '2026-11-09', end: '2026-11-16' })).toHaveLength(7);
    expect(isIsoDate('2026-02-30')).toBe(false);
  });

  it('renders ranges as people write them', () => {
    expect(formatRange({ start: '2026-11-09', end: '2026-11-16' })).toBe('Nov 9-15');
    expect(formatRange({ start: '2026-10-26', end: '2026-11-02' })).toBe('Oct 26-Nov 1');
    expect(formatRange({ start: '2026-11-18', end: '2026-11-19' })).toBe('Nov 18');
  });

  it('tells local wall-clock time in a team time zone', () => {
    const at = new Date('2026-11-16T08:30:00Z');
    expect(localTime(at, 'Europe/Berlin')).toEqual({ date: '2026-11-16', hour: 9, weekday: 1 });
    expect(localTime(at, 'America/Los_Angeles')).toEqual({ date: '2026-11-16', hour: 0, weekday: 1 });
    expect(localTime(at, 'Pacific/Auckland').date).toBe('2026-11-16');
  });
});

import { describe, expect, it } from 'vitest';
import { CATCH_UP_HOURS, describeSlot, digestWeek } from '../../lib/digest/schedule.js';

const MONDAY_9 = { weekday: 1, hour: 9 };
const at = (iso: string) => new Date(iso);

describe('digestWeek', () => {
  it('is due at 09:00 local on Monday and reports the previous ISO week', () => {
    const w = digestWeek(at('2026-11-16T14:00:00Z'), 'America/New_York', MONDAY_9);
    expect(w).toMatchObject({
      weekId: '2026-W47',
      localDate: '2026-11-16',
      localHour: 9,
      due: true,
      lastWeek: { start: '2026-11-09', end: '2026-11-16' },
      weekBefore: { start: '2026-11-02', end: '2026-11-09' },
      chart: { start: '2026-10-19', end: '2026-11-16' },
    });
    expect(digestWeek(at('2026-11-16T13:00:00Z'), 'America/New_York', MONDAY_9).due).toBe(false);
  });

  it('follows daylight saving time: 09:00 is 13:00 UTC in New York the week clocks spring forward', () => {
    expect(digestWeek(at('2027-03-15T13:00:00Z'), 'America/New_York', MONDAY_9).due).toBe(true);
    expect(digestWeek(at('2027-03-15T12:00:00Z'), 'America/New_York', MONDAY_9).due).toBe(false);
  });

  it('keeps the slot open for a few hours so a missed or failed run is caught up, then closes it', () => {
    const open = digestWeek(
      at(`2026-11-16T${String(9 + CATCH_UP_HOURS - 1).padStart(2, '0')}:00:00Z`),
      'UTC',
      MONDAY_9,
    );
    const closed = digestWeek(
      at(`2026-11-16T${String(9 + CATCH_UP_HOURS).padStart(2, '0')}:00:00Z`),
      'UTC',
      MONDAY_9,
    );
    expect(open.due).toBe(true);
    expect(closed.due).toBe(false);
  });

  it('uses the local date: Monday 09:00 in Tokyo is still Sunday in UTC', () => {
    const w = digestWeek(at('2026-11-16T00:00:00Z'), 'Asia/Tokyo', MONDAY_9);
    expect(w.due).toBe(true);
    expect(w.weekId).toBe('2026-W47');
  });

  it('waits, far east of UTC, until the week is whole in the bill (UTC days), then keeps the window open', () => {
    // Monday 09:00 in Auckland (UTC+13) is Sunday 20:00 UTC: Sunday is not whole in the bill.
    const early = digestWeek(at('2026-12-06T20:00:00Z'), 'Pacific/Auckland', MONDAY_9);
    expect(early).toMatchObject({ localDate: '2026-12-07', localHour: 9, due: false });
    expect(early.lastWeek).toEqual({ start: '2026-11-30', end: '2026-12-07' });
    // From 00:00 UTC (13:00 there) the week is in the bill: due, for the catch-up window's hours.
    expect(digestWeek(at('2026-12-07T00:05:00Z'), 'Pacific/Auckland', MONDAY_9).due).toBe(true);
    const last = `2026-12-07T${String(CATCH_UP_HOURS - 1).padStart(2, '0')}:30:00Z`;
    expect(digestWeek(at(last), 'Pacific/Auckland', MONDAY_9).due).toBe(true);
    const after = `2026-12-07T${String(CATCH_UP_HOURS).padStart(2, '0')}:00:00Z`;
    expect(digestWeek(at(after), 'Pacific/Auckland', MONDAY_9).due).toBe(false);
  });

  it('handles a Sunday evening slot and the turn of the year', () => {
    const sunday = digestWeek(at('2026-11-22T18:00:00Z'), 'UTC', { weekday: 7, hour: 18 });
    expect(sunday.due).toBe(true);
    expect(sunday.lastWeek).toEqual({ start: '2026-11-09', end: '2026-11-16' });
    expect(digestWeek(at('2027-01-04T09:00:00Z'), 'UTC', MONDAY_9).weekId).toBe('2027-W01');
    expect(digestWeek(at('2026-12-28T09:00:00Z'), 'UTC', MONDAY_9).weekId).toBe('2026-W53');
  });

  it('describes a slot for people', () => {
    expect(describeSlot(MONDAY_9)).toBe('Monday 09:00');
    expect(describeSlot({ weekday: 5, hour: 16 })).toBe('Friday 16:00');
  });
});

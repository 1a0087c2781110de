/**
 * When a team's weekly digest is due. The job runs every hour (UTC); each team sets its own
 * slot in its own time zone (default Monday 09:00), so a team in Tokyo and one in New York
 * each hear about their week on their own Monday morning.
 *
 * A slot stays open for `CATCH_UP_HOURS` after its hour: when a run is missed (a deploy, an
 * AWS outage) or a channel failed, the next hourly run still sends it that morning, instead
 * of the team waiting a week. Past that, the week is skipped: a Monday digest on Thursday
 * reads as noise. Exactly-once is the claim's job (see `claim.ts`), not the gate's.
 *
 * The bill keeps UTC days: far east of UTC (Sydney, Auckland) Monday 09:00 comes while the
 * week's Sunday is still running in UTC. The slot then opens at 00:00 UTC, when the whole
 * week is in the bill (13:00 in Auckland), rather than report six days and 20 hours as a week.
 */
import { addDays, type DateRange, daysBetween, isoWeekId, localTime, startOfIsoWeek } from '../clock.js';

/** Hours after the slot during which a late or failed digest is still sent. */
export const CATCH_UP_HOURS = 6;

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface DigestSlot {
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Local hour, 0-23. */
  hour: number;
}

export interface DigestWeek {
  /** ISO week of the team's local date now (`2026-W47`): the exactly-once key. */
  weekId: string;
  /** The team's local date and hour now. */
  localDate: string;
  localHour: number;
  /** Last complete ISO week (Monday to Sunday, local dates): what the digest is about. */
  lastWeek: DateRange;
  /** The week before, to compare with. */
  weekBefore: DateRange;
  /** The four complete weeks the chart shows. */
  chart: DateRange;
  /**
   * Hours since this week's slot opened (negative before it): the slot's hour, or 00:00 UTC
   * after the week's last day when that is later (the week whole in the bill).
   */
  hoursSinceSlot: number;
  /** Inside the slot's catch-up window. */
  due: boolean;
}

/** `Monday 09:00`. */
export function describeSlot(slot: DigestSlot): string {
  return `${WEEKDAYS[slot.weekday - 1] ?? `day ${slot.weekday}`} ${String(slot.hour).padStart(2, '0')}:00`;
}

/**
 * Where `now` falls for a team's digest: which week it would report and whether it is due.
 *
 * @example
 * digestWeek(new Date('2026-11-16T14:00:00Z'), 'America/New_York', { weekday: 1, hour: 9 });
 * // { weekId: '2026-W47', lastWeek: { start: '2026-11-09', end: '2026-11-16' }, due: true, ... }
 */
export function digestWeek(now: Date, timeZone: string, slot: DigestSlot): DigestWeek {
  const local = localTime(now, timeZone);
  const weekStart = startOfIsoWeek(local.date);
  const slotDate = addDays(weekStart, slot.weekday - 1);
  const sinceLocalSlot = daysBetween(slotDate, local.date) * 24 + (local.hour - slot.hour);
  const sinceBilled = Math.floor((now.getTime() - Date.parse(`${weekStart}T00:00:00Z`)) / 3_600_000);
  const hoursSinceSlot = Math.min(sinceLocalSlot, sinceBilled);
  return {
    weekId: isoWeekId(local.date),
    localDate: local.date,
    localHour: local.hour,
    lastWeek: { start: addDays(weekStart, -7), end: weekStart },
    weekBefore: { start: addDays(weekStart, -14), end: addDays(weekStart, -7) },
    chart: { start: addDays(weekStart, -28), end: weekStart },
    hoursSinceSlot,
    due: hoursSinceSlot >= 0 && hoursSinceSlot < CATCH_UP_HOURS,
  };
}

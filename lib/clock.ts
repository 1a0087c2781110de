/**
 * Time. Every date computation takes its "now" from a `Clock`, so runs are reproducible
 * (`BEDROCK_COST_NOW`) and tests never depend on today's date.
 *
 * Days are ISO date strings (`2026-11-18`). Periods are half-open: `start` inclusive,
 * `end` exclusive, like Cost Explorer's `TimePeriod`.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at one instant. */
export function fixedClock(iso: string | Date): Clock {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a timestamp: ${String(iso)}`);
  return { now: () => new Date(at.getTime()) };
}

/** `BEDROCK_COST_NOW` when set (already validated by config), else the system clock. */
export function clockFrom(nowIso: string | undefined): Clock {
  return nowIso ? fixedClock(nowIso) : systemClock;
}

const DAY_MS = 86_400_000;

/** A half-open range of days. */
export interface DateRange {
  start: string;
  end: string;
}

/** `2026-11-18` for the UTC day of an instant. */
export function toIsoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Midnight UTC of an ISO date. */
export function parseIsoDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = parseIsoDate(text);
  return !Number.isNaN(d.getTime()) && toIsoDate(d) === text;
}

/**
 * `addDays` answers kept (shift -> day -> result): a pure function over a few hundred distinct
 * days, called a million times by a 10,000-team forecast (each team's 28 days of history and
 * weekday means); a Date parse and `toISOString` each was 0.9 s of that alert run's CPU
 * (2026-12-05 profile). Bounded: cleared past `SHIFTED_MAX` entries.
 */
const shifted = new Map<number, Map<string, string>>();
let shiftedSize = 0;
const SHIFTED_MAX = 20_000;

export function addDays(day: string, days: number): string {
  let byDay = shifted.get(days);
  if (!byDay) {
    byDay = new Map();
    shifted.set(days, byDay);
  }
  let out = byDay.get(day);
  if (out === undefined) {
    out = toIsoDate(new Date(parseIsoDate(day).getTime() + days * DAY_MS));
    if (++shiftedSize > SHIFTED_MAX) {
      shifted.clear();
      shiftedSize = 0;
    }
    byDay.set(day, out);
    shifted.set(days, byDay);
  }
  return out;
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((parseIsoDate(b).getTime() - parseIsoDate(a).getTime()) / DAY_MS);
}

/** Every day of a half-open range. */
export function eachDay(range: DateRange): string[] {
  const days: string[] = [];
  for (let d = range.start; d < range.end; d = addDays(d, 1)) days.push(d);
  return days;
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(day: string): number {
  const wd = parseIsoDate(day).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** The Monday of the ISO week containing `day`. */
export function startOfIsoWeek(day: string): string {
  return addDays(day, 1 - isoWeekday(day));
}

/** ISO week id, e.g. `2026-W47` (the year is the ISO week-numbering year). */
export function isoWeekId(day: string): string {
  const thursday = addDays(day, 4 - isoWeekday(day));
  const year = thursday.slice(0, 4);
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** First day of the month of `day`. */
export function startOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** First day of the next month. */
export function startOfNextMonth(day: string): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** First day of the previous month. */
export function startOfPreviousMonth(day: string): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
}

export function daysInMonth(day: string): number {
  return daysBetween(startOfMonth(day), startOfNextMonth(day));
}

/** `2026-11` */
export function monthId(day: string): string {
  return day.slice(0, 7);
}

/** Is `zone` an IANA time zone this runtime knows? */
export function isKnownTimeZone(zone: string): boolean {
  // The default zone: answering without Intl keeps ICU time-zone data off the chat cold start.
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date, hour and ISO weekday of an instant in a time zone. */
export function localTime(at: Date, timeZone = 'UTC'): { date: string; hour: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  return { date, hour: Number(get('hour')), weekday: isoWeekday(date) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `Nov 9` */
export function formatDay(day: string): string {
  return `${MONTHS[Number(day.slice(5, 7)) - 1]} ${Number(day.slice(8, 10))}`;
}

/** `November` */
export function monthName(day: string): string {
  return MONTHS_LONG[Number(day.slice(5, 7)) - 1] ?? day.slice(0, 7);
}

/** `Nov 9-15`, `Oct 28-Nov 3`, `Nov 18` for a single day; the end shown is the last day included. */
export function formatRange(range: DateRange): string {
  const last = addDays(range.end, -1);
  if (last <= range.start) return formatDay(range.start);
  if (range.start.slice(0, 7) === last.slice(0, 7))
    return `${formatDay(range.start)}-${Number(last.slice(8, 10))}`;
  const yearSuffix = range.start.slice(0, 4) !== last.slice(0, 4) ? `, ${last.slice(0, 4)}` : '';
  return `${formatDay(range.start)}-${formatDay(last)}${yearSuffix}`;
}

/** `Nov 18 06:00 UTC` */
export function formatTimestamp(at: Date): string {
  const iso = at.toISOString();
  return `${formatDay(iso.slice(0, 10))} ${iso.slice(11, 16)} UTC`;
}

/** The earlier of two ISO dates (they sort as strings). */
export function earlierDay(a: string, b: string): string {
  return [a, b].sort()[0]!;
}

/** The later of two ISO dates (they sort as strings). */
export function laterDay(a: string, b: string): string {
  return [a, b].sort()[1]!;
}

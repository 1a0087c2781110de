/**
 * PERIOD words shared by `spend`, `why`, `budget`, the digest and `ask`:
 * `today`, `yesterday`, `7d`, `30d` (any `Nd`), `this week`, `last week`, `mtd` / `this month`,
 * `last month`, `2026-10`, `2026-10-01..2026-10-15` (both days included), a single day
 * `2026-11-10`, an ISO week `2026-W45`.
 *
 * Periods are half-open ISO-date ranges like Cost Explorer's `TimePeriod` (`end` exclusive).
 * Weeks are ISO weeks (Monday to Sunday); "7d" is the last 7 *complete* days. Days are the
 * team's local days when it has a time zone, else UTC.
 *
 * The words are read once, into a `PeriodSpec`; the `Period` resolved from it carries that
 * spec, its own `words` (what a follow-up button says) and its `timeZone`. A command that
 * learns the team's time zone later reads the same period there with `periodIn`, not by
 * parsing the text again or turning its label back into words.
 *
 * Such a command parses its words with `TEAM_ZONE`: "today" is not one day yet (it is already
 * tomorrow in Tokyo while it is still today in UTC), so the words are refused at once only
 * when every time zone would refuse them, and `periodIn` checks them against today in the
 * zone they are resolved in.
 *
 * Cost Explorer keeps 13 months of history, so older periods are refused with a clear
 * message rather than answered with a misleading zero.
 */
import {
  addDays,
  type DateRange,
  daysBetween,
  daysInMonth,
  formatDay,
  formatRange,
  isIsoDate,
  localTime,
  monthName,
  startOfIsoWeek,
  startOfMonth,
  startOfNextMonth,
  startOfPreviousMonth,
} from '../clock.js';
import { ParseError, UserError } from '../errors.js';
import { closestMatches, editDistance, normaliseName } from '../fuzzy.js';

/** The accepted forms, for error messages and help. */
export const PERIOD_FORMS =
  'today, yesterday, 7d, 30d, this week, last week, mtd, last month, 2026-10, 2026-10-01..2026-10-15';

/** What kind of period the words named; decides what "the previous equal period" is. */
export type PeriodKind = 'day' | 'days' | 'week' | 'month' | 'month-to-date' | 'week-to-date' | 'range';

export interface Period extends DateRange {
  kind: PeriodKind;
  /** How the user would say it: `last week`, `Nov 9-15`, `October 2026`. */
  label: string;
  /** True when the period includes today (its last day is still being billed). */
  partial: boolean;
  /**
   * Words that name this period again in a follow-up command (a button): `last week`, `7d`,
   * `mtd`, `2026-10`, `2026-W45`, `2026-10-01..2026-10-15`. Written by the parser from what
   * it read, never recovered from the label.
   */
  words: string;
  /** The time zone its days are in: `UTC`, or the team's. */
  timeZone: string;
  /** What the words named, to read the same period in a team's time zone (absent when derived). */
  spec?: PeriodSpec;
}

/** Named periods, by the canonical word the parser keeps for them. */
type PeriodName =
  | 'today'
  | 'yesterday'
  | 'this week'
  | 'last week'
  | 'mtd'
  | 'last month'
  | 'tomorrow'
  | 'next week'
  | 'next month';

/**
 * What PERIOD words name, before they are read against a day: parsed once from the text,
 * then resolved against today in UTC or in a team's time zone.
 */
export type PeriodSpec =
  | { form: 'named'; name: PeriodName }
  | { form: 'days'; n: number }
  /** A month; without a year, its most recent occurrence. */
  | { form: 'month'; month: number; year?: number }
  | { form: 'week'; year: number; week: number }
  | { form: 'day'; date: string }
  /** Both days included, as people write ranges. */
  | { form: 'range'; from: string; to: string };

/**
 * The time zone PERIOD words are read in: an IANA zone (UTC when absent), or `TEAM_ZONE` for
 * the zone of a team known only when the command runs (its profile's, else UTC).
 */
export type PeriodZone = string | typeof TEAM_ZONE;

/** See `PeriodZone`: the period is resolved in UTC until `periodIn` reads it in its zone. */
export const TEAM_ZONE: unique symbol = Symbol('the team time zone');

/**
 * The days "today" is somewhere on Earth at `now`, UTC's first: from UTC-12 (`Etc/GMT+12`,
 * POSIX signs) to UTC+14 (`Etc/GMT-14`, Kiribati). Two or three days.
 */
function todaysOnEarth(now: Date): string[] {
  return [...new Set([todayIn(now), todayIn(now, 'Etc/GMT+12'), todayIn(now, 'Etc/GMT-14')])];
}

/** The day a period is checked against: one zone's today, or the days today is somewhere. */
export type Today = string | { earliest: string; latest: string };

/** `Today` for a period whose time zone is not known yet (`TEAM_ZONE`). */
export function todayAnywhere(now: Date): Exclude<Today, string> {
  const days = todaysOnEarth(now).sort();
  return { earliest: days[0]!, latest: days[days.length - 1]! };
}

/** Cost Explorer's history limit, in months. */
export const HISTORY_MONTHS = 13;

function addMonths(day: string, months: number): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7)) - 1 + months;
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const first = `${year}-${String(month + 1).padStart(2, '0')}-01`;
  const dayOfMonth = Math.min(Number(day.slice(8, 10)), daysInMonth(first));
  return `${first.slice(0, 8)}${String(dayOfMonth).padStart(2, '0')}`;
}

/** The earliest day Cost Explorer can still answer for (13 months back). */
export function earliestDay(today: string): string {
  return addMonths(today, -HISTORY_MONTHS);
}

/** Today as an ISO date in the time zone (UTC by default). */
export function todayIn(now: Date, tz = 'UTC'): string {
  return localTime(now, tz).date;
}

/** `2026-10`, `2026-W05`, `2026-10-01..2026-10-15`: the words of a month, an ISO week, a range. */
function monthWords(first: string): string {
  return first.slice(0, 7);
}

function rangeWords(from: string, to: string): string {
  return `${from}..${to}`;
}

/** A period of fixed days (a comparison span), named by its dates. */
export function rangePeriod(range: DateRange, timeZone = 'UTC'): Period {
  return {
    start: range.start,
    end: range.end,
    kind: 'range',
    label: formatRange(range),
    partial: false,
    words: rangeWords(range.start, addDays(range.end, -1)),
    timeZone,
  };
}

/** `oct`, `october`, `sept`: a prefix of at least three letters of a month's name. */
function monthFromWord(word: string): number | undefined {
  const w = word.toLowerCase();
  if (w.length < 3) return undefined;
  for (let month = 1; month <= 12; month++) {
    const name = monthName(`2000-${String(month).padStart(2, '0')}-01`).toLowerCase();
    if (name.startsWith(w)) return month;
  }
  return undefined;
}

function isoWeekStart(year: number, week: number): string {
  // ISO week 1 is the week with the year's first Thursday, i.e. the one containing Jan 4.
  const jan4 = `${year}-01-04`;
  return addDays(startOfIsoWeek(jan4), (week - 1) * 7);
}

/** The words people type for the named periods, by the name kept. */
const NAMED: Record<string, PeriodName> = {
  today: 'today',
  yesterday: 'yesterday',
  'this week': 'this week',
  wtd: 'this week',
  'last week': 'last week',
  mtd: 'mtd',
  'this month': 'mtd',
  'month to date': 'mtd',
  'last month': 'last month',
  // Named so that the answer can say why not: the bill only knows the past.
  tomorrow: 'tomorrow',
  'next week': 'next week',
  'next month': 'next month',
};

/**
 * Read the words of one period (no day needed). Undefined when they are not a period;
 * throws for an impossible date range (`2026-11-31..`) and a reversed one.
 */
function readPeriodSpec(text: string): PeriodSpec | undefined {
  const t = text.toLowerCase().replace(/\s+/g, ' ').trim();
  if (Object.hasOwn(NAMED, t)) return { form: 'named', name: NAMED[t]! };
  let m = /^(?:last )?(\d{1,3}) ?(?:d|days?)$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    return n < 1 || n > 400 ? undefined : { form: 'days', n };
  }
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12)
    return { form: 'month', month: Number(m[2]), year: Number(m[1]) };
  m = /^([a-z]+)(?: (\d{4}))?$/.exec(t);
  const month = m ? monthFromWord(m[1]!) : undefined;
  if (m && month !== undefined) return { form: 'month', month, ...(m[2] ? { year: Number(m[2]) } : {}) };
  m = /^(\d{4})-?w(\d{1,2})$/.exec(t);
  if (m) {
    const week = Number(m[2]);
    return week < 1 || week > 53 ? undefined : { form: 'week', year: Number(m[1]), week };
  }
  if (isIsoDate(t)) return { form: 'day', date: t };
  m = /^(\d{4}-\d{2}-\d{2}) ?(?:\.\.|to|–|—) ?(\d{4}-\d{2}-\d{2})$/.exec(t);
  if (m) return rangeSpec(text, t, m[1]!, m[2]!);
  return undefined;
}

/** A typed date range, checked: real dates, in order. */
function rangeSpec(text: string, t: string, from: string, to: string): PeriodSpec {
  if (!isIsoDate(from) || !isIsoDate(to)) {
    const impossible = impossibleDateError(t, 'Ranges are YYYY-MM-DD..YYYY-MM-DD, both days included.');
    if (impossible) throw impossible;
    throw new ParseError(
      `"${text}" is not a real date range: use YYYY-MM-DD..YYYY-MM-DD, both days included.`,
    );
  }
  if (to < from) {
    throw new UserError('bad_period', `The range ${from}..${to} ends before it starts.`, {
      suggestion: `Did you mean ${to}..${from}?`,
    });
  }
  return { form: 'range', from, to };
}

/** The period a spec names as of `today` (a day in `timeZone`); not validated. */
function resolvePeriod(spec: PeriodSpec, today: string, timeZone = 'UTC'): Period {
  const period = resolveDays(spec, today);
  return { ...period, timeZone, spec };
}

type Resolved = Omit<Period, 'timeZone' | 'spec'>;

function resolveDays(spec: PeriodSpec, today: string): Resolved {
  switch (spec.form) {
    case 'named':
      return namedPeriod(spec.name, today);
    case 'days':
      return {
        start: addDays(today, -spec.n),
        end: today,
        kind: 'days',
        label: `last ${spec.n} days`,
        partial: false,
        words: `${spec.n}d`,
      };
    case 'month':
      return monthPeriod(monthStart(spec, today), today);
    case 'week':
      return weekPeriod(spec.year, spec.week, today);
    case 'day':
      return {
        start: spec.date,
        end: addDays(spec.date, 1),
        kind: 'day',
        label: spec.date === today ? 'today' : formatDay(spec.date),
        partial: spec.date === today,
        words: spec.date,
      };
    case 'range':
      return typedRange(spec.from, spec.to, today);
  }
}

function namedPeriod(name: PeriodName, today: string): Resolved {
  const tomorrow = addDays(today, 1);
  const of = (start: string, end: string, kind: PeriodKind, label: string, partial = false): Resolved => ({
    start,
    end,
    kind,
    label,
    partial,
    words: name,
  });
  switch (name) {
    case 'today':
      return of(today, tomorrow, 'day', 'today', true);
    case 'yesterday':
      return of(addDays(today, -1), today, 'day', 'yesterday');
    case 'this week':
      return of(startOfIsoWeek(today), tomorrow, 'week-to-date', 'this week', true);
    case 'last week': {
      const start = addDays(startOfIsoWeek(today), -7);
      return of(start, addDays(start, 7), 'week', 'last week');
    }
    case 'mtd':
      return of(startOfMonth(today), tomorrow, 'month-to-date', 'month to date', true);
    case 'last month':
      return of(startOfPreviousMonth(today), startOfMonth(today), 'month', 'last month');
    case 'tomorrow':
      return of(tomorrow, addDays(tomorrow, 1), 'day', 'tomorrow');
    case 'next week': {
      const start = addDays(startOfIsoWeek(today), 7);
      return of(start, addDays(start, 7), 'week', 'next week');
    }
    case 'next month': {
      const start = startOfNextMonth(today);
      return of(start, startOfNextMonth(start), 'month', 'next month');
    }
  }
}

/** The first day of a spec's month; a bare month name means its most recent occurrence (not in the future). */
function monthStart(spec: { month: number; year?: number }, today: string): string {
  const first = (y: number) => `${y}-${String(spec.month).padStart(2, '0')}-01`;
  if (spec.year !== undefined) return first(spec.year);
  const year = Number(today.slice(0, 4));
  return first(year) > today ? first(year - 1) : first(year);
}

function monthPeriod(first: string, today: string): Resolved {
  const end = startOfNextMonth(first);
  const label = `${monthName(first)} ${first.slice(0, 4)}`;
  const words = monthWords(first);
  if (end > today) {
    return {
      start: first,
      end: addDays(today, 1),
      kind: 'month-to-date',
      label: `${label} to date`,
      partial: true,
      words,
    };
  }
  return { start: first, end, kind: 'month', label, partial: false, words };
}

function weekPeriod(year: number, week: number, today: string): Resolved {
  const tomorrow = addDays(today, 1);
  const start = isoWeekStart(year, week);
  const end = addDays(start, 7);
  const label = `week of ${formatDay(start)}`;
  const words = `${year}-W${String(week).padStart(2, '0')}`;
  if (end > tomorrow) return { start, end: tomorrow, kind: 'week-to-date', label, partial: true, words };
  return { start, end, kind: 'week', label, partial: false, words };
}

/** A range as people write it (both days included; `end` is exclusive inside), clipped at today. */
function typedRange(from: string, to: string, today: string): Resolved {
  const tomorrow = addDays(today, 1);
  let end = addDays(to, 1);
  let partial = false;
  if (end > tomorrow && from <= today) {
    end = tomorrow;
    partial = true;
  }
  const range = { start: from, end };
  return { ...range, kind: 'range', label: formatRange(range), partial, words: rangeWords(from, to) };
}

/**
 * The period a spec names in `zone`, validated there. With `TEAM_ZONE` it is resolved in UTC
 * and refused only when it is refused wherever it is read: against each day that is today
 * somewhere on Earth now (UTC's refusal is the one shown).
 */
function readIn(spec: PeriodSpec, now: Date, zone: PeriodZone = 'UTC'): Period {
  if (zone !== TEAM_ZONE) {
    const today = todayIn(now, zone);
    return validatePeriod(resolvePeriod(spec, today, zone), today);
  }
  let refusal: unknown;
  for (const today of todaysOnEarth(now)) {
    try {
      validatePeriod(resolvePeriod(spec, today), today);
      return resolvePeriod(spec, todayIn(now));
    } catch (error) {
      refusal ??= error;
    }
  }
  throw refusal;
}

/**
 * The same period read in another time zone (a team's): what its words named, resolved
 * against that zone's today and validated. A derived period (no spec) is returned as is.
 */
export function periodIn(period: Period, now: Date, timeZone: string): Period {
  return period.spec ? readIn(period.spec, now, timeZone) : period;
}

/**
 * Check a period against today and Cost Explorer's history; throws `UserError`. Against the
 * days today is somewhere (`todayAnywhere`), only what is refused in every zone is refused.
 */
export function validatePeriod(
  period: Period,
  today: Today,
  what = period.label.charAt(0).toUpperCase() + period.label.slice(1),
): Period {
  const latest = typeof today === 'string' ? today : today.latest;
  if (period.start > latest) {
    throw new UserError(
      'bad_period',
      `${what} (${formatRange(period)}) is in the future: the bill only knows what has happened.`,
      { suggestion: 'Try `forecast` for the month ahead.' },
    );
  }
  const earliest = earliestDay(typeof today === 'string' ? today : today.earliest);
  if (period.start < earliest) {
    throw new UserError(
      'bad_period',
      `${what} starts ${period.start}, more than ${HISTORY_MONTHS} months back: Cost Explorer keeps ${HISTORY_MONTHS} months of history, from ${earliest}.`,
    );
  }
  if (daysBetween(period.start, period.end) <= 0) {
    throw new UserError('bad_period', `${what} is empty.`);
  }
  return period;
}

/** Period words people type, for "did you mean" on a typo (`last weak`, `yesterdy`). */
const PERIOD_PHRASES = [
  'today',
  'yesterday',
  'this week',
  'last week',
  'this month',
  'last month',
  'month to date',
  'mtd',
  'last 7 days',
  'last 30 days',
  ...Array.from({ length: 12 }, (_, i) =>
    monthName(`2000-${String(i + 1).padStart(2, '0')}-01`).toLowerCase(),
  ),
];

const MONTH_NAMES = Array.from({ length: 12 }, (_, i) =>
  monthName(`2000-${String(i + 1).padStart(2, '0')}-01`),
);

/** For `2026-11-31` (or a range with it): the month's real length and the date meant. */
function impossibleDateError(t: string, fallback: string): ParseError | undefined {
  for (const word of t.split(/ |\.\./)) {
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(word);
    if (!d || isIsoDate(word)) continue;
    const month = Number(d[2]);
    if (month < 1 || month > 12)
      return new ParseError(`${word} is not a date: months go from 01 to 12.`, { suggestion: fallback });
    const first = `${d[1]}-${d[2]}-01`;
    const last = `${d[1]}-${d[2]}-${String(daysInMonth(first)).padStart(2, '0')}`;
    return new ParseError(
      `${word} is not a date: ${MONTH_NAMES[month - 1]} ${d[1]} has ${daysInMonth(first)} days.`,
      { suggestion: `Did you mean ${t.replace(word, last)}?` },
    );
  }
  return undefined;
}

/**
 * The error for words that are not a period, with the most useful suggestion we can make:
 * the real last day of the month for an impossible date (`2026-11-31`), the date range of a
 * quarter (`q3`), the closest period word for a typo (`last weak`), else `fallback`.
 *
 * @example
 * unknownPeriodError('2026-11-31', now, 'Try: spend [PERIOD]').message;
 * // '2026-11-31 is not a date: November 2026 has 30 days.'
 */
export function unknownPeriodError(text: string, now: Date, fallback: string, tz?: string): ParseError {
  const t = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const shown = text.slice(0, 60);
  const today = todayIn(now, tz);
  const impossible = impossibleDateError(t, fallback);
  if (impossible) return impossible;
  const q = /^(?:(\d{4})[- ]?)?q([1-4])(?:[- ]?(\d{4}))?$/.exec(t);
  if (q) {
    const quarter = Number(q[2]);
    const startOf = (year: number) => `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
    let year = Number(q[1] ?? q[3] ?? today.slice(0, 4));
    if (!q[1] && !q[3] && startOf(year) > today) year -= 1;
    const start = startOf(year);
    const lastDay = addDays(startOfNextMonth(startOfNextMonth(startOfNextMonth(start))), -1);
    const end = [lastDay, today].sort()[0]!;
    return new ParseError(
      `I don't take quarters as such: Q${quarter} ${year} is ${formatRange({ start, end: addDays(end, 1) })}.`,
      {
        suggestion: `Try the range ${start}..${end}.`,
      },
    );
  }
  const [closest] = closestMatches(t, PERIOD_PHRASES, 1);
  if (
    closest &&
    t.length >= 3 &&
    editDistance(normaliseName(t), normaliseName(closest)) <= (normaliseName(t).length >= 8 ? 2 : 1)
  ) {
    return new ParseError(`I don't understand the period "${shown}". Did you mean "${closest}"?`, {
      suggestion: `Periods: ${PERIOD_FORMS}.`,
    });
  }
  return new ParseError(`I don't understand "${shown}".`, { suggestion: fallback });
}

/**
 * Parse PERIOD words (the whole list) relative to `now`, in the time zone `tz`
 * (default UTC; `TEAM_ZONE`: a team's, known later). Throws `ParseError` for words that are
 * not a period and `UserError` (`bad_period`) for periods in the future, reversed ranges or
 * more than 13 months back.
 *
 * @example
 * parsePeriod(['last', 'week'], new Date('2026-11-18T06:00:00Z'));
 * // { start: '2026-11-09', end: '2026-11-16', kind: 'week', label: 'last week', partial: false }
 */
export function parsePeriod(words: string[] | string, now: Date, tz?: PeriodZone): Period {
  const text = Array.isArray(words) ? words.join(' ') : words;
  const spec = readPeriodSpec(text);
  if (!spec) {
    const zone = tz === TEAM_ZONE ? undefined : tz;
    const error = unknownPeriodError(text, now, `Periods: ${PERIOD_FORMS}.`, zone);
    throw error.message.startsWith('I don\'t understand "')
      ? new ParseError(`I don't understand the period "${text.slice(0, 60)}".`, {
          suggestion: `Periods: ${PERIOD_FORMS}.`,
        })
      : error;
  }
  return readIn(spec, now, tz);
}

/** Word counts a period can span, longest first (`2026-10-01 to 2026-10-15` is 3 words). */
const PERIOD_SPANS = [3, 2, 1];

/**
 * Take the longest leading run of words that is a period; return it and the remaining
 * words. `undefined` period when the first words are not a period (nothing consumed).
 * Validation errors (future, too old, reversed) are thrown.
 */
export function takePeriod(words: string[], now: Date, tz?: PeriodZone): { period?: Period; rest: string[] } {
  for (const span of PERIOD_SPANS) {
    if (words.length < span) continue;
    const spec = readPeriodSpec(words.slice(0, span).join(' '));
    if (spec) return { period: readIn(spec, now, tz), rest: words.slice(span) };
  }
  return { rest: words };
}

/**
 * The period a change is measured against: the previous calendar month for a month, the
 * same days of the previous month for month-to-date, the previous week for a week, else
 * the same number of days just before.
 */
export function previousPeriod(period: Period): Period {
  const length = daysBetween(period.start, period.end);
  const { timeZone } = period;
  switch (period.kind) {
    case 'month': {
      const start = startOfPreviousMonth(period.start);
      const label = `${monthName(start)} ${start.slice(0, 4)}`;
      return {
        start,
        end: period.start,
        kind: 'month',
        label,
        partial: false,
        words: monthWords(start),
        timeZone,
      };
    }
    case 'month-to-date': {
      const start = startOfPreviousMonth(period.start);
      return rangePeriod({ start, end: addDays(start, Math.min(length, daysInMonth(start))) }, timeZone);
    }
    case 'week':
    case 'week-to-date': {
      const start = addDays(period.start, -7);
      const range = rangePeriod({ start, end: addDays(start, length) }, timeZone);
      return period.kind === 'week' ? { ...range, kind: 'week' } : range;
    }
    default: {
      const range = rangePeriod({ start: addDays(period.start, -length), end: period.start }, timeZone);
      return period.kind === 'day' ? { ...range, kind: 'day' } : range;
    }
  }
}

/**
 * Pull `keyword VALUE...` out of command words, e.g. `team search` or `by model`.
 * The value runs until the next keyword in `stops`. Returns the value (undefined when the
 * keyword is absent) and the remaining words. A keyword without a value throws.
 */
export function takeOption(
  words: string[],
  keyword: string,
  stops: string[],
  usage: string,
): { value?: string[]; rest: string[] } {
  const i = words.findIndex((w) => w.toLowerCase() === keyword);
  if (i < 0) return { rest: words };
  // The first word after the keyword is always its value (`by team` where `team` is also a keyword).
  let j = Math.min(i + 2, words.length);
  while (j < words.length && !stops.includes(words[j]!.toLowerCase())) j++;
  const value = words.slice(i + 1, j);
  if (!value.length) throw new ParseError(`"${keyword}" needs a value: ${usage}`);
  return { value, rest: [...words.slice(0, i), ...words.slice(j)] };
}

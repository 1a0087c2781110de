/**
 * Exact money arithmetic. Every dollar amount inside the product is a `Decimal`
 * (decimal.js, 40 significant digits): Cost Explorer returns amounts with up to 10
 * decimals and token prices are fractions of a micro-dollar, so binary floats would
 * drift by cents over a month of lines. Rounding happens only at the edge: `roundCents`
 * for JSON `data`, `formatUsd` (with a `UsdPreset`) for chat text.
 *
 * @example
 * const total = sumUsd([usd('0.0000035'), usd('12.5')]);
 * formatUsd(total); // "$12.50"
 */
import Decimal from 'decimal.js';

/** A private Decimal constructor so a global config change elsewhere cannot alter ours. */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = Decimal;

export const ZERO: Decimal = new Dec(0);

/** Parse a dollar amount from a string or number (numbers go through their shortest string form). */
export function usd(value: Decimal.Value): Decimal {
  return new Dec(value);
}

/** Sum exactly. */
export function sumUsd(values: Iterable<Decimal>): Decimal {
  let total: Decimal = ZERO;
  for (const v of values) total = total.plus(v);
  return total;
}

/**
 * Dollars rounded to the cent (banker's rounding) as a JS number, for JSON `data`:
 * `roundCents(usd('12.345'))` is `12.34`, a number of dollars (not of cents).
 */
export function roundCents(value: Decimal): number {
  // Whole cents over 100: the division is correctly rounded, so this is the same double as
  // the rounded decimal's; `|| 0` turns -0 (e.g. -$0.001 rounded) into 0.
  return centsOf(value) / 100 || 0;
}

export interface FormatUsdOptions {
  /** Always show a sign (`+$1.00`, `-$1.00`); for deltas. */
  signed?: boolean;
  /** Decimal places; default 2. `0` gives whole dollars (`$4,106`). */
  decimals?: number;
  /** Prices per token are tiny: show up to this many significant digits instead of cents. */
  significant?: number;
  /** Start from a named preset (`decimals` given here wins). */
  preset?: UsdPreset;
}

/**
 * Named ways of showing an amount, so the same kind of figure reads the same everywhere:
 * - `cents`: always cents (`$1,240.50`), the default;
 * - `whole`: whole dollars (`$4,106`), for budgets and month-end figures;
 * - `compact`: whole dollars from $1,000, cents below (`$4,250`, `$38.20`), for tables;
 * - `as-typed`: whole dollars when the amount is whole (`$5,000`, `$1,234.50`), for
 *   amounts people typed (budgets).
 */
export type UsdPreset = 'cents' | 'whole' | 'compact' | 'as-typed';

function presetOptions(value: Decimal, preset: UsdPreset): FormatUsdOptions {
  switch (preset) {
    case 'cents':
      return {};
    case 'whole':
      return { decimals: 0 };
    case 'compact':
      return { decimals: value.abs().gte(1000) ? 0 : 2 };
    case 'as-typed':
      return { decimals: value.isInteger() ? 0 : 2 };
  }
}

/**
 * Render dollars for people: `$1,240.50`, `-$64.23`, `+$238.61`.
 * Amounts under a cent that are not zero render as `<$0.01` (or with `significant`).
 *
 * @example
 * formatUsd(usd('4250.2'), 'compact'); // "$4,250"
 * formatUsd(usd('-12.5'), { preset: 'compact', signed: true }); // "-$12.50"
 */
export function formatUsd(value: Decimal, how: FormatUsdOptions | UsdPreset = {}): string {
  const options =
    typeof how === 'string'
      ? presetOptions(value, how)
      : how.preset
        ? { ...presetOptions(value, how.preset), ...how }
        : how;
  const decimals = options.decimals ?? 2;
  const negative = value.isNegative() && !value.isZero();
  const abs = value.abs();
  let body: string;
  if (options.significant !== undefined && abs.lt(1) && !abs.isZero()) {
    body = abs.toSignificantDigits(options.significant).toFixed();
  } else {
    const rounded = abs.toDecimalPlaces(decimals, Decimal.ROUND_HALF_EVEN);
    if (rounded.isZero() && !abs.isZero()) {
      return `${negative ? '-' : options.signed ? '+' : ''}<$${decimals === 0 ? '1' : '0.01'}`;
    }
    const [int, frac] = rounded.toFixed(decimals).split('.');
    body = (int ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
  }
  const sign = negative ? '-' : options.signed && !value.isZero() ? '+' : '';
  return `${sign}$${body}`;
}

/** `+38%`, `-27%`; `new` when the base is zero. */
export function formatPercentChange(previous: Decimal, current: Decimal): string {
  if (previous.isZero()) return current.isZero() ? '0%' : 'new';
  const pct = current.minus(previous).div(previous.abs()).times(100);
  const rounded = pct.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
  return `${rounded.isNegative() ? '' : '+'}${rounded.toFixed(0)}%`;
}

/** Share of a total as a number in [0, 1] rounded to 4 places; 0 when the total is zero. */
export function shareOf(part: Decimal, total: Decimal): number {
  if (total.isZero()) return 0;
  return part.div(total).toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN).toNumber();
}

/**
 * `splitDecimal` of a Decimal, read from its digits (no string): its integer part and its
 * fraction in 10^-10, or undefined when either does not fit (as `splitDecimal`). decimal.js
 * keeps `x.d` in base-10^7 words whose weights are multiples of 7 powers of ten.
 */
export function partsOf(x: Decimal): [number, number] | undefined {
  const d = x.d;
  if (!d) return undefined;
  let p = 7 * Math.floor(x.e / 7);
  let whole = 0;
  let fraction = 0;
  for (let i = 0; i < d.length; i++, p -= 7) {
    const word = d[i]!;
    if (word === 0) continue;
    if (p >= 0) {
      if (p > 14) return undefined;
      whole += word * 10 ** p;
      if (whole >= 1e15) return undefined;
    } else if (p === -7) {
      fraction += word * 1000;
    } else if (p === -14 && word % 10_000 === 0) {
      fraction += word / 10_000;
    } else {
      return undefined;
    }
  }
  // Zero is +0 whatever its sign (as its text, `0`, reads).
  if (whole === 0 && fraction === 0) return [0, 0];
  return x.s < 0 ? [-whole, -fraction] : [whole, fraction];
}

/**
 * `x` in whole cents, rounded half-even (`x.times(100).toDecimalPlaces(0)` as a number), read
 * from its parts without a Decimal operation when it fits (every bill figure).
 */
export function centsOf(x: Decimal): number {
  const parts = partsOf(x);
  if (!parts || Math.abs(parts[0]) >= 9e13)
    return x.times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber() || 0;
  const [whole, fraction] = parts;
  const q = Math.trunc(fraction / 1e8);
  const r = fraction - q * 1e8;
  const base = whole * 100 + q;
  const half = Math.abs(r);
  const step = r > 0 ? 1 : -1;
  const cents = half > 5e7 || (half === 5e7 && base % 2 !== 0) ? base + step : base;
  return cents || 0;
}

/**
 * Round a list of amounts to cents so that the rounded parts sum exactly to the rounded
 * total (largest-remainder method). Use it when a table must reconcile to the cent.
 *
 * Amounts that fit `partsOf` (every bill figure) are rounded in integers: `why` at 10,000
 * teams rounds 40,000 drivers twice, and eight Decimal operations per amount were a second
 * of the answer. The result is the same as the Decimal path's (property-tested).
 */
export function allocateCents(parts: Decimal[]): number[] {
  return allocateCentsExact(parts) ?? allocateCentsDecimal(parts);
}

/** The integer path: each amount as whole dollars and 10^-10 units; undefined if one does not fit. */
function allocateCentsExact(parts: Decimal[]): number[] | undefined {
  const n = parts.length;
  const cents = new Array<number>(n);
  const rests = new Float64Array(n);
  let wholeSum = 0;
  let fractionSum = 0;
  let floorSum = 0;
  for (let i = 0; i < n; i++) {
    const split = partsOf(parts[i]!);
    if (!split) return undefined;
    const [whole, fraction] = split;
    // floor(amount x 100) = whole x 100 + floor(fraction / 10^8): the fraction is within ±10^10.
    const fractionCents = Math.floor(fraction / 1e8);
    cents[i] = whole * 100 + fractionCents;
    rests[i] = fraction - fractionCents * 1e8;
    wholeSum += whole;
    fractionSum += fraction;
    floorSum += cents[i]!;
  }
  const safe = (x: number) => Math.abs(x) <= 2 ** 52;
  if (!safe(wholeSum * 100) || !safe(fractionSum) || !safe(floorSum)) return undefined;
  // The total rounded half-even to cents, from the exact sum wholeSum + fractionSum x 10^-10.
  const q = Math.floor(fractionSum / 1e8);
  const r = fractionSum - q * 1e8;
  const totalCents = wholeSum * 100 + q + (r > 5e7 || (r === 5e7 && q % 2 !== 0) ? 1 : 0);
  let remainder = totalCents - floorSum;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rests[b]! - rests[a]! || a - b);
  for (const i of order) {
    if (remainder <= 0) break;
    cents[i]! += 1;
    remainder -= 1;
  }
  return cents.map((c) => (c === 0 ? 0 : c / 100));
}

function allocateCentsDecimal(parts: Decimal[]): number[] {
  const total = sumUsd(parts).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  const floors = parts.map((p) => p.toDecimalPlaces(2, Decimal.ROUND_FLOOR));
  let remainderCents = total.minus(sumUsd(floors)).times(100).round().toNumber();
  const order = parts
    .map((p, i) => ({ i, rest: p.minus(floors[i]!) }))
    .sort((a, b) => b.rest.comparedTo(a.rest) || a.i - b.i);
  const cents = floors.map((f) => f.times(100).round().toNumber() || 0);
  for (const { i } of order) {
    if (remainderCents <= 0) break;
    cents[i]! += 1;
    remainderCents -= 1;
  }
  return cents.map((c) => c / 100);
}

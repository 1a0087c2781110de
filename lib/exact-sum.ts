/**
 * An exact running sum of Decimals that, in the common case, allocates nothing per addition.
 *
 * `why` over a quarter of a large bill adds tens of thousands of daily amounts, and each
 * `Decimal.plus` copies both operands into fresh objects: most of the engine's time went
 * to creating Decimals and collecting them again. Cost Explorer amounts and quantities
 * rarely have more than 10 decimals, so each one is an integer number of 10^-10 units, and
 * integers below 2^53 add exactly as JS numbers. The sum keeps such a count (read from the
 * Decimal's documented read-only digits, exponent and sign - no string, no float rounding)
 * and folds it into a Decimal only when it could leave the exact range or at the end.
 * Anything else (more decimals, huge values, NaN) goes through `Decimal.plus` as before.
 *
 * The result equals the sequential `Decimal.plus` sum whenever that sum is exact (40
 * significant digits: every amount a bill can hold), so answers do not change.
 */
import { Dec, ZERO } from './money.js';

/** Decimals of the integer count: 10^-10 dollars (Cost Explorer's finest amounts). */
const SCALE = 10;
/** Powers of ten that JS numbers hold exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Counts stay within ±2^52 so that adding two of them is exact (at most 2^53). */
const LIMIT = 2 ** 52;
/** decimal.js stores digits in base 10^7 words. */
const LOG_BASE = 7;

/**
 * `x` as an integer count of 10^-10, when that is exact and within ±2^52; else undefined.
 * decimal.js keeps `x.d` aligned on base-10^7 words: x = sum of d[i] x 10^(7(k - i)) with
 * k = floor(e / 7).
 */
export function unitsOf(x: Dec): number | undefined {
  return readUnits(x, scratch, 0) ? scratch[0] : undefined;
}

const scratch = new Float64Array(1);

/**
 * `unitsOf` for the hot loop: writes the count to `out[at]` and says whether it fits. A
 * double returned from a call, or kept in an object field, may be boxed (one heap
 * allocation per amount); one in a Float64Array never is.
 */
function readUnits(x: Dec, out: Float64Array, at: number): boolean {
  const d = x.d;
  if (!d) return false; // NaN, ±Infinity
  let p = LOG_BASE * Math.floor(x.e / LOG_BASE) + SCALE;
  let total = 0;
  for (let i = 0; i < d.length; i++, p -= LOG_BASE) {
    let word = d[i]!;
    if (word === 0) continue;
    if (p >= 0) {
      if (p >= POW10.length) return false;
      word *= POW10[p]!;
    } else {
      // A word below 10^-10: exact only if its low digits are zeros.
      const q = POW10[-p];
      if (q === undefined || word % q !== 0) return false;
      word /= q;
    }
    total += word;
    if (total > LIMIT) return false;
  }
  out[at] = x.s < 0 ? -total : total;
  return true;
}

/** The Decimal of a count of 10^-10 (a parse, exact). */
function decOfUnits(units: number): Dec {
  return units === 0 ? ZERO : new Dec(`${units}e-${SCALE}`);
}

/**
 * A decimal's text as two exact integers in doubles, for `ExactSum.addParts`: its integer
 * part and its fraction in 10^-10 (`-12.5` -> `[-12, -5000000000]`); undefined when it has
 * more than 10 decimals, an exponent or more than 15 integer digits (those are summed as
 * `Dec`). The ledger's stored facts keep their figures as text: no Decimal is built to sum them.
 */
export function splitDecimal(text: string, start = 0, end = text.length): [number, number] | undefined {
  // A character loop: a regular expression per figure was a third of decoding a large day.
  // `start`/`end`: a figure inside a longer text (a stored day's figures), with no substring.
  const n = end;
  let k = text.charCodeAt(start) === 45 ? start + 1 : start;
  const negative = k > start;
  let i = 0;
  let digits = 0;
  for (; k < n; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) break;
    i = i * 10 + c;
    digits++;
  }
  if (digits === 0 || digits > 15) return undefined;
  let f = 0;
  if (k < n) {
    if (text.charCodeAt(k) !== 46) return undefined;
    const fracDigits = n - k - 1;
    if (fracDigits < 1 || fracDigits > SCALE) return undefined;
    for (k++; k < n; k++) {
      const c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) return undefined;
      f = f * 10 + c;
    }
    f *= POW10[SCALE - fracDigits]!;
  }
  return negative ? [-i, -f] : [i, f];
}

/** Whole units whose count of 10^-10 (x 10^10) a double holds exactly: below 2^53 / 10^10. */
const WHOLE_IN_UNITS = Math.floor(2 ** 53 / 10 ** SCALE);

/** A sum's value from its three parts: the 10^-10 count, the whole units and the Decimal rest. */
function totalOf(units: number, whole: number, rest: Dec | undefined): Dec {
  // The common case (no rest, under ~$900,000): one count, one Decimal. `whole * 10^10` is an
  // exact integer below 2^53; their sum is exact when its magnitude stays below 2^53 (a
  // rounded sum that reached it means the true one may not have). Building the Decimal of the
  // count and adding `whole` as a second Decimal was a third of a 10,000-team alert run's
  // ledger reads (`queryBlocks`: 1.5 million rows, two sums each; 2026-12-05 profile).
  if (rest === undefined && whole !== 0 && Math.abs(whole) < WHOLE_IN_UNITS) {
    const count = whole * 10 ** SCALE + units;
    if (Math.abs(count) < 2 ** 53) return decOfUnits(count);
  }
  let sum = rest === undefined ? decOfUnits(units) : units === 0 ? rest : rest.plus(decOfUnits(units));
  if (whole !== 0) sum = sum.plus(whole);
  return sum;
}

/** An exact sum, added to one Decimal (or one figure's parts) at a time. */
export class ExactSum {
  /** [0]: integer count of 10^-10, |count| <= 2^52; [1]: scratch for the next amount. */
  private readonly units = new Float64Array(2);
  /** Whole units added by `addParts`, |whole| <= 2^52. */
  private whole = 0;
  /** What did not fit the counts (and flushed counts), summed with `Decimal.plus`. */
  private rest: Dec | undefined;

  add(x: Dec): void {
    const units = this.units;
    if (!readUnits(x, units, 1)) {
      this.rest = (this.rest ?? ZERO).plus(x);
      return;
    }
    const next = units[0]! + units[1]!;
    if (next > LIMIT || next < -LIMIT) {
      this.flush();
      units[0] = units[1]!;
    } else {
      units[0] = next;
    }
  }

  /**
   * Add a figure given as its parts (`splitDecimal`): its integer part (at most 15 digits)
   * and its fraction in 10^-10. No Decimal at all: a 10,000-team month (1.9 million facts,
   * two figures each) summed with a Decimal per figure was most of a ledger question's time.
   */
  addParts(whole: number, fraction: number): void {
    const units = this.units;
    const next = units[0]! + fraction;
    if (next > LIMIT || next < -LIMIT) {
      this.flush();
      units[0] = fraction;
    } else {
      units[0] = next;
    }
    const w = this.whole + whole;
    if (w > LIMIT || w < -LIMIT) {
      this.rest = (this.rest ?? ZERO).plus(this.whole);
      this.whole = whole;
    } else {
      this.whole = w;
    }
  }

  private flush(): void {
    this.rest = (this.rest ?? ZERO).plus(decOfUnits(this.units[0]!));
    this.units[0] = 0;
  }

  /** The sum so far. */
  value(): Dec {
    return totalOf(this.units[0]!, this.whole, this.rest);
  }
}

/**
 * Many exact sums side by side, in two columns (the query engine's groups: 80,000 of them for
 * `why 30d` at 10,000 teams). The arithmetic of `ExactSum.addParts` and `value`, without two
 * objects and a typed array per sum; figures that do not fit the parts are summed as Decimals.
 */
export class ExactSums {
  private units = new Float64Array(64);
  private whole = new Float64Array(64);
  private readonly rest = new Map<number, Dec>();
  private size = 0;

  /** A new sum (zero); its index. */
  open(): number {
    if (this.size === this.units.length) {
      const units = new Float64Array(this.size * 2);
      units.set(this.units);
      this.units = units;
      const whole = new Float64Array(this.size * 2);
      whole.set(this.whole);
      this.whole = whole;
    }
    return this.size++;
  }

  /** `ExactSum.addParts` for sum `i`. */
  addParts(i: number, whole: number, fraction: number): void {
    const next = this.units[i]! + fraction;
    if (next > LIMIT || next < -LIMIT) {
      this.addRest(i, decOfUnits(this.units[i]!));
      this.units[i] = fraction;
    } else {
      this.units[i] = next;
    }
    const w = this.whole[i]! + whole;
    if (w > LIMIT || w < -LIMIT) {
      this.addRest(i, new Dec(this.whole[i]!));
      this.whole[i] = whole;
    } else {
      this.whole[i] = w;
    }
  }

  /**
   * Add a Decimal to sum `i` as a count of 10^-10 when it is one (no Decimal built), else to
   * its Decimal rest: the same value as `Decimal.plus` one at a time (when that is exact).
   */
  addDecimal(i: number, x: Dec): void {
    if (readUnits(x, scratch, 0)) this.addParts(i, 0, scratch[0]!);
    else this.addRest(i, x);
  }

  /** Add sum `i` of `from` to this sum `j`, exactly (its parts as they are, no Decimal unless it has a rest). */
  addSumOf(from: ExactSums, i: number, j: number): void {
    this.addParts(j, from.whole[i]!, from.units[i]!);
    const rest = from.rest.get(i);
    if (rest) this.addRest(j, rest);
  }

  /** Add a Decimal to sum `i` (a figure the parts cannot hold). */
  add(i: number, x: Dec): void {
    this.addRest(i, x);
  }

  private addRest(i: number, x: Dec): void {
    const rest = this.rest.get(i);
    this.rest.set(i, rest ? rest.plus(x) : x);
  }

  /** Sum `i` so far (as `ExactSum.value`). */
  value(i: number): Dec {
    return totalOf(this.units[i]!, this.whole[i]!, this.rest.get(i));
  }
}

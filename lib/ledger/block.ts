/**
 * Facts in columns: how the ledger holds a day in memory, and what the query engine reads.
 *
 * A 10,000-team day is ~40,000 facts. As one object per fact (seven strings, two figures)
 * a month was ~2 million objects for the garbage collector, which took most of a
 * question's time (`npm run bench -- --only ledger`, 2026-12-05: 44% of the child's CPU in
 * GC). A block keeps each column in one typed array: the cell's strings as indices into
 * per-block tables, the state as a byte, the figures as exact integer parts (the integer and
 * the fraction in 10^-10, `splitDecimal`) in four `Float64Array`s. Figures that do not fit
 * (more than 10 decimals, more than 15 integer digits) keep their text and are summed as
 * decimals. Nothing per fact is allocated to read, filter, group or sum a block.
 */
import { splitDecimal } from '../exact-sum.js';
import { Dec, partsOf } from '../money.js';
import { type BillFact, type FactState, StoredFact } from './fact.js';

export const STATES: readonly FactState[] = ['final', 'provisional', 'nowcast'];

/** The string columns of a fact, in storage order. */
export const STRING_COLUMNS = ['d', 's', 'u', 't', 'a', 'g', 'r'] as const;
export type StringColumn = (typeof STRING_COLUMNS)[number];

export type BlockTables = Record<StringColumn, string[]>;
export type BlockIndices = Record<StringColumn, Uint32Array | Uint16Array>;

/** The text of a figure from its parts (`[-12, -5000000000]` -> `-12.5`): exact, no float math. */
export function partsText(whole: number, fraction: number): string {
  const negative = whole < 0 || fraction < 0;
  const w = Math.abs(whole);
  const f = Math.abs(fraction);
  let text = `${negative ? '-' : ''}${w}`;
  if (f !== 0) text += `.${String(f).padStart(10, '0').replace(/0+$/, '')}`;
  return text;
}

export class FactBlock {
  constructor(
    readonly n: number,
    readonly tables: BlockTables,
    readonly columns: BlockIndices,
    readonly state: Uint8Array,
    /** Amount and quantity parts; `NaN` in `ai` / `qi`: the figure's text is in `texts`. */
    readonly ai: Float64Array,
    readonly af: Float64Array,
    readonly qi: Float64Array,
    readonly qf: Float64Array,
    /** Figures that do not fit the parts: `2i` amount, `2i + 1` quantity -> text. */
    readonly texts: Map<number, string>,
  ) {}

  amountText(i: number): string {
    const whole = this.ai[i]!;
    return Number.isNaN(whole) ? (this.texts.get(2 * i) ?? '0') : partsText(whole, this.af[i]!);
  }

  quantityText(i: number): string {
    const whole = this.qi[i]!;
    return Number.isNaN(whole) ? (this.texts.get(2 * i + 1) ?? '0') : partsText(whole, this.qf[i]!);
  }

  amountOf(i: number): Dec {
    return new Dec(this.amountText(i));
  }

  quantityOf(i: number): Dec {
    return new Dec(this.quantityText(i));
  }

  /** One fact as an object (for the sync's comparisons and tests; the engine reads columns). */
  fact(i: number): BillFact {
    const { tables: t, columns: c } = this;
    return new StoredFact(
      t.d[c.d[i]!]!,
      t.s[c.s[i]!]!,
      t.u[c.u[i]!]!,
      t.t[c.t[i]!]!,
      t.a[c.a[i]!]!,
      t.g[c.g[i]!]!,
      t.r[c.r[i]!]!,
      this.amountText(i),
      this.quantityText(i),
      STATES[this.state[i]!] ?? 'final',
    );
  }

  facts(): BillFact[] {
    return Array.from({ length: this.n }, (_, i) => this.fact(i));
  }

  /** Bytes the block holds (what the in-process cache is bounded by). */
  get bytes(): number {
    let bytes = this.n * (1 + 4 * 8);
    for (const col of STRING_COLUMNS) bytes += this.columns[col].byteLength;
    return bytes;
  }

  /** A block of facts given as objects (the fake bills, a sync's fresh facts). */
  static of(facts: readonly BillFact[]): FactBlock {
    const builder = new BlockBuilder(facts.length);
    for (const f of facts) {
      const amount = f instanceof StoredFact ? f.amountText : f.amount;
      const quantity = f instanceof StoredFact ? f.quantityText : f.quantity;
      builder.push(
        [f.day, f.service, f.usageType, f.team, f.account, f.region, f.recordType],
        amount,
        quantity,
        f.state,
      );
    }
    return builder.build();
  }
}

/** Builds a block one fact at a time (string tables interned as they come). */
export class BlockBuilder {
  private readonly maps = STRING_COLUMNS.map(() => new Map<string, number>());
  private readonly cols: Uint32Array[];
  private readonly state: Uint8Array;
  private readonly ai: Float64Array;
  private readonly af: Float64Array;
  private readonly qi: Float64Array;
  private readonly qf: Float64Array;
  private readonly texts = new Map<number, string>();
  private n = 0;

  constructor(capacity: number) {
    this.cols = STRING_COLUMNS.map(() => new Uint32Array(capacity));
    this.state = new Uint8Array(capacity);
    this.ai = new Float64Array(capacity);
    this.af = new Float64Array(capacity);
    this.qi = new Float64Array(capacity);
    this.qf = new Float64Array(capacity);
  }

  /** Strings in `STRING_COLUMNS` order; figures as text or as decimals. */
  push(strings: readonly string[], amount: string | Dec, quantity: string | Dec, state: FactState): void {
    const i = this.n++;
    for (let k = 0; k < STRING_COLUMNS.length; k++) {
      const map = this.maps[k]!;
      const v = strings[k]!;
      let id = map.get(v);
      if (id === undefined) {
        id = map.size;
        map.set(v, id);
      }
      this.cols[k]![i] = id;
    }
    this.state[i] = Math.max(0, STATES.indexOf(state));
    this.setFigure(i, amount, this.ai, this.af, 2 * i);
    this.setFigure(i, quantity, this.qi, this.qf, 2 * i + 1);
  }

  private setFigure(
    i: number,
    figure: string | Dec,
    whole: Float64Array,
    fraction: Float64Array,
    key: number,
  ): void {
    const parts = typeof figure === 'string' ? splitDecimal(figure) : partsOf(figure);
    if (parts) {
      whole[i] = parts[0];
      fraction[i] = parts[1];
    } else {
      whole[i] = Number.NaN;
      fraction[i] = 0;
      this.texts.set(key, typeof figure === 'string' ? figure : figure.toFixed());
    }
  }

  build(): FactBlock {
    const n = this.n;
    const tables = {} as BlockTables;
    const columns = {} as BlockIndices;
    STRING_COLUMNS.forEach((col, k) => {
      tables[col] = [...this.maps[k]!.keys()];
      columns[col] = this.cols[k]!.subarray(0, n);
    });
    return new FactBlock(
      n,
      tables,
      columns,
      this.state.subarray(0, n),
      this.ai.subarray(0, n),
      this.af.subarray(0, n),
      this.qi.subarray(0, n),
      this.qf.subarray(0, n),
      this.texts,
    );
  }
}

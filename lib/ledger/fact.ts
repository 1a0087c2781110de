/**
 * One fact of the bill ledger, as an object: the shape fake bills and the sync hand around.
 * The ledger itself holds facts in columns (`block.ts`); the engine is in `facts.ts`.
 */
import { splitDecimal } from '../exact-sum.js';
import { Dec } from '../money.js';

/**
 * `final`: Cost Explorer no longer marks the day estimated. `provisional`: it does (the
 * month is open or the day is recent). `nowcast`: not in the bill yet; CloudWatch tokens x
 * catalog prices.
 */
export type FactState = 'final' | 'provisional' | 'nowcast';

export interface BillFact {
  /** ISO date (UTC day). */
  day: string;
  service: string;
  usageType: string;
  /** Team tag value; `''` = untagged (shown as "unattributed", never dropped). */
  team: string;
  /** Linked account ID; `''` when the source could not tell (several accounts, one cell). */
  account: string;
  /** Region code (`us-east-1`), from the usage type's prefix; `global` when it has none. */
  region: string;
  /** Cost Explorer record type; the ledger keeps `Usage` (credits, refunds, tax stay out). */
  recordType: string;
  amount: Dec;
  quantity: Dec;
  state: FactState;
}

/**
 * A fact as the ledger stores it: its figures kept as text and as exact integer parts, the
 * `Dec`s built only when something asks for them (the query engine sums the parts). Spread
 * (`{ ...fact }`) does not copy `amount` / `quantity` (prototype getters): copy them by name.
 */
export class StoredFact implements BillFact {
  private a: Dec | undefined;
  private q: Dec | undefined;
  /** Integer and fractional parts (1e-10 units) of amount and quantity; NaN: sum as `Dec`. */
  readonly ai: number;
  readonly af: number;
  readonly qi: number;
  readonly qf: number;

  constructor(
    readonly day: string,
    readonly service: string,
    readonly usageType: string,
    readonly team: string,
    readonly account: string,
    readonly region: string,
    readonly recordType: string,
    readonly amountText: string,
    readonly quantityText: string,
    readonly state: FactState,
  ) {
    const a = splitDecimal(amountText);
    const q = splitDecimal(quantityText);
    this.ai = a ? a[0] : Number.NaN;
    this.af = a ? a[1] : Number.NaN;
    this.qi = q ? q[0] : Number.NaN;
    this.qf = q ? q[1] : Number.NaN;
  }

  get amount(): Dec {
    this.a ??= new Dec(this.amountText);
    return this.a;
  }

  get quantity(): Dec {
    this.q ??= new Dec(this.quantityText);
    return this.q;
  }
}

/**
 * The bill ledger's facts and the one query engine over them.
 *
 * A fact is one day of one (service, usage type, team, linked account) cell of the Bedrock
 * bill: its cost (the configured cost basis), its usage quantity and its state. Every
 * answer that shows a figure from the bill (spend, why, forecast, budget, alerts, digest,
 * idle rates, ask's tools) is computed by `queryFacts` from the same facts, so the same
 * quantity is the same figure everywhere: a team-filtered view is the unfiltered view's
 * team rows, and every grouping of a period sums to the same total.
 *
 * The engine speaks the bill port's own query language (`CostQuery`: a range, DAILY or
 * MONTHLY buckets, up to two group-bys, service / tag / record-type filters), so domain
 * code asks the ledger exactly as it would ask Cost Explorer, and the demo account answers
 * through the same engine.
 */
import { addDays, earlierDay, isIsoDate, laterDay, startOfNextMonth } from '../clock.js';
import { UserError } from '../errors.js';
import { ExactSum, splitDecimal } from '../exact-sum.js';
import { Dec } from '../money.js';
import type { CostDimension, CostQuery, CostRow } from '../ports.js';
import { REGION_PREFIXES } from '../spend/usage-type.js';

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

function addAmount(sum: ExactSum, fact: BillFact): void {
  if (fact instanceof StoredFact && !Number.isNaN(fact.ai)) sum.addParts(fact.ai, fact.af);
  else sum.add(fact.amount);
}

function addQuantity(sum: ExactSum, fact: BillFact): void {
  if (fact instanceof StoredFact && !Number.isNaN(fact.qi)) sum.addParts(fact.qi, fact.qf);
  else sum.add(fact.quantity);
}

/** The region a usage type is billed in, from its prefix (`USE1-...` -> `us-east-1`). */
export function regionOfUsageType(usageType: string): string {
  const m = /^([A-Z]{2,4}\d?)-/.exec(usageType);
  return (m && REGION_PREFIXES[m[1]!]) || 'global';
}

/** Facts with the same cell (day, service, usage type, team, account, region, record type, state) summed into one. */
export function mergeFacts(facts: BillFact[]): BillFact[] {
  const byKey = new Map<string, BillFact>();
  for (const f of facts) {
    const key = [f.day, f.service, f.usageType, f.team, f.account, f.region, f.recordType, f.state].join(
      '\u0001',
    );
    const seen = byKey.get(key);
    if (seen)
      byKey.set(key, {
        ...seen,
        amount: seen.amount.plus(f.amount),
        quantity: seen.quantity.plus(f.quantity),
      });
    else byKey.set(key, f);
  }
  return [...byKey.values()];
}

/** The key a fact has for one group-by dimension, as Cost Explorer spells it. */
export function groupKeyOf(fact: BillFact, dim: CostDimension, tagKey: string): string {
  // Any other tag key is absent from every line: Cost Explorer reports it as `<key>$`.
  if (dim.type === 'TAG') return `${dim.key}$${dim.key === tagKey ? fact.team : ''}`;
  switch (dim.key) {
    case 'SERVICE':
      return fact.service;
    case 'USAGE_TYPE':
      return fact.usageType;
    case 'REGION':
      return fact.region;
    case 'LINKED_ACCOUNT':
      return fact.account;
    case 'RECORD_TYPE':
      return fact.recordType;
  }
}

/** A dimension's raw value of a fact (what tells groups apart; `groupKeyOf` spells the key). */
function dimensionValue(dim: CostDimension, tagKey: string): (fact: BillFact) => string {
  if (dim.type === 'TAG') return dim.key === tagKey ? (f) => f.team : () => '';
  switch (dim.key) {
    case 'SERVICE':
      return (f) => f.service;
    case 'USAGE_TYPE':
      return (f) => f.usageType;
    case 'REGION':
      return (f) => f.region;
    case 'LINKED_ACCOUNT':
      return (f) => f.account;
    case 'RECORD_TYPE':
      return (f) => f.recordType;
  }
}

export type FactFilter = Pick<CostQuery, 'services' | 'tag' | 'recordTypes'>;

/** A filter compiled once per query (sets, not an array search per fact). */
function matcherOf(filter: FactFilter, tagKey: string): (fact: BillFact) => boolean {
  const services = filter.services.length > 0 ? new Set(filter.services) : undefined;
  const recordTypes = new Set(filter.recordTypes ?? ['Usage']);
  const tag = filter.tag;
  const tagValues = tag ? new Set(tag.values) : undefined;
  const tagged = tag?.key === tagKey;
  return (fact) =>
    (!services || services.has(fact.service)) &&
    recordTypes.has(fact.recordType) &&
    (!tagValues || tagValues.has(tagged ? fact.team : ''));
}

export function checkRange(start: string, end: string): void {
  if (!isIsoDate(start) || !isIsoDate(end) || start >= end) {
    throw new UserError(
      'bad_input',
      `The bill needs a start date before the end date (got ${start}..${end}).`,
    );
  }
}

/** The DAILY or MONTHLY buckets of a query (MONTHLY clipped to the range), as Cost Explorer cuts them. */
export function bucketsOf(
  query: Pick<CostQuery, 'start' | 'end' | 'granularity' | 'buckets'>,
): { start: string; end: string }[] {
  if (query.buckets) {
    // Periods asked for (the ledger's extension), inside the range, in order.
    return query.buckets
      .map((b) => ({ start: laterDay(b.start, query.start), end: earlierDay(b.end, query.end) }))
      .filter((b) => b.start < b.end)
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }
  const out: { start: string; end: string }[] = [];
  if (query.granularity === 'DAILY') {
    for (let d = query.start; d < query.end; d = addDays(d, 1)) out.push({ start: d, end: addDays(d, 1) });
    return out;
  }
  for (let d = query.start; d < query.end; ) {
    const next = startOfNextMonth(d);
    const end = earlierDay(next, query.end);
    out.push({ start: d, end });
    d = end;
  }
  return out;
}

/**
 * Answer a bill query from facts: one row per bucket and group, groups sorted by key, exactly
 * as Cost Explorer shapes its answer. `factsOf(start, end)` gives the facts of the days in a
 * bucket. A bucket is `estimated` when any fact in it is not final.
 */
export function queryFacts(
  query: CostQuery,
  tagKey: string,
  factsOf: (start: string, end: string) => Iterable<BillFact>,
): CostRow[] {
  checkRange(query.start, query.end);
  // Cost Explorer groups by at most two dimensions; the ledger's cells have four (team x
  // service x usage type x linked account), so its own questions (the FOCUS export) may ask
  // for all of them.
  if (query.groupBy.length > 4) {
    throw new UserError('bad_input', 'The bill groups by at most four dimensions.');
  }
  const matches = matcherOf(query, tagKey);
  const depth = query.groupBy.length;
  const values = query.groupBy.map((g) => dimensionValue(g, tagKey));
  const rows: CostRow[] = [];
  for (const bucket of bucketsOf(query)) {
    // Groups in nested maps keyed by each dimension's raw value: no key string built per fact.
    type Group = { keys: string[]; amount: ExactSum; quantity: ExactSum };
    const groups: Group[] = [];
    const root = new Map<string, unknown>();
    let estimated = false;
    for (const fact of factsOf(bucket.start, bucket.end)) {
      if (!matches(fact)) continue;
      if (fact.state !== 'final') estimated = true;
      let node = root;
      for (let d = 0; d < depth - 1; d++) {
        const v = values[d]!(fact);
        let next = node.get(v) as Map<string, unknown> | undefined;
        if (!next) {
          next = new Map();
          node.set(v, next);
        }
        node = next;
      }
      const leaf = depth ? values[depth - 1]!(fact) : '';
      let group = node.get(leaf) as Group | undefined;
      if (!group) {
        group = {
          keys: query.groupBy.map((g) => groupKeyOf(fact, g, tagKey)),
          amount: new ExactSum(),
          quantity: new ExactSum(),
        };
        node.set(leaf, group);
        groups.push(group);
      }
      addAmount(group.amount, fact);
      addQuantity(group.quantity, fact);
    }
    const sorted = groups.sort((a, b) => compareKeys(a.keys, b.keys));
    for (const g of sorted) {
      rows.push({
        start: bucket.start,
        end: bucket.end,
        keys: g.keys,
        amount: g.amount.value(),
        quantity: g.quantity.value(),
        estimated,
      });
    }
  }
  return rows;
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Services with cost in `[start, end)` (what GetDimensionValues SERVICE answers). */
export function servicesOf(facts: Iterable<BillFact>): string[] {
  const services = new Set<string>();
  for (const fact of facts) if (!fact.amount.isZero()) services.add(fact.service);
  return [...services].sort();
}

/** Daily totals of the facts that match a filter; days in `[start, end)` without facts are zero. */
export function dailyTotals(
  facts: Iterable<BillFact>,
  filter: FactFilter,
  tagKey: string,
  start: string,
  end: string,
): Map<string, Dec> {
  const sums = new Map<string, ExactSum>();
  for (let d = start; d < end; d = addDays(d, 1)) sums.set(d, new ExactSum());
  const matches = matcherOf(filter, tagKey);
  for (const fact of facts) {
    if (fact.day < start || fact.day >= end || !matches(fact)) continue;
    addAmount(sums.get(fact.day)!, fact);
  }
  return new Map([...sums].map(([day, sum]) => [day, sum.value()]));
}

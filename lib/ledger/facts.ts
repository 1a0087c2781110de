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
import { addDays, earlierDay, isIsoDate, startOfNextMonth } from '../clock.js';
import { UserError } from '../errors.js';
import { type Dec, ZERO } from '../money.js';
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

export type FactFilter = Pick<CostQuery, 'services' | 'tag' | 'recordTypes'>;

export function factMatches(fact: BillFact, filter: FactFilter, tagKey: string): boolean {
  if (filter.services.length > 0 && !filter.services.includes(fact.service)) return false;
  const recordTypes = filter.recordTypes ?? ['Usage'];
  if (!recordTypes.includes(fact.recordType)) return false;
  if (filter.tag) {
    const value = filter.tag.key === tagKey ? fact.team : '';
    if (!filter.tag.values.includes(value)) return false;
  }
  return true;
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
  query: Pick<CostQuery, 'start' | 'end' | 'granularity'>,
): { start: string; end: string }[] {
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
  // Cost Explorer groups by at most two dimensions; the ledger's cells have three (team x
  // service x usage type), so its own questions may ask for all three.
  if (query.groupBy.length > 3) {
    throw new UserError('bad_input', 'The bill groups by at most three dimensions.');
  }
  const rows: CostRow[] = [];
  for (const bucket of bucketsOf(query)) {
    const groups = new Map<string, { keys: string[]; amount: Dec; quantity: Dec }>();
    let estimated = false;
    for (const fact of factsOf(bucket.start, bucket.end)) {
      if (!factMatches(fact, query, tagKey)) continue;
      if (fact.state !== 'final') estimated = true;
      const keys = query.groupBy.map((g) => groupKeyOf(fact, g, tagKey));
      const id = keys.join('\u0000');
      const group = groups.get(id);
      if (group) {
        group.amount = group.amount.plus(fact.amount);
        group.quantity = group.quantity.plus(fact.quantity);
      } else groups.set(id, { keys, amount: fact.amount, quantity: fact.quantity });
    }
    const sorted = [...groups.values()].sort((a, b) => compareKeys(a.keys, b.keys));
    for (const g of sorted) {
      rows.push({
        start: bucket.start,
        end: bucket.end,
        keys: g.keys,
        amount: g.amount,
        quantity: g.quantity,
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
  const totals = new Map<string, Dec>();
  for (let d = start; d < end; d = addDays(d, 1)) totals.set(d, ZERO);
  for (const fact of facts) {
    if (fact.day < start || fact.day >= end || !factMatches(fact, filter, tagKey)) continue;
    totals.set(fact.day, (totals.get(fact.day) ?? ZERO).plus(fact.amount));
  }
  return totals;
}

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
import { ExactSum, ExactSums } from '../exact-sum.js';
import { type Dec, ZERO } from '../money.js';
import type { CostDimension, CostQuery, CostRow } from '../ports.js';
import { REGION_PREFIXES } from '../spend/usage-type.js';
import { FactBlock, type StringColumn } from './block.js';
import type { BillFact } from './fact.js';

export type { BillFact, FactState } from './fact.js';
export { StoredFact } from './fact.js';

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

export type FactFilter = Pick<CostQuery, 'services' | 'tag' | 'recordTypes'>;

/**
 * A filter compiled once per block: which entries of the block's service, record-type and
 * team tables pass (one byte per table entry, not a set lookup per fact).
 */
function blockFilter(
  filter: FactFilter,
  tagKey: string,
  block: FactBlock,
): { s: Uint8Array; r: Uint8Array; t: Uint8Array | undefined } {
  const services = filter.services.length > 0 ? new Set(filter.services) : undefined;
  const recordTypes = new Set(filter.recordTypes ?? ['Usage']);
  const tag = filter.tag;
  const tagValues = tag ? new Set(tag.values) : undefined;
  const tagged = tag?.key === tagKey;
  const { tables } = block;
  return {
    s: Uint8Array.from(tables.s, (v) => (!services || services.has(v) ? 1 : 0)),
    r: Uint8Array.from(tables.r, (v) => (recordTypes.has(v) ? 1 : 0)),
    // Another tag key is absent from every line: its value is '' for all of them.
    t: tagValues ? Uint8Array.from(tables.t, (v) => (tagValues.has(tagged ? v : '') ? 1 : 0)) : undefined,
  };
}

/** The block column a group-by dimension reads; undefined: the same value ('') for every fact. */
function columnOf(dim: CostDimension, tagKey: string): StringColumn | undefined {
  if (dim.type === 'TAG') return dim.key === tagKey ? 't' : undefined;
  switch (dim.key) {
    case 'SERVICE':
      return 's';
    case 'USAGE_TYPE':
      return 'u';
    case 'REGION':
      return 'g';
    case 'LINKED_ACCOUNT':
      return 'a';
    case 'RECORD_TYPE':
      return 'r';
  }
}

/** How a dimension's value is spelled as a group key (a tag as `<key>$<value>`, as Cost Explorer). */
function spell(dim: CostDimension, value: string): string {
  return dim.type === 'TAG' ? `${dim.key}$${value}` : value;
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
  return queryBlocks(query, tagKey, (start, end) => [FactBlock.of([...factsOf(start, end)])]);
}

/** A group of a bucket: its keys as Cost Explorer spells them and its sum's index in `sums`. */
interface Group {
  keys: string[];
  /** Its amount is `amounts.value(sum)`, its quantity `quantities.value(sum)`. */
  sum: number;
}

/**
 * The one query engine: `queryFacts` over blocks of facts (`blocksOf(start, end)` gives the
 * blocks of the days in a bucket). Per block, the filter and each dimension's values are
 * resolved once per table entry; per fact, only typed-array reads and integer sums.
 */
export function queryBlocks(
  query: CostQuery,
  tagKey: string,
  blocksOf: (start: string, end: string) => Iterable<FactBlock>,
  options: { denseCells?: number } = {},
): CostRow[] {
  checkRange(query.start, query.end);
  // Cost Explorer groups by at most two dimensions; the ledger's cells have four (team x
  // service x usage type x linked account), so its own questions (the FOCUS export) may ask
  // for all of them.
  if (query.groupBy.length > 4) {
    throw new UserError('bad_input', 'The bill groups by at most four dimensions.');
  }
  const dims = query.groupBy.map((g) => ({ dim: g, column: columnOf(g, tagKey) }));
  const rows: CostRow[] = [];
  for (const bucket of bucketsOf(query)) {
    const { groups, amounts, quantities, estimated } = groupBucket(
      query,
      tagKey,
      dims,
      blocksOf(bucket.start, bucket.end),
      options.denseCells ?? DENSE_CELLS,
      // Amounts only (a forecast's daily sums, 1.1 million rows at 10,000 teams): no quantity
      // sums, and no Decimal of one per row (half of the rows' Decimals; 2026-12-05 profile).
      query.quantities !== false,
    );
    for (const g of groups.sort((a, b) => compareKeys(a.keys, b.keys))) {
      rows.push({
        start: bucket.start,
        end: bucket.end,
        keys: g.keys,
        amount: amounts.value(g.sum),
        quantity: quantities ? quantities.value(g.sum) : ZERO,
        estimated,
      });
    }
  }
  return rows;
}

/**
 * A DAILY query grouped by (tag, usage type), each day's usage types folded into classes per
 * tag value: tag key as spelled (`team$search`) -> day -> the sum of each class (`ZERO` for
 * a class without facts). `classOf(usageType)`: the class (0 ... classes - 1), or -1 to leave
 * the usage type out. A tag value has a day when one of its kept usage types has a group that
 * day, as `queryBlocks` would give a row for it. The same exact sums as `queryBlocks`' rows
 * added up, with one Decimal per class and day instead of one per row: the forecast of a
 * 10,000-team alert run folds 1.1 million rows (team x usage type x 28 days) into 280,000
 * days (2026-12-05 profile: the rows' Decimals, objects and lines were ~2 s of its CPU).
 */
export function dailyClassSums(
  query: CostQuery,
  tagKey: string,
  blocksOf: (start: string, end: string) => Iterable<FactBlock>,
  classOf: (usageType: string) => number,
  classes: number,
): Map<string, Map<string, Dec[]>> {
  checkRange(query.start, query.end);
  const [tag, usage] = query.groupBy;
  if (
    query.granularity !== 'DAILY' ||
    query.buckets ||
    query.groupBy.length !== 2 ||
    tag?.type !== 'TAG' ||
    usage?.type !== 'DIMENSION' ||
    usage.key !== 'USAGE_TYPE'
  ) {
    throw new UserError('bad_input', 'Class sums need a DAILY query grouped by a tag and the usage type.');
  }
  const dims = query.groupBy.map((g) => ({ dim: g, column: columnOf(g, tagKey) }));
  const classOfType = new Map<string, number>();
  const out = new Map<string, Map<string, Dec[]>>();
  for (const bucket of bucketsOf(query)) {
    const { groups, amounts } = groupBucket(
      query,
      tagKey,
      dims,
      blocksOf(bucket.start, bucket.end),
      DENSE_CELLS,
      false,
    );
    const folded = new ExactSums();
    const first = new Map<string, number>();
    for (const g of groups) {
      const usageType = g.keys[1]!;
      let c = classOfType.get(usageType);
      if (c === undefined) {
        c = classOf(usageType);
        classOfType.set(usageType, c);
      }
      if (c < 0) continue;
      let base = first.get(g.keys[0]!);
      if (base === undefined) {
        base = folded.open();
        for (let k = 1; k < classes; k++) folded.open();
        first.set(g.keys[0]!, base);
      }
      folded.addSumOf(amounts, g.sum, base + c);
    }
    for (const [key, base] of first) {
      let days = out.get(key);
      if (!days) {
        days = new Map();
        out.set(key, days);
      }
      days.set(
        bucket.start,
        Array.from({ length: classes }, (_, k) => folded.value(base + k)),
      );
    }
  }
  return out;
}

/** Dense group tables up to this many cells (an Int32Array of 4 bytes each); more: nested maps. */
const DENSE_CELLS = 8_000_000;

/**
 * The groups of one bucket's blocks, and whether any matching fact is not final.
 *
 * Every block's string tables are numbered first (per dimension, one number per value in the
 * bucket), so a group is a cell of a fixed grid: when the grid is small enough its group
 * index sits in one Int32Array and a fact finds its group with a few typed-array reads (the
 * team x service x usage-type cells of a 10,000-team month: 2.4 million facts); else in
 * nested maps keyed by those numbers.
 */
function groupBucket(
  filter: FactFilter,
  tagKey: string,
  dims: { dim: CostDimension; column: StringColumn | undefined }[],
  blocks: Iterable<FactBlock>,
  denseCells: number,
  withQuantities: boolean,
): { groups: Group[]; amounts: ExactSums; quantities: ExactSums | undefined; estimated: boolean } {
  const depth = dims.length;
  const amounts = new ExactSums();
  const quantities = withQuantities ? new ExactSums() : undefined;
  const ids = dims.map(() => new Map<string, number>());
  const values: string[][] = dims.map(() => []);
  const idOf = (k: number, v: string): number => {
    let id = ids[k]!.get(v);
    if (id === undefined) {
      id = values[k]!.length;
      ids[k]!.set(v, id);
      values[k]!.push(v);
    }
    return id;
  };
  // Per block and dimension: the block's table index -> this bucket's value number.
  const planned = [...blocks].map((block) => ({
    block,
    local: dims.map(({ column }, k) =>
      column ? Int32Array.from(block.tables[column], (v) => idOf(k, v)) : Int32Array.of(idOf(k, '')),
    ),
  }));
  const sizes = values.map((v) => Math.max(1, v.length));
  const cells = sizes.reduce((n, size) => n * size, 1);
  const groups: Group[] = [];
  const newGroup = (key: ArrayLike<number>): Group => {
    const group = { keys: dims.map(({ dim }, k) => spell(dim, values[k]![key[k]!]!)), sum: amounts.open() };
    quantities?.open();
    groups.push(group);
    return group;
  };
  const find = cells <= denseCells ? denseGroups(sizes, newGroup) : nestedGroups(depth, newGroup);
  const key = new Int32Array(depth);
  let estimated = false;
  for (const { block, local } of planned) {
    const pass = blockFilter(filter, tagKey, block);
    const cols = dims.map(({ column }) => (column ? block.columns[column] : undefined));
    const { s, r, t } = block.columns;
    const { ai, af, qi, qf, state } = block;
    for (let i = 0; i < block.n; i++) {
      if (!pass.s[s[i]!] || !pass.r[r[i]!] || (pass.t && !pass.t[t[i]!])) continue;
      if (state[i] !== 0) estimated = true;
      for (let k = 0; k < depth; k++) key[k] = local[k]![cols[k] ? cols[k]![i]! : 0]!;
      const g = find(key).sum;
      if (Number.isNaN(ai[i]!)) amounts.add(g, block.amountOf(i));
      else amounts.addParts(g, ai[i]!, af[i]!);
      if (!quantities) continue;
      if (Number.isNaN(qi[i]!)) quantities.add(g, block.quantityOf(i));
      else quantities.addParts(g, qi[i]!, qf[i]!);
    }
  }
  return { groups, amounts, quantities, estimated };
}

/** Groups in a dense grid: the cell's index (row-major over `sizes`) -> its group. */
function denseGroups(sizes: number[], create: (key: ArrayLike<number>) => Group): (key: Int32Array) => Group {
  const index = new Int32Array(sizes.reduce((n, size) => n * size, 1)).fill(-1);
  const found: Group[] = [];
  return (key) => {
    let cell = 0;
    for (let k = 0; k < key.length; k++) cell = cell * sizes[k]! + key[k]!;
    const at = index[cell]!;
    if (at >= 0) return found[at]!;
    const group = create(key);
    index[cell] = found.length;
    found.push(group);
    return group;
  };
}

/** Groups in nested maps keyed by each dimension's value number (a grid too large to hold). */
function nestedGroups(depth: number, create: (key: ArrayLike<number>) => Group): (key: Int32Array) => Group {
  const root = new Map<number, unknown>();
  return (key) => {
    let node = root;
    for (let k = 0; k < depth - 1; k++) {
      let next = node.get(key[k]!) as Map<number, unknown> | undefined;
      if (!next) {
        next = new Map();
        node.set(key[k]!, next);
      }
      node = next;
    }
    const leaf = depth ? key[depth - 1]! : 0;
    let group = node.get(leaf) as Group | undefined;
    if (!group) {
      group = create(key);
      node.set(leaf, group);
    }
    return group;
  };
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
  return dailyTotalsOf([FactBlock.of([...facts])], filter, tagKey, start, end);
}

/** `dailyTotals` over blocks (the ledger's stored days). */
export function dailyTotalsOf(
  blocks: Iterable<FactBlock>,
  filter: FactFilter,
  tagKey: string,
  start: string,
  end: string,
): Map<string, Dec> {
  const sums = new Map<string, ExactSum>();
  for (let d = start; d < end; d = addDays(d, 1)) sums.set(d, new ExactSum());
  for (const block of blocks) {
    const pass = blockFilter(filter, tagKey, block);
    const daySums = block.tables.d.map((day) => sums.get(day));
    const { d, s, r, t } = block.columns;
    for (let i = 0; i < block.n; i++) {
      const sum = daySums[d[i]!];
      if (!sum || !pass.s[s[i]!] || !pass.r[r[i]!] || (pass.t && !pass.t[t[i]!])) continue;
      if (Number.isNaN(block.ai[i]!)) sum.add(block.amountOf(i));
      else sum.addParts(block.ai[i]!, block.af[i]!);
    }
  }
  return new Map([...sums].map(([day, sum]) => [day, sum.value()]));
}

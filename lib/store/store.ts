/**
 * The one table (keys `pk`/`sk`, TTL attribute `expiresAt`) as a port: the few operations
 * the repositories need, described by plain data. Repositories in the domain folders
 * (ledger, budgets, idle, digest, spend cache, pricing catalog) take a `Store` and own
 * their keys and item shapes (docs/data-model.md); only `lib/store/dynamo.ts` turns these
 * descriptions into DynamoDB requests, so no module the chat front door loads at start
 * imports the DynamoDB SDK (lib/lambda/runtime.ts loads the adapter on first use).
 *
 * Errors: a write whose condition fails throws an error named
 * `ConditionalCheckFailedException` (`isConditionalCheckFailed`); a transaction whose
 * condition fails throws one named `TransactionCanceledException` (`failedWrites` says
 * which). Anything else (throttling past the retries, a missing table) is thrown as is.
 */

/** An item's key in the one table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** An item as stored (key attributes included). */
export type Item = Record<string, unknown>;

/** A condition expression with its `#name` and `:value` placeholders. */
export interface Expression {
  /** The condition under which a write may happen. */
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** One write: an update expression, a whole item (`put`, without its key), or a delete. */
export type Write = { key: ItemKey } & Expression &
  (
    | { update: string; put?: never; remove?: never }
    | { put: Item; update?: never; remove?: never }
    | { remove: true; update?: never; put?: never }
  );

/** The sort-key part of a query: an inclusive range or a prefix. */
export type SortKeyRange = { between: readonly [string, string] } | { beginsWith: string };

export interface QuerySpec {
  pk: string;
  sk?: SortKeyRange;
  /** Only these attributes (a header read that leaves the large ones out). */
  attributes?: readonly string[];
  /** Newest first (descending sort keys). */
  descending?: boolean;
  /** At most this many items (pages are followed until reached); all when absent. */
  limit?: number;
  consistent?: boolean;
}

export interface ScanSpec {
  filter: string;
  names?: Record<string, string>;
  values: Record<string, unknown>;
  /** Parallel segments (default 4). */
  segments?: number;
}

export interface Store {
  /** The item, or undefined. `consistent` for a strongly consistent read (claims, budgets). */
  get(key: ItemKey, options?: { consistent?: boolean }): Promise<Item | undefined>;
  /**
   * One write. With `returnItem: 'new'` an update resolves the item after it; with `'old'`
   * any write resolves the item before it (undefined when there was none).
   */
  write(write: Write, options?: { returnItem?: 'new' | 'old' }): Promise<Item | undefined>;
  /** A partition's items in sort-key order, every page followed (up to `limit`). */
  query(spec: QuerySpec): Promise<Item[]>;
  /** Every item matching a filter (a parallel scan, every page followed). */
  scan(spec: ScanSpec): Promise<Item[]>;
  /** The items of these keys that exist, in no particular order (100 keys a request, leftovers retried). */
  getMany(keys: readonly ItemKey[]): Promise<Item[]>;
  /** Delete these items (25 a request, leftovers retried); no conditions. */
  removeMany(keys: readonly ItemKey[]): Promise<void>;
  /** All of these writes or none (one transaction; at most 100). */
  transact(writes: readonly Write[]): Promise<void>;
}

/** Is this the error a failed condition raises? (an exactly-once claim lost) */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Which writes of a cancelled transaction failed their condition (indexes; empty for other errors). */
export function failedWrites(error: unknown): number[] {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  if (e?.name !== 'TransactionCanceledException') return [];
  return (e.CancellationReasons ?? []).flatMap((r, i) => (r?.Code === 'ConditionalCheckFailed' ? [i] : []));
}

/** Epoch seconds for the TTL attribute `expiresAt`. */
export function ttlAfter(now: Date, seconds: number): number {
  return Math.floor(now.getTime() / 1000) + seconds;
}

/** Extra waits (ms) before re-writing a delivery record: about 8 s in all, well inside a run. */
const AFTER_DELIVERY_WAITS = [250, 500, 1000, 2000, 4000];

/**
 * Write the record that a message went out. The message is already in the channel: if this
 * record is lost, the claim expires and a later run posts a second time. So keep trying well
 * past the SDK's own retries (throttling usually clears within seconds); a failed condition
 * (the claim was lost to another run) stops at once.
 */
export async function recordDelivery(
  store: Store,
  write: Write,
  waits: readonly number[] = AFTER_DELIVERY_WAITS,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.write(write);
      return;
    } catch (error) {
      if (isConditionalCheckFailed(error) || attempt >= waits.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, waits[attempt]));
    }
  }
}

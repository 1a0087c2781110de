/**
 * The exactly-once idiom of every proactive effect (alerts, digests, idle findings, the
 * command worker's lease, the replay guard), as one helper (docs/delivery.md):
 *
 * - `claimOnce`: a conditional write; of any number of concurrent or retried runs exactly
 *   one wins, and only that run acts. Losing is an answer (`claimed: false`), not an error.
 * - `markSent`: the platform accepted the message: recorded, retried well past the SDK's own
 *   retries (`recordDelivery`), since losing this record means a second copy later.
 * - `release`: the message surely did not arrive: the claim is given back so a later run
 *   retries. When the condition fails, someone else holds the claim now and theirs stands.
 *
 * Each effect keeps its own item keys, states and conditions (they differ: an alert is
 * re-armed, a digest lease is time-boxed by `leaseUntil`, an idle claim is deleted on
 * release); this module owns how they reach DynamoDB. A write is described by its key and
 * expressions, so no repository builds DynamoDB commands for a claim itself.
 *
 * Why not Powertools Idempotency (`makeIdempotent` + `DynamoDBPersistenceLayer`, which can
 * use this table with `keyAttr: 'pk'`, `sortKeyAttr: 'sk'`, `expiryAttr: 'expiresAt'`),
 * checked 2026-12-05 against @aws-lambda-powertools/idempotency 2.35.0:
 * - It covers one of the five users (the command worker's lease). Alerts are re-armed,
 *   digests are leased per team and week inside one scheduled run, idle findings are
 *   deleted on release, and the replay guard claims inside the 3-second acknowledgement:
 *   none is "one Lambda invocation, one result", which is what it de-duplicates.
 * - Even for the worker it loses guarantees: a success record that fails to save throws
 *   (`IdempotencyPersistenceLayerError`), so Lambda retries a job whose answer is already
 *   in the channel (here `markSent` retries ~8 s and a lost record is logged, not retried);
 *   an in-progress record lasts the invocation's remaining time with no renewal
 *   (`heartbeat`), and there is no "may have arrived: do not post again" outcome.
 * - Its records share one partition (`pk` = `idempotency#<function>`), against the data
 *   model's one partition per job (docs/data-model.md).
 * - Cost, measured: +46 KB minified in a bundle with the DynamoDB document client
 *   (idempotency 16 KB, jmespath 24 KB, commons 5 KB; 358 KB -> 404 KB) and +25-27 ms to
 *   load it in a fresh process (15 interleaved runs, twice, 152-195 ms -> 179-219 ms).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, recordDelivery, type Store } from './store.js';

/** An item's key in the one table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** One conditional write: an update (`update`), a whole item (`put`), or a delete. */
export type ConditionalWrite = {
  key: ItemKey;
  /** The condition under which this write may happen. */
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
} & (
  | { update: string; put?: never; remove?: never }
  | { put: Record<string, unknown>; update?: never; remove?: never }
  | { remove: true; update?: never; put?: never }
);

function updateOf(store: Store, write: ConditionalWrite, returnItem = false): UpdateCommand {
  return new UpdateCommand({
    ...common(store, write),
    Key: write.key,
    UpdateExpression: write.update,
    ...(returnItem ? { ReturnValues: 'ALL_NEW' as const } : {}),
  });
}

function common(store: Store, write: ConditionalWrite) {
  return {
    TableName: store.table,
    ...(write.condition ? { ConditionExpression: write.condition } : {}),
    ...(write.names ? { ExpressionAttributeNames: write.names } : {}),
    ...(write.values ? { ExpressionAttributeValues: write.values } : {}),
  };
}

/** Send one write; the item after it for an update with `returnItem`. */
async function send(
  store: Store,
  write: ConditionalWrite,
  returnItem = false,
): Promise<Record<string, unknown> | undefined> {
  if (write.put) {
    await store.db.send(new PutCommand({ ...common(store, write), Item: { ...write.key, ...write.put } }));
    return undefined;
  }
  if (write.remove) {
    await store.db.send(new DeleteCommand({ ...common(store, write), Key: write.key }));
    return undefined;
  }
  const out = await store.db.send(updateOf(store, write, returnItem));
  return out.Attributes;
}

/**
 * Try to take a claim. With `returnItem`, `item` is the item after an update that won (its
 * `attempts`, say). Any error but a failed condition is thrown: the caller cannot tell
 * whether it holds the claim, so it must not act.
 */
export async function claimOnce(
  store: Store,
  write: ConditionalWrite,
  options: { returnItem?: boolean } = {},
): Promise<{ claimed: true; item?: Record<string, unknown> } | { claimed: false }> {
  try {
    const item = await send(store, write, options.returnItem === true);
    return item ? { claimed: true, item } : { claimed: true };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return { claimed: false };
    throw error;
  }
}

/**
 * Record that the message went out (only after the platform accepted it). A failed
 * condition (the claim was taken over) is thrown at once; other failures are retried for
 * about 8 s (`recordDelivery`).
 */
export async function markSent(store: Store, write: ConditionalWrite & { update: string }): Promise<void> {
  await recordDelivery(store, updateOf(store, write));
}

/**
 * Give a claim back after a delivery that surely did not arrive. Resolves false when the
 * condition failed: another run took the claim over meanwhile, and its claim stands.
 */
export async function release(store: Store, write: ConditionalWrite): Promise<boolean> {
  try {
    await send(store, write);
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** The claim's item as stored now (a strongly consistent read): sent, or still in flight? */
export async function readClaim(store: Store, key: ItemKey): Promise<Record<string, unknown> | undefined> {
  const out = await store.db.send(new GetCommand({ TableName: store.table, Key: key, ConsistentRead: true }));
  return out.Item;
}

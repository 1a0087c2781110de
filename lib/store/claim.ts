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
 * release); this module owns the idiom, and `Store.write` how a write reaches the table.
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
import {
  type Item,
  type ItemKey,
  isConditionalCheckFailed,
  recordDelivery,
  type Store,
  type Write,
} from './store.js';

/**
 * Try to take a claim. With `returnItem`, `item` is the item after an update that won (its
 * `attempts`, say). Any error but a failed condition is thrown: the caller cannot tell
 * whether it holds the claim, so it must not act.
 */
export async function claimOnce(
  store: Store,
  write: Write,
  options: { returnItem?: boolean } = {},
): Promise<{ claimed: true; item?: Item } | { claimed: false }> {
  try {
    const item = await store.write(
      write,
      options.returnItem === true && write.update ? { returnItem: 'new' } : {},
    );
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
export async function markSent(store: Store, write: Write & { update: string }): Promise<void> {
  await recordDelivery(store, write);
}

/**
 * Give a claim back after a delivery that surely did not arrive. Resolves false when the
 * condition failed: another run took the claim over meanwhile, and its claim stands.
 */
export async function release(store: Store, write: Write): Promise<boolean> {
  try {
    await store.write(write);
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** The claim's item as stored now (a strongly consistent read): sent, or still in flight? */
export async function readClaim(store: Store, key: ItemKey): Promise<Item | undefined> {
  return store.get(key, { consistent: true });
}

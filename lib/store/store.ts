/**
 * The one DynamoDB table (keys `pk`/`sk`, TTL attribute `expiresAt`). Repositories in
 * the domain folders (budgets, digest, spend cache, pricing) take a `Store` and own
 * their item shapes; see docs/data-model.md.
 */
import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export interface Store {
  db: DynamoDBDocumentClient;
  table: string;
}

/** Is this the SDK error a failed `ConditionExpression` raises? (an exactly-once claim lost) */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
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
  command: UpdateCommand,
  waits: readonly number[] = AFTER_DELIVERY_WAITS,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.db.send(command);
      return;
    } catch (error) {
      if (isConditionalCheckFailed(error) || attempt >= waits.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, waits[attempt]));
    }
  }
}

/**
 * The one DynamoDB table (keys `pk`/`sk`, TTL attribute `expiresAt`). Repositories in
 * the domain folders (budgets, digest, spend cache, pricing) take a `Store` and own
 * their item shapes; see the data model in DESIGN.md.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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

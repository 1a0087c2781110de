/**
 * Replay and duplicate protection for the chat endpoints.
 *
 * A signed request stays valid for the 5-minute timestamp window, so a captured request
 * could be sent again within it; and Slack re-sends a request it thinks failed
 * (`X-Slack-Retry-Num`). Each request is claimed once, by a key derived from its signature:
 * - in memory, per Lambda container: free, and enough for the side-effect-free answers
 *   (help, estimate, prices) that make up most traffic, keeping the acknowledgement path
 *   off DynamoDB;
 * - in the table too (a conditional put, the same exactly-once idiom as alerts) when the
 *   request has a side effect: it changes a budget, clicks a button, or starts the worker.
 *   Containers do not share memory, so only the table stops a replay sent to another one.
 *
 * Items: `pk = REQUEST#<key>`, `sk = SEEN`, expiring (TTL `expiresAt`) after 10 minutes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { ttlAfter } from '../store/store.js';

/** Kept a little longer than the 5-minute signature window. */
export const REPLAY_TTL_SECONDS = 600;

export interface ReplayGuard {
  /**
   * Claim a request. Resolves false when it was claimed before (a replay or a retry).
   * `durable` also claims it in the table, across containers.
   */
  claim(key: string, options?: { durable?: boolean }): Promise<boolean>;
}

/** A short stable key for a request: a hash of its signature (or any unique text). */
export function requestKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40);
}

/**
 * The default guard: memory first, then the table when `durable`.
 *
 * @example
 * const guard = createReplayGuard(async () => deps.store, Date.now);
 * if (!(await guard.claim(requestKey(signature), { durable: true }))) return { statusCode: 401 };
 */
export function createReplayGuard(
  store: () => Promise<Store> | Store,
  nowMs: () => number = Date.now,
): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async claim(key, options = {}) {
      const now = nowMs();
      if (seen.size > 5000) for (const [k, until] of seen) if (until < now) seen.delete(k);
      const until = seen.get(key);
      if (until !== undefined && until >= now) return false;
      seen.set(key, now + REPLAY_TTL_SECONDS * 1000);
      if (!options.durable) return true;
      // Loaded on the first request with a side effect: the acknowledgement path of the
      // others stays off the DynamoDB commands.
      const [{ claimOnce }, table] = await Promise.all([import('../store/claim.js'), store()]);
      const at = new Date(now);
      // Names this claim, so the SDK retrying it after DynamoDB applied it but lost the
      // answer does not turn the genuine request into a "replay".
      const claimId = randomUUID();
      const claim = await claimOnce(table, {
        key: { pk: `REQUEST#${key}`, sk: 'SEEN' },
        put: { seenAt: at.toISOString(), expiresAt: ttlAfter(at, REPLAY_TTL_SECONDS), claimId },
        // DynamoDB deletes expired items lazily (up to days later): an expired claim counts as free.
        condition: 'attribute_not_exists(pk) OR expiresAt < :now OR claimId = :claim',
        values: { ':now': Math.floor(now / 1000), ':claim': claimId },
      });
      return claim.claimed;
    },
  };
}

/**
 * Exactly one digest per team per week, whatever the retries and overlaps:
 *
 * - A run *claims* `DIGEST#<team>` / `WEEK#<iso week>` with a conditional write before it
 *   sends. Only the run whose write wins posts; a concurrent run sees the claim and moves on.
 * - The claim is a short *lease*: a run that crashes between claiming and sending leaves a
 *   claim that expires, so the next hourly run takes it over and sends.
 * - The item becomes `sent` only after the platform accepted the message. A failed delivery
 *   gives the lease back at once (state `failed`), so the next run retries that channel.
 *
 * The lease is long enough for one delivery with Slack's rate-limit waits (a chart upload
 * is three calls), short enough that a crashed run is retried by the next hourly run.
 */
import { claimOnce, markSent, readClaim, release } from '../store/claim.js';
import { type Store, ttlAfter } from '../store/store.js';

/** How long a claim protects a send in progress. */
export const DIGEST_LEASE_MS = 10 * 60_000;

/** Digest records are kept a year (a history of what each channel was sent). */
const DIGEST_TTL_SECONDS = 400 * 86_400;

export type ClaimResult =
  /** This run holds the lease and must send (then `markDigestSent` or `releaseDigest`). */
  | { outcome: 'claimed'; attempt: number }
  /** Already delivered this week. */
  | { outcome: 'already-sent'; sentAt?: string }
  /** Another run holds a live lease. */
  | { outcome: 'in-flight' };

export function digestKey(team: string, weekId: string): { pk: string; sk: string } {
  return { pk: `DIGEST#${team}`, sk: `WEEK#${weekId}` };
}

/**
 * Claim this week's digest of `team` for run `runId`: succeeds when nobody claimed it yet,
 * or when the previous claim failed or its lease ran out, and it was never sent.
 */
export async function claimDigest(
  store: Store,
  team: string,
  weekId: string,
  runId: string,
  now: Date,
  leaseMs = DIGEST_LEASE_MS,
): Promise<ClaimResult> {
  const key = digestKey(team, weekId);
  const claim = await claimOnce(
    store,
    {
      key,
      update:
        'SET #state = :sending, runId = :run, claimedAt = :now, leaseUntil = :lease, expiresAt = :ttl ADD attempts :one',
      // `runId = :run`: this run's own claim, retried by the SDK after DynamoDB applied it
      // but its answer was lost (a run claims each digest once).
      condition: 'attribute_not_exists(pk) OR (#state <> :sent AND (leaseUntil <= :now OR runId = :run))',
      names: { '#state': 'state' },
      values: {
        ':sending': 'sending',
        ':sent': 'sent',
        ':run': runId,
        ':now': now.toISOString(),
        ':lease': new Date(now.getTime() + leaseMs).toISOString(),
        ':ttl': ttlAfter(now, DIGEST_TTL_SECONDS),
        ':one': 1,
      },
    },
    { returnItem: true },
  );
  if (claim.claimed) return { outcome: 'claimed', attempt: Number(claim.item?.attempts ?? 1) };
  const current = await readClaim(store, key);
  if (current?.state === 'sent') {
    const sentAt = current.sentAt;
    return typeof sentAt === 'string' ? { outcome: 'already-sent', sentAt } : { outcome: 'already-sent' };
  }
  return { outcome: 'in-flight' };
}

/** Record the delivery (only after the platform accepted the message). */
export async function markDigestSent(
  store: Store,
  team: string,
  weekId: string,
  runId: string,
  now: Date,
  details: { target: string; ts?: string; note?: string },
): Promise<void> {
  await markSent(store, {
    key: digestKey(team, weekId),
    // Unconditional: the message is out, so whoever holds the claim now must not send again.
    // `note`: a partial success (no chart) or an unconfirmed delivery, kept for the operator.
    update:
      'SET #state = :sent, sentAt = :now, target = :target, ts = :ts, runId = :run, note = :note REMOVE leaseUntil, lastError',
    names: { '#state': 'state' },
    values: {
      ':sent': 'sent',
      ':now': now.toISOString(),
      ':target': details.target,
      ':ts': details.ts ?? null,
      ':run': runId,
      ':note': details.note?.slice(0, 500) ?? null,
    },
  });
}

/**
 * Give the claim back after a failed delivery: the next run retries. A permanent failure
 * (channel deleted, bot removed) is retried too, since someone may fix the channel within
 * the catch-up window; the error is kept for `budget` status and logs.
 */
export async function releaseDigest(
  store: Store,
  team: string,
  weekId: string,
  runId: string,
  now: Date,
  error: string,
): Promise<void> {
  // False when someone else took over meanwhile: their claim stands.
  await release(store, {
    key: digestKey(team, weekId),
    update: 'SET #state = :failed, leaseUntil = :now, lastError = :error, failedAt = :now',
    condition: 'runId = :run AND #state = :sending',
    names: { '#state': 'state' },
    values: {
      ':failed': 'failed',
      ':now': now.toISOString(),
      ':error': error.slice(0, 500),
      ':run': runId,
      ':sending': 'sending',
    },
  });
}

/** The stored record, for tests and status answers. */
export async function getDigestRecord(
  store: Store,
  team: string,
  weekId: string,
): Promise<Record<string, unknown> | undefined> {
  return readClaim(store, digestKey(team, weekId));
}

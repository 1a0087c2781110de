/**
 * Idle-throughput state in the table: snoozes, and the once-a-day posting claims.
 *
 * Items (pk is per throughput, keyed by a hash of its ARN so keys stay short and
 * free of `:`/`/` noise):
 * - `IDLE#<hash>` / `SNOOZE`: snoozed until `until` (the "Snooze 7 days" button or
 *   `idle snooze NAME`), by whom, and every snooze in `history` (who, when, until when).
 * - `IDLE#<hash>` / `DAY#<yyyy-mm-dd>` (the FinOps channel's) and `DAY#<yyyy-mm-dd>#TEAM#<team>`
 *   (the owning team's, for a throughput carrying the team tag): the daily posts, one
 *   `slot` each (`idlePostSlot`). The scan claims each with a
 *   conditional write (`state: sending`) BEFORE sending, marks it `sent` only after the
 *   chat platform accepted the message, and deletes the claim if delivery failed so a later
 *   run may retry. Two concurrent runs therefore post at most once, and an unsent message
 *   is never recorded as sent. A claim left `sending` by a crashed run may be taken over
 *   after `STALE_CLAIM_MS`.
 * Both expire through the table's TTL (`expiresAt`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { claimOnce, markSent, readClaim, release } from '../store/claim.js';
import { type Store, ttlAfter } from '../store/store.js';

/** A claim older than this, still `sending`, belongs to a run that died mid-send. */
export const STALE_CLAIM_MS = 15 * 60_000;
/** Day items are kept a week (enough to prove "already sent today"). */
const DAY_ITEM_TTL_S = 8 * 86_400;

/** The post of `day` for the FinOps channel, or for the owning `team`'s channel. */
export function idlePostSlot(day: string, team?: string): string {
  return team ? `${day}#TEAM#${team}` : day;
}

/** The partition key of one throughput's items. */
export function idleKey(arn: string): string {
  return `IDLE#${createHash('sha256').update(arn).digest('hex').slice(0, 32)}`;
}

/** One snooze, as kept in the throughput's history. */
export interface SnoozeEntry {
  by: string;
  at: string;
  until: string;
}

/** A throughput's snooze: until when, by whom last, and every snooze before. */
export interface Snooze {
  until: string;
  by: string;
  history: SnoozeEntry[];
}

/** How long a snooze's history is kept after it ends (about a year of renewals). */
const SNOOZE_HISTORY_TTL_S = 400 * 86_400;

/**
 * Snooze a throughput's daily idle message until `until` (the `idle_snooze` button:
 * value = the throughput ARN, until = now + 7 days). A later snooze moves `until` and is
 * added to the history: who snoozed, when, and until when, every time. Returns the
 * snooze as it was before (undefined when there was none).
 *
 * @example
 * await snoozeThroughput(deps.store, action.value, new Date(now.getTime() + 7 * 86_400_000), 'U0123', now);
 */
export async function snoozeThroughput(
  store: Store,
  arn: string,
  until: Date,
  by: string,
  now: Date = new Date(),
): Promise<Snooze | undefined> {
  const entry: SnoozeEntry = { by, at: now.toISOString(), until: until.toISOString() };
  const old = await store.write(
    {
      key: { pk: idleKey(arn), sk: 'SNOOZE' },
      update:
        'SET arn = :arn, #until = :until, #by = :by, history = list_append(if_not_exists(history, :none), :entry), expiresAt = :ttl',
      names: { '#until': 'until', '#by': 'by' },
      values: {
        ':arn': arn,
        ':until': entry.until,
        ':by': by,
        ':none': [],
        ':entry': [entry],
        ':ttl': ttlAfter(until, SNOOZE_HISTORY_TTL_S),
      },
    },
    { returnItem: 'old' },
  );
  return old ? snoozeOf(old) : undefined;
}

function snoozeOf(item: Record<string, unknown>): Snooze {
  const history = Array.isArray(item.history) ? (item.history as SnoozeEntry[]) : [];
  return { until: String(item.until ?? ''), by: String(item.by ?? ''), history };
}

/** A throughput's snooze item (history included), or undefined. */
export async function getSnooze(store: Store, arn: string): Promise<Snooze | undefined> {
  const item = await store.get({ pk: idleKey(arn), sk: 'SNOOZE' }, { consistent: true });
  return item ? snoozeOf(item) : undefined;
}

/**
 * The team that owns a throughput (its team tag), as the idle scan recorded it on its
 * daily posts of the last week; undefined when it carries no team tag (or was not posted).
 */
export async function throughputTeam(store: Store, arn: string): Promise<string | undefined> {
  const items = await store.query({
    pk: idleKey(arn),
    sk: { beginsWith: 'DAY#' },
    descending: true,
    limit: 20,
    consistent: true,
  });
  const found = items.find((item) => typeof item.team === 'string' && item.team);
  return found ? String(found.team) : undefined;
}

/** ARN -> snoozed-until (ISO) for the throughputs snoozed at `now`. */
export async function snoozedThroughputs(
  store: Store,
  arns: string[],
  now: Date,
): Promise<Map<string, string>> {
  const byKey = new Map(arns.map((arn) => [idleKey(arn), arn]));
  const snoozed = new Map<string, string>();
  const keys = [...byKey.keys()].map((pk) => ({ pk, sk: 'SNOOZE' }));
  for (const item of await store.getMany(keys)) {
    const arn = byKey.get(String(item.pk));
    if (arn && typeof item.until === 'string' && Date.parse(item.until) > now.getTime())
      snoozed.set(arn, item.until);
  }
  return snoozed;
}

export type ClaimOutcome = 'claimed' | 'already-sent' | 'in-flight';

/** Claim today's post (`slot`, see `idlePostSlot`) for a throughput; only the winner sends. */
export async function claimIdlePost(
  store: Store,
  arn: string,
  slot: string,
  now: Date,
  /** The throughput's team (its tag), kept on the item: who may snooze it. */
  team?: string,
): Promise<ClaimOutcome> {
  const key = { pk: idleKey(arn), sk: `DAY#${slot}` };
  // `claimId = :id` in both conditions: this very request, retried by the SDK after DynamoDB
  // applied it but its answer was lost, is still this caller's claim.
  const claimId = randomUUID();
  const fresh = await claimOnce(store, {
    key,
    put: {
      arn,
      ...(team ? { team } : {}),
      state: 'sending',
      claimId,
      claimedAt: now.toISOString(),
      expiresAt: ttlAfter(now, DAY_ITEM_TTL_S),
    },
    condition: 'attribute_not_exists(pk) OR (#state = :sending AND claimId = :id)',
    names: { '#state': 'state' },
    values: { ':sending': 'sending', ':id': claimId },
  });
  if (fresh.claimed) return 'claimed';
  // Someone holds it. Take it over only if it is a stale `sending` claim.
  const takeover = await claimOnce(store, {
    key,
    update: 'SET claimedAt = :now, claimId = :id',
    condition: '#state = :sending AND (claimedAt < :stale OR claimId = :id)',
    names: { '#state': 'state' },
    values: {
      ':id': claimId,
      ':now': now.toISOString(),
      ':sending': 'sending',
      ':stale': new Date(now.getTime() - STALE_CLAIM_MS).toISOString(),
    },
  });
  if (takeover.claimed) return 'claimed';
  return (await readClaim(store, key))?.state === 'sent' ? 'already-sent' : 'in-flight';
}

/** Record a delivered post (only after the platform accepted it). */
export async function markIdlePostSent(
  store: Store,
  arn: string,
  slot: string,
  now: Date,
  ts?: string,
): Promise<void> {
  await markSent(store, {
    key: { pk: idleKey(arn), sk: `DAY#${slot}` },
    update: 'SET #state = :sent, sentAt = :now' + (ts ? ', ts = :ts' : ''),
    names: { '#state': 'state' },
    values: { ':sent': 'sent', ':now': now.toISOString(), ...(ts ? { ':ts': ts } : {}) },
  });
}

/** Give a claim back after a failed delivery, so a later run can try again. */
export async function releaseIdlePost(store: Store, arn: string, slot: string): Promise<void> {
  await release(store, {
    key: { pk: idleKey(arn), sk: `DAY#${slot}` },
    remove: true,
    condition: '#state = :sending',
    names: { '#state': 'state' },
    values: { ':sending': 'sending' },
  });
}

/**
 * The command worker's lease on a job, so that an answer is neither lost nor posted twice
 * when Lambda runs the same asynchronous event again:
 *
 * - Lambda retries an invocation that failed (threw, timed out, ran out of memory), and may
 *   deliver one event twice. A plain "seen" marker made the retry of a worker that died a
 *   duplicate: nothing was posted, nothing reached the failure queue.
 * - So the worker *leases* `WORKER#<job id>` / `LEASE` for `WORKER_LEASE_MS` and renews it
 *   while it runs (`heartbeat`). A second copy that finds a live lease leaves the job to its
 *   holder; a retry that finds the lease expired (its holder is dead: no renewal) or given
 *   back (`failed`) takes it over and answers. A `done` job is never run again.
 *
 * Lambda waits about a minute before its first retry of an asynchronous event, well past
 * the lease of a holder that died, so the retry finds it expired.
 */
import { randomUUID } from 'node:crypto';
import { claimOnce, markSent, release } from '../store/claim.js';
import { type Store, ttlAfter } from '../store/store.js';

/** How long a lease lasts without renewal. */
export const WORKER_LEASE_MS = 30_000;

/** How often a running worker renews its lease. */
export const WORKER_HEARTBEAT_MS = 10_000;

/** Lease items are kept a day (the job's Slack `response_url` is valid 30 minutes). */
const LEASE_TTL_SECONDS = 86_400;

export function workerLeaseKey(jobId: string): { pk: string; sk: string } {
  return { pk: `WORKER#${jobId}`, sk: 'LEASE' };
}

export interface WorkerLease {
  /** This attempt's holder ID. */
  holder: string;
  /** How many attempts took the job so far (1 for the first). */
  attempt: number;
  /** Renew the lease (while the job runs). Resolves false when another holder took it over. */
  renew(): Promise<boolean>;
  /** The answer is posted (or there was none to post): the job is finished for good. */
  finish(outcome: string, note?: string): Promise<void>;
  /** Give the job back (the answer could not be posted): a Lambda retry takes it at once. */
  release(reason: string): Promise<void>;
}

/** The lease held by `holder`: what its methods need. */
interface HeldLease {
  store: Store;
  key: { pk: string; sk: string };
  holder: string;
  now: () => Date;
  leaseMs: number;
}

/** Claiming again what this holder holds: false once another holder took it over. */
async function renewLease(l: HeldLease): Promise<boolean> {
  const renewed = await claimOnce(l.store, {
    key: l.key,
    update: 'SET leaseUntil = :until',
    condition: 'holder = :holder AND #state = :running',
    names: { '#state': 'state' },
    values: { ':holder': l.holder, ':running': 'running', ':until': l.now().getTime() + l.leaseMs },
  });
  return renewed.claimed;
}

/**
 * The answer is out: retried hard (as every delivery record), conditional on still holding
 * the job so a takeover's own record stands.
 */
async function finishLease(l: HeldLease, outcome: string, note?: string): Promise<void> {
  await markSent(l.store, {
    key: l.key,
    update: 'SET #state = :done, outcome = :outcome, finishedAt = :at, note = :note REMOVE leaseUntil',
    condition: 'holder = :holder',
    names: { '#state': 'state' },
    values: {
      ':holder': l.holder,
      ':done': 'done',
      ':outcome': outcome,
      ':at': l.now().toISOString(),
      ':note': note?.slice(0, 300) ?? null,
    },
  });
}

/** Give the job back: a Lambda retry takes it at once. */
async function releaseLease(l: HeldLease, reason: string): Promise<void> {
  await release(l.store, {
    key: l.key,
    update: 'SET #state = :failed, lastError = :reason REMOVE leaseUntil',
    condition: 'holder = :holder AND #state = :running',
    names: { '#state': 'state' },
    values: {
      ':holder': l.holder,
      ':running': 'running',
      ':failed': 'failed',
      ':reason': reason.slice(0, 300),
    },
  });
}

/**
 * Take the job's lease, or `undefined` when another attempt holds a live lease or the job
 * is done.
 *
 * @example
 * const lease = await takeWorkerLease(deps.store, job.id, () => deps.clock.now());
 * if (!lease) return 'duplicate';
 */
export async function takeWorkerLease(
  store: Store,
  jobId: string,
  now: () => Date,
  leaseMs = WORKER_LEASE_MS,
): Promise<WorkerLease | undefined> {
  const holder = randomUUID();
  const key = workerLeaseKey(jobId);
  const at = now();
  const claim = await claimOnce(
    store,
    {
      key,
      update:
        'SET #state = :running, holder = :holder, leaseUntil = :until, takenAt = :at, expiresAt = :ttl ADD attempts :one',
      // `holder = :holder`: this very request, retried by the SDK after DynamoDB applied it.
      condition:
        'attribute_not_exists(pk) OR holder = :holder OR #state = :failed OR (#state = :running AND leaseUntil <= :now)',
      names: { '#state': 'state' },
      values: {
        ':running': 'running',
        ':failed': 'failed',
        ':holder': holder,
        ':until': at.getTime() + leaseMs,
        ':now': at.getTime(),
        ':at': at.toISOString(),
        ':ttl': ttlAfter(at, LEASE_TTL_SECONDS),
        ':one': 1,
      },
    },
    { returnItem: true },
  );
  if (!claim.claimed) return undefined;
  const held: HeldLease = { store, key, holder, now, leaseMs };
  return {
    holder,
    attempt: Number(claim.item?.attempts ?? 1),
    renew: () => renewLease(held),
    finish: (outcome, note) => finishLease(held, outcome, note),
    release: (reason) => releaseLease(held, reason),
  };
}

/**
 * Renew `lease` every `everyMs` until the returned stop function is called. A renewal that
 * fails is left to the next tick (the lease outlives two missed renewals).
 */
export function heartbeat(
  lease: WorkerLease,
  onError: (error: unknown) => void,
  everyMs = WORKER_HEARTBEAT_MS,
): () => void {
  const timer = setInterval(() => {
    lease.renew().catch(onError);
  }, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

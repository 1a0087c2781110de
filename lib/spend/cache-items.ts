/**
 * Cached JSON values in the table (`CACHE#<hash of the request>` / `V1`): gzipped and, past
 * DynamoDB's 400 KB item limit, split over several items of the same partition.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { Log } from '../log.js';
import type { CostRow } from '../ports.js';
import type { Store } from '../store/store.js';

/** How long a stale answer is kept for throttling fallback after it stops being fresh. */
export const KEEP_STALE_SECONDS = 14 * 86_400;
/** Item payload limit, below DynamoDB's 400 KB with room for the other attributes. */
const CHUNK_BYTES = 350_000;

/** Serialisable form of a cached answer. */
export type Payload =
  | { op: 'usage'; rows: [string, string, string[], string, string, number][]; requests: number }
  | { op: 'services'; services: string[] }
  | { op: 'forecast'; forecast: { total: string; low?: string; high?: string } | null };

export interface Entry {
  payload: Payload;
  fetchedAt: Date;
  fresh: boolean;
  /**
   * The source's own rows, on a miss: the caller gets them as they came instead of
   * parsing the payload's strings back into decimals (an alert run's month-to-date answer
   * at 10,000 teams is 340,000 rows, two decimals each).
   */
  rows?: CostRow[];
}

/** gzip on libuv's thread pool: a multi-megabyte answer compresses while the job goes on. */
const gzipAsync = promisify(gzip);

/** A cached JSON value as read back from the table. */
export interface CacheItem {
  value: unknown;
  /** When the source produced the value. */
  fetchedAt: Date;
  /** Epoch milliseconds until which the value counts as fresh. */
  freshUntil: number;
}

/**
 * Read the value stored under `CACHE#<key>` / `V1` (gzipped, possibly in several parts).
 * `undefined` when absent, past its TTL (`expiresAt`), incomplete or unreadable; DynamoDB
 * errors are thrown for the caller to fall back on the live source.
 */
export async function readCacheItem(
  store: Store,
  key: string,
  now: Date,
  log: Log,
): Promise<CacheItem | undefined> {
  const item = await store.get({ pk: `CACHE#${key}`, sk: 'V1' });
  if (!item) return undefined;
  if (Number(item.expiresAt ?? 0) * 1000 < now.getTime()) return undefined;
  let bytes = Buffer.from(item.payload as Uint8Array);
  const parts = Number(item.parts ?? 1);
  if (parts > 1) {
    const rest = await store.query({ pk: `CACHE#${key}`, sk: { beginsWith: 'V1#' } });
    const chunks = rest
      .filter((i) => i.fetchedAt === item.fetchedAt)
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    if (chunks.length !== parts - 1) return undefined;
    bytes = Buffer.concat([bytes, ...chunks.map((c) => Buffer.from(c.payload as Uint8Array))]);
  }
  try {
    return {
      value: JSON.parse(gunzipSync(bytes).toString('utf8')) as unknown,
      fetchedAt: new Date(String(item.fetchedAt)),
      freshUntil: Number(item.freshUntil ?? 0),
    };
  } catch (error) {
    log.warn('unreadable cache entry ignored', error);
    return undefined;
  }
}

/**
 * Store a JSON value under `CACHE#<key>` / `V1`, gzipped and, past DynamoDB's 400 KB item
 * limit, split over `V1#0001`... items of the same partition. Throws on DynamoDB errors.
 */
export async function writeCacheItem(
  store: Store,
  key: string,
  value: unknown,
  meta: { fetchedAt: Date; freshUntil: number; expiresAt: number; op: string },
): Promise<void> {
  const bytes = await gzipAsync(Buffer.from(JSON.stringify(value), 'utf8'));
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytes.subarray(i, i + CHUNK_BYTES));
  if (!chunks.length) chunks.push(Buffer.alloc(0));
  const fetchedAt = meta.fetchedAt.toISOString();
  // Parts first (together), head last: a reader never sees a head whose parts are missing.
  await Promise.all(
    chunks.slice(1).map((chunk, k) =>
      store.write({
        key: { pk: `CACHE#${key}`, sk: `V1#${String(k + 1).padStart(4, '0')}` },
        put: { payload: chunk, fetchedAt, expiresAt: meta.expiresAt },
      }),
    ),
  );
  await store.write({
    key: { pk: `CACHE#${key}`, sk: 'V1' },
    put: {
      payload: chunks[0],
      parts: chunks.length,
      fetchedAt,
      freshUntil: meta.freshUntil,
      expiresAt: meta.expiresAt,
      op: meta.op,
    },
  });
}

/** Cache key: a hash of the account kind, the operation and the request. */
export function hashOf(namespace: string, op: string, request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, namespace, op, request }))
    .digest('hex')
    .slice(0, 40);
}

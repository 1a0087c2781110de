/**
 * The ledger in the one DynamoDB table.
 *
 * - One partition per month, `LEDGER#<yyyy-mm>`; per day a header item `DAY#<date>` holding
 *   the day's facts (columnar, gzipped) and, for a large day (10,000 teams), the number of
 *   extra chunks `DAY#<date>#<gen>#<k>` written before it. A day is replaced whole: chunks of
 *   a new generation first, the header last, so a sync that dies half-way leaves the previous
 *   day in place (readers only take chunks of the header's generation), never a half-day.
 * - `LEDGER` / `META`: what is synced (`from`..`through`), when, the services found, the open
 *   window (days the bill may still change), and the last syncs' request counts.
 * - `LEDGER` / `NOWCAST#<date>`: each day's nowcast total, kept to reconcile with the bill.
 * - `LEDGER` / `NOWCAST-TODAY`: today's nowcast per team as the alert runs last read it (their
 *   cadence: `lib/budgets/nowcast-cadence.ts`).
 *
 * Reading a month of a 10,000-team account is a handful of items (one per day, a few MB
 * compressed); decoded days are kept in process by generation, so a warm Lambda re-reads
 * only what changed.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, startOfNextMonth } from '../clock.js';
import type { Store } from '../store/store.js';
import { type BillFact, type FactState, StoredFact } from './facts.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Payload per item, well below DynamoDB's 400 KB item limit. */
const CHUNK_BYTES = 300_000;

export interface SyncRecord {
  at: string;
  /** Which trigger: the schedule, a chat question that needed an unsynced range, the CLI. */
  trigger: 'schedule' | 'chat' | 'cli' | 'demo';
  ranges: { start: string; end: string }[];
  requests: number;
  /** True when this sync read the open window (what the sync interval is sized on). */
  openRead?: boolean;
  daysWritten: number;
  daysUnchanged: number;
  error?: string;
  /** CUR through Athena: bytes the sync's queries scanned (what Athena bills). */
  bytesScanned?: number;
  /** CUR: the team attribution rules applied (and those the export could not). */
  rules?: string;
  /** CUR: why the open window was not re-read (the export has not refreshed since). */
  skipped?: string;
}

export interface LedgerMeta {
  /** First synced day (inclusive). */
  from: string;
  /** End of the synced days (exclusive): the day after the last day read. */
  through: string;
  /** Earliest day the bill may still change (the first estimated day at the last read). */
  openFrom: string;
  /** When the open window was last read from the bill. */
  syncedAt: string;
  /** Bedrock-related services found in the bill, and when they were listed. */
  services: string[];
  servicesAt: string;
  /** The cost basis the facts carry (a change re-syncs). */
  metric: string;
  /** The bill source (`cost-explorer` or `cur`). */
  source: string;
  /** The last syncs, newest first (at most 20). */
  history: SyncRecord[];
  /** CUR: the latest usage hour in the export at the last read (its refresh status). */
  exportThrough?: string;
  /** Linked account ID -> name, where the source names accounts (CUR 2.0). */
  accountNames?: Record<string, string>;
}

export interface DayFacts {
  day: string;
  gen: string;
  hash: string;
  facts: BillFact[];
}

const monthPk = (day: string) => `LEDGER#${day.slice(0, 7)}`;
const META_KEY = { pk: 'LEDGER', sk: 'META' };

export async function readMeta(store: Store): Promise<LedgerMeta | undefined> {
  const out = await store.db.send(
    new GetCommand({ TableName: store.table, Key: META_KEY, ConsistentRead: true }),
  );
  return out.Item ? (out.Item.meta as LedgerMeta) : undefined;
}

export async function writeMeta(store: Store, meta: LedgerMeta): Promise<void> {
  await store.db.send(new PutCommand({ TableName: store.table, Item: { ...META_KEY, meta } }));
}

// --- encoding ----------------------------------------------------------------------------------

const STATES: FactState[] = ['final', 'provisional', 'nowcast'];

/** Columnar: string tables once per day, then one small tuple per fact. */
interface Encoded {
  s: string[];
  u: string[];
  t: string[];
  a: string[];
  g: string[];
  r: string[];
  /** [service, usageType, team, account, region, recordType, amount, quantity, state] */
  f: [number, number, number, number, number, number, string, string, number][];
}

function encode(facts: BillFact[]): Encoded {
  const tables = {
    s: new Map<string, number>(),
    u: new Map(),
    t: new Map(),
    a: new Map(),
    g: new Map(),
    r: new Map(),
  };
  const idx = (m: Map<string, number>, v: string) => {
    let i = m.get(v);
    if (i === undefined) {
      i = m.size;
      m.set(v, i);
    }
    return i;
  };
  const f: Encoded['f'] = facts.map((x) => [
    idx(tables.s, x.service),
    idx(tables.u, x.usageType),
    idx(tables.t, x.team),
    idx(tables.a, x.account),
    idx(tables.g, x.region),
    idx(tables.r, x.recordType),
    x.amount.toString(),
    x.quantity.toString(),
    STATES.indexOf(x.state),
  ]);
  const list = (m: Map<string, number>) => [...m.keys()];
  return {
    s: list(tables.s),
    u: list(tables.u),
    t: list(tables.t),
    a: list(tables.a),
    g: list(tables.g),
    r: list(tables.r),
    f,
  };
}

/** Stored facts keep their figures as text and exact integer parts (no `Dec` per fact until asked). */
function decode(day: string, e: Encoded): BillFact[] {
  return e.f.map(
    ([s, u, t, a, g, r, amount, quantity, state]) =>
      new StoredFact(
        day,
        e.s[s]!,
        e.u[u]!,
        e.t[t]!,
        e.a[a]!,
        e.g[g]!,
        e.r[r]!,
        amount,
        quantity,
        STATES[state] ?? 'final',
      ),
  );
}

/** A stable fingerprint of a day's facts (order-independent): unchanged days are not rewritten. */
export function hashFacts(facts: BillFact[]): string {
  const lines = facts
    .map((f) =>
      [
        f.service,
        f.usageType,
        f.team,
        f.account,
        f.region,
        f.recordType,
        f.amount.toString(),
        f.quantity.toString(),
        f.state,
      ].join('\u0001'),
    )
    .sort();
  // FNV-1a over the joined lines, twice with different seeds: 64 bits, enough to detect change.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x811c9dc5);
    }
    h1 = Math.imul(h1 ^ 10, 0x01000193);
  }
  return `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}:${lines.length}`;
}

// --- reading -----------------------------------------------------------------------------------

/**
 * Decoded days by `day@gen`, kept across questions in a warm process, bounded by the number
 * of facts held (a 10,000-team day is ~50,000 facts): the oldest-read days go first.
 */
const decoded = new Map<string, BillFact[]>();
let decodedFacts = 0;
const DECODED_FACTS_CAP = 100_000;

function remember(key: string, facts: BillFact[]): void {
  decoded.set(key, facts);
  decodedFacts += facts.length;
  while (decodedFacts > DECODED_FACTS_CAP && decoded.size > 1) {
    const [oldest, list] = decoded.entries().next().value as [string, BillFact[]];
    decoded.delete(oldest);
    decodedFacts -= list.length;
  }
}

/** The items of one month partition whose keys fall on the days `[start, end)`, every page followed. */
async function monthItems(
  store: Store,
  month: string,
  start: string,
  end: string,
  options: { headersOnly: boolean },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let key: Record<string, unknown> | undefined;
  do {
    const page = await store.db.send(
      new QueryCommand({
        TableName: store.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: {
          ':pk': monthPk(month),
          ':a': `DAY#${start}`,
          // Headers only: up to the last day's header; else its chunks (`DAY#<day>#<gen>#<k>`) too.
          ':b': `DAY#${addDays(end, -1)}${options.headersOnly ? '' : '#~'}`,
        },
        ...(options.headersOnly
          ? { ProjectionExpression: 'sk, gen, #h', ExpressionAttributeNames: { '#h': 'hash' } }
          : {}),
        ...(key ? { ExclusiveStartKey: key } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    key = page.LastEvaluatedKey;
  } while (key);
  return items;
}

function monthsOf(start: string, end: string): string[] {
  const months: string[] = [];
  for (let m = `${start.slice(0, 7)}-01`; m < end; m = startOfNextMonth(m)) months.push(m);
  return months;
}

/** The stored days' generations and fingerprints in `[start, end)`, without their facts. */
export async function readDayHeaders(
  store: Store,
  start: string,
  end: string,
): Promise<Map<string, { gen: string; hash: string }>> {
  const out = new Map<string, { gen: string; hash: string }>();
  for (const month of monthsOf(start, end)) {
    for (const item of await monthItems(store, month, start, end, { headersOnly: true })) {
      const day = String(item.sk).slice(4);
      if (/^\d{4}-\d{2}-\d{2}$/.test(day) && day >= start && day < end) {
        out.set(day, { gen: String(item.gen), hash: String(item.hash) });
      }
    }
  }
  return out;
}

/** Every stored day in `[start, end)`, whole (header generation only). Days never written are absent. */
export async function readDays(store: Store, start: string, end: string): Promise<Map<string, DayFacts>> {
  const out = new Map<string, DayFacts>();
  await Promise.all(
    monthsOf(start, end).map(async (month) => {
      const items = await monthItems(store, month, start, end, { headersOnly: false });
      const headers = items.filter((i) => /^DAY#\d{4}-\d{2}-\d{2}$/.test(String(i.sk)));
      for (const header of headers) {
        const day = String(header.sk).slice(4);
        if (day < start || day >= end) continue;
        const gen = String(header.gen);
        const cacheKey = `${day}@${gen}`;
        let facts = decoded.get(cacheKey);
        if (!facts) {
          const chunks = [header, ...items.filter((i) => String(i.sk).startsWith(`DAY#${day}#${gen}#`))];
          facts = [];
          for (const chunk of chunks) {
            if (!chunk.data) continue;
            const json = await gunzipAsync(chunk.data as Uint8Array);
            facts.push(...decode(day, JSON.parse(json.toString('utf8')) as Encoded));
          }
          remember(cacheKey, facts);
        }
        out.set(day, { day, gen, hash: String(header.hash), facts });
      }
    }),
  );
  return out;
}

// --- writing -----------------------------------------------------------------------------------

/** Split encoded facts into gzipped chunks under the item limit. */
async function chunksOf(facts: BillFact[]): Promise<Uint8Array[]> {
  let parts = 1;
  for (;;) {
    const size = Math.ceil(facts.length / parts) || 1;
    const out: Uint8Array[] = [];
    for (let i = 0; i < Math.max(facts.length, 1); i += size) {
      out.push(await gzipAsync(JSON.stringify(encode(facts.slice(i, i + size)))));
    }
    if (out.every((c) => c.byteLength <= CHUNK_BYTES) || size === 1) return out;
    parts *= 2;
  }
}

/**
 * Replace one day's facts, whole. Extra chunks of the new generation go first, the header
 * last (the switch); the old generation's chunks are deleted afterwards.
 */
export async function writeDay(
  store: Store,
  day: string,
  facts: BillFact[],
  previous?: { gen: string },
): Promise<void> {
  const gen = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const chunks = await chunksOf(facts);
  const pk = monthPk(day);
  for (let k = 1; k < chunks.length; k++) {
    await store.db.send(
      new PutCommand({ TableName: store.table, Item: { pk, sk: `DAY#${day}#${gen}#${k}`, data: chunks[k] } }),
    );
  }
  await store.db.send(
    new PutCommand({
      TableName: store.table,
      Item: {
        pk,
        sk: `DAY#${day}`,
        gen,
        hash: hashFacts(facts),
        count: facts.length,
        chunks: chunks.length,
        data: chunks[0],
      },
    }),
  );
  if (previous) await deleteChunks(store, day, previous.gen);
}

async function deleteChunks(store: Store, day: string, gen: string): Promise<void> {
  const page = await store.db.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': monthPk(day), ':p': `DAY#${day}#${gen}#` },
      ProjectionExpression: 'pk, sk',
    }),
  );
  const keys = (page.Items ?? []).map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } }));
  for (let i = 0; i < keys.length; i += 25) {
    await store.db.send(new BatchWriteCommand({ RequestItems: { [store.table]: keys.slice(i, i + 25) } }));
  }
}

// --- nowcast reconciliation --------------------------------------------------------------------

export interface NowcastRecord {
  day: string;
  /** The nowcast's total for the day (tokens x catalog), as last estimated. */
  nowcastUsd: string;
  at: string;
  /** The bill's total for the same day and scope, once it landed. */
  billUsd?: string;
  billAt?: string;
}

export async function writeNowcast(store: Store, record: NowcastRecord): Promise<void> {
  await store.db.send(
    new PutCommand({ TableName: store.table, Item: { pk: 'LEDGER', sk: `NOWCAST#${record.day}`, record } }),
  );
}

export async function readNowcasts(store: Store, start: string, end: string): Promise<NowcastRecord[]> {
  const page = await store.db.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: {
        ':pk': 'LEDGER',
        ':a': `NOWCAST#${start}`,
        ':b': `NOWCAST#${addDays(end, -1)}`,
      },
    }),
  );
  return (page.Items ?? []).map((i) => i.record as NowcastRecord);
}

// --- today's nowcast per team (the alert runs' cadence) ----------------------------------------

/** Today's nowcast per team as last read, and when (`LEDGER` / `NOWCAST-TODAY`). */
export interface TodayNowcast {
  /** UTC day the estimates are for. */
  day: string;
  /** team -> estimate (decimal string) and when it was read (ISO instant). */
  teams: Record<string, { usd: string; at: string }>;
}

/** One item, gzipped: 10,000 teams are ~400 KB of JSON, ~60 KB compressed. */
export async function readTodayNowcast(store: Store): Promise<TodayNowcast | undefined> {
  const out = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: 'LEDGER', sk: 'NOWCAST-TODAY' } }),
  );
  const data = out.Item?.data as Uint8Array | undefined;
  if (!data) return undefined;
  return JSON.parse((await gunzipAsync(data)).toString('utf8')) as TodayNowcast;
}

/** Written whole; a state too large for one item is not kept (every team is then read each run). */
export async function writeTodayNowcast(store: Store, state: TodayNowcast): Promise<boolean> {
  const data = await gzipAsync(JSON.stringify(state));
  if (data.byteLength > CHUNK_BYTES) return false;
  await store.db.send(
    new PutCommand({ TableName: store.table, Item: { pk: 'LEDGER', sk: 'NOWCAST-TODAY', data } }),
  );
  return true;
}

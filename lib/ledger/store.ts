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
import { addDays, startOfNextMonth } from '../clock.js';
import { splitDecimal } from '../exact-sum.js';
import type { ItemKey, Store } from '../store/store.js';
import {
  BlockBuilder,
  type BlockIndices,
  type BlockTables,
  FactBlock,
  STATES,
  STRING_COLUMNS,
  type StringColumn,
} from './block.js';
import type { BillFact } from './fact.js';

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
  /** The most facts one day has had (how large a piece of a range a sync reads at once). */
  factsPerDay?: number;
}

export interface DayFacts {
  day: string;
  gen: string;
  hash: string;
  /** The day's facts in columns (what the engine reads). */
  blocks: FactBlock[];
  /** The same facts as objects (built on each access: for comparisons and tests). */
  readonly facts: BillFact[];
}

const monthPk = (day: string) => `LEDGER#${day.slice(0, 7)}`;
const META_KEY = { pk: 'LEDGER', sk: 'META' };

export async function readMeta(store: Store): Promise<LedgerMeta | undefined> {
  const item = await store.get(META_KEY, { consistent: true });
  return item ? (item.meta as LedgerMeta) : undefined;
}

export async function writeMeta(store: Store, meta: LedgerMeta): Promise<void> {
  await store.write({ key: META_KEY, put: { meta } });
}

// --- encoding ----------------------------------------------------------------------------------

/**
 * Day items, version 2 (gzipped): `BCL2`, a u32 header length, the header (JSON: fact count,
 * the string tables, each index column's width), then each index column (u16 or u32, little
 * endian), the states (one byte each), and the amounts then the quantities as decimal text,
 * comma-separated. Decoding is a typed-array copy per column and one character loop over
 * the figures (`FactBlock`): no JSON per fact. Version 1 items (a JSON tuple per fact,
 * written before 2026-12-05) are still read.
 */
const MAGIC = 'BCL2';

interface HeaderV2 {
  n: number;
  tables: BlockTables;
  widths: Record<StringColumn, 2 | 4>;
}

function encode(facts: BillFact[]): Buffer {
  const block = FactBlock.of(facts);
  const widths = {} as HeaderV2['widths'];
  const parts: Buffer[] = [];
  for (const col of STRING_COLUMNS) {
    const wide = block.tables[col].length > 0xffff;
    widths[col] = wide ? 4 : 2;
    const values = block.columns[col];
    const typed = wide ? Uint32Array.from(values) : Uint16Array.from(values);
    parts.push(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength));
  }
  parts.push(Buffer.from(block.state));
  const amounts: string[] = [];
  const quantities: string[] = [];
  for (let i = 0; i < block.n; i++) {
    amounts.push(block.amountText(i));
    quantities.push(block.quantityText(i));
  }
  parts.push(Buffer.from(`${amounts.join(',')};${quantities.join(',')}`, 'latin1'));
  const header = Buffer.from(JSON.stringify({ n: block.n, tables: block.tables, widths } satisfies HeaderV2));
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.byteLength, 4);
  return Buffer.concat([prefix, header, ...parts]);
}

function decode(day: string, raw: Buffer): FactBlock {
  if (raw.toString('latin1', 0, 4) !== MAGIC)
    return decodeV1(day, JSON.parse(raw.toString('utf8')) as EncodedV1);
  const headerLength = raw.readUInt32LE(4);
  const header = JSON.parse(raw.toString('utf8', 8, 8 + headerLength)) as HeaderV2;
  const { n } = header;
  let at = 8 + headerLength;
  const columns = {} as BlockIndices;
  for (const col of STRING_COLUMNS) {
    const width = header.widths[col];
    // A copy: the gunzipped buffer's offset need not be aligned for a typed-array view.
    const bytes = raw.buffer.slice(raw.byteOffset + at, raw.byteOffset + at + n * width);
    columns[col] = width === 4 ? new Uint32Array(bytes) : new Uint16Array(bytes);
    at += n * width;
  }
  const state = new Uint8Array(raw.buffer.slice(raw.byteOffset + at, raw.byteOffset + at + n));
  at += n;
  const figures = raw.toString('latin1', at);
  const block = new FactBlock(
    n,
    header.tables,
    columns,
    state,
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Map(),
  );
  const split = figures.indexOf(';');
  readFigures(figures, 0, split, n, block.ai, block.af, block.texts, 0);
  readFigures(figures, split + 1, figures.length, n, block.qi, block.qf, block.texts, 1);
  return block;
}

/**
 * Parse `n` comma-separated decimals of `text[from, to)` into parts, in place (`splitDecimal`
 * on each figure's span, without a substring per figure); figures that do not fit keep
 * their text (`texts`, key `2i + which`).
 */
function readFigures(
  text: string,
  from: number,
  to: number,
  n: number,
  whole: Float64Array,
  fraction: Float64Array,
  texts: Map<number, string>,
  which: 0 | 1,
): void {
  let k = from;
  for (let i = 0; i < n; i++) {
    let end = text.indexOf(',', k);
    if (end < 0 || end > to) end = to;
    const parts = splitDecimal(text, k, end);
    if (parts) {
      whole[i] = parts[0];
      fraction[i] = parts[1];
    } else {
      whole[i] = Number.NaN;
      fraction[i] = 0;
      texts.set(2 * i + which, text.slice(k, end));
    }
    k = end + 1;
  }
}

/** Version 1: string tables once per day, then one tuple per fact. */
interface EncodedV1 {
  s: string[];
  u: string[];
  t: string[];
  a: string[];
  g: string[];
  r: string[];
  /** [service, usageType, team, account, region, recordType, amount, quantity, state] */
  f: [number, number, number, number, number, number, string, string, number][];
}

function decodeV1(day: string, e: EncodedV1): FactBlock {
  const builder = new BlockBuilder(e.f.length);
  for (const [s, u, t, a, g, r, amount, quantity, state] of e.f) {
    builder.push(
      [day, e.s[s]!, e.u[u]!, e.t[t]!, e.a[a]!, e.g[g]!, e.r[r]!],
      amount,
      quantity,
      STATES[state] ?? 'final',
    );
  }
  return builder.build();
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
 * Decoded days by `day@gen`, kept across questions in a warm process, bounded by the bytes
 * their columns hold (a 10,000-team day is ~40,000 facts, ~1.9 MB): the oldest-read days go
 * first. 96 MB keeps two months of such days, a `why 30d` and its comparison period, in a
 * 1 GB worker.
 */
const decoded = new Map<string, FactBlock[]>();
let decodedBytes = 0;
const DECODED_BYTES_CAP = 96 * 1024 * 1024;

/** Forget every decoded day (the bench times a cold read with it). */
export function clearDecodedDays(): void {
  decoded.clear();
  decodedBytes = 0;
}

const bytesOf = (blocks: FactBlock[]) => blocks.reduce((n, b) => n + b.bytes, 0);

function remember(key: string, blocks: FactBlock[]): void {
  decoded.set(key, blocks);
  decodedBytes += bytesOf(blocks);
  while (decodedBytes > DECODED_BYTES_CAP && decoded.size > 1) {
    const [oldest, list] = decoded.entries().next().value as [string, FactBlock[]];
    decoded.delete(oldest);
    decodedBytes -= bytesOf(list);
  }
}

/**
 * The items of one month partition whose keys fall on the days `[start, end)`, every page
 * followed: the day headers (`DAY#<day>`; `whole` adds the first layout's chunks
 * `DAY#<day>#<gen>#<k>`), or the data chunks (`DATA#<day>#<gen>#<k>`).
 */
async function monthItems(
  store: Store,
  month: string,
  start: string,
  end: string,
  what: 'headers' | 'whole' | 'data',
): Promise<Record<string, unknown>[]> {
  const prefix = what === 'data' ? 'DATA#' : 'DAY#';
  return store.query({
    pk: monthPk(month),
    sk: { between: [`${prefix}${start}`, `${prefix}${addDays(end, -1)}${what === 'headers' ? '' : '#~'}`] },
    // A first-layout header holds its first chunk: leave it out of a headers read.
    ...(what === 'headers' ? { attributes: ['sk', 'gen', 'hash', 'chunks', 'layout'] } : {}),
  });
}

function monthsOf(start: string, end: string): string[] {
  const months: string[] = [];
  for (let m = `${start.slice(0, 7)}-01`; m < end; m = startOfNextMonth(m)) months.push(m);
  return months;
}

/** A stored day's header: its generation, fingerprint and layout. */
interface DayHeader {
  gen: string;
  hash: string;
  /** How many data chunks the day has. */
  chunks?: number;
  /** `split`: the data is in `DATA#` chunks; else the first layout (the header holds chunk 0). */
  layout?: string;
}

/** The stored days' generations and fingerprints in `[start, end)`, without their facts. */
export async function readDayHeaders(
  store: Store,
  start: string,
  end: string,
): Promise<Map<string, DayHeader>> {
  const out = new Map<string, DayHeader>();
  for (const month of monthsOf(start, end)) {
    for (const item of await monthItems(store, month, start, end, 'headers')) {
      const day = String(item.sk).slice(4);
      if (/^\d{4}-\d{2}-\d{2}$/.test(day) && day >= start && day < end) {
        out.set(day, {
          gen: String(item.gen),
          hash: String(item.hash),
          ...(typeof item.chunks === 'number' ? { chunks: item.chunks } : {}),
          ...(item.layout ? { layout: String(item.layout) } : {}),
        });
      }
    }
  }
  return out;
}

/**
 * Every stored day in `[start, end)`, whole (header generation only). Days never written are
 * absent. The day headers are read first (a few bytes each); only days whose generation is
 * not decoded in this process are then read whole, so a warm process asking again reads
 * kilobytes, not the megabytes of a 10,000-team month.
 */
export async function readDays(
  store: Store,
  start: string,
  end: string,
  attempt = 0,
): Promise<Map<string, DayFacts>> {
  const out = new Map<string, DayFacts>();
  const headers = await readDayHeaders(store, start, end);
  const missing: string[] = [];
  for (const [day, { gen, hash }] of headers) {
    const blocks = decoded.get(`${day}@${gen}`);
    if (blocks) out.set(day, dayFacts(day, gen, hash, blocks));
    else missing.push(day);
  }
  if (!missing.length) return out;
  missing.sort();
  const rewritten: string[] = [];
  const from = missing[0]!;
  const to = addDays(missing[missing.length - 1]!, 1);
  await Promise.all(
    monthsOf(from, to).map(async (month) => {
      // A day rewritten since its header was read: its new generation's data is read next time.
      const data = missing.some((d) => headers.get(d)?.layout === 'split')
        ? await monthItems(store, month, from, to, 'data')
        : [];
      const whole = missing.some((d) => headers.get(d)?.layout !== 'split')
        ? await monthItems(store, month, from, to, 'whole')
        : [];
      for (const day of missing) {
        if (day.slice(0, 7) !== month.slice(0, 7)) continue;
        const header = headers.get(day)!;
        const chunks =
          header.layout === 'split'
            ? data.filter((i) => String(i.sk).startsWith(`DATA#${day}#${header.gen}#`))
            : whole.filter(
                (i) => i.sk === `DAY#${day}` || String(i.sk).startsWith(`DAY#${day}#${header.gen}#`),
              );
        const blocks = await decodeChunks(day, chunks, header.chunks);
        if (!blocks) {
          rewritten.push(day);
          continue;
        }
        remember(`${day}@${header.gen}`, blocks);
        out.set(day, dayFacts(day, header.gen, header.hash, blocks));
      }
    }),
  );
  // A day rewritten between its header and its data (a sync switched it): read it again.
  if (rewritten.length && attempt < 3) {
    for (const day of rewritten) {
      const again = await readDays(store, day, addDays(day, 1), attempt + 1);
      const read = again.get(day);
      if (read) out.set(day, read);
    }
  }
  return out;
}

/**
 * A day's blocks from its chunks, in order; undefined when a chunk is missing (the day was
 * rewritten between reading its header and its data: the caller leaves it out this time).
 */
async function decodeChunks(
  day: string,
  items: Record<string, unknown>[],
  expected: number | undefined,
): Promise<FactBlock[] | undefined> {
  const chunks = items.filter((i) => i.data);
  if (expected !== undefined && chunks.length !== expected) return undefined;
  const blocks: FactBlock[] = [];
  for (const chunk of chunks) blocks.push(decode(day, await gunzipAsync(chunk.data as Uint8Array)));
  return blocks;
}

function dayFacts(day: string, gen: string, hash: string, blocks: FactBlock[]): DayFacts {
  return {
    day,
    gen,
    hash,
    blocks,
    get facts() {
      return blocks.flatMap((b) => b.facts());
    },
  };
}

// --- writing -----------------------------------------------------------------------------------

/** Split encoded facts into gzipped chunks under the item limit. */
async function chunksOf(facts: BillFact[]): Promise<Uint8Array[]> {
  let parts = 1;
  for (;;) {
    const size = Math.ceil(facts.length / parts) || 1;
    const out: Uint8Array[] = [];
    for (let i = 0; i < Math.max(facts.length, 1); i += size) {
      out.push(await gzipAsync(encode(facts.slice(i, i + size))));
    }
    if (out.every((c) => c.byteLength <= CHUNK_BYTES) || size === 1) return out;
    parts *= 2;
  }
}

/**
 * Replace one day's facts, whole. Extra chunks of the new generation go first, the header
 * last (the switch); the old generation's chunks are deleted afterwards, best effort: once
 * the header is written the day is replaced, so a failed clean-up is given to `onLeftover`
 * (the sync logs it) rather than failing the sync; the orphaned chunks are never read.
 */
export async function writeDay(
  store: Store,
  day: string,
  facts: BillFact[],
  previous?: { gen: string },
  onLeftover: (error: unknown) => void = () => {},
): Promise<void> {
  const gen = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const chunks = await chunksOf(facts);
  const pk = monthPk(day);
  for (let k = 0; k < chunks.length; k++) {
    await store.write({ key: { pk, sk: `DATA#${day}#${gen}#${k}` }, put: { data: chunks[k] } });
  }
  // The header (a few bytes, apart from the data: reading headers costs almost nothing)
  // names the generation; written last, it is the switch.
  await store.write({
    key: { pk, sk: `DAY#${day}` },
    put: { gen, hash: hashFacts(facts), count: facts.length, chunks: chunks.length, layout: 'split' },
  });
  if (previous) await deleteChunks(store, day, previous.gen).catch(onLeftover);
}

/** A replaced generation's chunks, in either layout (`DATA#...`, or the first layout's `DAY#<day>#...`). */
async function deleteChunks(store: Store, day: string, gen: string): Promise<void> {
  const keys: ItemKey[] = [];
  for (const prefix of [`DATA#${day}#${gen}#`, `DAY#${day}#${gen}#`]) {
    const items = await store.query({
      pk: monthPk(day),
      sk: { beginsWith: prefix },
      attributes: ['pk', 'sk'],
    });
    for (const item of items) keys.push({ pk: String(item.pk), sk: String(item.sk) });
  }
  await store.removeMany(keys);
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
  await store.write({ key: { pk: 'LEDGER', sk: `NOWCAST#${record.day}` }, put: { record } });
}

export async function readNowcasts(store: Store, start: string, end: string): Promise<NowcastRecord[]> {
  const items = await store.query({
    pk: 'LEDGER',
    sk: { between: [`NOWCAST#${start}`, `NOWCAST#${addDays(end, -1)}`] },
  });
  return items.map((i) => i.record as NowcastRecord);
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
  const item = await store.get({ pk: 'LEDGER', sk: 'NOWCAST-TODAY' });
  const data = item?.data as Uint8Array | undefined;
  if (!data) return undefined;
  return JSON.parse((await gunzipAsync(data)).toString('utf8')) as TodayNowcast;
}

/** Written whole; a state too large for one item is not kept (every team is then read each run). */
export async function writeTodayNowcast(store: Store, state: TodayNowcast): Promise<boolean> {
  const data = await gzipAsync(JSON.stringify(state));
  if (data.byteLength > CHUNK_BYTES) return false;
  await store.write({ key: { pk: 'LEDGER', sk: 'NOWCAST-TODAY' }, put: { data } });
  return true;
}

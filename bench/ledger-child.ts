/**
 * The ledger bench in its own process (one per team count, so its heap and GC are its own):
 * fill the ledger from the synthetic account (`test/support/synthetic-budgets.ts`, answered by the
 * ledger's own query engine), then time `why 30d` and `spend mtd by team` read from it.
 * The table is served by the parent (dynalite); every DynamoDB call is metered here by item
 * size, as on-demand DynamoDB bills it (writes: 1 unit per KB of item; reads: 0.5 unit per
 * 4 KB returned, eventually consistent, 1 unit strongly consistent).
 *
 * Input (argv[2], JSON): `{ endpoint, table, teams, runs, now }`. Output (stdout, JSON): `LedgerFigures`.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClients } from '../lib/aws/dynamodb.js';
import { renderText } from '../lib/chat/text.js';
import { executeLine } from '../lib/commands/grammar.js';
import type { CommandContext } from '../lib/commands/types.js';
import { syncIfDue } from '../lib/ledger/job.js';
import { clearDecodedDays, readDays } from '../lib/ledger/store.js';
import { DynamoStore } from '../lib/store/dynamo.js';
import { TEST_CREDENTIALS } from '../test/support/aws-server.js';
import { testDeps } from '../test/support/deps.js';
import { syntheticBudgetAccount } from '../test/support/synthetic-budgets.js';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  endpoint: string;
  table: string;
  teams: number;
  runs: number;
  now: string;
};

/** Units and bytes metered so far. */
const meter = { rru: 0, wru: 0, bytesRead: 0, bytesWritten: 0, itemsWritten: 0, calls: 0 };
const snapshot = () => ({ ...meter });
const since = (s: typeof meter) =>
  Object.fromEntries(
    Object.entries(meter).map(([k, v]) => [k, v - s[k as keyof typeof meter]]),
  ) as typeof meter;

/** DynamoDB's item size: attribute names plus values (strings and binary by length, numbers ~ digits/2). */
function sizeOf(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + sizeOf(v), 0);
  if (typeof value === 'object')
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (n, [k, v]) => n + 1 + Buffer.byteLength(k) + sizeOf(v),
        0,
      )
    );
  return 1;
}
const itemSize = (item: Record<string, unknown>) =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + sizeOf(v), 0);

const { db } = createDynamoClients({
  endpoint: input.endpoint,
  region: 'us-east-1',
  credentials: { ...TEST_CREDENTIALS },
  maxAttempts: 3,
});
const send = db.send.bind(db) as (command: unknown) => Promise<Record<string, unknown>>;
const metered = {
  send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const out = await send(command);
    meter.calls++;
    const name = command.constructor.name;
    const consistent = command.input.ConsistentRead === true;
    const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
    if (name === 'PutCommand') {
      const bytes = itemSize(command.input.Item as Record<string, unknown>);
      meter.wru += Math.max(1, Math.ceil(bytes / 1024));
      meter.bytesWritten += bytes;
      meter.itemsWritten++;
    } else if (name === 'DeleteCommand' || name === 'UpdateCommand') {
      meter.wru += 1;
    } else if (name === 'BatchWriteCommand') {
      for (const list of Object.values(command.input.RequestItems as Record<string, unknown[]>))
        meter.wru += list.length;
    } else if (name === 'GetCommand') {
      const bytes = out.Item ? itemSize(out.Item as Record<string, unknown>) : 0;
      meter.rru += readUnits(bytes);
      meter.bytesRead += bytes;
    } else if (name === 'QueryCommand' || name === 'ScanCommand') {
      const bytes = ((out.Items as Record<string, unknown>[] | undefined) ?? []).reduce(
        (n, i) => n + itemSize(i),
        0,
      );
      meter.rru += readUnits(bytes);
      meter.bytesRead += bytes;
    }
    return out;
  },
};
const store = new DynamoStore(metered as unknown as DynamoDBDocumentClient, input.table);

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 5);

const now = new Date(input.now);
const account = syntheticBudgetAccount({ teams: input.teams, now });
const deps = testDeps({ store, sources: account.sources, now });

// The fill: the first scheduled sync on an empty table (last month and this one).
let s = snapshot();
let t0 = performance.now();
const fill = await syncIfDue(deps);
const fillMs = performance.now() - t0;
const fillUnits = since(s);
if (!fill.record || fill.record.error)
  throw new Error(`the fill failed: ${fill.reason} ${fill.record?.error ?? ''}`);

// The same data synced again (a due re-read that finds nothing changed).
s = snapshot();
t0 = performance.now();
const again = await syncIfDue(deps, { force: true, backfill: false });
const againMs = performance.now() - t0;
const againUnits = since(s);

// Reads: each question once to warm up (a `why 30d` also needs the 30 days before the
// ledger's first day: read once, from the chat allowance), then timed.
const ctx: CommandContext = { deps, caller: { platform: 'cli', userId: 'bench', isAdmin: true } };
const questions: Record<
  string,
  { ms: number[]; units: typeof meter; headline: string; warmup: typeof meter }
> = {};
for (const line of ['why 30d', 'spend mtd by team']) {
  s = snapshot();
  const first = await executeLine(line, ctx);
  const warmup = since(s);
  const ms: number[] = [];
  s = snapshot();
  for (let i = 0; i < input.runs; i++) {
    t0 = performance.now();
    await executeLine(line, ctx);
    ms.push(performance.now() - t0);
  }
  const total = since(s);
  questions[line] = {
    ms,
    units: Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v / input.runs])) as typeof meter,
    headline: renderText(first.reply).split('\n')[0]!.slice(0, 120),
    warmup,
  };
}
// The ledger's own part of a question in a cold process: reading and decoding the 48 synced
// days (the headers, then each day's chunks: gunzip, the index columns, the figures). A warm
// process keeps decoded days (up to 96 MB) and reads only the headers.
const readMs: number[] = [];
for (let i = 0; i < Math.min(3, input.runs); i++) {
  clearDecodedDays();
  t0 = performance.now();
  await readDays(store, '2026-10-01', '2026-11-18');
  readMs.push(performance.now() - t0);
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());

process.stdout.write(
  JSON.stringify({
    teams: input.teams,
    fill: {
      ms: fillMs,
      requests: fill.record.requests,
      daysWritten: fill.record.daysWritten,
      units: fillUnits,
    },
    again: {
      ms: againMs,
      requests: again.record?.requests ?? 0,
      daysWritten: again.record?.daysWritten ?? 0,
      units: againUnits,
    },
    questions,
    readMs,
    peakRssMb: peakRss / 1024 / 1024,
  }),
);
db.destroy();
process.exit(0);

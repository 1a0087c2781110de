/**
 * The bill ledger at scale (issue 15, "Scale"): what a sync writes and what a question reads.
 *
 * Per team count (100 and 10,000; `--quick` only 100), in a child process of its own
 * (`bench/ledger-child.ts`) against a table served from here: the first sync fills the ledger
 * from the synthetic account (last month and this one, 4 facts a team a day), the same bill is
 * synced again, then `why 30d` and `spend mtd by team` are asked and timed. DynamoDB use is
 * metered by item size, as on-demand DynamoDB bills it.
 *
 * Targets: an answer in seconds (p99 < 3 s) reading at most a few MB (< 5 MB a question).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestDynamo } from '../test/support/dynamo.js';
import { type BenchRow, kb, median, ms, percentile, progress, rowWithTarget } from './util.js';

interface Units {
  rru: number;
  wru: number;
  bytesRead: number;
  bytesWritten: number;
  itemsWritten: number;
  calls: number;
}

interface LedgerFigures {
  teams: number;
  fill: { ms: number; requests: number; daysWritten: number; units: Units };
  again: { ms: number; requests: number; daysWritten: number; units: Units };
  questions: Record<string, { ms: number[]; units: Units; headline: string; warmup: Units }>;
  readMs: number[];
  peakRssMb: number;
}

const NOW = '2026-11-18T06:00:00Z';
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

export async function ledgerBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const section = 'bill ledger';
  const dynamo = await startTestDynamo();
  try {
    for (const teams of options.quick ? [100] : [100, 10_000]) {
      progress(`ledger: fill, re-sync and reads at ${teams} teams (child process)`);
      const table = (await dynamo.newStore()).table;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          // BENCH_CPU_PROF=dir writes a V8 CPU profile of each child there (open in DevTools).
          ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
          '--import',
          'tsx',
          new URL('./ledger-child.ts', import.meta.url).pathname,
          JSON.stringify({
            endpoint: dynamo.endpoint,
            table,
            teams,
            runs: Number(process.env.BENCH_LEDGER_RUNS ?? (teams > 1000 ? 5 : 30)),
            now: NOW,
          }),
        ],
        { maxBuffer: 16 * 1024 * 1024, timeout: 900_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      );
      const f = JSON.parse(stdout) as LedgerFigures;
      const n = teams.toLocaleString('en-US');
      const perDay = f.fill.units.bytesWritten / Math.max(1, f.fill.units.itemsWritten - 1);
      rows.push(
        {
          section,
          name: `first sync (fill), ${n} teams: write units · bytes`,
          value: `${Math.round(f.fill.units.wru).toLocaleString('en-US')} WRU · ${mb(f.fill.units.bytesWritten)}`,
          raw: f.fill.units.wru,
          target: '',
          note: `${f.fill.daysWritten} days written in ${f.fill.units.itemsWritten} items (about ${kb(perDay)} a day item, gzipped columns, ${teams * 4} facts a day), ${f.fill.units.rru} RRU, ${f.fill.requests} bill requests, ${ms(f.fill.ms)}`,
        },
        rowWithTarget(
          {
            section,
            name: `re-sync of an unchanged bill, ${n} teams: write units`,
            value: `${f.again.units.wru} WRU · ${f.again.units.rru} RRU`,
            raw: f.again.units.wru,
            note: `${f.again.daysWritten} days rewritten; the meta item and the lease only; ${f.again.requests} bill requests, ${ms(f.again.ms)}. A steady day adds one new day item (~${Math.ceil(perDay / 1024)} WRU) plus any day the bill revised`,
          },
          5,
          '<= 5 WRU',
          false,
        ),
      );
      rows.push({
        section,
        name: `reading and decoding the ledger's 48 days, ${n} teams`,
        value: ms(median(f.readMs)),
        raw: median(f.readMs),
        target: '',
        note: `median of ${f.readMs.length}, cold (no day decoded in the process): the headers, then every day's chunks (DynamoDB Query, gunzip, index columns, decimal figures) for ${(teams * 4 * 48).toLocaleString('en-US')} facts; a warm process reads only the headers. The rest of a question's time is the query engine, the explanation and the reply`,
      });
      for (const [line, q] of Object.entries(f.questions)) {
        const p99 = percentile(q.ms, 99);
        rows.push(
          rowWithTarget(
            {
              section,
              name: `\`${line}\` from the ledger, ${n} teams: p99`,
              value: ms(p99),
              raw: p99,
              note: `p50 ${ms(median(q.ms))} over ${q.ms.length} warm runs; ${mb(q.units.bytesRead)} and ${q.units.rru} RRU read a question; first ask ${mb(q.warmup.bytesRead)}; peak RSS of the process ${Math.round(f.peakRssMb)} MB; "${q.headline}"`,
            },
            3000,
            '< 3 s',
          ),
          rowWithTarget(
            {
              section,
              name: `\`${line}\` from the ledger, ${n} teams: bytes read`,
              value: mb(q.units.bytesRead),
              raw: q.units.bytesRead / 1024 / 1024,
            },
            5,
            '< 5 MB',
          ),
        );
      }
    }
  } finally {
    await dynamo.close();
  }
  return rows;
}

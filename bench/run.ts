/**
 * `npm run bench`: one table of the figures we claim (size, cold start, latency, AWS
 * requests, the bot's own AWS bill), each against its target, and the same as JSON under
 * `bench/results/` (`latest.json` and a timestamped copy; both gitignored).
 *
 * Options: `--quick` (fewer rounds, no 10,000-team runs), `--only bundles,latency,requests,ledger,cur`.
 * The whole run takes 3-5 minutes on a laptop; progress goes to stderr.
 *
 * Absolute milliseconds depend on the machine and its load (printed in the header); the
 * headline figures are ratios (cold start vs an empty Node.js process) and counts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { bundledCatalog } from '../lib/pricing/catalog.js';
import { startTestDynamo } from '../test/support/dynamo.js';
import { bundleBench } from './bundles.js';
import { costRows } from './cost.js';
import { curBench } from './cur.js';
import { ledgerBench } from './ledger.js';
import { requestBench } from './requests.js';
import { type BenchRow, progress } from './util.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg
  ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1]! : args[args.indexOf(onlyArg) + 1]!).split(','))
  : undefined;
const want = (name: string) => !only || only.has(name);

// The AWS SDK's Node 20 notice is not a bench figure.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) console.error(w);
});

/** `bench/latency-child.ts` against a table served from here. */
async function latencyInChild(): Promise<BenchRow[]> {
  const dynamo = await startTestDynamo();
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./latency-child.ts', import.meta.url).pathname,
        JSON.stringify({ endpoint: dynamo.endpoint, table: dynamo.store.table }),
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 300_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    return JSON.parse(stdout) as BenchRow[];
  } finally {
    await dynamo.close();
  }
}

const started = performance.now();
const load = loadavg()[0]!;
const rows: BenchRow[] = [];
let ackP50: number | undefined;

if (want('bundles')) rows.push(...(await bundleBench({ rounds: quick ? 5 : 7 })).rows);
if (want('latency')) {
  progress('latency (in a child process)');
  const latency = await latencyInChild();
  rows.push(...latency);
  const ack = latency.find((r) => r.name.startsWith('Slack ack: signed `/bedrock-cost spend`'));
  ackP50 = ack ? Number.parseFloat(ack.value) : undefined;
}
if (want('requests')) {
  const requests = await requestBench({ quick });
  rows.push(...requests.rows);
  progress('cost model');
  rows.push(...costRows(requests, bundledCatalog(), ackP50 ?? 50));
}
if (want('ledger')) rows.push(...(await ledgerBench({ quick })));
if (want('cur')) rows.push(...(await curBench({ quick })));

// The table.
const header = ['section', 'figure', 'value', 'target', 'ok'];
const cells = rows.map((r) => [
  r.section,
  r.name,
  r.value,
  r.target,
  r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL',
]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
const out = [
  `bedrock-cost bench · node ${process.version} · ${process.platform}/${process.arch} · load average ${load.toFixed(1)} at start`,
  '',
  line(header),
  `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
  ...cells.map(line),
  '',
  'Notes:',
  ...rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`),
];
const failed = rows.filter((r) => r.pass === false);
out.push(
  '',
  `${rows.filter((r) => r.pass).length} targets met, ${failed.length} missed, in ${Math.round((performance.now() - started) / 1000)} s.`,
);
console.log(out.join('\n'));

const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
const json = JSON.stringify(
  {
    at: new Date().toISOString(),
    node: process.version,
    loadAverage: load,
    quick,
    rows,
    failed: failed.map((r) => r.name),
    seconds: Math.round((performance.now() - started) / 1000),
  },
  null,
  2,
);
writeFileSync(new URL('latest.json', results), json);
writeFileSync(new URL(`bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, results), json);
// Dynalite and HTTP agents may keep handles open; the figures are out.
process.exit(0);

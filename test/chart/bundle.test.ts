/**
 * The chart stack as Lambda runs it: bundled into one ESM file by esbuild (as
 * serverless-esbuild does), with the wasm and the font copied next to the bundle, run by a
 * separate Node process from a directory without node_modules. Catches a renderer that only
 * works from the source tree.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_ASSETS } from '../../lib/chart/render.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

describe('chart renderer in a Lambda-style bundle', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('renders a PNG from the bundle with the assets shipped next to it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chart-bundle-'));
    dirs.push(dir);
    const entry = join(dir, 'entry.ts');
    await writeFile(
      entry,
      `import { renderDailyChart } from ${JSON.stringify(resolve('lib/chart/render.ts'))};
const points = [];
for (let i = 0; i < 28; i++) {
  const day = new Date(Date.UTC(2026, 9, 19 + i)).toISOString().slice(0, 10);
  points.push({ day, series: 'Claude Sonnet 4.5', value: 100 + i }, { day, series: 'Nova Pro', value: 30 });
}
const chart = await renderDailyChart({ title: 'bundled', points });
process.stdout.write(JSON.stringify({ signature: [...chart.png.slice(0, 8)], width: chart.width, bytes: chart.png.byteLength }));
`,
    );
    const out = join(dir, 'fn', 'weekly-digest.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      mainFields: ['module', 'main'],
      outfile: out,
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    for (const asset of Object.values(CHART_ASSETS))
      await copyFile(require.resolve(asset.module), join(dir, 'fn', asset.file));
    const { stdout } = await run(process.execPath, [out], { cwd: dir, timeout: 60_000 });
    const result = JSON.parse(stdout) as { signature: number[]; width: number; bytes: number };
    expect(result.signature).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(result.width).toBeGreaterThan(1400);
    expect(result.bytes).toBeGreaterThan(10_000);
  }, 90_000);
});

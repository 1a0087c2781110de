/**
 * The packaged zips: each function alone, within Lambda's limits, loading in a fresh Node
 * process outside the repository. The stack is packaged once per test run for every deploy
 * test (packaging.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_ASSETS } from '../../lib/chart/render.js';
import { PACKAGING_MS, type Packaged, SLOW_MS } from './packaging.js';
import { FUNCTIONS, packagedStages, unzipFunction } from './stack.js';
import { readZip } from './zip.js';

const run = promisify(execFile);
let dev: Packaged;
beforeAll(async () => {
  ({ dev } = await packagedStages());
}, PACKAGING_MS);

/** This file's scratch folder (unpacked zips, event files), outside the repository. */
const scratch = mkdtempSync(join(tmpdir(), 'bedrock-cost-deploy-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const unzipped = (name: string) => unzipFunction(dev, name, scratch);

describe('artifacts', () => {
  const LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024;
  const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

  it('zips each function alone, with no native modules and no dev-only dependencies', () => {
    for (const name of FUNCTIONS) {
      const zip = join(dev.dir, `${name}.zip`);
      expect(statSync(zip).size, name).toBeLessThan(LAMBDA_ZIP_LIMIT);
      const entries = readZip(zip);
      const names = entries.map((e) => e.name);
      expect(names, name).toContain(`functions/${name}.mjs`);
      // Other functions' entry points (and their chunks) are not shipped.
      expect(
        names.filter((n) => n.startsWith('functions/') && !n.startsWith(`functions/${name}.chunks/`)),
        name,
      ).toEqual([`functions/${name}.mjs`]);
      expect(
        names.filter((n) => n.endsWith('.node')),
        name,
      ).toEqual([]);
      expect(
        names.filter((n) => /node_modules\/(dynalite|vitest|tsx|esbuild|osls|typescript)\//.test(n)),
      ).toEqual([]);
      // Whatever bundles the chart renderer must ship its wasm and font where it looks.
      const bundle = entries.find((e) => e.name === `functions/${name}.mjs`)!.data.toString('utf8');
      const drawsCharts = bundle.includes(CHART_ASSETS.wasm.file);
      if (name === 'weekly-digest') expect(drawsCharts).toBe(true);
      if (drawsCharts) {
        for (const asset of Object.values(CHART_ASSETS))
          expect(names, name).toContain(`node_modules/${asset.module}`);
      }
      const unzipped = entries.reduce((sum, e) => sum + e.data.length, 0);
      expect(unzipped, name).toBeLessThan(LAMBDA_UNZIPPED_LIMIT);
    }
  });

  it(
    'loads every packaged handler in a fresh Node process, outside the repository',
    async () => {
      for (const name of FUNCTIONS) {
        const dir = unzipped(name);
        const entry = pathToFileURL(join(dir, 'functions', `${name}.mjs`)).href;
        const script =
          'const m = await import(process.argv[1]);' +
          'console.log(JSON.stringify({ type: typeof m.handler, arity: m.handler?.length }));';
        // A bare environment: no NODE_PATH, no repository node_modules up the tree.
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, entry], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '' },
        });
        const loaded = JSON.parse(stdout.trim().split('\n').pop()!) as { type: string; arity: number };
        expect(loaded.type, name).toBe('function');
        // Lambda's Node runtimes reject handlers with more than two parameters.
        expect(loaded.arity, name).toBeLessThanOrEqual(2);
      }
    },
    SLOW_MS,
  );
});

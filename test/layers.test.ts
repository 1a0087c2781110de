/**
 * The dependency rule of docs/architecture.md, over every file of `lib/` and `functions/`:
 * no import runs up the layers, domain code never reaches an AWS adapter directly, and no
 * import cycle exists between files (there, in `bench/` and in `scripts/`). Static, dynamic (`import()`) and type-only imports all
 * count: a type import up the layers is still a module that knows its caller.
 *
 * Imports are read with the TypeScript compiler's own pre-processor (`ts.preProcessFile`),
 * so this needs no dependency beyond the compiler the typecheck already uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(import.meta.dirname, '..'));

/**
 * Layers, top (0) to bottom. A file may import its own layer or any lower one. Keys are a
 * `lib/` folder or a top-level `lib/` file without its extension.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['functions'],
  ['lambda', 'local', 'deps'],
  ['chat'],
  // visibility scopes a command's data for the person asking; export is the FOCUS command.
  ['commands', 'assistant', 'visibility', 'export'],
  [
    'analysis',
    'budgets',
    'digest',
    'idle',
    'spend',
    'ledger',
    'pricing',
    'jobs',
    'reply',
    'context',
    'scope',
  ],
  ['chart', 'store', 'aws'],
  ['ports', 'money', 'exact-sum', 'clock', 'errors', 'config', 'log', 'metrics', 'pool', 'fuzzy'],
];

/** Domain folders, which read AWS only through `lib/ports.ts`. */
const DOMAIN = new Set(['analysis', 'budgets', 'digest', 'idle', 'spend', 'ledger', 'pricing']);

/** The layer key of a repository-relative path: `lib/chat/x.ts` -> `chat`, `lib/money.ts` -> `money`. */
function keyOf(file: string): string {
  if (file.startsWith('functions/')) return 'functions';
  const [, first = ''] = file.split('/');
  return first.replace(/\.ts$/, '');
}

function layerOf(file: string): number {
  const key = keyOf(file);
  const layer = LAYERS.findIndex((keys) => keys.includes(key));
  if (layer === -1) throw new Error(`${file}: ${key} is in no layer of test/layers.test.ts`);
  return layer;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every file's imports of our own `.ts` modules (JSON data files are leaves, left out). */
function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap(sourceFiles)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.') && !name.endsWith('.json'))
      .map((name) => normalize(join(file, '..', name)).replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the dependency rule (docs/architecture.md)', () => {
  const graph = importGraph(['lib', 'functions']);

  it('reads every file and finds every import target', () => {
    expect(graph.size).toBeGreaterThan(100);
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !graph.has(t)).map((t) => `${file} -> ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no import up the layers', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => layerOf(t) < layerOf(file)).map((t) => `${file} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps domain code off the AWS adapters (it reads AWS through lib/ports.ts)', () => {
    const direct = [...graph].flatMap(([file, targets]) =>
      DOMAIN.has(keyOf(file)) ? targets.filter((t) => keyOf(t) === 'aws').map((t) => `${file} -> ${t}`) : [],
    );
    expect(direct).toEqual([]);
  });

  it('keeps the DynamoDB SDK behind lib/store (repositories use the Store port)', () => {
    const sdk = sourceFiles('lib')
      .concat(sourceFiles('functions'))
      .filter((file) =>
        ts
          .preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
          .importedFiles.some((i) => /^@aws-sdk\/(lib|client)-dynamodb$/.test(i.fileName)),
      )
      .sort();
    // The adapter, the table's creation (local runs), and the client factory.
    expect(sdk).toEqual(['lib/aws/dynamodb.ts', 'lib/store/dynamo.ts', 'lib/store/table.ts']);
  });

  it('has no import cycle (the bench and scripts included)', () => {
    expect(cycles(importGraph(['lib', 'functions', 'bench', 'scripts']))).toEqual([]);
  });

  it('would catch an upward import and a cycle (the check itself)', () => {
    const fake = new Map([
      ['lib/budgets/a.ts', ['lib/chat/b.ts']],
      ['lib/chat/b.ts', ['lib/budgets/a.ts']],
    ]);
    expect(layerOf('lib/chat/b.ts')).toBeLessThan(layerOf('lib/budgets/a.ts'));
    expect(cycles(fake)).toEqual([['lib/budgets/a.ts', 'lib/chat/b.ts']]);
  });
});

/**
 * docs/conventions.md: a function reads in one screen. Every function of `lib/`, `functions/`
 * and `scripts/` (declarations, methods, arrow functions and function expressions, factory
 * closures included, measured from its first line to its last with the TypeScript compiler)
 * is at most 80 lines; longer work is split into named steps (plan, fetch, decide, deliver).
 * Data tables are object or array literals, not functions, so they do not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(import.meta.dirname, '..'));
const MAX_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `file:line name (N lines)` for each function over the limit. */
function longFunctions(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_LINES) {
        const parent = node.parent;
        const name =
          (node as { name?: ts.Node }).name?.getText(source) ??
          (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))
            ? parent.name.getText(source)
            : '(anonymous)');
        out.push(`${file}:${first + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('function length', () => {
  it(`no function in lib/, functions/ or scripts/ is over ${MAX_LINES} lines`, () => {
    const files = ['lib', 'functions', 'scripts'].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => longFunctions(f))).toEqual([]);
  });

  it('reports long functions and arrow functions by name, and no data table', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      `function long() {\n${body(MAX_LINES)}\n}`,
      `const arrow = () => {\n${body(MAX_LINES)}\n};`,
      `function short() {\n${body(3)}\n}`,
      `const table = {\n${Array.from({ length: 100 }, (_, i) => `  k${i}: ${i},`).join('\n')}\n};`,
    ].join('\n');
    expect(longFunctions('x.ts', text)).toEqual([
      `x.ts:1 long (${MAX_LINES + 2} lines)`,
      `x.ts:${MAX_LINES + 3} arrow (${MAX_LINES + 2} lines)`,
    ]);
  });
});

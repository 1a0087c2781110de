/**
 * The design documents stay true to the tree: every relative link in the README,
 * CONTRIBUTING and docs/ resolves, every repository path they name in backticks exists, and
 * no comment in the code points to a design file that is not in the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(import.meta.dirname, '..'));
const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`),
];

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe('the docs', () => {
  it('link only to files that exist', () => {
    const broken = DOCS.flatMap((doc) =>
      [...readFileSync(join(ROOT, doc), 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1]!)
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !existsSync(join(ROOT, dirname(doc), target)))
        .map((target) => `${doc} -> ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('name only repository paths that exist', () => {
    const missing = DOCS.flatMap((doc) =>
      [
        ...readFileSync(join(ROOT, doc), 'utf8').matchAll(
          /`((?:lib|functions|test|bench|infra|scripts|docs)\/[\w./-]+)`/g,
        ),
      ]
        .map((m) => m[1]!.replace(/\/$/, '').replace(/^(functions\/[\w-]+)\.handler$/, '$1.ts'))
        .filter((path) => !path.includes('*') && !/<|\.\.\./.test(path))
        // Written by `npm run bench`, not kept in the repository.
        .filter((path) => !path.startsWith('bench/results/'))
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${doc}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('are where the code says: no reference to a design file outside the repository', () => {
    const stale = [
      ...filesUnder('lib', /\.ts$/),
      ...filesUnder('test', /\.ts$/),
      ...filesUnder('infra', /\.(yml|cjs|md)$/),
    ]
      .filter((file) => file !== 'test/docs.test.ts')
      .filter((file) => /\bDESIGN\.md\b/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(stale).toEqual([]);
  });
});

/**
 * `bedrock-cost export --format focus`: the FOCUS 1.2 dataset of the bill ledger, checked
 * against the FOCUS 1.2 column list (test/fixtures/focus/focus-1.2-columns.json: every
 * column's feature level, nullability, data type and allowed values, taken from the
 * specification's own column files at tag v1.2), written as CSV and as Parquet and read
 * back (Parquet with `hyparquet`), and reconciled with `spend` for the same period.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import {
  buildFocusExport,
  FOCUS_COLUMNS,
  type FocusExport,
  focusCsv,
  focusParquet,
} from '../../lib/export/focus.js';
import { runCli } from '../../lib/local/cli.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec, roundCents, ZERO } from '../../lib/money.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

interface SpecColumn {
  name: string;
  featureLevel: 'Mandatory' | 'Conditional' | 'Recommended';
  allowsNulls: boolean;
  dataType: 'String' | 'Decimal' | 'Date/Time' | 'JSON';
  allowedValues?: string[];
}
const SPEC = JSON.parse(
  readFileSync(new URL('../fixtures/focus/focus-1.2-columns.json', import.meta.url), 'utf8'),
) as { version: string; columns: SpecColumn[] };
const specColumn = new Map(SPEC.columns.map((c) => [c.name, c]));

/** RFC 4180 CSV: fields, quoted fields with "" escapes, CRLF lines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

let dynamo: TestDynamo;
let deps: Deps;
/** `last month` at the suite's now (2026-11-18): October 2026, a closed month. */
const PERIOD = { start: '2026-10-01', end: '2026-11-01' };
let exported: FocusExport;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  deps = testDeps({ store: dynamo.store, sources: createDemoSources(fixedClock(TEST_NOW)) });
  exported = await buildFocusExport(deps, PERIOD);
});
afterAll(async () => {
  await dynamo?.close();
});

const admin = { platform: 'cli' as const, userId: 'cli', isAdmin: true };

describe('FOCUS 1.2 export: the column list', () => {
  it('has every Mandatory FOCUS 1.2 column, only FOCUS columns besides x_ extensions, with the spec’s types', () => {
    const names = FOCUS_COLUMNS.map((c) => c.name);
    const mandatory = SPEC.columns.filter((c) => c.featureLevel === 'Mandatory').map((c) => c.name);
    expect(mandatory).toHaveLength(21);
    for (const name of mandatory) expect(names).toContain(name);
    for (const column of FOCUS_COLUMNS) {
      if (column.name.startsWith('x_')) continue;
      const spec = specColumn.get(column.name);
      expect(spec, `${column.name} is not a FOCUS 1.2 column`).toBeDefined();
      expect(column.type).toBe(spec!.dataType);
      // A column the spec says may not be null is never declared nullable here.
      if (!spec!.allowsNulls) expect(column.nullable, column.name).toBe(false);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('writes CSV whose every value fits its column: nulls, types and allowed values', () => {
    const [header, ...rows] = parseCsv(focusCsv(exported));
    expect(header).toEqual(FOCUS_COLUMNS.map((c) => c.name));
    expect(rows.length).toBe(exported.rows.length);
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) {
      expect(row).toHaveLength(header!.length);
      header!.forEach((name, i) => {
        const value = row[i]!;
        const ours = FOCUS_COLUMNS[i]!;
        const spec = specColumn.get(name);
        const nullable = spec ? spec.allowsNulls : ours.nullable;
        if (value === '') {
          expect(nullable, `${name} is empty`).toBe(true);
          return;
        }
        switch (spec?.dataType ?? ours.type) {
          case 'Decimal':
            expect(value, name).toMatch(DECIMAL);
            break;
          case 'Date/Time':
            expect(value, name).toMatch(DATE_TIME);
            break;
          case 'JSON':
            expect(typeof JSON.parse(value), name).toBe('object');
            break;
        }
        if (spec?.allowedValues) expect(spec.allowedValues, `${name}=${value}`).toContain(value);
      });
      const at = (name: string) => row[header!.indexOf(name)]!;
      expect(at('BillingCurrency')).toMatch(/^[A-Z]{3}$/);
      expect(at('ChargePeriodStart') < at('ChargePeriodEnd')).toBe(true);
      expect(at('BillingPeriodStart') <= at('ChargePeriodStart')).toBe(true);
      expect(at('ChargePeriodEnd') <= at('BillingPeriodEnd')).toBe(true);
    }
  });

  it('carries the Bedrock specifics in x_ columns', () => {
    const tokens = exported.rows.filter((r) => r.x_UsageKind === 'tokens');
    expect(tokens.length).toBeGreaterThan(0);
    for (const r of tokens) {
      expect(r.x_BedrockModel).toEqual(expect.any(String));
      expect(['input', 'output', 'cache-read', 'cache-write-5m', 'cache-write-1h']).toContain(r.x_TokenClass);
      expect(['standard', 'flex', 'priority']).toContain(r.x_ServiceTier);
      expect(['in-region', 'geo', 'global']).toContain(r.x_Route);
    }
    const teams = new Set(exported.rows.map((r) => r.x_Team));
    for (const team of ['search', 'support-bot', 'growth', 'legal']) expect(teams).toContain(team);
    const tagged = exported.rows.find((r) => r.x_Team === 'search')!;
    expect(JSON.parse(tagged.Tags as string)).toEqual({ team: 'search' });
    // Third-party models are published by their makers through AWS Marketplace.
    const marketplace = exported.rows.find((r) => String(r.ServiceName).endsWith('(Amazon Bedrock Edition)'));
    expect(marketplace?.PublisherName).not.toBe('Amazon Web Services');
  });
});

describe('FOCUS 1.2 export: reconciles with spend', () => {
  it('sums to spend’s total for the same period, to the cent, and per team', async () => {
    const spend = (await executeLine('spend last month by team', { deps, caller: admin })).data as {
      period: { start: string; end: string };
      totalUsd: number;
      groups: { key: string; usd: number }[];
    };
    expect(spend.period).toEqual(PERIOD);
    const [header, ...rows] = parseCsv(focusCsv(exported));
    const cost = header!.indexOf('BilledCost');
    const team = header!.indexOf('x_Team');
    const total = rows.reduce((sum, r) => sum.plus(r[cost]!), ZERO);
    expect(roundCents(total)).toBe(spend.totalUsd);
    expect(spend.totalUsd).toBeGreaterThan(1000);
    for (const group of spend.groups) {
      const key = group.key === 'unattributed' ? '' : group.key;
      const mine = rows.filter((r) => r[team] === key).reduce((sum, r) => sum.plus(r[cost]!), ZERO);
      expect(roundCents(mine), group.key).toBe(group.usd);
    }
  });

  it('writes Parquet that reads back (hyparquet) with the same columns, rows and totals', async () => {
    const bytes = await focusParquet(exported);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = parquetMetadata(file);
    const schema = parquetSchema(metadata);
    expect(schema.children.map((c) => c.element.name)).toEqual(FOCUS_COLUMNS.map((c) => c.name));
    const billed = schema.children.find((c) => c.element.name === 'BilledCost')!.element;
    expect(billed).toMatchObject({ converted_type: 'DECIMAL', repetition_type: 'REQUIRED' });
    const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    expect(rows).toHaveLength(exported.rows.length);
    const total = rows.reduce((sum, r) => sum.plus(new Dec(String(r.BilledCost))), ZERO);
    expect(roundCents(total)).toBe(roundCents(exported.totalUsd));
    const first = rows[0]!;
    expect(first.ChargePeriodStart).toBeInstanceOf(Date);
    expect((first.ChargePeriodStart as Date).toISOString()).toMatch(/^2026-10-\d{2}T00:00:00.000Z$/);
    const search = rows.find((r) => r.x_Team === 'search')!;
    expect(search.Tags).toEqual({ team: 'search' });
    expect(typeof search.x_Batch).toBe('boolean');
  });
});

describe('bedrock-cost export (CLI)', () => {
  async function cli(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-cost-focus-'));
    const code = await runCli(argv, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { BEDROCK_COST_NOW: TEST_NOW, BEDROCK_COST_DATA_DIR: join(dir, 'data') },
    });
    return { code, out: out.join('\n'), err: err.join('\n'), dir };
  }

  it('writes CSV to stdout and Parquet to --out, both totalling spend', async () => {
    // `--period last month` unquoted: the shell splits it.
    const csv = await cli(['export', '--format', 'focus', '--period', 'last', 'month', '--demo']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = parseCsv(`${csv.out}\r\n`);
    expect(header).toContain('BilledCost');
    const total = rows.reduce((sum, r) => sum.plus(r[header!.indexOf('BilledCost')]!), ZERO);
    expect(roundCents(total)).toBe(roundCents(exported.totalUsd));
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-cost-focus-out-'));
    const out = join(dir, 'bedrock.parquet');
    const parquet = await cli(['export', '--demo', '--period', '2026-10', '--out', out]);
    expect(parquet.code).toBe(0);
    expect(parquet.out).toContain(`${exported.rows.length} rows`);
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
  });

  it('refuses another format, and Parquet without a file, with a friendly line', async () => {
    const bad = await cli(['export', '--format', 'csv', '--demo']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('FOCUS 1.2');
    const noFile = await cli(['export', '--parquet', '--demo']);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain('--out');
    const flag = await cli(['spend', '--parquet', '--demo']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('"export" only');
  });
});

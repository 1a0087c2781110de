/**
 * `bedrock-cost export --format focus [--period PERIOD] [--out FILE] [--parquet]`: the bill
 * ledger as a FOCUS 1.2 file (docs/focus-export.md). CSV goes to stdout unless `--out` is
 * given; Parquet (binary) needs `--out` (a `.parquet` name implies `--parquet`).
 */
import { writeFile } from 'node:fs/promises';
import { formatRange } from '../clock.js';
import { parsePeriod } from '../commands/period.js';
import type { Deps } from '../context.js';
import { ParseError, UserError } from '../errors.js';
import { formatUsd } from '../money.js';
import { buildFocusExport, focusCsv, focusParquet } from './focus.js';

export interface FocusExportFlags {
  period?: string;
  out?: string;
  parquet: boolean;
  billingAccount?: string;
}

/** Run the export; returns what to print (the CSV itself, or a summary of the file written). */
export async function runFocusExport(deps: Deps, words: string[], flags: FocusExportFlags): Promise<string> {
  // `--period last month` unquoted: the shell hands `month` over as a word of its own.
  const periodText = [flags.period ?? '', ...words].join(' ').trim() || 'last month';
  const period = parsePeriod(periodText, deps.clock.now());
  const parquet = flags.parquet || /\.parquet$/i.test(flags.out ?? '');
  if (parquet && !flags.out)
    throw new ParseError('Parquet is binary: give a file to write, e.g. --out bedrock-focus.parquet');
  const data = await buildFocusExport(deps, {
    start: period.start,
    end: period.end,
    ...(flags.billingAccount ? { billingAccountId: flags.billingAccount } : {}),
  });
  if (!flags.out) return focusCsv(data).replace(/\r\n$/, '');
  const bytes = parquet ? await focusParquet(data) : new TextEncoder().encode(focusCsv(data));
  try {
    await writeFile(flags.out, bytes);
  } catch (error) {
    throw new UserError(
      'bad_input',
      `Could not write ${flags.out}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return `FOCUS 1.2 ${parquet ? 'Parquet' : 'CSV'}: ${data.rows.length} rows for ${formatRange(period)} (${period.start}..${period.end}), BilledCost ${formatUsd(data.totalUsd)} (${data.costBasis}) written to ${flags.out}.`;
}

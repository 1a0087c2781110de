/**
 * `npm run bench -- --only cur`: the CUR 2.0 source at organisation scale, against the local
 * Athena (DuckDB over Parquet, Athena's wire protocol through the real SDK client).
 *
 * Generated export: 1,000 linked accounts x 10,000 teams x 13 months, one line per team,
 * meter and day (Data Exports' daily granularity): 4 Bedrock meters (Nova input/output,
 * Sonnet Marketplace input/output) and one unrelated S3 line per team and day that the
 * queries must skip. Team `i` works in account `i mod 1000`; every 10th team also in a second
 * account. Hive-partitioned by `billing_period`, as Data Exports writes it.
 *
 * Figures: the refresh-status check, the first read (last month and this one: the query,
 * every result page, the facts built), one backfill step (3 months), and the bytes of the whole
 * 13-month horizon derived from them, each with the bytes scanned (as the local Athena
 * measures them: rows read after partition pruning x compressed bytes per row of the columns
 * the query names). The export is kept in the temp folder between full runs (it takes minutes
 * to write). DynamoDB writes are the ledger bench's.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DuckDBInstance } from '@duckdb/node-api';
import { formatBytes } from '../lib/ledger/bytes.js';
import { createCurSource } from '../lib/ledger/cur-source.js';
import { startLocalAthena } from '../test/support/athena-server.js';
import { startAwsServer } from '../test/support/aws-server.js';
import { type BenchRow, ms, progress } from './util.js';

const TEAMS = 10_000;
const ACCOUNTS = 1_000;
const START = '2025-11-01';
const TODAY = '2026-11-18';

async function generate(dir: string, teams: number): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`SET preserve_insertion_order = false`);
    await conn.run(`COPY (
      WITH days AS (SELECT CAST(d AS TIMESTAMP) AS day FROM range(DATE '${START}', DATE '${TODAY}', INTERVAL 1 DAY) t(d)),
      teams AS (
        SELECT i, 'team-' || lpad(CAST(i AS VARCHAR), 5, '0') AS team,
               lpad(CAST(100000000000 + (CASE WHEN j = 0 THEN i % ${ACCOUNTS} ELSE (i * 7 + 1) % ${ACCOUNTS} END) AS VARCHAR), 12, '0') AS account
        FROM range(${teams}) a(i), range(2) b(j) WHERE j = 0 OR i % 10 = 0),
      meters AS (SELECT * FROM (VALUES
        ('AmazonBedrock', 'Amazon Bedrock', 'USE1-NovaPro-input-tokens', 0.0008),
        ('AmazonBedrock', 'Amazon Bedrock', 'USE1-NovaPro-output-tokens', 0.0032),
        ('4r2zh3nqg7lbsyg0kvzp3ya2p', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount-Units', 0.003),
        ('4r2zh3nqg7lbsyg0kvzp3ya2p', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units', 0.015),
        ('AmazonS3', 'Amazon Simple Storage Service', 'USE1-TimedStorage-ByteHrs', 0.000023)
      ) m(code, name, usage_type, price))
      SELECT
        CAST(date_trunc('month', day) AS TIMESTAMP) AS bill_billing_period_start_date,
        CASE WHEN day < TIMESTAMP '2026-11-01' THEN 'INV-' || strftime(day, '%Y%m') ELSE '' END AS bill_invoice_id,
        '999988887777' AS bill_payer_account_id,
        'Usage' AS line_item_line_item_type,
        day AS line_item_usage_start_date,
        day + INTERVAL 1 DAY AS line_item_usage_end_date,
        code AS line_item_product_code,
        usage_type AS line_item_usage_type,
        account AS line_item_usage_account_id,
        'acct-' || account AS line_item_usage_account_name,
        'arn:aws:bedrock:us-east-1:' || account || ':application-inference-profile/' || team AS line_item_resource_id,
        CAST((hash(i, day, usage_type) % 100000) AS DOUBLE) AS line_item_usage_amount,
        round(CAST((hash(i, day, usage_type) % 100000) AS DOUBLE) * price / 1000, 10) AS line_item_unblended_cost,
        'arn:aws:iam::' || account || ':role/app' AS line_item_iam_principal,
        map(['product_name'], [name]) AS product,
        map(['user_team'], [team]) AS resource_tags,
        strftime(day, '%Y-%m') AS billing_period
      FROM days, teams, meters
    ) TO '${dir}' (FORMAT parquet, PARTITION_BY (billing_period), OVERWRITE_OR_IGNORE, ROW_GROUP_SIZE 500000)`);
    const n = await conn.runAndReadAll(
      `SELECT count(*)::BIGINT AS n FROM read_parquet('${dir}/**/*.parquet')`,
    );
    return Number(n.getRowObjectsJS()[0]!.n);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export async function curBench(options: { quick: boolean }): Promise<BenchRow[]> {
  const teams = options.quick ? 1_000 : TEAMS;
  // The generated export is kept between runs (it takes minutes to write): same size, same data.
  const dir = join(tmpdir(), `bedrock-cost-bench-cur-${teams}`);
  const rows: BenchRow[] = [];
  const section = 'CUR 2.0 (Athena)';
  try {
    let t0 = performance.now();
    let lines: number;
    if (existsSync(join(dir, 'lines'))) lines = Number(readFileSync(join(dir, 'lines'), 'utf8'));
    else {
      progress(`cur: generating ${teams} teams x ${ACCOUNTS} accounts x 13 months`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      lines = await generate(join(dir, 'export'), teams);
      writeFileSync(join(dir, 'lines'), String(lines));
      progress(`cur: ${lines} lines in ${ms(performance.now() - t0)}`);
    }
    const athena = await startLocalAthena({
      dataDir: join(dir, 'export'),
      database: 'cur',
      table: 'cur2',
      workgroup: 'wg',
    });
    const aws = await startAwsServer(athena.handlers);
    const options_ = {
      // The local server's event loop is busy while it builds millions of rows: a reused
      // keep-alive socket can be reset; the SDK retries that, as it would against Athena.
      athena: new AthenaClient(aws.clientConfig({ maxAttempts: 4 })),
      workgroup: 'wg',
      database: 'cur',
      table: 'cur2',
      maxBytes: 1e13,
      attribution: { accountTeams: {} },
      teamTagKey: 'team',
      metric: 'UnblendedCost' as const,
      pollMs: 50,
    };
    try {
      const source = createCurSource(options_);
      t0 = performance.now();
      const status = await source.refreshStatus(TODAY);
      const statusMs = performance.now() - t0;
      progress('cur: first read');
      t0 = performance.now();
      const first = await source.readFacts(
        { start: '2026-10-01', end: '2026-11-19' },
        { metric: 'UnblendedCost', teamTagKey: 'team' },
      );
      const firstMs = performance.now() - t0;
      const facts = [...first.byDay.values()].reduce((n, d) => n + d.length, 0);
      progress(`cur: first read ${ms(firstMs)}, ${formatBytes(first.bytesScanned ?? 0)}, ${facts} facts`);
      progress('cur: a backfill step (3 months)');
      t0 = performance.now();
      const step = await source.readFacts(
        { start: '2026-07-01', end: '2026-10-01' },
        { metric: 'UnblendedCost', teamTagKey: 'team' },
      );
      const stepMs = performance.now() - t0;
      const stepFacts = [...step.byDay.values()].reduce((n, d) => n + d.length, 0);
      // 13 months = the first read (1.6 months) + 4 steps of 3 months (the last one 2.4 months).
      const perMonth = (step.bytesScanned ?? 0) / 3;
      const horizonBytes = (first.bytesScanned ?? 0) + perMonth * (13 - 49 / 30);
      const info = (name: string, value: string, raw: number, note?: string): BenchRow => ({
        section,
        name,
        value,
        raw,
        target: '',
        ...(note ? { note } : {}),
      });
      rows.push(
        info(
          `export: ${teams} teams x ${ACCOUNTS} accounts x 13 months`,
          `${lines.toLocaleString('en')} lines`,
          lines,
        ),
        info(
          'refresh-status check',
          `${ms(statusMs)} / ${formatBytes(status.bytesScanned)}`,
          status.bytesScanned,
        ),
        info(
          'first sync read (49 days): query + result pages + facts',
          `${ms(firstMs)} / ${formatBytes(first.bytesScanned ?? 0)} / ${facts.toLocaleString('en')} facts`,
          firstMs,
          `${Math.ceil((facts + 1) / 1000)} GetQueryResults pages; DynamoDB writes not included (see the ledger bench)`,
        ),
        info(
          'a backfill step (3 months)',
          `${ms(stepMs)} / ${formatBytes(step.bytesScanned ?? 0)} / ${stepFacts.toLocaleString('en')} facts`,
          stepMs,
        ),
        info(
          'the whole horizon (13 months: first read + backfill steps)',
          `${formatBytes(horizonBytes)} (~$${((Math.max(horizonBytes, 10e6 * 5) / 1e12) * 5).toFixed(4)} of Athena)`,
          horizonBytes,
          'derived from the two reads above (bytes per month); Athena bills at least 10 MB a query',
        ),
      );
    } finally {
      athena.close();
      await aws.close();
    }
  } finally {
    if (options.quick) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * CUR 2.0 through Athena as the ledger's bill source (`BEDROCK_COST_SOURCE=cur`).
 *
 * The sync hands each range to `readFacts` (the `readRange` seam of `sync.ts`): one Athena
 * query aggregates the export's lines into the SAME facts the Cost Explorer sync writes (UTC
 * day x service x usage type x team x linked account, cost in the configured basis, usage
 * quantity, final/provisional), so every command answers the same figures from either source.
 *
 * - Lines: `line_item_line_item_type = 'Usage'` (Cost Explorer's RECORD_TYPE Usage) of the
 *   Bedrock-related products: `AmazonBedrock`, `AmazonBedrockAgentCore`, the Marketplace
 *   `... (Amazon Bedrock Edition)` products and `AmazonES` (OpenSearch Serverless OCUs of
 *   knowledge bases; the usage-type parser keeps only OCU lines as Bedrock spend, as for
 *   Cost Explorer). The service is Cost Explorer's name for the product (`product_name`).
 * - Partition pruning: only the billing periods (`billing_period` partitions) the range
 *   touches are read, plus a usage-date filter.
 * - Amounts are summed as DECIMAL(38,10) (CUR's DOUBLE cast per line), so sums are exact.
 * - State: a line of a billing period with an invoice (`bill_invoice_id`) is `final`, else
 *   `provisional` (as Cost Explorer marks the open month estimated).
 * - Teams: `lib/ledger/attribution.ts`, first match wins, with the rules the table's columns
 *   allow (a table without `line_item_iam_principal` or without tags says which it skipped).
 * - Refresh status: before reading the open window, `max(line_item_usage_start_date)` of the
 *   current billing periods (one column of two partitions) — when it has not moved since
 *   the last read, the export has not refreshed and the window is not read again.
 * - Bytes scanned: every query's `DataScannedInBytes` is added to the sync's record; a query
 *   that scans more than `maxBytes` is stopped (StopQueryExecution) and the sync fails: the
 *   previous ledger stays and answers say how old it is.
 *
 * SQL is written to run unchanged on Athena (Trino) and, in tests, on DuckDB (the local
 * Athena server translates `element_at` on maps only).
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { addDays, startOfMonth, startOfNextMonth } from '../clock.js';
import { UnavailableError, UserError } from '../errors.js';
import { Dec } from '../money.js';
import type { CostMetric, CostQuery, CostResult, CostSource } from '../ports.js';
import {
  AGENTCORE_SERVICE,
  BEDROCK_SERVICE,
  MARKETPLACE_SUFFIX,
  OPENSEARCH_SERVICE,
} from '../spend/usage-type.js';
import {
  type AttributionConfig,
  type AttributionRule,
  applicableRules,
  attributeTeam,
  describeRules,
} from './attribution.js';
import { formatBytes } from './bytes.js';
import { type BillFact, mergeFacts, queryFacts, regionOfUsageType } from './facts.js';
import type { FactReader, LedgerContext, RangeRead } from './sync.js';

/** CUR product code -> Cost Explorer SERVICE name; Marketplace lines use their `product_name`. */
export const CUR_PRODUCTS: Record<string, string> = {
  AmazonBedrock: BEDROCK_SERVICE,
  AmazonBedrockAgentCore: AGENTCORE_SERVICE,
  AmazonES: OPENSEARCH_SERVICE,
};
/** The IAM principal's team tag as CUR 2.0 names it in `resource_tags` (`iamPrincipal/team`). */
export const principalTagColumnKey = (tagKey: string) => `iamPrincipal_${tagKey}`;

export interface CurSourceOptions {
  athena: AthenaClient;
  workgroup: string;
  database: string;
  table: string;
  /** Results location (`s3://bucket/prefix/`); unset = the workgroup's. */
  output?: string;
  /** A query that scans more than this is stopped. */
  maxBytes: number;
  /** Team attribution beyond the resource tag. */
  attribution: AttributionConfig;
  teamTagKey: string;
  metric: CostMetric;
  /** Poll interval while a query runs (default 1 s) and how long one may run (default 5 min). */
  pollMs?: number;
  timeoutMs?: number;
}

export class QueryError extends UnavailableError {}

interface QueryOutcome {
  rows: Record<string, string>[];
  bytesScanned: number;
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
const ident = (v: string) => `"${v.replace(/"/g, '""')}"`;

/** Run one query to the end, every result page read; stopped when it scans over the bound. */
export async function runAthenaQuery(options: CurSourceOptions, sql: string): Promise<QueryOutcome> {
  const { athena } = options;
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: options.workgroup,
      QueryExecutionContext: { Database: options.database, Catalog: 'AwsDataCatalog' },
      ...(options.output ? { ResultConfiguration: { OutputLocation: options.output } } : {}),
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new QueryError('Athena did not start the query.');
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const stop = async (why: string): Promise<never> => {
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => {});
    throw new QueryError(why);
  };
  let bytesScanned = 0;
  for (;;) {
    const { QueryExecution: q } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    bytesScanned = q?.Statistics?.DataScannedInBytes ?? bytesScanned;
    const state = q?.Status?.State;
    if (bytesScanned > options.maxBytes)
      await stop(
        `the CUR query scanned ${formatBytes(bytesScanned)}, over its bound of ${formatBytes(options.maxBytes)} (BEDROCK_COST_ATHENA_MAX_BYTES); it was cancelled`,
      );
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED')
      throw new QueryError(`the CUR query failed: ${q?.Status?.StateChangeReason ?? 'no reason given'}`);
    if (state === 'CANCELLED') throw new QueryError('the CUR query was cancelled');
    if (Date.now() > deadline) await stop('the CUR query took too long; it was cancelled');
    await sleep(options.pollMs ?? 1000);
  }
  const rows: Record<string, string>[] = [];
  let header: string[] | undefined;
  let token: string | undefined;
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({
        QueryExecutionId: id,
        MaxResults: 1000,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    const names = page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? '') ?? [];
    for (const row of page.ResultSet?.Rows ?? []) {
      const values = (row.Data ?? []).map((d) => d.VarCharValue ?? '');
      // The first row of the first page repeats the column names (Athena's SELECT results).
      if (!header) {
        header = names.length ? names : values;
        if (values.every((v, i) => v === header![i])) continue;
      }
      const record: Record<string, string> = {};
      header.forEach((name, i) => {
        record[name] = values[i] ?? '';
      });
      rows.push(record);
    }
    token = page.NextToken;
  } while (token);
  return { rows, bytesScanned };
}

/** The table's columns (Glue catalog, no scan), to know which rules the export allows. */
async function tableColumns(options: CurSourceOptions): Promise<Set<string>> {
  const out = await options.athena.send(
    new GetTableMetadataCommand({
      CatalogName: 'AwsDataCatalog',
      DatabaseName: options.database,
      TableName: options.table,
    }),
  );
  const t = out.TableMetadata;
  return new Set(
    [...(t?.Columns ?? []), ...(t?.PartitionKeys ?? [])].map((c) => (c.Name ?? '').toLowerCase()),
  );
}

/** Billing periods (`yyyy-mm`) a half-open range of days touches. */
export function billingPeriods(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = startOfMonth(start); d < end; d = startOfNextMonth(d)) out.push(d.slice(0, 7));
  return out;
}

const costColumn = (metric: CostMetric, columns: Set<string>): string => {
  // Amortized equals unblended on Usage lines (Bedrock has no RI or Savings Plan lines).
  const net = metric === 'NetUnblendedCost' || metric === 'NetAmortizedCost';
  if (net && columns.has('line_item_net_unblended_cost')) return 'line_item_net_unblended_cost';
  if (net)
    throw new UserError(
      'bad_config',
      'The CUR table has no line_item_net_unblended_cost column (the export has no discounts): use BEDROCK_COST_BASIS=unblended or amortized.',
    );
  return 'line_item_unblended_cost';
};

interface Plan {
  sql: string;
  rules: AttributionRule[];
  missing: Partial<Record<AttributionRule, string>>;
}

/** The aggregation query for a range, with the rules the columns allow. */
export function factsQuery(
  options: Pick<CurSourceOptions, 'database' | 'table' | 'attribution' | 'teamTagKey' | 'metric'>,
  columns: Set<string>,
  range: { start: string; end: string },
): Plan {
  const has = (c: string) => columns.has(c);
  const tagKey = `user_${options.teamTagKey}`;
  const tagExpr = has('resource_tags')
    ? `element_at(resource_tags, ${quote(tagKey)})`
    : has(`resource_tags_${tagKey}`.toLowerCase())
      ? `resource_tags_${tagKey}`
      : undefined;
  const principalExpr =
    has('line_item_iam_principal') && has('resource_tags')
      ? `element_at(resource_tags, ${quote(principalTagColumnKey(options.teamTagKey))})`
      : undefined;
  const categoryExpr =
    options.attribution.costCategory && has('cost_category')
      ? `element_at(cost_category, ${quote(options.attribution.costCategory)})`
      : undefined;
  const productName = has('product')
    ? `element_at(product, 'product_name')`
    : has('product_product_name')
      ? 'product_product_name'
      : undefined;
  const missing: Partial<Record<AttributionRule, string>> = {};
  if (!tagExpr) missing['resource-tag'] = 'the table has no resource tags';
  if (!has('line_item_iam_principal')) missing['principal-tag'] = 'the export has no line_item_iam_principal';
  else if (!has('resource_tags')) missing['principal-tag'] = 'the table has no resource tags';
  if (options.attribution.costCategory && !categoryExpr)
    missing['cost-category'] = 'the table has no cost_category column';
  const rules = applicableRules(
    {
      'resource-tag': Boolean(tagExpr),
      'principal-tag': Boolean(principalExpr),
      account: true,
      'cost-category': Boolean(categoryExpr),
    },
    options.attribution,
  );
  const products = Object.keys(CUR_PRODUCTS).map(quote).join(', ');
  const service = `CASE ${Object.entries(CUR_PRODUCTS)
    .map(([code, name]) => `WHEN line_item_product_code = ${quote(code)} THEN ${quote(name)}`)
    .join(' ')} ELSE ${productName ?? 'line_item_product_code'} END`;
  const periods = billingPeriods(range.start, range.end).map(quote).join(', ');
  const prune = has('billing_period')
    ? `billing_period IN (${periods})`
    : `bill_billing_period_start_date >= TIMESTAMP ${quote(`${startOfMonth(range.start)} 00:00:00`)}`;
  const cost = costColumn(options.metric, columns);
  const state = has('bill_invoice_id')
    ? `CASE WHEN bill_invoice_id IS NULL OR bill_invoice_id = '' THEN 'provisional' ELSE 'final' END`
    : `'provisional'`;
  const accountName = has('line_item_usage_account_name') ? 'max(line_item_usage_account_name)' : `''`;
  const sql = `SELECT
  CAST(CAST(line_item_usage_start_date AS DATE) AS VARCHAR) AS day,
  ${service} AS service,
  line_item_usage_type AS usage_type,
  line_item_usage_account_id AS account,
  ${tagExpr ?? 'NULL'} AS resource_team,
  ${principalExpr ?? 'NULL'} AS principal_team,
  ${categoryExpr ?? 'NULL'} AS category_team,
  ${state} AS state,
  CAST(SUM(CAST(${cost} AS DECIMAL(38,10))) AS VARCHAR) AS amount,
  CAST(SUM(CAST(line_item_usage_amount AS DECIMAL(38,10))) AS VARCHAR) AS quantity,
  ${accountName} AS account_name
FROM ${ident(options.database)}.${ident(options.table)}
WHERE ${prune}
  AND line_item_usage_start_date >= TIMESTAMP ${quote(`${range.start} 00:00:00`)}
  AND line_item_usage_start_date < TIMESTAMP ${quote(`${range.end} 00:00:00`)}
  AND line_item_line_item_type = 'Usage'
  AND (line_item_product_code IN (${products})${productName ? ` OR ${productName} LIKE ${quote(`%${MARKETPLACE_SUFFIX.trim()}`)}` : ''})
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;
  return { sql, rules, missing };
}

/** `2026-11-18 05:00:00.000` (Athena) or `2026-11-18 05:00:00` (DuckDB) -> ISO instant. */
function isoOf(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(text.trim());
  return m ? `${m[1]}T${m[2]}Z` : undefined;
}

export function createCurSource(options: CurSourceOptions): CostSource & FactReader {
  let columns: Promise<Set<string>> | undefined;
  const columnsOnce = () => {
    columns ??= tableColumns(options).catch((error: unknown) => {
      columns = undefined;
      throw error;
    });
    return columns;
  };
  const readFacts = async (
    range: { start: string; end: string },
    ctx?: Pick<LedgerContext, 'metric' | 'teamTagKey' | 'attribution'>,
  ): Promise<RangeRead> => readCurFacts(options, await columnsOnce(), range, ctx);

  return {
    label: 'Athena (CUR 2.0)',
    readFacts,
    refreshStatus: async (today) => curRefreshStatus(options, await columnsOnce(), today),
    async listServices(range) {
      return (await readFacts(range)).services ?? [];
    },
    async getCostAndUsage(query: CostQuery): Promise<CostResult> {
      if ((query.recordTypes ?? ['Usage']).some((t) => t !== 'Usage'))
        throw new UserError('unsupported', 'The CUR source reads usage only (no credits, refunds or tax).');
      const read = await readFacts(
        { start: query.start, end: query.end },
        { metric: query.metric, teamTagKey: options.teamTagKey },
      );
      const all = [...read.byDay.values()].flat();
      const rows = queryFacts(query, options.teamTagKey, (start, end) =>
        all.filter((f) => f.day >= start && f.day < end),
      );
      return { rows, requests: read.requests };
    },
    async getCostForecast() {
      return null;
    },
  };
}

/** One range of the export as facts per day: one aggregation query, its rows attributed to teams. */
async function readCurFacts(
  options: CurSourceOptions,
  columns: Set<string>,
  range: { start: string; end: string },
  ctx?: Pick<LedgerContext, 'metric' | 'teamTagKey' | 'attribution'>,
): Promise<RangeRead> {
  const opts = {
    ...options,
    ...(ctx ? { metric: ctx.metric, teamTagKey: ctx.teamTagKey } : {}),
    attribution: ctx?.attribution ?? options.attribution,
  };
  const plan = factsQuery(opts, columns, range);
  const { rows, bytesScanned } = await runAthenaQuery(options, plan.sql);
  const facts: BillFact[] = [];
  const services = new Set<string>();
  const accountNames: Record<string, string> = {};
  let firstEstimated: string | undefined;
  for (const r of rows) {
    const fact = factOfCurRow(r, opts.attribution, plan.rules);
    if (fact.state === 'provisional' && (!firstEstimated || fact.day < firstEstimated))
      firstEstimated = fact.day;
    services.add(fact.service);
    if (fact.account && r.account_name) accountNames[fact.account] = r.account_name;
    facts.push(fact);
  }
  const byDay = new Map<string, BillFact[]>();
  for (const f of mergeFacts(facts)) {
    const list = byDay.get(f.day);
    if (list) list.push(f);
    else byDay.set(f.day, [f]);
  }
  return {
    byDay,
    requests: 1,
    bytesScanned,
    services: [...services].sort(),
    accountNames,
    rules: describeRules(plan.rules, plan.missing),
    ...(firstEstimated ? { firstEstimated } : {}),
  };
}

/** One result row of the facts query as a fact, its team by the attribution rules the export allows. */
function factOfCurRow(
  r: Record<string, string | undefined>,
  attribution: AttributionConfig,
  rules: AttributionRule[],
): BillFact {
  const usageType = r.usage_type ?? '';
  const account = r.account ?? '';
  return {
    day: r.day ?? '',
    service: r.service ?? '',
    usageType,
    team: attributeTeam(
      {
        resourceTag: r.resource_team ?? '',
        principalTag: r.principal_team ?? '',
        account,
        costCategory: r.category_team ?? '',
      },
      attribution,
      rules,
    ),
    account,
    region: regionOfUsageType(usageType),
    recordType: 'Usage',
    amount: new Dec(r.amount || '0'),
    quantity: new Dec(r.quantity || '0'),
    state: r.state === 'final' ? 'final' : 'provisional',
  };
}

/** The export's refresh status: the latest usage hour in this month's and last month's partitions. */
async function curRefreshStatus(
  options: CurSourceOptions,
  columns: Set<string>,
  today: string,
): Promise<{ through?: string; bytesScanned: number; requests: number }> {
  const periods = billingPeriods(startOfMonth(addDays(startOfMonth(today), -1)), addDays(today, 1));
  const where = columns.has('billing_period')
    ? `WHERE billing_period IN (${periods.map(quote).join(', ')})`
    : '';
  const { rows, bytesScanned } = await runAthenaQuery(
    options,
    `SELECT CAST(max(line_item_usage_start_date) AS VARCHAR) AS through FROM ${ident(options.database)}.${ident(options.table)} ${where}`,
  );
  const through = isoOf(rows[0]?.through ?? '');
  return { ...(through ? { through } : {}), bytesScanned, requests: 1 };
}

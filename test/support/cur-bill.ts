/**
 * One generated bill, served two ways: as a CUR 2.0 export (Parquet, hive-partitioned by
 * `billing_period`, written by DuckDB with CUR 2.0's column names) for the local Athena, and
 * as Cost Explorer answers (`GetCostAndUsage`, `GetDimensionValues` at the wire) computed
 * from the same lines. What Cost Explorer would show is derived from the lines the way the
 * real one does: by SERVICE (the product's name), USAGE_TYPE, LINKED_ACCOUNT, RECORD_TYPE and
 * cost-allocation tags (the resource's `user:<key>` tag as `<key>`, the IAM principal's as
 * `iamPrincipal/<key>`); a bucket is estimated while its month has no invoice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { addDays, earlierDay, laterDay, startOfNextMonth } from '../../lib/clock.js';
import { Dec } from '../../lib/money.js';
import { costAndUsageResponse } from './aws-fixtures.js';
import { type AwsHandlers, awsError } from './aws-server.js';

export interface BillLine {
  /** Usage hour start, ISO (`2026-11-02T05:00:00Z`). */
  hour: string;
  account: string;
  accountName: string;
  productCode: string;
  /** The product's name (Cost Explorer's SERVICE). */
  service: string;
  usageType: string;
  resourceId: string;
  lineItemType: 'Usage' | 'Tax';
  /** Resource tag value of the team key (`''` = none). */
  team: string;
  /** IAM principal ARN and its team tag. */
  principal: string;
  principalTeam: string;
  /** Cost category value (the `team` category). */
  category: string;
  /** Cost, at most 10 decimals. */
  cost: string;
  quantity: string;
  /** The month is invoiced (final). */
  invoiced: boolean;
}

export const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
export const METERS = [
  { productCode: 'AmazonBedrock', service: 'Amazon Bedrock', usageType: 'USE1-NovaPro-input-tokens' },
  { productCode: 'AmazonBedrock', service: 'Amazon Bedrock', usageType: 'USE1-NovaPro-output-tokens' },
  {
    productCode: '4r2zh3nqg7lbsyg0kvzp3ya2p',
    service: SONNET,
    usageType: 'USE1-MP:USE1_InputTokenCount-Units',
  },
  {
    productCode: '4r2zh3nqg7lbsyg0kvzp3ya2p',
    service: SONNET,
    usageType: 'USE1-MP:USE1_OutputTokenCount-Units',
  },
  { productCode: 'AmazonES', service: 'Amazon OpenSearch Service', usageType: 'USE1-SearchOCU' },
  {
    productCode: 'AmazonBedrockAgentCore',
    service: 'Amazon Bedrock AgentCore',
    usageType: 'USE1-Runtime-vCPU-Hours',
  },
  // Not Bedrock: in neither source's facts.
  {
    productCode: 'AmazonS3',
    service: 'Amazon Simple Storage Service',
    usageType: 'USE1-TimedStorage-ByteHrs',
  },
] as const;

/** Deterministic pseudo-random numbers (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  seed: number;
  /** Half-open range of days. */
  start: string;
  end: string;
  /** The first day of the open (not invoiced) month. */
  openFrom: string;
  /** Lines per day (spread over hours). */
  linesPerDay: number;
  teams: string[];
  accounts: { id: string; name: string }[];
  /** One account per (day, service) (what Cost Explorer can attribute); default true. */
  oneAccountPerService?: boolean;
  /** Share of lines with a principal team tag (default 0). */
  principalShare?: number;
}

export function generateBill(o: GenerateOptions): BillLine[] {
  const rnd = random(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const lines: BillLine[] = [];
  for (let day = o.start; day < o.end; day = addDays(day, 1)) {
    const accountOfService = new Map<string, { id: string; name: string }>();
    for (let i = 0; i < o.linesPerDay; i++) {
      const meter = pick(METERS);
      let account = pick(o.accounts);
      if (o.oneAccountPerService !== false) {
        account = accountOfService.get(meter.service) ?? account;
        accountOfService.set(meter.service, account);
      }
      const tagged = rnd() < 0.75;
      const team = tagged ? pick(o.teams) : '';
      const principalTeam = rnd() < (o.principalShare ?? 0) ? pick(o.teams) : '';
      const hour = String(Math.floor(rnd() * 24)).padStart(2, '0');
      // Sub-cent costs with up to 10 decimals, as CUR has them.
      const cost = new Dec(Math.floor(rnd() * 5_000_000_000))
        .div(1e10)
        .plus(Math.floor(rnd() * 40))
        .toFixed();
      lines.push({
        hour: `${day}T${hour}:00:00Z`,
        account: account.id,
        accountName: account.name,
        productCode: meter.productCode,
        service: meter.service,
        usageType: meter.usageType,
        resourceId: team
          ? `arn:aws:bedrock:us-east-1:${account.id}:application-inference-profile/${team}`
          : '',
        lineItemType: rnd() < 0.05 ? 'Tax' : 'Usage',
        team,
        principal: `arn:aws:iam::${account.id}:role/app-${Math.floor(rnd() * 5)}`,
        principalTeam,
        category: '',
        cost,
        quantity: String(Math.floor(rnd() * 100_000)),
        invoiced: day < o.openFrom,
      });
    }
  }
  return lines;
}

export interface ExportShape {
  /** Include `line_item_iam_principal` (default true). */
  principal?: boolean;
  /** Include `resource_tags` (default true). */
  tags?: boolean;
  /** Include `cost_category` (default true). */
  costCategory?: boolean;
  tagKey?: string;
}

/** Write the lines as a CUR 2.0 export under `dir` (`billing_period=yyyy-mm/*.parquet`). */
export async function writeCurExport(lines: BillLine[], dir: string, shape: ExportShape = {}): Promise<void> {
  const tagKey = shape.tagKey ?? 'team';
  const scratch = mkdtempSync(join(tmpdir(), 'cur-lines-'));
  const ndjson = join(scratch, 'lines.ndjson');
  writeFileSync(ndjson, lines.map((l) => JSON.stringify(l)).join('\n'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const optional = [
    shape.principal === false ? '' : ', principal AS line_item_iam_principal',
    shape.tags === false
      ? ''
      : `, map_from_entries(list_filter([{'key': 'user_${tagKey}', 'value': team}, {'key': 'iamPrincipal_${tagKey}', 'value': principalTeam}], x -> x.value <> '')) AS resource_tags`,
    shape.costCategory === false
      ? ''
      : `, map_from_entries(list_filter([{'key': 'team', 'value': category}], x -> x.value <> '')) AS cost_category`,
  ].join('');
  try {
    await conn.run(`COPY (
      SELECT
        'Anniversary' AS bill_bill_type,
        CASE WHEN productCode LIKE 'Amazon%' THEN 'AWS' ELSE 'AWS Marketplace' END AS bill_billing_entity,
        CAST(date_trunc('month', CAST(hour AS TIMESTAMP)) AS TIMESTAMP) AS bill_billing_period_start_date,
        CAST(date_trunc('month', CAST(hour AS TIMESTAMP)) + INTERVAL 1 MONTH AS TIMESTAMP) AS bill_billing_period_end_date,
        CASE WHEN invoiced THEN 'INV-' || strftime(CAST(hour AS TIMESTAMP), '%Y%m') ELSE '' END AS bill_invoice_id,
        '999988887777' AS bill_payer_account_id,
        'Org payer' AS bill_payer_account_name,
        md5(hour || account || usageType || resourceId || cost) AS identity_line_item_id,
        CAST(hour AS TIMESTAMP) AS identity_time_interval,
        lineItemType AS line_item_line_item_type,
        CAST(hour AS TIMESTAMP) AS line_item_usage_start_date,
        CAST(hour AS TIMESTAMP) + INTERVAL 1 HOUR AS line_item_usage_end_date,
        productCode AS line_item_product_code,
        usageType AS line_item_usage_type,
        'InvokeModelInference' AS line_item_operation,
        account AS line_item_usage_account_id,
        accountName AS line_item_usage_account_name,
        resourceId AS line_item_resource_id,
        CAST(quantity AS DOUBLE) AS line_item_usage_amount,
        CAST(cost AS DOUBLE) AS line_item_unblended_cost,
        CAST(cost AS DOUBLE) AS line_item_net_unblended_cost,
        CAST(cost AS DOUBLE) AS line_item_blended_cost,
        'USD' AS line_item_currency_code,
        usageType AS line_item_line_item_description,
        map(['product_name', 'servicename'], [service, service]) AS product,
        'us-east-1' AS product_region_code,
        productCode AS product_servicecode,
        'Units' AS pricing_unit,
        strftime(CAST(hour AS TIMESTAMP), '%Y-%m') AS billing_period
        ${optional}
      FROM read_json('${ndjson.replace(/'/g, "''")}', format = 'newline_delimited', columns = {
        hour: 'VARCHAR', account: 'VARCHAR', accountName: 'VARCHAR', productCode: 'VARCHAR', service: 'VARCHAR',
        usageType: 'VARCHAR', resourceId: 'VARCHAR', lineItemType: 'VARCHAR', team: 'VARCHAR', principal: 'VARCHAR',
        principalTeam: 'VARCHAR', category: 'VARCHAR', cost: 'VARCHAR', quantity: 'VARCHAR', invoiced: 'BOOLEAN'
      })
    ) TO '${dir.replace(/'/g, "''")}' (FORMAT parquet, PARTITION_BY (billing_period), OVERWRITE_OR_IGNORE)`);
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  }
}

type Expr = {
  And?: Expr[];
  Or?: Expr[];
  Not?: Expr;
  Dimensions?: { Key: string; Values?: string[] };
  Tags?: { Key: string; Values?: string[]; MatchOptions?: string[] };
};

function tagOf(line: BillLine, key: string, tagKey: string): string {
  if (key === tagKey) return line.team;
  if (key === `iamPrincipal/${tagKey}`) return line.principalTeam;
  return '';
}

function dimensionOf(line: BillLine, key: string): string {
  switch (key) {
    case 'SERVICE':
      return line.service;
    case 'USAGE_TYPE':
      return line.usageType;
    case 'LINKED_ACCOUNT':
      return line.account;
    case 'RECORD_TYPE':
      return line.lineItemType;
    case 'REGION':
      return 'us-east-1';
    default:
      throw awsError('ValidationException', `test Cost Explorer: dimension ${key} not modelled`);
  }
}

function matches(line: BillLine, e: Expr | undefined, tagKey: string): boolean {
  if (!e) return true;
  if (e.And) return e.And.every((x) => matches(line, x, tagKey));
  if (e.Or) return e.Or.some((x) => matches(line, x, tagKey));
  if (e.Not) return !matches(line, e.Not, tagKey);
  if (e.Dimensions) return (e.Dimensions.Values ?? []).includes(dimensionOf(line, e.Dimensions.Key));
  if (e.Tags) {
    const value = tagOf(line, e.Tags.Key, tagKey);
    if (e.Tags.MatchOptions?.includes('ABSENT')) return value === '';
    return (e.Tags.Values ?? []).includes(value);
  }
  return true;
}

/**
 * Cost Explorer answering from the lines (SERVICE/LINKED_ACCOUNT listing, any two
 * group-bys, DAILY or MONTHLY, filters), every answer one page unless `pageSize` is set.
 */
export function costExplorerFromLines(lines: BillLine[], options: { tagKey?: string } = {}): AwsHandlers {
  const tagKey = options.tagKey ?? 'team';
  const day = (l: BillLine) => l.hour.slice(0, 10);
  return {
    GetDimensionValues: (input) => {
      const period = input.TimePeriod as { Start: string; End: string };
      const key = String(input.Dimension);
      const inRange = lines.filter((l) => day(l) >= period.Start && day(l) < period.End);
      const values = new Map<string, string>();
      for (const l of inRange) values.set(dimensionOf(l, key), key === 'LINKED_ACCOUNT' ? l.accountName : '');
      const sorted = [...values.keys()].sort();
      return {
        DimensionValues: sorted.map((v) => ({
          Value: v,
          Attributes: key === 'LINKED_ACCOUNT' ? { description: values.get(v) } : {},
        })),
        ReturnSize: sorted.length,
        TotalSize: sorted.length,
      };
    },
    GetCostAndUsage: (input) => {
      const period = input.TimePeriod as { Start: string; End: string };
      const groupBy = (input.GroupBy as { Type: 'DIMENSION' | 'TAG'; Key: string }[] | undefined) ?? [];
      const metric = (input.Metrics as string[]).find((m) => m !== 'UsageQuantity') ?? 'UnblendedCost';
      const monthly = input.Granularity === 'MONTHLY';
      const filter = input.Filter as Expr | undefined;
      const cells = new Map<
        string,
        { start: string; end: string; keys: string[]; amount: Dec; quantity: Dec; estimated: boolean }
      >();
      for (const l of lines) {
        const d = day(l);
        if (d < period.Start || d >= period.End || !matches(l, filter, tagKey)) continue;
        const month = `${d.slice(0, 8)}01`;
        const start = monthly ? laterDay(month, period.Start) : d;
        const end = monthly ? earlierDay(startOfNextMonth(month), period.End) : addDays(d, 1);
        const keys = groupBy.map((g) =>
          g.Type === 'TAG' ? `${g.Key}$${tagOf(l, g.Key, tagKey)}` : dimensionOf(l, g.Key),
        );
        const k = [start, ...keys].join('\u0000');
        const cell = cells.get(k) ?? {
          start,
          end,
          keys,
          amount: new Dec(0),
          quantity: new Dec(0),
          estimated: false,
        };
        cell.amount = cell.amount.plus(l.cost);
        cell.quantity = cell.quantity.plus(l.quantity);
        cell.estimated ||= !l.invoiced;
        cells.set(k, cell);
      }
      const rows = [...cells.values()]
        .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
        .map((c) => ({
          start: c.start,
          end: c.end,
          keys: c.keys,
          amount: c.amount.toFixed(),
          quantity: c.quantity.toFixed(),
          estimated: c.estimated,
        }));
      // Estimated is per bucket in Cost Explorer: a day is estimated when any of its lines is.
      const estimatedStarts = new Set(rows.filter((r) => r.estimated).map((r) => r.start));
      for (const r of rows) r.estimated = estimatedStarts.has(r.start);
      return costAndUsageResponse(rows, {
        metric: metric as 'UnblendedCost',
        ...(groupBy.length ? { groupBy } : {}),
      });
    },
  };
}

/**
 * The bill ledger as a FOCUS 1.2 dataset (FinOps Open Cost and Usage Specification), for
 * FinOps teams that consolidate clouds and AI vendors in FOCUS (docs/focus-export.md).
 *
 * One row per ledger cell and day: team x service x usage type x linked account, exactly
 * the facts every answer is computed from, read through the same bill port and filtered as
 * `spend` filters them (Bedrock-related services, usage records, OpenSearch lines that are
 * not Knowledge Base OCUs left out). So the export's costs sum to `spend`'s total for the
 * same period, to the cent, and each team's rows to that team's figure.
 *
 * The Bedrock specifics FOCUS 1.2 has no column for (model, token class, service tier,
 * cross-Region route, batch, the team tag value) are `x_` extension columns, as the
 * specification's extensibility rules ask.
 */
import { addDays, startOfNextMonth } from '../clock.js';
import { costMetricOf } from '../config.js';
import type { Deps } from '../context.js';
import { UserError } from '../errors.js';
import { type Dec, ZERO } from '../money.js';
import type { CostDimension } from '../ports.js';
import type { Catalog } from '../pricing/catalog.js';
import { costBasisLabel, discoverBedrockServices, spendContextOf, tagValueOf } from '../spend/query.js';
import {
  describeUsage,
  OPENSEARCH_SERVICE,
  parseUsageType,
  type UsageTypeInfo,
} from '../spend/usage-type.js';

/** A FOCUS data type, as the specification names them (plus Boolean for `x_` flags). */
export type FocusType = 'String' | 'Decimal' | 'Date/Time' | 'JSON' | 'Boolean';

export interface FocusColumn {
  name: string;
  type: FocusType;
  /** False when no row may leave it empty (the specification's "Allows nulls: False"). */
  nullable: boolean;
}

/**
 * The columns, in order: the FOCUS 1.2 columns this export fills (every Mandatory one,
 * and the Conditional and Recommended ones that apply to Bedrock), then the extensions.
 */
export const FOCUS_COLUMNS: readonly FocusColumn[] = [
  { name: 'BilledCost', type: 'Decimal', nullable: false },
  { name: 'BillingAccountId', type: 'String', nullable: false },
  { name: 'BillingAccountName', type: 'String', nullable: true },
  { name: 'BillingCurrency', type: 'String', nullable: false },
  { name: 'BillingPeriodEnd', type: 'Date/Time', nullable: false },
  { name: 'BillingPeriodStart', type: 'Date/Time', nullable: false },
  { name: 'ChargeCategory', type: 'String', nullable: false },
  { name: 'ChargeClass', type: 'String', nullable: true },
  { name: 'ChargeDescription', type: 'String', nullable: true },
  { name: 'ChargeFrequency', type: 'String', nullable: false },
  { name: 'ChargePeriodEnd', type: 'Date/Time', nullable: false },
  { name: 'ChargePeriodStart', type: 'Date/Time', nullable: false },
  { name: 'ConsumedQuantity', type: 'Decimal', nullable: true },
  { name: 'ConsumedUnit', type: 'String', nullable: true },
  { name: 'ContractedCost', type: 'Decimal', nullable: false },
  { name: 'EffectiveCost', type: 'Decimal', nullable: false },
  { name: 'InvoiceIssuerName', type: 'String', nullable: false },
  { name: 'ListCost', type: 'Decimal', nullable: false },
  { name: 'PricingCategory', type: 'String', nullable: true },
  { name: 'PricingQuantity', type: 'Decimal', nullable: true },
  { name: 'PricingUnit', type: 'String', nullable: true },
  { name: 'ProviderName', type: 'String', nullable: false },
  { name: 'PublisherName', type: 'String', nullable: false },
  { name: 'RegionId', type: 'String', nullable: true },
  { name: 'ServiceCategory', type: 'String', nullable: false },
  { name: 'ServiceName', type: 'String', nullable: false },
  { name: 'ServiceSubcategory', type: 'String', nullable: false },
  { name: 'SubAccountId', type: 'String', nullable: true },
  { name: 'SubAccountName', type: 'String', nullable: true },
  { name: 'Tags', type: 'JSON', nullable: true },
  // Extensions (docs/focus-export.md).
  { name: 'x_BedrockModel', type: 'String', nullable: true },
  { name: 'x_BedrockModelName', type: 'String', nullable: true },
  { name: 'x_TokenClass', type: 'String', nullable: true },
  { name: 'x_ServiceTier', type: 'String', nullable: true },
  { name: 'x_Route', type: 'String', nullable: true },
  { name: 'x_Batch', type: 'Boolean', nullable: false },
  { name: 'x_Commitment', type: 'String', nullable: true },
  { name: 'x_UsageKind', type: 'String', nullable: false },
  { name: 'x_UsageType', type: 'String', nullable: false },
  { name: 'x_Team', type: 'String', nullable: true },
  { name: 'x_CostBasis', type: 'String', nullable: false },
  { name: 'x_Estimated', type: 'Boolean', nullable: false },
];

export type FocusValue = string | Dec | Date | boolean | null;
export type FocusRow = Record<string, FocusValue>;

export interface FocusExport {
  start: string;
  end: string;
  columns: readonly FocusColumn[];
  rows: FocusRow[];
  /** Sum of BilledCost (exact). */
  totalUsd: Dec;
  costBasis: string;
  dataAsOf: Date;
}

export interface FocusExportOptions {
  start: string;
  end: string;
  /** The payer account (the ledger knows linked accounts only); default: see `billingAccountOf`. */
  billingAccountId?: string;
}

const AWS = 'Amazon Web Services';

/** ISO date -> the FOCUS Date/Time of its midnight UTC. */
function midnight(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/**
 * The unit of a line's quantity (the bill's UsageQuantity). Token lines count thousands or
 * millions of tokens depending on the usage type, which the bill does not say: they are
 * `Units` (x_UsageType tells which), not a guess. Model-unit and OCU lines are hours.
 */
function unitOf(info: UsageTypeInfo): string {
  return info.kind === 'provisioned-throughput' || info.kind === 'knowledge-base' ? 'Hours' : 'Units';
}

/**
 * Build the FOCUS rows of `[start, end)` from the ledger (through `deps.sources().costs`,
 * so a scoped person's deps export only their teams).
 */
export async function buildFocusExport(deps: Deps, options: FocusExportOptions): Promise<FocusExport> {
  const ctx = await spendContextOf(deps);
  const catalog = await deps.catalog().catch(() => undefined);
  const range = { start: options.start, end: options.end };
  const services = await discoverBedrockServices(ctx.costs, range);
  const metric = costMetricOf(deps.config.BEDROCK_COST_BASIS);
  const costBasis = costBasisLabel(metric);
  if (!services.length)
    return { ...range, columns: FOCUS_COLUMNS, rows: [], totalUsd: ZERO, costBasis, dataAsOf: ctx.now };
  const result = await readLedger(ctx, range, services, metric);
  const accounts = new Set(result.rows.map((r) => r.keys[3] ?? '').filter(Boolean));
  const billingAccountId = options.billingAccountId ?? (accounts.size === 1 ? [...accounts][0]! : 'unknown');
  const parsed = new Map<string, UsageTypeInfo>();
  const rows: FocusRow[] = [];
  let total = ZERO;
  for (const row of result.rows) {
    const [, service = '', usageType = ''] = row.keys;
    const key = `${service}\u0000${usageType}`;
    let info = parsed.get(key);
    if (!info) {
      info = parseUsageType(service, usageType, ctx.names);
      parsed.set(key, info);
    }
    // As `spend`: OpenSearch lines that are not Knowledge Base OCUs are not Bedrock spend.
    if (info.kind === 'unrelated') continue;
    total = total.plus(row.amount);
    rows.push(focusRow(row, info, { billingAccountId, costBasis, teamTagKey: ctx.teamTagKey, catalog }));
  }
  const meta = result as { fetchedAt?: string };
  return {
    ...range,
    columns: FOCUS_COLUMNS,
    rows,
    totalUsd: total,
    costBasis,
    dataAsOf: meta.fetchedAt ? new Date(meta.fetchedAt) : ctx.now,
  };
}

type SpendCtx = Awaited<ReturnType<typeof spendContextOf>>;
type LedgerResult = Awaited<ReturnType<SpendCtx['costs']['getCostAndUsage']>>;

/** The ledger's daily usage lines of the range, per team tag, service, usage type and account. */
async function readLedger(
  ctx: SpendCtx,
  range: { start: string; end: string },
  services: string[],
  metric: ReturnType<typeof costMetricOf>,
): Promise<LedgerResult> {
  const groupBy: CostDimension[] = [
    { type: 'TAG', key: ctx.teamTagKey },
    { type: 'DIMENSION', key: 'SERVICE' },
    { type: 'DIMENSION', key: 'USAGE_TYPE' },
    { type: 'DIMENSION', key: 'LINKED_ACCOUNT' },
  ];
  try {
    return await ctx.costs.getCostAndUsage({
      ...range,
      granularity: 'DAILY',
      groupBy,
      services,
      recordTypes: ['Usage'],
      metric,
    });
  } catch (error) {
    throw new UserError(
      'bad_period',
      `The FOCUS export reads the bill ledger, which keeps the last 13 months: ${(error as Error).message}`,
    );
  }
}

/** One ledger line as a FOCUS row. */
function focusRow(
  row: LedgerResult['rows'][number],
  info: UsageTypeInfo,
  about: { billingAccountId: string; costBasis: string; teamTagKey: string; catalog: Catalog | undefined },
): FocusRow {
  const [teamKey = '', service = '', usageType = '', account = ''] = row.keys;
  const team = tagValueOf(teamKey);
  const model = info.modelKey ? about.catalog?.models.find((m) => m.key === info.modelKey) : undefined;
  const periodStart = `${row.start.slice(0, 7)}-01`;
  const opensearch = service === OPENSEARCH_SERVICE;
  return {
    BilledCost: row.amount,
    BillingAccountId: about.billingAccountId,
    BillingAccountName: null,
    BillingCurrency: 'USD',
    BillingPeriodEnd: midnight(startOfNextMonth(periodStart)),
    BillingPeriodStart: midnight(periodStart),
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: `${describeUsage(info)}${team ? ` · team ${team}` : ''}`,
    ChargeFrequency: 'Usage-Based',
    ChargePeriodEnd: midnight(row.end === row.start ? addDays(row.start, 1) : row.end),
    ChargePeriodStart: midnight(row.start),
    ConsumedQuantity: row.quantity,
    ConsumedUnit: unitOf(info),
    // The ledger keeps one cost basis (x_CostBasis): public on-demand prices are the list
    // and contracted prices unless the account has a private offer, which the bill nets.
    ContractedCost: row.amount,
    EffectiveCost: row.amount,
    InvoiceIssuerName: AWS,
    ListCost: row.amount,
    PricingCategory: info.commitment && info.commitment !== 'none' ? 'Committed' : 'Standard',
    PricingQuantity: row.quantity,
    PricingUnit: unitOf(info),
    ProviderName: AWS,
    // Third-party models are sold through AWS Marketplace by their makers.
    PublisherName: info.marketplace
      ? (model?.provider ?? service.replace(/ \(Amazon Bedrock Edition\)$/, ''))
      : AWS,
    RegionId: info.region ?? null,
    ServiceCategory: opensearch ? 'Databases' : 'AI and Machine Learning',
    ServiceName: service,
    ServiceSubcategory: opensearch ? 'Other (Databases)' : 'Generative AI',
    SubAccountId: account || null,
    SubAccountName: null,
    Tags: team ? JSON.stringify({ [about.teamTagKey]: team }) : null,
    x_BedrockModel: info.modelKey ?? null,
    x_BedrockModelName: info.modelName ?? null,
    x_TokenClass: info.tokenClass ?? null,
    x_ServiceTier: info.kind === 'tokens' ? info.tier : null,
    x_Route: info.kind === 'tokens' ? info.scope : null,
    x_Batch: info.batch,
    x_Commitment: info.commitment ?? null,
    x_UsageKind: info.kind,
    x_UsageType: usageType,
    x_Team: team || null,
    x_CostBasis: about.costBasis,
    x_Estimated: row.estimated,
  };
}

/** A FOCUS Date/Time: ISO 8601 in UTC, to the second (`2026-11-01T00:00:00Z`). */
function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** One CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
function csvField(value: FocusValue): string {
  if (value === null) return '';
  const text =
    value instanceof Date
      ? isoSeconds(value)
      : typeof value === 'boolean'
        ? String(value)
        : typeof value === 'string'
          ? value
          : value.toFixed();
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The export as CSV: a header of column names, one line per row; decimals exact, nulls empty. */
export function focusCsv(data: Pick<FocusExport, 'columns' | 'rows'>): string {
  const lines = [data.columns.map((c) => c.name).join(',')];
  for (const row of data.rows) lines.push(data.columns.map((c) => csvField(row[c.name] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Decimal columns in Parquet: DECIMAL(38, 12), exact for every amount the bill has. */
const DECIMAL_SCALE = 12;

/**
 * The export as Parquet (`hyparquet-writer`, pure JavaScript): strings UTF8, decimals
 * DECIMAL(38,12), Date/Time TIMESTAMP (UTC, milliseconds), Tags JSON, flags BOOLEAN;
 * mandatory non-null columns REQUIRED.
 */
export async function focusParquet(data: Pick<FocusExport, 'columns' | 'rows'>): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: data.columns.length }];
  const columnData = data.columns.map((c) => {
    const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    const values = data.rows.map((r) => r[c.name] ?? null);
    switch (c.type) {
      case 'Decimal':
        schema.push({
          name: c.name,
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 16,
          converted_type: 'DECIMAL',
          scale: DECIMAL_SCALE,
          precision: 38,
          repetition_type,
        });
        return {
          name: c.name,
          data: values.map((v) =>
            v === null ? null : BigInt((v as Dec).times(`1e${DECIMAL_SCALE}`).toDecimalPlaces(0).toFixed()),
          ),
        };
      case 'Date/Time':
        schema.push({ name: c.name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type });
        return { name: c.name, data: values };
      case 'Boolean':
        schema.push({ name: c.name, type: 'BOOLEAN', repetition_type });
        return { name: c.name, data: values };
      case 'JSON':
        schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type });
        return { name: c.name, data: values.map((v) => (v === null ? null : JSON.parse(v as string))) };
      default:
        schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type });
        return { name: c.name, data: values };
    }
  });
  const buffer = parquetWriteBuffer({
    columnData: columnData as never,
    schema: schema as never,
    createdBy: 'bedrock-cost FOCUS 1.2 export',
    kvMetadata: [{ key: 'focus_version', value: '1.2' }],
  });
  return new Uint8Array(buffer);
}

/**
 * What one provisioned model unit costs per hour.
 *
 * The bill is the best source: Cost Explorer bills Provisioned Throughput under a usage type
 * such as `USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits`, whose quantity is
 * model-unit hours. `cost / quantity` of that one usage type is the real hourly rate per
 * model unit (discounts included, and scale-free: we never mix units across usage types).
 * The usage type names the model only loosely (`Nova2.0Lite`), so we match it to a
 * throughput by region, commitment and a fuzzy model-name comparison.
 *
 * When the bill has nothing yet (a throughput created today, Cost Explorer unavailable),
 * we fall back to list prices: the pricing catalog when it knows the model, else the few
 * published rates below. Answers always say which source they used.
 */
import { editDistance } from '../fuzzy.js';
import { type Dec, usd } from '../money.js';
import type { Commitment, CostRow } from '../ports.js';

/** An hourly rate per model unit and where it came from. */
export interface ModelUnitRate {
  perModelUnitHour: Dec;
  source: 'bill' | 'catalog';
  /** The usage type (bill) or price entry (catalog) it came from. */
  basis: string;
}

/** A Provisioned Throughput usage type seen on the bill, with its observed rate. */
export interface BilledRate {
  usageType: string;
  /** Region prefix as billed (`USE1`), upper case. */
  regionPrefix: string;
  /** The model part of the usage type, normalised (`nova20lite`). */
  modelKey: string;
  /** Commitment read from the usage type, when recognisable. */
  commitment?: Commitment;
  perModelUnitHour: Dec;
}

/** Billing region prefixes (see reference/bedrock-billing.md). */
const REGION_PREFIX: Record<string, string> = {
  'us-east-1': 'USE1',
  'us-east-2': 'USE2',
  'us-west-1': 'USW1',
  'us-west-2': 'USW2',
  'eu-central-1': 'EUC1',
  'eu-central-2': 'EUC2',
  'eu-west-1': 'EU',
  'eu-west-2': 'EUW2',
  'eu-west-3': 'EUW3',
  'eu-north-1': 'EUN1',
  'eu-south-1': 'EUS1',
  'ap-northeast-1': 'APN1',
  'ap-northeast-2': 'APN2',
  'ap-northeast-3': 'APN3',
  'ap-southeast-1': 'APS1',
  'ap-southeast-2': 'APS2',
  'ap-south-1': 'APS3',
  'ca-central-1': 'CAN1',
  'sa-east-1': 'SAE1',
};

/** The billing prefix of a region (`us-east-1` -> `USE1`). */
export function regionPrefixOf(region: string): string | undefined {
  return REGION_PREFIX[region];
}

/** `arn:aws:bedrock:us-east-1:123:provisioned-model/abc` -> `us-east-1`. */
export function regionOfArn(arn: string): string {
  return arn.split(':')[3] ?? '';
}

/** Lower-case letters and digits only: `Nova2.0Lite` -> `nova20lite`. */
function squash(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The comparable model key of a Bedrock model ID:
 * `amazon.nova-2-lite-v1:0` -> `nova2lite`, `anthropic.claude-instant-v1` -> `claudeinstant`.
 */
export function modelKeyOf(modelId: string): string {
  const bare = modelId
    .replace(/^(us|eu|apac|global|jp|au|ca)\./, '')
    .replace(/^[a-z0-9-]+\./, '')
    .replace(/:\d+(:[\w.]+)?$/, '')
    .replace(/-v\d+(\.\d+)?$/, '')
    .replace(/-\d{8}$/, '');
  return squash(bare);
}

function commitmentOfUsageType(text: string): Commitment | undefined {
  const t = text.toLowerCase();
  if (/nocommit|no-commit|hourly/.test(t)) return 'none';
  if (/6[-_]?month|sixmonth/.test(t)) return '6-month';
  if (/1[-_]?month|onemonth/.test(t)) return '1-month';
  return undefined;
}

/** Is this a Provisioned Throughput usage type? */
export function isProvisionedUsageType(usageType: string): boolean {
  return /provisioned-?throughput|provisionedmodel/i.test(usageType);
}

/**
 * Observed rates from Cost Explorer rows grouped by USAGE_TYPE (first key): cost divided
 * by quantity, summed per usage type across the rows' days. Rows without quantity (or with
 * an absurd rate) are ignored rather than trusted.
 */
export function billedRates(rows: CostRow[]): BilledRate[] {
  const totals = new Map<string, { amount: Dec; quantity: Dec }>();
  for (const row of rows) {
    const usageType = row.keys[0] ?? '';
    if (!isProvisionedUsageType(usageType)) continue;
    const t = totals.get(usageType) ?? { amount: usd(0), quantity: usd(0) };
    totals.set(usageType, { amount: t.amount.plus(row.amount), quantity: t.quantity.plus(row.quantity) });
  }
  const rates: BilledRate[] = [];
  for (const [usageType, { amount, quantity }] of totals) {
    if (quantity.lte(0) || amount.lte(0)) continue;
    const rate = amount.div(quantity);
    // A model unit costs a few to a few hundred dollars an hour; anything else is a unit mix-up.
    if (rate.lt(0.5) || rate.gt(5000)) continue;
    const dash = usageType.indexOf('-');
    const regionPrefix = dash > 0 ? usageType.slice(0, dash).toUpperCase() : '';
    const rest = dash > 0 ? usageType.slice(dash + 1) : usageType;
    const modelPart = rest.split(/-?provisioned-?throughput|-?provisionedmodel/i)[0] ?? rest;
    rates.push({
      usageType,
      regionPrefix,
      // `Nova2.0Lite` is Nova 2 Lite: `2.0` and `2` are the same generation.
      modelKey: squash(modelPart.replace(/(\d)\.0(?!\d)/g, '$1')),
      commitment: commitmentOfUsageType(rest),
      perModelUnitHour: rate,
    });
  }
  return rates;
}

/**
 * Pick the billed rate of one throughput: same region, same commitment (when the usage
 * type says), and the closest model name within a small spelling tolerance
 * (`Nova2.0Lite` ~ `amazon.nova-2-lite-v1:0`); no match means the catalog is asked instead.
 */
export function matchBilledRate(
  rates: BilledRate[],
  throughput: { arn: string; foundationModelArn: string; modelArn: string; commitment: Commitment },
): BilledRate | undefined {
  const prefix = regionPrefixOf(regionOfArn(throughput.arn));
  const sameRegion = rates.filter((r) => !prefix || r.regionPrefix === prefix);
  const candidates = sameRegion.filter(
    (r) => r.commitment === undefined || r.commitment === throughput.commitment,
  );
  if (candidates.length === 0) return undefined;
  const key = modelKeyOf(modelIdOfArn(throughput.foundationModelArn || throughput.modelArn));
  let best: { rate: BilledRate; distance: number } | undefined;
  const digits = (text: string) => text.replace(/\D/g, '');
  for (const rate of candidates) {
    // Versions are not spelling: Nova Lite is not Nova 2 Lite, Claude 3.5 Sonnet not 3.7.
    if (digits(rate.modelKey) !== digits(key)) continue;
    // Exact beats containment (`command` vs `commandlight`), containment beats spelling.
    const distance =
      rate.modelKey === key
        ? 0
        : rate.modelKey.includes(key) || key.includes(rate.modelKey)
          ? 1
          : 1 + editDistance(rate.modelKey, key);
    if (!best || distance < best.distance) best = { rate, distance };
  }
  if (!best) return undefined;
  const tolerance = Math.max(2, Math.floor(Math.max(key.length, best.rate.modelKey.length) * 0.34));
  // A rate borrowed from another model would be confidently wrong: better "unknown".
  return best.distance <= tolerance ? best.rate : undefined;
}

/** The model ID at the end of a model ARN (`...:foundation-model/amazon.nova-lite-v1:0`). */
export function modelIdOfArn(arn: string): string {
  const slash = arn.indexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}

/**
 * Published list prices per model-unit hour, used only when neither the bill nor the
 * pricing catalog knows the model (us-east-1 list prices; see reference/bedrock-billing.md).
 * Keys are model keys (`modelKeyOf`); a missing entry means "unknown", never a guess.
 */
const PUBLISHED_RATES: { key: string; rates: Partial<Record<Commitment, string>> }[] = [
  { key: 'nova2lite', rates: { none: '60.50' } },
  { key: 'claudeinstant', rates: { '1-month': '39.60', '6-month': '22.00' } },
  { key: 'claude21', rates: { '1-month': '63.00', '6-month': '35.00' } },
  { key: 'claude2', rates: { '1-month': '63.00', '6-month': '35.00' } },
  { key: 'command', rates: { '1-month': '39.60', '6-month': '23.77' } },
  { key: 'commandtext', rates: { '1-month': '39.60', '6-month': '23.77' } },
];

/** A published list price for a model and commitment, when we know one. */
export function publishedRate(modelId: string, commitment: Commitment): ModelUnitRate | undefined {
  const key = modelKeyOf(modelId);
  const entry = PUBLISHED_RATES.find((e) => e.key === key);
  const price = entry?.rates[commitment];
  return price
    ? { perModelUnitHour: usd(price), source: 'catalog', basis: `list price ${modelId} ${commitment}` }
    : undefined;
}

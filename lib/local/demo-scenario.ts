/**
 * The story of the demo account: who uses which model, how, how much, and what changed.
 * `demo-data.ts` turns it into an hourly usage table and serves it through the ports.
 *
 * Everything here is a *workload*: one team calling one model ID one way (on demand through
 * an inference profile, batch, provisioned throughput, ...). A workload has meters; each
 * meter is one Cost Explorer line (SERVICE x USAGE_TYPE x REGION x LINKED_ACCOUNT x tag)
 * and, for on-demand inference, one CloudWatch `AWS/Bedrock` metric of the invoked ModelId.
 *
 * Units of UsageQuantity (one consistent unit per usage type, so cost = quantity x rate exactly):
 * - Marketplace models (`... (Amazon Bedrock Edition)`, `USE1-MP:USE1_...-Units`): 1 unit =
 *   1 million tokens, the unit their price list uses (a public Cost Explorer sighting agrees).
 * - `Amazon Bedrock` token usage types (`USE1-NovaPro-input-tokens`, ...): 1 unit = 1,000
 *   tokens, the `1K tokens` unit of the AmazonBedrock price list.
 * - Provisioned Throughput: model-unit hours (cost / quantity = the hourly rate).
 * - Guardrails: text units (one text unit is up to 1,000 characters), $0.00015 each.
 * - OpenSearch Serverless: OCU-hours. EC2: instance hours. Lambda: GB-seconds, requests.
 * The domain code must never assume these scales: it compares quantities only within one usage type.
 *
 * Dates are offsets in days from the *anchor*, the Monday of the ISO week that contains "now",
 * so `why last week` always finds the spike, whatever the clock says.
 */

/** The payer account and a second linked account (data-platform's analytics account). */
export const MAIN_ACCOUNT = '123456789012';
export const ANALYTICS_ACCOUNT = '210987654321';

/** The cost allocation tag key the demo account tags its resources with. */
export const DEMO_TAG_KEY = 'team';

/** Service names exactly as Cost Explorer's SERVICE dimension spells them. */
export const SERVICES = {
  bedrock: 'Amazon Bedrock',
  sonnet45: 'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
  haiku45: 'Claude Haiku 4.5 (Amazon Bedrock Edition)',
  haiku3: 'Claude 3 Haiku (Amazon Bedrock Edition)',
  openSearch: 'Amazon OpenSearch Service',
  ec2: 'Amazon Elastic Compute Cloud - Compute',
  lambda: 'AWS Lambda',
} as const;

/** The CloudWatch metric a meter feeds (token meters of on-demand inference only). */
export type MeterMetric =
  | 'InputTokenCount'
  | 'OutputTokenCount'
  | 'CacheReadInputTokenCount'
  | 'CacheWriteInputTokenCount';

export interface MeterSpec {
  service: string;
  usageType: string;
  region: string;
  /** Raw counts (tokens, text units, hours...) per UsageQuantity unit. */
  perUnit: number;
  /** USD per UsageQuantity unit, as a decimal string. */
  rate: string;
  /** Weekday raw count per day at the anchor (before growth, noise and events). */
  daily: number;
  /** The CloudWatch metric this meter also shows up in (on-demand token meters only). */
  metric?: MeterMetric;
  /** `false` for usage that is metered in CloudWatch but billed elsewhere (tokens on provisioned throughput). */
  billed?: boolean;
}

/**
 * How usage spreads over the day and the week:
 * - `business`: people using an app, US business hours, quiet weekends;
 * - `developer`: engineers' coding assistants, even quieter weekends;
 * - `nightly`: scheduled jobs between 01:00 and 06:00 UTC, every day;
 * - `flat`: background ingestion, around the clock;
 * - `constant`: billed by the hour whatever happens (provisioned capacity, OCUs, instances).
 */
export type Shape = 'business' | 'developer' | 'nightly' | 'flat' | 'constant';

export interface Workload {
  /** Stable id: part of the PRNG key, never change it (it would change the numbers). */
  id: string;
  /** `team` tag value; `null` = untagged (Cost Explorer `team$`). */
  team: string | null;
  account: string;
  shape: Shape;
  /** Compound growth per day (0.004 = +0.4 %/day), relative to the anchor. */
  growth: number;
  /** Relative standard deviation of the day-to-day noise. */
  noise: number;
  /** First active hour, in hours from the anchor's midnight (inclusive). */
  fromHour?: number;
  /** Last active hour, exclusive. */
  untilHour?: number;
  /** Fraction of the volume during the first days (a rollout or a ramp-up), day by day. */
  rampIn?: number[];
  /** Fraction of the volume during the last days before `untilHour` (a ramp-down). */
  rampOut?: number[];
  /** CloudWatch ModelId the calls are made with; absent = no runtime metrics (batch, PT billing...). */
  modelId?: string;
  /** Prompt tokens (input + cache read) per invocation, to derive `Invocations`. */
  promptTokensPerCall?: number;
  meters: MeterSpec[];
}

const HOURS_PER_DAY = 24;
const day = (n: number) => n * HOURS_PER_DAY;

// --- Marketplace (Anthropic) meters: price per 1M tokens = per unit. ---------------------------
// Claude Sonnet 4.5 and Haiku 4.5 are called through `global.` profiles here: global routing
// is the base price ($3/$15 and $1/$5); in-region and `us.` routing cost 10% more for these models.
// Cache reads cost 0.1x input, 5-minute cache writes 1.25x input. Batch is half price.

type TokenClass = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'inputBatch' | 'outputBatch';

const MP_METER: Record<TokenClass, string> = {
  input: 'InputTokenCount',
  output: 'OutputTokenCount',
  cacheRead: 'CacheReadInputTokenCount',
  cacheWrite: 'CacheWriteInputTokenCount',
  inputBatch: 'InputTokenCount_Batch',
  outputBatch: 'OutputTokenCount_Batch',
};

const METRIC_OF: Partial<Record<TokenClass, MeterMetric>> = {
  input: 'InputTokenCount',
  output: 'OutputTokenCount',
  cacheRead: 'CacheReadInputTokenCount',
  cacheWrite: 'CacheWriteInputTokenCount',
};

function mp(
  service: string,
  cls: TokenClass,
  rate: string,
  daily: number,
  options: { global?: boolean; prefix?: string } = {},
): MeterSpec {
  const prefix = options.prefix ?? 'USE1';
  const region = prefix === 'USW2' ? 'us-west-2' : 'us-east-1';
  const usageType = `${prefix}-MP:${prefix}_${MP_METER[cls]}${options.global ? '_Global' : ''}-Units`;
  const metric = METRIC_OF[cls];
  return { service, usageType, region, perUnit: 1_000_000, rate, daily, ...(metric ? { metric } : {}) };
}

// --- Amazon Bedrock meters: price per 1K tokens = per unit. -----------------------------------
const BR_SUFFIX: Record<TokenClass, string> = {
  input: 'input-tokens',
  output: 'output-tokens',
  cacheRead: 'cache-read-input-token-count',
  cacheWrite: 'cache-write-input-token-count',
  inputBatch: 'input-tokens-batch',
  outputBatch: 'output-tokens-batch',
};

function br(model: string, cls: TokenClass, rate: string, daily: number, prefix = 'USE1'): MeterSpec {
  const region = prefix === 'USW2' ? 'us-west-2' : 'us-east-1';
  const metric = METRIC_OF[cls];
  return {
    service: SERVICES.bedrock,
    usageType: `${prefix}-${model}-${BR_SUFFIX[cls]}`,
    region,
    perUnit: 1000,
    rate,
    daily,
    ...(metric ? { metric } : {}),
  };
}

/** A meter billed per hour of something that runs all the time (`daily` = units per day). */
function hourly(service: string, usageType: string, rate: string, unitsPerHour: number): MeterSpec {
  return { service, usageType, region: 'us-east-1', perUnit: 1, rate, daily: unitsPerHour * HOURS_PER_DAY };
}

// --- Identifiers --------------------------------------------------------------------------------
export const MODEL_IDS = {
  sonnet45: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
  haiku45: 'anthropic.claude-haiku-4-5-20251001-v1:0',
  haiku3: 'anthropic.claude-3-haiku-20240307-v1:0',
  novaPro: 'amazon.nova-pro-v1:0',
  novaLite: 'amazon.nova-lite-v1:0',
  novaMicro: 'amazon.nova-micro-v1:0',
  llama70b: 'meta.llama3-1-70b-instruct-v1:0',
  llama8b: 'meta.llama3-1-8b-instruct-v1:0',
  titanEmbedV2: 'amazon.titan-embed-text-v2:0',
} as const;

const ARN_PREFIX = `arn:aws:bedrock:us-east-1:${MAIN_ACCOUNT}`;

/** Application inference profiles: one per team and model, tagged with the team. */
export const APP_PROFILES = {
  searchSonnet: { id: 'k3v9x2m7q1ab', name: 'search-sonnet-4-5', team: 'search', copies: 'global.sonnet45' },
  searchEmbed: { id: 'p8d2w5n4c6ef', name: 'search-embeddings', team: 'search', copies: 'titanEmbedV2' },
  supportHaiku3: { id: 'a7t3r9b2y5gh', name: 'support-bot-haiku-3', team: 'support-bot', copies: 'haiku3' },
  supportHaiku45: {
    id: 'm2q8z6v1k4ij',
    name: 'support-bot-haiku-4-5',
    team: 'support-bot',
    copies: 'global.haiku45',
  },
  growthLlama: { id: 'f5h1c8x3w9kl', name: 'growth-llama-3-1-70b', team: 'growth', copies: 'llama70b' },
  growthNovaLite: { id: 'u4j7e2s6d8mn', name: 'growth-nova-lite', team: 'growth', copies: 'novaLite' },
  legalNovaPro: { id: 'w9b3g5t1r7op', name: 'legal-nova-pro', team: 'legal', copies: 'novaPro' },
} as const;

export type AppProfileKey = keyof typeof APP_PROFILES;

/** The ARN of one of the demo's application inference profiles (what the apps invoke). */
export function appProfileArn(key: AppProfileKey): string {
  return `${ARN_PREFIX}:application-inference-profile/${APP_PROFILES[key].id}`;
}

/** Provisioned throughputs. Custom models are the only ones that can be bought without commitment. */
export const PROVISIONED = {
  idle: {
    name: 'nova-lite-test',
    arn: `${ARN_PREFIX}:provisioned-model/x4kq7m2n9p3w`,
    modelArn: `${ARN_PREFIX}:custom-model/amazon.nova-lite-v1:0:300k/r8t2v6y1b5n3`,
    foundationModelArn: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL_IDS.novaLite}`,
    team: 'growth',
    modelUnits: 1,
    commitment: 'none' as const,
    usageType: 'USE1-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits',
    /** USD per model-unit hour, no commitment (the 1-month rate is $55.00). */
    rate: '60.50',
    /**
     * Created on the Sunday before the anchor at 14:00 UTC for a test that never ran; never
     * invoked since. Kept recent so it shows up as idle without dwarfing the rest of the bill.
     */
    createdHour: -day(1) + 14,
  },
  busy: {
    name: 'llama-ft-support',
    arn: `${ARN_PREFIX}:provisioned-model/h7c2z9f4k1d8`,
    modelArn: `${ARN_PREFIX}:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/q3w8e1r6t9y2`,
    foundationModelArn: `arn:aws:bedrock:us-east-1::foundation-model/${MODEL_IDS.llama8b}`,
    team: 'support-bot',
    modelUnits: 1,
    commitment: '6-month' as const,
    usageType: 'USE1-Llama3-1-8B-ProvisionedThroughput-6month-ModelUnits',
    /** USD per model-unit hour with a 6-month commitment (demo figure). */
    rate: '20.50',
    /** Bought 120 days before the anchor (before the 90-day window), for 6 months. */
    createdHour: -day(120) + 10,
  },
} as const;

// --- Events (days from the anchor) ------------------------------------------------------------
/** search starts a nightly re-ranking job on Tuesday of last week: Sonnet 4.5 output ~triples. */
export const SPIKE_START_DAY = -6;
/** support-bot moves from Claude 3 Haiku to Claude Haiku 4.5 (a 4-day rollout). */
export const SWITCH_DAY = -35;
const SWITCH_RAMP = [0.1, 0.35, 0.7];
/** team legal starts using Nova Pro 19 days before the anchor (ramping up over a week). */
export const LEGAL_START_DAY = -19;

/** Every workload of the demo account. Weekday daily volumes at the anchor. */
export const WORKLOADS: Workload[] = [
  // search: RAG answers on Claude Sonnet 4.5 through an application profile copied from the
  // global cross-region profile, hence the `_Global` usage types. ~$225 a weekday.
  {
    id: 'search-sonnet',
    team: 'search',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.004,
    noise: 0.06,
    modelId: appProfileArn('searchSonnet'),
    promptTokensPerCall: 3000,
    meters: [
      mp(SERVICES.sonnet45, 'input', '3', 30_000_000, { global: true }),
      mp(SERVICES.sonnet45, 'output', '15', 5_000_000, { global: true }),
      mp(SERVICES.sonnet45, 'cacheRead', '0.30', 120_000_000, { global: true }),
      mp(SERVICES.sonnet45, 'cacheWrite', '3.75', 6_000_000, { global: true }),
    ],
  },
  // The spike: a nightly re-ranking job through the same profile, long outputs. +$170 a day.
  {
    id: 'search-rerank-job',
    team: 'search',
    account: MAIN_ACCOUNT,
    shape: 'nightly',
    growth: 0,
    noise: 0.05,
    fromHour: day(SPIKE_START_DAY),
    modelId: appProfileArn('searchSonnet'),
    promptTokensPerCall: 1200,
    meters: [
      mp(SERVICES.sonnet45, 'input', '3', 6_000_000, { global: true }),
      mp(SERVICES.sonnet45, 'output', '15', 10_000_000, { global: true }),
    ],
  },
  {
    id: 'search-embeddings',
    team: 'search',
    account: MAIN_ACCOUNT,
    shape: 'flat',
    growth: 0.003,
    noise: 0.08,
    modelId: appProfileArn('searchEmbed'),
    promptTokensPerCall: 500,
    meters: [br('TitanEmbeddingV2-Text', 'input', '0.00002', 400_000_000)],
  },
  {
    id: 'search-ec2',
    team: 'search',
    account: MAIN_ACCOUNT,
    shape: 'constant',
    growth: 0,
    noise: 0,
    meters: [hourly(SERVICES.ec2, 'BoxUsage:m6i.xlarge', '0.192', 6)],
  },
  // support-bot: the model switch. Claude 3 Haiku in-region until SWITCH_DAY...
  {
    id: 'support-haiku-3',
    team: 'support-bot',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.003,
    noise: 0.06,
    untilHour: day(SWITCH_DAY + SWITCH_RAMP.length),
    rampOut: SWITCH_RAMP.map((f) => 1 - f),
    modelId: appProfileArn('supportHaiku3'),
    promptTokensPerCall: 1500,
    meters: [
      mp(SERVICES.haiku3, 'input', '0.25', 60_000_000),
      mp(SERVICES.haiku3, 'output', '1.25', 10_000_000),
    ],
  },
  // ...then Claude Haiku 4.5 through a global profile, with prompt caching. Cost per chat x2.5.
  {
    id: 'support-haiku-4-5',
    team: 'support-bot',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.003,
    noise: 0.06,
    fromHour: day(SWITCH_DAY),
    rampIn: SWITCH_RAMP,
    modelId: appProfileArn('supportHaiku45'),
    promptTokensPerCall: 1500,
    meters: [
      mp(SERVICES.haiku45, 'input', '1', 20_000_000, { global: true }),
      mp(SERVICES.haiku45, 'output', '5', 8_000_000, { global: true }),
      mp(SERVICES.haiku45, 'cacheRead', '0.10', 45_000_000, { global: true }),
      mp(SERVICES.haiku45, 'cacheWrite', '1.25', 2_000_000, { global: true }),
    ],
  },
  // support-bot's fine-tuned ticket classifier on a 6-month provisioned throughput: billed per
  // model-unit hour; the tokens show up only in CloudWatch (under the provisioned model's ARN).
  {
    id: 'support-llama-pt-bill',
    team: 'support-bot',
    account: MAIN_ACCOUNT,
    shape: 'constant',
    growth: 0,
    noise: 0,
    fromHour: PROVISIONED.busy.createdHour,
    meters: [hourly(SERVICES.bedrock, PROVISIONED.busy.usageType, PROVISIONED.busy.rate, 1)],
  },
  {
    id: 'support-llama-pt-calls',
    team: 'support-bot',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.002,
    noise: 0.07,
    modelId: PROVISIONED.busy.arn,
    promptTokensPerCall: 800,
    meters: [
      { ...br('Llama3-1-8B', 'input', '0', 40_000_000), billed: false },
      { ...br('Llama3-1-8B', 'output', '0', 4_000_000), billed: false },
    ],
  },
  // Guardrail on the support chat; the guardrail resource is not tagged: unattributed.
  {
    id: 'support-guardrail',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.003,
    noise: 0.06,
    meters: [
      {
        service: SERVICES.bedrock,
        usageType: 'USE1-Guardrail-ContentPolicyUnitsConsumed',
        region: 'us-east-1',
        perUnit: 1,
        rate: '0.00015',
        daily: 120_000,
      },
    ],
  },
  // growth: Llama 3.1 70B through its profile, invoked by the bare profile ID (not the ARN).
  {
    id: 'growth-llama',
    team: 'growth',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.005,
    noise: 0.08,
    modelId: APP_PROFILES.growthLlama.id,
    promptTokensPerCall: 2000,
    meters: [
      br('Llama3-1-70B', 'input', '0.00072', 50_000_000),
      br('Llama3-1-70B', 'output', '0.00072', 12_000_000),
    ],
  },
  {
    id: 'growth-nova-lite',
    team: 'growth',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.005,
    noise: 0.08,
    modelId: appProfileArn('growthNovaLite'),
    promptTokensPerCall: 1800,
    meters: [
      br('NovaLite', 'input', '0.00006', 200_000_000),
      br('NovaLite', 'output', '0.00024', 40_000_000),
      br('NovaLite', 'cacheRead', '0.000015', 60_000_000),
    ],
  },
  // The forgotten provisioned throughput: created for a load test that never ran.
  {
    id: 'growth-nova-lite-test-pt',
    team: 'growth',
    account: MAIN_ACCOUNT,
    shape: 'constant',
    growth: 0,
    noise: 0,
    fromHour: PROVISIONED.idle.createdHour,
    meters: [hourly(SERVICES.bedrock, PROVISIONED.idle.usageType, PROVISIONED.idle.rate, 1)],
  },
  // data-platform: nightly batch enrichment. Batch jobs emit no AWS/Bedrock runtime metrics.
  {
    id: 'data-platform-micro-batch',
    team: 'data-platform',
    account: ANALYTICS_ACCOUNT,
    shape: 'nightly',
    growth: 0.002,
    noise: 0.1,
    meters: [
      br('NovaMicro', 'inputBatch', '0.0000175', 1_500_000_000, 'USW2'),
      br('NovaMicro', 'outputBatch', '0.00007', 250_000_000, 'USW2'),
    ],
  },
  {
    id: 'data-platform-haiku-batch',
    team: 'data-platform',
    account: MAIN_ACCOUNT,
    shape: 'nightly',
    growth: 0.002,
    noise: 0.1,
    meters: [
      mp(SERVICES.haiku3, 'inputBatch', '0.125', 200_000_000),
      mp(SERVICES.haiku3, 'outputBatch', '0.625', 30_000_000),
    ],
  },
  // The knowledge base's OpenSearch Serverless collection: 2 indexing + 2 search OCUs around
  // the clock, billed even when nobody queries it. Created from the console: untagged.
  {
    id: 'kb-opensearch',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'constant',
    growth: 0,
    noise: 0,
    meters: [
      hourly(SERVICES.openSearch, 'USE1-IndexingOCU', '0.24', 2),
      hourly(SERVICES.openSearch, 'USE1-SearchOCU', '0.24', 2),
    ],
  },
  // The knowledge base's own embedding calls use the base model ID: untagged.
  {
    id: 'kb-embeddings',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'flat',
    growth: 0.003,
    noise: 0.1,
    modelId: MODEL_IDS.titanEmbedV2,
    promptTokensPerCall: 600,
    meters: [br('TitanEmbeddingV2-Text', 'input', '0.00002', 150_000_000)],
  },
  // Engineers' coding assistant on the global Sonnet 4.5 system profile: untagged.
  {
    id: 'dev-coding-assistant',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'developer',
    growth: 0.006,
    noise: 0.12,
    modelId: `global.${MODEL_IDS.sonnet45}`,
    promptTokensPerCall: 25_000,
    meters: [
      mp(SERVICES.sonnet45, 'input', '3', 8_000_000, { global: true }),
      mp(SERVICES.sonnet45, 'output', '15', 1_500_000, { global: true }),
      mp(SERVICES.sonnet45, 'cacheRead', '0.30', 60_000_000, { global: true }),
      mp(SERVICES.sonnet45, 'cacheWrite', '3.75', 3_000_000, { global: true }),
    ],
  },
  // Scripts calling Nova Micro by its base model ID: untagged.
  {
    id: 'scripts-nova-micro',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.002,
    noise: 0.15,
    modelId: MODEL_IDS.novaMicro,
    promptTokensPerCall: 900,
    meters: [
      br('NovaMicro', 'input', '0.000035', 30_000_000),
      br('NovaMicro', 'output', '0.00014', 5_000_000),
    ],
  },
  // An old ticket-triage script still on Claude 3 Haiku in-region, called by base model ID:
  // untagged, and the plain (not `_Global`) Marketplace usage types.
  {
    id: 'triage-haiku-3',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.001,
    noise: 0.1,
    modelId: MODEL_IDS.haiku3,
    promptTokensPerCall: 1200,
    meters: [
      mp(SERVICES.haiku3, 'input', '0.25', 40_000_000),
      mp(SERVICES.haiku3, 'output', '1.25', 4_000_000),
    ],
  },
  // legal: a new team, since LEGAL_START_DAY, on Nova Pro.
  {
    id: 'legal-nova-pro',
    team: 'legal',
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.01,
    noise: 0.1,
    fromHour: day(LEGAL_START_DAY),
    rampIn: [0.15, 0.3, 0.45, 0.6, 0.75, 0.9],
    modelId: appProfileArn('legalNovaPro'),
    promptTokensPerCall: 6000,
    meters: [
      br('NovaPro', 'input', '0.0008', 25_000_000),
      br('NovaPro', 'output', '0.0032', 4_000_000),
      br('NovaPro', 'cacheRead', '0.0002', 10_000_000),
    ],
  },
  // Non-Bedrock services in the same account, so spend code must filter by service.
  {
    id: 'lambda-functions',
    team: null,
    account: MAIN_ACCOUNT,
    shape: 'business',
    growth: 0.002,
    noise: 0.05,
    meters: [
      { ...hourly(SERVICES.lambda, 'Lambda-GB-Second', '0.0000166667', 0), daily: 2_000_000 },
      { ...hourly(SERVICES.lambda, 'Request', '0.0000002', 0), daily: 5_000_000 },
    ],
  },
];

/**
 * A promotional credit (RECORD_TYPE `Credit`) covering growth's Llama trial: the negative of
 * that line's daily cost. Only visible when a query asks for the `Credit` record type.
 */
export const CREDIT = { workloadId: 'growth-llama', meterIndex: 0 } as const;

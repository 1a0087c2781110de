/**
 * The ports: the narrow interfaces through which domain code (pricing, spend, analysis,
 * budgets, digest) reads the outside world. The AWS adapters in `lib/aws/` and the demo
 * account in `lib/local/demo-data.ts` both implement them, so every command answers the
 * same way from a real account or from the demo.
 *
 * Money crosses these ports as `Decimal` (exact); dates as ISO strings, periods half-open.
 */
import type { Dec } from './money.js';

/** Cost Explorer metrics, i.e. the cost basis. Unblended is what the invoice shows per line. */
export type CostMetric = 'UnblendedCost' | 'AmortizedCost' | 'NetUnblendedCost' | 'NetAmortizedCost';

/** A Cost Explorer group-by dimension, or a cost allocation tag key. */
export type CostDimension =
  | { type: 'DIMENSION'; key: 'SERVICE' | 'USAGE_TYPE' | 'REGION' | 'LINKED_ACCOUNT' | 'RECORD_TYPE' }
  | { type: 'TAG'; key: string };

export interface CostQuery {
  /** Inclusive ISO date. */
  start: string;
  /** Exclusive ISO date. */
  end: string;
  granularity: 'DAILY' | 'MONTHLY';
  /** Zero, one or two dimensions (Cost Explorer allows two). */
  groupBy: CostDimension[];
  /** SERVICE filter: the Bedrock-related services (see `lib/spend`). Empty = no filter. */
  services: string[];
  /** Optional filter on a cost allocation tag; `''` among values means "untagged". */
  tag?: { key: string; values: string[] };
  /** RECORD_TYPE filter; default `['Usage']` so credits, refunds and tax stay out. */
  recordTypes?: string[];
  metric: CostMetric;
  /**
   * The ledger's own extension: sum into these periods (one row per group and period) instead
   * of DAILY / MONTHLY buckets. Cost Explorer has no such option: its adapter ignores it and
   * answers by `granularity`, which callers sum themselves (`fetchLines`' `sumInto`).
   */
  buckets?: { start: string; end: string }[];
  /**
   * The ledger's own extension: `false` when the asker reads amounts only (a forecast's or a
   * budget's daily sums): rows' `quantity` may then be zero rather than summed. Cost Explorer
   * answers with quantities regardless.
   */
  quantities?: false;
}

/** One group of one time bucket, as Cost Explorer returns it. */
export interface CostRow {
  /** Bucket start (inclusive ISO date). */
  start: string;
  /** Bucket end (exclusive ISO date). */
  end: string;
  /**
   * Group keys in `groupBy` order, verbatim: a tag key comes back as `team$search`,
   * untagged as `team$`.
   */
  keys: string[];
  amount: Dec;
  /** UsageQuantity (unit depends on the usage type; compare only within one usage type). */
  quantity: Dec;
  /** True when Cost Explorer marks the bucket as estimated (not final). */
  estimated: boolean;
}

export interface CostResult {
  rows: CostRow[];
  /** How many billed API requests (pages) this answer took; 0 when served from cache. */
  requests: number;
  /**
   * When the answer was read from Cost Explorer (ISO timestamp), for a source that keeps
   * answers (the cache, the ledger); absent means just now.
   */
  fetchedAt?: string;
  /** True when a kept answer is served past its freshness (Cost Explorer could not answer). */
  stale?: boolean;
}

export interface CostForecast {
  /** Forecast for the rest of the period (Cost Explorer forecasts from today on). */
  total: Dec;
  low?: Dec;
  high?: Dec;
}

/** The bill. Implemented by `lib/aws/cost-explorer.ts` and the demo account. */
export interface CostSource {
  /** Every SERVICE dimension value with cost in the period (GetDimensionValues). */
  listServices(range: { start: string; end: string }): Promise<string[]>;
  /** GetCostAndUsage, every page followed. */
  getCostAndUsage(query: CostQuery): Promise<CostResult>;
  /**
   * GetCostForecast from `start` (today or later) to `end`; `null` when Cost Explorer has
   * too little history to forecast.
   */
  getCostForecast(query: Omit<CostQuery, 'groupBy' | 'granularity'>): Promise<CostForecast | null>;
  /**
   * The ledger's own extension (Cost Explorer has none): a DAILY query grouped by the team tag
   * and USAGE_TYPE, each day's usage types folded into classes per tag value (`classOf`: the
   * class, or -1 to leave the usage type out), as `getCostAndUsage`'s rows would add up.
   * Undefined when the ledger cannot answer from its facts: ask `getCostAndUsage`.
   */
  getDailyClassSums?(
    query: CostQuery,
    classOf: (usageType: string) => number,
    classes: number,
  ): Promise<DailyClassSums | undefined>;
}

/** `getDailyClassSums`' answer: tag key as spelled (`team$search`) -> day -> each class's sum. */
export interface DailyClassSums {
  sums: Map<string, Map<string, Dec[]>>;
  requests: number;
  fetchedAt: string;
  stale: boolean;
}

/** CloudWatch `AWS/Bedrock` metrics we read. */
export type BedrockMetricName =
  | 'Invocations'
  | 'InputTokenCount'
  | 'OutputTokenCount'
  | 'CacheReadInputTokenCount'
  | 'CacheWriteInputTokenCount'
  | 'OutputImageCount'
  | 'InvocationThrottles';

export interface MetricQuery {
  /** Caller's id for the series (letters, digits, underscore; starts lowercase). */
  id: string;
  metric: BedrockMetricName;
  /** Value of the `ModelId` dimension: base model ID, profile ID or ARN, provisioned ARN. */
  modelId: string;
}

export interface MetricSeries {
  id: string;
  /** Sum per period, oldest first; periods without data are absent. */
  points: { at: Date; value: number }[];
}

/** Near-real-time usage. Implemented by `lib/aws/cloudwatch.ts` and the demo account. */
export interface MetricsSource {
  /** ModelId dimension values that have `AWS/Bedrock` metrics (ListMetrics). */
  listModelIds(): Promise<string[]>;
  /** GetMetricData, Sum per period, batched and paginated by the adapter. */
  getMetricSums(query: {
    start: Date;
    end: Date;
    periodSeconds: number;
    queries: MetricQuery[];
  }): Promise<{ series: MetricSeries[]; requests: number }>;
}

export type Commitment = 'none' | '1-month' | '6-month';

export interface ProvisionedThroughput {
  arn: string;
  name: string;
  /** The model served: a foundation-model ARN or a custom-model ARN. */
  modelArn: string;
  /** The foundation model behind it (for custom models, the base). */
  foundationModelArn: string;
  modelUnits: number;
  status: 'Creating' | 'InService' | 'Updating' | 'Failed';
  commitment: Commitment;
  /** ISO timestamp when the commitment ends. */
  commitmentExpiresAt?: string;
  createdAt: string;
  /**
   * Resource tags, when they could be read (absent when not: say, no permission). The team
   * tag sends an idle finding to the team that owns the throughput, not only to FinOps.
   */
  tags?: Record<string, string>;
}

export interface InferenceProfile {
  id: string;
  arn: string;
  name: string;
  type: 'SYSTEM_DEFINED' | 'APPLICATION';
  /** Model ARNs the profile routes to. */
  modelArns: string[];
  /** Resource tags (application profiles carry the team tag). */
  tags: Record<string, string>;
}

/** The AWS operations a listing may make (reported for the request ledger). */
export type ControlPlaneOperation =
  | 'ListInferenceProfiles'
  | 'ListProvisionedModelThroughputs'
  | 'ListTagsForResource'
  | 'GetResources';

export interface ListProvisionedThroughputsOptions {
  /** `false`: skip reading tags (a re-check of which throughputs still exist). */
  tags?: boolean;
  /** Told how many requests of each operation the listing made (the ledger counts them). */
  onRequests?: (operation: ControlPlaneOperation, count: number) => void;
}

export interface ListInferenceProfilesOptions {
  knownTags?: ReadonlyMap<string, Record<string, string>>;
  /** Told how many requests of each operation the listing made (the ledger counts them). */
  onRequests?: (operation: ControlPlaneOperation, count: number) => void;
}

/** The Bedrock control plane. Implemented by `lib/aws/bedrock.ts` and the demo account. */
export interface BedrockControlPlane {
  /** Every provisioned throughput, with its tags where they can be read. */
  listProvisionedThroughputs(options?: ListProvisionedThroughputsOptions): Promise<ProvisionedThroughput[]>;
  /**
   * One throughput by ARN or ID (GetProvisionedModelThroughput); `null` when it no longer
   * exists (deleted since it was listed). Optional: sources without it skip the re-check.
   */
  getProvisionedThroughput?(arnOrId: string): Promise<ProvisionedThroughput | null>;
  /**
   * Every inference profile with its tags. `knownTags` (by profile ARN) are taken as they
   * are instead of reading them again: tags change rarely. The AWS adapter reads the others
   * one profile at a time when they are few, else in pages of 100 through the Resource
   * Groups Tagging API.
   */
  listInferenceProfiles(options?: ListInferenceProfilesOptions): Promise<InferenceProfile[]>;
}

/** Everything a command may read about an account. */
export interface DataSources {
  /** `aws` or `demo`: answers say which. */
  kind: 'aws' | 'demo';
  costs: CostSource;
  metrics: MetricsSource;
  bedrock: BedrockControlPlane;
}

/** One price dimension of an OnDemand term (`pricePerUnit.USD` per `unit`). */
export interface PriceDimension {
  rateCode?: string;
  description?: string;
  beginRange?: string;
  endRange?: string;
  unit?: string;
  pricePerUnit?: Record<string, string>;
}

/** A Price List product document, as `GetProducts` returns it. */
export interface PriceListProduct {
  product: {
    sku?: string;
    productFamily?: string | null;
    attributes: Record<string, string>;
  };
  serviceCode?: string;
  terms?: {
    OnDemand?: Record<string, { effectiveDate?: string; priceDimensions?: Record<string, PriceDimension> }>;
  };
  version?: string;
  publicationDate?: string;
}

/**
 * The AWS Price List Query API (`pricing:GetProducts`), which the catalog refresh reads
 * through (`lib/aws/price-list.ts`; tests give it a wire-level fake server).
 */
export interface PriceListSource {
  /** Every product of a service code (`AmazonBedrock`, `AmazonBedrockFoundationModels`). */
  getProducts(serviceCode: string, filters?: { field: string; value: string }[]): Promise<PriceListProduct[]>;
}

/**
 * Every AWS SDK client is built here, once per cold start, and nowhere else.
 *
 * - Endpoint overrides come from the standard `AWS_ENDPOINT_URL_<SERVICE>` variables,
 *   which SDK v3 reads itself (tests point them at local wire-level servers).
 * - Cost Explorer and the Price List API are global services served from us-east-1:
 *   their clients use that region whatever the Lambda's region.
 * - Retries: the SDK's standard mode with a few attempts; throttling is retried with
 *   backoff by the SDK before our adapters see it.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { PricingClient } from '@aws-sdk/client-pricing';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';

export interface AwsClientOptions {
  region: string;
  maxAttempts?: number;
}

/** The region-bound clients the data sources need. */
export interface AwsClients {
  costExplorer: CostExplorerClient;
  cloudWatch: CloudWatchClient;
  bedrock: BedrockClient;
  bedrockRuntime: BedrockRuntimeClient;
  pricing: PricingClient;
  /** Reads application inference profiles' tags 100 at a time (`GetResources`). */
  tagging: ResourceGroupsTaggingAPIClient;
}

/**
 * The Price List client alone (the daily pricing refresh needs nothing else). The
 * Price List API is served from us-east-1 whatever the caller's Region.
 */
export function createPricingClient(options: { maxAttempts?: number } = {}): PricingClient {
  return new PricingClient({
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'standard',
    region: 'us-east-1',
  });
}

/**
 * The Bedrock Runtime client alone, for `ask` (Converse). Built once per process by its
 * caller; the endpoint override comes from `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` like every
 * other client. Fewer attempts than the data clients: a person is waiting for the answer.
 */
export function createBedrockRuntimeClient(options: AwsClientOptions): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    region: options.region,
  });
}

/**
 * The Athena client alone, for the CUR 2.0 bill source (`BEDROCK_COST_SOURCE=cur`); the
 * endpoint override comes from `AWS_ENDPOINT_URL_ATHENA`.
 */
export function createAthenaClient(options: AwsClientOptions): AthenaClient {
  return new AthenaClient({
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'standard',
    region: options.region,
  });
}

/** Build the data-source clients. Cost Explorer and Pricing always use us-east-1. */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const common = { maxAttempts: options.maxAttempts ?? 4, retryMode: 'standard' as const };
  return {
    costExplorer: new CostExplorerClient({ ...common, region: 'us-east-1' }),
    cloudWatch: new CloudWatchClient({ ...common, region: options.region }),
    bedrock: new BedrockClient({ ...common, region: options.region }),
    bedrockRuntime: new BedrockRuntimeClient({ ...common, region: options.region }),
    pricing: new PricingClient({ ...common, region: 'us-east-1' }),
    tagging: new ResourceGroupsTaggingAPIClient({ ...common, region: options.region }),
  };
}

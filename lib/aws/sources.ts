/**
 * The AWS implementation of `DataSources`: Cost Explorer for the bill, CloudWatch for
 * near-real-time tokens, the Bedrock control plane for provisioned throughput and
 * inference profiles.
 */
import type { DataSources } from '../ports.js';
import { createBedrockControlPlane } from './bedrock.js';
import type { AwsClients } from './clients.js';
import { createCloudWatchMetrics } from './cloudwatch.js';
import { createCostExplorerSource } from './cost-explorer.js';

export function createAwsSources(clients: AwsClients): DataSources {
  return {
    kind: 'aws',
    costs: createCostExplorerSource(clients.costExplorer),
    metrics: createCloudWatchMetrics(clients.cloudWatch),
    bedrock: createBedrockControlPlane(clients.bedrock, { tagging: clients.tagging }),
  };
}

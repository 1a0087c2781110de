/**
 * Shared pieces of the fault tests: `Deps` whose AWS data sources are the real adapters
 * pointed at the local wire-level server with a small retry budget (fast tests), behind the
 * real DynamoDB cache and ledger; and a real chat delivery that never sleeps for long.
 */
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { createBedrockControlPlane } from '../../lib/aws/bedrock.js';
import { createCloudWatchMetrics } from '../../lib/aws/cloudwatch.js';
import { createCostExplorerSource } from '../../lib/aws/cost-explorer.js';
import { createChatDelivery } from '../../lib/chat/deliver.js';
import { loadConfig } from '../../lib/config.js';
import type { Deps } from '../../lib/context.js';
import type { DataSources } from '../../lib/ports.js';
import type { Delivery } from '../../lib/reply/delivery.js';
import type { Store } from '../../lib/store/store.js';
import type { AwsServer } from '../support/aws-server.js';
import { LOCAL_WEBHOOK_ENV, testDeps } from '../support/deps.js';

/** The AWS adapters at the wire: one SDK retry, our own Cost Explorer backoff of 1 ms. */
export function wireSources(aws: AwsServer): DataSources {
  const config = aws.clientConfig({ maxAttempts: 2 });
  return {
    kind: 'aws',
    costs: createCostExplorerSource(new CostExplorerClient(config), {
      retryDelaysMs: [1],
      sleep: async () => {},
    }),
    metrics: createCloudWatchMetrics(new CloudWatchClient(config)),
    bedrock: createBedrockControlPlane(new BedrockClient(config)),
  };
}

/** Options for `faultDeps`. */
export interface FaultDepsOptions {
  store: Store;
  aws: AwsServer;
  now?: string | Date;
  env?: Record<string, string | undefined>;
  delivery?: Delivery;
}

/**
 * `testDeps` with the wire sources behind the real cache (`withCaching`): what Lambda
 * builds, minus the real endpoints and with fast retries.
 */
export function faultDeps(options: FaultDepsOptions): Deps {
  // The wire adapters as the account, behind the bill ledger as every deployment has it.
  return testDeps({
    store: options.store,
    now: options.now,
    env: options.env,
    sources: wireSources(options.aws),
    ...(options.delivery ? { delivery: options.delivery } : {}),
  });
}

/** The real Slack/Teams delivery, with `Retry-After` waits recorded instead of slept. */
export function fastChatDelivery(
  env: Record<string, string>,
  waits: number[] = [],
): { delivery: Delivery; waits: number[] } {
  const delivery = createChatDelivery(loadConfig({ AWS_REGION: 'us-east-1', ...LOCAL_WEBHOOK_ENV, ...env }), {
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { delivery, waits };
}

/** A user-facing line: short, no stack, no leaked internals. */
export function isFriendly(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= 400 &&
    !/\n\s+at |undefined|\[object Object\]|Error:|https?:\/\/127\.0\.0\.1/.test(text)
  );
}

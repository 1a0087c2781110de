/**
 * Delivery health as CloudWatch metrics, so an operator hears about lost or doubtful
 * messages from an alarm (infra/cloudformation/delivery-alarms.yml) rather than by reading
 * logs. Written in CloudWatch embedded metric format (one JSON line on stdout, turned into
 * metrics by Lambda's log ingestion: no API call, no latency) by Powertools Metrics.
 *
 * - `DeliveryFailed`: a message surely not delivered (refused, unknown channel, throttled
 *   too long, redirected, a command answer the worker could not post). Scheduled ones are
 *   retried next run; a command answer goes to the failure queue.
 * - `DeliveryUncertain`: the platform did not answer in time or answered 5xx after the
 *   request was sent; the message may be in the channel, so it is not posted again.
 * - `PostedNotRecorded`: the message is out but recording it failed (DynamoDB): a later run
 *   may post it a second time.
 * - `AttachmentFailed`: the message is out without its chart (a partial success).
 *
 * Only Lambda publishes (`lambdaDeps`); the CLI, whose stdout is its answer, has none.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type DeliveryMetricName =
  | 'DeliveryFailed'
  | 'DeliveryUncertain'
  | 'PostedNotRecorded'
  | 'AttachmentFailed';

/** Counts delivery events; `job` (`alerts`, `digest`, `idle-scan`, `command-worker`) goes in the metadata. */
export interface DeliveryMetrics {
  count(name: DeliveryMetricName, job: string): void;
}

/** The metrics namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'BedrockCost';

/**
 * Delivery metrics in embedded metric format, published at once (these events are rare,
 * and a Lambda that times out later must not lose them). Dimension: `service`
 * (`POWERTOOLS_SERVICE_NAME`, default `bedrock-cost`), which the alarms select on.
 *
 * @example
 * const metrics = emfDeliveryMetrics();
 * metrics.count('DeliveryFailed', 'alerts'); // {"_aws":{...,"Metrics":[{"Name":"DeliveryFailed","Unit":"Count"}]},"service":"bedrock-cost","DeliveryFailed":1,"job":"alerts"}
 */
export function emfDeliveryMetrics(
  options: { namespace?: string; serviceName?: string } = {},
  env: Record<string, string | undefined> = process.env,
): DeliveryMetrics {
  const metrics = new Metrics({
    namespace: options.namespace ?? env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    serviceName: options.serviceName ?? env.POWERTOOLS_SERVICE_NAME ?? 'bedrock-cost',
  });
  return {
    count(name, job) {
      metrics.addMetadata('job', job);
      metrics.addMetric(name, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    },
  };
}

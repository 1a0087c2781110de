/**
 * `Deps` for tests: a fixed clock (default the suite's "now", 2026-11-18T06:00:00Z, a
 * Wednesday), a silent log, a validated config built only from what the test passes (never
 * from the machine's environment), and a delivery that records what would have been sent.
 *
 * @example
 * const dynamo = await startTestDynamo();
 * const delivery = recordingDelivery();
 * const deps = testDeps({ store: dynamo.store, sources: demoSources, delivery, env: { TEAM_TAG_KEY: 'cost-center' } });
 * await runBudgetAlerts(deps);
 * expect(delivery.sent).toHaveLength(1);
 */

import { fixedClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import type { Deps } from '../../lib/context.js';
import { createDeps } from '../../lib/deps.js';
import { type Log, silentLog } from '../../lib/log.js';
import type { DeliveryMetrics } from '../../lib/metrics.js';
import type { DataSources } from '../../lib/ports.js';
import type { ChatTarget, Delivery, DeliveryReceipt } from '../../lib/reply/delivery.js';
import { DeliveryError } from '../../lib/reply/delivery.js';
import type { Reply } from '../../lib/reply/reply.js';
import { DynamoStore } from '../../lib/store/dynamo.js';
import type { Store } from '../../lib/store/store.js';

/**
 * The local test servers (webhooks, `response_url`s) listen on 127.0.0.1, which the
 * outbound policy refuses by default (`lib/reply/outbound.ts`): tests allow it explicitly,
 * as an operator would for a local run. A test of the refusal leaves it out.
 */
export const LOCAL_WEBHOOK_ENV = { BEDROCK_COST_WEBHOOK_HOSTS: '127.0.0.1' } as const;

/** The suite's "now" (matches `BEDROCK_COST_NOW` in vitest.config.ts). */
export const TEST_NOW = '2026-11-18T06:00:00Z';

/** One message a `RecordingDelivery` accepted. */
export interface SentMessage {
  target: ChatTarget;
  reply: Reply;
  receipt: DeliveryReceipt;
}

/** A `Delivery` that records sends and can be told to fail for some targets. */
export interface RecordingDelivery extends Delivery {
  /** Messages accepted, in order (failed sends are not here). */
  sent: SentMessage[];
  /** Every attempt, including failed ones. */
  attempts: { target: ChatTarget; reply: Reply; failed: boolean }[];
  /**
   * Make sends to matching targets reject with a `DeliveryError` (`retryable` default true).
   * `match` is a Slack channel ID, a Teams webhook URL, or a predicate. `times` limits how
   * many sends fail (default: all). `maybeDelivered`: the platform may have taken it (a
   * timeout or a 5xx after the request was sent).
   */
  failFor(
    match: string | ((target: ChatTarget) => boolean),
    options?: { retryable?: boolean; times?: number; message?: string; maybeDelivered?: boolean },
  ): void;
  /** Messages sent to one Slack channel ID or Teams webhook URL. */
  sentTo(channelOrUrl: string): SentMessage[];
}

const targetKey = (target: ChatTarget) =>
  target.kind === 'slack'
    ? target.channel
    : target.kind === 'teams'
      ? target.webhookUrl
      : target.conversationId;

/**
 * A delivery recorder. Slack receipts get increasing message timestamps
 * (`1763445600.000100`, `...000200`, ...).
 */
export function recordingDelivery(): RecordingDelivery {
  const failures: {
    test: (target: ChatTarget) => boolean;
    retryable: boolean;
    remaining: number;
    message: string;
    maybeDelivered: boolean;
  }[] = [];
  const sent: SentMessage[] = [];
  const attempts: RecordingDelivery['attempts'] = [];
  let seq = 0;
  return {
    sent,
    attempts,
    failFor(match, options = {}) {
      failures.push({
        test: typeof match === 'function' ? match : (t) => targetKey(t) === match,
        retryable: options.retryable ?? true,
        remaining: options.times ?? Number.POSITIVE_INFINITY,
        message: options.message ?? 'test delivery failure',
        maybeDelivered: options.maybeDelivered ?? false,
      });
    },
    sentTo: (channelOrUrl) => sent.filter((m) => targetKey(m.target) === channelOrUrl),
    async send(target, reply) {
      const failure = failures.find((f) => f.remaining > 0 && f.test(target));
      if (failure) {
        failure.remaining--;
        attempts.push({ target, reply, failed: true });
        throw new DeliveryError(failure.message, {
          retryable: failure.retryable,
          maybeDelivered: failure.maybeDelivered,
        });
      }
      attempts.push({ target, reply, failed: false });
      seq++;
      const receipt: DeliveryReceipt =
        target.kind === 'slack' ? { ts: `1763445600.${String(seq * 100).padStart(6, '0')}` } : {};
      sent.push({ target, reply, receipt });
      return receipt;
    },
  };
}

export interface TestDepsOptions {
  store: Store;
  /** Data sources; without them `deps.sources()` builds AWS adapters (point them with `awsTestEnv`). */
  sources?: DataSources;
  /** Default: a fresh `recordingDelivery()` (reach it as `deps.delivery as RecordingDelivery`). */
  delivery?: Delivery;
  /** The instant the clock is stopped at; default `TEST_NOW`. */
  now?: string | Date;
  /** Extra environment for `loadConfig` (e.g. `ADMIN_USER_IDS`, `SLACK_API_URL`). */
  env?: Record<string, string | undefined>;
  log?: Log;
  /** Delivery metrics (e.g. `emfDeliveryMetrics()` to assert on the EMF lines). */
  metrics?: DeliveryMetrics;
}

/**
 * Build `Deps` through the real `createDeps`, with a config validated from `env` only.
 * `BEDROCK_COST_TABLE` is the store's table, `BEDROCK_COST_NOW` the fixed clock's instant.
 */
export function testDeps(options: TestDepsOptions): Deps {
  const now = options.now === undefined ? TEST_NOW : new Date(options.now).toISOString();
  const config = loadConfig({
    AWS_REGION: 'us-east-1',
    ...LOCAL_WEBHOOK_ENV,
    BEDROCK_COST_TABLE: options.store instanceof DynamoStore ? options.store.table : 'bedrock-cost-test',
    BEDROCK_COST_NOW: now,
    ...options.env,
  });
  return createDeps({
    config,
    store: options.store,
    log: options.log ?? silentLog,
    delivery: options.delivery ?? recordingDelivery(),
    sources: options.sources,
    clock: fixedClock(config.BEDROCK_COST_NOW ?? now),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}

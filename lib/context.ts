/**
 * The application context every use case receives: config, clock, log, the account's data
 * (through the ports), the ledger, the pricing catalog, the table and delivery. Only the
 * interface lives here, so domain code depends on what it gets and not on how it is built:
 * the wiring is `createDeps` (`lib/deps.ts`) and `lambdaDeps` (`lib/lambda/runtime.ts`);
 * tests build one with `test/support/deps.ts`.
 */
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { LedgerContext } from './ledger/sync.js';
import type { Log } from './log.js';
import type { DeliveryMetrics } from './metrics.js';
import type { CostSource, DataSources } from './ports.js';
import type { Catalog } from './pricing/catalog.js';
import type { Delivery } from './reply/delivery.js';
import type { Store } from './store/store.js';

export interface Deps {
  config: Config;
  clock: Clock;
  log: Log;
  /**
   * The account's data: AWS or the demo account. Built on first use. Its `costs` is the
   * bill ledger (`lib/ledger`): every bill question is answered from the synced facts.
   */
  sources(): Promise<DataSources>;
  /**
   * The ledger's context and the bill source the scheduled sync reads (the jobs'
   * Cost Explorer allowance). Built on first use.
   */
  ledger(): Promise<{ context: LedgerContext; bill: CostSource }>;
  /**
   * The Bedrock control plane and CloudWatch metrics of another Region in
   * `BEDROCK_COST_REGIONS` (the idle check and the nowcast read them too), requests counted
   * in the ledger, inference profiles cached. Absent for the demo account and for injected
   * sources, which have one Region.
   */
  regionSources?(region: string): Promise<Pick<DataSources, 'bedrock' | 'metrics'>>;
  /** The pricing catalog (refreshed when present, else bundled). Loaded on first use. */
  catalog(): Promise<Catalog>;
  store: Store;
  /** Proactive messages (alerts, digests, idle findings). */
  delivery: Delivery;
  /** Delivery failures as CloudWatch metrics (Lambda only; see `lib/metrics.ts`). */
  metrics?: DeliveryMetrics;
}

/** Memoise an async factory: one build per process, retried if it failed. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * The Regions in `BEDROCK_COST_REGIONS` other than the bot's own that `deps` can reach
 * (none for the demo account and injected sources, which have no `regionSources`).
 */
export function otherRegions(deps: Pick<Deps, 'config' | 'regionSources'>): string[] {
  if (!deps.regionSources) return [];
  return deps.config.BEDROCK_COST_REGIONS.filter((r) => r !== deps.config.AWS_REGION);
}

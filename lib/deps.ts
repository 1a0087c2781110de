/**
 * The wiring of `Deps` (`lib/context.ts`), built once per cold start (Lambda) or process
 * (CLI) and passed down.
 * Heavy pieces (AWS data-source clients, the pricing catalog) are created on first use,
 * so the chat acknowledgement path loads only what it touches.
 */

import { type Clock, clockFrom, isoWeekId, toIsoDate } from './clock.js';
import { type Config, costMetricOf } from './config.js';
import { type Deps, once } from './context.js';
import { ConfigError } from './errors.js';
import { type AttributionConfig, parseAccountMap } from './ledger/attribution.js';
import type { LedgerContext } from './ledger/sync.js';
import type { Log } from './log.js';
import type { CostSource, DataSources } from './ports.js';
import type { Delivery } from './reply/delivery.js';
import type { Store } from './store/store.js';

export interface CreateDepsOptions {
  config: Config;
  store: Store;
  log: Log;
  delivery: Delivery;
  /** Delivery failures as metrics (Lambda). */
  metrics?: import('./metrics.js').DeliveryMetrics;
  /** Override the data sources (tests, demo). Default: AWS or demo per config. */
  sources?: DataSources;
  clock?: Clock;
}

/** Team attribution beyond the resource tag, from the config (`lib/ledger/attribution.ts`). */
export function attributionOf(config: Config): AttributionConfig {
  return {
    accountTeams: parseAccountMap(config.BEDROCK_COST_ACCOUNT_TEAMS),
    ...(config.BEDROCK_COST_TEAM_COST_CATEGORY
      ? { costCategory: config.BEDROCK_COST_TEAM_COST_CATEGORY }
      : {}),
  };
}

/** What the ledger's sync and reads need, from the config (one per call: the clock moves). */
function ledgerContextOf(options: CreateDepsOptions, clock: Clock): LedgerContext {
  const { config } = options;
  return {
    store: options.store,
    clock,
    log: options.log,
    teamTagKey: config.TEAM_TAG_KEY,
    metric: costMetricOf(config.BEDROCK_COST_BASIS),
    // The demo account's story is anchored to the week of "now": a new week is a new bill.
    source: config.BEDROCK_COST_DEMO
      ? `demo:${isoWeekId(toIsoDate(clock.now()))}`
      : config.BEDROCK_COST_SOURCE,
    dailyRequests: config.BEDROCK_COST_SYNC_DAILY_REQUESTS,
    attribution: attributionOf(config),
  };
}

/** The account as the adapters see it, with the bill for the scheduled sync and for chat. */
interface AccountSources {
  sources: DataSources;
  jobs: CostSource;
  chat: CostSource;
}

type Caching = Parameters<typeof import('./spend/cache.js').withCaching>[1];

/** CUR 2.0 through Athena: no Cost Explorer allowance (Athena bills bytes, bounded per query). */
async function curAccount(config: Config, caching: Caching): Promise<AccountSources> {
  const [
    { createAwsClients, createAthenaClient },
    { createAwsSources },
    { createCurSource },
    { withCaching },
  ] = await Promise.all([
    import('./aws/clients.js'),
    import('./aws/sources.js'),
    import('./ledger/cur-source.js'),
    import('./spend/cache.js'),
  ]);
  if (!config.BEDROCK_COST_ATHENA_DATABASE || !config.BEDROCK_COST_ATHENA_TABLE)
    throw new ConfigError(
      'BEDROCK_COST_SOURCE=cur needs BEDROCK_COST_ATHENA_DATABASE and BEDROCK_COST_ATHENA_TABLE (the CUR 2.0 table).',
    );
  const account = createAwsSources(createAwsClients({ region: config.AWS_REGION }));
  const cur = createCurSource({
    athena: createAthenaClient({ region: config.AWS_REGION }),
    workgroup: config.BEDROCK_COST_ATHENA_WORKGROUP,
    database: config.BEDROCK_COST_ATHENA_DATABASE,
    table: config.BEDROCK_COST_ATHENA_TABLE,
    ...(config.BEDROCK_COST_ATHENA_OUTPUT ? { output: config.BEDROCK_COST_ATHENA_OUTPUT } : {}),
    maxBytes: config.BEDROCK_COST_ATHENA_MAX_BYTES,
    attribution: attributionOf(config),
    teamTagKey: config.TEAM_TAG_KEY,
    metric: costMetricOf(config.BEDROCK_COST_BASIS),
  });
  return { sources: withCaching({ ...account, costs: cur }, caching), jobs: cur, chat: cur };
}

/**
 * Cost Explorer (or the demo account), the bill counted and capped per allowance: `jobs`
 * for the scheduled sync, `chat` for questions outside the ledger.
 */
async function costExplorerAccount(config: Config, clock: Clock, caching: Caching): Promise<AccountSources> {
  const { withCaching, withCostCache } = await import('./spend/cache.js');
  let account: DataSources;
  if (config.BEDROCK_COST_DEMO) {
    const { createDemoSources } = await import('./local/demo-data.js');
    account = createDemoSources(clock, { teamTagKey: config.TEAM_TAG_KEY });
  } else {
    const [{ createAwsClients }, { createAwsSources }] = await Promise.all([
      import('./aws/clients.js'),
      import('./aws/sources.js'),
    ]);
    account = createAwsSources(createAwsClients({ region: config.AWS_REGION }));
  }
  const bill = (pool: 'jobs' | 'chat') =>
    withCostCache(account.costs, {
      ...caching,
      namespace: account.kind,
      pool,
      keep: false,
      ...(pool === 'chat' ? { dailyCap: config.BEDROCK_COST_CE_CHAT_DAILY_CAP } : {}),
    });
  return { sources: withCaching(account, caching), jobs: bill('jobs'), chat: bill('chat') };
}

/** The account (AWS or demo, or the given sources), built on first use. */
function accountOf(options: CreateDepsOptions, clock: Clock): () => Promise<AccountSources> {
  const { config } = options;
  return once(async () => {
    if (options.sources)
      return { sources: options.sources, jobs: options.sources.costs, chat: options.sources.costs };
    const caching: Caching = {
      store: options.store,
      clock,
      log: options.log,
      ttlMinutes: config.BEDROCK_COST_CACHE_TTL_MINUTES,
      dailyCap: config.BEDROCK_COST_CE_DAILY_CAP,
    };
    return !config.BEDROCK_COST_DEMO && config.BEDROCK_COST_SOURCE === 'cur'
      ? curAccount(config, caching)
      : costExplorerAccount(config, clock, caching);
  });
}

/** Bedrock and CloudWatch in another Region of the account, built once per Region. */
function regionSourcesOf(options: CreateDepsOptions, clock: Clock): NonNullable<Deps['regionSources']> {
  const regional = new Map<string, Promise<Pick<DataSources, 'bedrock' | 'metrics'>>>();
  return (region: string) => {
    let built = regional.get(region);
    if (!built) {
      built = (async () => {
        const [{ createAwsClients }, { createAwsSources }, cache] = await Promise.all([
          import('./aws/clients.js'),
          import('./aws/sources.js'),
          import('./spend/cache.js'),
        ]);
        const raw = createAwsSources(createAwsClients({ region }));
        const ledger = { store: options.store, clock, log: options.log };
        return {
          // Each Region's inference-profile listing is cached under its own key.
          bedrock: cache.withProfileCache(cache.withBedrockLedger(raw.bedrock, ledger), {
            ...ledger,
            namespace: `aws@${region}`,
          }),
          metrics: cache.withMetricsLedger(raw.metrics, ledger),
        };
      })();
      built.catch(() => regional.delete(region));
      regional.set(region, built);
    }
    return built;
  };
}

export function createDeps(options: CreateDepsOptions): Deps {
  const { config } = options;
  const clock = options.clock ?? clockFrom(config.BEDROCK_COST_NOW);
  const raw = accountOf(options, clock);
  const sources = once(async (): Promise<DataSources> => {
    const [{ ledgerCostSource }, built] = await Promise.all([import('./ledger/source.js'), raw()]);
    const demo = config.BEDROCK_COST_DEMO && !options.sources;
    return {
      ...built.sources,
      // The demo's bill costs nothing and has no schedule: it syncs when a question comes.
      costs: ledgerCostSource({
        ...ledgerContextOf(options, clock),
        bill: demo ? built.jobs : built.chat,
        syncOnRead: demo,
      }),
    };
  });
  const ledger = once(async () => ({ context: ledgerContextOf(options, clock), bill: (await raw()).jobs }));
  const catalog = once(async () => {
    const { loadCatalog } = await import('./pricing/catalog.js');
    return loadCatalog(options.store);
  });
  return {
    config,
    clock,
    log: options.log,
    sources,
    ledger,
    ...(options.sources || config.BEDROCK_COST_DEMO
      ? {}
      : { regionSources: regionSourcesOf(options, clock) }),
    catalog,
    store: options.store,
    delivery: options.delivery,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
}

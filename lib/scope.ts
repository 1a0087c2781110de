/**
 * Scoped data: the ports (`lib/ports.ts`) and the team profiles, restricted to the teams a
 * person may see (`BEDROCK_COST_VISIBILITY=team`, docs/visibility.md).
 *
 * The scope is applied where the data comes in, not where answers are drawn: a command asks
 * the bill, CloudWatch, the control plane and the table as it always does, and what comes
 * back holds only the visible teams. So every command (and `ask`'s tools, which run the
 * commands, and any command added later) answers from the same restricted data, and a total
 * is the total of the visible teams, never a figure that includes hidden ones.
 *
 * - The bill: every question is narrowed to the visible team tag values (intersected with
 *   the team filter it already had). Untagged spend (`team$`) belongs to no team: hidden.
 * - CloudWatch (today's estimate): only ModelIds that are application inference profiles
 *   tagged with a visible team.
 * - The control plane: provisioned throughputs and application profiles of visible teams.
 * - The table: team profiles and audit items (`TEAM#<id>`) of hidden teams read as absent,
 *   so budgets, owners and channels of other teams are not shown either. Writes go through
 *   unchanged: only admins (who see every team) may create a team, and owners see theirs.
 */
import type {
  BedrockControlPlane,
  CostForecast,
  CostQuery,
  CostResult,
  CostSource,
  DataSources,
  InferenceProfile,
  MetricsSource,
} from './ports.js';
import type { Item, Store } from './store/store.js';

/** What one person may see. */
export type Visibility =
  /** Every team: open visibility, an admin, the FinOps channel, or the CLI operator. */
  | { kind: 'all'; reason: 'open' | 'admin' | 'finops' | 'cli' }
  /** Only these team tag values (sorted; may be empty: a person in no team sees no figures). */
  | { kind: 'teams'; teams: string[] };

/** Told each time scoped data is read (the answer then says its figures are scoped). */
export type OnScopedRead = () => void;

/** The team filter a query may keep: its own values that are visible, or every visible team. */
function allowedValues(tag: CostQuery['tag'], teams: ReadonlySet<string>, tagKey: string): string[] {
  // A filter on another tag key: its lines carry no team, so nothing of it is visible.
  if (tag && tag.key !== tagKey) return [];
  return tag ? tag.values.filter((v) => teams.has(v)) : [...teams].sort();
}

/** The visible teams of a scoped bill (see `scopedTeamsOf`). */
const scopedBills = new WeakMap<CostSource, ReadonlySet<string>>();

/**
 * The teams a bill was scoped to, or `undefined` for an unscoped bill: a team name that
 * is not among them is answered "hidden", not "unknown" (`resolveTeam`).
 */
export function scopedTeamsOf(costs: CostSource): ReadonlySet<string> | undefined {
  return scopedBills.get(costs);
}

/** The bill, restricted to the visible teams' tag values. */
export function scopeCostSource(
  costs: CostSource,
  teams: ReadonlySet<string>,
  tagKey: string,
  onRead: OnScopedRead = () => {},
): CostSource {
  const scoped: CostSource = {
    // Service names carry no figures; the services' lines are filtered below.
    listServices: (range) => costs.listServices(range),
    async getCostAndUsage(query: CostQuery): Promise<CostResult> {
      onRead();
      const values = allowedValues(query.tag, teams, tagKey);
      if (!values.length) return { rows: [], requests: 0 };
      return costs.getCostAndUsage({ ...query, tag: { key: tagKey, values } });
    },
    async getCostForecast(query): Promise<CostForecast | null> {
      onRead();
      const values = allowedValues(query.tag, teams, tagKey);
      if (!values.length) return null;
      return costs.getCostForecast({ ...query, tag: { key: tagKey, values } });
    },
  };
  scopedBills.set(scoped, teams);
  return scoped;
}

/** Does this CloudWatch ModelId (profile ID or ARN) name this inference profile? */
function namesProfile(modelId: string, profile: InferenceProfile): boolean {
  return modelId === profile.id || modelId === profile.arn || modelId.endsWith(`/${profile.id}`);
}

/** Application inference profiles of the visible teams. */
function visibleProfile(profile: InferenceProfile, teams: ReadonlySet<string>, tagKey: string): boolean {
  return profile.type !== 'APPLICATION' || teams.has(profile.tags[tagKey] ?? '');
}

/**
 * CloudWatch, restricted to ModelIds that are application inference profiles of visible
 * teams: a base model ID or a system profile carries no team, so its tokens are hidden.
 */
export function scopeMetricsSource(
  metrics: MetricsSource,
  bedrock: BedrockControlPlane | undefined,
  teams: ReadonlySet<string>,
  tagKey: string,
  onRead: OnScopedRead = () => {},
): MetricsSource {
  let allowed: Promise<Set<string>> | undefined;
  const allowedIds = () => {
    allowed ??= (async () => {
      const [ids, profiles] = await Promise.all([
        metrics.listModelIds(),
        bedrock ? bedrock.listInferenceProfiles() : Promise.resolve([] as InferenceProfile[]),
      ]);
      const mine = profiles.filter((p) => p.type === 'APPLICATION' && teams.has(p.tags[tagKey] ?? ''));
      return new Set(ids.filter((id) => mine.some((p) => namesProfile(id, p))));
    })();
    allowed.catch(() => {
      allowed = undefined;
    });
    return allowed;
  };
  return {
    async listModelIds() {
      onRead();
      return [...(await allowedIds())];
    },
    async getMetricSums(query) {
      onRead();
      const ids = await allowedIds();
      const queries = query.queries.filter((q) => ids.has(q.modelId));
      if (!queries.length) return { series: [], requests: 0 };
      return metrics.getMetricSums({ ...query, queries });
    },
  };
}

/** The control plane, restricted to the visible teams' throughputs and application profiles. */
export function scopeControlPlane(
  bedrock: BedrockControlPlane,
  teams: ReadonlySet<string>,
  tagKey: string,
  onRead: OnScopedRead = () => {},
): BedrockControlPlane {
  const visible = (tags: Record<string, string> | undefined) => teams.has(tags?.[tagKey] ?? '');
  const getOne = bedrock.getProvisionedThroughput?.bind(bedrock);
  return {
    async listProvisionedThroughputs(options) {
      onRead();
      // Tags decide visibility: they are read even when the caller would skip them.
      const all = await bedrock.listProvisionedThroughputs({ ...options, tags: true });
      return all.filter((t) => visible(t.tags));
    },
    ...(getOne
      ? {
          async getProvisionedThroughput(arnOrId: string) {
            onRead();
            const one = await getOne(arnOrId);
            return one && visible(one.tags) ? one : null;
          },
        }
      : {}),
    async listInferenceProfiles(options) {
      const all = await bedrock.listInferenceProfiles(options);
      return all.filter((p) => visibleProfile(p, teams, tagKey));
    },
  };
}

/** Every account source, restricted to the visible teams. */
export function scopeSources(
  sources: DataSources,
  teams: ReadonlySet<string>,
  tagKey: string,
  onRead: OnScopedRead = () => {},
): DataSources {
  return {
    ...sources,
    costs: scopeCostSource(sources.costs, teams, tagKey, onRead),
    metrics: scopeMetricsSource(sources.metrics, sources.bedrock, teams, tagKey, onRead),
    bedrock: scopeControlPlane(sources.bedrock, teams, tagKey, onRead),
  };
}

const TEAM_PREFIX = 'TEAM#';

/** The team of a `TEAM#<id>` item key, or undefined for any other item. */
function teamOfPk(pk: unknown): string | undefined {
  return typeof pk === 'string' && pk.startsWith(TEAM_PREFIX) ? pk.slice(TEAM_PREFIX.length) : undefined;
}

/**
 * The table, with hidden teams' items (`TEAM#<id>`: their profiles) read as absent, a query
 * of such a partition included. `teams()` is awaited on the first read that meets one. Other items (the
 * ledger, caches, leases, quotas) and every write pass through unchanged.
 */
export function scopeStore(
  store: Store,
  teams: () => Promise<ReadonlySet<string>>,
  onRead: OnScopedRead = () => {},
): Store {
  const hidden = async (item: Record<string, unknown> | undefined): Promise<boolean> => {
    const team = teamOfPk(item?.pk);
    if (team === undefined) return false;
    onRead();
    return !(await teams()).has(team);
  };
  const visible = async (items: Item[]): Promise<Item[]> => {
    const kept: Item[] = [];
    for (const item of items) if (!(await hidden(item))) kept.push(item);
    return kept;
  };
  return {
    get: async (key, options) => {
      const item = await store.get(key, options);
      return (await hidden(item)) ? undefined : item;
    },
    // One partition: hidden as a whole when it is a hidden team's (whatever attributes are read).
    query: async (spec) => ((await hidden({ pk: spec.pk })) ? [] : store.query(spec)),
    scan: async (spec) => visible(await store.scan(spec)),
    getMany: async (keys) => visible(await store.getMany(keys)),
    write: (write, options) => store.write(write, options),
    removeMany: (keys) => store.removeMany(keys),
    transact: (writes) => store.transact(writes),
  };
}

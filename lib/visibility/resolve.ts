/**
 * Who sees which teams with `BEDROCK_COST_VISIBILITY=team` (docs/visibility.md).
 *
 * Everyone sees every team when visibility is `open` (the default). With `team`:
 * - budget admins (`ADMIN_USER_IDS`), the CLI operator, and anyone asking in the FinOps
 *   channel (`BEDROCK_COST_FINOPS_CHANNEL`, `BEDROCK_COST_FINOPS_CHANNEL_IDS`) see all;
 * - anyone else sees the teams they belong to:
 *   - a team's owners (its profile's `owners`, Slack user IDs or Teams AAD object IDs);
 *   - Slack: members of the team's alert channel (`conversations.members`) and of the Slack
 *     user group whose handle is the team's name (`usergroups.list` with its users);
 *   - Teams: people asking in the team's channel (the one its Workflows webhook was set in,
 *     or the conversation its bot messages go to).
 *
 * A lookup that fails grants nothing (a person then sees fewer teams, never more), and is
 * logged. Answers are kept for a few minutes per person and channel: membership changes
 * rarely, and a question should not cost a Slack call per team.
 */
import { listTeams, type TeamProfile } from '../budgets/store.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { mapPool } from '../pool.js';
import type { Caller } from '../reply/caller.js';
import type { Visibility } from '../scope.js';
import type { Store } from '../store/store.js';
import { baseId, immediateVisibility } from './immediate.js';

/** What resolving needs: the settings, the (unscoped) table, a log. */
export interface ResolveDeps {
  config: Config;
  store: Store;
  log: Log;
  /** Slack channel membership; default `conversations.members` through `SLACK_API_URL`. */
  isChannelMember?: (channel: string, userId: string) => Promise<boolean>;
  /** Slack user groups with their members; default `usergroups.list` through `SLACK_API_URL`. */
  userGroups?: () => Promise<SlackUserGroup[]>;
}

export interface SlackUserGroup {
  id: string;
  handle: string;
  users: string[];
}

const CACHE_MS = 5 * 60_000;
const CACHE_MAX = 1000;
/** Per table (a test's table, or the one deployed table): person and channel to their teams. */
const caches = new WeakMap<Store, Map<string, { at: number; visibility: Visibility }>>();

/** Is the person in this team, as seen from this channel? */
async function belongs(
  profile: TeamProfile,
  caller: Caller,
  deps: ResolveDeps,
  groups: () => Promise<SlackUserGroup[]>,
): Promise<boolean> {
  if (profile.owners.includes(caller.userId)) return true;
  const target = profile.target;
  if (caller.platform === 'teams') {
    if (!caller.channelId || !target) return false;
    const here = baseId(caller.channelId);
    if (target.kind === 'teams') return target.channelId !== undefined && baseId(target.channelId) === here;
    if (target.kind === 'teams-bot') return baseId(target.conversationId) === here;
    return false;
  }
  if (caller.platform !== 'slack') return false;
  const handle = profile.team.toLowerCase();
  if ((await groups()).some((g) => g.handle.toLowerCase() === handle && g.users.includes(caller.userId)))
    return true;
  if (target?.kind !== 'slack') return false;
  // Asked in the team's own channel: Slack only lets members use commands there.
  if (caller.channelId === target.channel) return true;
  const member = deps.isChannelMember ?? defaultChannelMember(deps);
  return member(target.channel, caller.userId);
}

function defaultChannelMember(deps: ResolveDeps) {
  return async (channel: string, userId: string) => {
    const { isSlackChannelMember } = await import('../reply/slack-members.js');
    return isSlackChannelMember(deps.config, channel, userId, deps.log);
  };
}

/**
 * The Slack user groups and their members (`usergroups.list`, `include_users`): one call.
 * Needs the `usergroups:read` scope; without it (or any failure) no group grants anything.
 */
export async function listSlackUserGroups(
  config: Pick<Config, 'SLACK_API_URL' | 'SLACK_BOT_TOKEN'>,
  log?: Log,
): Promise<SlackUserGroup[]> {
  if (!config.SLACK_BOT_TOKEN) return [];
  try {
    const response = await fetch(`${config.SLACK_API_URL.replace(/\/+$/, '')}/usergroups.list`, {
      method: 'POST',
      redirect: 'error',
      signal: AbortSignal.timeout(5000),
      headers: {
        authorization: `Bearer ${config.SLACK_BOT_TOKEN}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ include_users: 'true', include_disabled: 'false' }).toString(),
    });
    const body = (await response.json()) as {
      ok?: boolean;
      error?: string;
      usergroups?: { id?: string; handle?: string; users?: string[] }[];
    };
    if (!body.ok) {
      log?.warn('slack usergroups.list failed', { error: body.error ?? response.status });
      return [];
    }
    return (body.usergroups ?? []).map((g) => ({
      id: g.id ?? '',
      handle: g.handle ?? '',
      users: g.users ?? [],
    }));
  } catch (error) {
    log?.warn('slack usergroups.list failed', { error });
    return [];
  }
}

/**
 * The teams this person may see.
 *
 * @example
 * const v = await resolveVisibility({ config, store, log }, caller);
 * if (v.kind === 'teams') console.log(v.teams); // ['search']
 */
export async function resolveVisibility(
  deps: ResolveDeps,
  caller: Caller,
  nowMs = Date.now(),
): Promise<Visibility> {
  const immediate = immediateVisibility(deps.config, caller);
  if (immediate) return immediate;
  const key = `${caller.platform}\u0000${caller.userId}\u0000${caller.channelId ?? ''}`;
  let cache = caches.get(deps.store);
  if (!cache) {
    cache = new Map();
    caches.set(deps.store, cache);
  }
  const hit = cache.get(key);
  if (hit && nowMs - hit.at < CACHE_MS) return hit.visibility;
  const profiles = await listTeams(deps.store);
  let groups: Promise<SlackUserGroup[]> | undefined;
  const groupsOnce = () => {
    groups ??= deps.userGroups
      ? deps.userGroups().catch(() => [])
      : listSlackUserGroups(deps.config, deps.log);
    return groups;
  };
  const member = await mapPool(profiles, 4, (p) =>
    belongs(p, caller, deps, groupsOnce).catch((error: unknown) => {
      deps.log.warn('visibility: membership lookup failed', { team: p.team, error });
      return false;
    }),
  );
  const teams = new Set(profiles.filter((_, i) => member[i]).map((p) => p.team));
  // A user group named like a team that has no profile yet (teams come from the bill's tag).
  if (caller.platform === 'slack') {
    for (const g of await groupsOnce()) if (g.users.includes(caller.userId) && g.handle) teams.add(g.handle);
  }
  const visibility: Visibility = { kind: 'teams', teams: [...teams].sort() };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, { at: nowMs, visibility });
  return visibility;
}

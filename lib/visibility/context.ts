/**
 * Running a command for a person: the command gets `Deps` whose data (the bill, CloudWatch,
 * the control plane, team profiles) holds only the teams that person may see, and its
 * answer says so. The grammar (`executeLine`) and the chat fast path (`runFast`) run every
 * command through `runScoped`, so a new command is scoped without doing anything, and
 * `ask`'s tools, which run commands with `ask`'s own context, are scoped with it.
 *
 * Jobs (digests, alerts, the idle scan, the ledger sync) are not commands: they keep the
 * unscoped `Deps` and deliver each team's figures to that team's own channel.
 */

import type { CommandContext, CommandResult } from '../commands/types.js';
import { type Deps, once } from '../context.js';
import type { Reply } from '../reply/reply.js';
import {
  scopeControlPlane,
  scopeMetricsSource,
  scopeSources,
  scopeStore,
  type Visibility,
} from '../scope.js';
import { immediateVisibility } from './immediate.js';

interface ScopeState {
  visibility: () => Promise<Visibility>;
  /** Set when the command read scoped data (its answer then says its figures are scoped). */
  read: boolean;
}

const scoped = new WeakMap<Deps, ScopeState>();

/**
 * `deps` as one person sees them. Unchanged when they see every team (open visibility,
 * admins, the CLI, the FinOps channel); otherwise their teams are looked up on the first
 * read of data (not before: `help` and `estimate` read none).
 */
export function scopeDeps(deps: Deps, caller: CommandContext['caller']): Deps {
  if (scoped.has(deps) || immediateVisibility(deps.config, caller)) return deps;
  const tagKey = deps.config.TEAM_TAG_KEY;
  const visibility = once(async () => {
    const { resolveVisibility } = await import('./resolve.js');
    return resolveVisibility({ config: deps.config, store: deps.store, log: deps.log }, caller);
  });
  const state: ScopeState = { visibility, read: false };
  const mark = () => {
    state.read = true;
  };
  const teams = async (): Promise<ReadonlySet<string> | undefined> => {
    const v = await visibility();
    return v.kind === 'teams' ? new Set(v.teams) : undefined;
  };
  const sources = once(async () => {
    const [all, visible] = await Promise.all([deps.sources(), teams()]);
    return visible ? scopeSources(all, visible, tagKey, mark) : all;
  });
  const regionSources = deps.regionSources;
  const out: Deps = {
    ...deps,
    sources,
    store: scopeStore(deps.store, async () => (await teams()) ?? ALL, mark),
    ...(regionSources
      ? {
          regionSources: async (region: string) => {
            const [theirs, visible] = await Promise.all([regionSources(region), teams()]);
            if (!visible) return theirs;
            return {
              metrics: scopeMetricsSource(theirs.metrics, theirs.bedrock, visible, tagKey, mark),
              bedrock: scopeControlPlane(theirs.bedrock, visible, tagKey, mark),
            };
          },
        }
      : {}),
  };
  scoped.set(out, state);
  return out;
}

/** A set that holds every team (the store's filter when the person sees all). */
const ALL: ReadonlySet<string> = new (class extends Set<string> {
  override has(): boolean {
    return true;
  }
})();

/** The visibility `deps` were scoped to, or `undefined` when they see every team. */
export async function visibilityOf(deps: Deps): Promise<Extract<Visibility, { kind: 'teams' }> | undefined> {
  const state = scoped.get(deps);
  if (!state) return undefined;
  const v = await state.visibility();
  return v.kind === 'teams' ? v : undefined;
}

/** The line an answer from scoped data carries. */
export function scopeNote(visibility: Extract<Visibility, { kind: 'teams' }>): string {
  if (!visibility.teams.length) {
    return "Figures are scoped to your teams, and you are in none yet, so other teams' figures are hidden: ask a budget admin to add you as a team owner, or join the team's channel.";
  }
  return `Figures are scoped to your teams: ${visibility.teams.join(', ')}. Other teams and untagged spend are hidden; totals are your teams' totals.`;
}

/**
 * Run a command for the person in `ctx`, on data they may see, and say so in the answer
 * when it read scoped data: a context line first, and `data.visibleTeams`.
 */
export async function runScoped<R extends CommandResult>(
  ctx: CommandContext,
  run: (ctx: CommandContext) => Promise<R>,
): Promise<R> {
  // Already scoped (a command run by another, scoped one): its answer is noted once, outside.
  if (scoped.has(ctx.deps)) return run(ctx);
  const deps = scopeDeps(ctx.deps, ctx.caller);
  if (deps === ctx.deps) return run(ctx);
  const result = await run({ ...ctx, deps });
  const state = scoped.get(deps);
  const visibility = await visibilityOf(deps);
  if (!state?.read || !visibility) return result;
  const reply: Reply = {
    ...result.reply,
    context: [scopeNote(visibility), ...(result.reply.context ?? [])],
  };
  const data =
    result.data && typeof result.data === 'object' && !Array.isArray(result.data)
      ? { ...(result.data as Record<string, unknown>), visibleTeams: visibility.teams }
      : result.data;
  return { ...result, reply, data };
}

/**
 * The visibility decided without any lookup (kept apart from `resolve.ts`, which reads team
 * profiles and Slack membership, so the chat front door's cold path, which only needs this
 * answer, does not load the budget store and decimal arithmetic with it).
 */
import type { Config } from '../config.js';
import type { Caller } from '../reply/caller.js';
import type { Visibility } from '../scope.js';

/**
 * The visibility that needs no lookup: everything in open mode, for admins, the CLI and the
 * FinOps channel; `undefined` when the person's teams must be looked up.
 */
export function immediateVisibility(config: Config, caller: Caller): Visibility | undefined {
  if (config.BEDROCK_COST_VISIBILITY === 'open') return { kind: 'all', reason: 'open' };
  if (caller.platform === 'cli') return { kind: 'all', reason: 'cli' };
  if (caller.isAdmin || config.ADMIN_USER_IDS.includes(caller.userId))
    return { kind: 'all', reason: 'admin' };
  if (caller.channelId && finopsChannels(config).has(baseId(caller.channelId)))
    return { kind: 'all', reason: 'finops' };
  return undefined;
}

/** A Teams conversation id without its `;messageid=` suffix. */
export function baseId(id: string): string {
  return id.split(';')[0] ?? id;
}

function finopsChannels(config: Config): Set<string> {
  const out = new Set(config.BEDROCK_COST_FINOPS_CHANNEL_IDS.map(baseId));
  const finops = config.BEDROCK_COST_FINOPS_CHANNEL?.trim();
  // A Teams Workflows URL is not a channel a question can come from.
  if (finops && !/^https:\/\//i.test(finops)) out.add(finops);
  return out;
}

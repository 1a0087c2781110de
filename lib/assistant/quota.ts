/**
 * Limits on `ask`, which is the one command that spends money per question (Bedrock
 * tokens): a number of questions per person per UTC day (`BEDROCK_COST_ASK_DAILY_LIMIT`,
 * default 20) and a Bedrock budget for the assistant per UTC day
 * (`BEDROCK_COST_ASK_DAILY_BUDGET_USD`, default $5), computed from the assistant model's
 * token usage at its catalog price (the `USAGE#<day>` / `bedrock-runtime:Converse` ledger
 * item that `usage.ts` keeps exactly, in nano-dollars).
 *
 * Both are counters in the table: the person's count is taken with a conditional atomic
 * `ADD` (concurrent questions never pass the limit); the budget is checked before the
 * question, so answers already running when it is reached may pass it by their own cost
 * (a fraction of a cent each). A model without a catalog price adds nothing to the spend
 * (its token counts are still in the ledger): only the per-person limit holds then.
 */
import { toIsoDate } from '../clock.js';
import { Dec } from '../money.js';
import type { Caller } from '../reply/caller.js';
import { isConditionalCheckFailed, type Store, ttlAfter } from '../store/store.js';
import { CONVERSE_API } from './usage.js';

/** Why a question was not put to the model. */
export type AskLimit =
  | { kind: 'user_limit'; limit: number }
  | { kind: 'daily_budget'; budgetUsd: Dec; spentUsd: Dec };

/** What the assistant has cost today (UTC), from the usage ledger. */
export async function assistantSpendToday(store: Store, now: Date): Promise<Dec> {
  const item = await store.get({ pk: `USAGE#${toIsoDate(now)}`, sk: CONVERSE_API }, { consistent: true });
  return new Dec(Number(item?.costNanoUsd ?? 0)).div(1e9);
}

/**
 * Count one question for this person today, unless they reached `limit`: resolves false
 * (nothing counted) when they had.
 */
export async function takeQuestion(store: Store, now: Date, caller: Caller, limit: number): Promise<boolean> {
  if (limit <= 0) return false;
  try {
    await store.write({
      key: { pk: `ASK#${toIsoDate(now)}`, sk: `USER#${caller.platform}#${caller.userId}` },
      condition: 'attribute_not_exists(questions) OR questions < :limit',
      update: 'ADD questions :one SET expiresAt = if_not_exists(expiresAt, :ttl)',
      values: { ':one': 1, ':limit': limit, ':ttl': ttlAfter(now, 2 * 86_400) },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Check both limits before a question goes to the model; counts the question when it
 * may go. Undefined: go ahead.
 *
 * @example
 * const limited = await checkAskLimits(deps.store, now, caller, { perUser: 20, budgetUsd: new Dec(5) });
 */
export async function checkAskLimits(
  store: Store,
  now: Date,
  caller: Caller,
  limits: { perUser: number; budgetUsd: Dec },
): Promise<AskLimit | undefined> {
  const spentUsd = await assistantSpendToday(store, now);
  if (spentUsd.gte(limits.budgetUsd)) return { kind: 'daily_budget', budgetUsd: limits.budgetUsd, spentUsd };
  if (!(await takeQuestion(store, now, caller, limits.perUser)))
    return { kind: 'user_limit', limit: limits.perUser };
  return undefined;
}

/**
 * What `ask` itself costs. Every Converse call reports its `usage` (input and output
 * tokens); the price comes from the same catalog `estimate` uses, at the route the model
 * ID names: a `us.`/`eu.`/`global.` inference-profile ID is billed at that profile's
 * price, a bare model ID at the in-Region price of the bot's Region.
 *
 * Fallback: a model the catalog does not know (an application inference profile ARN, a
 * custom model, a model newer than the catalog) has no price; the answer then says the
 * cost is unknown and shows the token counts alone (`assistantCostUsd: null`), rather than
 * guessing.
 *
 * Each answer is recorded with the bot's other API usage (DESIGN data model:
 * `USAGE#<yyyy-mm-dd>` / `bedrock-runtime:Converse`), as atomic `ADD`s, so concurrent
 * answers never lose a count: requests, input and output tokens, and the cost in
 * nano-dollars (an integer, so DynamoDB adds it exactly).
 */
import { toIsoDate } from '../clock.js';
import type { Log } from '../log.js';
import { Dec, ZERO } from '../money.js';
import type { Catalog } from '../pricing/catalog.js';
import { modelForModelId, priceAt } from '../pricing/models.js';
import { type Store, ttlAfter } from '../store/store.js';

/** The usage ledger name of the assistant's calls. */
export const CONVERSE_API = 'bedrock-runtime:Converse';

/** Tokens one answer took, over all its Converse calls. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Converse calls that answered (and were billed). */
  calls: number;
}

/** The price of the assistant's tokens. */
export interface AssistantCost {
  /** Exact cost; undefined when the model has no catalog price. */
  usd?: Dec;
  /** Display name (`Claude Haiku 4.5`), or the model ID when unknown to the catalog. */
  modelName: string;
  /** Where the price applies: `us` profile, `global`, `us-east-1`. */
  priceAt?: string;
}

const PER_MILLION = new Dec(1_000_000);

/**
 * Price `usage` of `modelId` from the catalog.
 *
 * @example
 * priceUsage(catalog, 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1', { inputTokens: 1000, outputTokens: 100, calls: 1 });
 * // { usd: Dec(0.00165), modelName: 'Claude Haiku 4.5', priceAt: 'us' }
 */
export function priceUsage(
  catalog: Catalog,
  modelId: string,
  region: string,
  usage: TokenUsage,
): AssistantCost {
  const resolved = modelForModelId(catalog, modelId);
  if (!resolved) return { modelName: modelId };
  const { model, profile, profileHome } = resolved;
  // A geo profile is billed at its own price set; without one, at the caller's Region
  // (or the profile's home Region when only that one is published).
  const candidates = profile ? [profile, profileHome ?? region] : [region];
  for (const at of candidates) {
    const prices = priceAt(model, at);
    if (prices?.input === undefined || prices.output === undefined) continue;
    const usd = new Dec(prices.input)
      .times(usage.inputTokens)
      .plus(new Dec(prices.output).times(usage.outputTokens))
      .div(PER_MILLION);
    return { usd, modelName: model.name, priceAt: at };
  }
  return { modelName: model.name };
}

/**
 * Add one answer's Converse use to today's ledger item. Never throws: accounting must not
 * break the answer (a failure is logged).
 */
export async function recordAssistantUsage(
  store: Store,
  now: Date,
  usage: TokenUsage,
  cost: AssistantCost,
  log?: Log,
): Promise<void> {
  if (usage.calls <= 0) return;
  const nanoUsd = (cost.usd ?? ZERO).times(1e9).toDecimalPlaces(0, Dec.ROUND_HALF_UP).toNumber();
  try {
    await store.write({
      key: { pk: `USAGE#${toIsoDate(now)}`, sk: CONVERSE_API },
      update:
        'ADD requests :n, inputTokens :in, outputTokens :out, costNanoUsd :nano, unpricedRequests :unpriced SET expiresAt = if_not_exists(expiresAt, :ttl)',
      values: {
        ':n': usage.calls,
        ':in': usage.inputTokens,
        ':out': usage.outputTokens,
        ':nano': nanoUsd,
        ':unpriced': cost.usd ? 0 : usage.calls,
        ':ttl': ttlAfter(now, 400 * 86_400),
      },
    });
  } catch (error) {
    log?.warn('could not record assistant usage', error);
  }
}

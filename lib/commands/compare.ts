/** `compare WORKLOAD`: the same workload across models of the same modality, cheapest first. */

import { ParseError } from '../errors.js';
import { type CompareData, compareData, compareReply, compareWorkload } from '../pricing/compare.js';
import { resolveDraft } from '../pricing/models.js';
import { draftWorkload, WORKLOAD_EXAMPLE, type WorkloadDraft } from '../pricing/workload.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

/** `compare` names no model when it ranks a workload given by its tokens alone. */
const OPTIONAL_MODEL = { requireModel: false };

const COMPARE_EXAMPLE = 'for example: compare claude-sonnet-4-5 2000 in 500 out 10k/day';

/** The workload grammar's errors end with an `estimate` example; `compare` shows its own. */
function asCompare<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ParseError) || !error.message.includes(WORKLOAD_EXAMPLE)) throw error;
    throw new ParseError(error.message.replaceAll(WORKLOAD_EXAMPLE, COMPARE_EXAMPLE), {
      ...(error.suggestion ? { suggestion: error.suggestion } : {}),
      cause: error,
    });
  }
}

export const compareCommand = defineCommand<WorkloadDraft, CompareData>({
  ...helpOf('compare'),
  slow: false,
  // Read before the catalog is loaded, so chat answers a mistake at once; `run` resolves the model.
  parse: (words) => asCompare(() => draftWorkload(words, OPTIONAL_MODEL)),
  run: async (draft, ctx) => {
    const catalog = await ctx.deps.catalog();
    const comparison = asCompare(() =>
      compareWorkload(catalog, resolveDraft(catalog, draft, OPTIONAL_MODEL), ctx.deps.clock.now()),
    );
    return {
      command: 'compare',
      data: compareData(comparison, catalog, ctx.deps.clock.now()),
      reply: compareReply(comparison, catalog, ctx.deps.clock.now()),
    };
  },
});

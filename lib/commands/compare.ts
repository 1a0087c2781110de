/** `compare WORKLOAD`: the same workload across models of the same modality, cheapest first. */

import { ParseError } from '../errors.js';
import { type CompareData, compareData, compareFromWords, compareReply } from '../pricing/compare.js';
import { parseWorkload, WORKLOAD_EXAMPLE } from '../pricing/workload.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

/**
 * Syntax check at parse time, before the catalog is loaded: without the catalog a model
 * name runs up to the first volume or option word, which is enough to catch mistakes.
 */
const noCatalog = () => false;

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

export const compareCommand = defineCommand<string[], CompareData>({
  ...helpOf('compare'),
  slow: false,
  parse: (words) => {
    asCompare(() => parseWorkload(words, noCatalog, { requireModel: false }));
    return words;
  },
  run: async (words, ctx) => {
    const catalog = await ctx.deps.catalog();
    const comparison = asCompare(() => compareFromWords(catalog, words, ctx.deps.clock.now()));
    return {
      command: 'compare',
      data: compareData(comparison, catalog, ctx.deps.clock.now()),
      reply: compareReply(comparison, catalog, ctx.deps.clock.now()),
    };
  },
});

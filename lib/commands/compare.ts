/** `compare WORKLOAD`: the same workload across models of the same modality, cheapest first. */

import { type CompareData, compareData, compareFromWords, compareReply } from '../pricing/compare.js';
import { parseWorkload } from '../pricing/workload.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

/**
 * Syntax check at parse time, before the catalog is loaded: without the catalog a model
 * name runs up to the first volume or option word, which is enough to catch mistakes.
 */
const noCatalog = () => false;

export const compareCommand = defineCommand<string[], CompareData>({
  ...helpOf('compare'),
  slow: false,
  parse: (words) => {
    parseWorkload(words, noCatalog, { requireModel: false });
    return words;
  },
  run: async (words, ctx) => {
    const catalog = await ctx.deps.catalog();
    const comparison = compareFromWords(catalog, words);
    return {
      command: 'compare',
      data: compareData(comparison, catalog),
      reply: compareReply(comparison, catalog),
    };
  },
});

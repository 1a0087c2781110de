/**
 * `estimate WORKLOAD`: what a workload would cost a month, every way of buying it.
 * The catalog is needed to tell a multi-word model name from the volumes, so parsing
 * keeps the words and `run` does the work (both fast: no AWS calls, the catalog is
 * cached per process).
 */

import { estimateFromWords } from '../pricing/estimator.js';
import { type EstimateData, estimateData, estimateReply } from '../pricing/reply.js';
import { parseWorkload } from '../pricing/workload.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

/**
 * Syntax check at parse time, before the catalog is loaded: without the catalog a model
 * name runs up to the first volume or option word, which is enough to catch mistakes.
 */
const noCatalog = () => false;

export { estimateFromWords };

export const estimateCommand = defineCommand<string[], EstimateData>({
  ...helpOf('estimate'),
  slow: false,
  parse: (words) => {
    // Syntax is checked here with the bundled names, so chat can answer a typo at once.
    parseWorkload(words, noCatalog);
    return words;
  },
  run: async (words, ctx) => {
    const catalog = await ctx.deps.catalog();
    const estimate = estimateFromWords(catalog, words);
    return {
      command: 'estimate',
      data: estimateData(estimate, catalog, ctx.deps.clock.now()),
      reply: estimateReply(estimate, catalog, ctx.deps.clock.now()),
    };
  },
});

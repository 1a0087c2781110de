/** `compare WORKLOAD`: the same workload across models of the same modality, cheapest first. */
import { type CompareData, compareData, compareFromWords, compareReply } from '../pricing/compare.js';
import { parseWorkload } from '../pricing/workload.js';
import { defineCommand } from './types.js';

/**
 * Syntax check at parse time, before the catalog is loaded: without the catalog a model
 * name runs up to the first volume or option word, which is enough to catch mistakes.
 */
const noCatalog = () => false;

export const compareCommand = defineCommand<string[], CompareData>({
  name: 'compare',
  summary: 'The same workload priced on every model of its kind, cheapest first',
  usage: ['compare [MODEL] IN in OUT out VOLUME [batch] [cache=60%] [region=REGION] [xN calls]'],
  examples: [
    'compare claude-sonnet-4-5 2000 in 500 out 10k/day',
    'compare 800 in 200 out 300k requests/month batch',
    'compare nova-canvas 1000 images/day',
  ],
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

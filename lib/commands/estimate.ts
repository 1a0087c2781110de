/**
 * `estimate WORKLOAD`: what a workload would cost a month, every way of buying it.
 * The catalog is needed to tell a multi-word model name from the volumes, so parsing
 * keeps the words and `run` does the work (both fast: no AWS calls, the catalog is
 * cached per process).
 */

import { estimateFromWords } from '../pricing/estimator.js';
import { type EstimateData, estimateData, estimateReply } from '../pricing/reply.js';
import { parseWorkload } from '../pricing/workload.js';
import { defineCommand } from './types.js';

/**
 * Syntax check at parse time, before the catalog is loaded: without the catalog a model
 * name runs up to the first volume or option word, which is enough to catch mistakes.
 */
const noCatalog = () => false;

export { estimateFromWords };

export const estimateCommand = defineCommand<string[], EstimateData>({
  name: 'estimate',
  summary: 'What a workload would cost a month: on-demand, batch, prompt cache, provisioned, self-hosted',
  usage: [
    'estimate MODEL IN in OUT out VOLUME [batch] [cache=60%] [region=REGION] [xN calls] [kb] [guardrails] [logs]',
  ],
  examples: [
    'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
    'estimate nova-micro 300k requests/month 800 in 200 out batch',
    'estimate model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1',
    'estimate sonnet 4.5 3000 in 800 out 2k/day x6 calls kb guardrails logs',
    'estimate nova-canvas 2000 images/day',
  ],
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
      data: estimateData(estimate, catalog),
      reply: estimateReply(estimate, catalog),
    };
  },
});

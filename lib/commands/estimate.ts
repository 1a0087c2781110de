/**
 * `estimate WORKLOAD`: what a workload would cost a month, every way of buying it.
 * `parse` reads the workload before the catalog is loaded (so chat answers a mistake at
 * once); `run` resolves its model against the catalog and prices it (both fast: no AWS
 * calls, the catalog is cached per process).
 */

import { estimateFromWords, estimateResolved } from '../pricing/estimator.js';
import { resolveDraft } from '../pricing/models.js';
import { type EstimateData, estimateData, estimateReply } from '../pricing/reply.js';
import { draftWorkload, type WorkloadDraft } from '../pricing/workload.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

export { estimateFromWords };

export const estimateCommand = defineCommand<WorkloadDraft, EstimateData>({
  ...helpOf('estimate'),
  slow: false,
  parse: (words) => draftWorkload(words),
  run: async (draft, ctx) => {
    const catalog = await ctx.deps.catalog();
    const estimate = estimateResolved(catalog, resolveDraft(catalog, draft));
    return {
      command: 'estimate',
      data: estimateData(estimate, catalog, ctx.deps.clock.now()),
      reply: estimateReply(estimate, catalog, ctx.deps.clock.now()),
    };
  },
});

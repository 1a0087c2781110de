/** `prices MODEL [region REGION]`: a model's catalog rows, with source and as-of date. */
import {
  type PricesData,
  type PricesQuery,
  parsePricesQuery,
  pricesData,
  pricesFor,
  pricesReply,
} from '../pricing/prices.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

export const pricesCommand = defineCommand<PricesQuery, PricesData>({
  ...helpOf('prices'),
  slow: false,
  parse: (words) => parsePricesQuery(words),
  run: async (query, ctx) => {
    const catalog = await ctx.deps.catalog();
    const view = pricesFor(catalog, query);
    const now = ctx.deps.clock.now();
    return {
      command: 'prices',
      data: pricesData(view, catalog, now),
      reply: pricesReply(view, catalog, now),
    };
  },
});

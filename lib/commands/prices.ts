/** `prices MODEL [region REGION]`: a model's catalog rows, with source and as-of date. */
import {
  type PricesData,
  type PricesQuery,
  parsePricesQuery,
  pricesData,
  pricesFor,
  pricesReply,
} from '../pricing/prices.js';
import { defineCommand } from './types.js';

export const pricesCommand = defineCommand<PricesQuery, PricesData>({
  name: 'prices',
  summary: "A model's prices per Region and route, with where each price comes from",
  usage: ['prices MODEL [region REGION]'],
  examples: [
    'prices sonnet 4.5',
    'prices nova-micro region eu-west-1',
    'prices us.anthropic.claude-3-5-haiku-20241022-v1:0',
  ],
  slow: false,
  parse: (words) => parsePricesQuery(words),
  run: async (query, ctx) => {
    const catalog = await ctx.deps.catalog();
    const view = pricesFor(catalog, query);
    return { command: 'prices', data: pricesData(view, catalog), reply: pricesReply(view, catalog) };
  },
});

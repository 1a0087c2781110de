/** PLACEHOLDER: replaced by the issue that owns `prices`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const pricesCommand = defineCommand<string[], never>({
  name: 'prices',
  summary: '(coming soon)',
  usage: ['prices'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"prices" is not available yet.');
  },
});

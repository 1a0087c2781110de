/** PLACEHOLDER: replaced by the issue that owns `forecast`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const forecastCommand = defineCommand<string[], never>({
  name: 'forecast',
  summary: '(coming soon)',
  usage: ['forecast'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"forecast" is not available yet.');
  },
});

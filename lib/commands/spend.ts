/** PLACEHOLDER: replaced by the issue that owns `spend`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const spendCommand = defineCommand<string[], never>({
  name: 'spend',
  summary: '(coming soon)',
  usage: ['spend'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"spend" is not available yet.');
  },
});

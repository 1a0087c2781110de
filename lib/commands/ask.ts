/** PLACEHOLDER: replaced by the issue that owns `ask`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const askCommand = defineCommand<string[], never>({
  name: 'ask',
  summary: '(coming soon)',
  usage: ['ask'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"ask" is not available yet.');
  },
});

/** PLACEHOLDER: replaced by the issue that owns `compare`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const compareCommand = defineCommand<string[], never>({
  name: 'compare',
  summary: '(coming soon)',
  usage: ['compare'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"compare" is not available yet.');
  },
});

/** PLACEHOLDER: replaced by the issue that owns `budget`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const budgetCommand = defineCommand<string[], never>({
  name: 'budget',
  summary: '(coming soon)',
  usage: ['budget'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"budget" is not available yet.');
  },
});

/** PLACEHOLDER: replaced by the issue that owns `why`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const whyCommand = defineCommand<string[], never>({
  name: 'why',
  summary: '(coming soon)',
  usage: ['why'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"why" is not available yet.');
  },
});

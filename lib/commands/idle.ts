/** PLACEHOLDER: replaced by the issue that owns `idle`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const idleCommand = defineCommand<string[], never>({
  name: 'idle',
  summary: '(coming soon)',
  usage: ['idle'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"idle" is not available yet.');
  },
});

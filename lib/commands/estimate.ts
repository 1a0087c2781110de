/** PLACEHOLDER: replaced by the issue that owns `estimate`. */
import { UserError } from '../errors.js';
import { defineCommand } from './types.js';

export const estimateCommand = defineCommand<string[], never>({
  name: 'estimate',
  summary: '(coming soon)',
  usage: ['estimate'],
  examples: [],
  slow: false,
  parse: (words) => words,
  run: async () => {
    throw new UserError('not_available', '"estimate" is not available yet.');
  },
});

/** PLACEHOLDER: the Teams front door (issue 8 replaces this file). */
import type { Deps } from '../deps.js';
import type { HttpHandler } from './http.js';

export function createTeamsMessagesHandler(_deps: () => Promise<Deps>): HttpHandler {
  return async () => ({ statusCode: 501, body: 'Teams endpoint not available yet' });
}

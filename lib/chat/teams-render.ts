/** PLACEHOLDER: the Adaptive Card renderer (issue 8 replaces this file). */
import type { Reply } from './reply.js';
import { renderText } from './text.js';

export type AdaptiveCard = Record<string, unknown>;

export function renderTeams(reply: Reply): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: renderText(reply), wrap: true }],
  };
}

/** PLACEHOLDER: the Block Kit renderer (issue 8 replaces this file). */
import type { Reply } from './reply.js';
import { renderText } from './text.js';

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
  response_type?: 'ephemeral' | 'in_channel';
}

export function renderSlack(reply: Reply): SlackMessage {
  const text = renderText(reply);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }] };
}

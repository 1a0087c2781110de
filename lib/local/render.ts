/**
 * What the CLI and `serve` share: the terminal's I/O and the output formats
 * (`--format text|markdown|slack|teams|json`).
 */
import { renderSlack } from '../chat/slack-render.js';
import { renderTeams } from '../chat/teams-render.js';
import { renderMarkdown, renderText } from '../chat/text.js';
import type { Reply } from '../reply/reply.js';

export const FORMATS = ['text', 'markdown', 'slack', 'teams', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** The prompt's input for `serve` (default stdin; tests). */
  input?: NodeJS.ReadableStream;
}

/** Render a reply in one of the CLI formats (json is handled by the caller). */
export function renderReply(reply: Reply, format: Exclude<Format, 'json'>): string {
  switch (format) {
    case 'text':
      return renderText(reply);
    case 'markdown':
      return renderMarkdown(reply);
    case 'slack':
      return JSON.stringify(renderSlack(reply), null, 2);
    case 'teams':
      return JSON.stringify(renderTeams(reply), null, 2);
  }
}

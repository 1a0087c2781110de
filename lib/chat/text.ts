/**
 * Plain-text and Markdown renderers of a `Reply`, for the CLI, logs and digests'
 * `text` fallbacks.
 */
import { expandMentions, type Mention, plainMention, plainMentions } from '../reply/mention.js';
import type { Reply, ReplyBlock, TableColumn } from '../reply/reply.js';

/** How a renderer writes the mention element (default: plain, `@name`). */
export interface TextRenderOptions {
  mention?: (m: Mention) => string;
}

/** Align a table as monospaced text. */
export function renderTableText(columns: TableColumn[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const w = widths[i] ?? 0;
        return c.align === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('   ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

function stripBold(text: string): string {
  return text.replace(/\*([^*\n]+)\*/g, '$1');
}

function blockText(block: ReplyBlock, write: (text: string) => string): string {
  switch (block.kind) {
    case 'text':
      return write(stripBold(block.text));
    case 'table':
      return renderTableText(
        block.columns,
        block.rows.map((r) => r.map((cell) => expandMentions(cell, plainMention))),
      );
    case 'fields':
      return block.fields.map((f) => `${f.label}: ${write(stripBold(f.value))}`).join('\n');
    case 'image':
      return `${block.alt}\n${block.fallback}`;
    case 'divider':
      return '';
  }
}

/**
 * Plain text, as in ../shared/UX.md: headline, context line, evidence, buttons in brackets.
 */
export function renderText(reply: Reply, options: TextRenderOptions = {}): string {
  const write = (text: string) => expandMentions(text, options.mention ?? plainMention);
  const parts: string[] = [write(stripBold(reply.headline))];
  if (reply.context?.length) parts.push(write(reply.context.join(' · ')));
  const body = reply.blocks.map((b) => blockText(b, write)).filter((t) => t !== '');
  if (body.length) parts.push('', ...body);
  if (reply.actions?.length) parts.push(reply.actions.map((a) => `[${a.label}]`).join('  '));
  return parts.join('\n');
}

/** GitHub-flavoured Markdown; mentions in plain form. */
export function renderMarkdown(reply: Reply): string {
  const parts: string[] = [`**${stripBold(reply.headline)}**`];
  if (reply.context?.length) parts.push(`_${reply.context.join(' · ')}_`);
  for (const block of reply.blocks) {
    switch (block.kind) {
      case 'text':
        parts.push(block.text.replace(/\*([^*\n]+)\*/g, '**$1**'));
        break;
      case 'table': {
        const esc = (s: string) => s.replace(/\|/g, '\\|');
        parts.push(
          [
            `| ${block.columns.map((c) => esc(c.header)).join(' | ')} |`,
            `| ${block.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`,
            ...block.rows.map((r) => `| ${block.columns.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
          ].join('\n'),
        );
        break;
      }
      case 'fields':
        parts.push(block.fields.map((f) => `- **${f.label}:** ${f.value}`).join('\n'));
        break;
      case 'image':
        parts.push(`_${block.alt}_\n\n\`${block.fallback}\``);
        break;
      case 'divider':
        parts.push('---');
        break;
    }
  }
  if (reply.actions?.length) parts.push(reply.actions.map((a) => `\`${a.label}\``).join(' · '));
  return plainMentions(parts.join('\n\n'));
}

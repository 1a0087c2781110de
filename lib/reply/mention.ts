/**
 * The mention element: a `Reply` names a person, a user group or a channel with
 * `mention({ kind: 'user', id })` inside any of its text (headline, context, paragraphs,
 * field values), and each renderer writes it the platform's way:
 *
 * - Slack: `<@U0123>`, `<!subteam^S0123>`, `<#C0123>` (a live mention) when the id is a Slack
 *   id, else the plain form (`slack-render.ts`);
 * - Teams: `<at>Name</at>` with its `mention` entity when the id is an Entra object id or a
 *   UPN and the name is known, else the plain form (`teams-render.ts`);
 * - plain text, Markdown, the CLI: `@name` (or `@U0123` without a name), `#channel`.
 *
 * In the text a mention is a token between two private-use characters (U+E000, U+E001),
 * which nothing a person types contains: the front doors drop those characters from what
 * comes in (`withoutMentionMarks`), so a typed message cannot forge a mention, and the Slack
 * renderer escapes the text around a mention before writing it.
 */

/** Someone or something a reply names: a person, a user group (Slack subteam), a channel. */
export interface Mention {
  kind: 'user' | 'group' | 'channel';
  /** The platform's id: `U0123` / `S0123` / `C0123` on Slack, an Entra object id on Teams. */
  id: string;
  /** Display name, when known: Teams shows it, plain text prefers it. */
  name?: string;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKS = /[\uE000\uE001]/g;
const TOKEN = /\uE000(user|group|channel):([^|\uE000\uE001]+)(?:\|([^\uE000\uE001]*))?\uE001/g;

/**
 * A mention as text to put in a `Reply`; renderers turn it into the platform's mention.
 *
 * @example
 * { kind: 'text', text: `Owner: ${mention({ kind: 'user', id: 'U0ALICE001' })}` }
 */
export function mention(m: Mention): string {
  const id = m.id.replace(/[|\uE000\uE001]/g, '');
  const name = m.name?.replace(MARKS, '').trim();
  return `${OPEN}${m.kind}:${id}${name ? `|${name}` : ''}${CLOSE}`;
}

/** Does the text carry a mention? */
export function hasMention(text: string): boolean {
  return text.includes(OPEN);
}

/** Write each mention in `text` with `render`; the rest of the text is kept as it is. */
export function expandMentions(text: string, render: (m: Mention) => string): string {
  if (!hasMention(text)) return text;
  return text.replace(TOKEN, (_, kind: Mention['kind'], id: string, name: string | undefined) =>
    render({ kind, id, ...(name ? { name } : {}) }),
  );
}

/** A mention as plain text: `@Alice`, `@U0123`, `#finops`. */
export function plainMention(m: Mention): string {
  return `${m.kind === 'channel' ? '#' : '@'}${m.name ?? m.id}`;
}

/** Text with its mentions in plain form (logs, notifications, code blocks, the CLI). */
export function plainMentions(text: string): string {
  return expandMentions(text, plainMention);
}

/** Text from outside (a typed command) without the characters that delimit a mention. */
export function withoutMentionMarks(text: string): string {
  return text.replace(MARKS, '');
}

/**
 * The Adaptive Card renderer: a neutral `Reply` as a Teams card, with the same content as
 * the Slack message (conclusion, context line, evidence, next steps).
 *
 * Constraints that shape it:
 * - Teams renders Adaptive Cards up to schema 1.5, and rejects a message over 28 KB. A
 *   card that would be larger is shrunk (long tables lose their tail rows, with a note)
 *   and, as a last resort, becomes a plain-text card.
 * - TextBlock Markdown is a small subset: `**bold**`, lists, links; no code spans. The
 *   Reply's `*bold*` becomes `**bold**` and backticks are dropped.
 * - Charts: a Workflows webhook cannot carry a file, so an `image` block's PNG goes inline
 *   as a `data:image/png;base64,...` URL (base64 is 4/3 of the PNG: a digest chart is drawn
 *   small for this). If the card would pass the limit, the image is the first thing dropped,
 *   for its text fallback (a sparkline).
 * - Buttons: an outgoing webhook cannot receive `Action.Submit` clicks, and neither can a
 *   card posted by a Workflows webhook. So a button that runs a command is shown as the
 *   command to type (`@bedrock-cost spend mtd by team`), a link becomes `Action.OpenUrl`,
 *   and Slack-only interactions (acknowledge) are left out; one with a command equivalent
 *   (snooze: `idle snooze NAME`) becomes that command to type.
 *   The Teams bot receives clicks: with `{ interactive: true }` every button is an
 *   `Action.Execute` (verb = handler id), handled like Slack's (lib/chat/teams-bot/app.ts).
 */

import { expandMentions, type Mention, plainMention } from '../reply/mention.js';
import type { Reply, ReplyAction, ReplyBlock } from '../reply/reply.js';
import { COMMAND_ACTION_IDS } from './actions.js';
import { renderText } from './text.js';

export type AdaptiveCard = Record<string, unknown>;
type Element = Record<string, unknown>;

/** Teams' limit on a message carrying a card; we stay under it with room for the envelope. */
export const TEAMS_CARD_MAX_BYTES = 28 * 1024;
const CARD_BUDGET = TEAMS_CARD_MAX_BYTES - 512;

/** Action ids whose `value` is command text a person can type to get the same answer. */
const COMMAND_ACTIONS = new Set(COMMAND_ACTION_IDS);

/** A Teams user a mention entity can name: an Entra object id, a UPN, or a Teams user id. */
const TEAMS_USER_ID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+|29:[\w-]+)$/i;

/**
 * The mention element on a card: `<at>Name</at>`, with its `mention` entity added to
 * `entities` (the card's `msteams.entities`), for a Teams user whose name is known; anything
 * else (a Slack id, a group, a channel, no name) in plain form.
 *
 * @example
 * teamsMention({ kind: 'user', id: '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11', name: 'Alice' }, entities); // '<at>Alice</at>'
 */
function teamsMention(m: Mention, entities?: Element[]): string {
  const name = m.name?.replace(/[<>]/g, '').trim();
  if (m.kind !== 'user' || !name || !entities || !TEAMS_USER_ID.test(m.id)) return plainMention(m);
  const text = `<at>${name}</at>`;
  if (!entities.some((e) => e.text === text)) {
    entities.push({ type: 'mention', text, mentioned: { id: m.id, name } });
  }
  return text;
}

/**
 * The Reply's inline markup as Adaptive Card Markdown; mentions as Teams mentions when the
 * card's `entities` are given, else in plain form.
 */
export function teamsMarkdown(text: string, entities?: Element[]): string {
  const markdown = text.replace(/\*([^*\n]+)\*/g, '**$1**').replace(/`([^`\n]*)`/g, '$1');
  return expandMentions(markdown, (m) => teamsMention(m, entities));
}

/** A PNG as a `data:` URL, which an Adaptive Card `Image` accepts in place of a link. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

const textBlock = (text: string, extra: Element = {}): Element => ({
  type: 'TextBlock',
  text,
  wrap: true,
  ...extra,
});

function tableElement(block: Extract<ReplyBlock, { kind: 'table' }>, rows: string[][]): Element {
  const cell = (text: string, right: boolean, header = false): Element => ({
    type: 'TableCell',
    items: [
      textBlock(teamsMarkdown(text), {
        ...(header ? { weight: 'Bolder' } : {}),
        ...(right ? { horizontalAlignment: 'Right' } : {}),
      }),
    ],
  });
  return {
    type: 'Table',
    gridStyle: 'accent',
    firstRowAsHeader: true,
    showGridLines: false,
    columns: block.columns.map((c, i) => ({
      width: i === 0 ? 3 : 2,
      ...(c.align === 'right' ? { horizontalCellContentAlignment: 'Right' } : {}),
    })),
    rows: [
      { type: 'TableRow', cells: block.columns.map((c) => cell(c.header, c.align === 'right', true)) },
      ...rows.map((r) => ({
        type: 'TableRow',
        cells: block.columns.map((c, i) => cell(r[i] ?? '', c.align === 'right')),
      })),
    ],
  };
}

function bodyElements(block: ReplyBlock, maxRows: number, images: boolean, entities: Element[]): Element[] {
  switch (block.kind) {
    case 'text':
      return [textBlock(teamsMarkdown(block.text, entities))];
    case 'table': {
      const rows = block.rows.slice(0, maxRows);
      const hidden = block.rows.length - rows.length;
      return [
        tableElement(block, rows),
        ...(hidden > 0
          ? [
              textBlock(`… ${hidden} more row${hidden === 1 ? '' : 's'} not shown (the card size limit).`, {
                isSubtle: true,
                size: 'Small',
              }),
            ]
          : []),
      ];
    }
    case 'fields':
      return [
        {
          type: 'FactSet',
          facts: block.fields.map((f) => ({
            title: teamsMarkdown(f.label),
            value: teamsMarkdown(f.value, entities),
          })),
        },
      ];
    case 'image': {
      // A hosted image by URL; else the PNG inline as a data URI (Teams draws those, and a
      // Workflows webhook cannot carry a file); else, or when the card has no room, the text.
      const url = block.url ?? (block.png && images ? pngDataUri(block.png) : undefined);
      // A bridge not drawn: the table gives its every step.
      if (!url && block.chart?.kind === 'bridge') return [];
      return url
        ? [{ type: 'Image', url, altText: block.alt, size: 'Stretch' }]
        : [textBlock(block.alt, { isSubtle: true }), textBlock(block.fallback, { fontType: 'Monospace' })];
    }
    case 'divider':
      return [];
  }
}

/** How a card is used: `interactive` when the bot receives its clicks (the Teams bot, not the webhooks). */
export interface TeamsRenderOptions {
  interactive?: boolean;
}

/**
 * A button the bot receives (`Action.Execute`, an `adaptiveCard/action` invoke): the verb is
 * the handler id (`alert_ack`), the data its value, as Slack's `action_id` and `value`.
 */
function executeAction(a: ReplyAction): Element {
  return {
    type: 'Action.Execute',
    title: a.label,
    verb: a.id,
    data: { action: a.id, value: a.value },
    ...(a.style === 'primary' ? { style: 'positive' } : a.style === 'danger' ? { style: 'destructive' } : {}),
  };
}

function actionParts(actions: ReplyAction[], interactive = false): { hints: string[]; buttons: Element[] } {
  const hints: string[] = [];
  const buttons: Element[] = [];
  for (const a of actions) {
    if (/^https:\/\//.test(a.value)) buttons.push({ type: 'Action.OpenUrl', title: a.label, url: a.value });
    else if (interactive) buttons.push(executeAction(a));
    else if (COMMAND_ACTIONS.has(a.id)) hints.push(`${a.label}: @bedrock-cost ${a.value}`);
    else if (a.command) hints.push(`${a.label}: @bedrock-cost ${a.command}`);
  }
  return { hints, buttons };
}

function buildCard(
  reply: Reply,
  maxRows: number,
  images: boolean,
  options: TeamsRenderOptions = {},
): AdaptiveCard {
  // The card's mention entities: each `<at>Name</at>` in its text needs one.
  const entities: Element[] = [];
  const body: Element[] = [
    textBlock(teamsMarkdown(reply.headline, entities), { weight: 'Bolder', size: 'Medium' }),
  ];
  if (reply.context?.length) {
    const context = expandMentions(reply.context.join(' · '), (m) => teamsMention(m, entities));
    body.push(textBlock(context, { isSubtle: true, size: 'Small', spacing: 'None' }));
  }
  let separatorNext = false;
  for (const block of reply.blocks) {
    if (block.kind === 'divider') {
      separatorNext = true;
      continue;
    }
    const elements = bodyElements(block, maxRows, images, entities);
    if (separatorNext && elements[0]) elements[0] = { ...elements[0], separator: true };
    separatorNext = false;
    body.push(...elements);
  }
  const { hints, buttons } = actionParts(reply.actions ?? [], options.interactive);
  if (hints.length)
    body.push(textBlock(hints.map((h) => `- ${h}`).join('\n'), { isSubtle: true, separator: true }));
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    msteams: { width: 'Full', ...(entities.length ? { entities } : {}) },
    body,
    ...(buttons.length ? { actions: buttons } : {}),
  };
}

/** Size of a card as Teams counts it (UTF-8 bytes of the JSON). */
export function cardBytes(card: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * Render a `Reply` as an Adaptive Card (schema 1.5) under Teams' 28 KB message limit.
 *
 * @example
 * const card = renderTeams(reply);
 * return { type: 'message', attachments: [teamsAttachment(card)] };
 */
export function renderTeams(reply: Reply, options: TeamsRenderOptions = {}): AdaptiveCard {
  const longest = Math.max(0, ...reply.blocks.map((b) => (b.kind === 'table' ? b.rows.length : 0)));
  // An inline chart goes first: its text fallback (the sparkline) says the same in a few
  // bytes, while every row and line of text is content the reader has nowhere else.
  if (reply.blocks.some((b) => b.kind === 'image' && b.png && !b.url)) {
    // A chart that draws the table's own rows (a `why` bridge) is worth a shorter table;
    // other charts (a digest's) go first, before any row.
    const bridge = reply.blocks.some((b) => b.kind === 'image' && b.png && b.chart?.kind === 'bridge');
    const tries = bridge ? [longest, Math.ceil(longest / 2), Math.min(longest, 3)] : [longest];
    for (const maxRows of [...new Set(tries)]) {
      const card = buildCard(reply, maxRows, true, options);
      if (cardBytes(card) <= CARD_BUDGET) return card;
    }
  }
  // Then shrink tables until the card fits: table cells dominate a card's size.
  for (let maxRows = longest; ; maxRows = Math.floor(maxRows / 2)) {
    const card = buildCard(reply, maxRows, false, options);
    if (cardBytes(card) <= CARD_BUDGET) return card;
    if (maxRows === 0) break;
  }
  // Still too big (very long text): one plain-text block, cut to fit.
  const text = renderText(reply);
  const note = '\n\n… cut to fit a Teams message. Narrow the question, or run it from the CLI.';
  let size = Math.min(text.length, CARD_BUDGET / 2);
  for (;;) {
    const card: AdaptiveCard = {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [textBlock(`${text.slice(0, size)}${size < text.length ? note : ''}`, { fontType: 'Monospace' })],
    };
    if (cardBytes(card) <= CARD_BUDGET || size === 0) return card;
    size = Math.floor(size * 0.8);
  }
}

/** The attachment wrapping a card in a Teams message (outgoing-webhook reply or Workflows post). */
export function teamsAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}

/** A Teams message carrying one card. */
export function teamsMessage(reply: Reply): {
  type: 'message';
  attachments: ReturnType<typeof teamsAttachment>[];
} {
  return { type: 'message', attachments: [teamsAttachment(renderTeams(reply))] };
}

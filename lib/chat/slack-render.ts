/**
 * The Block Kit renderer: a neutral `Reply` as a Slack message.
 *
 * Layout (see ../../shared/UX.md): the conclusion as a header, the quiet context line
 * (period, cost basis, data age) right under it, the evidence (sections, field grids,
 * tables as aligned monospace text, charts), then the buttons.
 *
 * Slack rejects a whole message (`invalid_blocks`) when one limit is exceeded, so every
 * limit is enforced here rather than hoped for: at most 50 blocks, 3,000 characters of
 * section text, 10 fields of 2,000 characters per section, 150 characters of header,
 * 25 buttons per actions block, unique `action_id`s. Long text and tables are split into
 * several sections; what still does not fit is dropped with a visible note, never
 * silently. A plain `text` fallback (notifications, screen readers, old clients) is
 * always set.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  ImageBlock,
  KnownBlock,
  MrkdwnElement,
  SectionBlock,
} from '@slack/types';
import { expandMentions, hasMention, type Mention, plainMention, plainMentions } from '../reply/mention.js';
import type { Reply, ReplyAction, ReplyBlock } from '../reply/reply.js';
import { renderText } from './text.js';

/** Slack's documented Block Kit limits. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  header: 150,
  contextElements: 10,
  buttonsPerActions: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  altText: 2000,
  /** Not a Block Kit limit: we keep the notification fallback short. */
  fallbackText: 3000,
} as const;

/** A Block Kit block, as `@slack/types` defines it (the same package Bolt and the Web API use). */
export type SlackBlock = KnownBlock;

export interface SlackMessage {
  /** Plain-text fallback: notifications, screen readers, clients without Block Kit. */
  text: string;
  blocks: SlackBlock[];
  /** Slash-command and `response_url` answers only: who sees the message. */
  response_type?: 'ephemeral' | 'in_channel';
}

/** Escape the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mention Slack makes live: a Slack user, user group or channel id. */
function liveSlackMention(m: Mention): string | undefined {
  if (m.kind === 'user' && /^[UW][A-Z0-9]+$/.test(m.id)) return `<@${m.id}>`;
  if (m.kind === 'group' && /^S[A-Z0-9]+$/.test(m.id)) return `<!subteam^${m.id}>`;
  if (m.kind === 'channel' && /^[CG][A-Z0-9]+$/.test(m.id)) return `<#${m.id}>`;
  return undefined;
}

/**
 * The mention element as Slack mrkdwn: `<@U0123>`, `<!subteam^S0123>`, `<#C0123>`; an id that
 * is not Slack's (a Teams user, an email) in plain form.
 *
 * @example
 * slackMention({ kind: 'user', id: 'U0ALICE001' }); // '<@U0ALICE001>'
 */
export function slackMention(m: Mention): string {
  return liveSlackMention(m) ?? escapeMrkdwn(plainMention(m));
}

/** Reply text as mrkdwn: escaped, its mentions live. */
function slackText(text: string): string {
  // Escaped as a whole first (names in mentions included), so the plain form is not escaped twice.
  return expandMentions(escapeMrkdwn(text), (m) => liveSlackMention(m) ?? plainMention(m));
}

/** Cut `text` to `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Split text into chunks of at most `max` characters, preferring line breaks, so a long
 * paragraph becomes several sections instead of being rejected.
 */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  const push = () => {
    if (current !== '') chunks.push(current);
    current = '';
  };
  for (const line of text.split('\n')) {
    if (line.length > max) {
      push();
      for (let i = 0; i < line.length; i += max) chunks.push(line.slice(i, i + max));
      continue;
    }
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length > max) {
      push();
      current = line;
    } else current = candidate;
  }
  push();
  return chunks.length ? chunks : [''];
}

const stripBold = (text: string) => text.replace(/\*([^*\n]+)\*/g, '$1');

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text) });

/**
 * Widest code-block line we send: Slack wraps longer lines on a laptop-width channel and
 * any phone, which scrambles a table's columns.
 */
export const SLACK_TABLE_WIDTH = 60;

/** Align cells; a narrow table keeps the CLI's three spaces between columns, a wide one two. */
function alignedLines(
  columns: Extract<ReplyBlock, { kind: 'table' }>['columns'],
  rows: string[][],
  gap = '  ',
): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const w = widths[i] ?? 0;
        return c.align === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join(gap)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/**
 * A table as units of monospace lines, none wider than `SLACK_TABLE_WIDTH`; the first unit
 * is the header. A table that is wider moves its widest text columns out of the grid (the
 * first column, a label, onto a line above its row's figures; later ones, such as notes,
 * onto an indented line below), and spreads figures that still do not fit over several
 * aligned lines. Nothing is cut that fits in a line of its own.
 */
export function slackTableUnits(block: Extract<ReplyBlock, { kind: 'table' }>): string[][] {
  const { columns, rows } = block;
  const fits = (lines: string[], room = SLACK_TABLE_WIDTH) => lines.every((l) => l.length <= room);
  const roomy = alignedLines(columns, rows, '   ');
  if (fits(roomy)) return roomy.map((l) => [l]);
  const flat = alignedLines(columns, rows);
  if (fits(flat) || columns.length < 2) return flat.map((l) => [truncate(l, SLACK_TABLE_WIDTH)]);
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const room = SLACK_TABLE_WIDTH - 2;
  const gridOf = (keep: number[]) =>
    alignedLines(
      keep.map((i) => columns[i]!),
      rows.map((r) => keep.map((i) => r[i] ?? '')),
    );
  const moved = new Set<number>();
  const textColumns = columns
    .map((c, i) => ({ i, left: c.align !== 'right', width: widths[i] ?? 0 }))
    .filter((c) => c.left)
    .sort((a, b) => b.width - a.width || a.i - b.i);
  const kept = () => columns.map((_, i) => i).filter((i) => !moved.has(i));
  for (const c of textColumns) {
    if (fits(gridOf(kept()), room) || kept().length === 1) break;
    moved.add(c.i);
  }
  // Figures that still do not fit: as many aligned lines per row as it takes.
  const groups: number[][] = [];
  for (const i of kept()) {
    const last = groups[groups.length - 1];
    if (last && fits(gridOf([...last, i]), room)) last.push(i);
    else groups.push([i]);
  }
  const grids = groups.map((g) => gridOf(g).map((l) => truncate(`  ${l}`, SLACK_TABLE_WIDTH)));
  // Moved columns left of the first figure column are labels: above the figures; the rest
  // (notes, sources) below them.
  const firstFigure = columns.findIndex((c, i) => i > 0 && c.align === 'right');
  const isLabel = (i: number) => firstFigure < 0 || i < firstFigure;
  const above = [...moved].filter(isLabel).sort((a, b) => a - b);
  const below = [...moved].filter((i) => !isLabel(i)).sort((a, b) => a - b);
  const unitOf = (cells: string[], row: number): string[] => {
    const lines: string[] = [];
    const label = above
      .map((i) => cells[i] ?? '')
      .filter(Boolean)
      .join(' · ');
    if (label) lines.push(truncate(label, SLACK_TABLE_WIDTH));
    for (const grid of grids) lines.push(grid[row] ?? '');
    for (const i of below) {
      const value = cells[i] ?? '';
      if (value) lines.push(...splitText(`    ${value}`, SLACK_TABLE_WIDTH));
    }
    return lines;
  };
  return [
    unitOf(
      columns.map((c, i) => (isLabel(i) || !moved.has(i) ? c.header : '')),
      0,
    ),
    ...rows.map((r, i) => unitOf(r, i + 1)),
  ];
}

/** A table as aligned monospace text; rows split over several sections, each with the header. */
function tableBlocks(block: Extract<ReplyBlock, { kind: 'table' }>): SlackBlock[] {
  const fence = (body: string) => `\`\`\`\n${body}\n\`\`\``;
  const budget = SLACK_LIMITS.sectionText - 8;
  // A code block shows `<@U0123>` as typed: mentions in a table are written plainly.
  const plain = { ...block, rows: block.rows.map((r) => r.map(plainMentions)) };
  const units = slackTableUnits(plain).map((lines) => escapeMrkdwn(lines.join('\n')));
  const header = units[0] ?? '';
  const rows = units.slice(1);
  const blocks: SlackBlock[] = [];
  let current: string[] = [header];
  for (const row of rows) {
    if ([...current, row].join('\n').length > budget && current.length > 1) {
      blocks.push(section(fence(current.join('\n'))));
      current = [header];
    }
    current.push(row);
  }
  if (current.length > 1 || rows.length === 0) blocks.push(section(fence(current.join('\n'))));
  return blocks;
}

function fieldBlocks(block: Extract<ReplyBlock, { kind: 'fields' }>): SectionBlock[] {
  const blocks: SectionBlock[] = [];
  for (let i = 0; i < block.fields.length; i += SLACK_LIMITS.fields) {
    blocks.push({
      type: 'section',
      fields: block.fields
        .slice(i, i + SLACK_LIMITS.fields)
        .map((f) =>
          mrkdwn(
            truncate(`*${slackText(stripBold(f.label))}*\n${slackText(f.value)}`, SLACK_LIMITS.fieldText),
          ),
        ),
    });
  }
  return blocks;
}

function imageBlocks(block: Extract<ReplyBlock, { kind: 'image' }>): (ImageBlock | SectionBlock)[] {
  if (block.slackFileId) {
    // A PNG the app uploaded (privately): shown by file ID, no public URL needed.
    return [
      {
        type: 'image',
        slack_file: { id: block.slackFileId },
        alt_text: truncate(block.alt, SLACK_LIMITS.altText),
        title: { type: 'plain_text', text: truncate(block.alt, 2000) },
      },
    ];
  }
  if (block.url) {
    return [
      {
        type: 'image',
        image_url: block.url,
        alt_text: truncate(block.alt, SLACK_LIMITS.altText),
        title: { type: 'plain_text', text: truncate(block.alt, 2000) },
      },
    ];
  }
  // A bridge not drawn: the table above already gives its every step.
  if (block.chart?.kind === 'bridge') return [];
  // No hosted image (a PNG is uploaded separately by the delivery): show the text fallback,
  // e.g. a sparkline, so the message reads well on its own.
  return splitText(
    `_${escapeMrkdwn(block.alt)}_\n\`${escapeMrkdwn(block.fallback)}\``,
    SLACK_LIMITS.sectionText,
  ).map(section);
}

function bodyBlocks(block: ReplyBlock): SlackBlock[] {
  switch (block.kind) {
    case 'text':
      return splitText(slackText(block.text), SLACK_LIMITS.sectionText).map(section);
    case 'table':
      return tableBlocks(block);
    case 'fields':
      return fieldBlocks(block);
    case 'image':
      return imageBlocks(block);
    case 'divider':
      return [{ type: 'divider' }];
  }
}

/**
 * Buttons. Slack requires `action_id`s unique within a message, and the same handler
 * (`run_command`) can back several buttons, so repeats get a `#n` suffix that
 * `actionIdOf` strips when the click comes back.
 */
function actionBlocks(actions: ReplyAction[]): ActionsBlock[] {
  const seen = new Map<string, number>();
  const buttons = actions.map((a): Button => {
    const n = seen.get(a.id) ?? 0;
    seen.set(a.id, n + 1);
    return {
      type: 'button',
      action_id: truncate(n === 0 ? a.id : `${a.id}#${n}`, SLACK_LIMITS.actionId),
      text: { type: 'plain_text', text: truncate(a.label, SLACK_LIMITS.buttonText), emoji: true },
      value: truncate(a.value, SLACK_LIMITS.buttonValue),
      ...(a.style ? { style: a.style } : {}),
    };
  });
  const blocks: ActionsBlock[] = [];
  for (let i = 0; i < buttons.length; i += SLACK_LIMITS.buttonsPerActions) {
    blocks.push({ type: 'actions', elements: buttons.slice(i, i + SLACK_LIMITS.buttonsPerActions) });
  }
  return blocks;
}

/** The handler id of a clicked button (`run_command#2` -> `run_command`). */
export function actionIdOf(actionId: string): string {
  return actionId.replace(/#\d+$/, '');
}

/**
 * Render a `Reply` as a Slack message (Block Kit + text fallback), within Slack's limits.
 *
 * @example
 * const message = renderSlack(simpleReply('Bedrock spend is $1,240 this week.'));
 * await ack({ ...message, response_type: 'ephemeral' });
 */
export function renderSlack(reply: Reply): SlackMessage {
  const headline = stripBold(reply.headline).trim() || ' ';
  const top: SlackBlock[] =
    // A header is plain text: a mention would show as typed, so a headline with one is bold text.
    headline.length <= SLACK_LIMITS.header && !hasMention(headline)
      ? // A header is plain text: `code` would show its backticks, so it gets quotes instead.
        [
          {
            type: 'header',
            text: { type: 'plain_text', text: headline.replace(/`([^`\n]+)`/g, '"$1"'), emoji: true },
          } satisfies HeaderBlock,
        ]
      : // A conclusion longer than a header allows stays whole, in bold, instead of being cut.
        splitText(`*${slackText(headline)}*`, SLACK_LIMITS.sectionText).map(section);
  if (reply.context?.length) {
    top.push({
      type: 'context',
      elements: [mrkdwn(truncate(slackText(reply.context.join(' · ')), SLACK_LIMITS.sectionText))],
    });
  }
  const body = reply.blocks.flatMap(bodyBlocks);
  // A divider at either end adds nothing.
  while (body[0]?.type === 'divider') body.shift();
  while (body[body.length - 1]?.type === 'divider') body.pop();
  const actions = reply.actions?.length ? actionBlocks(reply.actions) : [];

  let blocks = [...top, ...body, ...actions];
  if (blocks.length > SLACK_LIMITS.blocks) {
    // Keep the conclusion and the buttons; drop evidence from the end, and say so.
    const room = SLACK_LIMITS.blocks - top.length - actions.length - 1;
    const kept = body.slice(0, Math.max(0, room));
    const dropped = body.length - kept.length;
    const note: ContextBlock = {
      type: 'context',
      elements: [
        mrkdwn(
          `… ${dropped} more block${dropped === 1 ? '' : 's'} not shown: the answer is longer than a Slack message allows. Narrow the question (a shorter period, one team) or run it from the CLI.`,
        ),
      ],
    };
    blocks = [...top, ...kept, note, ...actions].slice(0, SLACK_LIMITS.blocks);
  }
  const message: SlackMessage = {
    text: truncate(renderText(reply, { mention: slackMention }), SLACK_LIMITS.fallbackText),
    blocks,
  };
  if (reply.visibility) message.response_type = reply.visibility;
  return message;
}

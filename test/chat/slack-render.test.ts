import { describe, expect, it } from 'vitest';
import {
  actionIdOf,
  escapeMrkdwn,
  renderSlack,
  SLACK_LIMITS,
  type SlackBlock,
  splitText,
} from '../../lib/chat/slack-render.js';
import type { Reply } from '../../lib/reply/reply.js';
import { simpleReply } from '../../lib/reply/reply.js';

/** Every text a block carries, with the limit that applies to it. */
/** A block's fields by name (the tests read any block's `text`, `fields`, `elements`). */
const loose = (
  blocks: SlackBlock[],
): { type: string; text?: unknown; fields?: unknown; elements?: unknown }[] => blocks;

function texts(blocks: SlackBlock[]): { text: string; limit: number }[] {
  const out: { text: string; limit: number }[] = [];
  for (const b of loose(blocks)) {
    const text = (b.text as { text?: string } | undefined)?.text;
    if (b.type === 'header') out.push({ text: text ?? '', limit: SLACK_LIMITS.header });
    else if (text !== undefined) out.push({ text, limit: SLACK_LIMITS.sectionText });
    for (const f of (b.fields as { text: string }[] | undefined) ?? [])
      out.push({ text: f.text, limit: SLACK_LIMITS.fieldText });
    for (const e of (b.elements as { text?: string | { text: string } }[] | undefined) ?? []) {
      if (typeof e.text === 'string') out.push({ text: e.text, limit: SLACK_LIMITS.sectionText });
    }
  }
  return out;
}

function expectWithinLimits(blocks: SlackBlock[]) {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const { text, limit } of texts(blocks)) expect(text.length).toBeLessThanOrEqual(limit);
  for (const b of loose(blocks)) {
    if (b.fields) expect((b.fields as unknown[]).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
    if (b.type === 'actions')
      expect((b.elements as unknown[]).length).toBeLessThanOrEqual(SLACK_LIMITS.buttonsPerActions);
  }
}

const sample: Reply = {
  headline:
    'Bedrock spend rose $1,240 (+38%) last week: *Claude Sonnet 4.5* output tokens for team search tripled.',
  context: ['Nov 9-15 vs Nov 2-8', 'unblended cost, usage only', 'data as of Nov 18 06:00 UTC'],
  blocks: [
    {
      kind: 'table',
      columns: [
        { header: 'Driver' },
        { header: 'Nov 2-8', align: 'right' },
        { header: 'Change', align: 'right' },
      ],
      rows: [
        ['Claude Sonnet 4.5 · output · search', '$112.40', '+$238.61'],
        ['Llama 3.1 70B · input · growth', '$96.10', '-$64.23'],
      ],
    },
    {
      kind: 'text',
      text: 'Unattributed (no team tag): *$96.50*, 8% of the week. R&D <team> spend included.',
    },
    { kind: 'divider' },
    {
      kind: 'fields',
      fields: [
        { label: 'Budget', value: '$5,000' },
        { label: 'Forecast', value: '$7,480 (150%)' },
      ],
    },
    { kind: 'image', alt: 'Daily spend, 4 weeks', fallback: '▁▂▃▅▇█▆▅' },
  ],
  actions: [
    { id: 'run_command', label: 'Break down by team', value: 'spend last week by team', style: 'primary' },
    {
      id: 'run_command',
      label: 'What if search used batch?',
      value: 'estimate sonnet 4.5 2000 in 500 out 10k/day',
    },
  ],
};

describe('renderSlack', () => {
  it('renders headline, context, evidence and buttons as Block Kit', () => {
    expect(renderSlack(sample)).toMatchSnapshot();
  });

  it('puts the conclusion in a header and the context line right under it', () => {
    const { blocks } = renderSlack(sample);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'Bedrock spend rose $1,240 (+38%) last week: Claude Sonnet 4.5 output tokens for team search tripled.',
        emoji: true,
      },
    });
    expect(blocks[1]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'Nov 9-15 vs Nov 2-8 · unblended cost, usage only · data as of Nov 18 06:00 UTC',
        },
      ],
    });
  });

  it('aligns tables as monospace text with right-aligned numbers', () => {
    const table = renderSlack(sample).blocks[2] as { text: { text: string } };
    expect(table.text.text).toBe(
      [
        '```',
        'Driver                                Nov 2-8     Change',
        'Claude Sonnet 4.5 · output · search   $112.40   +$238.61',
        'Llama 3.1 70B · input · growth         $96.10    -$64.23',
        '```',
      ].join('\n'),
    );
  });

  it('escapes the characters mrkdwn reserves', () => {
    const { blocks } = renderSlack(sample);
    expect(JSON.stringify(blocks)).toContain('R&amp;D &lt;team&gt; spend');
  });

  it('gives repeated buttons unique action ids that map back to their handler', () => {
    const actions = renderSlack(sample).blocks.find((b) => b.type === 'actions') as {
      elements: { action_id: string; value: string; style?: string }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['run_command', 'run_command#1']);
    expect(actions.elements.map((e) => actionIdOf(e.action_id))).toEqual(['run_command', 'run_command']);
    expect(actions.elements[0]?.style).toBe('primary');
  });

  it('uses an image block when the chart has a URL, the text fallback otherwise', () => {
    const withUrl = renderSlack({
      headline: 'Chart',
      blocks: [{ kind: 'image', alt: 'Daily spend', fallback: '▁▂▃', url: 'https://example.com/c.png' }],
    });
    expect(withUrl.blocks[1]).toMatchObject({
      type: 'image',
      image_url: 'https://example.com/c.png',
      alt_text: 'Daily spend',
    });
    const without = renderSlack(sample);
    expect(JSON.stringify(without.blocks)).toContain('▁▂▃▅▇█▆▅');
  });

  it('always sets a plain-text fallback and leaves visibility to the reply', () => {
    const message = renderSlack(simpleReply('Nothing to report.'));
    expect(message.text).toBe('Nothing to report.');
    expect(message.response_type).toBeUndefined();
    expect(renderSlack({ ...simpleReply('x'), visibility: 'in_channel' }).response_type).toBe('in_channel');
  });
});

describe('renderSlack limits', () => {
  it('keeps a headline longer than a header allows whole, as bold text', () => {
    const headline = `Spend ${'really '.repeat(40)}rose.`;
    const { blocks } = renderSlack(simpleReply(headline));
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } });
  });

  it('splits long text over several sections at line breaks', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `Line ${i}: ${'x'.repeat(40)}`);
    const { blocks } = renderSlack(simpleReply('Long', lines.join('\n')));
    const sections = blocks.filter((b) => b.type === 'section');
    expect(sections.length).toBeGreaterThan(3);
    expectWithinLimits(blocks);
    const rejoined = sections.map((s) => (s.text as { text: string }).text).join('\n');
    expect(rejoined).toBe(lines.join('\n'));
  });

  it('splits a long table into sections that each repeat the header', () => {
    const rows = Array.from({ length: 400 }, (_, i) => [`team-${i}`, `$${i}.00`]);
    const { blocks } = renderSlack({
      headline: 'Spend by team',
      blocks: [{ kind: 'table', columns: [{ header: 'Team' }, { header: 'Spend', align: 'right' }], rows }],
    });
    expectWithinLimits(blocks);
    const tables = blocks.filter((b) => b.type === 'section').map((b) => (b.text as { text: string }).text);
    expect(tables.length).toBeGreaterThan(1);
    for (const t of tables) expect(t.split('\n')[1]).toMatch(/^Team\s+Spend$/);
    const shownRows = tables.flatMap((t) => t.split('\n').slice(2, -1));
    expect(shownRows).toHaveLength(400);
  });

  it('puts at most 10 fields of at most 2,000 characters in a section', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({
      label: `Team ${i}`,
      value: 'v'.repeat(i === 0 ? 5000 : 10),
    }));
    const { blocks } = renderSlack({ headline: 'Budgets', blocks: [{ kind: 'fields', fields }] });
    expect(
      loose(blocks)
        .filter((b) => b.fields)
        .map((b) => (b.fields as unknown[]).length),
    ).toEqual([10, 10, 3]);
    expectWithinLimits(blocks);
  });

  it('drops evidence beyond 50 blocks with a note, keeping the headline and the buttons', () => {
    const reply: Reply = {
      headline: 'Very long answer',
      context: ['mtd'],
      blocks: Array.from({ length: 120 }, (_, i) => ({ kind: 'text' as const, text: `Paragraph ${i}` })),
      actions: Array.from({ length: 30 }, (_, i) => ({
        id: 'run_command',
        label: `Option ${i}`,
        value: `help ${i}`,
      })),
    };
    const { blocks, text } = renderSlack(reply);
    expectWithinLimits(blocks);
    expect(blocks).toHaveLength(50);
    expect(blocks[0]?.type).toBe('header');
    expect(blocks.slice(-2).map((b) => b.type)).toEqual(['actions', 'actions']);
    const note = blocks[blocks.length - 3] as { type: string; elements: { text: string }[] };
    expect(note.type).toBe('context');
    expect(note.elements[0]?.text).toMatch(/^… 75 more blocks not shown/);
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('splitText never loses or exceeds', () => {
    const text = `${'a'.repeat(7000)}\nshort\n${'b'.repeat(10)}`;
    const chunks = splitText(text, 3000);
    expect(chunks.every((c) => c.length <= 3000)).toBe(true);
    expect(chunks.join('').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
    expect(chunks).toHaveLength(4);
  });
});

describe('renderSlack tables on a phone-width channel', () => {
  const codeLines = (reply: Reply) =>
    loose(renderSlack(reply).blocks)
      .map((b) => (b.text as { text?: string } | undefined)?.text ?? '')
      .filter((t) => t.startsWith('```'))
      .flatMap((t) => t.split('\n').filter((l) => !l.startsWith('```')));

  it('keeps every line within 60 characters, with no label or figure cut', () => {
    const rows = [
      ['Claude Sonnet 4.5 · output · search', '$555.23', '$1,391.62', '+$836.39', 'volume x2.5'],
      ['Nova Lite · provisioned throughput · growth', '$0.00', '$605.00', '+$605.00', 'new'],
      ['Titan Text Embeddings V2 · input · data-platform', '$1,000.00', '$912.10', '-$87.90', 'price -9%'],
    ];
    const lines = codeLines({
      headline: 'x',
      blocks: [
        {
          kind: 'table',
          columns: [
            { header: 'Driver' },
            { header: 'Nov 16-22', align: 'right' },
            { header: 'Nov 23-29', align: 'right' },
            { header: 'Change', align: 'right' },
            { header: 'Effect' },
          ],
          rows,
        },
      ],
    });
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    const text = lines.join('\n');
    for (const cell of rows.flat()) expect(text).toContain(escapeMrkdwn(cell));
    expect(text).not.toContain('…');
  });

  it('spreads figures that do not fit on one line over several, each still aligned', () => {
    const columns = [
      { header: 'Where' },
      ...['Input', 'Output', 'Cache read', 'Cache write', 'Batch input', 'Batch output', 'Flex'].map((h) => ({
        header: h,
        align: 'right' as const,
      })),
    ];
    const rows = [['us-east-1', '$3.30', '$16.50', '$0.33', '$4.125', '$1.65', '$8.25', '$1.10']];
    const lines = codeLines({ headline: 'x', blocks: [{ kind: 'table', columns, rows }] });
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    for (const cell of [...rows.flat(), ...columns.map((c) => c.header)])
      expect(lines.join('\n')).toContain(cell);
  });
});

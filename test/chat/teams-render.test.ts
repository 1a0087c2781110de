import { describe, expect, it } from 'vitest';
import {
  cardBytes,
  renderTeams,
  TEAMS_CARD_MAX_BYTES,
  teamsMarkdown,
  teamsMessage,
} from '../../lib/chat/teams-render.js';
import type { Reply } from '../../lib/reply/reply.js';
import { simpleReply } from '../../lib/reply/reply.js';

type Element = { type: string; text?: string; [k: string]: unknown };

const sample: Reply = {
  headline: 'Bedrock spend rose $1,240 (+38%) last week: *Claude Sonnet 4.5* output tokens tripled.',
  context: ['Nov 9-15 vs Nov 2-8', 'unblended cost'],
  blocks: [
    {
      kind: 'table',
      columns: [{ header: 'Driver' }, { header: 'Change', align: 'right' }],
      rows: [
        ['Claude Sonnet 4.5 · output · search', '+$238.61'],
        ['Llama 3.1 70B · input · growth', '-$64.23'],
      ],
    },
    { kind: 'divider' },
    { kind: 'text', text: 'Run `estimate` to compare.' },
    { kind: 'fields', fields: [{ label: 'Budget', value: '$5,000' }] },
    { kind: 'image', alt: 'Daily spend', fallback: '▁▂▃▅▇' },
  ],
  actions: [
    { id: 'show_breakdown', label: 'Show breakdown', value: 'spend last week by team' },
    { id: 'alert_ack', label: 'Acknowledge', value: 'search|2026-11|80' },
    {
      id: 'open_console',
      label: 'Open Cost Explorer',
      value: 'https://console.aws.amazon.com/cost-management/home',
    },
  ],
};

describe('renderTeams', () => {
  it('renders the same content as an Adaptive Card 1.5', () => {
    expect(renderTeams(sample)).toMatchSnapshot();
  });

  it('leads with the conclusion, then the quiet context line', () => {
    const body = renderTeams(sample).body as Element[];
    expect(body[0]).toMatchObject({
      type: 'TextBlock',
      weight: 'Bolder',
      text: sample.headline.replace('*Claude Sonnet 4.5*', '**Claude Sonnet 4.5**'),
    });
    expect(body[1]).toMatchObject({
      type: 'TextBlock',
      isSubtle: true,
      text: 'Nov 9-15 vs Nov 2-8 · unblended cost',
    });
  });

  it('renders tables as a Table with a header row and right-aligned numbers', () => {
    const table = (renderTeams(sample).body as Element[]).find((e) => e.type === 'Table') as unknown as {
      firstRowAsHeader: boolean;
      columns: { horizontalCellContentAlignment?: string }[];
      rows: { cells: { items: Element[] }[] }[];
    };
    expect(table.firstRowAsHeader).toBe(true);
    expect(table.columns[1]?.horizontalCellContentAlignment).toBe('Right');
    expect(table.rows.map((r) => r.cells.map((c) => c.items[0]?.text))).toEqual([
      ['Driver', 'Change'],
      ['Claude Sonnet 4.5 · output · search', '+$238.61'],
      ['Llama 3.1 70B · input · growth', '-$64.23'],
    ]);
  });

  it('turns a divider into a separator and fields into a FactSet', () => {
    const body = renderTeams(sample).body as Element[];
    expect(body.find((e) => e.text === 'Run estimate to compare.')).toMatchObject({ separator: true });
    expect(body.find((e) => e.type === 'FactSet')).toEqual({
      type: 'FactSet',
      facts: [{ title: 'Budget', value: '$5,000' }],
    });
  });

  it('shows command buttons as what to type, links as OpenUrl, and drops Slack-only buttons', () => {
    const card = renderTeams(sample);
    expect(JSON.stringify(card.body)).toContain('Show breakdown: @bedrock-cost spend last week by team');
    expect(JSON.stringify(card)).not.toContain('Acknowledge');
    expect(card.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open Cost Explorer',
        url: 'https://console.aws.amazon.com/cost-management/home',
      },
    ]);
  });

  it('converts bold and drops code spans, which Teams does not render', () => {
    expect(teamsMarkdown('*$96.50* via `budget set`')).toBe('**$96.50** via budget set');
  });

  it('wraps the card in a message attachment', () => {
    const message = teamsMessage(simpleReply('Hi'));
    expect(message.type).toBe('message');
    expect(message.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  });
});

describe('renderTeams limits', () => {
  it('keeps a huge table under 28 KB by dropping rows, with a note', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [`team-${i}`, `$${i}.00`]);
    const card = renderTeams({
      headline: 'Spend by team',
      blocks: [{ kind: 'table', columns: [{ header: 'Team' }, { header: 'Spend', align: 'right' }], rows }],
    });
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_MAX_BYTES);
    const note = (card.body as Element[]).find((e) => e.text?.startsWith('…'));
    expect(note?.text).toMatch(/^… \d+ more rows not shown/);
  });

  it('falls back to one cut text block when even the text is too long', () => {
    const card = renderTeams(simpleReply('Long', 'word '.repeat(20_000)));
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_MAX_BYTES);
    expect((card.body as Element[])[0]?.text).toMatch(/cut to fit a Teams message/);
  });
});

describe('renderTeams charts', () => {
  const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const fakePng = (bytes: number) => {
    const png = new Uint8Array(bytes);
    png.set(PNG_MAGIC);
    for (let i = PNG_MAGIC.length; i < bytes; i++) png[i] = (i * 7919) % 251;
    return png;
  };
  const digest = (png: Uint8Array): Reply => ({
    headline: 'search · week of Nov 9: $3,858 (+4%) · November so far $7,210 of $5,000 · forecast $15,200',
    context: ['Nov 9-15 vs Nov 2-8 · unblended cost'],
    blocks: [
      { kind: 'image', alt: 'search · daily Bedrock spend by model', fallback: '▁▂▃▅▇▇▆ ▅▅▆▇█▇▆', png },
      { kind: 'text', text: '*Why:* Claude Sonnet 4.5 output +$238.' },
      { kind: 'text', text: '*Do:* batch the nightly summaries, saving $1,200 a month.' },
    ],
  });

  it('inlines the PNG as a data URI Image when the card has room', () => {
    const png = fakePng(12_000);
    const card = renderTeams(digest(png));
    const image = (card.body as Element[]).find((e) => e.type === 'Image');
    expect(image).toMatchObject({ altText: 'search · daily Bedrock spend by model', size: 'Stretch' });
    const url = String(image?.url);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64').equals(Buffer.from(png))).toBe(
      true,
    );
    expect(JSON.stringify(card)).not.toContain('▁▂▃▅▇▇▆');
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_MAX_BYTES);
  });

  it('drops an image too big for the card first, keeping the sparkline and all the text', () => {
    const card = renderTeams(digest(fakePng(24_000)));
    const body = card.body as Element[];
    expect(cardBytes(card)).toBeLessThan(TEAMS_CARD_MAX_BYTES);
    expect(body.some((e) => e.type === 'Image')).toBe(false);
    expect(body.map((e) => e.text)).toEqual([
      'search · week of Nov 9: $3,858 (+4%) · November so far $7,210 of $5,000 · forecast $15,200',
      'Nov 9-15 vs Nov 2-8 · unblended cost',
      'search · daily Bedrock spend by model',
      '▁▂▃▅▇▇▆ ▅▅▆▇█▇▆',
      '**Why:** Claude Sonnet 4.5 output +$238.',
      '**Do:** batch the nightly summaries, saving $1,200 a month.',
    ]);
  });

  it('drops the image before cutting table rows', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [`team-${i}`, `$${i}.00`]);
    const reply: Reply = {
      headline: 'All teams',
      blocks: [
        { kind: 'image', alt: 'chart', fallback: '▁▂▃', png: fakePng(16_000) },
        { kind: 'table', columns: [{ header: 'Team' }, { header: 'Spend', align: 'right' }], rows },
      ],
    };
    const card = renderTeams(reply);
    const body = card.body as Element[];
    expect(body.some((e) => e.type === 'Image')).toBe(false);
    expect(JSON.stringify(body)).toContain('team-39');
    expect(JSON.stringify(body)).not.toContain('more rows not shown');
  });
});

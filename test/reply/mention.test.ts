import { describe, expect, it } from 'vitest';
import { renderSlack } from '../../lib/chat/slack-render.js';
import { commandText } from '../../lib/chat/teams-app.js';
import { renderTeams } from '../../lib/chat/teams-render.js';
import { renderMarkdown, renderText } from '../../lib/chat/text.js';
import { mention, withoutMentionMarks } from '../../lib/reply/mention.js';
import type { Reply } from '../../lib/reply/reply.js';

const ALICE_SLACK = mention({ kind: 'user', id: 'U0ALICE001', name: 'alice' });
const ALICE_TEAMS = mention({
  kind: 'user',
  id: '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11',
  name: 'Alice Example',
});
const FINOPS_GROUP = mention({ kind: 'group', id: 'S0FINOPS01', name: 'finops' });
const SEARCH_CHANNEL = mention({ kind: 'channel', id: 'C0SEARCH01', name: 'search-alerts' });

/** An acknowledgement as `budgets/actions.ts` builds it, plus the other places a mention goes. */
const reply = (who: string): Reply => ({
  headline: `${who} acknowledged the search 80% budget alert for 2026-11.`,
  context: [`changed by ${who} · recorded in the audit log`],
  blocks: [
    {
      kind: 'text',
      text: `Tell ${FINOPS_GROUP} in ${SEARCH_CHANNEL}; typed text stays text: <@U0MALLORY1> <!channel>`,
    },
    { kind: 'fields', fields: [{ label: 'Owners', value: `${who}, @bob@example.com` }] },
    { kind: 'table', columns: [{ header: 'Owner' }], rows: [[who]] },
  ],
});

describe('the mention element', () => {
  it('is a live Slack mention in the headline, context, text and fields, and plain in a code block', () => {
    const message = renderSlack(reply(ALICE_SLACK));
    const json = JSON.stringify(message.blocks);
    // A header is plain text and would show `<@U0ALICE001>` as typed: the headline is bold mrkdwn.
    expect(message.blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*<@U0ALICE001> acknowledged the search 80% budget alert for 2026-11.*' },
    });
    expect(json).toContain('changed by <@U0ALICE001> · recorded');
    expect(json).toContain('Tell <!subteam^S0FINOPS01> in <#C0SEARCH01>');
    expect(json).toContain('<@U0ALICE001>, @bob@example.com');
    expect(json).toContain('```\\nOwner\\n@alice\\n```');
    // What someone typed is escaped, never a mention.
    expect(json).toContain('&lt;@U0MALLORY1&gt; &lt;!channel&gt;');
    expect(message.text.split('\n')[0]).toBe(
      '<@U0ALICE001> acknowledged the search 80% budget alert for 2026-11.',
    );
  });

  it('is a Teams mention entity for a Teams user, and plain text for a Slack id', () => {
    const card = renderTeams(reply(ALICE_TEAMS)) as {
      body: { text?: string }[];
      msteams: { entities?: unknown[] };
    };
    expect(card.body[0]?.text).toBe(
      '<at>Alice Example</at> acknowledged the search 80% budget alert for 2026-11.',
    );
    expect(card.body[1]?.text).toBe('changed by <at>Alice Example</at> · recorded in the audit log');
    expect(card.msteams.entities).toEqual([
      {
        type: 'mention',
        text: '<at>Alice Example</at>',
        mentioned: { id: '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11', name: 'Alice Example' },
      },
    ]);
    const fromSlack = renderTeams(reply(ALICE_SLACK)) as typeof card;
    expect(fromSlack.body[0]?.text).toBe('@alice acknowledged the search 80% budget alert for 2026-11.');
    expect(JSON.stringify(fromSlack)).not.toContain('<@U0ALICE001>');
    expect(fromSlack.msteams.entities).toBeUndefined();
  });

  it('is `@name` in plain text and Markdown', () => {
    const text = renderText(reply(ALICE_TEAMS));
    expect(text.split('\n')[0]).toBe('@Alice Example acknowledged the search 80% budget alert for 2026-11.');
    expect(text).toContain('Tell @finops in #search-alerts');
    expect(renderMarkdown(reply(ALICE_SLACK))).toContain('- **Owners:** @alice, @bob@example.com');
    expect(renderText(reply(mention({ kind: 'user', id: 'U0BOB00001' })))).toMatch(
      /^@U0BOB00001 acknowledged/,
    );
  });

  it('cannot be forged by typing its marks: the front doors drop them', () => {
    const forged = `budget \uE000group:S0EVERYONE\uE001 set`;
    expect(withoutMentionMarks(forged)).toBe('budget group:S0EVERYONE set');
    expect(commandText(`<at>bedrock-cost</at> ${forged}`)).toBe('budget group:S0EVERYONE set');
    expect(JSON.stringify(renderSlack({ headline: withoutMentionMarks(forged), blocks: [] }))).not.toContain(
      'subteam',
    );
  });
});

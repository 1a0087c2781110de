/**
 * Every command, answered from the demo account at the suite's fixed "now", rendered for
 * Slack and Teams: snapshots of what people see, and the platform limits checked on each.
 * (A changed answer shows up here as a snapshot diff: review it, then `vitest -u`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply } from '../../lib/chat/command-flow.js';
import { renderSlack, SLACK_LIMITS } from '../../lib/chat/slack-render.js';
import { cardBytes, renderTeams, TEAMS_CARD_MAX_BYTES } from '../../lib/chat/teams-render.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import type { Reply } from '../../lib/reply/reply.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const LINES = [
  'help',
  'help estimate',
  'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
  'compare 2000 in 500 out 10k/day',
  'prices sonnet 4.5',
  'spend last week',
  'spend mtd by team',
  'why last week',
  'idle',
  'forecast',
  'budget set search 5000 channel C0SEARCH01',
  'budget',
  'spned',
];

let dynamo: TestDynamo;
let deps: Deps;
beforeAll(async () => {
  dynamo = await startTestDynamo();
  deps = testDeps({ store: dynamo.store, sources: createDemoSources(fixedClock(TEST_NOW)) });
});
afterAll(async () => {
  await dynamo?.close();
});

async function answer(line: string): Promise<Reply> {
  try {
    const result = await executeLine(line, {
      deps,
      caller: { platform: 'slack', userId: 'U0ADMIN001', isAdmin: true },
    });
    return { ...result.reply, visibility: result.visibility };
  } catch (error) {
    return errorReply(error);
  }
}

describe('rendered answers', () => {
  // Sequential: `budget set` must come before `budget`.
  for (const line of LINES) {
    it(`/bedrock-cost ${line}`, async () => {
      const reply = await answer(line);
      const slack = renderSlack(reply);
      const teams = renderTeams(reply);
      expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect(slack.text.length).toBeGreaterThan(0);
      expect(teams.version).toBe('1.5');
      expect(cardBytes(teams)).toBeLessThan(TEAMS_CARD_MAX_BYTES);
      expect({ slack, teams }).toMatchSnapshot();
    });
  }
});

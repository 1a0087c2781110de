import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { suggestCommands } from '../../lib/assistant/suggest.js';
import { parseLine } from '../../lib/commands/grammar.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo } from '../support/dynamo.js';

const now = new Date(TEST_NOW);
let ctx: CommandContext;
beforeAll(async () => {
  const dynamo = await startTestDynamo();
  ctx = {
    deps: testDeps({ store: dynamo.store }),
    caller: { platform: 'cli', userId: 'cli', isAdmin: true },
  };
  return () => dynamo.close();
});

describe('suggestCommands', () => {
  it('points a question at the commands that answer it, with its period and team', () => {
    expect(suggestCommands('why is team search so expensive this week?', now)).toEqual([
      'why this week team search',
      'spend this week team search',
    ]);
    expect(suggestCommands('which teams spent the most last month', now)[0]).toBe('spend last month by team');
    // "spent" after "team" is a verb, not a team name.
    expect(suggestCommands('which team spent the most last month', now)[0]).toBe('spend last month by team');
    expect(suggestCommands('are we wasting money on unused provisioned throughput?', now)).toContain('idle');
    expect(suggestCommands('will the search team go over budget?', now)).toEqual([
      'forecast team search',
      'budget status search',
    ]);
    expect(suggestCommands('what is the cheapest model for our chatbot?', now)[0]).toMatch(/^compare /);
  });

  it('falls back to the everyday commands', () => {
    expect(suggestCommands('hello there', now)).toEqual(['spend mtd by team', 'why last week']);
  });

  it('only suggests lines the grammar accepts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            'why',
            'spend',
            'team',
            'search',
            'the',
            'last',
            'week',
            'this',
            'month',
            'yesterday',
            '2026-10',
            '2031-01',
            'budget',
            'idle',
            'forecast',
            'compare',
            'cost',
            'teams',
            'model',
            '?',
            "team's",
          ),
          { maxLength: 12 },
        ),
        (words) => {
          for (const line of suggestCommands(words.join(' '), now)) {
            const parsed = parseLine(line);
            expect(() => parsed.command.parse(parsed.words, ctx), line).not.toThrow();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { executeLine, parseLine } from '../../lib/commands/grammar.js';
import { COMMAND_NAMES, parseLineLazy } from '../../lib/commands/lazy.js';
import { COMMAND_HELP } from '../../lib/commands/meta.js';
import { COMMANDS } from '../../lib/commands/registry.js';
import { testDeps } from '../support/deps.js';
import { untouchedStore } from '../support/dynamo.js';

// `help` reads nothing: no table, no data sources.
const cli = () => ({
  deps: testDeps({ store: untouchedStore() }),
  caller: { platform: 'cli' as const, userId: 'cli', isAdmin: true },
});

describe('help without loading the commands', () => {
  it("shows exactly what each command's definition says, in registry order", () => {
    // meta.ts is the one source of these fields (each definition spreads helpOf), and lists
    // the commands in the registry's order, so chat answers `help` without loading them.
    for (const [i, command] of COMMANDS.entries()) {
      expect(COMMAND_HELP[i], `lib/commands/meta.ts entry ${i} (${command.name})`).toEqual({
        name: command.name,
        summary: command.summary,
        usage: command.usage,
        examples: command.examples,
      });
    }
    expect(COMMAND_HELP).toHaveLength(COMMANDS.length);
    expect(COMMAND_NAMES).toEqual(COMMANDS.map((c) => c.name));
  });

  it('lists every command, and one in detail', async () => {
    const all = await executeLine('help', cli());
    expect((all.data as { commands: { name: string }[] }).commands.map((c) => c.name)).toEqual(
      COMMANDS.map((c) => c.name),
    );
    const one = await executeLine('help estimate', cli());
    expect(one.reply.headline).toMatch(/^estimate: /);
  });

  it('says when the topic is not a command, with the closest ones, then lists everything', async () => {
    const typo = await executeLine('help estmate', cli());
    expect(typo.reply.headline).toMatch(
      /^I don't know the command "estmate" \(did you mean: estimate, [a-z]+, [a-z]+\?\)\. Here is everything I can answer\.$/,
    );
    expect((typo.data as { commands: unknown[] }).commands).toHaveLength(COMMANDS.length);
  });
});

describe('parseLineLazy (chat front doors)', () => {
  const lines = [
    '',
    'help',
    '/bedrock-cost why last week public',
    'cost last week',
    'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
    'budget set search 5k',
    'why is search so expensive this week?',
    'what did search spend last week?',
    'spedn last week',
    'constructor',
    '__proto__ x',
    'x'.repeat(600),
  ];

  it('picks the same command as the registry, with the same words, or the same error', async () => {
    for (const text of lines) {
      let expected: unknown;
      try {
        const parsed = parseLine(text);
        expected = { name: parsed.command.name, words: parsed.words, visibility: parsed.visibility };
      } catch (error) {
        expected = { error: (error as Error).message, type: (error as Error).constructor.name };
      }
      let actual: unknown;
      try {
        const parsed = await parseLineLazy(text);
        actual = { name: parsed.command.name, words: parsed.words, visibility: parsed.visibility };
      } catch (error) {
        actual = { error: (error as Error).message, type: (error as Error).constructor.name };
      }
      expect(actual, text.slice(0, 40)).toEqual(expected);
    }
  });
});

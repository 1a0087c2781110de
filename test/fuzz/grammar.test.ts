/**
 * Fuzzing the command grammar: any line, in Slack, Teams or the CLI, either parses or
 * answers a friendly one-line `UserError` — never a crash, a stack or `undefined`. The
 * fast commands (answered inside the acknowledgement) also run on what they parsed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeLine, parseLine, tokenize } from '../../lib/commands/grammar.js';
import { COMMANDS } from '../../lib/commands/registry.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import type { Store } from '../../lib/store/store.js';
import { testDeps } from '../support/deps.js';
import { expectFriendly, lineArb, unfriendly, wordsArb } from './friendly.js';

/** Parsing touches no table: a store that fails loudly if it is used. */
const noStore = {
  db: {
    send: () => {
      throw new Error('parse must not touch the table');
    },
  },
  table: 'fuzz',
} as unknown as Store;

const base = testDeps({ store: noStore, env: { ADMIN_USER_IDS: 'U0ADMIN' } });
const catalog = bundledCatalog();
const deps = { ...base, catalog: async () => catalog };
const contexts: CommandContext[] = [
  { deps, caller: { platform: 'slack', userId: 'U0ALICE', isAdmin: false, channelId: 'C0ABC' } },
  { deps, caller: { platform: 'teams', userId: 'U0ADMIN', isAdmin: true } },
  { deps, caller: { platform: 'cli', userId: 'cli', isAdmin: true }, team: 'search' },
];
const RUNS = { numRuns: 300 };

describe('command grammar fuzzing', () => {
  it('tokenize never throws and never yields empty words', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'grapheme' }), (text) => {
        const words = tokenize(text);
        expect(words.every((w) => w.length > 0)).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseLine picks a command or answers a friendly line', async () => {
    await fc.assert(
      fc.asyncProperty(lineArb, async (line) => {
        await expectFriendly(() => parseLine(line), line);
      }),
      RUNS,
    );
  });

  // Found by this fuzzing: lookups in plain objects matched Object.prototype's members
  // (`spend by constructor` crashed; `compare 0 in 0 __proto__` said "[object Object]").
  it.each([
    'spend by constructor',
    'spend by __proto__',
    'why by toString',
    'compare 0 in 0 __proto__',
    'estimate nova-pro 1000 in 200 out 5k per constructor',
    'estimate nova-pro 1000 in 200 out 5k/hasOwnProperty',
    'prices nova-pro region constructor',
    'constructor',
  ])('%s: a friendly line, never a crash', async (line) => {
    const error = await expectFriendly(() => executeLine(line, contexts[0]!), line);
    expect(error).toBeDefined();
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '%s: parse accepts or explains any words',
    async (_, command) => {
      await fc.assert(
        fc.asyncProperty(wordsArb, fc.constantFrom(...contexts), async (words, ctx) => {
          await expectFriendly(() => {
            const input = command.parse(words, ctx);
            if (command.isSlow) command.isSlow(input);
          }, words.join(' '));
        }),
        { numRuns: 150 },
      );
    },
  );

  it('fast commands (help, estimate, compare, prices) answer or explain, whatever follows them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('help', 'estimate', 'compare', 'prices'),
        wordsArb,
        async (name, words) => {
          const line = `${name} ${words.join(' ')}`;
          try {
            const result = await executeLine(line, contexts[0]!);
            // A parsed line that turns into another command (a sentence routed to `ask`) is fine.
            expect(result.reply.headline.length).toBeGreaterThan(0);
            // JavaScript leaking through, unless the person typed that very word (`help undefined`
            // answers 'I don't know the command "undefined"').
            for (const leak of [/\bundefined\b/, /\[object Object\]/, /\bNaN\b/]) {
              if (!leak.test(line)) expect(result.reply.headline).not.toMatch(leak);
            }
          } catch (error) {
            const problem = unfriendly(error, line);
            if (problem) throw new Error(`${JSON.stringify(line)}: ${problem}`);
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});

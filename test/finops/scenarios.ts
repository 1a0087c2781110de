/**
 * FinOps scenarios as bills (facts in the real usage-type formats, two ISO weeks Nov 2-8 and
 * Nov 9-15, 2026, plus a week of history), served by the local Cost Explorer of
 * `test/spend/bill-fixture.ts`:
 *
 * - migration: team support moves 60% of its traffic from Claude 3 Haiku to Claude Sonnet 4.5
 *   on Nov 9, same tokens; team search grows 10% on Claude Sonnet 4.5 (a smaller volume story);
 * - cache misuse: team support turns on prompt caching on Claude Sonnet 4.5 on Nov 9, writing
 *   40% of its prompt tokens to the cache (5-minute writes, 1.25x input) and reading back 4%.
 *
 * Quantities in millions of tokens (Marketplace units), so cost = quantity x rate exactly.
 */
import { eachDay } from '../../lib/clock.js';
import { Dec } from '../../lib/money.js';
import type { Fact } from '../spend/bill-fixture.js';

export const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
export const HAIKU3 = 'Claude 3 Haiku (Amazon Bedrock Edition)';
const BEDROCK = 'Amazon Bedrock';

/** List rates per 1M tokens: Claude Sonnet 4.5 through the global profile, Claude 3 Haiku in us-east-1. */
export const RATES = {
  sonnet: { input: '3', output: '15', cacheRead: '0.3', cacheWrite: '3.75' },
  haiku3: { input: '0.25', output: '1.25' },
};

function fact(
  day: string,
  team: string,
  service: string,
  usageType: string,
  quantity: number,
  rate: string,
): Fact {
  const q = new Dec(quantity).toDecimalPlaces(6);
  return { day, team, service, usageType, quantity: q.toString(), amount: q.times(rate).toString() };
}

const DAYS = { start: '2026-10-26', end: '2026-11-16' };
const SWITCH = '2026-11-09';

/** Support's prompt and output tokens a day (millions), and search's. */
const SUPPORT = { input: 100, output: 20 };
const SEARCH = { input: 50, output: 10 };

function background(day: string): Fact[] {
  const grow = day >= SWITCH ? 1.1 : 1;
  return [
    fact(
      day,
      'search',
      SONNET,
      'USE1-MP:USE1_InputTokenCount_Global-Units',
      SEARCH.input * grow,
      RATES.sonnet.input,
    ),
    fact(
      day,
      'search',
      SONNET,
      'USE1-MP:USE1_OutputTokenCount_Global-Units',
      SEARCH.output * grow,
      RATES.sonnet.output,
    ),
    fact(day, '', BEDROCK, 'USE1-Guardrail-ContentPolicyUnitsConsumed', 40, '0.15'),
  ];
}

/** Team support moves 60% of its traffic from Claude 3 Haiku to Claude Sonnet 4.5 on Nov 9. */
export function migrationFacts(): Fact[] {
  const facts: Fact[] = [];
  for (const day of eachDay(DAYS)) {
    facts.push(...background(day));
    const moved = day >= SWITCH ? 0.6 : 0;
    const haiku = 1 - moved;
    facts.push(
      fact(
        day,
        'support',
        HAIKU3,
        'USE1-MP:USE1_InputTokenCount-Units',
        SUPPORT.input * haiku,
        RATES.haiku3.input,
      ),
      fact(
        day,
        'support',
        HAIKU3,
        'USE1-MP:USE1_OutputTokenCount-Units',
        SUPPORT.output * haiku,
        RATES.haiku3.output,
      ),
    );
    if (moved) {
      facts.push(
        fact(
          day,
          'support',
          SONNET,
          'USE1-MP:USE1_InputTokenCount_Global-Units',
          SUPPORT.input * moved,
          RATES.sonnet.input,
        ),
        fact(
          day,
          'support',
          SONNET,
          'USE1-MP:USE1_OutputTokenCount_Global-Units',
          SUPPORT.output * moved,
          RATES.sonnet.output,
        ),
      );
    }
  }
  return facts.filter((f) => !new Dec(f.quantity).isZero());
}

/**
 * Team support on Claude Sonnet 4.5 turns prompt caching on, on Nov 9: of its 100M prompt
 * tokens a day, 40M are written to the cache and 4M read back from it (a prefix that
 * rarely repeats within 5 minutes); the rest stays plain input.
 */
export function cacheMisuseFacts(): Fact[] {
  const facts: Fact[] = [];
  for (const day of eachDay(DAYS)) {
    facts.push(...background(day));
    const on = day >= SWITCH;
    const write = on ? 40 : 0;
    const read = on ? 4 : 0;
    facts.push(
      fact(
        day,
        'support',
        SONNET,
        'USE1-MP:USE1_InputTokenCount_Global-Units',
        SUPPORT.input - write - read,
        RATES.sonnet.input,
      ),
      fact(
        day,
        'support',
        SONNET,
        'USE1-MP:USE1_OutputTokenCount_Global-Units',
        SUPPORT.output,
        RATES.sonnet.output,
      ),
    );
    if (on) {
      facts.push(
        fact(
          day,
          'support',
          SONNET,
          'USE1-MP:USE1_CacheWriteInputTokenCount_Global-Units',
          write,
          RATES.sonnet.cacheWrite,
        ),
        fact(
          day,
          'support',
          SONNET,
          'USE1-MP:USE1_CacheReadInputTokenCount_Global-Units',
          read,
          RATES.sonnet.cacheRead,
        ),
      );
    }
  }
  return facts;
}

/** The sum of a team's facts over a period. */
export function teamTotal(facts: Fact[], team: string, range: { start: string; end: string }): Dec {
  return facts
    .filter((f) => f.team === team && f.day >= range.start && f.day < range.end)
    .reduce((s, f) => s.plus(f.amount), new Dec(0));
}

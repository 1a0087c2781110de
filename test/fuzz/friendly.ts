/**
 * What "a friendly message" means, for the fuzz tests: any failure a person can cause is a
 * `UserError` whose one-line message is short, has no stack trace, no JavaScript leaking
 * through (`undefined`, `NaN`, `[object Object]`, `Error:`), and is not empty.
 */
import fc from 'fast-check';
import { isUserError, userMessage } from '../../lib/errors.js';

const LEAKS = ['undefined', 'NaN', '[object Object]', 'null', 'Error:', 'TypeError', 'Infinity'];

/**
 * Why `error` is not a friendly user error, or `undefined` when it is. `input` is what the
 * person typed: a message may quote it (`I don't know the command "null"`).
 */
export function unfriendly(error: unknown, input = ''): string | undefined {
  if (!isUserError(error)) return `not a UserError: ${String((error as Error)?.stack ?? error)}`;
  const text = userMessage(error);
  if (!text.trim()) return 'empty message';
  if (text.length > 600) return `too long (${text.length} characters): ${text.slice(0, 200)}`;
  if (/\n\s+at /.test(text)) return `stack trace in the message: ${text}`;
  const typed = input.toLowerCase();
  for (const leak of LEAKS) {
    const word = new RegExp(`(^|[^A-Za-z])${leak.replace(/[[\]]/g, '\\$&')}($|[^A-Za-z])`);
    if (word.test(text) && !typed.includes(leak.toLowerCase())) return `"${leak}" leaks into: ${text}`;
  }
  return undefined;
}

/** Run `fn`; a thrown error must be friendly. Returns the error (or undefined). */
export async function expectFriendly(fn: () => unknown, input = ''): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    const problem = unfriendly(error, input);
    if (problem) throw new Error(`${JSON.stringify(input)}: ${problem}`);
    return error;
  }
}

/** The words people (and their keyboards) type: grammar words, numbers, units, junk. */
const VOCABULARY = [
  'in',
  'out',
  'input',
  'output',
  'tokens',
  'requests',
  'calls',
  'x6',
  'x0',
  'x1000',
  '/day',
  '/hour',
  '/month',
  'per',
  'day',
  'month',
  'images',
  'batch',
  'cache=60%',
  'cache=',
  'region=eu-west-1',
  'region=mars-1',
  'region',
  'us-east-1',
  'model=',
  'input=1500',
  'output=',
  'requests=50000/day',
  'kb',
  'guardrails',
  'logs',
  'sonnet',
  '4.5',
  'claude-sonnet-4-5',
  'nova-micro',
  'llama3-1-70b',
  'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  'global.',
  'by',
  'team',
  'model',
  'usage',
  'account',
  'vs',
  'last',
  'week',
  'this',
  'today',
  'yesterday',
  '7d',
  '0d',
  '-3d',
  '99999d',
  'mtd',
  '2026-10',
  '2026-13',
  '2026-10-01..2026-10-15',
  '2026-10-15..2026-10-01',
  '2030-01-01..2030-02-01',
  '..',
  'set',
  'delete',
  'search',
  'channel',
  '#C0123ABCD',
  '<#C0123|x>',
  '<@U0123>',
  'thresholds',
  '50,80,100',
  '0,200',
  'tz',
  'Europe/Paris',
  'Not/AZone',
  'public',
  'help',
  'spend',
  'why',
  'idle',
  'estimate',
  'compare',
  'prices',
  'forecast',
  'budget',
  'ask',
  '"quoted phrase"',
  "'single",
  '\u201csmart\u201d',
  '\u00a0',
  '$',
  '$5,000',
  '1e309',
  '-1',
  '0',
  '0.5',
  '10k',
  '1m',
  '2.5b',
  '999999999999999999999',
  'NaN',
  'Infinity',
  'undefined',
  'null',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '%',
  '60%',
  '\u{1F4B8}',
];

/** A line of words from the vocabulary mixed with arbitrary strings. */
export const wordsArb: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...VOCABULARY) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.integer({ min: -1e6, max: 1e12 }).map(String) },
    { weight: 1, arbitrary: fc.double({ noNaN: false }).map(String) },
  ),
  { maxLength: 12 },
);

/** A whole line: words joined by spaces, or any text at all (long ones included). */
export const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: wordsArb.map((w) => w.join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ minLength: 480, maxLength: 700 }) },
);

/**
 * The command line itself, without the commands: words, the `public` suffix, aliases and
 * the "did you mean" answer. `grammar.ts` resolves the command word against the registry
 * (every command loaded); the chat front doors resolve it with `lazy.ts`, which loads only
 * the command that was typed, so acknowledging `help` does not load them all.
 */

import { askInsteadOf, isQuestionForCommand, isSentence, orAsk } from '../assistant/route.js';
import { ParseError } from '../errors.js';
import { closestMatches } from '../fuzzy.js';
import type { AnyCommand } from './types.js';

/** Longest command text we accept: anything longer is refused politely. */
export const MAX_COMMAND_LENGTH = 500;

/** Friendly aliases for command words. */
const ALIASES: Record<string, string> = {
  '?': 'help',
  cost: 'spend',
  costs: 'spend',
  explain: 'why',
  estimate: 'estimate',
  est: 'estimate',
  price: 'prices',
  pricing: 'prices',
  budgets: 'budget',
};

export interface ParsedLine {
  command: AnyCommand;
  words: string[];
  /** `... public`: post the answer in the channel instead of only to the asker. */
  visibility: 'ephemeral' | 'in_channel';
}

/**
 * Split text into words. Slack's channel and user references (`<#C0123|search>`,
 * `<@U0123>`) become `#C0123` and `@U0123`; links lose their angle brackets; curly
 * quotes are straightened; quoted phrases stay one word.
 */
export function tokenize(text: string): string[] {
  const cleaned = text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/<#([A-Z0-9]+)(?:\|[^>]*)?>/g, '#$1')
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<(https?:[^>|]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/\u00a0/g, ' ')
    .trim();
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of cleaned.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words.filter((w) => w !== '');
}

/** A line split into its command word (aliases resolved), its words and its visibility. */
export interface SplitLine {
  /** The command name the first word stands for (`cost` -> `spend`; `help` when empty). */
  name: string;
  /** The first word as typed (lower case), for "did you mean". */
  first: string;
  /** All words, the command word included, `public` removed. */
  words: string[];
  visibility: ParsedLine['visibility'];
}

/** Split a line; throws `ParseError` when it is too long. */
export function splitLine(text: string): SplitLine {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new ParseError(
      `That is ${text.length} characters; commands are at most ${MAX_COMMAND_LENGTH}. Try a shorter question, or \`help\`.`,
    );
  }
  let words = tokenize(text);
  if (words[0]?.toLowerCase() === '/bedrock-cost' || words[0]?.toLowerCase() === 'bedrock-cost')
    words = words.slice(1);
  let visibility: ParsedLine['visibility'] = 'ephemeral';
  if (words.length && words[words.length - 1]!.toLowerCase() === 'public') {
    visibility = 'in_channel';
    words = words.slice(0, -1);
  }
  const first = (words[0] ?? 'help').toLowerCase();
  const alias = Object.hasOwn(ALIASES, first) ? ALIASES[first] : undefined;
  return { name: alias ?? first, first, words, visibility };
}

/**
 * Finish parsing a split line with `command`, the command named by `line.name` (or
 * `undefined` when no command has that name); `names` are all command names, in `help`
 * order. Throws `UnknownCommandError` with suggestions.
 */
export function resolveLine(
  text: string,
  line: SplitLine,
  command: AnyCommand | undefined,
  names: readonly string[],
): ParsedLine {
  const { first, words, visibility } = line;
  if (!command) {
    const close = closestMatches(first, names, 3);
    const unknown = new UnknownCommandError(first, close);
    // A sentence, not a typo: `ask` takes it when ASSISTANT_MODEL_ID is set (else `unknown`).
    if (isSentence(text, words, [...names, ...Object.keys(ALIASES)])) {
      return { command: askInsteadOf(unknown), words, visibility };
    }
    throw unknown;
  }
  // "why is search so expensive this week?": the command if it parses, else `ask`.
  if (isQuestionForCommand(command, text, words)) {
    return { command: orAsk(command, words), words: words.slice(1), visibility };
  }
  return { command, words: words.slice(1), visibility };
}

/** The first word is not a command. Carries the closest commands. */
export class UnknownCommandError extends ParseError {
  readonly word: string;
  readonly candidates: string[];
  constructor(word: string, candidates: string[]) {
    super(`I don't know the command "${word.slice(0, 40)}". Did you mean: ${candidates.join(', ')}?`, {
      suggestion: 'Type `help` for everything I can answer.',
    });
    this.word = word;
    this.candidates = candidates;
  }
}

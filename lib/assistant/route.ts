/**
 * Which lines the grammar hands to `ask` instead of answering "I don't know the command".
 *
 * People type sentences ("what did search spend last week?", "why is search so expensive
 * this week?") as well as commands. A line goes to the assistant when it is a real
 * sentence, not a near-miss of a command: "spedn last week" is a typo of `spend` and
 * keeps its "Did you mean: spend?" answer. And only when `ASSISTANT_MODEL_ID` is set: the
 * routing is decided at parse time with the deps (the grammar's `parseLine` has none), by
 * a stand-in command whose `parse` throws the grammar's own error when `ask` is off, so
 * chat, the CLI and the worker all keep the old answer in that case.
 */
import { askCommand } from '../commands/ask.js';
import type { AnyCommand, CommandContext } from '../commands/types.js';
import { ParseError } from '../errors.js';
import { editDistance, normaliseName } from '../fuzzy.js';

/** First words that start sentences, never command typos ("how" is 2 edits from "why"). */
const SENTENCE_STARTERS = new Set([
  'what',
  "what's",
  'whats',
  'how',
  'who',
  'which',
  'where',
  'when',
  'is',
  'are',
  'was',
  'were',
  'do',
  'does',
  'did',
  'can',
  'could',
  'should',
  'would',
  'will',
  'tell',
  'show',
  'give',
  'list',
  'please',
  'i',
  "i'm",
  'we',
  'our',
  'my',
  'hey',
  'hi',
  'hello',
]);

const ASSISTANT_ON = (ctx: CommandContext) => ctx.deps.config.ASSISTANT_MODEL_ID !== undefined;

/**
 * Is this unknown-command line a sentence for the assistant, rather than a typo? A
 * question mark, or three words or more whose first word is not within two edits of a
 * command word (`commandWords`: names and aliases).
 */
export function isSentence(text: string, words: string[], commandWords: readonly string[]): boolean {
  if (text.includes('?')) return true;
  if (words.length < 3) return false;
  const first = words[0]!.toLowerCase();
  if (SENTENCE_STARTERS.has(first)) return true;
  const needle = normaliseName(first);
  return !commandWords.some((w) => {
    const hay = normaliseName(w);
    return hay.length >= 3 && editDistance(needle, hay) <= 2;
  });
}

/**
 * `ask` standing in for an unknown command: with `ASSISTANT_MODEL_ID` unset its `parse`
 * throws `unknown` (the grammar's "Did you mean" error), so nothing changes for people
 * without the assistant.
 */
export function askInsteadOf(unknown: Error): AnyCommand {
  return {
    ...askCommand,
    parse: (words, ctx) => {
      if (!ASSISTANT_ON(ctx)) throw unknown;
      return askCommand.parse(words, ctx);
    },
  };
}

/**
 * Is this line, whose first word is a command, also a question the assistant could take
 * if the command's own grammar refuses it? "why is search so expensive this week?" starts
 * with `why` but is English. Never for commands that change state.
 */
export function isQuestionForCommand(command: AnyCommand, text: string, words: string[]): boolean {
  if (command.mutates || command.name === askCommand.name) return false;
  return text.includes('?') || (command.name === 'why' && words.length >= 4);
}

type Fallback =
  | { kind: 'command'; input: unknown }
  | { kind: 'ask'; input: ReturnType<typeof askCommand.parse> };

/**
 * `command`, falling back to `ask` with the whole line (`allWords`) when its parser
 * refuses the words (`ParseError`) and the assistant is on. Otherwise exactly `command`.
 */
export function orAsk(command: AnyCommand, allWords: string[]): AnyCommand {
  return {
    ...command,
    isSlow: (input: Fallback) =>
      input.kind === 'ask'
        ? askCommand.isSlow!(input.input)
        : command.isSlow
          ? command.isSlow(input.input)
          : command.slow,
    parse: (words, ctx): Fallback => {
      // "spend last week?" is the command with a question mark: try it without.
      const plain = words.map((w) => w.replace(/\?+$/, '')).filter((w) => w !== '');
      try {
        return { kind: 'command', input: command.parse(plain, ctx) };
      } catch (error) {
        if (!(error instanceof ParseError) || !ASSISTANT_ON(ctx)) throw error;
        return { kind: 'ask', input: askCommand.parse(allWords, ctx) };
      }
    },
    run: (input: Fallback, ctx) =>
      input.kind === 'ask' ? askCommand.run(input.input, ctx) : command.run(input.input, ctx),
  };
}

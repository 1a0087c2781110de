/**
 * `ask QUESTION`: a question in plain language ("why is search so expensive this
 * week?"), answered by running one of the read-only commands that a Bedrock model picks
 * (see `lib/assistant/answer.ts`). Numbers come only from the command. Off unless
 * `ASSISTANT_MODEL_ID` is set; then the answer says how to turn it on.
 *
 * Sentences the grammar cannot parse reach `ask` too (`lib/assistant/route.ts`).
 */
import type { AskData } from '../assistant/answer.js';
import { ParseError } from '../errors.js';
import { helpOf } from './meta.js';
import { type CommandContext, defineCommand } from './types.js';

export type { AskData };

/** Longest question, in characters (the grammar caps whole lines at 500 too). */
export const MAX_QUESTION_LENGTH = 500;

export interface AskInput {
  question: string;
  /** `ASSISTANT_MODEL_ID` is set: the answer calls Bedrock (slow); else it is immediate. */
  enabled: boolean;
}

/** Parse `ask` words into the question. */
export function parseAskWords(words: string[], ctx: CommandContext): AskInput {
  const question = words.join(' ').replace(/\s+/g, ' ').trim();
  if (!question) {
    throw new ParseError('"ask" takes a question, for example: ask why did search spend more last week?');
  }
  if (question.length > MAX_QUESTION_LENGTH) {
    throw new ParseError(
      `That question is ${question.length} characters; ask takes at most ${MAX_QUESTION_LENGTH}. Try a shorter one.`,
    );
  }
  return { question, enabled: ctx.deps.config.ASSISTANT_MODEL_ID !== undefined };
}

export const askCommand = defineCommand<AskInput, AskData>({
  ...helpOf('ask'),
  slow: true,
  // Off: the "how to turn it on" answer is immediate. On: a Converse call plus a command.
  isSlow: (input) => input.enabled,
  parse: parseAskWords,
  run: async (input, ctx) => {
    const { answerQuestion, disabledAnswer } = await import('../assistant/answer.js');
    return input.enabled ? answerQuestion(input.question, ctx) : disabledAnswer(input.question, ctx);
  },
});

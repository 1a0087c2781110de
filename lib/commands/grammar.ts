/**
 * The command line shared by Slack (`/bedrock-cost why last week`), Teams
 * (`@bedrock-cost why last week`) and the CLI (`bedrock-cost why last week`).
 * The first word picks the command; the command parses the rest. The line itself
 * (words, aliases, "did you mean") is `line.ts`; here it is resolved against the registry.
 */

import { toUserFacing } from '../errors.js';
import { runScoped } from '../visibility/context.js';
import { type ParsedLine, resolveLine, splitLine } from './line.js';
import { COMMANDS, findCommand } from './registry.js';
import type { CommandContext, CommandResult } from './types.js';

export { type ParsedLine, tokenize, UnknownCommandError } from './line.js';

/** Pick the command for a line of text; throws `ParseError` with suggestions. */
export function parseLine(text: string): ParsedLine {
  const line = splitLine(text);
  return resolveLine(
    text,
    line,
    findCommand(line.name),
    COMMANDS.map((c) => c.name),
  );
}

/**
 * Parse and run one line of text. User mistakes throw `UserError`s (friendly messages);
 * anything else is a bug or an outage and is handled at the edge.
 */
export async function executeLine(
  text: string,
  ctx: CommandContext,
): Promise<CommandResult & { visibility: ParsedLine['visibility'] }> {
  const parsed = parseLine(text);
  const input = parsed.command.parse(parsed.words, ctx);
  try {
    // On the data this person may see (BEDROCK_COST_VISIBILITY), saying so when scoped.
    const result = await runScoped(ctx, (scoped) => parsed.command.run(input, scoped));
    return { ...result, visibility: parsed.visibility };
  } catch (error) {
    // No AWS credentials is the person's to fix (a profile, a role, or --demo), whichever
    // adapter met it first: every command says so, as a user error.
    throw toUserFacing(error);
  }
}

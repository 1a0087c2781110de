/**
 * The part of answering a chat command that Slack and Teams share: who is asking, whether
 * the command is fast (answer inside the acknowledgement) or slow (hand to the worker),
 * and running a fast one within the platform's time budget.
 */
import { parseLineLazy } from '../commands/lazy.js';
import type { ParsedLine } from '../commands/line.js';
import type { CommandContext } from '../commands/types.js';
import type { Config } from '../config.js';
import type { Deps } from '../context.js';
import { isUserError, userMessage } from '../errors.js';
import type { Caller } from '../reply/caller.js';
import { type Reply, simpleReply } from '../reply/reply.js';
import { runScoped } from '../visibility/context.js';
import { WorkerOnlyError } from './worker.js';

/** The person asking, with admin rights from `ADMIN_USER_IDS`. */
export function callerOf(
  config: Config,
  platform: Caller['platform'],
  userId: string,
  extra: { channelId?: string; userName?: string } = {},
): Caller {
  return {
    platform,
    userId,
    isAdmin: config.ADMIN_USER_IDS.includes(userId),
    ...(extra.channelId ? { channelId: extra.channelId } : {}),
    ...(extra.userName ? { userName: extra.userName } : {}),
  };
}

/**
 * A command line read once: the command, its words and visibility (`parsed`) and what the
 * command parsed from them (`input`), which `runFast` runs as is. Only the worker reads the
 * line again: it runs in another Lambda and is handed the text (`WorkerJob`).
 */
export type CommandPlan =
  /** The text does not parse (unknown command, too long): answer the friendly message. */
  | { kind: 'invalid'; reply: Reply }
  | { kind: 'fast'; parsed: ParsedLine; input: unknown }
  | { kind: 'slow'; parsed: ParsedLine; input: unknown };

/**
 * Decide how to answer a command line, without running it: parse it (a typo answers with
 * the closest commands at once) and ask the command whether this input is slow
 * (`isSlow(input)` when the command has one, e.g. `budget set` is fast, `budget` status slow).
 * Only the command that was typed is loaded (`parseLineLazy`): this is the cold path.
 */
export async function planCommand(text: string, ctx: CommandContext): Promise<CommandPlan> {
  try {
    const parsed = await parseLineLazy(text);
    const input: unknown = parsed.command.parse(parsed.words, ctx);
    const slow = parsed.command.isSlow ? parsed.command.isSlow(input) : parsed.command.slow;
    return { kind: slow ? 'slow' : 'fast', parsed, input };
  } catch (error) {
    return { kind: 'invalid', reply: errorReply(error) };
  }
}

/** Does answering this plan change or start something (so a replay must be refused across containers)? */
export function hasSideEffects(plan: CommandPlan): boolean {
  return plan.kind === 'slow' || (plan.kind === 'fast' && plan.parsed.command.mutates === true);
}

/** A failure as the one friendly line a person sees (always only to them). */
export function errorReply(error: unknown): Reply {
  return { ...simpleReply(userMessage(error)), visibility: 'ephemeral' };
}

/** The acknowledgement of a slow command. */
export function workingOnIt(text: string): Reply {
  const shown = text.trim().replace(/\s+/g, ' ').slice(0, 80) || 'help';
  return {
    ...simpleReply(`Working on \`${shown}\`… the answer will appear here in a few seconds.`),
    visibility: 'ephemeral',
  };
}

/**
 * Run a fast command, giving up after `budgetMs` (`'late'`) so the caller can still
 * acknowledge in time and hand the command to the worker. Commands that change state are
 * never abandoned half-way: they get all the time they need. The plan's input is run as
 * `planCommand` parsed it: the line is not parsed again.
 */
export async function runFast(
  plan: Extract<CommandPlan, { kind: 'fast' }>,
  ctx: CommandContext,
  budgetMs: number,
): Promise<Reply | 'late'> {
  // `executeLine(text)` with the line already parsed by `planCommand`.
  const { command, visibility } = plan.parsed;
  // On the data this person may see (BEDROCK_COST_VISIBILITY), saying so when scoped.
  const execute = async () => runScoped(ctx, (scoped) => command.run(plan.input, scoped));
  const work = execute().then(
    (result): Reply | 'late' => ({ ...result.reply, visibility }),
    (error: unknown): Reply | 'late' => {
      // The command needs account data, which only the worker reads: hand it over.
      if (error instanceof WorkerOnlyError) return 'late';
      if (!isUserError(error)) ctx.deps.log.error('command failed', error);
      return errorReply(error);
    },
  );
  if (plan.parsed.command.mutates) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((done) => {
    timer = setTimeout(() => done('late'), budgetMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Deps for the command context, with the team default when the platform gives one. */
export function commandContext(deps: Deps, caller: Caller, team?: string): CommandContext {
  return team ? { deps, caller, team } : { deps, caller };
}

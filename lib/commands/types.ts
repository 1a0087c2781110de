/**
 * What a command is. The grammar picks a command by its first word; the command parses
 * the remaining words itself (`parse`) and answers (`run`) with typed `data` (the JSON
 * contract of docs/interfaces.md) and a neutral `Reply` for the renderers.
 */

import type { Deps } from '../context.js';
import type { Caller } from '../reply/caller.js';
import type { Reply } from '../reply/reply.js';

export interface CommandContext {
  deps: Deps;
  caller: Caller;
  /** Default team (`--team`), used when a command takes a team and none was given. */
  team?: string;
}

export interface CommandResult<T = unknown> {
  /** The command name (`spend`, `why`, ...), as in the JSON envelope. */
  command: string;
  data: T;
  reply: Reply;
}

export interface CommandDefinition<Input = unknown, Data = unknown> {
  name: string;
  /** One line for `help`. */
  summary: string;
  /** Grammar lines, e.g. `spend [PERIOD] [by model|team|usage|region|account] [team TEAM]`. */
  usage: string[];
  examples: string[];
  /**
   * Slow commands read Cost Explorer or CloudWatch: chat acknowledges them at once and
   * answers from the worker. Fast ones answer inside the acknowledgement.
   */
  slow: boolean;
  /**
   * Per-input override of `slow`, for commands whose sub-commands differ (`budget set` is
   * a table write, `budget` status reads Cost Explorer). Chat uses it when present.
   */
  isSlow?(input: Input): boolean;
  /** True when the command can change state (budget changes); never offered to `ask`. */
  mutates?: boolean;
  /** Parse the words after the command name; throw `ParseError` with the accepted form. */
  parse(words: string[], ctx: CommandContext): Input;
  run(input: Input, ctx: CommandContext): Promise<CommandResult<Data>>;
}

/** Helper to keep `Input` typed inside a definition while the registry stores `unknown`. */
export function defineCommand<Input, Data>(
  def: CommandDefinition<Input, Data>,
): CommandDefinition<Input, Data> {
  return def;
}

/** A command of any input/data type, as the registry holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the registry is heterogeneous; each definition is typed where it is written.
export type AnyCommand = CommandDefinition<any, any>;

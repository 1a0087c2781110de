/**
 * The command line for the chat front doors: like `grammar.ts`'s `parseLine`, but only
 * the command that was typed is loaded (each command module on its first use). Slack
 * must be acknowledged within 3 seconds, also on a cold start, and `help` or `estimate`
 * answer inside the acknowledgement: loading every command's parser and domain code
 * first (Cost Explorer queries, budgets, idle scans) would be most of that cold start.
 */
import { helpCommand } from './help.js';
import { type ParsedLine, resolveLine, splitLine } from './line.js';
import { COMMAND_HELP } from './meta.js';
import type { AnyCommand } from './types.js';

/**
 * Each command's module, by command name (the registry's commands). `help` (also what an
 * empty line means) is small and needs no other command: loaded with this module.
 */
const LOADERS: Record<string, () => Promise<AnyCommand>> = {
  help: async () => helpCommand,
  spend: async () => (await import('./spend.js')).spendCommand,
  why: async () => (await import('./why.js')).whyCommand,
  idle: async () => (await import('./idle.js')).idleCommand,
  savings: async () => (await import('./savings.js')).savingsCommand,
  estimate: async () => (await import('./estimate.js')).estimateCommand,
  compare: async () => (await import('./compare.js')).compareCommand,
  prices: async () => (await import('./prices.js')).pricesCommand,
  forecast: async () => (await import('./forecast.js')).forecastCommand,
  budget: async () => (await import('./budget.js')).budgetCommand,
  status: async () => (await import('./status.js')).statusCommand,
  ask: async () => (await import('./ask.js')).askCommand,
};

/** Every command name, in `help` order. */
export const COMMAND_NAMES: readonly string[] = COMMAND_HELP.map((c) => c.name);

/** The command called `name`, loaded; `undefined` when there is none. */
export async function loadCommand(name: string): Promise<AnyCommand | undefined> {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name]!() : undefined;
}

/**
 * `parseLine` (same answers, same errors), loading only the command that was typed.
 * Throws `ParseError` with suggestions.
 */
export async function parseLineLazy(text: string): Promise<ParsedLine> {
  const line = splitLine(text);
  return resolveLine(text, line, await loadCommand(line.name), COMMAND_NAMES);
}

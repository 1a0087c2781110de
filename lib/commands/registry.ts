/**
 * Every command, in the order `help` lists them. Each lives in its own module.
 */
import { askCommand } from './ask.js';
import { budgetCommand } from './budget.js';
import { compareCommand } from './compare.js';
import { estimateCommand } from './estimate.js';
import { forecastCommand } from './forecast.js';
import { helpCommand } from './help.js';
import { idleCommand } from './idle.js';
import { pricesCommand } from './prices.js';
import { savingsCommand } from './savings.js';
import { spendCommand } from './spend.js';
import { statusCommand } from './status.js';
import type { AnyCommand } from './types.js';
import { whyCommand } from './why.js';

export const COMMANDS: readonly AnyCommand[] = [
  helpCommand,
  spendCommand,
  whyCommand,
  idleCommand,
  savingsCommand,
  estimateCommand,
  compareCommand,
  pricesCommand,
  forecastCommand,
  budgetCommand,
  statusCommand,
  askCommand,
];

export function findCommand(name: string): AnyCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

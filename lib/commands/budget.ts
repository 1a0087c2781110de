/**
 * `budget`: team budgets.
 *
 * ```
 * budget [TEAM]                      status: budget, month to date, forecast, % used
 * budget set TEAM AMOUNT [channel CHANNEL] [thresholds 50,80,100] [tz ZONE]
 *            [webhook https://...] [teams CONVERSATION] [owner @USER] [digest monday 9]
 * budget delete TEAM
 * budget ack TEAM 80|forecast [YYYY-MM]
 * ```
 *
 * Only budget admins (`ADMIN_USER_IDS`, and the CLI operator) and the team's owners may
 * change a budget; every change is audited. Setting a budget is a table write and answers
 * at once; status reads the bill and is answered by the worker.
 *
 * One job per module in `budget/`: `parse.ts` (the words), `authorize.ts` (who may change
 * a budget), one module per subcommand (`set`, `delete`, `status`, `ack`), and `render.ts`
 * (the data and the reply).
 */
import { runAck } from './budget/ack.js';
import { runDelete } from './budget/delete.js';
import { type BudgetInput, parseBudgetWords } from './budget/parse.js';
import type { BudgetData } from './budget/render.js';
import { runSet } from './budget/set.js';
import { runStatus } from './budget/status.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

export { parseBudgetWords };

export const budgetCommand = defineCommand<BudgetInput, BudgetData>({
  ...helpOf('budget'),
  slow: true,
  isSlow: (input) => input.action === 'status',
  mutates: true,
  parse: (words) => parseBudgetWords(words),
  run: async (input, ctx) => {
    switch (input.action) {
      case 'set':
        return runSet(input, ctx);
      case 'delete':
        return runDelete(input, ctx);
      case 'status':
        return runStatus(input, ctx);
      case 'ack':
        return runAck(input, ctx);
    }
  },
});

/**
 * Who may change a team's budget, and what a refused or unknown team is told. Only budget
 * admins (`ADMIN_USER_IDS`, and the CLI operator) and the team's owners may change a
 * budget; a refusal never hints at which teams exist.
 */
import { listTeams, type TeamProfile } from '../../budgets/store.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import { closestMatches } from '../../fuzzy.js';
import type { CommandContext } from '../types.js';

/** Is the caller allowed to change this team's budget? Admins, and the team's owners. */
export function mayChangeBudget(ctx: CommandContext, existing: TeamProfile | undefined): boolean {
  const { caller } = ctx;
  if (caller.isAdmin || ctx.deps.config.ADMIN_USER_IDS.includes(caller.userId)) return true;
  return Boolean(existing?.owners.includes(caller.userId));
}

export function forbidden(team: string): ForbiddenError {
  return new ForbiddenError(`Only budget admins and the team's owners can change the ${team} budget.`);
}

/** A team with no budget: the closest team names, and how to set one. */
export async function unknownTeam(ctx: CommandContext, team: string, what: string): Promise<never> {
  const teams = (await listTeams(ctx.deps.store)).map((t) => t.team);
  const close = closestMatches(team, teams, 3);
  throw new NotFoundError(
    close.length
      ? `${team.slice(0, 40)} has no budget to ${what}. Did you mean: ${close.join(', ')}?`
      : `${team.slice(0, 40)} has no budget to ${what}.`,
    close,
    { suggestion: `Set one with: budget set ${team.slice(0, 40)} 5000 channel #${team.slice(0, 20)}-alerts` },
  );
}

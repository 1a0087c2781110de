/**
 * `budget set TEAM AMOUNT [...]`: create or change a team's budget. A table write (answered
 * at once), audited; only budget admins and the team's owners may do it.
 */
import { resolveBudgetNames } from '../../budgets/resolve-names.js';
import {
  DEFAULT_DIGEST,
  DEFAULT_THRESHOLDS,
  getTeam,
  saveTeam,
  type TeamProfile,
} from '../../budgets/store.js';
import { checkWebhookDestination } from '../../budgets/validate.js';
import { ParseError } from '../../errors.js';
import type { ChatTarget } from '../../reply/delivery.js';
import type { CommandContext } from '../types.js';
import { forbidden, mayChangeBudget } from './authorize.js';
import type { BudgetInput } from './parse.js';
import { type BudgetData, renderSet, settingData } from './render.js';

type SetInput = Extract<BudgetInput, { action: 'set' }>;

/** A conversation the Teams bot is in, with its Bot Connector, from the stored reference. */
async function teamsBotTarget(
  ctx: CommandContext,
  conversationId: string,
  options: { optional?: boolean } = {},
): Promise<ChatTarget | undefined> {
  const { baseConversationId, getConversation } = await import('../../reply/teams-conversations.js');
  const id = baseConversationId(conversationId);
  const ref = await getConversation(ctx.deps.store, id);
  if (ref) return { kind: 'teams-bot', conversationId: ref.conversationId, serviceUrl: ref.serviceUrl };
  if (options.optional) return undefined;
  throw new ParseError(
    `The bedrock-cost bot is not in the Teams conversation ${id.slice(0, 60)}. Add the app to that team or chat (or type the budget set command there), then try again.`,
  );
}

/**
 * Where the team's alerts go: what was given (a channel name looked up, a Teams bot
 * conversation with its Bot Connector, a Workflows webhook with the channel it was given
 * in), else what the profile had, else the channel the command was typed in.
 */
async function alertTarget(
  input: SetInput,
  named: ChatTarget | undefined,
  previous: TeamProfile | undefined,
  ctx: CommandContext,
): Promise<ChatTarget | undefined> {
  const { caller } = ctx;
  const fromChannel: ChatTarget | undefined =
    caller.channelId && /^[CG][A-Z0-9]{6,}$/.test(caller.channelId)
      ? { kind: 'slack', channel: caller.channelId }
      : undefined;
  const target = named ?? input.target ?? previous?.target ?? fromChannel;
  if (input.target?.kind === 'teams-bot') return teamsBotTarget(ctx, input.target.conversationId);
  if (input.target?.kind === 'teams') {
    // Remember the Teams channel the webhook was given in: slow answers asked there go to it.
    const before =
      previous?.target?.kind === 'teams' && previous.target.webhookUrl === input.target.webhookUrl
        ? previous.target.channelId
        : undefined;
    const channelId = caller.platform === 'teams' && caller.channelId ? caller.channelId : before;
    return { ...input.target, ...(channelId ? { channelId } : {}) };
  }
  if (!target && caller.platform === 'teams' && caller.channelId) {
    // Typed to the Teams bot: alerts go to the conversation it was typed in.
    return teamsBotTarget(ctx, caller.channelId, { optional: true });
  }
  return target;
}

export async function runSet(input: SetInput, ctx: CommandContext) {
  const { deps, caller } = ctx;
  const previous = await getTeam(deps.store, input.team);
  if (!mayChangeBudget(ctx, previous)) throw forbidden(input.team);
  checkWebhookDestination(input.target, deps.config.BEDROCK_COST_WEBHOOK_HOSTS);
  // Channel names and owner emails become Slack IDs (after the permission check: the lookup's
  // suggestions name channels).
  const named = await resolveBudgetNames(input, deps.config);
  const target = await alertTarget(input, named.target, previous, ctx);
  const saved = await saveTeam(
    deps.store,
    {
      team: input.team,
      budgetUsd: input.amount,
      thresholds: input.thresholds ?? previous?.thresholds ?? [...DEFAULT_THRESHOLDS],
      ...(target ? { target } : {}),
      timeZone: input.timeZone ?? previous?.timeZone ?? deps.config.BEDROCK_COST_DEFAULT_TZ,
      owners: named.owners ?? input.owners ?? previous?.owners ?? [],
      digest: input.digest ?? previous?.digest ?? { ...DEFAULT_DIGEST },
    },
    {
      userId: caller.userId,
      ...(caller.userName ? { userName: caller.userName } : {}),
      now: deps.clock.now(),
    },
    previous,
  );
  deps.log.info('budget set', { team: saved.team, by: caller.userId, budgetUsd: saved.budgetUsd.toFixed() });
  const data: BudgetData = {
    action: 'set',
    teams: [settingData(saved)],
    ...(previous ? { previous: settingData(previous) } : {}),
  };
  return { command: 'budget', data, reply: renderSet(saved, previous, caller) };
}

/**
 * The FinOps channel (`BEDROCK_COST_FINOPS_CHANNEL`): where the weekly overview of all
 * teams and the idle provisioned-throughput findings go. One of:
 *
 * - a Slack channel ID (`C012FINOPS`);
 * - a Teams Workflows webhook URL (`https://…logic.azure.com/…`);
 * - a Teams conversation the bot is in, `teams:<conversation id>` (the id the bot's welcome
 *   message shows when it is added to a channel or chat). The Bot Connector's `serviceUrl`
 *   for it is the one stored when the bot was added, so the setting names only the
 *   conversation, and posts go there proactively as for a team routed to the bot.
 */
import type { Store } from '../store/store.js';
import { type ChatTarget, describeTarget } from './delivery.js';

/** `BEDROCK_COST_FINOPS_CHANNEL`, read: a target, or a bot conversation still to look up. */
export type FinopsChannel = ChatTarget | { kind: 'teams-conversation'; conversationId: string };

/** The prefix naming a Teams bot conversation in `BEDROCK_COST_FINOPS_CHANNEL`. */
export const FINOPS_TEAMS_PREFIX = 'teams:';

/**
 * Read the setting (no I/O).
 *
 * @example
 * parseFinopsChannel('teams:19:abc@thread.tacv2'); // { kind: 'teams-conversation', conversationId: '19:abc@thread.tacv2' }
 * parseFinopsChannel('C012FINOPS'); // { kind: 'slack', channel: 'C012FINOPS' }
 */
export function parseFinopsChannel(value: string | undefined): FinopsChannel | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (v.toLowerCase().startsWith(FINOPS_TEAMS_PREFIX)) {
    const conversationId = v.slice(FINOPS_TEAMS_PREFIX.length).trim();
    return conversationId ? { kind: 'teams-conversation', conversationId } : undefined;
  }
  return /^https:\/\//i.test(v) ? { kind: 'teams', webhookUrl: v } : { kind: 'slack', channel: v };
}

/** How the FinOps channel reads in a job report (no webhook URL). */
export function describeFinopsChannel(channel: FinopsChannel): string {
  return channel.kind === 'teams-conversation'
    ? `teams-bot:${channel.conversationId}`
    : describeTarget(channel);
}

/**
 * Where to send: a bot conversation is looked up among the conversations the bot was
 * added to. `problem` says why nothing can be sent (the bot is not, or no longer, there).
 */
export async function resolveFinopsChannel(
  channel: FinopsChannel,
  store: Store,
): Promise<{ target: ChatTarget } | { problem: string }> {
  if (channel.kind !== 'teams-conversation') return { target: channel };
  const { getConversation } = await import('./teams-conversations.js');
  const ref = await getConversation(store, channel.conversationId);
  if (!ref) {
    return {
      problem: `BEDROCK_COST_FINOPS_CHANNEL names the Teams conversation ${channel.conversationId}, but the bot has not been added there (or was removed): add the bedrock-cost app to that channel or chat`,
    };
  }
  return { target: { kind: 'teams-bot', conversationId: ref.conversationId, serviceUrl: ref.serviceUrl } };
}

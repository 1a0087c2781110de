/**
 * Conversation references: what the bot needs to post into a Teams conversation later
 * (an alert, a digest) without being asked — the conversation id and the Bot Connector's
 * `serviceUrl` for that tenant's region. Teams gives them in every activity; they are kept
 * when the bot is added to a team or chat (`conversationUpdate`, `installationUpdate`) and
 * refreshed when someone asks it something that touches the table anyway (a budget change, a
 * slow command, a button), and removed when it is removed.
 *
 * Items: `pk = TEAMSCONV#<conversation id>`, `sk = REF`. The `serviceUrl` stored is always
 * one a verified Bot Connector token vouched for.
 */
import type { Store } from '../store/store.js';

/** Everything needed to post into one conversation, and what to call it. */
export interface ConversationReference {
  /** A channel (`19:…@thread.tacv2`), a group chat (`19:…@thread.v2`) or a personal chat (`a:…`). */
  conversationId: string;
  serviceUrl: string;
  conversationType: 'channel' | 'groupChat' | 'personal';
  tenantId?: string;
  /** The team (channels only) and the channel's or chat's name, when Teams says. */
  teamId?: string;
  teamName?: string;
  name?: string;
  updatedAt: string;
}

const pkOf = (conversationId: string) => `TEAMSCONV#${conversationId}`;

/** Store (or refresh) a conversation reference. */
export async function saveConversation(store: Store, ref: ConversationReference): Promise<void> {
  await store.write({
    key: { pk: pkOf(ref.conversationId), sk: 'REF' },
    put: { kind: 'teams-conversation', ...ref },
  });
}

/** A stored conversation reference, or `undefined` when the bot has not been there. */
export async function getConversation(
  store: Store,
  conversationId: string,
): Promise<ConversationReference | undefined> {
  const item = await store.get({ pk: pkOf(conversationId), sk: 'REF' });
  if (!item || typeof item.serviceUrl !== 'string') return undefined;
  const { pk: _pk, sk: _sk, kind: _kind, ...ref } = item;
  return ref as unknown as ConversationReference;
}

/** Forget a conversation (the bot was removed from it). */
export async function deleteConversation(store: Store, conversationId: string): Promise<void> {
  await store.write({ key: { pk: pkOf(conversationId), sk: 'REF' }, remove: true });
}

/** A channel's id without the thread suffix (`19:…@thread.tacv2;messageid=…`). */
export function baseConversationId(id: string): string {
  return id.split(';')[0] ?? id;
}

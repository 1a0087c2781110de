/**
 * Messages from the Teams bot: a `Reply` as a Bot Framework message activity carrying one
 * interactive Adaptive Card (buttons are `Action.Execute`, received by `POST /teams/bot`),
 * sent through the Bot Connector. Used for answers (in the conversation of the question,
 * threaded under it) and for proactive posts (alerts, digests, idle findings) to a
 * conversation stored when the bot was added (`budget set TEAM AMOUNT teams CONVERSATION`).
 * A chart goes inline in the card as a PNG data URI, as in the webhook mode.
 */
import type { Config } from '../../config.js';
import type { ChatTarget, DeliveryReceipt } from '../../reply/delivery.js';
import { DeliveryError } from '../../reply/delivery.js';
import { plainMentions } from '../../reply/mention.js';
import { type Reply, simpleReply } from '../../reply/reply.js';
import { renderTeams, teamsAttachment } from '../teams-render.js';
import { renderText } from '../text.js';
import {
  type ConnectorOptions,
  type ConversationAddress,
  createBotConnector,
  type OutgoingActivity,
} from './connector.js';

/** A `Reply` as a message activity with one interactive card. */
export function botMessage(reply: Reply): OutgoingActivity {
  return {
    type: 'message',
    // Shown in notifications and the chat list, where a card alone says "sent a card".
    summary: plainMentions(reply.headline).replace(/[*`]/g, '').slice(0, 200),
    attachments: [teamsAttachment(renderTeams(reply, { interactive: true }))],
  };
}

/** A reply without its evidence, for a message the Bot Connector refused as too large. */
function shrunk(reply: Reply): Reply {
  const text = renderText(reply);
  return simpleReply(reply.headline, text.length > 2800 ? `${text.slice(0, 2800)}…` : text);
}

/**
 * Send a reply to a conversation; a message refused as too large (HTTP 413) is sent again
 * as plain text once.
 */
export async function sendReply(
  config: Config,
  address: ConversationAddress,
  reply: Reply,
  options: ConnectorOptions = {},
): Promise<DeliveryReceipt> {
  const connector = createBotConnector(config, options);
  try {
    await connector.send(address, botMessage(reply));
  } catch (error) {
    if (!(error instanceof DeliveryError) || !/HTTP 413/.test(error.message)) throw error;
    await connector.send(address, botMessage(shrunk(reply)));
  }
  return {};
}

/** `Delivery.send` for a `teams-bot` target: a new message in the conversation (a new thread in a channel). */
export async function sendToConversation(
  config: Config,
  target: Extract<ChatTarget, { kind: 'teams-bot' }>,
  reply: Reply,
  options: ConnectorOptions = {},
): Promise<DeliveryReceipt> {
  return sendReply(
    config,
    { serviceUrl: target.serviceUrl, conversationId: target.conversationId },
    reply,
    options,
  );
}

/**
 * The Teams bot: `POST /teams/bot`, the messaging endpoint of an Azure Bot registration,
 * speaking the Bot Framework protocol. Unlike the outgoing webhook (`teams-app.ts`), the
 * bot answers in channels (when @mentioned), group chats and personal chat, posts later
 * (slow answers, alerts, digests) through the Bot Connector, and receives card buttons.
 *
 * Every request: the Bot Connector's JWT is verified (`auth.ts`: signature against the
 * Bot Framework keys, issuer, audience = `TEAMS_APP_ID`, expiry, `serviceUrl`), else 401
 * and nothing happens; the activity is claimed once (a replay gets 401); then:
 *
 * - `message` with text: the command (the bot's @mention stripped). Fast commands are
 *   answered at once, threaded under the question; slow ones (those Slack hands to the
 *   worker) get "Working on it…" at once and go to the same command worker, which posts the
 *   answer in the same conversation through the Bot Connector.
 * - `invoke` `adaptiveCard/action` (an `Action.Execute` button) or a `message` carrying a
 *   `value` (`Action.Submit`): the button's handler from `lib/chat/actions.ts`, the same
 *   handlers and authorization as Slack's buttons (acknowledge, snooze, show breakdown).
 * - `conversationUpdate` / `installationUpdate`: the bot was added to (or removed from) a
 *   team or chat: the conversation reference is stored (or deleted) so alerts and digests
 *   can be posted there, and a welcome message says how.
 *
 * The HTTP answer is empty (200) except for invokes, whose answer is the button's result.
 */
import type { Context } from 'aws-lambda';
import type { BotFetch } from '../../aws/http-client.js';
import type { Deps } from '../../context.js';
import { isUserError } from '../../errors.js';
import type { ActionRequest } from '../../reply/actions.js';
import type { Caller } from '../../reply/caller.js';
import { stripTags } from '../../reply/markup.js';
import { plainMentions, withoutMentionMarks } from '../../reply/mention.js';
import { type Reply, simpleReply } from '../../reply/reply.js';
import { baseConversationId, type ConversationReference } from '../../reply/teams-conversations.js';
import { findAction } from '../actions.js';
import {
  type CommandPlan,
  commandContext,
  errorReply,
  hasSideEffects,
  planCommand,
  runFast,
} from '../command-flow.js';
import type { HttpHandler, HttpResult } from '../http.js';
import { createReplayGuard, type ReplayGuard, requestKey } from '../replay.js';
import { renderTeams } from '../teams-render.js';
import {
  badRequest,
  checkTeamsRequest,
  decodeTeamsText,
  oversizedAnswer,
  replayedAnswer,
  type TeamsActivityBase,
  type TeamsDoor,
  teamsCallerOf,
} from '../teams-request.js';
import { headerOf } from '../verify.js';
import { defaultInvokeWorker, type InvokeWorker } from '../worker.js';
import { BotAuthError, verifyBotRequest, warmBotKeys } from './auth.js';
import { type BotConnector, type ConversationAddress, createBotConnector } from './connector.js';
import { botMessage } from './send.js';

export interface TeamsBotOptions {
  /** Hand a slow command to the worker (default: Lambda when configured, else in-process). */
  invokeWorker?: InvokeWorker;
  replayGuard?: ReplayGuard;
  /** Wall clock in ms: token expiry, the connector token cache, replay memory (default `Date.now`). */
  nowMs?: () => number;
  /** How long a fast command may run before it is handed to the worker (default 2,000 ms). */
  fastBudgetMs?: number;
  /** HTTP client for the Bot Framework's metadata and keys, the token endpoint and the Bot Connector (tests). */
  fetch?: BotFetch;
  /**
   * Where the OpenID metadata is, known before `getDeps` resolves (the Lambda's environment):
   * the keys are then fetched while the secrets are read. Without it, from `deps.config`.
   */
  openIdUrl?: () => string;
}

/** The fields of a Bot Framework activity the bot reads. */
export interface BotActivity extends TeamsActivityBase {
  type: string;
  id?: string;
  name?: string;
  channelId?: string;
  serviceUrl: string;
  text?: string;
  value?: unknown;
  action?: string;
  replyToId?: string;
  from?: { id?: string; name?: string; aadObjectId?: string };
  recipient?: { id?: string; name?: string };
  conversation: { id: string; conversationType?: string; tenantId?: string; name?: string };
  channelData?: {
    team?: { id?: string; name?: string };
    channel?: { id?: string; name?: string };
    tenant?: { id?: string };
    eventType?: string;
  };
  entities?: { type?: string; mentioned?: { id?: string }; text?: string }[];
  membersAdded?: { id?: string }[];
  membersRemoved?: { id?: string }[];
}

const OK: HttpResult = { statusCode: 200, body: '' };
const BAD_REQUEST = badRequest('a Bot Framework activity');

/** Parse a body; `undefined` when it is not an activity we can answer. */
export function parseBotActivity(rawBody: string): BotActivity | undefined {
  try {
    const body = JSON.parse(rawBody) as Partial<BotActivity> | null;
    if (
      !body ||
      typeof body !== 'object' ||
      typeof body.type !== 'string' ||
      typeof body.serviceUrl !== 'string' ||
      typeof body.conversation?.id !== 'string'
    )
      return undefined;
    return body as BotActivity;
  } catch {
    return undefined;
  }
}

/** The `serviceUrl` an unverified body claims, to check against the token's claim. */
function claimedServiceUrl(rawBody: string): string | undefined {
  try {
    const url = (JSON.parse(rawBody) as { serviceUrl?: unknown } | null)?.serviceUrl;
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command a person typed to the bot: the bot's `<at>…</at>` mention removed (other
 * mentions keep their names), markup dropped, entities decoded.
 *
 * @example
 * botCommandText({ text: '<at>bedrock-cost</at> why last week', ... }); // 'why last week'
 */
export function botCommandText(activity: Pick<BotActivity, 'text' | 'entities' | 'recipient'>): string {
  let text = activity.text ?? '';
  let stripped = false;
  for (const e of activity.entities ?? []) {
    const own = !activity.recipient?.id || e.mentioned?.id === activity.recipient.id;
    if (e.type === 'mention' && own && e.text && text.includes(e.text)) {
      text = text.split(e.text).join(' ');
      stripped = true;
    }
  }
  // Without the mention entity, the first mention is the bot's (Teams puts it first).
  if (!stripped) text = text.replace(/<at>[^<]*<\/at>/i, ' ');
  // Not `/<[^>]+>/g` for the rest of the markup: that backtracks (quadratic) on text with
  // many `<` and no `>`.
  return withoutMentionMarks(decodeTeamsText(stripTags(text.replace(/<\/?at>/gi, ''), ' ')));
}

/** Where a conversation's reference is kept: a channel by its id (without the thread suffix). */
function referenceOf(activity: BotActivity, now: Date): ConversationReference {
  const type = activity.conversation.conversationType;
  const conversationId =
    type === 'channel' || activity.channelData?.channel?.id
      ? (activity.channelData?.channel?.id ?? baseConversationId(activity.conversation.id))
      : baseConversationId(activity.conversation.id);
  const tenantId = activity.conversation.tenantId ?? activity.channelData?.tenant?.id;
  const name = activity.channelData?.channel?.name ?? activity.conversation.name;
  return {
    conversationId,
    serviceUrl: activity.serviceUrl,
    conversationType:
      type === 'channel' || type === 'groupChat' ? type : type === 'personal' ? 'personal' : 'channel',
    ...(tenantId ? { tenantId } : {}),
    ...(activity.channelData?.team?.id ? { teamId: activity.channelData.team.id } : {}),
    ...(activity.channelData?.team?.name ? { teamName: activity.channelData.team.name } : {}),
    ...(name ? { name } : {}),
    updatedAt: now.toISOString(),
  };
}

/** A button click: the handler id and its value, from `Action.Execute` or `Action.Submit` data. */
function clickOf(activity: BotActivity): { id: string; value: string } | undefined {
  const raw = activity.value as
    | { action?: { verb?: unknown; data?: { action?: unknown; value?: unknown } }; [k: string]: unknown }
    | undefined;
  if (!raw || typeof raw !== 'object') return undefined;
  const data = (activity.type === 'invoke' ? raw.action?.data : raw) as
    | { action?: unknown; value?: unknown }
    | undefined;
  const verb = activity.type === 'invoke' ? raw.action?.verb : undefined;
  const id = typeof verb === 'string' && verb ? verb : data?.action;
  if (typeof id !== 'string' || !id) return undefined;
  return { id: id.slice(0, 100), value: typeof data?.value === 'string' ? data.value.slice(0, 2000) : '' };
}

/** An invoke's answer: a short message shown to the clicker, or a card replacing the original. */
function invokeResponse(result: { message: string } | { card: Record<string, unknown> }): HttpResult {
  const value =
    'card' in result
      ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: result.card }
      : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: result.message };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

const plain = (text: string) => plainMentions(text).replace(/[*`]/g, '');

function welcome(ref: ConversationReference): Reply {
  const where = ref.conversationType === 'personal' ? 'here' : 'in this conversation (mention @bedrock-cost)';
  return simpleReply(
    'Hi, I am bedrock-cost: ask me about your Amazon Bedrock spend.',
    `Type ${where}: *why last week*, *spend mtd by team*, *estimate sonnet 4.5 2000 in 500 out 10k/day*, or *help*.`,
    ...(ref.conversationType === 'personal'
      ? []
      : [
          `To send a team's budget alerts and weekly digest here: *budget set TEAM AMOUNT teams ${ref.conversationId}* (or type *budget set TEAM AMOUNT* here).`,
          `To make this the FinOps channel (the weekly overview of all teams, idle provisioned throughput): set *BEDROCK_COST_FINOPS_CHANNEL* to *teams:${ref.conversationId}*.`,
        ]),
  );
}

/** What the bot's steps share for one request. */
interface BotRuntime {
  deps: Deps;
  invokeWorker: InvokeWorker;
  fastBudgetMs: number;
  connector: BotConnector;
  /** Conversations whose reference this container has stored (one write per conversation). */
  known: Set<string>;
}

const knownKey = (ref: ConversationReference) => `${ref.conversationId}|${ref.serviceUrl}`;

/** Send, logging (not throwing) a failure: there is nobody else to tell. */
async function post(
  rt: BotRuntime,
  address: ConversationAddress,
  activity: Record<string, unknown> & { type: string },
): Promise<boolean> {
  try {
    await rt.connector.send(address, activity);
    return true;
  } catch (error) {
    rt.deps.log.error('teams bot: message not delivered', error);
    return false;
  }
}

/**
 * Keep the conversation's reference fresh (once per conversation per container). A failure
 * is logged, not fatal: the question is still answered.
 */
async function remember(rt: BotRuntime, activity: BotActivity): Promise<void> {
  const ref = referenceOf(activity, rt.deps.clock.now());
  if (rt.known.has(knownKey(ref))) return;
  try {
    const { saveConversation } = await import('../../reply/teams-conversations.js');
    await saveConversation(rt.deps.store, ref);
    rt.known.add(knownKey(ref));
  } catch (error) {
    rt.deps.log.error('teams bot: conversation reference not stored', error);
  }
}

/** Answer a command line in a conversation: fast ones at once, slow ones through the worker. */
async function answerCommand(
  rt: BotRuntime,
  request: { text: string; plan: CommandPlan },
  caller: Caller,
  address: ConversationAddress,
  key: string,
): Promise<void> {
  const { text, plan } = request;
  const ctx = commandContext(rt.deps, caller);
  if (plan.kind === 'invalid') {
    await post(rt, address, botMessage(plan.reply));
    return;
  }
  const handOff = async () => {
    const shown = text.trim().replace(/\s+/g, ' ').slice(0, 80) || 'help';
    await post(rt, address, { type: 'typing' });
    await post(rt, address, {
      type: 'message',
      textFormat: 'plain',
      text: `Working on "${shown}"… the answer will follow here in a few seconds.`,
    });
    await rt.invokeWorker({
      kind: 'command',
      id: key,
      text,
      caller,
      replyTo: { kind: 'teams-bot', ...address },
    });
  };
  if (plan.kind === 'slow') return handOff();
  const reply = await runFast(plan, ctx, rt.fastBudgetMs);
  if (reply === 'late') return handOff();
  await post(rt, address, botMessage(reply));
}

/** How a button's answer is shown: a toast to the clicker, a post in the conversation, or a new card. */
type ClickAnswer = 'toast' | 'post' | 'replace';

/**
 * Show a button's answer. An invoke (`Action.Execute`) answers in its HTTP response; a
 * `message` click (`Action.Submit`) can only post in the conversation.
 */
async function respondToClick(
  rt: BotRuntime,
  activity: BotActivity,
  address: ConversationAddress,
  reply: Reply,
  kind: ClickAnswer,
): Promise<HttpResult> {
  const isInvoke = activity.type === 'invoke';
  if (isInvoke && kind === 'replace')
    return invokeResponse({ card: renderTeams(reply, { interactive: true }) });
  if (isInvoke && kind === 'toast') return invokeResponse({ message: plain(reply.headline) });
  await post(rt, address, botMessage(reply));
  return isInvoke ? invokeResponse({ message: plain(reply.headline) }) : OK;
}

/** Run a button's handler; the result goes back as the invoke's answer or into the conversation. */
async function click(
  rt: BotRuntime,
  activity: BotActivity,
  button: { id: string; value: string },
  caller: Caller,
  key: string,
): Promise<HttpResult> {
  // Answers go under the card's message (its thread in a channel).
  const cardMessageId = activity.replyToId;
  const address: ConversationAddress = {
    serviceUrl: activity.serviceUrl,
    conversationId: activity.conversation.id,
    ...(cardMessageId ? { replyToId: cardMessageId } : {}),
  };
  const respond = (reply: Reply, kind: ClickAnswer) => respondToClick(rt, activity, address, reply, kind);
  const handler = await findAction(button.id);
  if (!handler) {
    return respond(
      simpleReply('That button is no longer available. Type @bedrock-cost help for what I can do.'),
      'toast',
    );
  }
  const request: ActionRequest = {
    id: button.id,
    value: button.value,
    deps: rt.deps,
    caller,
    message: {
      channel: baseConversationId(activity.conversation.id),
      ...(cardMessageId ? { ts: cardMessageId } : {}),
    },
    runCommand: async (text) => {
      const plan = await planCommand(text, commandContext(rt.deps, caller));
      await answerCommand(rt, { text, plan }, caller, address, `${key}:${button.id}`);
    },
  };
  try {
    const result = await handler(request);
    if (!result) return activity.type === 'invoke' ? invokeResponse({ message: 'On it.' }) : OK;
    if (result.replaceOriginal) return respond(result.reply, 'replace');
    // Teams has no "only you can see this": what Slack shows the clicker alone is the invoke's
    // answer; what it shows the channel is posted in the conversation.
    return respond(result.reply, result.reply.visibility === 'in_channel' ? 'post' : 'toast');
  } catch (error) {
    if (!isUserError(error))
      rt.deps.log.error('teams bot: button handler failed', { action: button.id }, error);
    return respond(errorReply(error), 'toast');
  }
}

/** Was the bot added to (or removed from) the conversation by this membership activity? */
function membershipChange(activity: BotActivity): { added: boolean; removed: boolean } {
  const botId = activity.recipient?.id;
  if (activity.type === 'installationUpdate') {
    return {
      added: activity.action === 'add' || activity.action === 'add-upgrade',
      removed: activity.action === 'remove',
    };
  }
  return {
    added: Boolean(botId && activity.membersAdded?.some((m) => m.id === botId)),
    removed: Boolean(botId && activity.membersRemoved?.some((m) => m.id === botId)),
  };
}

/** The bot added to or removed from a team or chat: its reference stored or deleted, a welcome. */
async function membership(rt: BotRuntime, activity: BotActivity): Promise<HttpResult> {
  const { deps } = rt;
  const { added, removed } = membershipChange(activity);
  const ref = referenceOf(activity, deps.clock.now());
  const conversations = await import('../../reply/teams-conversations.js');
  if (removed) {
    await conversations.deleteConversation(deps.store, ref.conversationId);
    rt.known.delete(knownKey(ref));
    deps.log.info('teams bot removed from a conversation', { conversation: ref.conversationId });
    return OK;
  }
  if (!added) return OK;
  await conversations.saveConversation(deps.store, ref);
  rt.known.add(knownKey(ref));
  deps.log.info('teams bot added to a conversation', {
    conversation: ref.conversationId,
    type: ref.conversationType,
  });
  // Teams sends both activities for one install: welcome once.
  if (activity.type === 'conversationUpdate') {
    await post(
      rt,
      { serviceUrl: ref.serviceUrl, conversationId: ref.conversationId },
      botMessage(welcome(ref)),
    );
  }
  return OK;
}

/**
 * The bot's checks (`teams-request.ts`): the Bot Connector's JWT (signature, issuer,
 * audience = `TEAMS_APP_ID`, expiry, the `serviceUrl` the body claims), an activity.
 */
function botDoor(deps: Deps, options: TeamsBotOptions, nowMs: () => number): TeamsDoor<BotActivity> {
  const { config } = deps;
  return {
    name: 'teams bot',
    credential: { setting: 'TEAMS_APP_ID', value: config.TEAMS_APP_ID },
    authenticate: async (rawBody, event) => {
      try {
        await verifyBotRequest(headerOf(event, 'authorization'), claimedServiceUrl(rawBody), {
          appId: config.TEAMS_APP_ID ?? '',
          openIdUrl: config.BOTFRAMEWORK_OPENID_URL,
          nowMs,
          fetch: options.fetch,
        });
        return undefined;
      } catch (error) {
        if (error instanceof BotAuthError) return error.message;
        deps.log.error('teams bot: token check failed', error);
        return 'token check failed';
      }
    },
    parse: parseBotActivity,
    badRequest: BAD_REQUEST,
  };
}

/** What a verified activity asks for: a button click, a command line, or neither. */
interface BotRequest {
  activity: BotActivity;
  button: { id: string; value: string } | undefined;
  text: string;
  /** A typed command line, parsed once: for the replay check and then for the answer. */
  plan: CommandPlan | undefined;
  /** Could answering it change or start something? Then its replay check also goes to the table. */
  durable: boolean;
}

async function readBotRequest(deps: Deps, activity: BotActivity, caller: Caller): Promise<BotRequest> {
  const button = activity.type === 'invoke' || activity.type === 'message' ? clickOf(activity) : undefined;
  const text = activity.type === 'message' && !button ? botCommandText(activity) : '';
  const plan =
    activity.type === 'message' && !button
      ? await planCommand(text, commandContext(deps, caller))
      : undefined;
  const durable = plan ? hasSideEffects(plan) : true;
  return { activity, button, text, plan, durable };
}

/** Route a new (claimed) activity: membership, a click, a command; anything else is 200. */
async function routeBotRequest(
  rt: BotRuntime,
  request: BotRequest,
  caller: Caller,
  key: string,
): Promise<HttpResult> {
  const { activity, button, text, plan, durable } = request;
  if (activity.type === 'conversationUpdate' || activity.type === 'installationUpdate') {
    return membership(rt, activity);
  }
  if (button) {
    await remember(rt, activity);
    return click(rt, activity, button, caller, key);
  }
  if (activity.type !== 'message' || !plan) return OK;
  // A question that touches the table anyway (a budget change, a slow command) refreshes the
  // reference; a quick answer (help, estimate, prices) stays off DynamoDB, as in Slack.
  if (durable) await remember(rt, activity);
  const address: ConversationAddress = {
    serviceUrl: activity.serviceUrl,
    conversationId: activity.conversation.id,
    ...(activity.id ? { replyToId: activity.id } : {}),
  };
  await answerCommand(rt, { text, plan }, caller, address, key);
  return OK;
}

/**
 * The `POST /teams/bot` handler.
 *
 * @example
 * // functions/teams-bot.ts
 * export const handler = createTeamsBotHandler(lambdaChatDeps);
 */
export function createTeamsBotHandler(
  getDeps: () => Promise<Deps>,
  options: TeamsBotOptions = {},
): HttpHandler {
  const nowMs = options.nowMs ?? Date.now;
  const invokeWorker = options.invokeWorker ?? defaultInvokeWorker(getDeps);
  const fastBudgetMs = options.fastBudgetMs ?? 2000;
  let guard = options.replayGuard;
  const known = new Set<string>();

  return async (event, _context?: Context) => {
    const oversized = oversizedAnswer(event);
    if (oversized) return oversized;
    // A cold start's requests overlap (bench/teams-bot-cold-start.ts): the Bot Framework's
    // metadata and keys while the secrets load, the connector token while the caller's token
    // is verified. Both are cached for the container, so a warm request makes neither.
    try {
      if (options.openIdUrl) warmBotKeys(options.openIdUrl(), { nowMs, fetch: options.fetch });
    } catch {
      // A bad environment: getDeps says so below.
    }
    let deps: Deps;
    try {
      deps = await getDeps();
    } catch {
      return { statusCode: 500, body: '' };
    }
    const connector = createBotConnector(deps.config, { fetch: options.fetch, nowMs });
    if (deps.config.TEAMS_APP_ID) {
      warmBotKeys(deps.config.BOTFRAMEWORK_OPENID_URL, { nowMs, fetch: options.fetch });
      connector.warm();
    }
    const door = botDoor(deps, options, nowMs);
    const gate = await checkTeamsRequest(deps, event, door);
    if (!gate.ok) return gate.answer;
    const { activity, rawBody } = gate;

    const key = requestKey('teams-bot', activity.type, activity.id ?? '', activity.conversation.id, rawBody);
    guard ??= createReplayGuard(async () => (await getDeps()).store, nowMs);
    const caller = teamsCallerOf(
      deps.config,
      activity,
      referenceOf(activity, deps.clock.now()).conversationId,
    );
    const rt: BotRuntime = { deps, invokeWorker, fastBudgetMs, connector, known };
    try {
      if (activity.type === 'invoke' && activity.name !== 'adaptiveCard/action') return OK;
      const request = await readBotRequest(deps, activity, caller);
      const replayed = await replayedAnswer(deps, guard, door, key, request.durable);
      if (replayed) return replayed;
      return await routeBotRequest(rt, request, caller, key);
    } catch (error) {
      deps.log.error('teams bot handler failed', error);
      if (activity.type === 'invoke') return invokeResponse({ message: plain(errorReply(error).headline) });
      return OK;
    }
  };
}

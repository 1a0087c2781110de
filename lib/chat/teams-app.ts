/**
 * The Teams front door: `POST /teams/messages`, the endpoint of a Teams outgoing webhook
 * (people type `@bedrock-cost spend last week` in a channel).
 *
 * Teams signs each request with `Authorization: HMAC <base64>` (HMAC-SHA256 of the raw
 * body, keyed with the base64-decoded secret shown when the webhook was created) and
 * waits 5 seconds for the answer, which is the HTTP response itself: a message with one
 * Adaptive Card. An outgoing webhook cannot post later on its own, so an answer that is
 * not ready in time goes out through the team's Workflows webhook (set with
 * `budget set TEAM AMOUNT webhook URL`) from the command worker.
 *
 * Checks, in order (`teams-request.ts`, shared with the Teams bot): body size (413 over
 * 256 KiB, before anything is loaded or read), signature (401), body shape (400), the
 * tenant when `TEAMS_TENANT_ID` is set (401), the activity's own timestamp, present and
 * within 5 minutes (401: the signature has no timestamp of its own, so this bounds
 * replays), and the replay guard on the activity id (401).
 *
 * A slow answer goes to a team's Workflows webhook only when it was asked in that team's
 * channel (the one where `budget set ... webhook` was typed): an answer about
 * `team search` asked elsewhere is not posted into search's channel. When the Teams bot is
 * set up and is in the channel where the question was asked (the team is routed to the
 * bot's conversation there, or the bot was simply added to that channel), the worker posts
 * the slow answer into that channel through the Bot Connector instead.
 */
import type { Context } from 'aws-lambda';
import type { Deps } from '../context.js';
import { isUserError } from '../errors.js';
import type { Caller } from '../reply/caller.js';
import type { WorkerReplyTo } from '../reply/delivery.js';
import { stripTags } from '../reply/markup.js';
import { withoutMentionMarks } from '../reply/mention.js';
import { type Reply, simpleReply } from '../reply/reply.js';
import {
  type CommandPlan,
  commandContext,
  errorReply,
  hasSideEffects,
  planCommand,
  runFast,
} from './command-flow.js';
import type { HttpHandler, HttpResult } from './http.js';
import { createReplayGuard, type ReplayGuard, requestKey } from './replay.js';
import { teamsMessage } from './teams-render.js';
import {
  badRequest,
  checkTeamsRequest,
  decodeTeamsText,
  oversizedAnswer,
  replayedAnswer,
  type TeamsActivityBase,
  type TeamsDoor,
  teamsCallerOf,
} from './teams-request.js';
import { headerOf, SLACK_REPLAY_WINDOW_SECONDS, verifyTeamsSignature } from './verify.js';
import { defaultInvokeWorker, type InvokeWorker } from './worker.js';

export interface TeamsHandlerOptions {
  invokeWorker?: InvokeWorker;
  replayGuard?: ReplayGuard;
  /** Wall clock in ms (default `Date.now`). */
  nowMs?: () => number;
  /** Time allowed for an inline answer before handing to the worker (default 3,500 ms of Teams' 5 s). */
  answerBudgetMs?: number;
}

/** The fields of a Teams activity we use. */
interface TeamsActivity extends TeamsActivityBase {
  timestamp?: string;
  text: string;
  channelData?: { teamsChannelId?: string; teamsTeamId?: string; tenant?: { id?: string } };
}

const BAD_REQUEST = badRequest('a Teams message activity');

/** Parse a verified body; `undefined` when it is not a message activity. */
export function parseTeamsActivity(rawBody: string): TeamsActivity | undefined {
  try {
    const body = JSON.parse(rawBody) as Partial<TeamsActivity> | null;
    if (!body || typeof body !== 'object' || body.type !== 'message' || typeof body.text !== 'string')
      return undefined;
    return body as TeamsActivity;
  } catch {
    return undefined;
  }
}

/**
 * The command a person typed: the `<at>bedrock-cost</at>` mention and any other markup
 * removed, HTML entities decoded.
 *
 * @example
 * commandText('<at>bedrock-cost</at> spend last week\n'); // 'spend last week'
 */
export function commandText(text: string): string {
  const withoutMentions = text.replace(/<at>[^<]*<\/at>/gi, ' ');
  // Not `/<[^>]+>/g`: that backtracks (quadratic) on text with many `<` and no `>`.
  return withoutMentionMarks(decodeTeamsText(stripTags(withoutMentions, ' ')));
}

/** A JSON response carrying one Adaptive Card. */
function cardResponse(reply: Reply): HttpResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsMessage(reply)),
  };
}

/** The team a command names (`... team search`), for its Workflows webhook. */
function namedTeam(words: readonly string[]): string | undefined {
  const at = words.findIndex((w) => w.toLowerCase() === 'team');
  return at >= 0 ? words[at + 1] : undefined;
}

/**
 * Where the worker posts a slow answer, always the channel where it was asked:
 *
 * 1. the team the command names is routed there — to its Workflows webhook, or to the
 *    Teams bot's conversation in that channel (`budget set TEAM AMOUNT teams CHANNEL`);
 * 2. else, the Teams bot is set up and has been added to that channel (a stored conversation
 *    reference): a proactive post through the Bot Connector;
 * 3. else nowhere (the person is told to ask again).
 *
 * An answer about `team search` asked elsewhere is never posted into search's channel.
 */
async function slowAnswerRoute(
  deps: Deps,
  words: readonly string[],
  channelId: string | undefined,
): Promise<WorkerReplyTo | undefined> {
  if (!channelId) return undefined;
  const team = namedTeam(words);
  try {
    if (team) {
      const { getTeam } = await import('../budgets/store.js');
      const target = (await getTeam(deps.store, team))?.target;
      if (target?.kind === 'teams' && target.channelId === channelId)
        return { kind: 'teams-webhook', url: target.webhookUrl };
      if (target?.kind === 'teams-bot' && target.conversationId === channelId)
        return { kind: 'teams-bot', serviceUrl: target.serviceUrl, conversationId: target.conversationId };
    }
    if (deps.config.TEAMS_APP_ID) {
      const { getConversation } = await import('../reply/teams-conversations.js');
      const ref = await getConversation(deps.store, channelId);
      if (ref) return { kind: 'teams-bot', serviceUrl: ref.serviceUrl, conversationId: ref.conversationId };
    }
  } catch (error) {
    deps.log.warn('teams: team profile or bot conversation lookup failed', error);
  }
  return undefined;
}

/** What answering a message needs besides the request. */
interface TeamsRuntime {
  deps: Deps;
  invokeWorker: InvokeWorker;
  nowMs: () => number;
  budgetMs: number;
}

/**
 * Answer a command: inline when it is ready within Teams' 5 seconds, else through the worker
 * (to the channel's Workflows webhook or the bot, when there is one) with a note saying so.
 */
async function answerMessage(
  rt: TeamsRuntime,
  request: { text: string; plan: CommandPlan },
  caller: Caller,
  key: string,
  started: number,
): Promise<Reply> {
  const { deps } = rt;
  const { text, plan } = request;
  const ctx = commandContext(deps, caller);
  if (plan.kind === 'invalid') return plan.reply;
  // Even slow commands are tried inline: a cached answer is quick, and an inline card is
  // the best Teams can do. Whatever is not ready in time goes to the worker.
  const remaining = rt.budgetMs - (rt.nowMs() - started);
  if (remaining > 0 || plan.parsed.command.mutates) {
    const inline = await runFast({ ...plan, kind: 'fast' }, ctx, Math.max(0, remaining));
    if (inline !== 'late') return inline;
  }
  const route = await slowAnswerRoute(deps, plan.parsed.words, caller.channelId);
  const replyTo: WorkerReplyTo = route ?? { kind: 'none' };
  await rt.invokeWorker({ kind: 'command', id: key, text, caller, replyTo });
  const shown = text.slice(0, 80);
  return route
    ? simpleReply(`Working on "${shown}"… the answer will be posted in this channel in a minute.`)
    : simpleReply(
        `"${shown}" takes longer than the 5 seconds Teams allows. I am preparing it now: ask again in a minute and it will be ready.`,
        'To have slow answers posted here automatically, name the team (`... team search`) and give it a Workflows webhook: `budget set search 5000 webhook https://...`.',
      );
}

/**
 * The outgoing webhook's checks (`teams-request.ts`): the HMAC signature, a message activity,
 * and the activity's own timestamp within 5 minutes. Teams always sends one; without it (or
 * unreadable) nothing bounds a replay once the replay guard's memory of it has expired.
 */
function webhookDoor(deps: Deps, nowMs: () => number): TeamsDoor<TeamsActivity> {
  const secret = deps.config.TEAMS_WEBHOOK_SECRET;
  return {
    name: 'teams',
    credential: { setting: 'TEAMS_WEBHOOK_SECRET', value: secret },
    authenticate: async (rawBody, event) =>
      verifyTeamsSignature({ secret: secret ?? '', rawBody, authorization: headerOf(event, 'authorization') })
        ? undefined
        : 'bad signature',
    parse: parseTeamsActivity,
    badRequest: BAD_REQUEST,
    refuse: (activity) => {
      const sent = activity.timestamp ? Date.parse(activity.timestamp) : Number.NaN;
      if (!Number.isFinite(sent)) return 'no timestamp';
      return Math.abs(nowMs() - sent) > SLACK_REPLAY_WINDOW_SECONDS * 1000 ? 'stale' : undefined;
    },
  };
}

/**
 * The `POST /teams/messages` handler.
 *
 * @example
 * // functions/teams-messages.ts
 * export const handler = createTeamsMessagesHandler(lambdaDeps);
 */
export function createTeamsMessagesHandler(
  getDeps: () => Promise<Deps>,
  options: TeamsHandlerOptions = {},
): HttpHandler {
  const nowMs = options.nowMs ?? Date.now;
  const invokeWorker = options.invokeWorker ?? defaultInvokeWorker(getDeps);
  const budgetMs = options.answerBudgetMs ?? 3500;
  let guard = options.replayGuard;

  return async (event, _context?: Context) => {
    const started = nowMs();
    const oversized = oversizedAnswer(event);
    if (oversized) return oversized;
    let deps: Deps;
    try {
      deps = await getDeps();
    } catch {
      return { statusCode: 500, body: '' };
    }
    const door = webhookDoor(deps, nowMs);
    const gate = await checkTeamsRequest(deps, event, door);
    if (!gate.ok) return gate.answer;
    const { activity } = gate;
    const key = requestKey('teams', activity.id ?? '', headerOf(event, 'authorization') ?? '');
    guard ??= createReplayGuard(async () => (await getDeps()).store, nowMs);
    const text = commandText(activity.text);
    const caller = teamsCallerOf(deps.config, activity, activity.channelData?.teamsChannelId);
    // The line is parsed once: what it asks decides the replay check, then is answered as read.
    const plan = await planCommand(text, commandContext(deps, caller));
    try {
      const replayed = await replayedAnswer(deps, guard, door, key, hasSideEffects(plan));
      if (replayed) return replayed;
    } catch (error) {
      deps.log.error('replay check failed', error);
      return cardResponse(errorReply(error));
    }
    try {
      return cardResponse(
        await answerMessage({ deps, invokeWorker, nowMs, budgetMs }, { text, plan }, caller, key, started),
      );
    } catch (error) {
      if (!isUserError(error)) deps.log.error('teams handler failed', error);
      return cardResponse(errorReply(error));
    }
  };
}

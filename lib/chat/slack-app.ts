/**
 * The Slack front door: `POST /slack/events` receives the `/bedrock-cost` slash command
 * and button clicks (interactivity). A thin gate authenticates first; it answers a slash
 * command itself, and Bolt for JavaScript (`App` + `AwsLambdaReceiver`) routes the rest
 * (button clicks, App Home and other events, Slack's URL verification).
 *
 * Order of checks, each failing the same quiet way so nothing leaks:
 * 1. signature and timestamp (`verify.ts`) -> 401, before the body is even parsed;
 * 2. Slack retries (`X-Slack-Retry-Num`) -> 200 with `X-Slack-No-Retry: 1`, no work: the
 *    first delivery was received and is answered (every answer here fits in the ack or is
 *    already with the worker), so doing it again would only post twice;
 * 3. body shape -> 400 when it is not a slash command, a button click or a known Slack
 *    envelope;
 * 4. replay (`replay.ts`): the same signed request seen before -> 401. A slash command is
 *    planned first (parsed, no I/O: whether it changes or starts something decides whether
 *    its replay check also goes to the table), and answered from that plan.
 *
 * Then the answer. Slack allows 3 seconds to acknowledge. Fast commands (help, estimate,
 * compare, prices, budget changes) answer inside the acknowledgement. Slow ones ack at
 * once with an ephemeral "working on it" and go to the command worker (asynchronous
 * Lambda invocation); the worker answers through the `response_url`. Bolt's lazy
 * listeners are not used: on Lambda, work after the response is frozen or lost.
 *
 * Cold start matters (every cold Lambda answers within Slack's 3 s): a slash command is
 * answered without Bolt (`answerSlashCommand`), Bolt is loaded on the first request that
 * needs it and then from its `App` and receiver modules only, the bot's IDs are passed in
 * (`authorize`) so it makes no `auth.test` call, and the AWS SDK is loaded only by paths
 * that need it.
 */
import type { Context } from 'aws-lambda';
import type { CommandContext } from '../commands/types.js';
import type { Deps } from '../context.js';
import type { ActionHandler, ActionRequest } from '../reply/actions.js';
import type { Caller } from '../reply/caller.js';
import { withoutMentionMarks } from '../reply/mention.js';
import { type Reply, simpleReply } from '../reply/reply.js';
import { findAction } from './actions.js';
import type { App, AwsLambdaReceiver } from './bolt.js';
import {
  type CommandPlan,
  callerOf,
  commandContext,
  errorReply,
  hasSideEffects,
  planCommand,
  runFast,
  workingOnIt,
} from './command-flow.js';
import type { HttpEvent, HttpHandler, HttpResult } from './http.js';
import { createReplayGuard, type ReplayGuard, requestKey } from './replay.js';
import { actionIdOf, renderSlack } from './slack-render.js';
import { headerOf, rawBodyOf, verifySlackSignature } from './verify.js';
import { defaultInvokeWorker, type InvokeWorker } from './worker.js';

export interface SlackHandlerOptions {
  /** Hand a slow command to the worker (default: Lambda when configured, else in-process). */
  invokeWorker?: InvokeWorker;
  /** Replay protection (default: memory + the table for requests with side effects). */
  replayGuard?: ReplayGuard;
  /** Wall clock in ms for the signature window (default `Date.now`). */
  nowMs?: () => number;
  /** How long a fast command may run before it is handed to the worker (default 2,200 ms). */
  fastBudgetMs?: number;
  /** `fetch` for `response_url` posts from button handlers (tests). */
  fetch?: typeof fetch;
  /** More button handlers by id, looked up before the built-in ones (`lib/chat/actions.ts`). */
  actions?: Readonly<Record<string, ActionHandler>>;
}

/** `./bolt.js`, imported on the first request Bolt answers. */
type BoltModule = typeof import('./bolt.js');

type BoltHandler = (event: HttpEvent, context: Context | undefined) => Promise<HttpResult>;

/** The body shapes we accept; anything else is a 400. */
type SlackBody =
  | { kind: 'command'; command: SlashCommand }
  | { kind: 'action' }
  | { kind: 'ssl_check' }
  | { kind: 'bolt'; contentType: 'application/json' };

/** The fields of a slash command the answer reads (as Bolt's `command` has them). */
interface SlashCommand {
  text: string;
  userId: string;
  userName?: string;
  channelId?: string;
  responseUrl: string;
}

const EMPTY_401: HttpResult = { statusCode: 401, body: '' };
const BAD_REQUEST: HttpResult = {
  statusCode: 400,
  headers: { 'content-type': 'text/plain' },
  body: 'Bad request: expected a Slack slash command or interaction.',
};

/** Header carrying our request key to the listeners, through Bolt. */
const KEY_HEADER = 'x-bedrock-cost-request-key';

/** Classify a verified body. `undefined` means malformed. */
export function parseSlackBody(rawBody: string, contentType: string | undefined): SlackBody | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      const body = JSON.parse(rawBody) as { type?: unknown };
      return body && typeof body === 'object' && typeof body.type === 'string'
        ? { kind: 'bolt', contentType: 'application/json' }
        : undefined;
    } catch {
      return undefined;
    }
  }
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const form = new URLSearchParams(rawBody);
  if (form.has('ssl_check')) return { kind: 'ssl_check' };
  const payload = form.get('payload');
  if (payload !== null) {
    try {
      const parsed = JSON.parse(payload) as { type?: unknown; actions?: unknown; user?: { id?: unknown } };
      if (!parsed || typeof parsed !== 'object' || typeof parsed.type !== 'string') return undefined;
      if (
        parsed.type === 'block_actions' &&
        (!Array.isArray(parsed.actions) || typeof parsed.user?.id !== 'string')
      ) {
        return undefined;
      }
      return { kind: 'action' };
    } catch {
      return undefined;
    }
  }
  const command = form.get('command');
  const userId = form.get('user_id');
  if (!command?.startsWith('/') || !userId) return undefined;
  return {
    kind: 'command',
    command: {
      text: form.get('text') ?? '',
      userId,
      userName: form.get('user_name') ?? undefined,
      channelId: form.get('channel_id') ?? undefined,
      responseUrl: form.get('response_url') ?? '',
    },
  };
}

/** The app's answer as the JSON body of an acknowledgement. */
function ackMessage(reply: Reply): Record<string, unknown> {
  const message = renderSlack(reply);
  return { ...message, response_type: reply.visibility ?? 'ephemeral' };
}

function boltLogger(deps: Deps) {
  let level = 'warn';
  let name = 'bolt';
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => deps.log.warn(`${name}: ${msg.map(String).join(' ')}`),
    error: (...msg: unknown[]) => deps.log.error(`${name}: ${msg.map(String).join(' ')}`),
    setLevel: (l: string) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}

/** What the listeners share: the dependencies, the worker and the handler's options. */
interface SlackRuntime {
  deps: Deps;
  invokeWorker: InvokeWorker;
  fastBudgetMs: number;
  options: SlackHandlerOptions;
}

/** Answer a command line for the ack (or for a button's `response_url`). */
async function answerCommand(
  rt: SlackRuntime,
  text: string,
  caller: Caller,
  key: string,
  responseUrl: string,
): Promise<Reply> {
  const ctx = commandContext(rt.deps, caller);
  return answerPlan(rt, await planCommand(text, ctx), { text, caller, ctx, key, responseUrl });
}

/** A typed (or clicked) command line, with who asked and where the answer goes. */
interface CommandLine {
  text: string;
  caller: Caller;
  ctx: CommandContext;
  key: string;
  responseUrl: string;
}

/** Answer a planned command: inside the acknowledgement, or handed to the worker. */
async function answerPlan(
  rt: SlackRuntime,
  plan: CommandPlan,
  { text, caller, ctx, key, responseUrl }: CommandLine,
): Promise<Reply> {
  if (plan.kind === 'invalid') return plan.reply;
  const handOff = async () => {
    await rt.invokeWorker({
      kind: 'command',
      id: key,
      text,
      caller,
      replyTo: { kind: 'slack-response-url', url: responseUrl },
    });
    return workingOnIt(text);
  };
  if (plan.kind === 'slow') return handOff();
  const reply = await runFast(plan, ctx, rt.fastBudgetMs);
  return reply === 'late' ? handOff() : reply;
}

/** Bolt's Lambda receiver; the gate in front of it has verified the signature already. */
function createReceiver(bolt: BoltModule, deps: Deps): InstanceType<typeof AwsLambdaReceiver> {
  return new bolt.AwsLambdaReceiver({
    signingSecret: deps.config.SLACK_SIGNING_SECRET ?? 'unset',
    // Verified above, on the correctly decoded raw body, with replay protection.
    signatureVerification: false,
    logger: boltLogger(deps) as never,
    customPropertiesExtractor: (event: { headers?: Record<string, string | undefined> }) => ({
      requestKey: event.headers?.[KEY_HEADER] ?? '',
    }),
  });
}

/** The Bolt app; the bot's identity comes from config, so Bolt never calls `auth.test`. */
function createApp(
  bolt: BoltModule,
  deps: Deps,
  receiver: InstanceType<typeof AwsLambdaReceiver>,
): InstanceType<typeof App> {
  const { config } = deps;
  return new bolt.App({
    receiver,
    authorize: async () => ({
      ...(config.SLACK_BOT_TOKEN ? { botToken: config.SLACK_BOT_TOKEN } : {}),
      ...(config.SLACK_BOT_ID ? { botId: config.SLACK_BOT_ID } : {}),
      ...(config.SLACK_BOT_USER_ID ? { botUserId: config.SLACK_BOT_USER_ID } : {}),
      ...(config.SLACK_TEAM_ID ? { teamId: config.SLACK_TEAM_ID } : {}),
    }),
    logger: boltLogger(deps) as never,
    convoStore: false,
    clientOptions: { slackApiUrl: `${config.SLACK_API_URL}/` },
  });
}

/** A button click's body and action, as far as we read them. */
interface ButtonClick {
  body: {
    user: { id: string; username?: string; name?: string };
    channel?: { id?: string };
    container?: { channel_id?: string; message_ts?: string };
    message?: { ts?: string };
    response_url?: string;
  };
  action: { action_id?: string; value?: string; selected_option?: { value?: string } };
  requestKey: string;
}

/** Post a reply to a click's `response_url` (nothing when the click has none). */
function responderFor(rt: SlackRuntime, responseUrl: string | undefined) {
  return async (reply: Reply, replaceOriginal = false): Promise<void> => {
    if (!responseUrl) return;
    const [{ postReply }, { outboundPolicyOf }] = await Promise.all([
      import('./deliver.js'),
      import('../reply/outbound.js'),
    ]);
    await postReply({ kind: 'slack-response-url', url: responseUrl }, reply, {
      fetch: rt.options.fetch,
      replaceOriginal,
      policy: outboundPolicyOf(rt.deps.config),
    });
  };
}

/** Run a clicked button's handler (already acknowledged) and post its answer. */
async function handleButtonClick(
  rt: SlackRuntime,
  { body: b, action: a, requestKey }: ButtonClick,
): Promise<void> {
  const { deps } = rt;
  const responseUrl = b.response_url;
  const channel = b.channel?.id ?? b.container?.channel_id;
  const caller = callerOf(deps.config, 'slack', b.user.id, {
    channelId: channel,
    userName: b.user.username ?? b.user.name,
  });
  const respond = responderFor(rt, responseUrl);
  const id = actionIdOf(a.action_id ?? '');
  const handler = await findAction(id, rt.options.actions);
  if (!handler) {
    await respond(
      simpleReply('That button is no longer available. Type `/bedrock-cost help` for what I can do.'),
    );
    return;
  }
  const request: ActionRequest = {
    id,
    value: a.value ?? a.selected_option?.value ?? '',
    deps,
    caller,
    message: { channel, ts: b.container?.message_ts ?? b.message?.ts },
    runCommand: async (text) => {
      if (!responseUrl) return;
      await respond(await answerCommand(rt, text, caller, `${requestKey}:${id}`, responseUrl));
    },
  };
  try {
    const result = await handler(request);
    if (result) await respond(result.reply, result.replaceOriginal);
  } catch (error) {
    deps.log.error('button handler failed', { action: id }, error);
    await respond(errorReply(error));
  }
}

/**
 * A slash command's acknowledgement, whose body is the answer (or "working on it"): what
 * Bolt's `app.command` listener with `ack(message)` returned, without Bolt. Slack's `help`
 * from a cold start is the front door's most common first request, and loading, building
 * and running Bolt was a fifth of its CPU time. Measured 2026-12-05 (esbuild bundle as
 * bench/cold-start.ts builds it, signed `help` in a fresh Node 20 process with the secrets
 * read from a local SSM server, medians of 25 interleaved rounds, load average 3): through
 * Bolt 74.1 ms CPU (2.81x an empty node) and 88 ms wall (2.58x); answered here 56.9 ms CPU
 * (2.16x) and 63 ms wall (1.85x), with 117 KB loaded at start instead of 230 KB (the
 * README has the current figure).
 */
async function answerSlashCommand(
  rt: SlackRuntime,
  plan: CommandPlan,
  line: CommandLine,
): Promise<HttpResult> {
  let reply: Reply;
  try {
    reply = await answerPlan(rt, plan, line);
  } catch (error) {
    // The hand-off to the worker failed (or a fast command threw): Slack does not retry a
    // slash command, so say so to the person rather than answer a bare 500.
    rt.deps.log.error('slack command failed', error);
    reply = errorReply(error);
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ackMessage(reply)),
  };
}

/** A slash command as a command line: who asks (admin or not), the text without mention marks. */
function commandLine(deps: Deps, command: SlashCommand, key: string): CommandLine {
  const caller = callerOf(deps.config, 'slack', command.userId, {
    channelId: command.channelId,
    userName: command.userName,
  });
  // A typed command cannot carry the mention element's marks (`lib/reply/mention.ts`).
  const text = withoutMentionMarks(command.text);
  return { text, caller, ctx: commandContext(deps, caller), key, responseUrl: command.responseUrl };
}

/** The listeners: button clicks, the App Home tab, other events (slash commands are answered before Bolt). */
function registerListeners(app: InstanceType<typeof App>, rt: SlackRuntime): void {
  const { config } = rt.deps;
  app.action(/.*/, async ({ ack, body, action, context }) => {
    await ack();
    await handleButtonClick(rt, {
      body: body as ButtonClick['body'],
      action: action as ButtonClick['action'],
      requestKey: String(context.requestKey),
    });
  });

  // The App Home tab: Bolt acknowledges the event before this listener runs; the worker
  // reads the figures and publishes the view (Cost Explorer does not fit in 3 seconds).
  app.event('app_home_opened', async ({ event, context }) => {
    if (event.tab !== 'home') return;
    const caller = callerOf(config, 'slack', event.user, {});
    await rt.invokeWorker({
      kind: 'command',
      id: `${String(context.requestKey)}:home`,
      text: 'app home',
      caller,
      replyTo: { kind: 'slack-app-home', userId: event.user },
    });
  });

  // Other events need no answer; acknowledge them so Slack does not retry them (Bolt
  // acknowledges events once a listener matched).
  app.event(/.*/, async () => {});
}

async function buildBolt(bolt: BoltModule, rt: SlackRuntime): Promise<BoltHandler> {
  const receiver = createReceiver(bolt, rt.deps);
  registerListeners(createApp(bolt, rt.deps, receiver), rt);
  return (await receiver.start()) as BoltHandler;
}

/** A request that passed the signature and shape checks. */
interface VerifiedSlackRequest {
  rawBody: string;
  body: Exclude<SlackBody, { kind: 'ssl_check' }>;
  key: string;
}

/**
 * Checks 1 to 3 of the module comment: signature and timestamp, retries, body shape. The
 * `answer` to send when the request stops here.
 */
function verifySlackRequest(
  deps: Deps,
  event: HttpEvent,
  nowMs: number,
): VerifiedSlackRequest | { answer: HttpResult } {
  const secret = deps.config.SLACK_SIGNING_SECRET;
  if (!secret) {
    deps.log.error('SLACK_SIGNING_SECRET is not set: refusing every Slack request');
    return { answer: EMPTY_401 };
  }
  const rawBody = rawBodyOf(event);
  const signature = headerOf(event, 'x-slack-signature');
  const timestamp = headerOf(event, 'x-slack-request-timestamp');
  if (!verifySlackSignature({ signingSecret: secret, rawBody, signature, timestamp, nowMs })) {
    deps.log.warn('slack request refused: bad signature or timestamp');
    return { answer: EMPTY_401 };
  }
  if (headerOf(event, 'x-slack-retry-num') !== undefined) {
    return { answer: { statusCode: 200, headers: { 'x-slack-no-retry': '1' }, body: '' } };
  }
  const body = parseSlackBody(rawBody, headerOf(event, 'content-type'));
  if (!body) return { answer: BAD_REQUEST };
  if (body.kind === 'ssl_check') return { answer: { statusCode: 200, body: '' } };
  return { rawBody, body, key: requestKey('slack', signature ?? '', timestamp ?? '') };
}

/**
 * Check 4: the replay guard. `undefined` when the request is new; else the answer (401 for a
 * replay, a polite error when the check itself failed).
 */
async function refuseReplay(
  deps: Deps,
  guard: ReplayGuard,
  key: string,
  durable: boolean,
): Promise<HttpResult | undefined> {
  try {
    if (await guard.claim(key, { durable })) return undefined;
    deps.log.warn('slack request refused: replayed');
    return EMPTY_401;
  } catch (error) {
    deps.log.error('replay check failed', error);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ackMessage(errorReply(error))),
    };
  }
}

/** The verified request as Bolt reads it: decoded body, lower-case headers, our request key. */
function boltEvent(event: HttpEvent, { rawBody, body, key }: VerifiedSlackRequest): HttpEvent {
  return {
    ...event,
    body: rawBody,
    isBase64Encoded: false,
    headers: {
      ...Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      'content-type': body.kind === 'bolt' ? 'application/json' : 'application/x-www-form-urlencoded',
      [KEY_HEADER]: key,
    },
  };
}

/**
 * The `POST /slack/events` handler (API Gateway HTTP API payload 2.0).
 *
 * @example
 * // functions/slack-events.ts
 * export const handler = createSlackEventsHandler(lambdaDeps);
 */
export function createSlackEventsHandler(
  getDeps: () => Promise<Deps>,
  options: SlackHandlerOptions = {},
): HttpHandler {
  const nowMs = options.nowMs ?? Date.now;
  const invokeWorker = options.invokeWorker ?? defaultInvokeWorker(getDeps);
  const fastBudgetMs = options.fastBudgetMs ?? 2200;
  let guard = options.replayGuard;
  let bolt: Promise<BoltHandler> | undefined;

  return async (event, context) => {
    let deps: Deps;
    try {
      deps = await getDeps();
    } catch {
      return { statusCode: 500, body: '' };
    }
    const request = verifySlackRequest(deps, event, nowMs());
    if ('answer' in request) return request.answer;
    guard ??= createReplayGuard(async () => (await getDeps()).store, nowMs);
    const rt: SlackRuntime = { deps, invokeWorker, fastBudgetMs, options };
    if (request.body.kind === 'command') {
      // Planned once: whether it changes or starts something (so its replay check also goes
      // to the table), then answered from the same parse.
      const line = commandLine(deps, request.body.command, request.key);
      const plan = await planCommand(line.text, line.ctx);
      const refused = await refuseReplay(deps, guard, request.key, hasSideEffects(plan));
      return refused ?? (await answerSlashCommand(rt, plan, line));
    }
    const refused = await refuseReplay(deps, guard, request.key, request.body.kind === 'action');
    if (refused) return refused;
    try {
      bolt ??= import('./bolt.js')
        .then((module) => buildBolt(module, rt))
        .catch((error: unknown) => {
          bolt = undefined;
          throw error;
        });
      return await (await bolt)(boltEvent(event, request), context);
    } catch (error) {
      deps.log.error('slack handler failed', error);
      return { statusCode: 500, body: '' };
    }
  };
}

/**
 * What both Teams front doors check before any work: the outgoing webhook
 * (`POST /teams/messages`, `teams-app.ts`) and the bot (`POST /teams/bot`, `teams-bot/app.ts`).
 * They differ only in how a request proves where it comes from (an HMAC of the body; the Bot
 * Connector's JWT) and in what an activity must carry; the rest is one sequence, here:
 *
 * 0. (the doors' handlers, first of all) the body is at most `MAX_TEAMS_BODY_BYTES`, else 413
 *    (`oversizedAnswer`): nothing is loaded, parsed or verified for it;
 * 1. the credential is configured, else every request is refused (401), with an error log;
 * 2. the request is authenticated, else 401 (nothing is parsed before);
 * 3. the body is an activity this door answers, else 400;
 * 4. the activity is from the allowed tenant (`TEAMS_TENANT_ID`, when set), else 401;
 * 5. any check of the door's own (the webhook: the activity's timestamp), else 401;
 * 6. (the doors' handlers) the activity is claimed once: a replay is 401 (`replayedAnswer`).
 *
 * Every refusal looks the same from outside (401, empty body): a forger learns nothing about
 * which check failed; the log says which.
 */
import type { Config } from '../config.js';
import type { Deps } from '../context.js';
import type { Caller } from '../reply/caller.js';
import { callerOf } from './command-flow.js';
import type { HttpEvent, HttpResult } from './http.js';
import type { ReplayGuard } from './replay.js';
import { rawBodyOf } from './verify.js';

const EMPTY_401: HttpResult = { statusCode: 401, body: '' };

/**
 * The largest request body a Teams door reads: 256 KiB. An activity is a few KB (Teams takes
 * messages of about 28 KB; an Adaptive Card's `Action.Execute` data is smaller still), while
 * Lambda would hand over up to 6 MB: anything this large is not Teams and is not worth an
 * HMAC, a JSON parse or a JWT check. (Slack's gate checks the signature first, an HMAC over
 * what Lambda hands over, before it parses anything: a forged body costs one hash.)
 */
export const MAX_TEAMS_BODY_BYTES = 256 * 1024;

const EMPTY_413: HttpResult = { statusCode: 413, body: '' };

/**
 * Step 0: 413 for a body over `MAX_TEAMS_BODY_BYTES`, `undefined` otherwise. Counts the bytes
 * without decoding them (a base64 body's decoded length, a text body's UTF-8 length).
 */
export function oversizedAnswer(event: HttpEvent): HttpResult | undefined {
  const body = event.body;
  if (!body) return undefined;
  const bytes = Buffer.byteLength(body, event.isBase64Encoded ? 'base64' : 'utf8');
  return bytes > MAX_TEAMS_BODY_BYTES ? EMPTY_413 : undefined;
}

/** A 400 naming what the door expected. */
export function badRequest(expected: string): HttpResult {
  return {
    statusCode: 400,
    headers: { 'content-type': 'text/plain' },
    body: `Bad request: expected ${expected}.`,
  };
}

/** The fields of an activity both doors read: who sent it, from which tenant. */
export interface TeamsActivityBase {
  type: string;
  id?: string;
  from?: { id?: string; name?: string; aadObjectId?: string };
  conversation?: { id?: string; tenantId?: string };
  channelData?: { tenant?: { id?: string } };
}

/** One door's checks: the steps of the module comment that differ between the doors. */
export interface TeamsDoor<A extends TeamsActivityBase> {
  /** For the logs: `teams` or `teams bot`. */
  name: string;
  /** The credential's setting (`TEAMS_WEBHOOK_SECRET`, `TEAMS_APP_ID`) and its value. */
  credential: { setting: string; value: string | undefined };
  /** Why the request is not authentic (logged), or `undefined` when it is. */
  authenticate: (rawBody: string, event: HttpEvent) => Promise<string | undefined>;
  /** The body as this door's activity; `undefined` when it is not one it answers. */
  parse: (rawBody: string) => A | undefined;
  badRequest: HttpResult;
  /** A further reason to refuse the parsed activity (logged), or `undefined`. */
  refuse?: (activity: A) => string | undefined;
}

/** A request that passed every check, or the answer to send instead. */
export type TeamsGate<A> = { ok: true; rawBody: string; activity: A } | { ok: false; answer: HttpResult };

/**
 * Steps 1 to 5 of the module comment, in that order.
 *
 * @example
 * const gate = await checkTeamsRequest(deps, event, door);
 * if (!gate.ok) return gate.answer;
 */
export async function checkTeamsRequest<A extends TeamsActivityBase>(
  deps: Deps,
  event: HttpEvent,
  door: TeamsDoor<A>,
): Promise<TeamsGate<A>> {
  if (!door.credential.value) {
    deps.log.error(`${door.credential.setting} is not set: refusing every ${door.name} request`);
    return { ok: false, answer: EMPTY_401 };
  }
  const rawBody = rawBodyOf(event);
  const unauthentic = await door.authenticate(rawBody, event);
  if (unauthentic !== undefined) return refused(deps, door, unauthentic);
  const activity = door.parse(rawBody);
  if (!activity) return { ok: false, answer: door.badRequest };
  const tenant = tenantOf(activity);
  if (deps.config.TEAMS_TENANT_ID && tenant !== deps.config.TEAMS_TENANT_ID) {
    return refused(deps, door, 'another tenant');
  }
  const reason = door.refuse?.(activity);
  if (reason !== undefined) return refused(deps, door, reason);
  return { ok: true, rawBody, activity };
}

function refused<A extends TeamsActivityBase>(deps: Deps, door: TeamsDoor<A>, why: string): TeamsGate<A> {
  deps.log.warn(`${door.name} request refused: ${why}`);
  return { ok: false, answer: EMPTY_401 };
}

/** The tenant an activity says it comes from. */
function tenantOf(activity: TeamsActivityBase): string | undefined {
  return activity.conversation?.tenantId ?? activity.channelData?.tenant?.id;
}

/** The person behind an activity: their Entra object id when Teams gives it. */
export function teamsCallerOf(
  config: Config,
  activity: TeamsActivityBase,
  channelId: string | undefined,
): Caller {
  const userId = activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown';
  return callerOf(config, 'teams', userId, { channelId, userName: activity.from?.name });
}

/**
 * Step 6: claim the activity once. `undefined` when it is new; 401 when it was seen before.
 * A failing guard throws: each door answers that its own way.
 */
export async function replayedAnswer(
  deps: Deps,
  guard: ReplayGuard,
  door: { name: string },
  key: string,
  durable: boolean,
): Promise<HttpResult | undefined> {
  if (await guard.claim(key, { durable })) return undefined;
  deps.log.warn(`${door.name} request refused: replayed`);
  return EMPTY_401;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/** Decode the HTML entities Teams puts in message text, and collapse whitespace. */
export function decodeTeamsText(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

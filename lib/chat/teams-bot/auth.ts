/**
 * Authenticating the Bot Connector: every activity Teams sends to `POST /teams/bot` carries
 * `Authorization: Bearer <JWT>`, signed by the Bot Framework. The checks are Microsoft's
 * ("Authenticate requests from the Bot Connector service to your bot"):
 *
 * 1. a Bearer JWT, RS256, whose key is one of those listed at the `jwks_uri` of the Bot
 *    Framework OpenID metadata (`BOTFRAMEWORK_OPENID_URL`);
 * 2. issuer `https://api.botframework.com`;
 * 3. audience: this bot's Entra app ID (`TEAMS_APP_ID`), so a token minted for another bot
 *    is useless here;
 * 4. within its validity period, with 5 minutes of clock skew (Microsoft's figure);
 * 5. its `serviceUrl` claim equal to the activity's `serviceUrl`: that is where replies go,
 *    so a body cannot point the bot at another host with someone else's token.
 *
 * `jose` does the cryptography and the JWKS fetching; keys are cached (a key id not seen
 * before refetches the set, at most once a minute), the OpenID metadata for a day.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

/** The issuer of every Bot Connector token. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/** Clock skew allowed on `exp` / `nbf`, in seconds. */
export const BOT_TOKEN_SKEW_SECONDS = 300;

const METADATA_TTL_MS = 24 * 3600 * 1000;

export interface BotAuthOptions {
  /** This bot's app ID (the audience). */
  appId: string;
  /** The OpenID metadata document (`…/.well-known/openidconfiguration`). */
  openIdUrl: string;
  /** Wall clock in ms (tokens expire in real time, whatever `BEDROCK_COST_NOW` says). */
  nowMs?: () => number;
}

/** The claims of a verified Bot Connector token that the bot uses. */
export interface BotClaims extends JWTPayload {
  serviceUrl?: string;
}

/** Why a request was refused (logged, never sent back). */
export class BotAuthError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BotAuthError';
  }
}

interface KeySource {
  jwks: ReturnType<typeof createRemoteJWKSet>;
  fetchedAt: number;
}

/** Metadata and key sets, per metadata URL: shared by every request of a Lambda container. */
const keySources = new Map<string, Promise<KeySource>>();

async function keySourceFor(openIdUrl: string, nowMs: number): Promise<KeySource> {
  const cached = keySources.get(openIdUrl);
  if (cached) {
    const source = await cached.catch(() => undefined);
    if (source && nowMs - source.fetchedAt < METADATA_TTL_MS) return source;
    if (keySources.get(openIdUrl) === cached) keySources.delete(openIdUrl);
  }
  const loading = (async (): Promise<KeySource> => {
    const response = await fetch(openIdUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new BotAuthError(`OpenID metadata: HTTP ${response.status}`);
    const metadata = (await response.json()) as { jwks_uri?: unknown };
    if (typeof metadata.jwks_uri !== 'string' || !/^https?:\/\//.test(metadata.jwks_uri))
      throw new BotAuthError('OpenID metadata: no jwks_uri');
    return {
      jwks: createRemoteJWKSet(new URL(metadata.jwks_uri), {
        cooldownDuration: 60_000,
        cacheMaxAge: METADATA_TTL_MS,
        timeoutDuration: 5000,
      }),
      fetchedAt: nowMs,
    };
  })();
  keySources.set(openIdUrl, loading);
  loading.catch(() => {
    if (keySources.get(openIdUrl) === loading) keySources.delete(openIdUrl);
  });
  return loading;
}

/** Forget cached metadata and keys (tests that rotate keys). */
export function clearBotKeyCache(): void {
  keySources.clear();
}

/**
 * Verify the `Authorization` header of a Bot Connector request against the activity's
 * `serviceUrl`. Resolves with the claims; rejects with `BotAuthError` on any failure.
 *
 * @example
 * const claims = await verifyBotRequest(headerOf(event, 'authorization'), activity.serviceUrl, {
 *   appId: config.TEAMS_APP_ID, openIdUrl: config.BOTFRAMEWORK_OPENID_URL,
 * });
 */
export async function verifyBotRequest(
  authorization: string | undefined,
  serviceUrl: string | undefined,
  options: BotAuthOptions,
): Promise<BotClaims> {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization?.trim() ?? '');
  if (!match?.[1]) throw new BotAuthError('no Bearer token');
  const now = (options.nowMs ?? Date.now)();
  const source = await keySourceFor(options.openIdUrl, now);
  let payload: BotClaims;
  try {
    ({ payload } = await jwtVerify<BotClaims>(match[1], source.jwks, {
      issuer: BOT_FRAMEWORK_ISSUER,
      audience: options.appId,
      algorithms: ['RS256'],
      clockTolerance: BOT_TOKEN_SKEW_SECONDS,
      currentDate: new Date(now),
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw new BotAuthError(`token refused: ${(error as { code?: string }).code ?? 'invalid'}`, {
      cause: error,
    });
  }
  if (typeof serviceUrl !== 'string' || payload.serviceUrl !== serviceUrl) {
    throw new BotAuthError('serviceUrl claim does not match the activity');
  }
  return payload;
}

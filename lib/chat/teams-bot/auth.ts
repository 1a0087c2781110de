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
 * `jose` does the cryptography and picks the key (`createLocalJWKSet`). The metadata and
 * keys are fetched here with the bot's own HTTP client (`lib/lambda/http-client.ts`: jose's remote key
 * set would load Node's fetch, the largest cost of a cold start) and cached for a day; a
 * key id not seen before refetches the keys, at most once a minute.
 *
 * On a cold start the metadata and the keys are requested at once: the keys from where
 * Microsoft's metadata says they are (`…/.well-known/keys` next to
 * `…/.well-known/openidconfiguration`). The metadata still decides: keys fetched from
 * anywhere but its `jwks_uri` are thrown away and the right ones fetched, so the guess only
 * saves a round trip, it never chooses a key. `warmBotKeys` starts this before the request
 * needs it.
 */
import { createLocalJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type BotFetch, botFetch } from '../../aws/http-client.js';

/** The issuer of every Bot Connector token. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/** Clock skew allowed on `exp` / `nbf`, in seconds. */
export const BOT_TOKEN_SKEW_SECONDS = 300;

const METADATA_TTL_MS = 24 * 3600 * 1000;
/** A key id not in the set refetches the keys, but not more often than this. */
const KEYS_COOLDOWN_MS = 60_000;
const FETCH_TIMEOUT_MS = 5000;

export interface BotAuthOptions {
  /** This bot's app ID (the audience). */
  appId: string;
  /** The OpenID metadata document (`…/.well-known/openidconfiguration`). */
  openIdUrl: string;
  /** Wall clock in ms (tokens expire in real time, whatever `BEDROCK_COST_NOW` says). */
  nowMs?: () => number;
  /** HTTP client for the metadata and keys (tests count requests). */
  fetch?: BotFetch;
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
  /** jose's key picker over the cached keys (refetched when a token names an unknown key). */
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

/** Metadata and key sets, per metadata URL: shared by every request of a Lambda container. */
const keySources = new Map<string, Promise<KeySource>>();

/** Where Microsoft's metadata puts the keys: `keys` next to `openidconfiguration`. */
function likelyKeysUrl(openIdUrl: string): string | undefined {
  try {
    const url = new URL(openIdUrl);
    if (!/\/openidconfiguration$/i.test(url.pathname) || url.search) return undefined;
    url.pathname = url.pathname.replace(/openidconfiguration$/i, 'keys');
    return url.href;
  } catch {
    return undefined;
  }
}

async function getJson(doFetch: BotFetch, url: string, what: string): Promise<unknown> {
  let response: Awaited<ReturnType<BotFetch>>;
  try {
    response = await doFetch(url, { timeoutMs: FETCH_TIMEOUT_MS });
  } catch (error) {
    throw new BotAuthError(`${what}: unreachable`, { cause: error });
  }
  if (response.status !== 200) throw new BotAuthError(`${what}: HTTP ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new BotAuthError(`${what}: not JSON`, { cause: error });
  }
}

/** A key picker for a fetched key set (jose validates its shape). */
function keyPicker(jwks: unknown): JWTVerifyGetKey {
  try {
    return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  } catch (error) {
    throw new BotAuthError('signing keys: not a JSON Web Key Set', { cause: error });
  }
}

function loadKeySource(openIdUrl: string, clock: () => number, doFetch: BotFetch): Promise<KeySource> {
  const guess = likelyKeysUrl(openIdUrl);
  const early = guess ? getJson(doFetch, guess, 'signing keys') : undefined;
  // Not awaited when the metadata names another URL, or fails: no unhandled rejection.
  early?.catch(() => undefined);
  return (async (): Promise<KeySource> => {
    const metadata = (await getJson(doFetch, openIdUrl, 'OpenID metadata')) as { jwks_uri?: unknown } | null;
    const jwksUri = metadata?.jwks_uri;
    if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri))
      throw new BotAuthError('OpenID metadata: no jwks_uri');
    // Only keys from the metadata's own jwks_uri are ever used.
    const fetchKeys = () => getJson(doFetch, jwksUri, 'signing keys');
    let current = keyPicker(await (early && jwksUri === guess ? early.catch(fetchKeys) : fetchKeys()));
    let keysAt = clock();
    let refetching: Promise<void> | undefined;
    const getKey: JWTVerifyGetKey = async (header, token) => {
      try {
        return await current(header, token);
      } catch (error) {
        // A key rotated in since the set was fetched. The cooldown runs from the attempt:
        // forged tokens naming random keys make at most one request a minute, even while
        // the keys cannot be fetched.
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        if (!refetching) {
          if (clock() - keysAt < KEYS_COOLDOWN_MS) throw error;
          keysAt = clock();
          refetching = fetchKeys()
            .then((jwks) => {
              current = keyPicker(jwks);
            })
            .finally(() => {
              refetching = undefined;
            });
        }
        await refetching;
        return current(header, token);
      }
    };
    return { getKey, fetchedAt: keysAt };
  })();
}

async function keySourceFor(openIdUrl: string, clock: () => number, doFetch: BotFetch): Promise<KeySource> {
  const nowMs = clock();
  const cached = keySources.get(openIdUrl);
  if (cached) {
    const source = await cached.catch(() => undefined);
    if (source && nowMs - source.fetchedAt < METADATA_TTL_MS) return source;
    if (keySources.get(openIdUrl) === cached) keySources.delete(openIdUrl);
  }
  const loading = loadKeySource(openIdUrl, clock, doFetch);
  keySources.set(openIdUrl, loading);
  loading.catch(() => {
    if (keySources.get(openIdUrl) === loading) keySources.delete(openIdUrl);
  });
  return loading;
}

/**
 * Start fetching the metadata and keys if this container has none: called at the top of a
 * request, so they arrive while the rest of the request is set up. Never throws; a failure
 * is seen (and retried) by the next `verifyBotRequest`.
 */
export function warmBotKeys(openIdUrl: string, options: Pick<BotAuthOptions, 'nowMs' | 'fetch'> = {}): void {
  if (keySources.has(openIdUrl)) return;
  keySourceFor(openIdUrl, options.nowMs ?? Date.now, options.fetch ?? botFetch).catch(() => undefined);
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
  const source = await keySourceFor(options.openIdUrl, options.nowMs ?? Date.now, options.fetch ?? botFetch);
  let payload: BotClaims;
  try {
    ({ payload } = await jwtVerify<BotClaims>(match[1], source.getKey, {
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

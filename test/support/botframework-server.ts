/**
 * A local Bot Framework, at the wire, for the Teams bot's tests:
 *
 * - the OpenID metadata and JWKS the bot verifies tokens against
 *   (`/v1/.well-known/openidconfiguration`, `/v1/.well-known/keys`), with an RSA key made by
 *   `jose.generateKeyPair`; `sign()` makes the Bot Connector's tokens (and forged ones);
 * - the Entra ID token endpoint (`POST /token`, client credentials), which checks the
 *   app's ID and secret;
 * - the Bot Connector (`POST /v3/conversations/{id}/activities[/{replyToId}]`), which checks
 *   the token it issued and records every activity the bot sends.
 *
 * @example
 * const bf = await startBotFramework({ appId: APP_ID, appPassword: 'secret' });
 * const event = botRequest(bf.channelMessage('why last week'), await bf.sign());
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { HttpEvent } from '../../lib/chat/http.js';
import { httpEvent, TEST_EPOCH_SECONDS } from './signing.js';

/** One activity the bot sent to the Bot Connector. */
export interface ConnectorPost {
  conversationId: string;
  replyToId?: string;
  activity: {
    type: string;
    text?: string;
    summary?: string;
    attachments?: { contentType: string; content: Record<string, unknown> }[];
  };
}

export interface BotFramework {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** The serviceUrl activities carry (`http://127.0.0.1:PORT/`). */
  serviceUrl: string;
  /** The environment a bot under test needs. */
  env: Record<string, string>;
  appId: string;
  /** The bot's id in conversations (`28:<appId>`). */
  botId: string;
  posts: ConnectorPost[];
  /** How many times each endpoint was called. */
  counts: { openid: number; keys: number; token: number };
  /** A Bot Connector token: valid by default; override claims or sign with another key. */
  sign(options?: SignOptions): Promise<string>;
  /** Make the Bot Connector answer the next `n` posts with `status`. */
  failNext(status: number, n?: number): void;
  /** Wait until at least `n` activities were posted. */
  waitForPosts(n: number): Promise<ConnectorPost[]>;
  /** Texts of the posted activities (message text, else the card's first TextBlock). */
  texts(): string[];
  channelMessage(text: string, options?: ActivityOptions): TestActivity;
  close(): Promise<void>;
}

/** A message activity as the Bot Connector posts it. */
export type TestActivity = Record<string, unknown> & { id: string; conversation: { id: string } };

export interface SignOptions {
  claims?: JWTPayload & { serviceUrl?: string };
  /** Sign with a key the JWKS does not list (a forgery). */
  forged?: boolean;
  /** Seconds since the epoch the token is issued at (default the suite's now). */
  issuedAt?: number;
  expiresIn?: number;
}

export interface ActivityOptions {
  id?: string;
  conversationId?: string;
  conversationType?: 'channel' | 'groupChat' | 'personal';
  aadObjectId?: string;
  tenantId?: string;
  /** No @mention (personal chat). */
  noMention?: boolean;
}

export const TEST_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const TEST_CHANNEL = '19:finops0000000000000000000000000@thread.tacv2';
export const TEST_TEAM = '19:team00000000000000000000000000000@thread.tacv2';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBotFramework(
  options: { appId?: string; appPassword?: string } = {},
): Promise<BotFramework> {
  const appId = options.appId ?? '0a1b2c3d-0000-4000-8000-bedrockcost01';
  const appPassword = options.appPassword ?? 'test-app-password';
  const [real, forged] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256')]);
  const jwk = {
    ...(await exportJWK(real.publicKey)),
    kid: 'test-key-1',
    alg: 'RS256',
    use: 'sig',
    endorsements: ['msteams'],
  };
  const issued = new Set<string>();
  const posts: ConnectorPost[] = [];
  const counts = { openid: 0, keys: 0, token: 0 };
  const failures: number[] = [];
  const waiters: { n: number; done: () => void }[] = [];
  let seq = 0;
  let base = '';

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req);
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
      counts.openid++;
      return json(200, {
        issuer: 'https://api.botframework.com',
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${base}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/v1/.well-known/keys') {
      counts.keys++;
      return json(200, { keys: [jwk] });
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      counts.token++;
      const form = new URLSearchParams(body);
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== appId ||
        form.get('client_secret') !== appPassword ||
        form.get('scope') !== 'https://api.botframework.com/.default'
      ) {
        return json(401, { error: 'invalid_client' });
      }
      const token = `connector-token-${++seq}`;
      issued.add(token);
      return json(200, { token_type: 'Bearer', expires_in: 3599, access_token: token });
    }
    const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !issued.has(token)) return json(401, { error: { code: 'Unauthorized' } });
      const status = failures.shift();
      if (status) return json(status, { error: { code: 'Failure' } });
      const conversationId = decodeURIComponent(m[1] ?? '');
      const replyToId = m[2] ? decodeURIComponent(m[2]) : undefined;
      posts.push({ conversationId, ...(replyToId ? { replyToId } : {}), activity: JSON.parse(body) });
      for (const w of [...waiters]) if (posts.length >= w.n) w.done();
      return json(201, { id: `bot-activity-${posts.length}` });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const serviceUrl = `${base}/`;
  const botId = `28:${appId}`;

  const framework: BotFramework = {
    base,
    serviceUrl,
    appId,
    botId,
    posts,
    counts,
    env: {
      TEAMS_APP_ID: appId,
      TEAMS_APP_PASSWORD: appPassword,
      BOTFRAMEWORK_OPENID_URL: `${base}/v1/.well-known/openidconfiguration`,
      BOTFRAMEWORK_TOKEN_URL: `${base}/token`,
      BOTFRAMEWORK_SERVICE_HOSTS: `127.0.0.1:${port}`,
    },
    async sign(o = {}) {
      const iat = o.issuedAt ?? TEST_EPOCH_SECONDS;
      return new SignJWT({ iss: 'https://api.botframework.com', aud: appId, serviceUrl, ...o.claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'JWT' })
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + (o.expiresIn ?? 3600))
        .sign(o.forged ? forged.privateKey : real.privateKey);
    },
    failNext(status, n = 1) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    waitForPosts(n) {
      if (posts.length >= n) return Promise.resolve(posts);
      return new Promise((done) => waiters.push({ n, done: () => done(posts) }));
    },
    texts() {
      return posts.map((p) => {
        const card = p.activity.attachments?.[0]?.content as { body?: { text?: string }[] } | undefined;
        return p.activity.text ?? card?.body?.[0]?.text ?? '';
      });
    },
    channelMessage(text, a = {}) {
      const type = a.conversationType ?? 'channel';
      const id = a.id ?? `17634456000${String(++seq).padStart(2, '0')}`;
      const tenantId = a.tenantId ?? TEST_TENANT;
      const conversationId =
        a.conversationId ??
        (type === 'channel'
          ? `${TEST_CHANNEL};messageid=${id}`
          : type === 'groupChat'
            ? '19:group0000@thread.v2'
            : 'a:1personalchat000');
      const mention = !a.noMention && type !== 'personal';
      return {
        type: 'message',
        id,
        timestamp: '2026-11-18T06:00:00.000Z',
        serviceUrl,
        channelId: 'msteams',
        from: {
          id: '29:1aBcDeFgHiJkLmNoPq',
          name: 'Alice Example',
          aadObjectId: a.aadObjectId ?? '6f1c2b7e-1d9a-4f0b-9a57-2f1c0e7b3d11',
        },
        conversation: {
          id: conversationId,
          conversationType: type,
          tenantId,
          ...(type === 'personal' ? {} : { isGroup: true }),
        },
        recipient: { id: botId, name: 'bedrock-cost' },
        textFormat: 'plain',
        text: mention ? `<at>bedrock-cost</at> ${text}` : text,
        entities: mention
          ? [
              {
                type: 'mention',
                mentioned: { id: botId, name: 'bedrock-cost' },
                text: '<at>bedrock-cost</at>',
              },
            ]
          : [],
        channelData:
          type === 'channel'
            ? {
                teamsChannelId: TEST_CHANNEL,
                teamsTeamId: TEST_TEAM,
                channel: { id: TEST_CHANNEL },
                team: { id: TEST_TEAM },
                tenant: { id: tenantId },
              }
            : { tenant: { id: tenantId } },
      };
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
  return framework;
}

/** A Bot Connector request to `POST /teams/bot`, as API Gateway hands it to the Lambda. */
export function botRequest(activity: object | string, token: string | undefined): HttpEvent {
  const body = typeof activity === 'string' ? activity : JSON.stringify(activity);
  return httpEvent({
    path: '/teams/bot',
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
}

/**
 * The Bot Connector token check at the wire, against a local OpenID metadata / JWKS server
 * whose documents each test shapes: the keys fetched early from the usual URL are used only
 * when the metadata names that URL; a rotated key is fetched once, and unknown key ids do
 * not make the bot fetch again within a minute; the bot's HTTP client follows no redirect.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { botFetch } from '../../lib/aws/http-client.js';
import {
  BOT_FRAMEWORK_ISSUER,
  BotAuthError,
  clearBotKeyCache,
  verifyBotRequest,
} from '../../lib/chat/teams-bot/auth.js';

const APP_ID = '0a1b2c3d-0000-4000-8000-bedrockcost02';
const NOW = Date.parse('2026-11-18T06:00:00Z');
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

interface MetadataServer {
  base: string;
  openIdUrl: string;
  /** Requests per path. */
  hits: Record<string, number>;
  /** What each path answers (JSON), settable per test. */
  routes: Map<string, () => Answer | Promise<Answer>>;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  clearBotKeyCache();
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function metadataServer(): Promise<MetadataServer> {
  const hits: Record<string, number> = {};
  const routes: MetadataServer['routes'] = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    const route = routes.get(path);
    if (!route) return res.writeHead(404).end();
    void Promise.resolve(route()).then(({ status, body, headers }) =>
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body ?? {})),
    );
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    openIdUrl: `${base}/v1/.well-known/openidconfiguration`,
    hits,
    routes,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

async function publicJwk(pair: KeyPair, kid: string) {
  return { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
}

function token(pair: KeyPair, kid: string): Promise<string> {
  const iat = Math.floor(NOW / 1000);
  return new SignJWT({ iss: BOT_FRAMEWORK_ISSUER, aud: APP_ID, serviceUrl: SERVICE_URL })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + 3600)
    .sign(pair.privateKey);
}

const verify = (jwt: string, openIdUrl: string, nowMs: () => number = () => NOW) =>
  verifyBotRequest(`Bearer ${jwt}`, SERVICE_URL, { appId: APP_ID, openIdUrl, nowMs });

describe('Bot Connector token check: where the keys come from', () => {
  it('uses only the keys at the metadata’s jwks_uri, not those at the usual URL', async () => {
    const [genuine, other] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256')]);
    const md = await metadataServer();
    md.routes.set('/v1/.well-known/openidconfiguration', () => ({
      status: 200,
      body: { issuer: BOT_FRAMEWORK_ISSUER, jwks_uri: `${md.base}/v2/signing-keys` },
    }));
    // The URL the bot requests early lists another key under the same key id.
    const otherJwk = await publicJwk(other, 'k1');
    md.routes.set('/v1/.well-known/keys', () => ({ status: 200, body: { keys: [otherJwk] } }));
    const genuineJwk = await publicJwk(genuine, 'k1');
    md.routes.set('/v2/signing-keys', () => ({ status: 200, body: { keys: [genuineJwk] } }));

    await expect(verify(await token(other, 'k1'), md.openIdUrl)).rejects.toBeInstanceOf(BotAuthError);
    await expect(verify(await token(genuine, 'k1'), md.openIdUrl)).resolves.toMatchObject({
      aud: APP_ID,
      serviceUrl: SERVICE_URL,
    });
    expect(md.hits['/v2/signing-keys']).toBe(1);
    expect(md.hits['/v1/.well-known/openidconfiguration']).toBe(1);
  });

  it('asks for the metadata and the keys at once when the keys are at the usual URL', async () => {
    const pair = await generateKeyPair('RS256');
    const md = await metadataServer();
    const jwk = await publicJwk(pair, 'k1');
    // The metadata is answered only once the keys were asked for too (or after 2 s, then
    // noted): with one request after the other, the keys request would come after it.
    let keysAsked: () => void = () => {};
    const keysRequested = new Promise<void>((done) => {
      keysAsked = done;
    });
    const order: string[] = [];
    md.routes.set('/v1/.well-known/openidconfiguration', async () => {
      const waited = await Promise.race([
        keysRequested.then(() => 'keys asked meanwhile'),
        new Promise<string>((done) => setTimeout(() => done('keys not asked'), 2000)),
      ]);
      order.push(`metadata answered, ${waited}`);
      return {
        status: 200,
        body: { issuer: BOT_FRAMEWORK_ISSUER, jwks_uri: `${md.base}/v1/.well-known/keys` },
      };
    });
    md.routes.set('/v1/.well-known/keys', () => {
      keysAsked();
      order.push('keys asked');
      return { status: 200, body: { keys: [jwk] } };
    });
    await expect(verify(await token(pair, 'k1'), md.openIdUrl)).resolves.toMatchObject({ aud: APP_ID });
    expect(order).toEqual(['keys asked', 'metadata answered, keys asked meanwhile']);
    expect(md.hits).toEqual({ '/v1/.well-known/openidconfiguration': 1, '/v1/.well-known/keys': 1 });
  });

  it('refuses every token when the metadata names no jwks_uri, whatever the usual URL lists', async () => {
    const pair = await generateKeyPair('RS256');
    const md = await metadataServer();
    const jwk = await publicJwk(pair, 'k1');
    md.routes.set('/v1/.well-known/openidconfiguration', () => ({ status: 200, body: { issuer: 'x' } }));
    md.routes.set('/v1/.well-known/keys', () => ({ status: 200, body: { keys: [jwk] } }));
    await expect(verify(await token(pair, 'k1'), md.openIdUrl)).rejects.toThrow(/no jwks_uri/);
  });
});

describe('Bot Connector token check: key rotation', () => {
  it('fetches the keys again for a new key id, then not again within a minute', async () => {
    const [first, second, unknown] = await Promise.all([
      generateKeyPair('RS256'),
      generateKeyPair('RS256'),
      generateKeyPair('RS256'),
    ]);
    const md = await metadataServer();
    const jwks = { keys: [await publicJwk(first, 'k1')] };
    md.routes.set('/v1/.well-known/openidconfiguration', () => ({
      status: 200,
      body: { issuer: BOT_FRAMEWORK_ISSUER, jwks_uri: `${md.base}/v1/.well-known/keys` },
    }));
    md.routes.set('/v1/.well-known/keys', () => ({ status: 200, body: jwks }));
    let now = NOW;
    const clock = () => now;

    await verify(await token(first, 'k1'), md.openIdUrl, clock);
    expect(md.hits['/v1/.well-known/keys']).toBe(1);
    // Microsoft rotates: a second key is listed; tokens signed with it arrive 2 minutes later.
    jwks.keys.push(await publicJwk(second, 'k2'));
    now += 2 * 60_000;
    await expect(verify(await token(second, 'k2'), md.openIdUrl, clock)).resolves.toMatchObject({
      aud: APP_ID,
    });
    expect(md.hits['/v1/.well-known/keys']).toBe(2);
    // Forged tokens naming keys nobody lists: refused, and no request for a minute.
    for (let i = 0; i < 5; i++) {
      now += 5_000;
      await expect(verify(await token(unknown, `forged-${i}`), md.openIdUrl, clock)).rejects.toBeInstanceOf(
        BotAuthError,
      );
    }
    expect(md.hits['/v1/.well-known/keys']).toBe(2);
    expect(md.hits['/v1/.well-known/openidconfiguration']).toBe(1);
  });
});

describe('the Teams bot HTTP client', () => {
  it('does not follow a redirect', async () => {
    const md = await metadataServer();
    const target = await metadataServer();
    target.routes.set('/inside', () => ({ status: 200, body: { secret: true } }));
    md.routes.set('/moved', () => ({ status: 307, headers: { location: `${target.base}/inside` } }));
    const response = await botFetch(`${md.base}/moved`);
    expect(response.status).toBe(307);
    expect(response.ok).toBe(false);
    expect(response.headers.get('location')).toBe(`${target.base}/inside`);
    expect(target.hits).toEqual({});
  });

  it('sends a request again, once, when the server had closed the kept-alive connection', async () => {
    // A server that drops a connection when a second request arrives on it, as a front end
    // does with a connection it has timed out (a Lambda container thawed after minutes).
    let answered = 0;
    const perSocket = new WeakMap<object, number>();
    const server = createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n > 1) return req.socket.destroy();
      req.resume();
      answered++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n: answered }));
    });
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await (await botFetch(url)).json()).toEqual({ n: 1 });
    expect(await (await botFetch(url, { method: 'POST', body: '{}' })).json()).toEqual({ n: 2 });
    expect(answered).toBe(2);
  });

  it('refuses an answer over 1 MB', async () => {
    const md = await metadataServer();
    md.routes.set('/huge', () => ({ status: 200, body: { pad: 'x'.repeat(1_100_000) } }));
    await expect(botFetch(`${md.base}/huge`)).rejects.toThrow(/larger than/);
  });
});

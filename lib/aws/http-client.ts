/**
 * The HTTP client of the requests a front door makes on its cold start: the Teams bot's to
 * Microsoft (OpenID metadata, signing keys, the Entra ID token, the Bot Connector) and the
 * hand-signed AWS calls of `aws-lite.ts` (the secrets from SSM, the worker's invocation),
 * over `node:http(s)` with keep-alive agents, behind the small part of the `fetch`
 * interface they use.
 *
 * Why not Node's `fetch`: it is undici, loaded on first use, and on a cold start it is the
 * largest single cost of answering. Measured on Node 20 (bench `--only bundles`, local
 * servers, 2 loaded cores): the first `fetch` (or even `new Headers()`) costs 22-54 ms of
 * loading and each of the next few requests 8-15 ms while undici is still cold, against
 * 4-5 ms to load `node:http(s)` and 1-2 ms per request; with it the bot's cold start to an
 * answered `help` was 5.4x an empty Node process (see `bench/teams-bot-cold-start.ts` for
 * the figure with this client).
 *
 * Like the `fetch` it replaces here: redirects are not followed (a 3xx is returned as is),
 * TLS certificates are verified, a request is aborted by its `signal` or after `timeoutMs`.
 * Unlike it: bodies over 1 MB are refused (nothing the bot reads is near that), and a
 * request that finds its kept-alive connection closed by the server (a Lambda container
 * thawed after minutes) is sent again once on a fresh connection — only when no byte of an
 * answer arrived, as Node's documentation recommends for `reusedSocket`.
 */
import type { Agent, IncomingMessage, RequestOptions } from 'node:http';

/** The part of a `fetch` `Response` the bot reads. */
export interface BotResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** The part of `fetch` the bot uses; `fetch` itself fits (tests pass a counting wrapper). */
export type BotFetch = (
  url: string,
  init?: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Give up after this long (the bot's callers use this rather than a signal: cheaper). */
    timeoutMs?: number;
    signal?: AbortSignal;
  },
) => Promise<BotResponse>;

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

type Transport = {
  request: (
    url: URL,
    options: RequestOptions,
    callback: (response: IncomingMessage) => void,
  ) => ReturnType<typeof import('node:http').request>;
  agent: Agent;
};
const transports = new Map<string, Promise<Transport>>();

/**
 * `node:http` or `node:https` and its keep-alive agent, loaded when first needed (TLS is
 * not loaded for a plain-http local server). Idle connections are closed after 30 s here;
 * Microsoft's front ends close theirs sooner or later, which the one retry on a reused
 * socket covers.
 */
function transportFor(protocol: string): Promise<Transport> {
  let transport = transports.get(protocol);
  if (!transport) {
    transport = (protocol === 'https:' ? import('node:https') : import('node:http')).then((m) => ({
      request: m.request,
      agent: new m.Agent({ keepAlive: true, maxSockets: 16, timeout: 30_000 }),
    }));
    transports.set(protocol, transport);
  }
  return transport;
}

function once(
  transport: Transport,
  url: URL,
  init: Parameters<BotFetch>[1] & {},
): Promise<{ response: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
    const req = transport.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...init.headers,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
        agent: transport.agent,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            response.destroy();
            reject(new Error(`response from ${url.host} larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ response, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    // The whole exchange, not only an idle socket, is bounded.
    const timer = setTimeout(
      () => req.destroy(new Error(`request to ${url.host} timed out`)),
      init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    timer.unref();
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server had closed: nothing was received, send again.
      if (req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        reject(Object.assign(error, { retryOnFreshSocket: true }));
      } else reject(error);
    });
    req.end(body);
  });
}

/**
 * `fetch`, for the bot's requests to Microsoft.
 *
 * @example
 * const response = await botFetch(url, { method: 'POST', headers, body, timeoutMs: 10_000 });
 * if (response.ok) return response.json();
 */
export const botFetch: BotFetch = async (href, init = {}) => {
  const url = new URL(href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`not an http(s) URL: ${href}`);
  const transport = await transportFor(url.protocol);
  let result: { response: IncomingMessage; body: Buffer };
  try {
    result = await once(transport, url, init);
  } catch (error) {
    if (!(error as { retryOnFreshSocket?: boolean }).retryOnFreshSocket) throw error;
    result = await once(transport, url, init);
  }
  const { response, body } = result;
  const status = response.statusCode ?? 0;
  const text = body.toString('utf8');
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: {
      get(name: string) {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
  };
};

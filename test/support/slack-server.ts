/**
 * Local chat platforms for tests:
 * - `startSlackServer()`: the Slack Web API (`SLACK_API_URL` = `server.apiUrl`), the file upload
 *   URL it hands out, and `response_url` endpoints; every call is recorded with its arguments.
 * - `startWebhookServer()`: a generic webhook receiver, e.g. a Teams Workflows
 *   ("When a Teams webhook request is received") URL.
 * Both can be told to fail the next calls (429 with Retry-After, 5xx, 413, Slack `ok:false`).
 *
 * @example
 * const slack = await startSlackServer({ token: 'xoxb-test' });
 * const deps = testDeps({ store, env: { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: 'xoxb-test' } });
 * slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
 * ...
 * expect(slack.callsTo('chat.postMessage')[0]?.args.channel).toBe('C0FINOPS01');
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure to inject. `error` answers HTTP 200 `{ ok: false, error }` (Slack API style). */
export type ChatFailure = (
  | { status: 429; retryAfter?: number; body?: string }
  | { status: number; body?: string; headers?: Record<string, string> }
  | { error: string; retryAfter?: never; status?: never }
) & {
  /**
   * Answer only after this many ms (the request is already recorded as received): a
   * platform that took the message and answers slowly, e.g. `{ status: 500, delayMs: 200 }`.
   */
  delayMs?: number;
};

/** One Web API call. */
export interface SlackCall {
  /** e.g. `chat.postMessage`. */
  method: string;
  /** Arguments, from a form or JSON body; JSON-valued form fields (`blocks`, `files`) are parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: Slack arguments are free-form
  args: Record<string, any>;
  /** Bearer token (or the `token` argument). */
  token?: string;
  headers: Record<string, string>;
  /** Whether the call failed (injected failure, bad token, unknown method). */
  failed: boolean;
}

/** Bytes posted to an upload URL from `files.getUploadURLExternal`. */
export interface SlackUpload {
  fileId: string;
  filename?: string;
  /** The file's bytes (taken out of the multipart body when the client sent one). */
  bytes: Buffer;
  /** Content type of the request (e.g. `multipart/form-data; boundary=...`). */
  contentType?: string;
}

/** A post to a `response_url`. */
export interface ResponseUrlPost {
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: Slack message payload
  body: any;
  headers: Record<string, string>;
  failed: boolean;
}

/** Build a response for a method yourself (e.g. `conversations.info`). */
export type SlackMethodHandler = (
  // biome-ignore lint/suspicious/noExplicitAny: Slack arguments are free-form
  args: Record<string, any>,
  call: SlackCall,
) => Record<string, unknown>;

export interface SlackServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `http://127.0.0.1:<port>/api`: set as `SLACK_API_URL` (the WebClient wants it with a trailing `/`). */
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  uploads: SlackUpload[];
  responses: ResponseUrlPost[];
  /** A `response_url` served here: `<url>/response/<id>` (default id: a fresh one). */
  responseUrl(id?: string): string;
  responsesTo(id: string): ResponseUrlPost[];
  /**
   * Fail the next `times` (default 1) calls to `method`. Use `'response'` for response_url posts
   * and `'upload'` for upload URL posts.
   */
  failNext(method: string, failure: ChatFailure, times?: number): void;
  /** Answer a method with a custom handler (its result is sent as `{ ok: true, ...result }`). */
  on(method: string, handler: SlackMethodHandler): void;
  close(): Promise<void>;
}

export interface SlackServerOptions {
  /** When set, calls with another token answer `invalid_auth` (and none: `not_authed`). */
  token?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** When set, posting to another channel answers `channel_not_found`. */
  channels?: string[];
  /**
   * The workspace's people and channels: `conversations.list` pages through `channels`
   * (`limit`, `cursor`; archived ones only without `exclude_archived`), `users.lookupByEmail`
   * finds `users` by email (`users_not_found` otherwise).
   */
  directory?: {
    channels?: { id: string; name: string; is_private?: boolean; is_archived?: boolean }[];
    users?: { id: string; email: string; name?: string }[];
  };
  /** Channel members for `conversations.members` (paged by `limit` and `cursor`, as Slack does). */
  members?: Record<string, string[]>;
}

interface Failures {
  take(key: string): ChatFailure | undefined;
  add(key: string, failure: ChatFailure, times: number): void;
}

function failureQueue(): Failures {
  const queue = new Map<string, ChatFailure[]>();
  return {
    take: (key) => queue.get(key)?.shift(),
    add: (key, failure, times) => {
      const list = queue.get(key) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      queue.set(key, list);
    },
  };
}

/** Write an injected failure; true when one was written. */
function writeFailure(res: ServerResponse, failure: ChatFailure | undefined): boolean {
  if (!failure) return false;
  if (failure.delayMs) {
    const now = { ...failure, delayMs: 0 };
    // The client may have given up meanwhile: answering a closed socket is harmless.
    setTimeout(() => {
      if (!res.destroyed) writeFailure(res, now);
    }, failure.delayMs);
    return true;
  }
  if ('error' in failure && failure.error !== undefined) {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: false, error: failure.error }));
    return true;
  }
  const f = failure as {
    status: number;
    retryAfter?: number;
    body?: string;
    headers?: Record<string, string>;
  };
  const headers: Record<string, string> = { 'content-type': 'text/plain', ...f.headers };
  if (f.status === 429) headers['retry-after'] = String(f.retryAfter ?? 1);
  res.writeHead(f.status, headers).end(f.body ?? (f.status === 429 ? 'ratelimited' : `error ${f.status}`));
  return true;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** The first file part of a multipart/form-data body (what the WebClient posts), else the whole body. */
function fileBytes(raw: Buffer, contentType: string | undefined): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!contentType?.startsWith('multipart/') || !marker) return raw;
  const delimiter = Buffer.from(`--${marker}`);
  let at = raw.indexOf(delimiter);
  while (at !== -1) {
    const next = raw.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = raw.subarray(at + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const head = part.subarray(0, headerEnd).toString('latin1');
      // part = CRLF headers CRLF CRLF body CRLF
      if (/filename=/i.test(head) || !/name=/i.test(head))
        return part.subarray(headerEnd + 4, part.length - 2);
    }
    at = next;
  }
  return raw;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** Form fields holding JSON (`blocks=[...]`) are parsed so tests can assert on structure. */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes('json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const looksJson = /^\s*[[{]/.test(value);
    if (looksJson) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // not JSON after all: keep the text
      }
    }
    args[key] = value;
  }
  return args;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
}

/**
 * Start a local Slack Web API. Defaults answer like Slack: `chat.postMessage` returns increasing
 * `ts` values (`1763445600.000100`, ...), `auth.test` the bot identity, the external upload flow
 * works end to end. Unknown methods answer `{ ok: false, error: 'unknown_method' }`.
 */
export async function startSlackServer(options: SlackServerOptions = {}): Promise<SlackServer> {
  const teamId = options.teamId ?? 'T0TEST0001';
  const botUserId = options.botUserId ?? 'U0BOT00001';
  const botId = options.botId ?? 'B0BEDROCK1';
  const calls: SlackCall[] = [];
  const uploads: SlackUpload[] = [];
  const responses: ResponseUrlPost[] = [];
  const failures = failureQueue();
  const custom = new Map<string, SlackMethodHandler>();
  const pendingUploads = new Map<string, string | undefined>();
  let seq = 0;
  let files = 0;
  let responseIds = 0;
  let base = '';
  const nextTs = () => {
    seq++;
    return `1763445600.${String(seq * 100).padStart(6, '0')}`;
  };

  const builtIn: Record<string, SlackMethodHandler> = {
    'conversations.members': (args) => {
      const all = options.members?.[String(args.channel)];
      if (!all) return { members: [], response_metadata: { next_cursor: '' } };
      const start = Number(args.cursor || 0);
      const limit = Math.max(1, Number(args.limit || 100));
      const next = start + limit < all.length ? String(start + limit) : '';
      return { members: all.slice(start, start + limit), response_metadata: { next_cursor: next } };
    },
    'auth.test': () => ({
      url: 'https://acme.slack.com/',
      team: 'Acme',
      user: 'bedrock-cost',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => {
      const ts = nextTs();
      return {
        channel: args.channel,
        ts,
        message: {
          type: 'message',
          user: botUserId,
          bot_id: botId,
          text: args.text,
          blocks: args.blocks,
          ts,
        },
      };
    },
    'chat.postEphemeral': () => ({ message_ts: nextTs() }),
    'conversations.list': (args) => {
      const all = (options.directory?.channels ?? []).filter(
        (c) => !(c.is_archived && String(args.exclude_archived) === 'true'),
      );
      const start = Number(args.cursor ? Buffer.from(String(args.cursor), 'base64').toString() : 0);
      const limit = Math.min(Number(args.limit ?? 100) || 100, 1000);
      const page = all.slice(start, start + limit);
      const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64') : '';
      return {
        channels: page.map((c) => ({ is_channel: true, is_archived: false, is_private: false, ...c })),
        response_metadata: { next_cursor: next },
      };
    },
    'users.lookupByEmail': (args) => {
      const user = options.directory?.users?.find(
        (u) => u.email.toLowerCase() === String(args.email ?? '').toLowerCase(),
      );
      return user
        ? {
            user: {
              id: user.id,
              name: user.name ?? user.email.split('@')[0],
              profile: { email: user.email },
            },
          }
        : { ok: false, error: 'users_not_found' };
    },
    // The App Home tab: recorded like every call; the answer echoes the view as Slack does.
    'views.publish': (args) => {
      if (typeof args.user_id !== 'string' || !args.view || typeof args.view !== 'object')
        return { ok: false, error: 'invalid_arguments' }; // (`call.failed` stays false, as for lookups)
      return { view: { id: `V0HOME${String(args.user_id).slice(-4)}`, ...args.view } };
    },
    'chat.update': (args) => ({ channel: args.channel, ts: args.ts, text: args.text }),
    'files.getUploadURLExternal': (args) => {
      files++;
      const fileId = `F0TEST${String(files).padStart(4, '0')}`;
      pendingUploads.set(fileId, args.filename);
      return { upload_url: `${base}/upload/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (args) => {
      const list = (Array.isArray(args.files) ? args.files : []) as { id: string; title?: string }[];
      return {
        files: list.map((f) => ({
          id: f.id,
          title: f.title ?? pendingUploads.get(f.id),
          name: pendingUploads.get(f.id),
          permalink: `https://acme.slack.com/files/${botUserId}/${f.id}`,
        })),
      };
    },
  };
  const channelMethods = new Set(['chat.postMessage', 'chat.postEphemeral', 'chat.update']);

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const headers = headersOf(req);
        const contentType = headers['content-type'] ?? '';
        const text = raw.toString('utf8');

        const response = /^\/response\/([^/]+)$/.exec(url.pathname);
        if (response) {
          const failure = failures.take('response');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep raw text
          }
          responses.push({ id: response[1]!, body, headers, failed: Boolean(failure) });
          if (!writeFailure(res, failure)) {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          }
          return;
        }

        const upload = /^\/upload\/([^/]+)$/.exec(url.pathname);
        if (upload) {
          const failure = failures.take('upload');
          if (writeFailure(res, failure)) return;
          const fileId = upload[1]!;
          uploads.push({
            fileId,
            filename: pendingUploads.get(fileId),
            bytes: fileBytes(raw, headers['content-type']),
            contentType: headers['content-type'],
          });
          res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
          return;
        }

        const api = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
        if (!api) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        const method = api[1]!;
        const args = { ...Object.fromEntries(url.searchParams), ...parseArgs(text, contentType) };
        const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
        const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
        const call: SlackCall = { method, args, token, headers, failed: false };
        calls.push(call);
        const reply = (status: number, body: Record<string, unknown>) =>
          res
            .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
            .end(JSON.stringify(body));
        const refuse = (error: string) => {
          call.failed = true;
          reply(200, { ok: false, error });
        };

        const failure = failures.take(method);
        if (failure) {
          call.failed = true;
          writeFailure(res, failure);
          return;
        }
        if (options.token && !token) return refuse('not_authed');
        if (options.token && token !== options.token) return refuse('invalid_auth');
        const channel = args.channel ?? args.channel_id;
        if (
          options.channels &&
          (channelMethods.has(method) || method === 'files.completeUploadExternal') &&
          channel !== undefined &&
          !options.channels.includes(String(channel))
        ) {
          return refuse('channel_not_found');
        }
        const handler = custom.get(method) ?? builtIn[method];
        if (!handler) return refuse('unknown_method');
        reply(200, { ok: true, ...handler(args, call) });
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
  });
  base = await listen(server);

  return {
    url: base,
    apiUrl: `${base}/api`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    uploads,
    responses,
    responseUrl: (id) => {
      responseIds++;
      return `${base}/response/${id ?? `r${responseIds}`}`;
    },
    responsesTo: (id) => responses.filter((r) => r.id === id),
    failNext: (method, failure, times = 1) => failures.add(method, failure, times),
    on: (method, handler) => {
      custom.set(method, handler);
    },
    close: closer(server),
  };
}

/** One post a webhook server received. */
export interface WebhookPost {
  path: string;
  /** Parsed JSON, or the raw text when not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: webhook payloads are free-form
  body: any;
  raw: string;
  headers: Record<string, string>;
  failed: boolean;
}

export interface WebhookServer {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** A webhook URL on this server (`<base>/webhook/<name>`, default name `default`). */
  url(name?: string): string;
  posts: WebhookPost[];
  /** Posts to one webhook name (or full URL). */
  postsTo(nameOrUrl: string): WebhookPost[];
  /**
   * Fail the next `times` (default 1) posts, to one webhook name or to any (`'*'`, default),
   * e.g. `{ status: 413, body: 'Request Entity Too Large' }` or `{ status: 502 }`.
   */
  failNext(failure: ChatFailure, times?: number, name?: string): void;
  close(): Promise<void>;
}

/**
 * A webhook receiver answering like a Teams Workflows trigger: `202 Accepted`, empty body.
 */
export async function startWebhookServer(): Promise<WebhookServer> {
  const posts: WebhookPost[] = [];
  const failures = failureQueue();
  const server = createServer((req, res) => {
    readBody(req)
      .then((bytes) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const raw = bytes.toString('utf8');
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // not JSON: keep the text
        }
        const name = url.pathname.replace(/^\/webhook\//, '');
        const failure = failures.take(name) ?? failures.take('*');
        posts.push({ path: url.pathname, body, raw, headers: headersOf(req), failed: Boolean(failure) });
        if (!writeFailure(res, failure)) res.writeHead(202).end();
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
  });
  const base = await listen(server);
  const pathOf = (nameOrUrl: string) =>
    nameOrUrl.startsWith('http') ? new URL(nameOrUrl).pathname : `/webhook/${nameOrUrl}`;
  return {
    base,
    url: (name = 'default') => `${base}/webhook/${name}`,
    posts,
    postsTo: (nameOrUrl) => posts.filter((p) => p.path === pathOf(nameOrUrl)),
    failNext: (failure, times = 1, name = '*') => failures.add(name, failure, times),
    close: closer(server),
  };
}

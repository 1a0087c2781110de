/**
 * `bedrock-cost serve`: the Lambda handlers on localhost, plus an interactive prompt.
 * Each HTTP request becomes the same API Gateway HTTP API (payload 2.0) event Lambda
 * receives, so what works here works deployed.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { HttpEvent, HttpHandler } from '../chat/http.js';
import { renderText } from '../chat/text.js';
import type { Deps } from '../context.js';
import { UserError, userMessage } from '../errors.js';
import type { Reply } from '../reply/reply.js';
import { type CliIo, renderReply } from './render.js';

/** Turn a Node request and its raw body into an API Gateway HTTP API v2 event. */
export function toHttpEvent(req: IncomingMessage, body: Buffer): HttpEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${req.method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${now}`,
      routeKey: `${req.method} ${url.pathname}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: body.toString('utf8'),
    isBase64Encoded: false,
  };
}

export interface Routes {
  [path: string]: HttpHandler;
}

/** Start an HTTP server routing POSTs to handlers; resolves once listening. */
export async function startHttpServer(routes: Routes, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const handler = routes[path];
      if (!handler || req.method !== 'POST') {
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('Not found. POST to /slack/events or /teams/messages.');
        return;
      }
      try {
        const result = await handler(toHttpEvent(req, Buffer.concat(chunks)));
        const body =
          result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? '');
        res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>).end(body);
      } catch {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error');
      }
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        fail(
          new UserError('port_in_use', `Port ${port} is already in use.`, {
            suggestion: `Try --port ${port + 1}.`,
          }),
        );
      } else fail(error);
    });
    server.listen(port, host, () => ok());
  });
  return server;
}

export interface ServeOptions {
  port: number;
  format: 'text' | 'markdown' | 'slack' | 'teams';
  io: CliIo;
  /**
   * Signing secrets `cli.ts` generated for `serve --demo` (none were set): the banner then
   * prints them inside ready-to-run signed `curl` commands.
   */
  generatedSecrets?: boolean;
  /** Resolve instead of waiting for SIGINT (tests). */
  signal?: AbortSignal;
  input?: NodeJS.ReadableStream;
}

/**
 * Draw the answer's charts (a `why` bridge, a `spend` daily chart) and save them as PNGs
 * under the data folder, so a terminal shows where to open them. Failures are logged and
 * skipped: the text answer is complete without them.
 */
export async function saveCharts(reply: Reply, deps: Deps): Promise<string[]> {
  if (!reply.blocks.some((b) => b.kind === 'image' && b.chart)) return [];
  try {
    const { drawCharts } = await import('../chat/charts.js');
    const drawn = await drawCharts(reply, {}, deps.log);
    const dir = resolve(deps.config.BEDROCK_COST_DATA_DIR, 'charts');
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const block of drawn.blocks) {
      if (block.kind !== 'image' || !block.png) continue;
      const name = block.alt
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 80);
      const path = join(dir, `${name || 'chart'}.png`);
      await writeFile(path, block.png);
      paths.push(path);
    }
    return paths;
  } catch (error) {
    deps.log.warn('charts not saved', error);
    return [];
  }
}

/** Flatten a Block Kit message to lines for the console (what `/slack/response` received). */
function slackMessageText(message: { text?: string; blocks?: unknown[] }): string {
  const lines: string[] = [];
  const textOf = (t: unknown): string | undefined =>
    t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string'
      ? (t as { text: string }).text
      : undefined;
  for (const block of message.blocks ?? []) {
    const b = block as {
      type?: string;
      text?: unknown;
      fields?: unknown[];
      elements?: unknown[];
      alt_text?: string;
    };
    const text = textOf(b.text);
    if (text) lines.push(text);
    for (const field of b.fields ?? []) lines.push(textOf(field) ?? '');
    if (b.type === 'context') lines.push((b.elements ?? []).map((e) => textOf(e) ?? '').join(' '));
    if (b.type === 'actions')
      lines.push(
        (b.elements ?? []).map((e) => `[${textOf((e as { text?: unknown }).text) ?? ''}]`).join('  '),
      );
    if (b.type === 'image') lines.push(`[chart: ${b.alt_text ?? 'image'}]`);
  }
  return (lines.length ? lines.join('\n') : (message.text ?? '')).trim();
}

/**
 * `POST /slack/response`: a stand-in for Slack's `response_url`, so a slow command sent with
 * the printed `curl` shows its answer in this console, as Slack would show it in the channel.
 */
export function createLocalResponseHandler(io: CliIo): HttpHandler {
  return async (event) => {
    try {
      const message = JSON.parse(event.body ?? '{}') as { text?: string; blocks?: unknown[] };
      io.out(`\n[Slack response_url] ${slackMessageText(message)}\n`);
      return { statusCode: 200, body: 'ok' };
    } catch {
      return { statusCode: 400, body: 'invalid_payload' };
    }
  };
}

/**
 * Ready-to-run shell commands that send a signed request to the local endpoints: the Slack
 * v0 signature over `v0:<timestamp>:<body>` (timestamp taken when the command runs, so it
 * never goes stale) and the Teams outgoing-webhook HMAC of the body, both with `openssl`.
 */
export function signedCurlExamples(options: {
  port: number;
  slackSecret: string;
  teamsSecret: string;
  /** Print the secrets themselves (generated for the demo) or refer to the variables. */
  showSecrets: boolean;
}): string {
  const base = `http://localhost:${options.port}`;
  const slackBody = new URLSearchParams({
    command: '/bedrock-cost',
    text: 'why last week',
    user_id: 'U0NEWCOMER',
    user_name: 'newcomer',
    channel_id: 'C0LOCAL001',
    team_id: 'T0LOCAL001',
    response_url: `${base}/slack/response`,
    trigger_id: 'local',
  }).toString();
  const teamsKeyHex = Buffer.from(options.teamsSecret, 'base64').toString('hex');
  const slackSecret = options.showSecrets ? `'${options.slackSecret}'` : '"$SLACK_SIGNING_SECRET"';
  const teamsKey = options.showSecrets
    ? teamsKeyHex
    : '$(printf %s "$TEAMS_WEBHOOK_SECRET" | base64 -d | od -An -tx1 | tr -d \' \\n\')';
  const teamsBody =
    '{"type":"message","id":"\'"$(date +%s%N)"\'","timestamp":"\'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"\'","text":"<at>bedrock-cost</at> spend mtd by model","from":{"id":"29:newcomer","name":"Newcomer","aadObjectId":"00000000-0000-4000-8000-000000000001"}}';
  return [
    '# Slack slash command, signed (the answer comes back on /slack/response, shown here):',
    `body='${slackBody}'; ts=$(date +%s); sig=$(printf 'v0:%s:%s' "$ts" "$body" | openssl dgst -sha256 -hmac ${slackSecret} -r | cut -d' ' -f1); curl -s ${base}/slack/events -H "x-slack-request-timestamp: $ts" -H "x-slack-signature: v0=$sig" --data "$body"; echo`,
    '# Teams outgoing webhook, signed:',
    `body='${teamsBody}'; sig=$(printf %s "$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:${teamsKey} -binary | base64); curl -s ${base}/teams/messages -H "authorization: HMAC $sig" -H 'content-type: application/json' --data "$body"; echo`,
  ].join('\n');
}

/** The chat endpoints (and the local response_url), on `port`. */
async function startChatServer(deps: Deps, options: ServeOptions) {
  const [{ createSlackEventsHandler }, { createTeamsMessagesHandler }, { createTeamsBotHandler }] =
    await Promise.all([
      import('../chat/slack-app.js'),
      import('../chat/teams-app.js'),
      import('../chat/teams-bot/app.js'),
    ]);
  const getDeps = async () => deps;
  return startHttpServer(
    {
      '/slack/events': createSlackEventsHandler(getDeps),
      '/teams/messages': createTeamsMessagesHandler(getDeps),
      '/teams/bot': createTeamsBotHandler(getDeps),
      '/slack/response': createLocalResponseHandler(options.io),
    },
    options.port,
  );
}

/** What the server listens to, what is not set up yet, and how to try it. */
function banner(deps: Deps, options: ServeOptions, port: number): string {
  const { config } = deps;
  return [
    `bedrock-cost is listening on http://localhost:${port} (${config.BEDROCK_COST_DEMO ? 'demo account' : 'AWS account'}, table ${config.BEDROCK_COST_TABLE})`,
    `  POST /slack/events     Slack slash command and buttons${config.SLACK_SIGNING_SECRET ? '' : ' (set SLACK_SIGNING_SECRET to accept requests)'}`,
    `  POST /teams/messages   Teams outgoing webhook${config.TEAMS_WEBHOOK_SECRET ? '' : ' (set TEAMS_WEBHOOK_SECRET to accept requests)'}`,
    `  POST /teams/bot        Teams bot (Bot Framework)${config.TEAMS_APP_ID ? '' : ' (set TEAMS_APP_ID and TEAMS_APP_PASSWORD to accept requests)'}`,
    `  Slow commands run in this process and answer through the request's response_url.`,
    ...(config.SLACK_SIGNING_SECRET && config.TEAMS_WEBHOOK_SECRET
      ? [
          options.generatedSecrets
            ? 'Signing secrets generated for this run. Try from another terminal:'
            : 'Try from another terminal (with the same SLACK_SIGNING_SECRET and TEAMS_WEBHOOK_SECRET exported):',
          signedCurlExamples({
            port,
            slackSecret: config.SLACK_SIGNING_SECRET,
            teamsSecret: config.TEAMS_WEBHOOK_SECRET,
            showSecrets: options.generatedSecrets === true,
          }),
        ]
      : []),
    `Type a command (e.g. "why last week", "estimate sonnet 4.5 2000 in 500 out 10k/day"), "help"; exit, quit or Ctrl-D stops the server.`,
  ].join('\n');
}

/** Answer one line typed at the prompt (as an admin: the prompt runs as the account). */
async function answerPrompt(text: string, deps: Deps, options: ServeOptions): Promise<void> {
  const { io } = options;
  const { executeLine } = await import('../commands/grammar.js');
  try {
    const result = await executeLine(text, {
      deps,
      caller: { platform: 'cli', userId: 'cli', isAdmin: true },
    });
    io.out(options.format === 'text' ? renderText(result.reply) : renderReply(result.reply, options.format));
    for (const path of await saveCharts(result.reply, deps)) io.out(`Chart: ${path}`);
  } catch (error) {
    io.out(userMessage(error));
    if (!(error instanceof UserError)) deps.log.error('command failed', error);
  }
}

/** Serve the chat endpoints and a prompt until interrupted, `exit`, `quit` or Ctrl-D. */
export async function serve(deps: Deps, options: ServeOptions): Promise<void> {
  const server = await startChatServer(deps, options);
  const { port } = server.address() as AddressInfo;
  // The printed curl's response_url is this server's stand-in for Slack's: allow exactly it.
  deps.config.BEDROCK_COST_LOCAL_RESPONSE_URL = `http://localhost:${port}/slack/response`;
  options.io.out(banner(deps, options, port));
  const rl = createInterface({
    input: options.input ?? process.stdin,
    terminal: false,
    prompt: 'bedrock-cost> ',
  });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    const text = line.trim();
    if (!text) return;
    if (text === 'exit' || text === 'quit') {
      queue = queue.then(() => rl.close());
      return;
    }
    queue = queue.then(() => answerPrompt(text, deps, options));
  });
  await new Promise<void>((done) => {
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      rl.close();
      server.close(() => done());
      server.closeIdleConnections();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    // `exit`, `quit` and Ctrl-D (end of input) close the prompt, and with it the server.
    rl.once('close', stop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await queue;
}

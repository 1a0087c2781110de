/**
 * `bedrock-cost serve`: the Lambda handlers on localhost, plus an interactive prompt.
 * Each HTTP request becomes the same API Gateway HTTP API (payload 2.0) event Lambda
 * receives, so what works here works deployed.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { HttpEvent, HttpHandler } from '../chat/http.js';
import { renderText } from '../chat/text.js';
import type { Deps } from '../deps.js';
import { UserError, userMessage } from '../errors.js';
import type { CliIo } from './cli.js';
import { renderReply } from './cli.js';

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
  /** Resolve instead of waiting for SIGINT (tests). */
  signal?: AbortSignal;
  input?: NodeJS.ReadableStream;
}

/** Serve the chat endpoints and a prompt until interrupted. */
export async function serve(deps: Deps, options: ServeOptions): Promise<void> {
  const [{ createSlackEventsHandler }, { createTeamsMessagesHandler }, { executeLine }] = await Promise.all([
    import('../chat/slack-app.js'),
    import('../chat/teams-app.js'),
    import('../commands/grammar.js'),
  ]);
  const { createTeamsBotHandler } = await import('../chat/teams-bot/app.js');
  const getDeps = async () => deps;
  const server = await startHttpServer(
    {
      '/slack/events': createSlackEventsHandler(getDeps),
      '/teams/messages': createTeamsMessagesHandler(getDeps),
      '/teams/bot': createTeamsBotHandler(getDeps),
    },
    options.port,
  );
  const { port } = server.address() as AddressInfo;
  const { io } = options;
  io.out(
    [
      `bedrock-cost is listening on http://localhost:${port} (${deps.config.BEDROCK_COST_DEMO ? 'demo account' : 'AWS account'}, table ${deps.store.table})`,
      `  POST /slack/events     Slack slash command and buttons${deps.config.SLACK_SIGNING_SECRET ? '' : ' (set SLACK_SIGNING_SECRET to accept requests)'}`,
      `  POST /teams/messages   Teams outgoing webhook${deps.config.TEAMS_WEBHOOK_SECRET ? '' : ' (set TEAMS_WEBHOOK_SECRET to accept requests)'}`,
      `  POST /teams/bot        Teams bot (Bot Framework)${deps.config.TEAMS_APP_ID ? '' : ' (set TEAMS_APP_ID and TEAMS_APP_PASSWORD to accept requests)'}`,
      `  Slow commands run in this process and answer through the request's response_url.`,
      `Type a command (e.g. "why last week", "estimate sonnet 4.5 2000 in 500 out 10k/day"), "help", or Ctrl-D to stop the prompt.`,
    ].join('\n'),
  );
  const rl = createInterface({
    input: options.input ?? process.stdin,
    terminal: false,
    prompt: 'bedrock-cost> ',
  });
  const ask = async (line: string) => {
    const text = line.trim();
    if (!text) return;
    if (text === 'exit' || text === 'quit') {
      rl.close();
      return;
    }
    try {
      const result = await executeLine(text, {
        deps,
        caller: { platform: 'cli', userId: 'cli', isAdmin: true },
      });
      io.out(
        options.format === 'text' ? renderText(result.reply) : renderReply(result.reply, options.format),
      );
    } catch (error) {
      io.out(userMessage(error));
      if (!(error instanceof UserError)) deps.log.error('command failed', error);
    }
  };
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(() => ask(line));
  });
  await new Promise<void>((done) => {
    const stop = () => {
      rl.close();
      server.close(() => done());
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await queue;
}

/**
 * A local, wire-level stand-in for the AWS APIs the product calls, so adapters are tested
 * through the real SDK clients (serialisation, pagination, error classes, retries) without
 * touching AWS.
 *
 * One server speaks every protocol at once:
 * - AWS JSON 1.1, routed by `X-Amz-Target`: Cost Explorer (`AWSInsightsIndexService.*`) and the
 *   Price List API (`AWSPriceListService.*`).
 * - AWS JSON 1.0 with query compatibility: CloudWatch (`GraniteServiceVersion20100801.*`). Errors
 *   carry the `x-amzn-query-error: <Code>;Sender` header the SDK uses to pick the error class.
 * - REST-JSON, routed by method + path: Bedrock (`GET /provisioned-model-throughputs`,
 *   `GET /inference-profiles`, `POST /listTagsForResource`, ...) and Bedrock Runtime
 *   (`POST /model/{modelId}/converse`). The route table is read from the installed SDK's own
 *   operation schemas, so every Bedrock / Bedrock Runtime operation routes correctly.
 *
 * Every request is recorded (`server.requests`) with its operation, parsed input and headers.
 *
 * @example
 * const aws = await startAwsServer({
 *   GetCostAndUsage: paged([{ ResultsByTime: [...] }, { ResultsByTime: [...] }], 'NextPageToken'),
 *   ListProvisionedModelThroughputs: { provisionedModelSummaries: [] },
 *   GetMetricData: failTimes(1, awsError('LimitExceeded', 'Rate exceeded'), { MetricDataResults: [] }),
 * });
 * const ce = new CostExplorerClient(aws.clientConfig());        // or Object.assign(process.env, awsTestEnv(aws.endpoint))
 * ...
 * expect(aws.count('GetCostAndUsage')).toBe(2);
 * await aws.close();
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';

/** Fake credentials the SDK signs with (the server does not verify signatures). */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** One request the server received. */
export interface AwsRequest {
  /** `CostExplorer`, `Pricing`, `CloudWatch`, `Bedrock`, `BedrockRuntime` (or the raw target prefix). */
  service: string;
  /** Operation name as in the SDK command, e.g. `GetCostAndUsage`, `Converse`. */
  operation: string;
  /**
   * The parsed input, in SDK member names: the JSON body for JSON protocols; for REST-JSON the
   * body merged with path labels (`modelId`), query parameters (`nextToken`, `maxResults` as a
   * number) and bound headers.
   */
  input: Record<string, unknown>;
  /** Request headers, lower-cased. */
  headers: Record<string, string>;
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Raw request body. */
  body: string;
  /** Region and signing name from the SigV4 credential scope (e.g. `us-east-1`, `ce`). */
  region?: string;
  signingName?: string;
  /** 1 for the first call to this operation, 2 for the second (e.g. an SDK retry), ... */
  attempt: number;
}

/**
 * An AWS error response. Return it (or throw it) from a handler; the server writes it in the
 * protocol's real shape so the SDK raises the matching exception class (`error.name === code`).
 */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** CloudWatch only: the awsQuery error code when it differs from the shape name. */
  readonly queryCode?: string;
  /** Extra members serialised into the error body. */
  readonly fields: Record<string, unknown>;
  constructor(
    code: string,
    message: string,
    status = 400,
    options: { queryCode?: string; headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
    this.headers = options.headers ?? {};
    this.queryCode = options.queryCode;
    this.fields = options.fields ?? {};
  }
}

/**
 * Build an error response.
 *
 * Retry-relevant shapes (what the SDK's standard retry mode retries):
 * - throttling by name: `ThrottlingException` (Bedrock), `LimitExceededException` (Cost Explorer),
 *   `Throttling` (CloudWatch), or any status 429;
 * - transient: status 500/502/503/504 (e.g. `awsError('InternalServerException', 'boom', 500)`).
 *
 * @example
 * awsError('LimitExceededException', 'Rate exceeded')              // Cost Explorer throttle
 * awsError('ValidationException', 'bad model id', 400)              // Bedrock / Runtime
 * awsError('InvalidParameterValueException', 'bad period', 400)     // CloudWatch (query code derived)
 */
export function awsError(
  code: string,
  message: string,
  status = 400,
  options: { queryCode?: string; headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
): AwsError {
  return new AwsError(code, message, status, options);
}

/** What a handler may produce: an output object, or an `AwsError`. */
export type AwsResult = Record<string, unknown> | AwsError;

/** A per-operation handler. `input` is the parsed request input (see `AwsRequest.input`). */
export type AwsHandler = (
  // biome-ignore lint/suspicious/noExplicitAny: fixtures read arbitrary SDK input members
  input: any,
  request: AwsRequest,
) => AwsResult | Promise<AwsResult>;

/**
 * Handlers keyed by operation (`GetCostAndUsage`) or, when two services share an operation
 * name, by `Service.Operation` (`Bedrock.ListTagsForResource`, `CostExplorer.ListTagsForResource`).
 * A value is a handler function, a static output object, or an `AwsError` (always fails).
 */
export type AwsHandlers = Record<string, AwsHandler | AwsResult>;

/**
 * Fail the first `times` calls with `error`, then answer with `then` (a handler or fixture).
 * The count is per handler instance, so retries by the SDK consume failures.
 *
 * @example
 * GetCostAndUsage: failTimes(2, awsError('LimitExceededException', 'Rate exceeded'), { ResultsByTime: [] })
 */
export function failTimes(times: number, error: AwsError, then: AwsHandler | AwsResult): AwsHandler {
  let failures = 0;
  return (input, request) => {
    if (failures < times) {
      failures++;
      return error;
    }
    return typeof then === 'function' ? then(input, request) : then;
  };
}

/**
 * Serve `pages` in order through a pagination token (the same member name in and out:
 * `NextPageToken` for Cost Explorer, `NextToken` for CloudWatch and Pricing, `nextToken` for
 * Bedrock). Tokens are `page-1`, `page-2`, ...; an unknown token answers `InvalidNextTokenException`.
 */
export function paged(pages: Record<string, unknown>[], tokenMember: string): AwsHandler {
  return (input) => {
    const token = input?.[tokenMember];
    const index =
      token === undefined || token === null || token === ''
        ? 0
        : Number(/^page-(\d+)$/.exec(String(token))?.[1]);
    const page = pages[index];
    if (!Number.isInteger(index) || !page) {
      return awsError('InvalidNextTokenException', `Invalid ${tokenMember}: ${String(token)}`);
    }
    return index + 1 < pages.length ? { ...page, [tokenMember]: `page-${index + 1}` } : { ...page };
  };
}

/** The running server. */
export interface AwsServer {
  /** Base URL, e.g. `http://127.0.0.1:43567`: the endpoint for every service. */
  endpoint: string;
  /** Every request received, in order (including ones answered with errors). */
  requests: AwsRequest[];
  /** Requests to one operation (`'GetCostAndUsage'` or `'Bedrock.ListTagsForResource'`). */
  requestsTo(operation: string): AwsRequest[];
  /** How many requests an operation received (SDK retries count). */
  count(operation: string): number;
  /** Replace or add a handler while running. */
  handle(operation: string, handler: AwsHandler | AwsResult): void;
  /** Client config pointing an SDK client here: `new CostExplorerClient(aws.clientConfig())`. */
  clientConfig(overrides?: { region?: string; maxAttempts?: number }): {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts?: number;
  };
  close(): Promise<void>;
}

/** Known JSON-protocol target prefixes -> service name, content type and whether query-compatible. */
const JSON_SERVICES: Record<string, { service: string; version: '1.0' | '1.1'; queryCompatible: boolean }> = {
  AWSInsightsIndexService: { service: 'CostExplorer', version: '1.1', queryCompatible: false },
  AWSPriceListService: { service: 'Pricing', version: '1.1', queryCompatible: false },
  GraniteServiceVersion20100801: { service: 'CloudWatch', version: '1.0', queryCompatible: true },
  ResourceGroupsTaggingAPI_20170126: { service: 'Tagging', version: '1.1', queryCompatible: false },
};

/**
 * CloudWatch's awsQuery error codes where they differ from the modelled shape name (from the
 * SDK's `awsQueryError` traits). The SDK maps the header code back to the class.
 */
const CLOUDWATCH_QUERY_CODES: Record<string, string> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  MissingRequiredParameterException: 'MissingParameter',
  InternalServiceFault: 'InternalServiceError',
  LimitExceededFault: 'LimitExceeded',
  DashboardNotFoundError: 'ResourceNotFound',
  DashboardInvalidInputError: 'InvalidParameterInput',
  InvalidFormatFault: 'InvalidFormat',
  ValidationException: 'ValidationError',
};

interface RestRoute {
  service: string;
  operation: string;
  method: string;
  pattern: RegExp;
  labels: string[];
  /** Literal characters in the URI: more specific routes win. */
  specificity: number;
  /** httpQuery name -> [member name, schema type code]. */
  query: Map<string, [string, number]>;
  /** httpHeader name (lower-case) -> member name. */
  headers: Map<string, string>;
}

let restRoutes: Promise<RestRoute[]> | undefined;

/** Read the REST routes from the SDK's operation schemas (`[9, ns, name, {http: [method, uri]}, input, output]`). */
function loadRestRoutes(): Promise<RestRoute[]> {
  restRoutes ??= (async () => {
    const modules: [string, Record<string, unknown>][] = [
      ['Bedrock', (await import('@aws-sdk/client-bedrock')) as Record<string, unknown>],
      ['BedrockRuntime', (await import('@aws-sdk/client-bedrock-runtime')) as Record<string, unknown>],
    ];
    const routes: RestRoute[] = [];
    for (const [service, exports] of modules) {
      for (const [name, value] of Object.entries(exports)) {
        if (!name.endsWith('$') || !Array.isArray(value) || value[0] !== 9) continue;
        const traits = value[3] as { http?: [string, string, number] } | undefined;
        if (!traits?.http) continue;
        const [method, uri] = traits.http;
        const [path = '/'] = uri.split('?');
        const labels: string[] = [];
        const source = path
          .split(/(\{[^}]+\})/)
          .map((part) => {
            const label = /^\{([^}+]+)(\+?)\}$/.exec(part);
            if (!label) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            labels.push(label[1]!);
            return label[2] ? '(.+)' : '([^/]+)';
          })
          .join('');
        const query = new Map<string, [string, number]>();
        const headers = new Map<string, string>();
        const input = typeof value[4] === 'function' ? (value[4] as () => unknown)() : undefined;
        if (Array.isArray(input) && Array.isArray(input[4]) && Array.isArray(input[5])) {
          const members = input[4] as string[];
          const schemas = input[5] as unknown[];
          members.forEach((member, i) => {
            const schema = schemas[i];
            if (!Array.isArray(schema)) return;
            const memberTraits = schema[1];
            if (!memberTraits || typeof memberTraits !== 'object') return;
            const t = memberTraits as { httpQuery?: string; httpHeader?: string };
            const type = typeof schema[0] === 'number' ? schema[0] : 0;
            if (t.httpQuery) query.set(t.httpQuery, [member, type]);
            if (t.httpHeader) headers.set(t.httpHeader.toLowerCase(), member);
          });
        }
        routes.push({
          service,
          operation: String(value[2]),
          method,
          pattern: new RegExp(`^${source}$`),
          labels,
          specificity: path.replace(/\{[^}]+\}/g, '').length,
          query,
          headers,
        });
      }
    }
    return routes.sort((a, b) => b.specificity - a.specificity);
  })();
  return restRoutes;
}

/** Query parameter text -> the member's type (schema codes: 1 number, 2 boolean, 64|x list). */
function coerceQuery(values: string[], type: number): unknown {
  const one = (v: string) =>
    type === 1 || type === 65 ? Number(v) : type === 2 || type === 66 ? v === 'true' : v;
  return type >= 64 && type < 128 ? values.map(one) : one(values[0] ?? '');
}

/** JSON with Dates as the protocol wants them: epoch seconds (awsJson) or RFC 3339 (Bedrock REST). */
function toJson(value: unknown, dates: 'epoch' | 'iso'): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    if (raw instanceof Date)
      return dates === 'epoch' ? raw.getTime() / 1000 : raw.toISOString().replace('.000Z', 'Z');
    return v;
  });
}

function scope(headers: Record<string, string>): { region?: string; signingName?: string } {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '');
  return match ? { region: match[1], signingName: match[2] } : {};
}

let requestCounter = 0;

/**
 * Start the server on 127.0.0.1 (random port).
 *
 * @param handlers per-operation handlers or fixtures; an operation without one answers a
 *   `UnknownOperationException` (400) naming it, so a missing fixture fails loudly.
 */
export async function startAwsServer(handlers: AwsHandlers = {}): Promise<AwsServer> {
  const table = new Map<string, AwsHandler | AwsResult>(Object.entries(handlers));
  const requests: AwsRequest[] = [];
  const routes = await loadRestRoutes();

  const matches = (r: AwsRequest, operation: string) =>
    operation.includes('.') ? `${r.service}.${r.operation}` === operation : r.operation === operation;

  const send = (
    res: ServerResponse | Http2ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string,
  ) => {
    requestCounter++;
    res.writeHead(status, {
      'x-amzn-requestid': `test-${String(requestCounter).padStart(8, '0')}`,
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
  };

  async function answer(
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
    raw: string,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !k.startsWith(':')) headers[k] = Array.isArray(v) ? v.join(',') : v;
    }
    const method = req.method ?? 'GET';
    const target = headers['x-amz-target'];

    let protocol: 'json' | 'rest';
    let service: string;
    let operation: string;
    let input: Record<string, unknown> = {};
    let json: (typeof JSON_SERVICES)[string] | undefined;
    if (target) {
      const dot = target.lastIndexOf('.');
      const prefix = target.slice(0, dot);
      json = JSON_SERVICES[prefix] ?? {
        service: prefix,
        version: headers['content-type']?.includes('1.0') ? '1.0' : '1.1',
        queryCompatible: false,
      };
      protocol = 'json';
      service = json.service;
      operation = target.slice(dot + 1);
      input = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } else {
      protocol = 'rest';
      const route = routes.find((r) => r.method === method && r.pattern.test(url.pathname));
      if (!route) {
        send(
          res,
          404,
          { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' },
          JSON.stringify({ message: `test AWS server: no route for ${method} ${url.pathname}` }),
        );
        return;
      }
      service = route.service;
      operation = route.operation;
      const labelValues = route.pattern.exec(url.pathname)?.slice(1) ?? [];
      const body =
        raw && headers['content-type']?.includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : {};
      input = { ...body };
      route.labels.forEach((label, i) => {
        input[label] = decodeURIComponent(labelValues[i] ?? '');
      });
      for (const [name, [member, type]] of route.query) {
        const values = url.searchParams.getAll(name);
        if (values.length) input[member] = coerceQuery(values, type);
      }
      for (const [name, member] of route.headers)
        if (headers[name] !== undefined) input[member] = headers[name];
    }

    const request: AwsRequest = {
      service,
      operation,
      input,
      headers,
      method,
      path: url.pathname,
      query: url.searchParams,
      body: raw,
      ...scope(headers),
      attempt: requests.filter((r) => r.service === service && r.operation === operation).length + 1,
    };
    requests.push(request);

    const handler = table.get(`${service}.${operation}`) ?? table.get(operation);
    let result: AwsResult;
    try {
      if (handler === undefined) {
        result = awsError(
          'UnknownOperationException',
          `test AWS server: no handler for ${service}.${operation}`,
        );
      } else if (typeof handler === 'function') {
        result = await handler(input, request);
      } else {
        result = handler;
      }
    } catch (error) {
      result =
        error instanceof AwsError
          ? error
          : awsError(
              'InternalFailure',
              `test handler threw: ${(error as Error)?.message ?? String(error)}`,
              500,
            );
    }

    if (protocol === 'json') {
      const contentType = `application/x-amz-json-${json?.version ?? '1.1'}`;
      if (result instanceof AwsError) {
        const extra: Record<string, string> = {};
        if (json?.queryCompatible) {
          const code = result.queryCode ?? CLOUDWATCH_QUERY_CODES[result.code] ?? result.code;
          extra['x-amzn-query-error'] = `${code};${result.status >= 500 ? 'Receiver' : 'Sender'}`;
        }
        const type = json?.service === 'CloudWatch' ? `com.amazonaws.cloudwatch#${result.code}` : result.code;
        send(
          res,
          result.status,
          { 'content-type': contentType, ...extra, ...result.headers },
          JSON.stringify({ __type: type, message: result.message, ...result.fields }),
        );
      } else {
        send(res, 200, { 'content-type': contentType }, toJson(result ?? {}, 'epoch'));
      }
    } else if (result instanceof AwsError) {
      send(
        res,
        result.status,
        {
          'content-type': 'application/json',
          // Real Bedrock: `ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/`
          'x-amzn-errortype': `${result.code}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
          ...result.headers,
        },
        JSON.stringify({ message: result.message, ...result.fields }),
      );
    } else {
      send(res, 200, { 'content-type': 'application/json' }, toJson(result ?? {}, 'iso'));
    }
  }

  const onRequest = (
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        if (!res.headersSent) {
          send(
            res,
            500,
            { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' },
            JSON.stringify({
              message: `test AWS server failed: ${(error as Error)?.message ?? String(error)}`,
            }),
          );
        }
      });
    });
  };
  // Bedrock Runtime's client speaks HTTP/2 (cleartext, prior knowledge) while the others speak
  // HTTP/1.1: one port serves both by sniffing the HTTP/2 connection preface.
  const http1 = createHttp1Server(onRequest);
  const http2 = createHttp2Server(onRequest);
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  http2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('readable', () => {
      const head = socket.read() as Buffer | null;
      if (head) socket.unshift(head);
      const isHttp2 = head?.subarray(0, 3).toString('latin1') === 'PRI';
      (isHttp2 ? http2 : http1).emit('connection', socket);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    requests,
    requestsTo: (operation) => requests.filter((r) => matches(r, operation)),
    count: (operation) => requests.filter((r) => matches(r, operation)).length,
    handle: (operation, handler) => {
      table.set(operation, handler);
    },
    clientConfig: (overrides = {}) => ({
      endpoint,
      region: overrides.region ?? 'us-east-1',
      credentials: { ...TEST_CREDENTIALS },
      ...(overrides.maxAttempts !== undefined ? { maxAttempts: overrides.maxAttempts } : {}),
    }),
    close: () =>
      new Promise<void>((ok) => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => ok());
      }),
  };
}

/** Endpoints per service for `awsTestEnv`; a single string points every service at one server. */
export interface AwsTestEndpoints {
  costExplorer?: string;
  cloudWatch?: string;
  bedrock?: string;
  bedrockRuntime?: string;
  pricing?: string;
  tagging?: string;
  dynamodb?: string;
  athena?: string;
}

/**
 * Environment variables that point the SDK (as built by `lib/aws/clients.ts`, which passes no
 * endpoint) at test servers, with fake credentials and region us-east-1. The SDK reads them
 * when a client is constructed, so apply them before building clients (see `useEnv`).
 *
 * @example
 * const restore = useEnv(awsTestEnv(aws.endpoint));
 * const clients = createAwsClients({ region: 'us-east-1' });
 * ...
 * restore();
 */
export function awsTestEnv(endpoints: string | AwsTestEndpoints): Record<string, string> {
  const e: AwsTestEndpoints =
    typeof endpoints === 'string'
      ? {
          costExplorer: endpoints,
          cloudWatch: endpoints,
          bedrock: endpoints,
          bedrockRuntime: endpoints,
          pricing: endpoints,
          tagging: endpoints,
          athena: endpoints,
        }
      : endpoints;
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  if (e.costExplorer) env.AWS_ENDPOINT_URL_COST_EXPLORER = e.costExplorer;
  if (e.cloudWatch) env.AWS_ENDPOINT_URL_CLOUDWATCH = e.cloudWatch;
  if (e.bedrock) env.AWS_ENDPOINT_URL_BEDROCK = e.bedrock;
  if (e.bedrockRuntime) env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = e.bedrockRuntime;
  if (e.pricing) env.AWS_ENDPOINT_URL_PRICING = e.pricing;
  if (e.tagging) env.AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API = e.tagging;
  if (e.dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = e.dynamodb;
  if (e.athena) env.AWS_ENDPOINT_URL_ATHENA = e.athena;
  return env;
}

/**
 * Set variables on `process.env` and return a function restoring the previous values
 * (variables that were unset are deleted again). Use in `beforeEach`/`afterEach` or try/finally.
 */
export function useEnv(vars: Record<string, string | undefined>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(vars)) {
    previous.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

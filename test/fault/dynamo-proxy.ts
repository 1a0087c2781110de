/**
 * A tiny HTTP proxy in front of dynalite (which cannot throttle): it forwards DynamoDB
 * JSON requests, can answer `ProvisionedThroughputExceededException` (or any error) for
 * the next N calls of chosen operations, and counts every operation — with its item count
 * and response size, so the bench can estimate on-demand request units.
 *
 * @example
 * const proxy = await startDynamoProxy(dynamo.endpoint);
 * proxy.throttle('PutItem', 2);                     // the next two PutItem calls are throttled
 * const store = proxiedStore(proxy, dynamo.store.table, { maxAttempts: 2 });
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDynamoClients } from '../../lib/aws/dynamodb.js';
import { DynamoStore } from '../../lib/store/dynamo.js';
import { TEST_CREDENTIALS } from '../support/aws-server.js';

export interface DynamoCall {
  operation: string;
  /** Items written (BatchWriteItem: all put/delete requests; PutItem etc.: 1). */
  writeItems: number;
  /** Response body bytes (for Query/Scan read units: 4 KB each). */
  responseBytes: number;
  /** Items returned (Query/Scan/BatchGetItem/GetItem). */
  readItems: number;
  status: number;
  throttled: boolean;
  /** When the call arrived (ms, `performance.now()`). */
  at: number;
}

export interface DynamoProxy {
  endpoint: string;
  calls: DynamoCall[];
  count(operation?: string): number;
  /**
   * Answer `times` calls of `operation` (`*` = any) with an error (default
   * `ProvisionedThroughputExceededException`), after letting `after` calls through.
   */
  throttle(
    operation: string,
    times: number,
    options?: { after?: number; error?: { type: string; message: string; status?: number } },
  ): void;
  /**
   * Apply the next `times` calls of `operation` in dynalite but answer each with a 500, as
   * when DynamoDB committed a write and the response was lost: the SDK retries a request
   * that already took effect.
   */
  loseResponse(
    operation: string,
    times: number,
    options?: { after?: number; match?: (input: Record<string, unknown>) => boolean },
  ): void;
  /**
   * Hold calls of `operation` until `count` of them have arrived, then forward them all at
   * once: forces a race (e.g. two writers that both read the same version first).
   */
  hold(operation: string, count: number): void;
  /** Estimated on-demand units of the calls so far (items < 1 KB, eventually consistent reads). */
  units(): { read: number; write: number };
  reset(): void;
  close(): Promise<void>;
}

const THROTTLE = {
  type: 'ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded.',
  status: 400,
};

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Start the proxy on 127.0.0.1 in front of `target` (`http://127.0.0.1:port`). */
export async function startDynamoProxy(target: string): Promise<DynamoProxy> {
  const upstream = new URL(target);
  const calls: DynamoCall[] = [];
  const faults: {
    operation: string;
    skip: number;
    remaining: number;
    error: typeof THROTTLE;
    /** Forward the request first (it takes effect), then answer the error. */
    applied?: boolean;
    /** Only requests whose input matches (default: all of the operation). */
    match?: (input: Record<string, unknown>) => boolean;
  }[] = [];
  /** Send the request on to dynalite; resolves with its answer. */
  const forwardRaw = (req: IncomingMessage, raw: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; out: Buffer }>((resolve, reject) => {
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, 'content-length': String(raw.length) },
        },
        async (up) => resolve({ status: up.statusCode ?? 502, headers: up.headers, out: await body(up) }),
      );
      forward.on('error', reject);
      forward.end(raw);
    });
  const holds: { operation: string; count: number; waiting: (() => void)[] }[] = [];
  const server = createServer(async (req, res) => {
    const at = performance.now();
    const raw = await body(req);
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      input = {};
    }
    let writeItems = 0;
    if (operation === 'BatchWriteItem') {
      for (const list of Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>))
        writeItems += list.length;
    } else if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) writeItems = 1;
    else if (operation === 'TransactWriteItems')
      writeItems = 2 * ((input.TransactItems as unknown[]) ?? []).length;

    const hold = holds.find((h) => h.operation === operation && h.count > 0);
    if (hold) {
      hold.count--;
      await new Promise<void>((release) => {
        hold.waiting.push(release);
        if (hold.count === 0) for (const go of hold.waiting.splice(0)) go();
      });
    }
    const matching = faults.find(
      (f) =>
        f.remaining > 0 && (f.operation === '*' || f.operation === operation) && (!f.match || f.match(input)),
    );
    let fault: (typeof faults)[number] | undefined;
    if (matching && matching.skip > 0) matching.skip--;
    else fault = matching;
    if (fault) {
      fault.remaining--;
      if (fault.applied) await forwardRaw(req, raw).catch(() => undefined);
      const text = JSON.stringify({
        __type: `com.amazonaws.dynamodb.v20120810#${fault.error.type}`,
        message: fault.error.message,
      });
      calls.push({
        operation,
        writeItems: 0,
        responseBytes: text.length,
        readItems: 0,
        status: fault.error.status,
        throttled: true,
        at,
      });
      res.writeHead(fault.error.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `proxy-${calls.length}`,
      });
      res.end(text);
      return;
    }
    let answer: Awaited<ReturnType<typeof forwardRaw>>;
    try {
      answer = await forwardRaw(req, raw);
    } catch (error) {
      res.writeHead(502);
      res.end(String(error));
      return;
    }
    const { out } = answer;
    let readItems = 0;
    try {
      const parsed = JSON.parse(out.toString('utf8') || '{}') as Record<string, unknown>;
      if (Array.isArray(parsed.Items)) readItems = parsed.Items.length;
      else if (parsed.Item) readItems = 1;
      else if (parsed.Responses && typeof parsed.Responses === 'object')
        for (const list of Object.values(parsed.Responses as Record<string, unknown[]>))
          readItems += Array.isArray(list) ? list.length : 0;
    } catch {
      readItems = 0;
    }
    calls.push({
      operation,
      writeItems,
      responseBytes: out.length,
      readItems,
      status: answer.status,
      throttled: false,
      at,
    });
    res.writeHead(answer.status, answer.headers);
    res.end(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    count: (operation) => (operation ? calls.filter((c) => c.operation === operation).length : calls.length),
    throttle(operation, times, options = {}) {
      faults.push({
        operation,
        skip: options.after ?? 0,
        remaining: times,
        error: { ...THROTTLE, ...options.error },
      });
    },
    loseResponse(operation, times, options = {}) {
      faults.push({
        operation,
        skip: options.after ?? 0,
        remaining: times,
        error: { type: 'InternalServerError', message: 'Internal server error (response lost)', status: 500 },
        applied: true,
        ...(options.match ? { match: options.match } : {}),
      });
    },
    hold(operation, count) {
      holds.push({ operation, count, waiting: [] });
    },
    units() {
      let read = 0;
      let write = 0;
      for (const c of calls) {
        if (c.throttled || c.status >= 300) continue;
        write += c.writeItems;
        if (c.operation === 'GetItem') read += 0.5;
        else if (c.operation === 'Query' || c.operation === 'Scan')
          read += Math.max(0.5, Math.ceil(c.responseBytes / 4096) * 0.5);
        else if (c.operation === 'BatchGetItem') read += 0.5 * c.readItems;
      }
      return { read, write };
    },
    reset() {
      calls.length = 0;
      faults.length = 0;
      holds.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `Store` whose client goes through the proxy (small retry budget by default: fast tests). */
export function proxiedStore(
  proxy: DynamoProxy,
  table: string,
  options: { maxAttempts?: number } = {},
): DynamoStore {
  const { db } = createDynamoClients({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
    maxAttempts: options.maxAttempts ?? 2,
  });
  return new DynamoStore(db, table);
}

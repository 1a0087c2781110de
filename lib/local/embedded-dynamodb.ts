/**
 * The embedded DynamoDB for local runs: dynalite (a DynamoDB-compatible server on
 * LevelDB) on loopback, started on demand, data persisted under `BEDROCK_COST_DATA_DIR`
 * so budgets survive a restart. Skipped when `AWS_ENDPOINT_URL_DYNAMODB` is set.
 *
 * LevelDB allows one process per folder. While `bedrock-cost serve` runs, it leaves its
 * endpoint in `<dir>/dynamodb.endpoint`, and a CLI command started in another terminal
 * shares that server instead of failing on the lock.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';

export interface EmbeddedDynamo {
  endpoint: string;
  /** True when another bedrock-cost process owns the folder and we use its server. */
  shared: boolean;
  close(): Promise<void>;
}

/** The embedded store cannot start (folder locked by a process that serves no endpoint, ...). */
export class EmbeddedDynamoError extends UserError {
  constructor(message: string, options?: { suggestion?: string; cause?: unknown }) {
    super('local_store', message, options);
  }
}

/** Is the LevelDB folder free? Opens and closes it; a held lock answers false. */
async function isFolderFree(path: string): Promise<boolean> {
  const { Level } = await import('level');
  const db = new Level(path);
  try {
    await db.open();
    await db.close();
    return true;
  } catch (error) {
    const code =
      (error as { code?: string; cause?: { code?: string } }).cause?.code ??
      (error as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') return false;
    throw new EmbeddedDynamoError(`The embedded DynamoDB in ${path} cannot be opened.`, {
      suggestion: 'Set BEDROCK_COST_DATA_DIR to another folder, or delete this one to start afresh.',
      cause: error,
    });
  }
}

/** Does something accept connections at this loopback endpoint? */
function isListening(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => {
      socket.destroy();
      done(false);
    });
  });
}

/** A ListTables call, signed with dummy local credentials (dynalite checks the form only). */
async function openDatabase(endpoint: string): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      'x-amz-date': '20260101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    body: '{}',
  });
  if (!response.ok) {
    throw new EmbeddedDynamoError('The embedded DynamoDB did not start.', {
      cause: new Error(`ListTables: HTTP ${response.status} ${await response.text()}`),
    });
  }
}

/**
 * Start dynalite. `dataDir` null keeps data in memory (tests).
 *
 * @example
 * const dynamo = await startEmbeddedDynamo('.bedrock-cost');
 * // AWS SDK clients use endpoint dynamo.endpoint
 */
export async function startEmbeddedDynamo(dataDir: string | null): Promise<EmbeddedDynamo> {
  let path: string | undefined;
  let endpointFile: string | undefined;
  if (dataDir) {
    path = resolve(dataDir, 'dynamodb');
    endpointFile = resolve(dataDir, 'dynamodb.endpoint');
    mkdirSync(path, { recursive: true });
    if (!(await isFolderFree(path))) {
      let endpoint = '';
      try {
        endpoint = readFileSync(endpointFile, 'utf8').trim();
      } catch {
        // no endpoint published: the owner is not a server we can share
      }
      if (endpoint.startsWith('http://127.0.0.1:') && (await isListening(endpoint))) {
        return { endpoint, shared: true, close: async () => {} };
      }
      throw new EmbeddedDynamoError(`The data folder ${dataDir} is in use by another bedrock-cost process.`, {
        suggestion: 'Wait for it to finish, or set BEDROCK_COST_DATA_DIR to another folder.',
      });
    }
  }
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Node closes an idle keep-alive connection after 5 s; a client that picks that socket at
  // the same moment gets ECONNRESET (more likely on a busy machine). Idle connections stay
  // open a minute, longer than clients keep them unused.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  // dynalite has no transactions; the budget store writes a change and its audit in one.
  const { addTransactWriteItems } = await import('./dynalite-transactions.js');
  addTransactWriteItems(server);
  // dynalite throws (an uncaught exception) when a request still running reaches a database
  // that `close` already shut. Count requests until they answer, so `close` can wait for them.
  let inFlight = 0;
  server.prependListener('request', (_req: unknown, res: { end: (...args: unknown[]) => unknown }) => {
    inFlight++;
    const end = res.end.bind(res);
    let answered = false;
    res.end = (...args: unknown[]) => {
      if (!answered) {
        answered = true;
        inFlight--;
      }
      return end(...args);
    };
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
  } catch (error) {
    throw new EmbeddedDynamoError(`Could not start the embedded DynamoDB in ${path ?? 'memory'}.`, {
      cause: error,
    });
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // LevelDB opens (and takes the folder's lock) a moment after dynalite starts. One request
  // waits for that, so a second process started right after us sees the folder as taken.
  await openDatabase(endpoint);
  if (endpointFile) writeFileSync(endpointFile, `${endpoint}\n`);
  return {
    endpoint,
    shared: false,
    close: async () => {
      if (endpointFile) rmSync(endpointFile, { force: true });
      for (let waited = 0; inFlight > 0 && waited < 2000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

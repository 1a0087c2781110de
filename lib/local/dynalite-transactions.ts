/**
 * `TransactWriteItems` for dynalite, which has no transactions: the embedded DynamoDB of
 * local runs and tests must accept the budget store's one-transaction writes (a budget
 * change and its audit item, both or neither).
 *
 * Each transaction runs alone (one at a time per server): every item it names is read
 * first, then each action is applied through dynalite's own PutItem / UpdateItem /
 * DeleteItem with its condition; when one fails, the items already changed are put back
 * as they were and the answer is DynamoDB's `TransactionCanceledException` with one
 * cancellation reason per action. A `ClientRequestToken` seen before answers success
 * again (the SDK retries a transaction whose answer was lost with the same token).
 * Writes outside transactions are not held back: the isolation is the one local runs and
 * tests need, not DynamoDB's.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type Json = Record<string, unknown>;

const TARGET = 'DynamoDB_20120810.';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The server, and each table's key attribute names as dynalite describes them. */
interface Dynalite {
  server: Server;
  keyNames: Map<string, string[]>;
}

/** One action of a transaction, with the item it names as it was before. */
interface Step {
  kind: string;
  action: Json;
  table: string;
  key: Json;
  before?: Json;
}

type Answer = { status: number; body: Json };

/** Serve `TransactWriteItems` on a dynalite server (call right after creating it). */
export function addTransactWriteItems(server: Server): void {
  const original = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  let queue: Promise<unknown> = Promise.resolve();
  const tokens = new Set<string>();
  const dynalite: Dynalite = { server, keyNames: new Map() };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers['x-amz-target'] !== `${TARGET}TransactWriteItems`) {
      for (const listener of original) listener.call(server, req, res);
      return;
    }
    const run = async () => {
      const input = JSON.parse((await readBody(req)) || '{}') as Json;
      const answer = await transact(dynalite, req, input, tokens);
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer.body));
    };
    const next = queue.then(run, run).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'InternalServerError', message: String(error) }));
    });
    queue = next;
  });
}

/** One DynamoDB call to dynalite itself, with the caller's (unverified) signature headers. */
async function call(
  dynalite: Dynalite,
  req: IncomingMessage,
  operation: string,
  body: Json,
): Promise<Answer> {
  const { port } = dynalite.server.address() as AddressInfo;
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0' };
  for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  headers['x-amz-target'] = `${TARGET}${operation}`;
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

async function keysOf(dynalite: Dynalite, req: IncomingMessage, table: string): Promise<string[]> {
  let names = dynalite.keyNames.get(table);
  if (!names) {
    const described = await call(dynalite, req, 'DescribeTable', { TableName: table });
    const schema = ((described.body.Table as Json | undefined)?.KeySchema ?? []) as {
      AttributeName: string;
    }[];
    names = schema.map((k) => k.AttributeName);
    dynalite.keyNames.set(table, names);
  }
  return names;
}

/** Read every item the transaction names, as it is before any action. */
async function planOf(dynalite: Dynalite, req: IncomingMessage, items: Json[]): Promise<Step[]> {
  const plan: Step[] = [];
  for (const item of items) {
    const [kind, action] = Object.entries(item)[0] as [string, Json];
    const table = String(action.TableName);
    let key = action.Key as Json | undefined;
    if (!key) {
      const names = await keysOf(dynalite, req, table);
      const full = (action.Item ?? {}) as Json;
      key = Object.fromEntries(names.map((n) => [n, full[n]]));
    }
    const got = await call(dynalite, req, 'GetItem', { TableName: table, Key: key, ConsistentRead: true });
    plan.push({ kind, action, table, key, ...(got.body.Item ? { before: got.body.Item as Json } : {}) });
  }
  return plan;
}

/** The dynalite call that applies one action with its condition. */
function writeOf(step: Step): { operation: string; body: Json } {
  const { ReturnValuesOnConditionCheckFailure: _r, ...action } = step.action;
  if (step.kind !== 'ConditionCheck') {
    const operation = step.kind === 'Put' ? 'PutItem' : step.kind === 'Delete' ? 'DeleteItem' : 'UpdateItem';
    return { operation, body: action };
  }
  // No write of its own: a marker update under the same condition, undone afterwards.
  return {
    operation: 'UpdateItem',
    body: {
      ...action,
      UpdateExpression: 'SET #txCheck = :txCheck',
      ExpressionAttributeNames: {
        ...((action.ExpressionAttributeNames as Json) ?? {}),
        '#txCheck': 'txCheck',
      },
      ExpressionAttributeValues: {
        ...((action.ExpressionAttributeValues as Json) ?? {}),
        ':txCheck': { BOOL: true },
      },
    },
  };
}

/** Put the step's item back as it was (or delete it, when there was none). */
async function restore(dynalite: Dynalite, req: IncomingMessage, step: Step): Promise<void> {
  if (step.before) await call(dynalite, req, 'PutItem', { TableName: step.table, Item: step.before });
  else await call(dynalite, req, 'DeleteItem', { TableName: step.table, Key: step.key });
}

/** DynamoDB's answer when the condition of action `index` failed. */
function cancelled(plan: Step[], index: number): Answer {
  const reasons = plan.map((_, i) =>
    i === index
      ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }
      : { Code: 'None' },
  );
  return {
    status: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      CancellationReasons: reasons,
    },
  };
}

async function transact(
  dynalite: Dynalite,
  req: IncomingMessage,
  input: Json,
  tokens: Set<string>,
): Promise<Answer> {
  const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
  if (token && tokens.has(token)) return { status: 200, body: {} };
  const plan = await planOf(dynalite, req, (input.TransactItems ?? []) as Json[]);
  const applied: Step[] = [];
  for (const [index, step] of plan.entries()) {
    const { operation, body } = writeOf(step);
    const result = await call(dynalite, req, operation, body);
    if (result.status === 200) {
      applied.push(step);
      continue;
    }
    for (const done of applied.reverse()) await restore(dynalite, req, done);
    const type = String(result.body.__type ?? '');
    return type.endsWith('ConditionalCheckFailedException') ? cancelled(plan, index) : result;
  }
  // The marker updates of condition checks leave nothing behind.
  for (const step of plan) if (step.kind === 'ConditionCheck') await restore(dynalite, req, step);
  if (token) tokens.add(token);
  return { status: 200, body: {} };
}

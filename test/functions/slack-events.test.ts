/**
 * The packaged slack-events function, not only the source: bundled the way serverless.yml
 * builds it (esbuild + infra/slack-esbuild-plugins.cjs, which drops Bolt's unused receivers,
 * keeps account-data clients out and defers the DynamoDB SDK), then run in a fresh Node.js
 * process against dynalite and a local "Lambda" endpoint.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { slackCommandBody } from '../support/signing.js';
import { startWebhookServer, type WebhookServer } from '../support/slack-server.js';

const require = createRequire(import.meta.url);
const root = new URL('../..', import.meta.url).pathname;
const SECRET = 'packaged-signing-secret';

let dynamo: TestDynamo;
let lambda: WebhookServer;
let bundle: string;
let dir: string;
/** The built files holding Bolt's code (from the build's metafile). */
let boltFiles: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slack-events-bundle-'));
  // Into a folder, as serverless-esbuild builds: the plugins split the front door into the
  // entry and chunks under `slack-events.chunks/`, which this test loads like Lambda would.
  bundle = join(dir, 'functions', 'slack-events.mjs');
  let built: Awaited<ReturnType<typeof build>>;
  [dynamo, lambda, built] = await Promise.all([
    startTestDynamo(),
    startWebhookServer(),
    build({
      entryPoints: [join(root, 'functions/slack-events.ts')],
      bundle: true,
      minify: true,
      keepNames: true,
      target: 'node22',
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire as __bedrockCostCreateRequire } from 'node:module'; const require = __bedrockCostCreateRequire(import.meta.url);",
      },
      external: ['dynalite'],
      plugins: require(join(root, 'infra/slack-esbuild-plugins.cjs')),
      outdir: join(dir, 'functions'),
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'error',
    }),
  ]);
  boltFiles = Object.entries(built.metafile?.outputs ?? {})
    .filter(([, output]) =>
      Object.keys(output.inputs).some((input) => input.includes('node_modules/@slack/bolt/')),
    )
    .map(([file]) => resolve(file));
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), lambda?.close()]);
});

/**
 * Run the bundle's handler on signed slash commands in one fresh process (one container).
 * Asynchronously: dynalite and the Lambda stand-in live in this process and must keep serving.
 */
async function runPackaged(texts: string[], userId = 'U0ADMIN001', entry = bundle) {
  const ts = String(Math.floor(Date.now() / 1000));
  const events = texts.map((text, i) => {
    const body = slackCommandBody({
      text,
      userId,
      responseUrl: `https://hooks.slack.com/commands/T0/${i}/x`,
    });
    return {
      version: '2.0',
      rawPath: '/slack/events',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
      },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST', path: '/slack/events' } },
    };
  });
  const script = join(dir, `run-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `const { handler } = await import(${JSON.stringify(entry)});
const out = [];
for (const event of ${JSON.stringify(events)}) out.push(await handler(event, {}));
process.stdout.write(JSON.stringify(out));
process.exit(0);`,
  );
  const child = await promisify(execFile)(process.execPath, [script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      ADMIN_USER_IDS: 'U0ADMIN001',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambda.base,
      BEDROCK_COST_TABLE: dynamo.store.table,
      BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
      COMMAND_WORKER_FUNCTION: 'bedrock-cost-test-command-worker',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  });
  return (JSON.parse(child.stdout) as { statusCode: number; body: string }[]).map((r) => ({
    status: r.statusCode,
    body: r.body ? JSON.parse(r.body) : undefined,
  }));
}

describe('packaged slack-events function', () => {
  it('answers fast commands in the ack and hands slow ones to the worker Lambda', async () => {
    const [help, estimate, budgetSet, why] = await runPackaged([
      'help',
      'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
      'budget set search 5000 channel C0SEARCH01',
      'why last week public',
    ]);
    expect(help?.status).toBe(200);
    expect(help?.body.blocks[0].type).toBe('header');
    expect(estimate?.body.text).toMatch(/a month/);
    expect(budgetSet?.body.text).toMatch(/search/);
    expect(why?.body.text).toContain('Working on `why last week public`');

    // The hand-off: an asynchronous invoke of the worker, signed, with the job.
    const invoke = lambda.postsTo(
      'http://x/2015-03-31/functions/bedrock-cost-test-command-worker/invocations',
    );
    expect(invoke).toHaveLength(1);
    expect(invoke[0]?.headers['x-amz-invocation-type']).toBe('Event');
    expect(invoke[0]?.body).toMatchObject({
      kind: 'command',
      text: 'why last week public',
      caller: { isAdmin: true },
    });
  });

  it('wrote through the deferred DynamoDB client (budget saved, replay claims stored)', async () => {
    const team = await dynamo.store.db.send(
      new GetCommand({ TableName: dynamo.store.table, Key: { pk: 'TEAM#search', sk: 'PROFILE' } }),
    );
    expect(team.Item?.team).toBe('search');
  });

  it('answers a slash command without Bolt, which only clicks and events load (off the cold start)', async () => {
    // The same build without the files holding Bolt's code: a slash command never reads them.
    const slim = mkdtempSync(join(tmpdir(), 'slack-events-no-bolt-'));
    cpSync(join(dir, 'functions'), join(slim, 'functions'), { recursive: true });
    expect(boltFiles.length).toBeGreaterThan(0);
    for (const file of boltFiles) rmSync(join(slim, relative(dir, file)));
    const [help, why] = await runPackaged(
      ['help', 'why last week'],
      'U0ADMIN001',
      join(slim, 'functions', 'slack-events.mjs'),
    );
    expect(help?.status).toBe(200);
    expect(help?.body.blocks[0].type).toBe('header');
    expect(why?.body.text).toContain('Working on `why last week`');
  });
});

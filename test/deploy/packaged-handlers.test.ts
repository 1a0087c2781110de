/**
 * The packaged Slack front door, Teams endpoint and worker, run as Lambda would run them:
 * each zip unpacked alone, in a fresh Node process with only its deployed environment, the
 * secrets coming from SSM (`BEDROCK_COST_SSM_PATH`, a local SSM endpoint), DynamoDB on
 * dynalite, the worker invoked through the Lambda API, the answer posted to Slack's
 * response_url. This is what breaks when bundling drops a lazily imported module.
 *
 * The stack is packaged once per test run for every deploy test (packaging.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_PARAMETERS } from '../../lib/lambda/runtime.js';
import { startAwsServer } from '../support/aws-server.js';
import { botRequest, startBotFramework } from '../support/botframework-server.js';
import { startTestDynamo } from '../support/dynamo.js';
import { slackCommandBody, slackRequest, teamsMessage, teamsRequest } from '../support/signing.js';
import { startSlackServer } from '../support/slack-server.js';
import { CHILD_MS, PACKAGING_MS, type Packaged, ROOT, SERVICE, SLOW_MS } from './packaging.js';
import {
  actionsOf,
  DATA_SERVICES,
  envOf,
  lambdaOf,
  packagedStages,
  statementsOf,
  unzipFunction,
} from './stack.js';

const run = promisify(execFile);
let dev: Packaged;
let prod: Packaged;
beforeAll(async () => {
  ({ dev, prod } = await packagedStages());
}, PACKAGING_MS);

/** This file's scratch folder (unpacked zips, event files), outside the repository. */
const scratch = mkdtempSync(join(tmpdir(), 'bedrock-cost-deploy-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const unzipped = (name: string) => unzipFunction(dev, name, scratch);

describe('packaged handlers answer', () => {
  const SIGNING_SECRET = 'deploy-test-signing-secret';
  const TEAMS_SECRET = Buffer.from('deploy-test-teams-secret-0123456789').toString('base64');
  const STAGE_PATH = '/bedrock-cost/ci';

  interface Invocation {
    functionName: string;
    invocationType: string | undefined;
    payload: string;
  }

  /** The Lambda Invoke API, enough for an asynchronous invocation (202, no body). */
  async function startLambdaApi() {
    const invocations: Invocation[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url?.split('?')[0] ?? '');
        if (req.method !== 'POST' || !match) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no route"}');
          return;
        }
        invocations.push({
          functionName: decodeURIComponent(match[1]!),
          invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
          payload: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(202, { 'content-length': '0' }).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, invocations, close: () => new Promise<void>((ok) => server.close(() => ok())) };
  }

  /** What every packaged run logged (checked for secrets at the end). */
  const logs: { name: string; text: string }[] = [];

  /** Invoke a packaged handler once in a fresh process; returns its result. */
  async function invokePackaged(name: string, event: unknown, env: Record<string, string>): Promise<unknown> {
    const dir = unzipped(name);
    const eventFile = join(scratch, `${name}-event-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    const script =
      "import { readFileSync } from 'node:fs';" +
      'const { handler } = await import(process.argv[1]);' +
      "const event = JSON.parse(readFileSync(process.argv[2], 'utf8'));" +
      "const context = { functionName: 'test', awsRequestId: 'test-request', getRemainingTimeInMillis: () => 10000 };" +
      'let result;' +
      'try { result = await handler(event, context); }' +
      'catch (error) { result = { handlerError: String(error && error.message || error) }; }' +
      "process.stdout.write('\\nRESULT ' + JSON.stringify(result ?? null) + '\\n');";
    const entry = pathToFileURL(join(dir, 'functions', `${name}.mjs`)).href;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, entry, eventFile],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: CHILD_MS,
      },
    );
    logs.push({
      name,
      text:
        stdout
          .split('\n')
          .filter((l) => !l.startsWith('RESULT '))
          .join('\n') + stderr,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`${name} printed no result:\n${stdout}`);
    return JSON.parse(line.slice('RESULT '.length));
  }

  it(
    'verifies Slack with the secret from SSM, answers help inline and hands a slow command to the worker',
    async () => {
      const [dynamo, slack, lambda] = await Promise.all([
        startTestDynamo(),
        startSlackServer({ token: 'xoxb-deploy-test' }),
        startLambdaApi(),
      ]);
      const ssm = await startAwsServer({
        GetParametersByPath: (input) => ({
          Parameters:
            input.Path === STAGE_PATH
              ? [
                  { Name: `${STAGE_PATH}/slack-signing-secret`, Type: 'SecureString', Value: SIGNING_SECRET },
                  { Name: `${STAGE_PATH}/slack-bot-token`, Type: 'SecureString', Value: 'xoxb-deploy-test' },
                  { Name: `${STAGE_PATH}/teams-webhook-secret`, Type: 'SecureString', Value: TEAMS_SECRET },
                ]
              : [],
        }),
      });
      try {
        // The deployed environment, with the stack's names pointed at local endpoints.
        const deployed = envOf(lambdaOf(dev.template, 'slack-events')[1]);
        const env: Record<string, string> = {
          ...deployed,
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_TABLE: dynamo.store.table,
          BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
          SLACK_API_URL: slack.apiUrl,
          SLACK_BOT_USER_ID: 'U0BOT',
          SLACK_BOT_ID: 'B0BOT',
          SLACK_TEAM_ID: 'T0TEST0001',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_ENDPOINT_URL_LAMBDA: lambda.url,
        };
        for (const key of Object.values(SECRET_PARAMETERS)) expect(env).not.toHaveProperty(key);
        // Bolt checks the request timestamp against the real clock.
        const signed = (text: string, responseUrl: string) =>
          slackRequest(slackCommandBody({ text, responseUrl }), SIGNING_SECRET, {
            timestamp: Math.floor(Date.now() / 1000),
          });

        const help = (await invokePackaged(
          'slack-events',
          signed('help', slack.responseUrl('help')),
          env,
        )) as {
          statusCode: number;
          body: string;
        };
        expect(help.statusCode).toBe(200);
        expect(JSON.parse(help.body).blocks.length).toBeGreaterThan(0);
        expect(ssm.count('GetParametersByPath')).toBeGreaterThanOrEqual(1);

        const forged = slackRequest(slackCommandBody({ text: 'help' }), 'not-the-secret', {
          timestamp: Math.floor(Date.now() / 1000),
        });
        expect(
          ((await invokePackaged('slack-events', forged, env)) as { statusCode: number }).statusCode,
        ).toBe(401);

        const ack = (await invokePackaged(
          'slack-events',
          signed('spend last week', slack.responseUrl('job')),
          env,
        )) as {
          statusCode: number;
        };
        expect(ack.statusCode).toBe(200);
        expect(lambda.invocations).toHaveLength(1);
        const invocation = lambda.invocations[0]!;
        expect(invocation.functionName).toBe(env.COMMAND_WORKER_FUNCTION);
        expect(invocation.invocationType).toBe('Event');

        // The packaged worker runs the job (on the demo account) and answers via response_url.
        const workerEnv = {
          ...env,
          ...envOf(lambdaOf(dev.template, 'command-worker')[1]),
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_TABLE: dynamo.store.table,
          SLACK_API_URL: slack.apiUrl,
          BEDROCK_COST_DEMO: '1',
        };
        const outcome = await invokePackaged('command-worker', JSON.parse(invocation.payload), workerEnv);
        expect(outcome).toEqual({ outcome: 'answered' });
        const answers = slack.responsesTo('job');
        expect(answers).toHaveLength(1);
        expect(JSON.stringify(answers[0])).toMatch(/\$\d/);
      } finally {
        await Promise.all([dynamo.close(), slack.close(), lambda.close(), ssm.close()]);
      }
    },
    SLOW_MS,
  );

  it('runs the Teams bot from its zip: token verified, help answered, a slow command answered by the packaged worker through the Bot Connector', async () => {
    const [dynamo, bf, lambda] = await Promise.all([
      startTestDynamo(),
      startBotFramework(),
      startLambdaApi(),
    ]);
    const ssm = await startAwsServer({
      GetParametersByPath: (input) => ({
        Parameters:
          input.Path === STAGE_PATH
            ? [
                {
                  Name: `${STAGE_PATH}/teams-app-password`,
                  Type: 'SecureString',
                  Value: bf.env.TEAMS_APP_PASSWORD,
                },
              ]
            : [],
      }),
    });
    try {
      const { TEAMS_APP_PASSWORD: _fromSsm, ...overrides } = bf.env;
      const env: Record<string, string> = {
        ...envOf(lambdaOf(dev.template, 'teams-bot')[1]),
        ...overrides,
        BEDROCK_COST_SSM_PATH: STAGE_PATH,
        BEDROCK_COST_TABLE: dynamo.store.table,
        BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      };
      for (const key of Object.values(SECRET_PARAMETERS)) expect(env).not.toHaveProperty(key);
      // Tokens expire in real time.
      const token = (forged = false) => bf.sign({ issuedAt: Math.floor(Date.now() / 1000), forged });

      const help = (await invokePackaged(
        'teams-bot',
        botRequest(bf.channelMessage('help'), await token()),
        env,
      )) as {
        statusCode: number;
      };
      expect(help.statusCode).toBe(200);
      expect(bf.posts).toHaveLength(1);
      expect(JSON.stringify(bf.posts[0]?.activity)).toContain('estimate');

      const forged = (await invokePackaged(
        'teams-bot',
        botRequest(bf.channelMessage('help'), await token(true)),
        env,
      )) as { statusCode: number };
      expect(forged.statusCode).toBe(401);
      expect(bf.posts).toHaveLength(1);

      const asked = bf.channelMessage('why last week');
      const ack = (await invokePackaged('teams-bot', botRequest(asked, await token()), env)) as {
        statusCode: number;
      };
      expect(ack.statusCode).toBe(200);
      expect(bf.texts().at(-1)).toMatch(/^Working on "why last week"/);
      expect(lambda.invocations).toHaveLength(1);
      expect(lambda.invocations[0]?.invocationType).toBe('Event');

      const workerEnv = {
        ...env,
        ...envOf(lambdaOf(dev.template, 'command-worker')[1]),
        ...overrides,
        BEDROCK_COST_SSM_PATH: STAGE_PATH,
        BEDROCK_COST_TABLE: dynamo.store.table,
        BEDROCK_COST_DEMO: '1',
      };
      const before = bf.posts.length;
      const outcome = await invokePackaged(
        'command-worker',
        JSON.parse(lambda.invocations[0]!.payload),
        workerEnv,
      );
      expect(outcome).toEqual({ outcome: 'answered' });
      expect(bf.posts).toHaveLength(before + 1);
      expect(bf.posts.at(-1)).toMatchObject({ conversationId: asked.conversation.id, replyToId: asked.id });
      expect(JSON.stringify(bf.posts.at(-1)?.activity)).toMatch(/\$\d/);
    } finally {
      await Promise.all([dynamo.close(), bf.close(), lambda.close(), ssm.close()]);
    }
  }, 120_000);

  it(
    'posts the weekly digest with its chart drawn from the packaged wasm and font',
    async () => {
      const [dynamo, slack] = await Promise.all([
        startTestDynamo(),
        startSlackServer({ token: 'xoxb-deploy-test', channels: ['C0SEARCH'] }),
      ]);
      const ssm = await startAwsServer({
        GetParametersByPath: {
          Parameters: [
            { Name: `${STAGE_PATH}/slack-bot-token`, Type: 'SecureString', Value: 'xoxb-deploy-test' },
          ],
        },
      });
      try {
        const local = {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          BEDROCK_COST_TABLE: dynamo.store.table,
        };
        // An operator gives a team a budget and a channel with the CLI, against the table.
        await run(
          process.execPath,
          [
            join(ROOT, 'bin/bedrock-cost'),
            'budget',
            'set',
            'search',
            '5000',
            'channel',
            'C0SEARCH',
            'tz',
            'Europe/London',
          ],
          { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: scratch, ...local }, timeout: CHILD_MS },
        );
        // Monday 09:05 in London: the team's digest is due.
        const env: Record<string, string> = {
          ...envOf(lambdaOf(dev.template, 'weekly-digest')[1]),
          ...local,
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_NOW: '2026-11-16T09:05:00Z',
          BEDROCK_COST_DEMO: '1',
          SLACK_API_URL: slack.apiUrl,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        };
        const result = (await invokePackaged('weekly-digest', { source: 'aws.events' }, env)) as {
          messages: number;
        };
        expect(result.messages).toBeGreaterThanOrEqual(1);
        const posts = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0SEARCH');
        expect(posts).toHaveLength(1);
        // The chart is a real PNG (not the sparkline fallback a missing asset would cause).
        expect(slack.uploads).toHaveLength(1);
        expect(slack.uploads[0]!.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      } finally {
        await Promise.all([dynamo.close(), slack.close(), ssm.close()]);
      }
    },
    SLOW_MS,
  );

  it(
    "makes only AWS calls its function's role allows (scheduled jobs and the worker, from their zips)",
    async () => {
      const ACCOUNT_ARN = 'arn:aws:bedrock:us-east-1:123456789012';
      const MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0';
      const profileArns = Array.from(
        { length: 30 },
        (_, i) => `${ACCOUNT_ARN}:application-inference-profile/p${i}`,
      );
      const throughput = {
        provisionedModelName: 'search-pt',
        provisionedModelArn: `${ACCOUNT_ARN}:provisioned-model/pt1`,
        modelArn: MODEL_ARN,
        desiredModelArn: MODEL_ARN,
        foundationModelArn: MODEL_ARN,
        modelUnits: 1,
        desiredModelUnits: 1,
        status: 'InService',
        commitmentDuration: 'OneMonth',
        commitmentExpirationTime: '2026-12-10T08:00:00Z',
        creationTime: '2026-11-01T10:00:00Z',
        lastModifiedTime: '2026-11-01T10:00:00Z',
      };
      const aws = await startAwsServer({
        GetParametersByPath: {
          Parameters: [
            { Name: `${STAGE_PATH}/slack-bot-token`, Type: 'SecureString', Value: 'xoxb-deploy-test' },
          ],
        },
        GetCostAndUsage: { ResultsByTime: [], DimensionValueAttributes: [] },
        GetDimensionValues: {
          DimensionValues: [{ Value: 'Amazon Bedrock', Attributes: {} }],
          ReturnSize: 1,
          TotalSize: 1,
        },
        GetCostForecast: { Total: { Amount: '0', Unit: 'USD' }, ForecastResultsByTime: [] },
        ListMetrics: {
          Metrics: [
            {
              Namespace: 'AWS/Bedrock',
              MetricName: 'InputTokenCount',
              Dimensions: [{ Name: 'ModelId', Value: 'amazon.nova-lite-v1:0' }],
            },
          ],
        },
        GetMetricData: (input) => ({
          MetricDataResults: ((input.MetricDataQueries as { Id: string }[]) ?? []).map((q) => ({
            Id: q.Id,
            Label: q.Id,
            Timestamps: [],
            Values: [],
            StatusCode: 'Complete',
          })),
        }),
        ListProvisionedModelThroughputs: { provisionedModelSummaries: [throughput] },
        GetProvisionedModelThroughput: throughput,
        // One application profile per team, more than the adapter reads one by one: tags come
        // in pages from the Resource Groups Tagging API, which the roles must allow.
        ListInferenceProfiles: (input) => ({
          inferenceProfileSummaries:
            input.typeEquals === 'APPLICATION'
              ? profileArns.map((arn, i) => ({
                  inferenceProfileArn: arn,
                  inferenceProfileId: arn.split('/')[1],
                  inferenceProfileName: `team-${i}`,
                  type: 'APPLICATION',
                  status: 'ACTIVE',
                  models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' }],
                }))
              : [],
        }),
        ListTagsForResource: { tags: [{ key: 'team', value: 'search' }] },
        GetResources: {
          ResourceTagMappingList: profileArns.map((arn, i) => ({
            ResourceARN: arn,
            Tags: [{ Key: 'team', Value: i === 0 ? 'search' : `team-${i}` }],
          })),
        },
        GetProducts: { FormatVersion: 'aws_v1', PriceList: [] },
        Converse: {
          output: { message: { role: 'assistant', content: [{ text: 'Try: spend last month by team' }] } },
          stopReason: 'end_turn',
          usage: { inputTokens: 10, outputTokens: 8, totalTokens: 18 },
          metrics: { latencyMs: 5 },
        },
      });
      const [dynamo, slack] = await Promise.all([
        startTestDynamo(),
        startSlackServer({ token: 'xoxb-deploy-test', channels: ['C0SEARCH'] }),
      ]);
      /** The IAM action each recorded request needs. */
      const PREFIX: Record<string, string> = {
        CostExplorer: 'ce',
        CloudWatch: 'cloudwatch',
        Bedrock: 'bedrock',
        BedrockRuntime: 'bedrock',
        Pricing: 'pricing',
        AmazonSSM: 'ssm',
        Tagging: 'tag',
      };
      const actionOf = (r: { service: string; operation: string }) =>
        r.service === 'BedrockRuntime' && r.operation === 'Converse'
          ? 'bedrock:InvokeModel'
          : `${PREFIX[r.service] ?? r.service}:${r.operation}`;
      try {
        const local: Record<string, string> = {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          BEDROCK_COST_TABLE: dynamo.store.table,
        };
        await run(
          process.execPath,
          [
            join(ROOT, 'bin/bedrock-cost'),
            'budget',
            'set',
            'search',
            '100',
            'channel',
            'C0SEARCH',
            'tz',
            'Europe/London',
          ],
          { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: scratch, ...local }, timeout: CHILD_MS },
        );
        const endpoints = {
          AWS_ENDPOINT_URL_SSM: aws.endpoint,
          AWS_ENDPOINT_URL_COST_EXPLORER: aws.endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH: aws.endpoint,
          AWS_ENDPOINT_URL_BEDROCK: aws.endpoint,
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: aws.endpoint,
          AWS_ENDPOINT_URL_PRICING: aws.endpoint,
          AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: aws.endpoint,
        };
        const job = (text: string) => ({
          kind: 'command',
          id: `job-${text}`,
          text,
          caller: { platform: 'slack', userId: 'U0ALICE001', isAdmin: false, channelId: 'C0SEARCH' },
          replyTo: { kind: 'slack-response-url', url: slack.responseUrl(text.replace(/\W+/g, '-')) },
        });
        // The zips are the same for every stage; `prod` sets the assistant model for `ask`.
        const runs: [string, unknown, Packaged][] = [
          // As deployed: the ledger sync fills the table; the digest and alert runs only read it.
          ['ledger-sync', { source: 'aws.events' }, dev],
          ['weekly-digest', { source: 'aws.events' }, dev],
          ['budget-alerts', { source: 'aws.events' }, dev],
          ['idle-throughput', { source: 'aws.events' }, dev],
          ['pricing-refresh', { source: 'aws.events' }, dev],
          ['command-worker', job('spend last week by model'), dev],
          ['command-worker', job('why last week'), dev],
          ['command-worker', job('forecast'), dev],
          ['command-worker', job('idle'), dev],
          ['command-worker', job('budget'), dev],
          ['command-worker', job('ask which team spent the most last month?'), prod],
        ];
        const made = new Set<string>();
        for (const [name, event, packaged] of runs) {
          const before = aws.requests.length;
          const deployed = envOf(lambdaOf(packaged.template, name)[1]);
          const env: Record<string, string> = {
            ...deployed,
            ...local,
            ...endpoints,
            // A function with no secrets to read (pricing-refresh) has no path, and no grant.
            ...(deployed.BEDROCK_COST_SSM_PATH ? { BEDROCK_COST_SSM_PATH: STAGE_PATH } : {}),
            BEDROCK_COST_NOW: '2026-11-16T09:05:00Z',
            SLACK_API_URL: slack.apiUrl,
            POWERTOOLS_LOG_LEVEL: 'INFO',
          };
          await invokePackaged(name, event, env);
          const needed = new Set(aws.requests.slice(before).map(actionOf));
          for (const action of needed) made.add(action);
          const allowed = actionsOf(statementsOf(packaged.template, name));
          const label = `${name} ${JSON.stringify(event).slice(0, 60)}`;
          expect(
            [...needed].filter((a) => !allowed.has(a)),
            label,
          ).toEqual([]);
          // It reached its data (not a run that failed before touching AWS). Bill questions
          // after the first run are answered from the ledger in the table: no bill request.
          const fromLedger = name === 'command-worker' && !/"text":"(idle|ask)/.test(JSON.stringify(event));
          if (!fromLedger) {
            expect([...needed].filter((a) => DATA_SERVICES.test(a)).length, label).toBeGreaterThan(0);
          }
        }
        // The team tags were read in pages (the Tagging API), as the roles allow.
        expect(made).toContain('tag:GetResources');
      } finally {
        await Promise.all([dynamo.close(), slack.close(), aws.close()]);
      }
    },
    SLOW_MS,
  );

  it(
    'verifies Teams with the secret from SSM and answers help with an Adaptive Card',
    async () => {
      const dynamo = await startTestDynamo();
      const ssm = await startAwsServer({
        GetParametersByPath: {
          Parameters: [
            { Name: `${STAGE_PATH}/teams-webhook-secret`, Type: 'SecureString', Value: TEAMS_SECRET },
          ],
        },
      });
      try {
        const env = {
          ...envOf(lambdaOf(dev.template, 'teams-messages')[1]),
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_TABLE: dynamo.store.table,
          BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        };
        // The endpoint bounds replays with the activity's timestamp against the real clock.
        const message = (text: string) => ({
          ...teamsMessage({ text }),
          timestamp: new Date().toISOString(),
        });
        const result = (await invokePackaged(
          'teams-messages',
          teamsRequest(message('help'), TEAMS_SECRET),
          env,
        )) as {
          statusCode: number;
          body: string;
        };
        expect(result.statusCode).toBe(200);
        const body = JSON.parse(result.body) as { attachments: { contentType: string }[] };
        expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
        const forged = teamsRequest(message('help'), Buffer.from('another-secret').toString('base64'));
        expect(
          ((await invokePackaged('teams-messages', forged, env)) as { statusCode: number }).statusCode,
        ).toBe(401);
      } finally {
        await Promise.all([dynamo.close(), ssm.close()]);
      }
    },
    SLOW_MS,
  );

  it('never logs a secret, a token or a response/webhook URL', () => {
    const names = new Set(logs.map((l) => l.name));
    expect([...names].sort()).toEqual([
      'budget-alerts',
      'command-worker',
      'idle-throughput',
      'ledger-sync',
      'pricing-refresh',
      'slack-events',
      'teams-bot',
      'teams-messages',
      'weekly-digest',
    ]);
    // Structured JSON from the Powertools logger, at INFO as deployed.
    const lines = logs.flatMap((l) => l.text.split('\n').filter((t) => t.trim().startsWith('{')));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((t) => JSON.parse(t).service === SERVICE)).toBe(true);
    for (const { name, text } of logs) {
      for (const secret of [SIGNING_SECRET, TEAMS_SECRET, 'xoxb-deploy-test', 'test-app-password']) {
        expect(text.includes(secret), `${name} logged a secret`).toBe(false);
      }
      expect(text, name).not.toMatch(/\/response\/|hooks\.slack\.com|logic\.azure\.com/);
      // Neither the Bot Framework's tokens nor the bot's own connector tokens.
      expect(text, name).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.|connector-token-\d/);
    }
  });
});

/**
 * Lambda retries: EventBridge and asynchronous invocations are delivered at least once, so
 * every scheduled function (and the command worker) may run twice for one event — one
 * retry overlapping the first run, or one after it. The real handlers in `functions/`
 * run here against the environment a Lambda would have, pointed at local servers: the
 * AWS APIs at the wire, DynamoDB (dynalite), the Slack Web API. Each message goes out once.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticAwsHandlers } from '../../bench/synthetic-aws.js';
import type { WorkerJob } from '../../lib/chat/worker.js';
import { manyThroughputs, wireHandlers } from '../idle/idle-fixtures.js';
import { usEast1Strings } from '../pricing/price-list-docs.js';
import {
  type AwsHandler,
  type AwsServer,
  awsTestEnv,
  startAwsServer,
  useEnv,
} from '../support/aws-server.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';
import { syntheticBudgetAccount } from '../support/synthetic-budgets.js';

type Handler = (event: unknown, context?: Context) => Promise<unknown>;

/** Monday 09:00 UTC: every team's digest is due; team-00000 is past 50% and 80% of budget. */
const NOW = '2026-11-16T09:00:00Z';
const FINOPS = 'C0FINOPS01';
const scheduled = {
  version: '0',
  id: 'evt-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  time: NOW,
};

let aws: AwsServer;
let dynamo: TestDynamo;
let slack: SlackServer;
let restore: () => void;
const handlers: Record<string, Handler> = {};

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startTestDynamo(), startSlackServer({ token: 'xoxb-test' })]);
  const account = syntheticAwsHandlers({ teams: 3, now: new Date(NOW) });
  const idle = wireHandlers({ throughputs: manyThroughputs(2), usage: new Map() });
  // One account: the synthetic teams' bill, plus two idle provisioned throughputs.
  aws = await startAwsServer({
    ...account,
    ListProvisionedModelThroughputs: idle.ListProvisionedModelThroughputs!,
    GetProvisionedModelThroughput: idle.GetProvisionedModelThroughput!,
    GetMetricData: (
      input: { MetricDataQueries: { MetricStat: { Metric: { Dimensions: { Value: string }[] } } }[] },
      request,
    ) =>
      JSON.stringify(input).includes('provisioned-model')
        ? (idle.GetMetricData as AwsHandler)(input, request)
        : (account.GetMetricData as AwsHandler)(input, request),
    GetProducts: (input: { ServiceCode: string }) => ({
      FormatVersion: 'aws_v1',
      PriceList: input.ServiceCode === 'AmazonBedrock' ? usEast1Strings : [],
    }),
  });
  const { table } = dynamo.store;
  await syntheticBudgetAccount({ teams: 3, now: new Date(NOW) }).seed(dynamo.store);
  restore = useEnv({
    ...awsTestEnv({
      costExplorer: aws.endpoint,
      cloudWatch: aws.endpoint,
      bedrock: aws.endpoint,
      pricing: aws.endpoint,
      dynamodb: dynamo.endpoint,
    }),
    BEDROCK_COST_NOW: NOW,
    BEDROCK_COST_TABLE: table,
    BEDROCK_COST_SSM_PATH: undefined,
    BEDROCK_COST_DEMO: undefined,
    COMMAND_WORKER_FUNCTION: undefined,
    SLACK_API_URL: slack.apiUrl,
    SLACK_BOT_TOKEN: 'xoxb-test',
    BEDROCK_COST_FINOPS_CHANNEL: FINOPS,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  // Imported after the environment is set: each function validates it once, like a cold start.
  for (const name of [
    'budget-alerts',
    'weekly-digest',
    'idle-throughput',
    'pricing-refresh',
    'command-worker',
  ])
    handlers[name] = ((await import(`../../functions/${name}.ts`)) as { handler: Handler }).handler;
}, 60_000);

afterAll(async () => {
  restore?.();
  await Promise.all([aws?.close(), dynamo?.close(), slack?.close()]);
});

const posts = () => slack.callsTo('chat.postMessage').filter((c) => !c.failed);
const postsTo = (channel: string) => posts().filter((c) => c.args.channel === channel);

describe('a Lambda retry of every scheduled function sends nothing twice', () => {
  it('budget-alerts: a retry overlapping the first run, then one after it', async () => {
    const before = posts().length;
    await Promise.all([handlers['budget-alerts']!(scheduled), handlers['budget-alerts']!(scheduled)]);
    // team-00000 has spent 75% of its budget by the 16th: its 50% alert, once.
    const alerts = postsTo('C000000000');
    expect(alerts.map((c) => String(c.args.text))).toEqual([
      expect.stringMatching(/team-00000 has used 7\d% of/),
    ]);
    await handlers['budget-alerts']!(scheduled);
    expect(posts().length - before).toBe(1);
  });

  it('weekly-digest: one digest per team and one overview, however often it runs', async () => {
    const before = posts().length;
    await Promise.all([handlers['weekly-digest']!(scheduled), handlers['weekly-digest']!(scheduled)]);
    await handlers['weekly-digest']!(scheduled);
    for (const channel of ['C000000000', 'C000000001', 'C000000002']) {
      const digests = postsTo(channel).filter((c) => /week of/i.test(String(c.args.text)));
      expect(digests).toHaveLength(1);
    }
    const overview = postsTo(FINOPS).filter((c) => /week of/i.test(String(c.args.text)));
    expect(overview).toHaveLength(1);
    expect(posts().length - before).toBe(4);
  }, 60_000);

  it('idle-throughput: each idle throughput reported once', async () => {
    const before = postsTo(FINOPS).length;
    const [a, b] = (await Promise.all([
      handlers['idle-throughput']!(scheduled),
      handlers['idle-throughput']!(scheduled),
    ])) as { messages: number }[];
    await handlers['idle-throughput']!(scheduled);
    expect(a!.messages + b!.messages).toBeGreaterThan(0);
    expect(postsTo(FINOPS).length - before).toBe(2);
  });

  it('pricing-refresh: runs again without harm and posts nothing', async () => {
    const before = posts().length;
    const results = (await Promise.all([
      handlers['pricing-refresh']!(scheduled),
      handlers['pricing-refresh']!(scheduled),
    ])) as { summary: string }[];
    const again = (await handlers['pricing-refresh']!(scheduled)) as { summary: string };
    for (const r of [...results, again]) expect(r.summary).toMatch(/pricing|catalog/i);
    expect(posts().length).toBe(before);
    expect(aws.count('GetProducts')).toBeGreaterThanOrEqual(3);
  });

  it('command-worker: an asynchronous invocation retried answers once', async () => {
    const url = slack.responseUrl();
    const job: WorkerJob = {
      kind: 'command',
      id: 'slack:T0:trigger-1',
      text: 'spend last week',
      caller: { platform: 'slack', userId: 'U0ALICE001', isAdmin: false },
      replyTo: { kind: 'slack-response-url', url },
    };
    const outcomes = (await Promise.all([
      handlers['command-worker']!(job),
      handlers['command-worker']!(job),
    ])) as { outcome: string }[];
    const later = (await handlers['command-worker']!(job)) as { outcome: string };
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['answered', 'duplicate']);
    expect(later.outcome).toBe('duplicate');
    const answers = slack.responsesTo(url.split('/').pop()!).filter((p) => !p.failed);
    expect(answers).toHaveLength(1);
    expect(String(answers[0]!.body.text)).toMatch(/\$/);
  });
});

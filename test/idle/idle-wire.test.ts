/**
 * The idle scan end to end through the real AWS adapters and SDK clients: Bedrock
 * (REST-JSON), CloudWatch (JSON 1.0) and Cost Explorer (JSON 1.1) answered by the local
 * wire-level server, DynamoDB by dynalite.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { CommandContext } from '../../lib/commands/types.js';
import { runIdleScan } from '../../lib/idle/job.js';
import type { IdleData } from '../../lib/idle/scan.js';
import {
  type AwsHandler,
  type AwsHandlers,
  type AwsServer,
  awsError,
  awsTestEnv,
  startAwsServer,
  useEnv,
} from '../support/aws-server.js';
import { type RecordingDelivery, recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { manyThroughputs, THROUGHPUTS, wireHandlers } from './idle-fixtures.js';

const CHANNEL = 'C0FINOPS';

describe('idle at the wire', () => {
  let aws: AwsServer;
  let dynamo: TestDynamo;
  let restoreEnv: () => void;
  beforeAll(async () => {
    [aws, dynamo] = await Promise.all([startAwsServer(), startTestDynamo()]);
    restoreEnv = useEnv(awsTestEnv(aws.endpoint));
  });
  afterAll(async () => {
    restoreEnv();
    await Promise.all([aws.close(), dynamo.close()]);
  });
  afterEach(() => {
    aws.requests.length = 0;
  });

  async function setup(handlers: ReturnType<typeof wireHandlers>, env: Record<string, string> = {}) {
    for (const [operation, handler] of Object.entries(handlers)) aws.handle(operation, handler);
    const delivery = recordingDelivery();
    const deps = testDeps({
      store: await dynamo.newStore(),
      delivery,
      env: { BEDROCK_COST_FINOPS_CHANNEL: CHANNEL, AWS_ENDPOINT_URL_BEDROCK: aws.endpoint, ...env },
    });
    const ctx: CommandContext = { deps, caller: { platform: 'cli', userId: 'cli', isAdmin: true } };
    return { deps, delivery: delivery as RecordingDelivery, ctx };
  }

  it('judges the five fixture throughputs from real AWS responses', async () => {
    const { ctx } = await setup(wireHandlers());
    const result = await executeLine('idle', ctx);
    const data = result.data as IdleData;
    const state = Object.fromEntries(data.throughputs.map((t) => [t.name, t.state]));
    expect(state).toEqual({
      'claude-instant-prod': 'in-use',
      'nova-lite-test': 'idle',
      'llama-ft-support': 'idle',
      'nova-lite-batchy': 'in-use',
      'nova-lite-next': 'creating',
    });
    expect(data.throughputs.find((t) => t.name === 'nova-lite-test')).toMatchObject({
      hourlyUsd: 60.5,
      hourlyCostSource: 'bill',
      wastedUsd: 1452,
      recommendation: 'Delete it to save $1,452 a day.',
    });
    expect(data.throughputs.find((t) => t.name === 'claude-instant-prod')).toMatchObject({
      invocations: 2880,
      hourlyUsd: 79.2,
    });
    // Two pages, listed twice: once to scan, once to confirm the idle ones still exist.
    expect(aws.count('ListProvisionedModelThroughputs')).toBe(4);
    expect(aws.count('GetMetricData')).toBe(1);
    const [request] = aws.requestsTo('GetMetricData');
    const modelIds = new Set(
      (
        (request?.input.MetricDataQueries ?? []) as {
          MetricStat: { Metric: { Dimensions: { Value: string }[] } };
        }[]
      ).map((q) => q.MetricStat.Metric.Dimensions[0]?.Value),
    );
    // Both forms of the ModelId dimension, for each measured throughput; none for the Creating one.
    expect(modelIds).toContain(THROUGHPUTS.idleNoCommit.arn);
    expect(modelIds).toContain('x4kq7m2n9p3w');
    expect(modelIds).not.toContain(THROUGHPUTS.creating.arn);
    expect(renderText(result.reply).split('\n')[0]).toBe(
      '2 provisioned throughputs are idle and have cost at least $1,452 in 24 h without a call.',
    );
  });

  it('scans 50 throughputs daily with at most 2 GetMetricData requests, posting each once (its time is in the bench)', async () => {
    const throughputs = manyThroughputs(50);
    const { deps, delivery } = await setup(wireHandlers({ throughputs, usage: new Map() }));
    const report = await runIdleScan(deps, { dryRun: false });
    expect(aws.count('GetMetricData')).toBeLessThanOrEqual(2);
    expect(report.messages.filter((m) => m.status === 'sent')).toHaveLength(50);
    expect(delivery.sentTo(CHANNEL)).toHaveLength(50);
    const again = await runIdleScan(deps, { dryRun: false });
    expect(again.messages.every((m) => m.status === 'already-sent')).toBe(true);
    expect(delivery.sent).toHaveLength(50);
  });

  it('reports a throughput deleted between the list and the metrics', async () => {
    const { ctx } = await setup(wireHandlers({ deleted: [THROUGHPUTS.idleSixMonth.arn] }));
    const result = await executeLine('idle', ctx);
    const data = result.data as IdleData;
    expect(data.throughputs.map((t) => t.name)).not.toContain('llama-ft-support');
    expect(renderText(result.reply)).toContain('llama-ft-support was deleted while I was checking it');
  });

  it('reports throttled CloudWatch in the answer once retries are spent', async () => {
    const { ctx } = await setup({
      ...wireHandlers(),
      GetMetricData: awsError('Throttling', 'Rate exceeded', 400),
    });
    const result = await executeLine('idle', ctx);
    expect(renderText(result.reply).split('\n')[0]).toMatch(/^I couldn't read usage.*throttling/);
    expect((result.data as IdleData).idleCount).toBe(0);
    expect(aws.count('GetMetricData')).toBeGreaterThan(1);
  });

  it('names the missing Bedrock permission in the answer', async () => {
    const { ctx } = await setup({
      ...wireHandlers(),
      ListProvisionedModelThroughputs: awsError(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/bedrock-cost is not authorized to perform: bedrock:ListProvisionedModelThroughputs',
        403,
      ),
    });
    const result = await executeLine('idle', ctx);
    expect(renderText(result.reply)).toMatch(
      /^I couldn't check provisioned throughput: .*bedrock:ListProvisionedModelThroughputs/,
    );
    expect((result.data as IdleData).problems).toHaveLength(1);
  });

  it('falls back to catalog prices when Cost Explorer denies access', async () => {
    const { ctx } = await setup({
      ...wireHandlers(),
      GetCostAndUsage: awsError(
        'AccessDeniedException',
        'not authorized to perform: ce:GetCostAndUsage',
        400,
      ),
    });
    const data = (await executeLine('idle', ctx)).data as IdleData;
    const busy = data.throughputs.find((t) => t.name === 'claude-instant-prod');
    // Claude Instant, 1-month commitment, us-east-1 list price $39.60 per model unit hour, 2 units.
    expect(busy).toMatchObject({ hourlyUsd: 79.2, hourlyCostSource: 'catalog' });
    expect(data.problems.join(' ')).toMatch(/ce:GetCostAndUsage/);
  });

  describe("the owning team (the throughput's team tag)", () => {
    const tagged = [{ ...THROUGHPUTS.idleNoCommit, tags: { team: 'search', env: 'test' } }, THROUGHPUTS.busy];

    it("posts an idle throughput to its team's channel as well as FinOps, once a day", async () => {
      const { deps, delivery, ctx } = await setup(wireHandlers({ throughputs: tagged }));
      await executeLine('budget set search 1000 channel C0SEARCH01', ctx);
      const data = (await executeLine('idle', ctx)).data as IdleData;
      expect(data.throughputs.find((t) => t.name === 'nova-lite-test')?.team).toBe('search');
      expect(data.throughputs.find((t) => t.name === 'claude-instant-prod')?.team).toBeUndefined();

      const report = await runIdleScan(deps, { dryRun: false });
      expect(report.messages.map((m) => [m.target, m.status])).toEqual([
        [`slack:${CHANNEL}`, 'sent'],
        ['slack:C0SEARCH01', 'sent'],
      ]);
      expect(report.summary).toContain('2 posted (1 to slack:C0FINOPS, 1 to team channels)');
      const [toTeam] = delivery.sentTo('C0SEARCH01');
      expect(renderText(toTeam!.reply)).toContain('nova-lite-test · team search ·');
      expect(toTeam!.reply.actions?.map((a) => a.value)).toEqual([THROUGHPUTS.idleNoCommit.arn]);

      const again = await runIdleScan(deps, { dryRun: false });
      expect(again.messages.map((m) => m.status)).toEqual(['already-sent', 'already-sent']);
      expect(delivery.sent).toHaveLength(2);
    });

    it('posts to FinOps only when the team has no channel, or the tags cannot be read', async () => {
      const noTeam = await setup(wireHandlers({ throughputs: tagged }));
      await runIdleScan(noTeam.deps, { dryRun: false });
      expect(noTeam.delivery.sent.map((m) => m.target)).toEqual([{ kind: 'slack', channel: CHANNEL }]);

      const denied = await setup({
        ...wireHandlers({ throughputs: tagged }),
        'Bedrock.ListTagsForResource': awsError(
          'AccessDeniedException',
          'not authorized to perform: bedrock:ListTagsForResource',
          403,
        ),
      });
      await executeLine('budget set search 1000 channel C0SEARCH01', denied.ctx);
      const report = await runIdleScan(denied.deps, { dryRun: false });
      expect(report.messages.map((m) => [m.target, m.status])).toEqual([[`slack:${CHANNEL}`, 'sent']]);
      expect(renderText(denied.delivery.sent[0]!.reply)).not.toContain('team search');
    });
  });

  describe('more Regions (BEDROCK_COST_REGIONS)', () => {
    const west = {
      ...THROUGHPUTS.idleNoCommit,
      arn: 'arn:aws:bedrock:us-west-2:123456789012:provisioned-model/west0000001',
      name: 'nova-lite-west',
    };
    /** Each Region's control plane and CloudWatch answer for their own throughputs (by signing Region). */
    function byRegion(handlers: Record<string, AwsHandlers>): AwsHandlers {
      const operations = new Set(Object.values(handlers).flatMap((h) => Object.keys(h)));
      return Object.fromEntries(
        [...operations].map((op) => [
          op,
          ((input, request) => {
            const h = handlers[request.region ?? ''] ?? handlers['us-east-1']!;
            const handler = h[op];
            if (handler === undefined) return awsError('UnknownOperationException', op);
            return typeof handler === 'function' ? handler(input, request) : handler;
          }) as AwsHandler,
        ]),
      );
    }

    it("scans each Region's throughputs with its own control plane and CloudWatch, one bill query", async () => {
      const { ctx, deps, delivery } = await setup(
        byRegion({
          'us-east-1': wireHandlers(),
          'us-west-2': wireHandlers({ throughputs: [west], usage: new Map() }),
          'eu-central-1': {
            ListProvisionedModelThroughputs: awsError(
              'AccessDeniedException',
              'not authorized to perform: bedrock:ListProvisionedModelThroughputs',
              403,
            ),
          },
        }),
        { BEDROCK_COST_REGIONS: 'us-west-2, eu-central-1' },
      );
      const result = await executeLine('idle', ctx);
      const data = result.data as IdleData;
      expect(data.throughputs.map((t) => t.name)).toContain('nova-lite-west');
      expect(data.throughputs.map((t) => t.name)).toContain('nova-lite-test');
      expect(data.throughputs.find((t) => t.name === 'nova-lite-west')?.state).toBe('idle');
      expect(data.problems).toEqual([
        expect.stringMatching(/^eu-central-1: .*ListProvisionedModelThroughputs/),
      ]);
      expect(renderText(result.reply)).toContain('us-east-1, us-west-2, eu-central-1');
      // The west throughput's usage came from us-west-2's CloudWatch; the bill was read once.
      const westMetrics = aws
        .requestsTo('GetMetricData')
        .filter((r) => r.region === 'us-west-2')
        .flatMap(
          (r) =>
            (r.input.MetricDataQueries as {
              MetricStat: { Metric: { Dimensions: { Value: string }[] } };
            }[]) ?? [],
        );
      expect(westMetrics.map((q) => q.MetricStat.Metric.Dimensions[0]?.Value)).toContain(west.arn);
      // The bill was read once, into the ledger (one query for accounts, one per service), for
      // every Region's throughputs.
      expect(aws.requestsTo('GetCostAndUsage')).toHaveLength(2);

      const report = await runIdleScan(deps, { dryRun: false });
      expect(report.messages.filter((m) => m.status === 'sent').map((m) => m.subject)).toContain(
        'nova-lite-west',
      );
      expect(delivery.sentTo(CHANNEL).length).toBe(report.messages.length);
    });
  });
});

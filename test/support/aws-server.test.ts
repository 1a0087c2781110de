import {
  BedrockClient,
  GetProvisionedModelThroughputCommand,
  ListProvisionedModelThroughputsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lib/aws/clients.js';
import { costAndUsageResponse } from './aws-fixtures.js';
import {
  type AwsServer,
  awsError,
  awsTestEnv,
  failTimes,
  paged,
  startAwsServer,
  useEnv,
} from './aws-server.js';

const day = (start: string, end: string, amount: string) => ({
  TimePeriod: { Start: start, End: end },
  Total: { UnblendedCost: { Amount: amount, Unit: 'USD' } },
  Groups: [],
  Estimated: false,
});

describe('startAwsServer with the real SDK clients', () => {
  let aws: AwsServer;
  beforeAll(async () => {
    aws = await startAwsServer();
  });
  afterAll(async () => {
    await aws.close();
  });
  afterEach(() => {
    aws.requests.length = 0;
  });

  it('follows Cost Explorer NextPageToken pages and records each input', async () => {
    aws.handle(
      'GetCostAndUsage',
      paged(
        [
          { ResultsByTime: [day('2026-11-01', '2026-11-02', '12.50')] },
          { ResultsByTime: [day('2026-11-02', '2026-11-03', '7.25')] },
          { ResultsByTime: [day('2026-11-03', '2026-11-04', '0.10')] },
        ],
        'NextPageToken',
      ),
    );
    const ce = new CostExplorerClient(aws.clientConfig());
    const amounts: string[] = [];
    let token: string | undefined;
    do {
      const page = await ce.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-11-01', End: '2026-11-04' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
          NextPageToken: token,
        }),
      );
      for (const r of page.ResultsByTime ?? []) amounts.push(r.Total?.UnblendedCost?.Amount ?? '');
      token = page.NextPageToken;
    } while (token);
    expect(amounts).toEqual(['12.50', '7.25', '0.10']);
    expect(aws.count('GetCostAndUsage')).toBe(3);
    const [first, second] = aws.requestsTo('GetCostAndUsage');
    expect(first?.service).toBe('CostExplorer');
    expect(first?.headers['x-amz-target']).toBe('AWSInsightsIndexService.GetCostAndUsage');
    expect(first?.input).toMatchObject({ Granularity: 'DAILY', Metrics: ['UnblendedCost'] });
    expect(first?.input.NextPageToken).toBeUndefined();
    expect(second?.input.NextPageToken).toBe('page-1');
    expect(first?.region).toBe('us-east-1');
    expect(first?.signingName).toBe('ce');
    ce.destroy();
  });

  it('builds grouped Cost Explorer responses the SDK parses', async () => {
    aws.handle(
      'GetCostAndUsage',
      costAndUsageResponse(
        [
          {
            start: '2026-11-01',
            end: '2026-11-02',
            keys: ['Amazon Bedrock', 'team$search'],
            amount: '4.20',
            quantity: '1200',
          },
          { start: '2026-11-01', end: '2026-11-02', keys: ['Amazon Bedrock', 'team$'], amount: '0.35' },
          {
            start: '2026-11-02',
            end: '2026-11-03',
            keys: ['Amazon Bedrock', 'team$search'],
            amount: '5.00',
            estimated: true,
          },
        ],
        {
          groupBy: [
            { Type: 'DIMENSION', Key: 'SERVICE' },
            { Type: 'TAG', Key: 'team' },
          ],
        },
      ),
    );
    const ce = new CostExplorerClient(aws.clientConfig());
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-11-01', End: '2026-11-03' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost', 'UsageQuantity'],
      }),
    );
    expect(out.GroupDefinitions).toEqual([
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'TAG', Key: 'team' },
    ]);
    expect(out.ResultsByTime?.map((r) => [r.TimePeriod?.Start, r.Groups?.length, r.Estimated])).toEqual([
      ['2026-11-01', 2, false],
      ['2026-11-02', 1, true],
    ]);
    expect(out.ResultsByTime?.[0]?.Groups?.[0]?.Metrics).toEqual({
      UnblendedCost: { Amount: '4.20', Unit: 'USD' },
      UsageQuantity: { Amount: '1200', Unit: 'N/A' },
    });
    ce.destroy();
  });

  it('raises the modelled Cost Explorer exception class for an error response', async () => {
    aws.handle('GetCostAndUsage', awsError('DataUnavailableException', 'Data is not available'));
    const ce = new CostExplorerClient(aws.clientConfig());
    const error = await ce
      .send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-11-01', End: '2026-11-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      )
      .catch((e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
    expect(error).toMatchObject({ name: 'DataUnavailableException', message: 'Data is not available' });
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(aws.count('GetCostAndUsage')).toBe(1);
    ce.destroy();
  });

  it('lets the SDK retry a throttle (LimitExceededException) and then succeed', async () => {
    aws.handle(
      'GetCostAndUsage',
      failTimes(2, awsError('LimitExceededException', 'Rate exceeded'), {
        ResultsByTime: [day('2026-11-01', '2026-11-02', '3.00')],
      }),
    );
    const ce = new CostExplorerClient(aws.clientConfig({ maxAttempts: 3 }));
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-11-01', End: '2026-11-02' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
      }),
    );
    expect(out.ResultsByTime?.[0]?.Total?.UnblendedCost?.Amount).toBe('3.00');
    expect(aws.requestsTo('GetCostAndUsage').map((r) => r.attempt)).toEqual([1, 2, 3]);
    ce.destroy();
  });

  it('gives up with the throttle error once attempts run out', async () => {
    aws.handle('ListProvisionedModelThroughputs', awsError('ThrottlingException', 'Too many requests', 429));
    const bedrock = new BedrockClient(aws.clientConfig({ maxAttempts: 2 }));
    await expect(bedrock.send(new ListProvisionedModelThroughputsCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(aws.count('ListProvisionedModelThroughputs')).toBe(2);
    bedrock.destroy();
  });

  it('answers CloudWatch GetMetricData over awsJson1_0 with epoch timestamps', async () => {
    aws.handle('GetMetricData', (input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => ({
        Id: q.Id,
        Label: q.Id,
        Timestamps: [new Date('2026-11-17T00:00:00Z')],
        Values: [1234],
        StatusCode: 'Complete',
      })),
    }));
    const cw = new CloudWatchClient(aws.clientConfig({ region: 'eu-west-1' }));
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date('2026-11-17T00:00:00Z'),
        EndTime: new Date('2026-11-18T00:00:00Z'),
        MetricDataQueries: [
          {
            Id: 'in0',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Bedrock',
                MetricName: 'InputTokenCount',
                Dimensions: [{ Name: 'ModelId', Value: 'amazon.nova-lite-v1:0' }],
              },
              Period: 86400,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([1234]);
    expect(out.MetricDataResults?.[0]?.Timestamps?.[0]?.toISOString()).toBe('2026-11-17T00:00:00.000Z');
    const [request] = aws.requestsTo('GetMetricData');
    expect(request?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request?.region).toBe('eu-west-1');
    expect(request?.signingName).toBe('monitoring');
    expect(request?.input).toMatchObject({ StartTime: 1_794_873_600 });
    cw.destroy();
  });

  it('maps CloudWatch query-compatible errors to the modelled class', async () => {
    aws.handle('GetMetricData', awsError('InvalidParameterValueException', 'The period is invalid'));
    const cw = new CloudWatchClient(aws.clientConfig());
    const error = await cw
      .send(
        new GetMetricDataCommand({
          StartTime: new Date('2026-11-17T00:00:00Z'),
          EndTime: new Date('2026-11-18T00:00:00Z'),
          MetricDataQueries: [],
        }),
      )
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'InvalidParameterValueException', message: 'The period is invalid' });
    cw.destroy();
  });

  it('routes Bedrock REST-JSON calls by method and path, with query members parsed', async () => {
    aws.handle('ListProvisionedModelThroughputs', (input: { nextToken?: string }) =>
      input.nextToken
        ? {
            provisionedModelSummaries: [
              {
                provisionedModelName: 'support-bot',
                provisionedModelArn: 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123',
                modelArn:
                  'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
                desiredModelArn:
                  'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
                foundationModelArn:
                  'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
                modelUnits: 1,
                desiredModelUnits: 1,
                status: 'InService',
                commitmentDuration: 'OneMonth',
                creationTime: new Date('2026-10-01T09:00:00Z'),
                lastModifiedTime: new Date('2026-10-01T09:30:00Z'),
              },
            ],
          }
        : { provisionedModelSummaries: [], nextToken: 'more' },
    );
    aws.handle('Bedrock.ListTagsForResource', (input: { resourceARN: string }) => ({
      tags: input.resourceARN.endsWith('abc123') ? [{ key: 'team', value: 'search' }] : [],
    }));
    const bedrock = new BedrockClient(aws.clientConfig());
    const first = await bedrock.send(new ListProvisionedModelThroughputsCommand({ maxResults: 50 }));
    const second = await bedrock.send(
      new ListProvisionedModelThroughputsCommand({ maxResults: 50, nextToken: first.nextToken }),
    );
    const summary = second.provisionedModelSummaries?.[0];
    expect(summary?.status).toBe('InService');
    expect(summary?.creationTime?.toISOString()).toBe('2026-10-01T09:00:00.000Z');
    const tags = await bedrock.send(
      new ListTagsForResourceCommand({ resourceARN: summary?.provisionedModelArn }),
    );
    expect(tags.tags).toEqual([{ key: 'team', value: 'search' }]);

    const calls = aws.requestsTo('ListProvisionedModelThroughputs');
    expect(calls.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/provisioned-model-throughputs'],
      ['GET', '/provisioned-model-throughputs'],
    ]);
    expect(calls[0]?.input).toEqual({ maxResults: 50 });
    expect(calls[1]?.input).toEqual({ maxResults: 50, nextToken: 'more' });
    expect(aws.requestsTo('ListTagsForResource')[0]).toMatchObject({ service: 'Bedrock', method: 'POST' });
    bedrock.destroy();
  });

  it('answers Bedrock Runtime Converse with the model id from the path', async () => {
    aws.handle('Converse', (input: { modelId: string; messages: unknown[] }) => ({
      output: { message: { role: 'assistant', content: [{ text: `hello from ${input.modelId}` }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 },
      metrics: { latencyMs: 42 },
    }));
    const runtime = new BedrockRuntimeClient(aws.clientConfig());
    const out = await runtime.send(
      new ConverseCommand({
        modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      }),
    );
    expect(out.output?.message?.content?.[0]?.text).toBe(
      'hello from us.anthropic.claude-3-5-haiku-20241022-v1:0',
    );
    expect(out.usage?.totalTokens).toBe(17);
    const [request] = aws.requestsTo('Converse');
    expect(request?.service).toBe('BedrockRuntime');
    expect(request?.input.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
    runtime.destroy();
  });

  it('raises Bedrock Runtime errors as their classes (ValidationException)', async () => {
    aws.handle('Converse', awsError('ValidationException', 'The provided model identifier is invalid.'));
    const runtime = new BedrockRuntimeClient(aws.clientConfig());
    await expect(
      runtime.send(
        new ConverseCommand({ modelId: 'nope', messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided model identifier is invalid.',
    });
    runtime.destroy();
  });

  it('retries CloudWatch Throttling and Bedrock 5xx, over HTTP/1.1 and HTTP/2 alike', async () => {
    aws.handle(
      'GetMetricData',
      failTimes(1, awsError('Throttling', 'Rate exceeded'), { MetricDataResults: [] }),
    );
    aws.handle(
      'ListInferenceProfiles',
      failTimes(1, awsError('InternalServerException', 'Internal error', 500), {
        inferenceProfileSummaries: [],
      }),
    );
    aws.handle(
      'Converse',
      failTimes(1, awsError('ThrottlingException', 'Too many tokens', 429), {
        output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        metrics: { latencyMs: 1 },
      }),
    );
    const cw = new CloudWatchClient(aws.clientConfig({ maxAttempts: 2 }));
    const bedrock = new BedrockClient(aws.clientConfig({ maxAttempts: 2 }));
    const runtime = new BedrockRuntimeClient(aws.clientConfig({ maxAttempts: 2 }));
    const { ListInferenceProfilesCommand } = await import('@aws-sdk/client-bedrock');
    const [metrics, profiles, answer] = await Promise.all([
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date('2026-11-17T00:00:00Z'),
          EndTime: new Date('2026-11-18T00:00:00Z'),
          MetricDataQueries: [],
        }),
      ),
      bedrock.send(new ListInferenceProfilesCommand({})),
      runtime.send(
        new ConverseCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
      ),
    ]);
    expect(metrics.$metadata.attempts).toBe(2);
    expect(profiles.$metadata.attempts).toBe(2);
    expect(answer.$metadata.attempts).toBe(2);
    expect([aws.count('GetMetricData'), aws.count('ListInferenceProfiles'), aws.count('Converse')]).toEqual([
      2, 2, 2,
    ]);
    cw.destroy();
    bedrock.destroy();
    runtime.destroy();
  });

  it('serves Price List GetProducts (PriceList items are JSON strings)', async () => {
    const product = {
      product: {
        productFamily: 'Amazon Bedrock',
        attributes: { model: 'Nova Lite', usagetype: 'USE1-NovaLite-input-tokens' },
      },
      terms: {},
    };
    aws.handle(
      'GetProducts',
      paged([{ PriceList: [JSON.stringify(product)] }, { PriceList: [] }], 'NextToken'),
    );
    const pricing = new PricingClient(aws.clientConfig());
    const out = await pricing.send(
      new GetProductsCommand({
        ServiceCode: 'AmazonBedrock',
        Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }],
      }),
    );
    expect(JSON.parse(out.PriceList?.[0] ?? '{}')).toEqual(product);
    expect(out.NextToken).toBe('page-1');
    expect(aws.requestsTo('GetProducts')[0]).toMatchObject({
      service: 'Pricing',
      signingName: 'pricing',
      input: { ServiceCode: 'AmazonBedrock' },
    });
    pricing.destroy();
  });

  it('fails loudly for an operation without a handler', async () => {
    const bedrock = new BedrockClient(aws.clientConfig({ maxAttempts: 1 }));
    await expect(
      bedrock.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: 'abc123' })),
    ).rejects.toThrow(/no handler for Bedrock.GetProvisionedModelThroughput/);
    expect(aws.requestsTo('GetProvisionedModelThroughput')[0]).toMatchObject({
      path: '/provisioned-model-throughput/abc123',
      input: { provisionedModelId: 'abc123' },
    });
    bedrock.destroy();
  });
});

describe('awsTestEnv', () => {
  it('points the clients from lib/aws/clients.ts at the server, Cost Explorer pinned to us-east-1', async () => {
    const aws = await startAwsServer({
      GetCostAndUsage: { ResultsByTime: [day('2026-11-01', '2026-11-02', '1.00')] },
      ListInferenceProfiles: { inferenceProfileSummaries: [] },
    });
    const restore = useEnv({ ...awsTestEnv(aws.endpoint), AWS_REGION: 'eu-central-1' });
    try {
      const clients = createAwsClients({ region: 'eu-central-1' });
      await clients.costExplorer.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-11-01', End: '2026-11-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      );
      const { ListInferenceProfilesCommand } = await import('@aws-sdk/client-bedrock');
      await clients.bedrock.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION' }));
      expect(aws.requestsTo('GetCostAndUsage')[0]?.region).toBe('us-east-1');
      expect(aws.requestsTo('ListInferenceProfiles')[0]).toMatchObject({
        region: 'eu-central-1',
        path: '/inference-profiles',
        input: { typeEquals: 'APPLICATION' },
      });
    } finally {
      restore();
      await aws.close();
    }
  });
});

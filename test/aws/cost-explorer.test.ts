import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterEach, describe, expect, it } from 'vitest';
import { createCostExplorerSource } from '../../lib/aws/cost-explorer.js';
import { isUserError } from '../../lib/errors.js';
import { Dec, sumUsd } from '../../lib/money.js';
import type { CostQuery } from '../../lib/ports.js';
import { billFacts, costExplorerHandler, servicesHandler } from '../spend/bill-fixture.js';
import { type AwsServer, awsError, failTimes, startAwsServer } from '../support/aws-server.js';

let aws: AwsServer | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

const SERVICES = ['Amazon Bedrock', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)'];
const QUERY: CostQuery = {
  start: '2026-11-02',
  end: '2026-11-16',
  granularity: 'DAILY',
  groupBy: [
    { type: 'DIMENSION', key: 'SERVICE' },
    { type: 'DIMENSION', key: 'USAGE_TYPE' },
  ],
  services: SERVICES,
  metric: 'UnblendedCost',
};

function source(server: AwsServer, options: { maxAttempts?: number } = {}) {
  const client = new CostExplorerClient(server.clientConfig({ maxAttempts: options.maxAttempts ?? 1 }));
  return createCostExplorerSource(client, {
    retryDelaysMs: [5, 5],
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
}

describe('createCostExplorerSource', () => {
  it('follows NextPageToken over every page and counts each page as a request', async () => {
    const facts = billFacts();
    aws = await startAwsServer({ GetCostAndUsage: costExplorerHandler(facts, 25) });
    const result = await source(aws).getCostAndUsage(QUERY);
    const pages = aws.count('GetCostAndUsage');
    expect(pages).toBeGreaterThan(3);
    expect(result.requests).toBe(pages);
    const expected = sumUsd(
      facts
        .filter((f) => SERVICES.includes(f.service) && f.day >= QUERY.start && f.day < QUERY.end)
        .map((f) => new Dec(f.amount)),
    );
    expect(sumUsd(result.rows.map((r) => r.amount)).eq(expected)).toBe(true);
    expect(result.rows.every((r) => r.keys.length === 2)).toBe(true);
  });

  it('reads a page of 200,000 groups (a large organisation: a day by usage type and team)', async () => {
    const groups = 200_000;
    aws = await startAwsServer({
      GetCostAndUsage: () => ({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-02', End: '2026-11-03' },
            Estimated: false,
            Groups: Array.from({ length: groups }, (_, i) => ({
              Keys: ['USE1-NovaPro-input-tokens', `team$team-${i}`],
              Metrics: {
                UnblendedCost: { Amount: '0.01', Unit: 'USD' },
                UsageQuantity: { Amount: '1', Unit: 'N/A' },
              },
            })),
          },
        ],
      }),
    });
    const result = await source(aws).getCostAndUsage({ ...QUERY, end: '2026-11-03' });
    expect(result.rows).toHaveLength(groups);
    expect(sumUsd(result.rows.map((r) => r.amount)).toFixed()).toBe('2000');
  });

  it('asks for usage only, in the Bedrock services, with an exclusive end and the cost metric', async () => {
    aws = await startAwsServer({ GetCostAndUsage: costExplorerHandler([], 25) });
    await source(aws).getCostAndUsage({ ...QUERY, tag: { key: 'team', values: ['search', ''] } });
    const input = aws.requestsTo('GetCostAndUsage')[0]!.input;
    expect(input.TimePeriod).toEqual({ Start: '2026-11-02', End: '2026-11-16' });
    expect(input.Metrics).toEqual(['UnblendedCost', 'UsageQuantity']);
    expect(input.GroupBy).toEqual([
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
    ]);
    expect(input.Filter).toEqual({
      And: [
        { Dimensions: { Key: 'SERVICE', Values: SERVICES } },
        { Dimensions: { Key: 'RECORD_TYPE', Values: ['Usage'] } },
        {
          Or: [
            { Tags: { Key: 'team', Values: ['search'], MatchOptions: ['EQUALS'] } },
            { Tags: { Key: 'team', MatchOptions: ['ABSENT'] } },
          ],
        },
      ],
    });
  });

  it('lists services with GetDimensionValues', async () => {
    aws = await startAwsServer({ GetDimensionValues: servicesHandler(billFacts()) });
    const services = await source(aws).listServices({ start: '2026-11-01', end: '2026-11-16' });
    expect(services).toContain('Claude Sonnet 4.5 (Amazon Bedrock Edition)');
    expect(aws.requestsTo('GetDimensionValues')[0]!.input).toMatchObject({
      Dimension: 'SERVICE',
      Context: 'COST_AND_USAGE',
    });
  });

  it('retries throttling with backoff, then answers', async () => {
    aws = await startAwsServer({
      GetCostAndUsage: failTimes(
        2,
        awsError('LimitExceededException', 'Rate exceeded'),
        costExplorerHandler(billFacts(), 1000),
      ),
    });
    const result = await source(aws).getCostAndUsage(QUERY);
    expect(result.rows.length).toBeGreaterThan(0);
    expect(aws.count('GetCostAndUsage')).toBe(3);
  });

  it('gives up politely when throttling persists', async () => {
    aws = await startAwsServer({ GetCostAndUsage: awsError('LimitExceededException', 'Rate exceeded') });
    const error = await source(aws)
      .getCostAndUsage(QUERY)
      .catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/try again in a minute/);
  });

  it('returns the forecast with its prediction interval', async () => {
    aws = await startAwsServer({
      GetCostForecast: {
        Total: { Amount: '1234.5', Unit: 'USD' },
        ForecastResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-18', End: '2026-12-01' },
            MeanValue: '1234.5',
            PredictionIntervalLowerBound: '1100',
            PredictionIntervalUpperBound: '1400',
          },
        ],
      },
    });
    const f = await source(aws).getCostForecast({
      start: '2026-11-18',
      end: '2026-12-01',
      services: SERVICES,
      metric: 'UnblendedCost',
    });
    expect(f?.total.toString()).toBe('1234.5');
    expect([f?.low?.toString(), f?.high?.toString()]).toEqual(['1100', '1400']);
    expect(aws.requestsTo('GetCostForecast')[0]!.input).toMatchObject({
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
    });
  });

  it('answers null when Cost Explorer has too little history to forecast', async () => {
    aws = await startAwsServer({
      GetCostForecast: awsError('DataUnavailableException', 'Insufficient amount of historical data'),
    });
    const f = await source(aws).getCostForecast({
      start: '2026-11-18',
      end: '2026-12-01',
      services: SERVICES,
      metric: 'UnblendedCost',
    });
    expect(f).toBeNull();
  });
});

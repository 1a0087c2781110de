import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../lib/pricing/catalog.js';
import { otherStrings, usEast1Strings } from '../pricing/price-list-docs.js';
import { type AwsServer, awsTestEnv, paged, startAwsServer, useEnv } from '../support/aws-server.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

/**
 * The deployed entry point, `functions/pricing-refresh.handler`, as Lambda runs it: config
 * from the environment, the Price List client pinned to us-east-1 (reached through
 * AWS_ENDPOINT_URL_PRICING), the table through AWS_ENDPOINT_URL_DYNAMODB.
 */
describe('functions/pricing-refresh handler', () => {
  let aws: AwsServer;
  let dynamo: TestDynamo;
  let restore: () => void;
  beforeAll(async () => {
    const pages = paged(
      [{ FormatVersion: 'aws_v1', PriceList: [...usEast1Strings, ...otherStrings] }],
      'NextToken',
    );
    aws = await startAwsServer({
      GetProducts: (input, request) =>
        input.ServiceCode === 'AmazonBedrock'
          ? pages(input, request)
          : { FormatVersion: 'aws_v1', PriceList: [] },
    });
    dynamo = await startTestDynamo();
    restore = useEnv({
      ...awsTestEnv({ pricing: aws.endpoint, dynamodb: dynamo.endpoint }),
      AWS_REGION: 'eu-west-1',
      BEDROCK_COST_TABLE: dynamo.store.table,
      BEDROCK_COST_NOW: '2026-11-18T03:30:00Z',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    restore();
    await aws.close();
    await dynamo.close();
  });

  it('refreshes the catalog into the table and returns the summary', async () => {
    const { handler } = await import('../../functions/pricing-refresh.js');
    const result = await handler({}, undefined);
    expect(result.summary).toMatch(/^Pricing refresh stored \d+ prices from 34 products, as of 2026-09-11/);
    expect(aws.requestsTo('GetProducts').map((r) => [r.input.ServiceCode, r.region])).toEqual([
      ['AmazonBedrock', 'us-east-1'],
      ['AmazonBedrockFoundationModels', 'us-east-1'],
    ]);
    const catalog = await loadCatalog(dynamo.store);
    expect(catalog).toMatchObject({
      source: 'refreshed',
      asOf: '2026-09-11',
      refreshedAt: '2026-11-18T03:30:00.000Z',
    });
  });
});

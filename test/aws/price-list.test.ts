import { PricingClient } from '@aws-sdk/client-pricing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricingClient } from '../../lib/aws/clients.js';
import { createPriceListSource } from '../../lib/aws/price-list.js';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Log } from '../../lib/log.js';
import { loadCatalog } from '../../lib/pricing/catalog.js';
import { priceAt, resolveModel } from '../../lib/pricing/models.js';
import { runPricingRefresh } from '../../lib/pricing/refresh.js';
import { otherStrings, usEast1Strings } from '../pricing/price-list-docs.js';
import {
  type AwsHandler,
  type AwsServer,
  awsError,
  awsTestEnv,
  paged,
  startAwsServer,
  useEnv,
} from '../support/aws-server.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

/** Serve the real documents in pages of 10, like GetProducts does (at most 100 a page). */
function bedrockPages(strings: string[]): AwsHandler {
  const pages: Record<string, unknown>[] = [];
  for (let i = 0; i < strings.length; i += 10)
    pages.push({ FormatVersion: 'aws_v1', PriceList: strings.slice(i, i + 10) });
  return paged(pages, 'NextToken');
}

function getProducts(bedrock: string[], marketplace: string[] = []): AwsHandler {
  const pages = bedrockPages(bedrock);
  return (input, request) =>
    input.ServiceCode === 'AmazonBedrock'
      ? pages(input, request)
      : {
          FormatVersion: 'aws_v1',
          PriceList: input.ServiceCode === 'AmazonBedrockFoundationModels' ? marketplace : [],
        };
}

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const REAL = [...usEast1Strings, ...otherStrings];

describe('createPriceListSource (GetProducts at the wire)', () => {
  let aws: AwsServer;
  beforeAll(async () => {
    aws = await startAwsServer({ GetProducts: getProducts(REAL) });
  });
  afterAll(() => aws.close());

  it('follows NextToken across pages and parses each PriceList string', async () => {
    const before = aws.count('GetProducts');
    const source = createPriceListSource(new PricingClient(aws.clientConfig()));
    const products = await source.getProducts('AmazonBedrock');
    expect(products).toHaveLength(REAL.length);
    expect(products[0]?.product.attributes.usagetype).toBe('USE1-NovaLite-input-tokens');
    const calls = aws.requestsTo('GetProducts').slice(before);
    expect(calls).toHaveLength(Math.ceil(REAL.length / 10));
    expect(calls.map((c) => c.input.NextToken)).toEqual([undefined, 'page-1', 'page-2', 'page-3']);
    expect(calls[0]?.input).toMatchObject({
      ServiceCode: 'AmazonBedrock',
      FormatVersion: 'aws_v1',
      MaxResults: 100,
    });
  });

  it('signs for us-east-1 whatever the Lambda Region (the Price List lives there)', async () => {
    const restore = useEnv({ ...awsTestEnv(aws.endpoint), AWS_REGION: 'eu-west-1' });
    try {
      const before = aws.count('GetProducts');
      await createPriceListSource(createPricingClient()).getProducts('AmazonBedrockFoundationModels');
      const call = aws.requestsTo('GetProducts')[before];
      expect(call?.region).toBe('us-east-1');
      expect(call?.input.ServiceCode).toBe('AmazonBedrockFoundationModels');
    } finally {
      restore();
    }
  });
});

describe('runPricingRefresh end to end (wire server + dynalite)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(() => dynamo.close());

  it('stores the refreshed catalog, and answers then state it and its date', async () => {
    const aws = await startAwsServer({ GetProducts: getProducts(REAL) });
    try {
      const store = await dynamo.newStore();
      const deps = testDeps({ store });
      const source = createPriceListSource(new PricingClient(aws.clientConfig()));
      const report = await runPricingRefresh(deps, { dryRun: false }, source);
      expect(report.job).toBe('pricing-refresh');
      expect(report.summary).toMatch(/^Pricing refresh stored \d+ prices from 34 products, as of 2026-09-11/);
      const catalog = await loadCatalog(store);
      expect(catalog).toMatchObject({
        source: 'refreshed',
        asOf: '2026-09-11',
        refreshedAt: '2026-11-18T06:00:00.000Z',
      });
      expect(priceAt(resolveModel(catalog, 'nova pro').model, 'ap-northeast-1')?.source).toBe(
        'price-list-2026-09-11',
      );

      const result = await executeLine('estimate nova-micro 800 in 200 out 300k requests/month batch', {
        deps,
        caller: { platform: 'cli', userId: 'cli', isAdmin: true },
      });
      expect(renderText(result.reply)).toContain('prices as of 2026-09-11 (AWS Price List)');
      expect(result.data).toMatchObject({
        priceSource: 'refreshed',
        pricesAsOf: '2026-09-11',
        default: 'batch',
      });
    } finally {
      await aws.close();
    }
  });

  it('a dry run parses and checks but stores nothing', async () => {
    const aws = await startAwsServer({ GetProducts: getProducts(REAL) });
    try {
      const store = await dynamo.newStore();
      const report = await runPricingRefresh(
        testDeps({ store }),
        { dryRun: true },
        createPriceListSource(new PricingClient(aws.clientConfig())),
      );
      expect(report.summary).toMatch(/dry run.*nothing stored/);
      expect((await loadCatalog(store)).source).toBe('bundled');
    } finally {
      await aws.close();
    }
  });

  it('keeps the previous catalog when the Price List API fails, and logs why', async () => {
    const aws = await startAwsServer({ GetProducts: awsError('AccessDeniedException', 'not allowed', 400) });
    try {
      const store = await dynamo.newStore();
      const log = recordingLog();
      const report = await runPricingRefresh(
        testDeps({ store, log }),
        { dryRun: false },
        createPriceListSource(new PricingClient(aws.clientConfig({ maxAttempts: 1 }))),
      );
      expect(report.summary).toBe(
        'Pricing refresh kept the previous catalog (as of 2026-07-24): the Price List API failed (AmazonBedrock: AccessDeniedException, AmazonBedrockFoundationModels: AccessDeniedException).',
      );
      expect(log.lines.some((l) => l.startsWith('warn: Pricing refresh kept the previous catalog'))).toBe(
        true,
      );
      expect((await loadCatalog(store)).source).toBe('bundled');
    } finally {
      await aws.close();
    }
  });

  it('keeps the refreshed catalog when the next refresh looks wrong (a price moving 10x)', async () => {
    const store = await dynamo.newStore();
    const good = await startAwsServer({ GetProducts: getProducts(REAL) });
    try {
      await runPricingRefresh(
        testDeps({ store }),
        { dryRun: false },
        createPriceListSource(new PricingClient(good.clientConfig())),
      );
    } finally {
      await good.close();
    }
    // Nova Micro input published per 1M while still valued per 1K: 1,000x too cheap.
    const broken = REAL.map((s) =>
      s.includes('XAR69MSGZSU6FEM9') ? s.replace('"unit":"1K tokens"', '"unit":"1M tokens"') : s,
    );
    const bad = await startAwsServer({ GetProducts: getProducts(broken) });
    try {
      const log = recordingLog();
      const report = await runPricingRefresh(
        testDeps({ store, log, now: '2026-11-19T06:00:00Z' }),
        { dryRun: false },
        createPriceListSource(new PricingClient(bad.clientConfig())),
      );
      expect(report.summary).toMatch(
        /kept the previous catalog \(as of 2026-09-11\): prices moved more than 10x: nova-micro input/,
      );
      const catalog = await loadCatalog(store);
      expect(catalog.refreshedAt).toBe('2026-11-18T06:00:00.000Z');
      expect(priceAt(resolveModel(catalog, 'nova micro').model, 'us-east-1')?.input).toBe('0.035');
    } finally {
      await bad.close();
    }
  });
});

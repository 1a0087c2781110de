import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/local/cli.js';
import { otherStrings, usEast1Strings } from '../pricing/price-list-docs.js';
import { type AwsServer, awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';

/** `bedrock-cost pricing-refresh` as an operator runs it, against a local Price List endpoint. */
describe('bedrock-cost pricing-refresh', () => {
  let aws: AwsServer;
  let restore: () => void;
  const dataDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-refresh-'));
  beforeAll(async () => {
    aws = await startAwsServer({
      GetProducts: (input) => ({
        FormatVersion: 'aws_v1',
        PriceList: input.ServiceCode === 'AmazonBedrock' ? [...usEast1Strings, ...otherStrings] : [],
      }),
    });
    // The SDK reads endpoint overrides and credentials from the process environment.
    const { AWS_ENDPOINT_URL_DYNAMODB: _embedded, ...env } = awsTestEnv({ pricing: aws.endpoint });
    restore = useEnv(env);
  });
  afterAll(async () => {
    restore();
    await aws.close();
  });

  async function cli(argv: string[], extra: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { BEDROCK_COST_NOW: '2026-11-18T03:30:00Z', BEDROCK_COST_DATA_DIR: dataDir, ...extra },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('stores the refreshed catalog, and later answers say which catalog they used', async () => {
    const refresh = await cli(['pricing-refresh', '--format', 'json']);
    expect(refresh.code).toBe(0);
    expect(JSON.parse(refresh.out).data.summary).toMatch(/^Pricing refresh stored \d+ prices/);
    expect(aws.count('GetProducts')).toBe(2);
    const prices = await cli(['prices', 'nova', 'pro']);
    expect(prices.code).toBe(0);
    // Refreshed rows say AWS Price List and their publication; rows the refresh did not
    // touch still name the third-party snapshot they came from.
    expect(prices.out).toMatch(/us-east-1 .*AWS Price List 2026-09-11/);
    expect(prices.out).toMatch(/LiteLLM third-party snapshot 2026-07-24/);
  });

  it('refuses politely in demo mode, where there is no Price List to read', async () => {
    const before = aws.count('GetProducts');
    const demo = await cli(['pricing-refresh', '--demo']);
    expect(demo.code).toBe(2);
    expect(demo.err).toContain('needs AWS credentials');
    expect(aws.count('GetProducts')).toBe(before);
  });
});

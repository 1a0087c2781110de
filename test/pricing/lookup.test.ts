import { describe, expect, it } from 'vitest';
import { roundCents } from '../../lib/money.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import {
  costOfTokens,
  tokenPricesFor,
  tokenPricesForService,
  tokenPricesForUsageToken,
  usagePriceFor,
} from '../../lib/pricing/lookup.js';
import { parseUsageType } from '../../lib/spend/usage-type.js';

const catalog = bundledCatalog();

describe('tokenPricesFor (CloudWatch ModelId -> prices)', () => {
  it('prices a us. profile call at the geo price and a global. call at the global price', () => {
    const us = tokenPricesFor(catalog, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1')!;
    expect(us).toMatchObject({ route: 'geo', at: 'us' });
    expect(us.input.toString()).toBe('3.3');
    const global = tokenPricesFor(catalog, 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1')!;
    expect(global).toMatchObject({ route: 'global', at: 'global' });
    // 1.2M input + 0.3M output at $3 / $15: 3.6 + 4.5 = 8.10
    expect(roundCents(costOfTokens(global, { input: 1_200_000, output: 300_000 }))).toBe(8.1);
    // the same through us.: 3.3 x 1.2 + 16.5 x 0.3 = 3.96 + 4.95 = 8.91
    expect(roundCents(costOfTokens(us, { input: 1_200_000, output: 300_000 }))).toBe(8.91);
  });

  it('prices a base model ID in-region, with cache and batch counts', () => {
    const micro = tokenPricesFor(catalog, 'amazon.nova-micro-v1:0', 'us-east-1')!;
    expect(micro.route).toBe('in-region');
    // 1M input x 0.035 + 1M cache read x 0.00875 + 1M cache write x 0 + 1M output x 0.14 = 0.18375
    expect(costOfTokens(micro, { input: 1e6, output: 1e6, cacheRead: 1e6, cacheWrite: 1e6 }).toString()).toBe(
      '0.18375',
    );
    // batch: 1M in x 0.0175 + 1M out x 0.07 = 0.0875
    expect(costOfTokens(micro, { input: 1e6, output: 1e6, batch: true }).toString()).toBe('0.0875');
  });

  it('is undefined for IDs that name no model (application inference profiles)', () => {
    expect(
      tokenPricesFor(
        catalog,
        'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3',
        'us-east-1',
      ),
    ).toBeUndefined();
  });

  it('by Cost Explorer service name and by usage-type token', () => {
    expect(
      tokenPricesForService(
        catalog,
        'Claude 3 Haiku (Amazon Bedrock Edition)',
        'us-east-1',
      )?.input.toString(),
    ).toBe('0.25');
    expect(tokenPricesForUsageToken(catalog, 'NovaPro', 'ap-northeast-1')?.input.toString()).toBe('0.96');
    expect(tokenPricesForUsageToken(catalog, 'Llama3-1-70B', 'us-west-2')?.output.toString()).toBe('0.72');
  });
});

describe('usagePriceFor: the price a Cost Explorer usage-type line is billed at', () => {
  const c = bundledCatalog();
  const SONNET46 = 'Claude Sonnet 4.6 (Amazon Bedrock Edition)';
  it.each([
    [SONNET46, 'USE1-MP:USE1_InputTokenCount_Global-Units', 'global', 'input', '3', '1M tokens'],
    [SONNET46, 'USE1-MP:USE1_InputTokenCount-Units', 'us-east-1', 'input', '3.3', '1M tokens'],
    [
      SONNET46,
      'USE1-MP:USE1_CacheWrite1hInputTokenCount-Units',
      'us-east-1',
      'cacheWrite1h',
      '6.6',
      '1M tokens',
    ],
    [
      SONNET46,
      'USE1-MP:USE1_OutputTokenCount_Global_Batch-Units',
      'global',
      'batchOutput',
      '7.5',
      '1M tokens',
    ],
    [
      SONNET46,
      'USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units',
      'us',
      'reserved1mInput',
      '0.198',
      '1K TPM-hour',
    ],
    [
      SONNET46,
      'USE1-MP:USE1_Reserved_3Month_OutputTPM_Global-Units',
      'global',
      'reserved3mOutput',
      '0.81',
      '1K TPM-hour',
    ],
    [
      'Amazon Bedrock',
      'USE1-Qwen3-32B-output-tokens-priority',
      'us-east-1',
      'priorityOutput',
      '1.05',
      '1M tokens',
    ],
    ['Amazon Bedrock', 'USE1-Qwen3-32B-input-tokens-flex', 'us-east-1', 'flexInput', '0.075', '1M tokens'],
    [
      'Amazon Bedrock',
      'USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global',
      'global',
      'inputLong',
      '6',
      '1M tokens',
    ],
    [
      'Amazon Bedrock',
      'USE1-Nova2.0Lite-output-tokens-cross-region-global',
      'global',
      'output',
      '2.5',
      '1M tokens',
    ],
  ])('%s / %s -> %s %s $%s per %s', (service, usageType, at, field, usd, unit) => {
    const p = usagePriceFor(c, parseUsageType(service, usageType))!;
    expect(p).toMatchObject({ at, field, unit });
    expect(p.usd.toString()).toBe(usd);
    expect(c.sources[p.source]?.kind).toMatch(/^price-list-/);
  });

  it('gives no price rather than a neighbour when the catalog publishes none', () => {
    // No latency-optimized price for Claude 3.5 Haiku in the catalog: not the standard one.
    expect(
      usagePriceFor(
        c,
        parseUsageType('Amazon Bedrock', 'USE1-Claude3-5Haiku-input-tokens-latency-optimized'),
      ),
    ).toBeUndefined();
    // Priority for Sonnet 4.6 is not published: undefined, not the standard input price.
    expect(
      usagePriceFor(c, parseUsageType(SONNET46, 'USE1-MP:USE1_input_tokens_priority-Units')),
    ).toBeUndefined();
  });
});

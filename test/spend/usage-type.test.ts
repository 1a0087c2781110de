import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeUsage,
  isBedrockService,
  parseUsageType,
  priceFieldOf,
  pricingTierOf,
} from '../../lib/spend/usage-type.js';

const BEDROCK = 'Amazon Bedrock';
const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';

describe('parseUsageType', () => {
  it.each([
    // Amazon and open-weight models: the model is in the usage type.
    [
      BEDROCK,
      'USE1-Claude3Sonnet-input-tokens',
      { modelName: 'Claude 3 Sonnet', tokenClass: 'input', region: 'us-east-1' },
    ],
    [BEDROCK, 'USE1-Llama3-2-1B-output-tokens', { modelName: 'Llama 3.2 1B', tokenClass: 'output' }],
    [
      BEDROCK,
      'USE1-Llama4-Maverick-17B-input-tokens-batch',
      { modelName: 'Llama 4 Maverick 17B', batch: true },
    ],
    [BEDROCK, 'USE1-Gemma-3-4B-IT-input-tokens-flex', { modelName: 'Gemma 3 4B IT', tier: 'flex' }],
    [
      BEDROCK,
      'USE1-Nova2.0Lite-input-tokens-cross-region-global-batch',
      { modelName: 'Nova 2 Lite', scope: 'global', batch: true },
    ],
    [
      BEDROCK,
      'USE1-NovaPro-cache-write-input-token-count-custom-model',
      { tokenClass: 'cache-write-5m', detail: 'custom model' },
    ],
    [BEDROCK, 'USE1-Claude4.6Sonnet-input-tokens', { modelName: 'Claude Sonnet 4.6' }],
    [BEDROCK, 'EU-Llama3-1-70B-input-tokens', { modelName: 'Llama 3.1 70B', region: 'eu-west-1' }],
    [BEDROCK, 'USE1-NovaMicro-output-tokens-priority', { tier: 'priority', tokenClass: 'output' }],
    [BEDROCK, 'USE1-TitanEmbeddingV2-Text-input-tokens', { modelName: 'Titan Text Embeddings V2' }],
    [BEDROCK, 'USE1-TitanImageGeneratorV2-images', { kind: 'images', modelName: 'Titan Image Generator V2' }],
    [
      BEDROCK,
      'USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits',
      { kind: 'provisioned-throughput', commitment: 'none' },
    ],
    [BEDROCK, 'USE1-Nova2.0Lite-Customization-Training', { kind: 'customization', detail: 'training' }],
    [BEDROCK, 'USE1-Guardrail-ContentPolicyUnitsConsumed', { kind: 'guardrails', detail: 'content policy' }],
    // Marketplace models: the model comes from the service name.
    [
      SONNET,
      'USE1-MP:USE1_InputTokenCount-Units',
      { modelName: 'Claude Sonnet 4.5', tokenClass: 'input', scope: 'in-region' },
    ],
    [SONNET, 'USE1-MP:USE1_OutputTokenCount_Global-Units', { tokenClass: 'output', scope: 'global' }],
    [SONNET, 'USE1-MP:USE1_CacheReadInputTokenCount-Units', { tokenClass: 'cache-read' }],
    [
      SONNET,
      'USE1-MP:USE1_CacheWriteInputTokenCount_Global-Units',
      { tokenClass: 'cache-write-5m', scope: 'global' },
    ],
    [SONNET, 'USE1-MP:USE1_CacheWrite1hInputTokenCount-Units', { tokenClass: 'cache-write-1h' }],
    [SONNET, 'USE1-MP:USE1_InputTokenCount_Batch-Units', { tokenClass: 'input', batch: true }],
    [
      'Claude Opus 4.6 (Amazon Bedrock Edition)',
      'USW2-MP:USW2_output_tokens_standard-Units',
      { tokenClass: 'output', region: 'us-west-2', tier: 'standard' },
    ],
    // Knowledge Bases: OpenSearch Serverless OCU hours are Bedrock-related; managed domains are not.
    ['Amazon OpenSearch Service', 'USE1-SearchOCU', { kind: 'knowledge-base' }],
    ['Amazon OpenSearch Service', 'USE1-ESInstance:r6g.large.search', { kind: 'unrelated' }],
  ])('%s / %s', (service, usageType, expected) => {
    expect(parseUsageType(service, usageType)).toMatchObject({ kind: 'tokens', ...expected });
  });

  it('keeps an unknown format as "other" with its raw name', () => {
    const info = parseUsageType(BEDROCK, 'USE1-SomethingNew-Agents-Hours');
    expect(info.kind).toBe('other');
    expect(describeUsage(info)).toContain('USE1-SomethingNew-Agents-Hours');
  });

  it('never throws and always labels a line (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(BEDROCK, SONNET, 'Amazon OpenSearch Service'),
        fc.string({ maxLength: 60 }),
        (service, usageType) => {
          const info = parseUsageType(service, usageType);
          expect(describeUsage(info).length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('recognises Bedrock services, including every Marketplace edition and AgentCore (issue 18)', () => {
    expect(
      ['Amazon Bedrock', SONNET, 'Amazon Bedrock AgentCore', 'Amazon Simple Storage Service'].filter(
        isBedrockService,
      ),
    ).toEqual(['Amazon Bedrock', SONNET, 'Amazon Bedrock AgentCore']);
  });

  // Real-format usage types (grafana/cloudcost-exporter pkg/aws/bedrock tests, the
  // AmazonBedrockFoundationModels offer's Sonnet 4.6 usage types quoted in
  // ramyalsaffar/OncoTriage-Agent RECOVERY_R1C_REPORT.md, the AmazonBedrockService
  // Claude4Sonnet long-context rows, and the LCtx / long_ctx / LatencyOptimized shapes
  // public Price List parsers match): each gets its tier, route and price field.
  it.each([
    [
      BEDROCK,
      'USE1-Claude3-5Haiku-input-tokens-latency-optimized',
      { kind: 'tokens', tokenClass: 'input', latencyOptimized: true },
      'latency-optimized',
      'latencyInput',
      'Claude 3.5 Haiku · input · latency-optimized',
    ],
    [
      BEDROCK,
      'USE1-Llama3-1-70B-LatencyOptimized-output-tokens',
      { kind: 'tokens', modelName: 'Llama 3.1 70B', tokenClass: 'output', latencyOptimized: true },
      'latency-optimized',
      'latencyOutput',
      'Llama 3.1 70B · output · latency-optimized',
    ],
    [
      BEDROCK,
      'USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global',
      { kind: 'tokens', tokenClass: 'input', longContext: true, scope: 'global' },
      'standard',
      'inputLong',
      'Claude Sonnet 4 · input · long context · global',
    ],
    [
      'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
      'USE1-MP:USE1_InputTokenCount_LCtx-Units',
      { kind: 'tokens', tokenClass: 'input', longContext: true, scope: 'in-region' },
      'standard',
      'inputLong',
      'Claude Sonnet 4.6 · input · long context',
    ],
    [
      'Claude Opus 4.7 (Amazon Bedrock Edition)',
      'USE1-MP:USE1_output_tokens_long_ctx_global_standard-Units',
      { kind: 'tokens', tokenClass: 'output', longContext: true, scope: 'global', tier: 'standard' },
      'standard',
      'outputLong',
      'Claude Opus 4.7 · output · long context · global',
    ],
    [
      BEDROCK,
      'USE1-Qwen3-32B-output-tokens-priority',
      { kind: 'tokens', tokenClass: 'output', tier: 'priority' },
      'priority',
      'priorityOutput',
      'Qwen 3 32B · output · priority',
    ],
    [
      BEDROCK,
      'USE1-Nova2.0Pro-text-input-tokens-priority-cross-region-global',
      { kind: 'tokens', tokenClass: 'input', tier: 'priority', scope: 'global' },
      'priority',
      'priorityInput',
      undefined,
    ],
    [
      'Claude Opus 4.7 (Amazon Bedrock Edition)',
      'USE1-MP:USE1_input_tokens_global_flex-Units',
      { kind: 'tokens', tokenClass: 'input', tier: 'flex', scope: 'global' },
      'flex',
      'flexInput',
      'Claude Opus 4.7 · input · flex · global',
    ],
    [
      'Claude 3.5 Sonnet (Amazon Bedrock Edition)',
      'APN1-MP:APN1_MillionBatchInputTokens-Units',
      { kind: 'tokens', tokenClass: 'input', batch: true },
      'batch',
      'batchInput',
      'Claude 3.5 Sonnet · input · batch',
    ],
    [
      'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
      'USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units',
      { kind: 'reserved', reservedTerm: '1-month', tokenClass: 'input', scope: 'geo' },
      'reserved',
      undefined,
      'Claude Sonnet 4.6 · Reserved 1-month input tokens per minute · cross-region',
    ],
    [
      'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
      'APN2-MP:APN2_Reserved_3Month_OutputTPM_Global-Units',
      {
        kind: 'reserved',
        reservedTerm: '3-month',
        tokenClass: 'output',
        scope: 'global',
        region: 'ap-northeast-2',
      },
      'reserved',
      undefined,
      'Claude Sonnet 4.6 · Reserved 3-month output tokens per minute · global',
    ],
  ] as const)('%s / %s: tier, route and price field', (service, usageType, expected, tier, field, label) => {
    const info = parseUsageType(service, usageType);
    expect(info).toMatchObject(expected);
    expect(pricingTierOf(info)).toBe(tier);
    expect(priceFieldOf(info)).toBe(field);
    expect(info.detail).toBeUndefined();
    if (label) expect(describeUsage(info)).toBe(label);
  });

  it('keeps the standard tier and price field for plain lines (no tier words leak into labels)', () => {
    const plain = parseUsageType(SONNET, 'USE1-MP:USE1_InputTokenCount-Units');
    expect([pricingTierOf(plain), priceFieldOf(plain), plain.latencyOptimized, plain.longContext]).toEqual([
      'standard',
      'input',
      undefined,
      undefined,
    ]);
    const cache = parseUsageType(SONNET, 'USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units');
    expect(priceFieldOf(cache)).toBe('cacheWrite1h');
    const pt = parseUsageType(BEDROCK, 'USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits');
    expect([pricingTierOf(pt), priceFieldOf(pt)]).toEqual(['provisioned', undefined]);
  });
});

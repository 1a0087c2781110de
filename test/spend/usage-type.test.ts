import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeUsage, isBedrockService, parseUsageType } from '../../lib/spend/usage-type.js';

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
});

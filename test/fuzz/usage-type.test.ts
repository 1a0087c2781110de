/**
 * Fuzzing the Cost Explorer usage-type parser: a bill can hold any usage type (new models
 * appear every month), so parsing never throws and always names something readable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeUsage, modelGroupOf, parseUsageType } from '../../lib/spend/usage-type.js';

const KINDS = [
  'tokens',
  'provisioned-throughput',
  'guardrails',
  'customization',
  'knowledge-base',
  'images',
  'other',
  'unrelated',
];
const service = fc.oneof(
  fc.constantFrom(
    'Amazon Bedrock',
    'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
    ' (Amazon Bedrock Edition)',
    'Amazon OpenSearch Service',
    'Amazon Bedrock Edition',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const piece = fc.constantFrom(
  'USE1',
  'EU',
  'APN1',
  'XYZ9',
  'MP:',
  'MP:USE1_',
  '-',
  '_',
  '.',
  ':',
  'Claude',
  '4.5',
  'Sonnet',
  'Nova2.0Lite',
  'Llama3-1-70B',
  'input',
  'output',
  'tokens',
  'TokenCount',
  'InputTokenCount',
  'CacheReadInputTokenCount',
  '-Units',
  'batch',
  'flex',
  'priority',
  'cross-region-global',
  'ProvisionedThroughput',
  'NoCommit',
  'OneMonth',
  'SixMonth',
  'ModelUnits',
  'OCU',
  'images',
  'custom-model',
  'Guardrail',
  '',
);
const usageType = fc.oneof(
  { weight: 3, arbitrary: fc.array(piece, { maxLength: 10 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

describe('usage-type parser fuzzing', () => {
  it('never throws, and every line has a kind and a readable description', () => {
    fc.assert(
      fc.property(service, usageType, (s, u) => {
        const info = parseUsageType(s, u);
        expect(KINDS).toContain(info.kind);
        expect(typeof info.batch).toBe('boolean');
        const text = describeUsage(info, { withModel: true });
        expect(text).not.toMatch(/\bundefined\b|\[object Object\]|\bNaN\b/);
        const group = modelGroupOf(info);
        expect(typeof group.key).toBe('string');
        expect(group.label).not.toMatch(/\bundefined\b|\[object Object\]/);
      }),
      { numRuns: 1000 },
    );
  });
});

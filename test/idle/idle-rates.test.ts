import { describe, expect, it } from 'vitest';
import { billedRates, matchBilledRate, modelKeyOf, publishedRate } from '../../lib/idle/idle-rates.js';
import { usd } from '../../lib/money.js';
import type { Commitment, CostRow } from '../../lib/ports.js';

const row = (usageType: string, amount: string, quantity: string, start = '2026-11-15'): CostRow => ({
  start,
  end: '2026-11-16',
  keys: [usageType],
  amount: usd(amount),
  quantity: usd(quantity),
  estimated: false,
});

const throughput = (region: string, model: string, commitment: Commitment) => ({
  arn: `arn:aws:bedrock:${region}:123456789012:provisioned-model/abc`,
  foundationModelArn: `arn:aws:bedrock:${region}::foundation-model/${model}`,
  modelArn: `arn:aws:bedrock:${region}::foundation-model/${model}`,
  commitment,
});

describe('billedRates', () => {
  it('divides cost by model-unit hours per Provisioned Throughput usage type, across days', () => {
    const rates = billedRates([
      row('USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits', '1452', '24'),
      row('USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits', '726', '12', '2026-11-16'),
      row('USE1-NovaLite-input-tokens', '12.5', '208333'),
    ]);
    expect(rates).toHaveLength(1);
    expect(rates[0]).toMatchObject({ regionPrefix: 'USE1', modelKey: 'nova2lite', commitment: 'none' });
    expect(rates[0]?.perModelUnitHour.toString()).toBe('60.5');
  });

  it('ignores lines without quantity and rates no model unit could have', () => {
    expect(
      billedRates([
        row('USE1-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits', '10', '0'),
        row('USE1-NovaPro-ProvisionedThroughput-NoCommit-ModelUnits', '10', '100000'),
      ]),
    ).toEqual([]);
  });
});

describe('matchBilledRate', () => {
  const rates = billedRates([
    row('USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits', '60.50', '1'),
    row('USE1-NovaLite-ProvisionedThroughput-1Month-ModelUnits', '55', '1'),
    row('USW2-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits', '61', '1'),
    row('USE1-Llama3-1-8B-ProvisionedThroughput-6month-ModelUnits', '20.50', '1'),
  ]);

  it('matches by region, commitment and the closest model name', () => {
    expect(
      matchBilledRate(rates, throughput('us-east-1', 'amazon.nova-2-lite-v1:0', 'none'))?.usageType,
    ).toBe('USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits');
    expect(
      matchBilledRate(rates, throughput('us-east-1', 'amazon.nova-lite-v1:0', '1-month'))?.usageType,
    ).toBe('USE1-NovaLite-ProvisionedThroughput-1Month-ModelUnits');
    expect(matchBilledRate(rates, throughput('us-west-2', 'amazon.nova-lite-v1:0', 'none'))?.usageType).toBe(
      'USW2-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits',
    );
    expect(
      matchBilledRate(
        rates,
        throughput('us-east-1', 'meta.llama3-1-8b-instruct-v1:0', '6-month'),
      )?.perModelUnitHour.toString(),
    ).toBe('20.5');
  });

  it('never borrows another region or commitment', () => {
    expect(matchBilledRate(rates, throughput('eu-west-1', 'amazon.nova-lite-v1:0', 'none'))).toBeUndefined();
    expect(
      matchBilledRate(rates, throughput('us-west-2', 'amazon.nova-lite-v1:0', '6-month')),
    ).toBeUndefined();
  });

  it('does not pin another model or model version on a throughput', () => {
    expect(
      matchBilledRate(rates, throughput('us-east-1', 'anthropic.claude-instant-v1', '1-month')),
    ).toBeUndefined();
    // Nova Lite (no commitment) is not Nova 2 Lite, even if the names are one letter apart.
    expect(matchBilledRate(rates, throughput('us-east-1', 'amazon.nova-lite-v1:0', 'none'))).toBeUndefined();
  });
});

describe('publishedRate and modelKeyOf', () => {
  it('knows a few published rates and nothing else', () => {
    expect(publishedRate('anthropic.claude-instant-v1', '6-month')?.perModelUnitHour.toString()).toBe('22');
    expect(publishedRate('anthropic.claude-instant-v1', 'none')).toBeUndefined();
    expect(publishedRate('meta.llama3-1-8b-instruct-v1:0', '6-month')).toBeUndefined();
  });

  it.each([
    ['amazon.nova-2-lite-v1:0', 'nova2lite'],
    ['us.amazon.nova-lite-v1:0', 'novalite'],
    ['anthropic.claude-sonnet-4-20250514-v1:0', 'claudesonnet4'],
  ])('%s -> %s', (id, key) => {
    expect(modelKeyOf(id)).toBe(key);
  });
});

import { describe, expect, it } from 'vitest';
import type { PriceListProduct } from '../../lib/aws/price-list.js';
import { bundledCatalog, indexCatalog } from '../../lib/pricing/catalog.js';
import { priceAt, resolveModel } from '../../lib/pricing/models.js';
import { mergePriceFacts, type PriceFact, parseProduct, toCatalogUnit } from '../../lib/pricing/refresh.js';
import { allDocs } from './price-list-docs.js';

const bySku = (sku: string) => allDocs.find((d) => d.product.sku === sku)!;
const fact = (sku: string) => parseProduct(bySku(sku)) as PriceFact;

describe('parseProduct on real Price List documents', () => {
  it('reads per-1K token prices as USD per 1M tokens', () => {
    expect(fact('QRGWJ3P8FT28EYX2')).toMatchObject({
      usagetype: 'USE1-NovaLite-input-tokens',
      regionCode: 'us-east-1',
      at: 'us-east-1',
      meter: 'input',
      usd: '0.06',
      unit: '1K tokens',
      modelName: 'Nova Lite',
      publicationDate: '2026-09-11T12:44:08Z',
    });
    expect(fact('CBZ6A6U7XK8WJ3KA')).toMatchObject({ meter: 'output', usd: '0.24' });
    expect(fact('YUSGHKDUPQRC75RK')).toMatchObject({ meter: 'output', usd: '0.14', modelName: 'Nova Micro' });
  });

  it('tells cache read, cache write (published at $0 for Nova) and batch rows apart', () => {
    expect(fact('FYTFBAWEJFBAVTWK')).toMatchObject({ meter: 'cacheRead', usd: '0.015' });
    expect(fact('NF8UDYEDB4HXGNAZ')).toMatchObject({ meter: 'cacheWrite5m', usd: '0' });
    // The batch row has a plain "Input tokens" inferenceType: only feature/usagetype say batch.
    expect(fact('FHPM2WQ68N32TY6D')).toMatchObject({ meter: 'batchInput', usd: '0.03' });
  });

  it('reads provisioned throughput per model-unit hour, images per image', () => {
    expect(fact('DU74ARUX9SF92JGY')).toMatchObject({
      meter: 'oneMonth',
      usd: '55',
      unit: 'hour',
      modelName: 'Nova Lite',
    });
    expect(fact('YWYKJ9HG9DZPEYTW')).toMatchObject({ meter: 'image', usd: '0.04', variant: '1024 standard' });
  });

  it('handles the quirks: titanModel instead of model, a provider attribute, no productFamily', () => {
    expect(fact('9XHSKPBV6R8E4FUY')).toMatchObject({ modelName: 'Titan Text G1 Lite', usd: '0.15' });
    expect(fact('R84Y2FSFN39FCD4S')).toMatchObject({ modelName: 'Ministral 8B 3.0', usd: '0.15' });
    expect(fact('3G679R3Y8YSQSJTA')).toMatchObject({ usagetype: 'USE1-Claude2.0-input-tokens', usd: '8' });
    expect(fact('XWC25SAQMK2UTMY9')).toMatchObject({
      regionCode: 'ap-northeast-1',
      at: 'ap-northeast-1',
      usd: '1.2',
    });
    expect(fact('25DCN3EFASRTQK5W')).toMatchObject({ meter: 'output', usd: '3.84' });
  });

  it('skips rows the estimator does not model, saying which kind', () => {
    expect(parseProduct(bySku('2W4JGY5BWVAPKQ6J'))).toBe('customization');
    expect(parseProduct(bySku('PUZN23F2U55E57VV'))).toBe('service-tier'); // Nova Pro flex
    expect(parseProduct(bySku('C5W95R8WUA6B2U55'))).toBe('service-tier'); // GLM 5 mantle standard tier
  });

  it('refuses units it does not know rather than guessing a scale', () => {
    expect(toCatalogUnit('0.001', '1K tokens', 'input')).toBe('1');
    expect(toCatalogUnit('3', 'Units', 'input')).toBe('3');
    expect(toCatalogUnit('0.04', 'image', 'image')).toBe('0.04');
    expect(toCatalogUnit('1', 'GB-Mo', 'input')).toBeUndefined();
    expect(toCatalogUnit('55', '1K tokens', 'oneMonth')).toBeUndefined();
  });

  it('reads Marketplace (AmazonBedrockFoundationModels) rows by servicename, per 1M units', () => {
    // Hand-built in the documented shape: no real document of this offer was available.
    const doc: PriceListProduct = {
      serviceCode: 'AmazonBedrockFoundationModels',
      product: {
        sku: 'SYNTHETIC1',
        attributes: {
          servicecode: 'AmazonBedrockFoundationModels',
          servicename: 'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
          usagetype: 'USE1-MP:USE1_InputTokenCount_Global-Units',
          regionCode: 'us-east-1',
        },
      },
      terms: {
        OnDemand: {
          'SYNTHETIC1.T': {
            priceDimensions: { 'SYNTHETIC1.T.R': { unit: 'Units', pricePerUnit: { USD: '3.0000000000' } } },
          },
        },
      },
    };
    expect(parseProduct(doc)).toMatchObject({
      at: 'global',
      meter: 'input',
      usd: '3',
      modelName: 'Claude Sonnet 4.5',
    });
    doc.product.attributes.usagetype = 'USE1-MP:USE1_CacheWrite1hInputTokenCount-Units';
    expect(parseProduct(doc)).toMatchObject({ at: 'us-east-1', meter: 'cacheWrite1h' });
    doc.product.attributes.usagetype = 'USE1-MP:USE1_OutputTokenCount_Batch-Units';
    expect(parseProduct(doc)).toMatchObject({ meter: 'batchOutput' });
  });
});

describe('mergePriceFacts', () => {
  const now = new Date('2026-11-18T03:00:00Z');
  const bundled = bundledCatalog().data;

  it('merges the real documents into the catalog, each price marked with the Price List date', () => {
    const result = mergePriceFacts(bundled, allDocs, now);
    expect(result.ok).toBe(true);
    const data = result.data!;
    expect(data).toMatchObject({
      source: 'refreshed',
      asOf: '2026-09-11',
      refreshedAt: '2026-11-18T03:00:00.000Z',
    });
    const catalog = indexCatalog(data);
    const lite = priceAt(resolveModel(catalog, 'nova lite').model, 'us-east-1')!;
    expect(lite).toMatchObject({
      input: '0.06',
      output: '0.24',
      cacheRead: '0.015',
      batchInput: '0.03',
      source: 'price-list-2026-09-11',
    });
    expect(priceAt(resolveModel(catalog, 'glm 5').model, 'ap-northeast-1')).toMatchObject({
      input: '1.2',
      output: '3.84',
    });
    expect(result.skipped).toMatchObject({ customization: 1, 'service-tier': 4 });
    expect(result.updatedPrices).toBeGreaterThan(20);
  });

  it('moves the default image price with the published variant it mirrors', () => {
    const canvas = structuredClone(allDocs);
    const doc = canvas.find((d) => d.product.sku === 'YWYKJ9HG9DZPEYTW')!;
    const dim = Object.values(Object.values(doc.terms!.OnDemand!)[0]!.priceDimensions!)[0]!;
    dim.pricePerUnit = { USD: '0.0350000000' };
    const data = mergePriceFacts(bundled, canvas, now).data!;
    const images = priceAt(resolveModel(indexCatalog(data), 'nova canvas').model, 'us-east-1')?.images;
    expect(images).toMatchObject({ standard: '0.035', '1024 standard': '0.035', '2048 standard': '0.06' });
  });

  it('keeps the previous catalog when a price moves more than 10x (a per-1K / per-1M mix-up)', () => {
    const broken = structuredClone(allDocs);
    const micro = broken.find((d) => d.product.sku === 'XAR69MSGZSU6FEM9')!;
    const dim = Object.values(Object.values(micro.terms!.OnDemand!)[0]!.priceDimensions!)[0]!;
    dim.unit = '1M tokens'; // the value is still per 1K: 1,000x too cheap
    const result = mergePriceFacts(bundled, broken, now);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(
      /prices moved more than 10x: nova-micro input at us-east-1 0.035 -> 0.000035/,
    );
  });

  it('keeps the previous catalog when a model with Price List prices vanishes', () => {
    const without = allDocs.filter((d) => !/NovaMicro/.test(d.product.attributes.usagetype ?? ''));
    const result = mergePriceFacts(bundled, without, now);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/models vanished from the Price List: .*nova-micro/);
  });

  it('keeps the previous catalog when nothing usable came back', () => {
    expect(mergePriceFacts(bundled, [], now)).toMatchObject({
      ok: false,
      reason: 'the Price List returned no usable prices',
    });
  });

  it('lists models the catalog does not know yet instead of dropping them silently', () => {
    const extra = structuredClone(bySku('QRGWJ3P8FT28EYX2'));
    extra.product.attributes.usagetype = 'USE1-NovaUltra-input-tokens';
    extra.product.attributes.model = 'Nova Ultra';
    const result = mergePriceFacts(bundled, [...allDocs, extra], now);
    expect(result.ok).toBe(true);
    expect(result.unknownModels).toContain('Nova Ultra');
  });
});

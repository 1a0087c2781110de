import { describe, expect, it } from 'vitest';
import type { PriceListProduct } from '../../lib/ports.js';
import { bundledCatalog, indexCatalog } from '../../lib/pricing/catalog.js';
import { priceAt, resolveModel } from '../../lib/pricing/models.js';
import { describeCatalog } from '../../lib/pricing/names.js';
import {
  mergePriceFacts,
  type PriceFact,
  parseProduct,
  parseProductFacts,
  toCatalogUnit,
} from '../../lib/pricing/refresh.js';
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
    // The OpenAI-compatible endpoint's twin of the model-ID row is priced apart.
    expect(parseProduct(bySku('C5W95R8WUA6B2U55'))).toBe('service-tier'); // GLM 5 mantle standard tier
  });

  it('reads the Flex tier apart from on-demand (Nova Pro input tokens flex, $0.0004/1K)', () => {
    expect(parseProduct(bySku('PUZN23F2U55E57VV'))).toMatchObject({ meter: 'flexInput', usd: '0.4' });
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
    expect(result.skipped).toMatchObject({ customization: 1, 'service-tier': 3 });
    expect(priceAt(resolveModel(catalog, 'nova pro').model, 'us-east-1')?.flexInput).toBe('0.4');
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

  it('keeps long-context and latency-optimized rows apart from the standard price', () => {
    const base = bySku('QRGWJ3P8FT28EYX2'); // USE1-NovaLite-input-tokens, $0.00006/1K
    const variant = (usagetype: string, usd: string) => {
      const d = structuredClone(base);
      d.product.sku = `X${usagetype}`;
      d.product.attributes.usagetype = usagetype;
      const dim = Object.values(Object.values(d.terms!.OnDemand!)[0]!.priceDimensions!)[0]!;
      dim.pricePerUnit = { USD: usd };
      return d;
    };
    expect(parseProduct(variant('USE1-NovaLite-input-tokens-long-context', '0.00012'))).toMatchObject({
      meter: 'inputLong',
      usd: '0.12',
    });
    expect(parseProduct(variant('USE1-NovaLite-input-tokens-latency-optimized', '0.00009'))).toMatchObject({
      meter: 'latencyInput',
      usd: '0.09',
    });
    expect(parseProduct(variant('USE1-NovaLite-output-tokens-priority', '0.0003'))).toMatchObject({
      meter: 'priorityOutput',
    });
    const result = mergePriceFacts(
      bundled,
      [
        ...allDocs,
        variant('USE1-NovaLite-input-tokens-long-context', '0.00012'),
        variant('USE1-NovaLite-input-tokens-latency-optimized', '0.00009'),
      ],
      now,
    );
    const lite = priceAt(resolveModel(indexCatalog(result.data!), 'nova lite').model, 'us-east-1')!;
    // The standard input price is not overwritten by either row.
    expect(lite).toMatchObject({ input: '0.06', inputLong: '0.12', latencyInput: '0.09' });
  });

  it('maps the usage tokens that named no model: MistralLarge, DeepSeek-R1, Nova2.0Pro-text', () => {
    const base = bySku('QRGWJ3P8FT28EYX2');
    const row = (usagetype: string, model: string, usd: string) => {
      const d = structuredClone(base);
      d.product.sku = `X${usagetype}`;
      d.product.attributes.usagetype = usagetype;
      d.product.attributes.model = model;
      const dim = Object.values(Object.values(d.terms!.OnDemand!)[0]!.priceDimensions!)[0]!;
      dim.pricePerUnit = { USD: usd };
      return d;
    };
    const result = mergePriceFacts(
      bundled,
      [
        ...allDocs,
        row('USE1-MistralLarge-input-tokens', 'Mistral Large', '0.004'),
        row('USE1-DeepSeek-R1-input-tokens', 'DeepSeek-R1', '0.00135'),
        row('USE1-Nova2.0Pro-text-input-tokens', 'Nova 2.0 Pro', '0.001375'),
      ],
      now,
    );
    expect(result.unknownModels).toEqual([]);
    const c = indexCatalog(result.data!);
    expect(priceAt(c.byKey.get('mistral-large-2402')!, 'us-east-1')).toMatchObject({
      input: '4',
      source: 'price-list-2026-09-11',
    });
    expect(priceAt(c.byKey.get('deepseek-r1')!, 'us-east-1')?.input).toBe('1.35');
    expect(priceAt(c.byKey.get('nova-2-pro-preview')!, 'us-east-1')?.input).toBe('1.375');
  });

  it('reads every dimension of a Marketplace product, classified by description', () => {
    const dims = [
      ['AWS Marketplace software usage|us-east-1|Million Input Tokens Regional', '1.1'],
      ['AWS Marketplace software usage|us-east-1|Million Response Tokens Regional', '5.5'],
      ['AWS Marketplace software usage|us-east-1|Million Input Tokens Global', '1'],
      ['AWS Marketplace software usage|us-east-1|Million Cache Read Input Tokens Regional', '0.11'],
      ['AWS Marketplace software usage|us-east-1|Million 1 hour Cache Write Input Tokens Regional', '2.2'],
      ['AWS Marketplace software usage|us-east-1|Million Batch Input Tokens Regional', '0.55'],
      ['AWS Marketplace software usage|us-east-1|Million Input Tokens Regional CRIS', '1.1'],
    ];
    const doc: PriceListProduct = {
      serviceCode: 'AmazonBedrockFoundationModels',
      product: {
        sku: 'HAIKU45',
        attributes: {
          servicename: 'Claude Haiku 4.5 (Amazon Bedrock Edition)',
          usagetype: 'USE1-MP:USE1_InputTokenCount-Units',
          regionCode: 'us-east-1',
        },
      },
      terms: {
        OnDemand: {
          'HAIKU45.T': {
            priceDimensions: Object.fromEntries(
              dims.map(([description, usd], i) => [
                `HAIKU45.T.${i}`,
                { description, unit: 'Units', pricePerUnit: { USD: usd! } },
              ]),
            ),
          },
        },
      },
    };
    const facts = parseProductFacts(doc) as PriceFact[];
    // A regional row prices in-region calls and the Region's geo profile (`us.`) alike.
    expect(facts.map((f) => `${f.meter}@${f.at}=${f.usd}`)).toEqual([
      'input@us-east-1=1.1',
      'input@us=1.1',
      'output@us-east-1=5.5',
      'output@us=5.5',
      'input@global=1',
      'cacheRead@us-east-1=0.11',
      'cacheRead@us=0.11',
      'cacheWrite1h@us-east-1=2.2',
      'cacheWrite1h@us=2.2',
      'batchInput@us-east-1=0.55',
      'batchInput@us=0.55',
      'input@us-east-1=1.1',
      'input@us=1.1',
    ]);
    const result = mergePriceFacts(bundled, [...allDocs, doc], now);
    expect(result.ok).toBe(true);
    const haiku = indexCatalog(result.data!).byKey.get('claude-haiku-4-5')!;
    expect(priceAt(haiku, 'us-east-1')).toMatchObject({ input: '1.1', output: '5.5', cacheWrite1h: '2.2' });
    expect(priceAt(haiku, 'global')?.input).toBe('1');
  });

  it('fails loudly and keeps the previous catalog above the unknown-row threshold', () => {
    const odd = Array.from({ length: 10 }, (_, i) => {
      const d = structuredClone(bySku('QRGWJ3P8FT28EYX2'));
      d.product.sku = `ODD${i}`;
      d.product.attributes.usagetype = `USE1-NovaLite-thinking-units-${i}`;
      d.product.attributes.inferenceType = 'Thinking units';
      return d;
    });
    const result = mergePriceFacts(bundled, [...allDocs, ...odd], now);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^10 of \d+ Price List rows could not be read \(10 unknown-meter\)/);
    // Below the threshold the refresh goes ahead and reports what it could not read.
    const few = mergePriceFacts(bundled, [...allDocs, ...odd.slice(0, 2)], now);
    expect(few.ok).toBe(true);
    expect(few.skipped['unknown-meter']).toBe(2);
  });

  it('after a refresh, rows still from the third-party snapshot keep saying so', () => {
    const c = indexCatalog(mergePriceFacts(bundled, allDocs, now).data!);
    const sonnet = priceAt(c.byKey.get('claude-sonnet-4-5')!, 'global')!;
    expect(describeCatalog(c, [sonnet])).toBe('prices as of 2026-07-24 (LiteLLM third-party snapshot)');
    const lite = priceAt(c.byKey.get('nova-lite')!, 'us-east-1')!;
    expect(describeCatalog(c, [lite])).toBe('prices as of 2026-09-11 (AWS Price List)');
  });

  it('lists models the catalog does not know yet instead of dropping them silently', () => {
    const extra = structuredClone(bySku('QRGWJ3P8FT28EYX2'));
    extra.product.attributes.usagetype = 'USE1-NovaUltra-input-tokens';
    extra.product.attributes.model = 'Nova Ultra';
    const result = mergePriceFacts(bundled, [...allDocs, extra], now);
    expect(result.ok).toBe(true);
    expect(result.unknownModels).toContain('Nova Ultra');
    expect(result.skipped['unknown-model']).toBe(1);
  });
});

describe('Marketplace image rows', () => {
  it('refreshes a per-image price of a Marketplace image model', () => {
    const doc: PriceListProduct = {
      serviceCode: 'AmazonBedrockFoundationModels',
      product: {
        sku: 'SDULTRA',
        attributes: {
          servicename: 'Stable Image Ultra (Amazon Bedrock Edition)',
          usagetype: 'USW2-MP:USW2_ImageCount-Units',
          regionCode: 'us-west-2',
        },
      },
      terms: {
        OnDemand: {
          'SDULTRA.T': {
            priceDimensions: {
              'SDULTRA.T.R': {
                description: 'AWS Marketplace software usage|us-west-2|Images generated',
                unit: 'Units',
                pricePerUnit: { USD: '0.1400000000' },
              },
            },
          },
        },
      },
    };
    expect(parseProduct(doc)).toMatchObject({ meter: 'image', usd: '0.14', at: 'us-west-2' });
    const result = mergePriceFacts(
      bundledCatalog().data,
      [...allDocs, doc],
      new Date('2026-11-18T03:00:00Z'),
    );
    expect(result.unknownModels).toEqual([]);
    const ultra = indexCatalog(result.data!).byKey.get('stable-image-ultra')!;
    expect(priceAt(ultra, 'us-west-2')?.images?.standard).toBe('0.14');
  });

  it('reads Reserved tier rows (per 1K tokens per minute per hour) instead of skipping them', () => {
    // Claude Sonnet 4.6's Reserved usage types and prices in the AmazonBedrockFoundationModels
    // offer, publication 2026-09-11 (quoted in ramyalsaffar/OncoTriage-Agent RECOVERY_R1C_REPORT.md).
    const reserved = (usagetype: string, usd: string): PriceListProduct => ({
      serviceCode: 'AmazonBedrockFoundationModels',
      product: {
        sku: usagetype,
        attributes: {
          servicename: 'Claude Sonnet 4.6 (Amazon Bedrock Edition)',
          usagetype,
          regionCode: 'us-east-1',
        },
      },
      terms: {
        OnDemand: {
          [`${usagetype}.T`]: {
            priceDimensions: {
              [`${usagetype}.T.D`]: {
                description: 'AWS Marketplace software usage|us-east-1|Reserved 1 Month Input TPM Geo',
                unit: '1K TPM Hour',
                pricePerUnit: { USD: usd },
              },
            },
          },
        },
      },
      publicationDate: '2026-09-11T12:44:10Z',
    });
    const docs = [
      reserved('USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units', '0.198'),
      reserved('USE1-MP:USE1_Reserved_3Month_OutputTPM_Global-Units', '0.81'),
    ];
    const facts = docs.flatMap((d) => parseProductFacts(d) as PriceFact[]);
    expect(facts.map((f) => `${f.meter}@${f.at}=${f.usd}`)).toEqual([
      'reserved1mInput@us=0.198',
      'reserved3mOutput@global=0.81',
    ]);
    const result = mergePriceFacts(
      bundledCatalog().data,
      [...allDocs, ...docs],
      new Date('2026-11-18T03:00:00Z'),
    );
    expect(result.ok).toBe(true);
    expect(result.skipped.reserved).toBeUndefined();
    const sonnet = indexCatalog(result.data!).byKey.get('claude-sonnet-4-6')!;
    expect(priceAt(sonnet, 'us')?.reserved1mInput).toBe('0.198');
    expect(priceAt(sonnet, 'global')?.reserved3mOutput).toBe('0.81');
    // A reserved row whose term cannot be read is still counted, never dropped silently.
    expect(parseProductFacts(reserved('USE1-MP:USE1_Reserved_TPM-Units', '1'))).toBe('reserved');
  });

  it('reads the public Marketplace usage-type shapes, never folding long-context or 1-hour rows into standard ones', () => {
    // Shapes seen in public Price List parsers and offer quotes: the legacy CamelCase
    // meters, the snake_case `_standard` meters (Opus 4.7), `_LCtx` / `_long_ctx`
    // long-context rows, `MillionBatchInputTokens`, tiers, and Reserved TPM rows.
    const shapes: [string, string][] = [
      ['USE1-MP:USE1_input_tokens_standard-Units', 'input@us-east-1'],
      ['USE1-MP:USE1_output_tokens_global_standard-Units', 'output@global'],
      ['USE1-MP:USE1_input_tokens_long_ctx_standard-Units', 'inputLong@us-east-1'],
      ['USE1-MP:USE1_output_tokens_long_ctx_global_standard-Units', 'outputLong@global'],
      ['USE1-MP:USE1_InputTokenCount_LCtx-Units', 'inputLong@us-east-1'],
      ['USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units', 'cacheWrite1h@global'],
      ['USE1-MP:USE1_cache_read_tokens_standard-Units', 'cacheRead@us-east-1'],
      ['APN1-MP:APN1_MillionBatchInputTokens-Units', 'batchInput@ap-northeast-1'],
      ['APN2-MP:APN2_InputTokenCount_Global_Batch-Units', 'batchInput@global'],
      ['USE1-MP:USE1_input_tokens_global_flex-Units', 'flexInput@global'],
      ['USE1-MP:USE1_input_tokens_priority-Units', 'priorityInput@us-east-1'],
      ['USE1-MP:USE1_Reserved_3Month_OutputTPM_Global-Units', 'reserved3mOutput@global'],
    ];
    for (const [usagetype, want] of shapes) {
      const region = usagetype.startsWith('APN1')
        ? 'ap-northeast-1'
        : usagetype.startsWith('APN2')
          ? 'ap-northeast-2'
          : 'us-east-1';
      const doc: PriceListProduct = {
        serviceCode: 'AmazonBedrockFoundationModels',
        product: {
          sku: usagetype,
          attributes: {
            servicename: 'Claude Opus 4.7 (Amazon Bedrock Edition)',
            usagetype,
            regionCode: region,
          },
        },
        terms: {
          OnDemand: {
            T: {
              priceDimensions: {
                D: { unit: usagetype.includes('TPM') ? '1K TPM Hour' : 'Units', pricePerUnit: { USD: '5' } },
              },
            },
          },
        },
      };
      const facts = parseProductFacts(doc);
      expect(typeof facts, usagetype).not.toBe('string');
      expect(
        (facts as PriceFact[])[0] && `${(facts as PriceFact[])[0]!.meter}@${(facts as PriceFact[])[0]!.at}`,
        usagetype,
      ).toBe(want);
    }
  });

  it('keeps a latency-optimized model token (`Llama3-1-70B-LatencyOptimized`) off the standard price', () => {
    // The shape recorded from the us-east-1 Price List in scttfrdmn/cultivar's tests.
    const doc: PriceListProduct = {
      serviceCode: 'AmazonBedrock',
      product: {
        sku: 'LO',
        attributes: {
          usagetype: 'USE1-Llama3-1-70B-LatencyOptimized-input-tokens',
          model: 'Llama 3.1 70B Latency Optimized',
          inferenceType: 'Input tokens',
          feature: 'On-demand Inference',
          regionCode: 'us-east-1',
        },
      },
      terms: {
        OnDemand: { T: { priceDimensions: { D: { unit: '1K tokens', pricePerUnit: { USD: '0.0009' } } } } },
      },
    };
    expect(parseProduct(doc)).toMatchObject({
      meter: 'latencyInput',
      usd: '0.9',
      lookup: 'token:Llama3-1-70B',
    });
  });
});

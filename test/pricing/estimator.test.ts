import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateFromWords } from '../../lib/commands/estimate.js';
import { roundCents } from '../../lib/money.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { type EstimateMode, type EstimateOption, estimateWorkload } from '../../lib/pricing/estimator.js';
import { findModel } from '../../lib/pricing/models.js';
import { parseWorkload, type Workload } from '../../lib/pricing/workload.js';

const catalog = bundledCatalog();
const estimate = (text: string) => estimateFromWords(catalog, text.split(' '));
const cents = (o: { monthly: import('../../lib/money.js').Dec } | undefined) =>
  o ? roundCents(o.monthly) : undefined;
const opt = (options: EstimateOption[], mode: EstimateMode, route?: string) =>
  options.find((o) => o.mode === mode && (route === undefined || o.route === route));

/**
 * Reference workloads priced by hand from published prices (USD per 1M tokens unless
 * noted). A month is 730 hours: N/day = N x 730 / 24 requests a month, rounded.
 */
describe('estimateWorkload: hand-computed reference workloads', () => {
  it('Claude Sonnet 4.5, 2000 in / 500 out, 10k/day: global, in-region and batch', () => {
    const e = estimate('claude-sonnet-4-5 2000 in 500 out 10k/day');
    // 10,000 x 730 / 24 = 304,166.67 -> 304,167 requests
    expect(e.workload.requestsPerMonth).toBe(304_167);
    // global $3 / $15: 304,167 x (2,000 x 3 + 500 x 15) / 1M = 304,167 x 0.0135 = 4,106.2545
    expect(cents(opt(e.options, 'on-demand', 'global'))).toBe(4106.25);
    // in-region / us. $3.30 / $16.50 (10% above global): 304,167 x 0.01485 = 4,516.87995
    expect(cents(opt(e.options, 'on-demand', 'in-region'))).toBe(4516.88);
    // batch $1.50 / $7.50 on the global route: 304,167 x 0.00675 = 2,053.127
    expect(cents(opt(e.options, 'batch'))).toBe(2053.13);
    expect(e.default.route).toBe('global');
    expect(e.cheapest.mode).toBe('batch');
    // saving = 4,106.2545 - 2,053.127 = 2,053.127
    expect(roundCents(e.saving)).toBe(2053.13);
  });

  it('Nova Micro, 300k requests/month, 800 in / 200 out, batch (Price List 2026-09-11)', () => {
    const e = estimate('nova-micro 300k requests/month 800 in 200 out batch');
    // on-demand $0.035 / $0.14: 300,000 x (800 x 0.035 + 200 x 0.14) / 1M = 300,000 x 0.000056 = 16.80
    expect(cents(opt(e.options, 'on-demand'))).toBe(16.8);
    // batch is half: 300,000 x (800 x 0.0175 + 200 x 0.07) / 1M = 8.40
    expect(cents(e.default)).toBe(8.4);
    expect(e.default.mode).toBe('batch');
  });

  it('Llama 3.1 70B, 1500 in / 300 out, 50000/day in us-east-1', () => {
    const e = estimate('model=llama3-1-70b input=1500 output=300 requests=50000/day');
    // 50,000 x 730 / 24 = 1,520,833.33 -> 1,520,833 requests
    expect(e.workload.requestsPerMonth).toBe(1_520_833);
    // $0.72 / $0.72 (Price List `USE1-Llama3-1-70B-*`; LiteLLM's $0.99 was the launch
    // price): 1,520,833 x 1,800 x 0.72 / 1M = 1,970.999568
    expect(cents(e.default)).toBe(1971);
    // batch half: 985.499784
    expect(cents(opt(e.options, 'batch'))).toBe(985.5);
  });

  it('Claude 3 Haiku, 1000 in / 200 out, 1m requests/month (GetProducts 2026-08-26: $0.00025/1K in)', () => {
    const e = estimate('claude-3-haiku 1000 in 200 out 1m/month');
    // $0.25 / $1.25: 1,000,000 x (1,000 x 0.25 + 200 x 1.25) / 1M = 500.00
    expect(cents(e.default)).toBe(500);
  });

  it('Nova Pro in ap-northeast-1, 1000 in / 500 out, 100k/month (Price List APN1 rows)', () => {
    const e = estimate('nova-pro 1000 in 500 out 100k/month region=ap-northeast-1');
    // $0.96 / $3.84: 100,000 x (960 + 1,920) / 1M = 288.00
    expect(cents(opt(e.options, 'on-demand', 'in-region'))).toBe(288);
    // Batch takes the cheapest route from Tokyo: the apac. profile at $0.84 / $3.36 (LiteLLM),
    // halved: 100,000 x (1,000 x 0.42 + 500 x 1.68) / 1M = 126.00
    expect(opt(e.options, 'batch')?.at).toBe('apac');
    expect(cents(opt(e.options, 'batch'))).toBe(126);
    expect(e.region).toBe('ap-northeast-1');
  });

  it('Titan Text Embeddings V2, 500 tokens, 1m/month', () => {
    const e = estimate('titan-embed-text-v2 500 in 1m/month');
    // $0.02 per 1M: 1,000,000 x 500 x 0.02 / 1M = 10.00
    expect(cents(e.default)).toBe(10);
  });

  it('Nova Canvas, 2000 images/day at $0.04 per standard image', () => {
    const e = estimate('nova-canvas 2000 images/day');
    // 2,000 x 730 / 24 = 60,833.33 -> 60,833 images x $0.04 = 2,433.32
    expect(cents(e.default)).toBe(2433.32);
    expect(roundCents(e.default.perThousand)).toBe(40);
  });

  it('Nova Canvas premium 2048x2048 images at $0.08 each; a missing variant is explained', () => {
    const e = estimate('nova-canvas 2000 images/day premium size=2048');
    // 60,833 images x $0.08 = 4,866.64
    expect(cents(e.default)).toBe(4866.64);
    expect(() => estimate('titan-image-generator 100 images/day premium')).toThrowError(
      /No premium image price in the catalog for this model; it has: standard/,
    );
  });

  it('Claude Instant, 1m/day, provisioned 1- and 6-month commitments with break-even', () => {
    const e = estimate('claude-instant 1000 in 200 out 1m/day');
    // 1,000,000 x 730 / 24 = 30,416,666.67 -> 30,416,667 requests
    // on-demand $0.80 / $2.40: 30,416,667 x (800 + 480) / 1M = 38,933.33376
    expect(cents(e.default)).toBe(38933.33);
    // 1-month $39.60/h x 730 = 28,908.00; 6-month $22.00/h x 730 = 16,060.00
    const one = opt(e.options, 'provisioned-1-month');
    const six = opt(e.options, 'provisioned-6-month');
    expect(cents(one)).toBe(28908);
    expect(cents(six)).toBe(16060);
    // break-even: 16,060 / 0.00128 per request = 12,546,875 requests a month
    expect(six?.breakEvenRequestsPerMonth).toBe(12_546_875);
    expect(e.cheapest.mode).toBe('provisioned-6-month');
  });

  it('Nova Micro prompt cache, 50% hit, 5-minute TTL (writes free, reads 0.25x)', () => {
    const e = estimate('nova-micro 1000 in 100 out 1m/month cache=50%');
    // 8,760 five-minute windows (730 x 12) -> 8,760 writes, 991,240 reads of a 500-token prefix
    // uncached input 1,000,000 x 500 x 0.035 / 1M = 17.50
    // reads 991,240 x 500 x 0.00875 / 1M = 4.336675; writes at $0 = 0
    // output 1,000,000 x 100 x 0.14 / 1M = 14.00; total 35.836675
    expect(e.default.mode).toBe('prompt-cache');
    expect(cents(e.default)).toBe(35.84);
  });

  it('Claude Sonnet 4.5 prompt cache, 60% hit: reads 0.1x, 5-minute writes 1.25x', () => {
    const e = estimate('claude-sonnet-4-5 2000 in 500 out 10k/day cache=60%');
    // global route. prefix 1,200 tokens; writes 8,760; reads 304,167 - 8,760 = 295,407
    // uncached 304,167 x 800 x 3 / 1M = 730.0008
    // reads 295,407 x 1,200 x 0.30 / 1M = 106.34652
    // writes 8,760 x 1,200 x 3.75 / 1M = 39.42
    // output 304,167 x 500 x 15 / 1M = 2,281.2525; total 3,157.01982
    expect(cents(e.default)).toBe(3157.02);
  });

  it('guardrails: text units on prompt and answer at $0.15 per 1,000', () => {
    const e = estimate('sonnet 4.5 3000 in 800 out 2k/day guardrails');
    // 2,000 x 730 / 24 -> 60,833 requests; units ceil(12,000/1,000) + ceil(3,200/1,000) = 12 + 4 = 16
    // 60,833 x 16 = 973,328 units x 0.15 / 1,000 = 145.9992
    const g = e.hidden.find((h) => h.item === 'guardrails');
    expect(g && roundCents(g.monthly)).toBe(146);
  });

  it('knowledge base: the OpenSearch Serverless floor, 2 OCUs x $0.24 x 730 h', () => {
    const e = estimate('claude-3-haiku 1000 in 200 out 1m/month kb');
    // 0.24 x 2 x 730 = 350.40, added to the default's 500.00
    const kb = e.hidden.find((h) => h.item === 'knowledge-base');
    expect(kb && roundCents(kb.monthly)).toBe(350.4);
    expect(roundCents(e.totalMonthly)).toBe(850.4);
  });

  it('invocation logs: bytes per call -> GB ingested ($0.50) and stored ($0.03)', () => {
    const e = estimate('nova-micro 1000 in 200 out 1m/month logs');
    // (1,200 tokens x 4 chars + 1,500 bytes) x 1,000,000 = 6.3e9 bytes = 5.86737 GiB x 0.53 = 3.1097
    const logs = e.hidden.find((h) => h.item === 'logs');
    expect(logs && roundCents(logs.monthly)).toBe(3.11);
  });

  it('agent fan-out x6 multiplies model calls; the extra calls are shown as a hidden cost', () => {
    const e = estimate('claude-sonnet-4-5 2000 in 500 out 10k/day x6 calls');
    // 6 x 4,106.2545 = 24,637.527
    expect(cents(e.default)).toBe(24637.53);
    // 5/6 of it comes from the agent steps: 20,531.2725
    const fan = e.hidden.find((h) => h.item === 'agent-fan-out');
    expect(fan && roundCents(fan.monthly)).toBe(20531.27);
    expect(fan?.includedInOptions).toBe(true);
    expect(roundCents(e.totalMonthly)).toBe(24637.53);
  });

  it('self-hosting Llama 3.1 8B on one g5.xlarge, on-demand and spot', () => {
    const e = estimate('llama 3.1 8b 1000 in 200 out 100k/day');
    // 100,000 x 730 / 24 -> 3,041,667 requests x (200 + 1,000 x 0.1) = 912,500,100 weighted tokens
    // / 2,628,000 s = 347 tok/s average, x2 peak = 694 < 1,000 -> 1 instance
    // $1.006 x 730 = 734.38; spot 65% off: 1.006 x 0.35 x 730 = 257.0330
    expect(cents(opt(e.options, 'self-hosted-ec2'))).toBe(734.38);
    expect(cents(opt(e.options, 'self-hosted-ec2-spot'))).toBe(257.03);
    expect(opt(e.options, 'self-hosted-ec2')?.note).toMatch(/1 x g5\.xlarge.*1,000 output tok\/s/);
  });

  it('gpt-oss-120b (open weight, OpenAI), 2000 in / 500 out, 10k/day', () => {
    const e = estimate('gpt-oss-120b 2000 in 500 out 10k/day');
    // $0.15 / $0.60: 304,167 x (300 + 300) / 1M = 182.5002
    expect(cents(e.default)).toBe(182.5);
  });

  it('Mistral Large 2 (24.07), 1000 in / 1000 out, 10k/day', () => {
    const e = estimate('mistral-large-2407 1000 in 1000 out 10k/day');
    // $2 / $6 (Price List `USW2-MistralLarge2407-*`, sold in us-west-2 only; LiteLLM had
    // $3 / $9): 304,167 x 8,000 / 1M = 2,433.336, priced at us-west-2 with a note.
    expect(cents(e.default)).toBe(2433.34);
    expect(e.region).toBe('us-west-2');
    expect(e.notes.join(' ')).toContain('priced at us-west-2 rates');
  });

  it('Cohere Command provisioned (pricing page): $39.60 1-month, $23.77 6-month per model-unit hour', () => {
    const e = estimate('command 500 in 100 out 1k/day');
    // 39.60 x 730 = 28,908.00; 23.77 x 730 = 17,352.10
    expect(cents(opt(e.options, 'provisioned-1-month'))).toBe(28908);
    expect(cents(opt(e.options, 'provisioned-6-month'))).toBe(17352.1);
    // on-demand $1.50 / $2.00: 30,417 x (750 + 200) / 1M = 28.89615
    expect(cents(e.default)).toBe(28.9);
  });

  it('Nova 2 Lite: global $0.30 / $2.50 is cheaper than in-region $0.33 / $2.75 (Price List)', () => {
    const e = estimate('nova-2-lite 1000 in 1000 out 1m/month');
    // global: 1,000,000 x (300 + 2,500) / 1M = 2,800.00; in-region: 1,000,000 x (330 + 2,750) / 1M = 3,080.00
    expect(cents(opt(e.options, 'on-demand', 'global'))).toBe(2800);
    expect(cents(opt(e.options, 'on-demand', 'in-region'))).toBe(3080);
  });

  it('a global. profile ID makes the global route the default even when another is listed first', () => {
    const e = estimate('global.anthropic.claude-haiku-4-5-20251001-v1:0 1000 in 100 out 1m/month');
    // Haiku 4.5 global $1 / $5: 1,000,000 x (1,000 + 500) / 1M = 1,500.00
    expect(e.default.route).toBe('global');
    expect(cents(e.default)).toBe(1500);
  });
});

describe('estimateWorkload: properties', () => {
  const isModel = (t: string) => findModel(catalog, t) !== undefined;
  const textModels = catalog.models.filter(
    (m) => m.modality === 'text' && m.prices.some((p) => p.at === 'us-east-1' && p.input && p.output),
  );

  const base = (key: string, inTokens: number, outTokens: number, perMonth: number): Workload => ({
    ...parseWorkload([key, `${inTokens}`, 'in', `${outTokens}`, 'out', `${perMonth}/month`], isModel),
  });

  it('on-demand and batch cost is linear in volume', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...textModels),
        fc.integer({ min: 1, max: 50_000 }),
        fc.integer({ min: 1, max: 8_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 2, max: 50 }),
        (model, anyIn, outTokens, perMonth, k) => {
          // Within the model's context window (larger inputs are refused).
          const inTokens = Math.min(anyIn, model.contextWindow ?? anyIn);
          const one = estimateWorkload(catalog, { model }, base(model.key, inTokens, outTokens, perMonth));
          const many = estimateWorkload(
            catalog,
            { model },
            base(model.key, inTokens, outTokens, perMonth * k),
          );
          for (const o of one.options.filter((x) => x.mode === 'on-demand' || x.mode === 'batch')) {
            const twin = many.options.find((x) => x.mode === o.mode && x.at === o.at);
            expect(twin?.monthly.eq(o.monthly.times(k))).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('batch is exactly half of on-demand on the same route, where batch applies', () => {
    const withBatch = textModels.filter((m) => m.batch);
    fc.assert(
      fc.property(
        fc.constantFrom(...withBatch),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 0, max: 4_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (model, inTokens, outTokens, perMonth) => {
          const e = estimateWorkload(catalog, { model }, base(model.key, inTokens, outTokens, perMonth));
          const batch = e.options.find((o) => o.mode === 'batch');
          expect(batch).toBeDefined();
          const od = e.options.find(
            (o) => o.mode === 'on-demand' && (o.at === batch!.at || o.label.includes(`${batch!.at}.`)),
          );
          expect(od?.monthly.div(2).eq(batch!.monthly)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the cheapest option is never more expensive than any other, and the saving is never negative', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...textModels),
        fc.integer({ min: 1, max: 5_000_000 }),
        (model, perMonth) => {
          const e = estimateWorkload(catalog, { model }, base(model.key, 1000, 300, perMonth));
          for (const o of e.options) expect(e.cheapest.monthly.lte(o.monthly)).toBe(true);
          expect(e.saving.gte(0)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('estimateWorkload: a model without the asked mode', () => {
  it('batch on a model without batch inference is a one-line explanation', () => {
    expect(() => estimate('command-r 1000 in 100 out 1k/day batch')).toThrowError(
      /Command R has no batch inference/,
    );
  });
  it('images for a text model, tokens for an image model', () => {
    expect(() => estimate('nova-micro 1000 images/day')).toThrowError(/per token, not per image/);
    expect(() => estimate('nova-canvas 100 in 100 out 1k/day')).toThrowError(/per image, not per token/);
  });
  it('a text model without token counts asks for them', () => {
    expect(() => estimate('nova-micro 10k/day')).toThrowError(/How many tokens go in and out/);
  });
  it('cache on a model without prompt caching is noted, not silently applied', () => {
    const e = estimate('llama3-1-70b 1500 in 300 out 50000/day cache=60%');
    expect(e.notes.join(' ')).toMatch(/no prompt caching on Bedrock, so cache=60% is not applied/);
    expect(e.options.some((o) => o.mode === 'prompt-cache')).toBe(false);
  });
  it('a Region without a price for the model is priced at us rates and says so', () => {
    const e = estimate('claude-instant 1000 in 100 out 1k/day region=ap-south-1');
    expect(e.region).toBe('us-east-1');
    expect(e.notes[0]).toMatch(/no price for ap-south-1.*priced at us-east-1 rates/);
  });
});

/**
 * Issue 16: prices checked against AWS's published ones, with their source recorded, and
 * the answers that use them saying where they come from and how old they are.
 */
import { describe, expect, it } from 'vitest';
import { estimateFromWords } from '../../lib/commands/estimate.js';
import { UserError } from '../../lib/errors.js';
import { roundCents } from '../../lib/money.js';
import { bundledCatalog, type CatalogData, indexCatalog } from '../../lib/pricing/catalog.js';
import { compareFromWords } from '../../lib/pricing/compare.js';
import { tokenPricesFor } from '../../lib/pricing/lookup.js';
import { modelForModelId, modelForUsageToken, priceAt, resolveModel } from '../../lib/pricing/models.js';
import { describeCatalog, lifecycleOf, provenanceLines } from '../../lib/pricing/names.js';

const catalog = bundledCatalog();
const model = (text: string) => resolveModel(catalog, text).model;
const kindOf = (source: string) => catalog.sources[source]?.kind;

describe('corrected prices (each against the Price List row it came from)', () => {
  const cases: [string, string, string, string, string][] = [
    // key, at, input, output, usage type the source names
    ['mistral-large-2402', 'us-east-1', '4', '12', 'USE1-MistralLarge-'],
    ['mistral-large-2407', 'us-west-2', '2', '6', 'USW2-MistralLarge2407-'],
    ['llama3-1-70b', 'us-east-1', '0.72', '0.72', 'USE1-Llama3-1-70B-'],
    ['llama3-1-405b', 'us-west-2', '2.4', '2.4', 'USW2-Llama3-1-405B-'],
    ['llama3-2-90b', 'us-east-1', '0.72', '0.72', 'USE1-Llama3-2-90B-'],
    ['llama3-2-11b', 'us-east-1', '0.16', '0.16', 'USE1-Llama3-2-11B-'],
    ['nova-2-pro-preview', 'us-east-1', '1.375', '11', 'USE1-Nova2.0Pro-text-'],
    ['pixtral-large-2502', 'us-east-1', '2', '6', 'USE1-PixtralLarge2502-'],
    ['deepseek-r1', 'us-east-1', '1.35', '5.4', 'USE1-DeepSeek-R1-'],
  ];
  for (const [key, at, input, output, usageType] of cases) {
    it(`${key} at ${at}: $${input} / $${output} per 1M, source names ${usageType}*`, () => {
      const p = priceAt(model(key), at)!;
      expect(p).toMatchObject({ input, output });
      expect(p.derived).toBeUndefined();
      expect(kindOf(p.source)).toMatch(/^price-list-/);
      expect(catalog.sources[p.source]!.title).toContain(usageType);
    });
  }

  it('Nova 2 Pro through global.: $1.25 / $10 (the -cross-region-global rows)', () => {
    expect(priceAt(model('nova-2-pro-preview'), 'global')).toMatchObject({ input: '1.25', output: '10' });
  });

  it('gpt-oss-20b: the model-ID row ($0.07), not the OpenAI-compatible endpoint row ($0.075)', () => {
    const m = model('openai.gpt-oss-20b-1:0');
    expect(m.id).toBe('openai.gpt-oss-20b-1:0');
    expect(priceAt(m, 'us-east-1')).toMatchObject({ input: '0.07', output: '0.3' });
  });

  it('Mistral Large 2 and Llama 3.1 405B have no us-east-1 on-demand price (AWS sells them in us-west-2)', () => {
    expect(priceAt(model('mistral-large-2407'), 'us-east-1')).toBeUndefined();
    expect(priceAt(model('llama3-1-405b'), 'us-east-1')).toBeUndefined();
  });
});

describe('provenance', () => {
  it('every price row names a source with a kind and a date; rule rows keep the source they follow', () => {
    for (const m of catalog.models) {
      for (const p of [...m.prices, ...m.provisioned]) {
        expect(kindOf(p.source), `${m.key}@${p.at}`).toMatch(
          /^(price-list-offer|price-list-api|pricing-page|third-party)$/,
        );
        expect(p.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      expect(m.lifecycle?.status).toMatch(/^(active|legacy)$/);
    }
  });

  it('names the oldest source used, labels third-party rows and warns past 60 days', () => {
    const rows = [
      { source: 'price-list-2026-09-11', asOf: '2026-09-11' },
      { source: 'litellm', asOf: '2026-07-24' },
    ];
    expect(describeCatalog(catalog, rows)).toBe('prices as of 2026-07-24 (LiteLLM third-party snapshot)');
    const priceListOnly = [{ source: 'price-list-2026-09-11', asOf: '2026-09-11' }];
    expect(describeCatalog(catalog, priceListOnly)).toBe('prices as of 2026-09-11 (AWS Price List)');
    // 2026-09-11 + 60 days = 2026-11-10: no warning that day, a warning the day after.
    expect(provenanceLines(catalog, priceListOnly, new Date('2026-11-10T12:00:00Z'))).toEqual([]);
    expect(provenanceLines(catalog, priceListOnly, new Date('2026-11-11T12:00:00Z'))).toEqual([
      expect.stringMatching(/^Warning: the oldest price here is 61 days old \(2026-09-11\)/),
    ]);
    expect(provenanceLines(catalog, rows, new Date('2026-08-01T00:00:00Z'))).toEqual([
      expect.stringContaining('LiteLLM third-party snapshot 2026-07-24, not from AWS'),
    ]);
  });

  it('lifecycle: legacy with dates, end of life once the date has passed (by the clock)', () => {
    expect(lifecycleOf(model('nova-premier'), new Date('2026-08-01T00:00:00Z'))).toBe(
      'legacy since 2026-03-13, end of life 2026-09-14',
    );
    expect(lifecycleOf(model('nova-premier'), new Date('2026-11-18T00:00:00Z'))).toBe(
      'end of life since 2026-09-14',
    );
    expect(lifecycleOf(model('llama3-2-90b'), new Date('2026-11-18T00:00:00Z'))).toBe(
      'end of life since 2026-07-07',
    );
    expect(lifecycleOf(model('claude-sonnet-4-5'))).toBe('active');
  });

  it('an estimate names the oldest price it used and whether any is third-party', () => {
    const e = estimateFromWords(catalog, 'llama3-1-70b 1500 in 300 out 50000/day'.split(' '));
    expect(describeCatalog(catalog, e.priceOrigins)).toBe('prices as of 2026-06-11 (AWS Price List)');
    const s = estimateFromWords(catalog, 'claude-sonnet-4-5 2000 in 500 out 10k/day'.split(' '));
    expect(describeCatalog(catalog, s.priceOrigins)).toBe(
      'prices as of 2026-07-24 (LiteLLM third-party snapshot)',
    );
  });

  it('a catalog stored before kinds and lifecycles gets them from the bundled one', async () => {
    const { withBundledMetadata } = await import('../../lib/pricing/catalog.js');
    const old = structuredClone(catalog.data) as CatalogData;
    for (const s of Object.values(old.sources)) delete s.kind;
    for (const m of old.models) {
      delete m.lifecycle;
      delete m.task;
      delete m.contextWindow;
    }
    const filled = indexCatalog(withBundledMetadata(old));
    expect(filled.sources.litellm?.kind).toBe('third-party');
    expect(filled.byKey.get('nova-premier')?.lifecycle?.endOfLife).toBe('2026-09-14');
    expect(filled.byKey.get('voxtral-mini-3b-2507')?.task).toBe('speech');
    expect(filled.byKey.get('claude-sonnet-4-5')?.contextWindow).toBe(1_000_000);
  });
});

describe('prompt caching only where Bedrock offers it', () => {
  it('no cache for Claude 3 Haiku, 3 Sonnet, 3 Opus and 3.5 Sonnet v1; no "Prompt cache" option', () => {
    for (const key of ['claude-3-haiku', 'claude-3-sonnet', 'claude-3-opus', 'claude-3-5-sonnet']) {
      const m = model(key);
      expect(m.cache, key).toBe(false);
      expect(m.prices.some((p) => p.cacheRead !== undefined || p.cacheWrite5m !== undefined)).toBe(false);
    }
    const e = estimateFromWords(catalog, 'claude-3-haiku 2000 in 500 out 10k/day'.split(' '));
    expect(e.options.map((o) => o.mode)).not.toContain('prompt-cache');
  });

  it('Claude models that cache have 5-minute (1.25x) and 1-hour (2x) writes on every row', () => {
    for (const key of ['claude-3-5-haiku', 'claude-3-7-sonnet', 'claude-sonnet-4-5', 'claude-opus-4-1']) {
      for (const p of model(key).prices) {
        if (p.input === undefined) continue;
        expect(Number(p.cacheWrite5m) / Number(p.input), `${key}@${p.at}`).toBeCloseTo(1.25, 9);
        expect(Number(p.cacheWrite1h) / Number(p.input), `${key}@${p.at}`).toBeCloseTo(2, 9);
      }
    }
  });
});

describe('real model IDs resolve, in prices and in the CloudWatch ModelId lookup', () => {
  it('openai.gpt-oss-120b-1:0 and us.deepseek.r1-v1:0', () => {
    expect(resolveModel(catalog, 'openai.gpt-oss-120b-1:0').model.key).toBe('gpt-oss-120b');
    expect(resolveModel(catalog, 'us.deepseek.r1-v1:0')).toMatchObject({
      model: { key: 'deepseek-r1' },
      profile: 'us',
    });
    expect(modelForModelId(catalog, 'openai.gpt-oss-120b-1:0')?.model.key).toBe('gpt-oss-120b');
    expect(modelForModelId(catalog, 'us.deepseek.r1-v1:0')?.model.key).toBe('deepseek-r1');
    const p = tokenPricesFor(catalog, 'us.deepseek.r1-v1:0', 'us-east-1')!;
    expect(p.input.toString()).toBe('1.35');
    expect(p.output.toString()).toBe('5.4');
  });

  it('usage-type tokens of the bill map to models: MistralLarge, DeepSeek-R1, Nova2.0Pro-text', () => {
    expect(modelForUsageToken(catalog, 'MistralLarge')?.key).toBe('mistral-large-2402');
    expect(modelForUsageToken(catalog, 'MistralLarge2407')?.key).toBe('mistral-large-2407');
    expect(modelForUsageToken(catalog, 'DeepSeek-R1')?.key).toBe('deepseek-r1');
    expect(modelForUsageToken(catalog, 'Nova2.0Pro-text')?.key).toBe('nova-2-pro-preview');
    expect(modelForUsageToken(catalog, 'PixtralLarge2502')?.key).toBe('pixtral-large-2502');
  });
});

describe('estimate and compare', () => {
  const userError = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof UserError) return error.message;
      throw error;
    }
    throw new Error('no error');
  };

  it('refuses an input over the context window, stating the window', () => {
    expect(
      userError(() => estimateFromWords(catalog, 'claude-sonnet-4-5 2000000 in 500 out 1000/day'.split(' '))),
    ).toMatch(/Claude Sonnet 4\.5 takes at most 1,000,000 input tokens per request/);
    expect(
      userError(() => estimateFromWords(catalog, 'mistral-large-2402 40000 in 500 out 1000/day'.split(' '))),
    ).toMatch(/at most 32,000 input tokens/);
  });

  it('bills a request over 200K input tokens at the long-context rates (2x input, 1.5x output)', () => {
    const e = estimateFromWords(catalog, 'claude-sonnet-4-5 300000 in 500 out 1000/month'.split(' '));
    const global = e.options.find((o) => o.mode === 'on-demand' && o.route === 'global')!;
    // 1,000 x (300,000 x $6 + 500 x $22.50) / 1M = 1,800 + 11.25 = 1,811.25
    expect(roundCents(global.monthly)).toBe(1811.25);
    // batch stays half of it: 905.625, to the cent half-even
    expect(roundCents(e.options.find((o) => o.mode === 'batch')!.monthly)).toBe(905.62);
    expect(e.notes.join(' ')).toContain('long-context rates');
  });

  it('understands typos, `titan embeddings` and `10M x 300`', () => {
    expect(() => estimateFromWords(catalog, 'claude sonet 4.5 1000 in 500 out 1000/day'.split(' '))).toThrow(
      /Did you mean: claude-sonnet-4-5/,
    );
    const e = estimateFromWords(catalog, 'titan embeddings 10M x 300'.split(' '));
    expect(e.model.key).toBe('titan-embed-text-v2');
    expect(e.workload).toMatchObject({ requestsPerMonth: 10_000_000, inputTokens: 300 });
    // 10M x 300 = 3bn tokens x $0.02 / 1M = $60
    expect(roundCents(e.default.monthly)).toBe(60);
    expect(estimateFromWords(catalog, 'titan embeddings 10Mx300'.split(' ')).workload.inputTokens).toBe(300);
  });

  it('compare ranks only text-generation models for a chat workload, legacy only when asked', () => {
    const c = compareFromWords(catalog, '1000 in 500 out 10000/day'.split(' '));
    expect(c.task).toBe('text-generation');
    const keys = c.rows.map((r) => r.model.key);
    expect(keys).not.toContain('voxtral-mini-3b-2507');
    expect(keys).not.toContain('gpt-oss-safeguard-20b');
    expect(keys).not.toContain('llama3-2-1b');
    expect(c.legacyLeftOut).toBeGreaterThan(0);
    // Llama 3.2 1B is legacy until 2026-07-07: ranked when asked before that date, never after.
    const asked = '1000 in 500 out 10000/day legacy'.split(' ');
    const before = compareFromWords(catalog, asked, new Date('2026-06-01T00:00:00Z'));
    expect(before.rows.map((r) => r.model.key)).toContain('llama3-2-1b');
    const after = compareFromWords(catalog, asked, new Date('2026-11-18T00:00:00Z'));
    expect(after.rows.map((r) => r.model.key)).not.toContain('llama3-2-1b');
    expect(after.legacyLeftOut).toBeGreaterThan(0);
    const images = compareFromWords(catalog, 'nova-canvas 1000 images/day'.split(' '));
    expect(images.rows.every((r) => r.model.task === 'image-generation')).toBe(true);
  });
});

describe('tiers and routes as estimate options', () => {
  it('Flex where published (Nova Pro input $0.0004/1K), and as the default when asked', () => {
    const e = estimateFromWords(catalog, 'nova-pro 2000 in 500 out 10k/day'.split(' '));
    const flex = e.options.find((o) => o.mode === 'flex')!;
    // 304,167 x (2,000 x $0.40 + 500 x $1.60) / 1M = 304,167 x 0.0016 = 486.6672
    expect(roundCents(flex.monthly)).toBe(486.67);
    expect(flex.derived).toMatch(/output at the same ratio/);
    expect(e.default.mode).toBe('on-demand');
    const asked = estimateFromWords(catalog, 'nova-pro 2000 in 500 out 10k/day flex'.split(' '));
    expect(asked.default.mode).toBe('flex');
  });

  it('a tier or route the model does not publish is refused, saying so', () => {
    expect(() =>
      estimateFromWords(catalog, 'claude-sonnet-4-5 2000 in 500 out 10k/day priority'.split(' ')),
    ).toThrow(/no published Priority tier price/);
    expect(() => estimateFromWords(catalog, 'nova-micro 2000 in 500 out 10k/day global'.split(' '))).toThrow(
      /no global\. profile price from us-east-1/,
    );
  });

  it('global / geo / in-region pick the default route', () => {
    const words = 'claude-sonnet-4-5 2000 in 500 out 10k/day';
    expect(estimateFromWords(catalog, words.split(' ')).default.route).toBe('global');
    const geo = estimateFromWords(catalog, `${words} geo`.split(' '));
    // in-region / us. $3.30 / $16.50: 304,167 x 0.01485 = 4,516.88
    expect(roundCents(geo.default.monthly)).toBe(4516.88);
    expect(estimateFromWords(catalog, `${words} in-region`.split(' ')).default.route).toBe('in-region');
  });

  it('reads Priority and latency-optimized prices from a catalog that has them', () => {
    const data = structuredClone(catalog.data) as CatalogData;
    const llama = data.models.find((m) => m.key === 'llama3-1-70b')!;
    const row = llama.prices.find((p) => p.at === 'us-east-1')!;
    Object.assign(row, {
      latencyInput: '0.9',
      latencyOutput: '0.9',
      priorityInput: '1.26',
      priorityOutput: '1.26',
    });
    const c = indexCatalog(data);
    const e = estimateFromWords(c, 'llama3-1-70b 1000 in 1000 out 1000/month latency-optimized'.split(' '));
    // 1,000 x 2,000 x $0.90 / 1M = 1.80
    expect(e.default).toMatchObject({ mode: 'latency-optimized' });
    expect(roundCents(e.default.monthly)).toBe(1.8);
    expect(roundCents(e.options.find((o) => o.mode === 'priority')!.monthly)).toBe(2.52);
  });

  it('Reserved is understood and answered with what is (not) published', () => {
    const e = estimateFromWords(catalog, 'nova-lite 2000 in 500 out 10k/day reserved'.split(' '));
    expect(e.notes.join(' ')).toMatch(
      /No published Reserved tier price for Nova Lite.*per 1K tokens per minute/,
    );
  });
});

describe('Reserved and Priority from published Price List rows (bundled catalog)', () => {
  it('prices the Reserved tier of Claude Sonnet 4.6 per 1K tokens per minute, 1- and 3-month terms', () => {
    // 10k/day x 30.42 days = 304,167 calls; 2,000 in / 500 out tokens each.
    const e = estimateFromWords(catalog, 'claude-sonnet-4-6 2000 in 500 out 10k/day reserved'.split(' '));
    expect(e.default.mode).toBe('reserved-1-month');
    const one = e.options.find((o) => o.mode === 'reserved-1-month')!;
    const three = e.options.find((o) => o.mode === 'reserved-3-month')!;
    // Average input TPM x 730 h x $ per 1K TPM-hour equals the same tokens on demand at
    // the same route (the 1-month rate is 0.06 x the per-1M price); 3 months is 10% less.
    const onDemandSameRoute = e.options.find((o) => o.mode === 'on-demand' && o.at === one.at)!;
    expect(roundCents(one.monthly)).toBe(roundCents(onDemandSameRoute.monthly));
    expect(roundCents(three.monthly)).toBe(roundCents(one.monthly.times('0.9')));
    expect(one.lines.map((l) => l.unit)).toEqual(['1K TPM-hour', '1K TPM-hour']);
    expect(one.origin?.source).toBe('price-list-fm-20260911124410');
    expect(e.notes.join(' ')).not.toMatch(/No published Reserved/);
  });

  it('offers the published Priority and Flex rows of Qwen3 32B and prices "priority"', () => {
    const e = estimateFromWords(catalog, 'qwen3-32b 1000 in 1000 out 1000/month priority'.split(' '));
    // 1,000 x (1,000 x $0.2625 + 1,000 x $1.05) / 1M = $1.3125
    expect(e.default.mode).toBe('priority');
    expect(e.default.monthly.toString()).toBe('1.3125');
    expect(e.default.derived).toBeUndefined();
    const flex = e.options.find((o) => o.mode === 'flex')!;
    expect(flex.monthly.toString()).toBe('0.375');
  });

  it('shows tiers and Reserved rates in `prices`, with their source', async () => {
    const { pricesFor, pricesReply, pricesData } = await import('../../lib/pricing/prices.js');
    const view = pricesFor(catalog, { modelText: 'qwen3-32b' });
    const text = JSON.stringify(pricesReply(view, catalog).blocks);
    expect(text).toContain('Priority');
    expect(text).toContain('$0.2625');
    const sonnet = pricesData(pricesFor(catalog, { modelText: 'claude sonnet 4.6' }), catalog);
    expect(sonnet.prices.find((p) => p.at === 'us')).toMatchObject({
      reservedPer1kTpmHour: { oneMonthInput: 0.198, threeMonthOutput: 0.891 },
      sourceKind: 'price-list-offer',
      offer: {
        name: 'AmazonBedrockFoundationModels',
        version: '20260911124410',
        publicationDate: '2026-09-11',
        quotedIn: { repo: 'ramyalsaffar/OncoTriage-Agent', path: 'RECOVERY_R1C_REPORT.md' },
      },
    });
  });
});

describe('idle throughput fallback rate', () => {
  it('uses the catalog provisioned rate and names where it comes from', async () => {
    const { catalogRateFor } = await import('../../lib/idle/idle-catalog.js');
    const rate = await catalogRateFor({ catalog: async () => catalog });
    const r = rate!('amazon.nova-lite-v1:0', '1-month', 'us-east-1')!;
    expect(r.perModelUnitHour.toString()).toBe('55');
    expect(r.source).toBe('catalog');
    expect(r.basis).toBe('bundled catalog Nova Lite 1-month as of 2026-09-11 (AWS Price List)');
  });
});

describe('legacy models in estimates', () => {
  it('says when a model is past its end of life, by the clock', async () => {
    const { estimateReply } = await import('../../lib/pricing/reply.js');
    const { renderText } = await import('../../lib/chat/text.js');
    const e = estimateFromWords(catalog, 'llama3-2-90b 1000 in 200 out 1000/day'.split(' '));
    expect(renderText(estimateReply(e, catalog, new Date('2026-11-18T00:00:00Z')))).toContain(
      'Llama 3.2 90B is at end of life since 2026-07-07: Bedrock no longer serves it',
    );
    expect(renderText(estimateReply(e, catalog, new Date('2026-06-01T00:00:00Z')))).toContain(
      'Llama 3.2 90B is legacy, end of life 2026-07-07: plan a move before that date.',
    );
  });
});

describe('reference check: catalog within 0.5% of AWS published prices', () => {
  // USD per 1M tokens, us-east-1 (us-west-2 where AWS sells it there only), from the
  // AmazonBedrock Price List offer files (per 1K x 1000) and, for Claude and Cohere, the
  // published list prices (Claude 4.5 generation: in-region = global + 10%).
  const published: Record<string, [number, number]> = {
    'mistral-large-2402': [4, 12],
    'mistral-large-2407': [2, 6],
    'llama3-1-70b': [0.72, 0.72],
    'llama3-1-405b': [2.4, 2.4],
    'llama3-2-90b': [0.72, 0.72],
    'llama3-2-11b': [0.16, 0.16],
    'nova-2-pro-preview': [1.375, 11],
    'gpt-oss-20b': [0.07, 0.3],
    'deepseek-r1': [1.35, 5.4],
    'pixtral-large-2502': [2, 6],
    'llama4-scout-17b': [0.17, 0.66],
    'llama4-maverick-17b': [0.24, 0.97],
    'llama3-3-70b': [0.72, 0.72],
    'llama3-1-8b': [0.22, 0.22],
    'llama3-2-3b': [0.15, 0.15],
    'llama3-2-1b': [0.1, 0.1],
    'mistral-large-3-675b': [0.5, 1.5],
    'magistral-small-2509': [0.5, 1.5],
    'ministral-3-14b': [0.2, 0.2],
    'ministral-3-8b': [0.15, 0.15],
    'ministral-3-3b': [0.1, 0.1],
    'mixtral-8x7b': [0.45, 0.7],
    'titan-text-premier': [0.5, 1.5],
    'command-r': [0.5, 1.5],
    'command-r-plus': [3, 15],
    'nova-2-lite': [0.33, 2.75],
    'nova-premier': [2.5, 12.5],
    'nova-pro': [0.8, 3.2],
    'nova-lite': [0.06, 0.24],
    'nova-micro': [0.035, 0.14],
    'claude-opus-4-5': [5.5, 27.5],
    'claude-haiku-4-5': [1.1, 5.5],
    'claude-opus-4-1': [15, 75],
  };
  for (const [key, [input, output]] of Object.entries(published)) {
    it(`${key}: $${input} / $${output}`, () => {
      const m = model(key);
      const p = priceAt(m, 'us-east-1') ?? priceAt(m, 'us-west-2')!;
      expect(Math.abs(Number(p.input) - input) / input).toBeLessThan(0.005);
      expect(Math.abs(Number(p.output) - output) / output).toBeLessThan(0.005);
    });
  }
});

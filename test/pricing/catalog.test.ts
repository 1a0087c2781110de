import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../lib/money.js';
import {
  bundledCatalog,
  type CatalogData,
  encodeCatalog,
  loadCatalog,
  readRefreshedCatalog,
  saveRefreshedCatalog,
} from '../../lib/pricing/catalog.js';
import { priceAt, resolveModel, routesFrom } from '../../lib/pricing/models.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const catalog = bundledCatalog();
const model = (text: string) => resolveModel(catalog, text).model;
const REQUIRED = ['us-east-1', 'us-west-2', 'eu-central-1', 'eu-west-1', 'ap-northeast-1'];

describe('bundled catalog', () => {
  it('prices every text, embedding and image model from the five required Regions', () => {
    // AWS sells these in us-west-2 only (Price List `USW2-` rows): no price elsewhere.
    const usWest2Only = new Set(['mistral-large-2407', 'llama3-1-405b']);
    for (const m of catalog.models) {
      if (usWest2Only.has(m.key)) {
        expect(m.prices.map((p) => p.at)).toContain('us-west-2');
        continue;
      }
      for (const region of REQUIRED) {
        const routes = routesFrom(m, region);
        expect(routes.length, `${m.key} from ${region}`).toBeGreaterThan(0);
      }
    }
    expect(catalog.models.filter((m) => m.modality === 'text').length).toBeGreaterThan(80);
    expect(catalog.models.some((m) => m.modality === 'embedding')).toBe(true);
    expect(catalog.models.some((m) => m.modality === 'image')).toBe(true);
  });

  it('every price set and provisioned rate carries a known source and an as-of date', () => {
    for (const m of catalog.models) {
      for (const p of [...m.prices, ...m.provisioned]) {
        expect(
          p.source === 'derived' || catalog.sources[p.source] !== undefined,
          `${m.key}@${p.at}: ${p.source}`,
        ).toBe(true);
        expect(p.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
    for (const i of catalog.services.ec2) expect(i.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('fixes the snapshot mistakes: eu. Claude 3.5 Haiku, stale Titan Text, Nova 2 Lite in-region', () => {
    // LiteLLM had eu.anthropic.claude-3-5-haiku at Claude 3 Haiku's $0.25 / $1.25.
    expect(priceAt(model('claude-3-5-haiku'), 'eu')).toMatchObject({ input: '0.8', output: '4' });
    // Price List: Titan Text G1 Lite input $0.00015 per 1K (LiteLLM: 0.3 per 1M).
    expect(priceAt(model('titan-text-lite'), 'us-east-1')).toMatchObject({
      input: '0.15',
      source: 'price-list-2026-09-11',
    });
    expect(priceAt(model('titan-text-express'), 'us-east-1')).toMatchObject({ input: '0.2', output: '0.6' });
    // Price List: Nova 2.0 Lite input $0.00033 per 1K in-region; global stays $0.30.
    expect(priceAt(model('nova-2-lite'), 'us-east-1')?.input).toBe('0.33');
    expect(priceAt(model('nova-2-lite'), 'global')?.input).toBe('0.3');
    // Geo profiles of new Claude models carry the 10% regional premium (LiteLLM had eu. Opus 4.5 at global).
    expect(priceAt(model('claude-opus-4-5'), 'eu')?.input).toBe('5.5');
    // GovCloud Llama 3 8B output: LiteLLM had the 70B input price ($2.65).
    expect(priceAt(model('llama3-8b'), 'us-gov-west-1')?.output).toBe('0.6');
    // jp. Opus 4.7 lacked its 1-hour cache write: 2x input.
    expect(priceAt(model('claude-opus-4-7'), 'jp')?.cacheWrite1h).toBe('11');
    // Video models priced per second of video are not offered as per-token models.
    expect(catalog.byKey.has('marengo-embed-2-7')).toBe(false);
  });

  it('matches the real Price List documents in the samples', () => {
    expect(priceAt(model('nova-micro'), 'us-east-1')).toMatchObject({
      input: '0.035',
      output: '0.14',
      cacheRead: '0.00875',
    });
    expect(priceAt(model('nova-lite'), 'us-east-1')).toMatchObject({
      input: '0.06',
      output: '0.24',
      cacheRead: '0.015',
      batchInput: '0.03',
    });
    expect(priceAt(model('nova-pro'), 'ap-northeast-1')).toMatchObject({
      input: '0.96',
      output: '3.84',
      batchInput: '0.48',
      cacheRead: '0.24',
    });
    expect(priceAt(model('nova-premier'), 'us-east-1')).toMatchObject({
      input: '2.5',
      output: '12.5',
      cacheRead: '0.625',
    });
    expect(priceAt(model('nova-canvas'), 'us-east-1')?.images?.standard).toBe('0.04');
    expect(model('nova-lite').provisioned[0]).toMatchObject({ at: 'us-east-1', oneMonth: '55' });
    expect(model('nova-2-lite').provisioned[0]).toMatchObject({ noCommit: '60.5' });
  });

  it('has prompt-cache rules: Claude read 0.1x / 5-minute write 1.25x, Nova writes free', () => {
    const sonnet = priceAt(model('claude-sonnet-4-5'), 'global')!;
    expect(new Dec(sonnet.cacheRead!).div(sonnet.input!).toNumber()).toBe(0.1);
    expect(new Dec(sonnet.cacheWrite5m!).div(sonnet.input!).toNumber()).toBe(1.25);
    expect(new Dec(sonnet.cacheWrite1h!).div(sonnet.input!).toNumber()).toBe(2);
    expect(priceAt(model('nova-pro'), 'us-east-1')?.cacheWrite5m).toBe('0');
  });

  it('has the services around the models: Guardrails, KB OCU-hours, Logs, EC2 GPUs', () => {
    expect(catalog.services.guardrails.contentFilterPer1kUnits).toBe('0.15');
    expect(catalog.services.knowledgeBase).toMatchObject({
      ocuHour: '0.24',
      minOcus: 2,
      minOcusRedundant: 4,
    });
    expect(catalog.services.logs.ingestionPerGb).toBe('0.50');
    expect(catalog.services.ec2.map((i) => i.type)).toEqual(
      expect.arrayContaining(['g5.xlarge', 'g5.12xlarge', 'g6e.xlarge', 'p4d.24xlarge', 'p5.48xlarge']),
    );
  });

  it('compresses far below the DynamoDB item limit', () => {
    const payload = encodeCatalog(catalog.data);
    expect(payload.length).toBeLessThan(100_000);
  });
});

describe('loadCatalog', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(() => dynamo.close());

  it('uses the bundled catalog when nothing was refreshed', async () => {
    const store = await dynamo.newStore();
    const loaded = await loadCatalog(store);
    expect(loaded).toMatchObject({ source: 'bundled', asOf: '2026-07-24' });
  });

  it('prefers the refreshed catalog from PRICING/CATALOG and says so', async () => {
    const store = await dynamo.newStore();
    const refreshed: CatalogData = structuredClone(catalog.data);
    refreshed.source = 'refreshed';
    refreshed.asOf = '2026-11-17';
    refreshed.refreshedAt = '2026-11-17T03:00:00.000Z';
    const micro = refreshed.models.find((m) => m.key === 'nova-micro')!;
    micro.prices.find((p) => p.at === 'us-east-1')!.input = '0.03';
    await saveRefreshedCatalog(store, refreshed);
    const loaded = await loadCatalog(store);
    expect(loaded).toMatchObject({
      source: 'refreshed',
      asOf: '2026-11-17',
      refreshedAt: '2026-11-17T03:00:00.000Z',
    });
    expect(priceAt(resolveModel(loaded, 'nova micro').model, 'us-east-1')?.input).toBe('0.03');
  });

  it('reads a catalog split into parts', async () => {
    const store = await dynamo.newStore();
    const big: CatalogData = structuredClone(catalog.data);
    // Incompressible padding forces more than one 300 KB part.
    big.sources.padding = { title: randomBytes(320_000).toString('hex'), asOf: '2026-11-17' };
    const { parts } = await saveRefreshedCatalog(store, big);
    expect(parts).toBeGreaterThan(1);
    expect((await readRefreshedCatalog(store))?.sources.padding?.title).toBe(big.sources.padding.title);
  });

  it('falls back to the bundled catalog, with the reason, when the stored item is unreadable', async () => {
    const store = await dynamo.newStore();
    await store.db.send(
      new PutCommand({
        TableName: store.table,
        Item: { pk: 'PRICING', sk: 'CATALOG', data: 'not gzip', parts: 1 },
      }),
    );
    const loaded = await loadCatalog(store);
    expect(loaded.source).toBe('bundled');
    expect(loaded.fallbackReason).toMatch(/refreshed catalog unreadable/);
  });
});

/**
 * The bundled catalog against every AWS Price List row it was built from: the real product
 * documents in test/fixtures/pricing/ and the offer rows quoted in public files
 * (data/catalog/price-list-quotes.json). Each row is read back with the refresh's parser;
 * the catalog must hold that price, within 0.5%, at the place the row prices.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../lib/money.js';
import type { PriceListProduct } from '../../lib/ports.js';
import { bundledCatalog, type PriceSource } from '../../lib/pricing/catalog.js';
import { type PriceFact, parseProductFacts, resolveFact, UNREADABLE } from '../../lib/pricing/refresh.js';
import { allDocs } from './price-list-docs.js';

interface QuoteRow {
  source: string;
  serviceCode: string;
  usagetype: string;
  regionCode: string;
  unit: string;
  usd: string;
  servicename?: string;
  model?: string;
  description?: string;
  inferenceType?: string;
}
const quotes = JSON.parse(
  readFileSync(new URL('../../data/catalog/price-list-quotes.json', import.meta.url), 'utf8'),
) as { sources: Record<string, PriceSource>; rows: QuoteRow[] };

function asDocument(r: QuoteRow, i: number): PriceListProduct {
  return {
    serviceCode: r.serviceCode,
    product: {
      sku: `Q${i}`,
      attributes: {
        usagetype: r.usagetype,
        regionCode: r.regionCode,
        ...(r.servicename ? { servicename: r.servicename } : {}),
        ...(r.model ? { model: r.model } : {}),
        ...(r.inferenceType ? { inferenceType: r.inferenceType } : {}),
      },
    },
    terms: {
      OnDemand: {
        T: {
          priceDimensions: {
            D: {
              unit: r.unit,
              ...(r.description ? { description: r.description } : {}),
              pricePerUnit: { USD: r.usd },
            },
          },
        },
      },
    },
  } as PriceListProduct;
}

const catalog = bundledCatalog();
const within = (a: string, b: string) => new Dec(a).minus(b).abs().lte(new Dec(b).times('0.005'));

function check(docs: PriceListProduct[]): {
  compared: number;
  off: string[];
  unread: number;
  reasons: string[];
} {
  let compared = 0;
  let unread = 0;
  const reasons: string[] = [];
  const off: string[] = [];
  for (const doc of docs) {
    const facts = parseProductFacts(doc);
    if (typeof facts === 'string') {
      unread++;
      reasons.push(facts);
      continue;
    }
    for (const fact of facts as PriceFact[]) {
      const model = resolveFact(catalog, fact);
      if (!model) {
        off.push(`${fact.usagetype}: no catalog model`);
        continue;
      }
      compared++;
      const label = `${model.key} ${fact.meter}@${fact.at} (${fact.usagetype})`;
      if (fact.meter === 'noCommit' || fact.meter === 'oneMonth' || fact.meter === 'sixMonth') {
        const pt = model.provisioned.find((p) => p.at === fact.at)?.[fact.meter];
        if (!pt || !within(pt, fact.usd)) off.push(`${label}: ${pt} vs ${fact.usd}`);
        continue;
      }
      const set = model.prices.find((p) => p.at === fact.at);
      const have =
        fact.meter === 'image'
          ? set?.images?.[fact.variant ?? 'standard']
          : (set as unknown as Record<string, string> | undefined)?.[fact.meter];
      if (have === undefined || !within(have, fact.usd))
        off.push(`${label}: catalog ${have} vs published ${fact.usd}`);
    }
  }
  return { compared, off, unread, reasons };
}

describe('the bundled catalog against the AWS Price List rows it was built from', () => {
  it('holds every quoted offer row within 0.5%', () => {
    const r = check(quotes.rows.map(asDocument));
    expect(r.off).toEqual([]);
    expect(r.compared).toBeGreaterThanOrEqual(50);
    // Claude Sonnet 4's long-context cache rows have no catalog field: counted, not silently dropped.
    expect(r.unread).toBe(2);
  });

  it('holds every real product document in the fixtures within 0.5%', () => {
    const r = check(allDocs);
    expect(r.off).toEqual([]);
    // Nothing unreadable: the only rows not placed are ones the catalog leaves out on
    // purpose (a customization row, the OpenAI-compatible endpoint's twins), and said so.
    expect(r.reasons.filter((x) => (UNREADABLE as readonly string[]).includes(x))).toEqual([]);
    expect([...new Set(r.reasons)].sort()).toEqual(['customization', 'service-tier']);
    expect(r.compared).toBeGreaterThanOrEqual(28);
  });

  it('names the offer, its publication date and the public file quoting it for every quoted source', () => {
    for (const [id, src] of Object.entries(quotes.sources)) {
      expect(catalog.sources[id], id).toMatchObject({
        kind: expect.stringMatching(/^price-list-/),
        publicationDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        quotedIn: {
          repo: expect.any(String),
          path: expect.any(String),
          commit: expect.stringMatching(/^[0-9a-f]{40}$/),
        },
      });
      expect(src.asOf).toBe(src.publicationDate);
    }
  });

  it('labels a price set Price List only where the Price List gave its prices', () => {
    const sonnet46 = catalog.byKey.get('claude-sonnet-4-6')!;
    const us = sonnet46.prices.find((p) => p.at === 'us')!;
    expect(us).toMatchObject({
      source: 'price-list-fm-20260911124410',
      input: '3.3',
      output: '16.5',
      cacheWrite1h: '6.6',
      batchInput: '1.65',
      reserved1mInput: '0.198',
      reserved3mOutput: '0.891',
    });
    // Reserved capacity is sold on the geo and global profiles, not in-region.
    expect(sonnet46.prices.find((p) => p.at === 'us-east-1')?.reserved1mInput).toBeUndefined();
    // Mixed sets keep their third-party label: Ministral 3 8B has only its input row published.
    const ministral = catalog.byKey.get('ministral-3-8b')!.prices.find((p) => p.at === 'us-east-1')!;
    expect([ministral.input, ministral.output]).toEqual(['0.15', '0.15']);
    expect(catalog.sources[ministral.source]?.kind).toBe('third-party');
  });
});

/**
 * Small helpers shared by the pricing modules that the chat front door loads at cold
 * start. Kept apart from `catalog.ts`, which carries the bundled JSON and the DynamoDB
 * client and is only loaded when a catalog is actually needed (`deps.catalog()`).
 */
import type { Catalog, CatalogModel, PriceSource, SourceKind } from './catalog.js';

/** A price older than this many days gets a warning in every answer that uses it. */
export const STALE_AFTER_DAYS = 60;

/** What an answer needs to know about one price it used. */
export interface PriceOrigin {
  source: string;
  asOf: string;
  derived?: string;
}

/** The kind of a source; catalogs stored before kinds existed are read conservatively. */
export function sourceKind(source: PriceSource | undefined, id: string): SourceKind {
  if (source?.kind) return source.kind;
  if (id.startsWith('price-list')) return 'price-list-api';
  if (id.endsWith('pricing-page')) return 'pricing-page';
  return 'third-party';
}

/** Short name of a source for tables and context lines. */
export function sourceLabel(catalog: Pick<Catalog, 'sources'>, id: string): string {
  const source = catalog.sources[id];
  switch (sourceKind(source, id)) {
    case 'price-list-offer':
    case 'price-list-api':
      return 'AWS Price List';
    case 'pricing-page':
      return source?.title.startsWith('Anthropic') ? 'Anthropic pricing page' : 'AWS pricing page';
    default:
      return source?.title.startsWith('LiteLLM') ? 'LiteLLM third-party snapshot' : 'third-party snapshot';
  }
}

export interface Provenance {
  /** The oldest price used. */
  oldest: PriceOrigin;
  oldestLabel: string;
  /** Third-party prices used, by source label and date (empty when none). */
  thirdParty: string[];
  /** Days between the oldest price and now (undefined without a clock). */
  ageDays?: number;
  stale: boolean;
}

const DAY_MS = 86_400_000;

/** Where the prices behind one answer come from: the oldest, the third-party ones, their age. */
export function provenanceOf(
  catalog: Pick<Catalog, 'sources' | 'asOf'>,
  used: readonly PriceOrigin[],
  now?: Date,
): Provenance {
  const rows = used.length ? used : [{ source: 'catalog', asOf: catalog.asOf }];
  const oldest = rows.reduce((a, b) => (b.asOf < a.asOf ? b : a));
  const thirdParty = new Set<string>();
  for (const r of rows) {
    if (sourceKind(catalog.sources[r.source], r.source) === 'third-party' && catalog.sources[r.source])
      thirdParty.add(`${sourceLabel(catalog, r.source)} ${r.asOf}`);
  }
  const ageDays = now
    ? Math.floor((now.getTime() - new Date(`${oldest.asOf}T00:00:00Z`).getTime()) / DAY_MS)
    : undefined;
  return {
    oldest,
    oldestLabel: sourceLabel(catalog, oldest.source),
    thirdParty: [...thirdParty].sort(),
    ...(ageDays !== undefined ? { ageDays } : {}),
    stale: ageDays !== undefined && ageDays > STALE_AFTER_DAYS,
  };
}

/**
 * The phrase every priced answer carries: the oldest price it used and its source, and
 * whether any price is a third party's. Without rows, the catalog as a whole.
 *
 * @example
 * describeCatalog(catalog, rows); // "prices as of 2026-06-11 (AWS Price List; some third-party)"
 */
export function describeCatalog(catalog: Catalog, used?: readonly PriceOrigin[], now?: Date): string {
  if (!used) {
    return `prices as of ${catalog.asOf} (${catalog.source === 'refreshed' ? 'AWS Price List' : 'bundled catalog'})`;
  }
  const p = provenanceOf(catalog, used, now);
  const oldestIsThirdParty = sourceKind(catalog.sources[p.oldest.source], p.oldest.source) === 'third-party';
  const third = p.thirdParty.length && !oldestIsThirdParty ? '; some third-party' : '';
  return `prices as of ${p.oldest.asOf} (${p.oldestLabel}${third})`;
}

/**
 * The lines an answer adds about its prices: third-party rows named, a warning when the
 * oldest price is more than 60 days old. Empty when there is nothing to say.
 */
export function provenanceLines(catalog: Catalog, used: readonly PriceOrigin[], now?: Date): string[] {
  const p = provenanceOf(catalog, used, now);
  const lines: string[] = [];
  if (p.thirdParty.length) {
    lines.push(
      `Some prices come from a ${p.thirdParty.join(', ')}, not from AWS: check them on aws.amazon.com/bedrock/pricing.`,
    );
  }
  if (p.stale) {
    lines.push(
      `Warning: the oldest price here is ${p.ageDays} days old (${p.oldest.asOf}); AWS changes prices, so check before budgeting on it (a pricing refresh reads the current Price List).`,
    );
  }
  return lines;
}

/** `active`, `legacy until 2026-09-14`, `end of life since 2026-07-07`, relative to `now`. */
export function lifecycleOf(model: Pick<CatalogModel, 'lifecycle'>, now?: Date): string {
  const l = model.lifecycle;
  if (!l || l.status === 'active') return 'active';
  const today = now ? now.toISOString().slice(0, 10) : undefined;
  if (l.endOfLife && today && l.endOfLife <= today) return `end of life since ${l.endOfLife}`;
  const since = l.legacySince ? ` since ${l.legacySince}` : '';
  return l.endOfLife ? `legacy${since}, end of life ${l.endOfLife}` : `legacy${since}`;
}

/** Legacy or past end of life: left out of `compare` unless asked. */
export function isLegacy(model: Pick<CatalogModel, 'lifecycle'>): boolean {
  return model.lifecycle?.status === 'legacy';
}

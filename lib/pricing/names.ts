/**
 * Small helpers shared by the pricing modules that the chat front door loads at cold
 * start. Kept apart from `catalog.ts`, which carries the bundled JSON and the DynamoDB
 * client and is only loaded when a catalog is actually needed (`deps.catalog()`).
 */
import type { Catalog } from './catalog.js';

/** Lowercase letters and digits only: how aliases are compared. */
export function aliasKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** "prices as of 2026-07-24 (bundled catalog)": the phrase every priced answer carries. */
export function describeCatalog(catalog: Catalog): string {
  return `prices as of ${catalog.asOf} (${catalog.source === 'refreshed' ? 'AWS Price List' : 'bundled catalog'})`;
}

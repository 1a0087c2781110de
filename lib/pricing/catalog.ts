/** PLACEHOLDER: the pricing catalog (issue 3 replaces this file). */
import type { Store } from '../store/store.js';

export interface Catalog {
  /** `bundled` snapshot or `refreshed` from the Price List API. */
  source: 'bundled' | 'refreshed';
  /** ISO date the prices are as of. */
  asOf: string;
}

/** The refreshed catalog from the table when present, else the bundled one. */
export async function loadCatalog(_store: Store | undefined): Promise<Catalog> {
  return { source: 'bundled', asOf: '2026-07-24' };
}

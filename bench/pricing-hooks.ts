/**
 * Hooks for `npm run bench` (targets from issue 3: estimate p99 under 5 ms in process,
 * catalog load under 20 ms). The bench times these; they do no timing themselves except
 * `measureCatalogLoad`, which has to start from raw bytes to be honest about a cold start.
 */
import { readFileSync } from 'node:fs';
import {
  type Catalog,
  type CatalogData,
  decodeCatalog,
  encodeCatalog,
  indexCatalog,
} from '../lib/pricing/catalog.js';
import { type Estimate, estimateFromWords } from '../lib/pricing/estimator.js';

/** Workloads across providers and modes, as people type them. */
export const BENCH_WORKLOADS: readonly string[] = [
  'claude-sonnet-4-5 2000 in 500 out 10k/day',
  'nova-micro 300k requests/month 800 in 200 out batch',
  'model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1',
  'sonnet 4.5 3000 in 800 out 2k/day x6 calls kb guardrails logs',
  'nova-canvas 2000 images/day',
  'claude-instant 1000 in 200 out 1m/day',
  'titan-embed-text-v2 500 in 1m/month',
  'us.anthropic.claude-3-5-haiku-20241022-v1:0 1000 in 100 out 5k/hour',
];

/** One estimate from a line of text (what the bench times for latency). */
export function estimateLine(catalog: Catalog, line: string): Estimate {
  return estimateFromWords(catalog, line.split(/\s+/).filter(Boolean));
}

export interface CatalogLoadTiming {
  /** Parse the bundled JSON from its bytes and index it (a cold start's cost). */
  bundledMs: number;
  /** gunzip + base64 + parse + index of a refreshed catalog as stored in DynamoDB. */
  refreshedMs: number;
  bundledBytes: number;
  storedBytes: number;
}

/** Time loading the catalog from raw bytes, both ways it is stored. */
export function measureCatalogLoad(): CatalogLoadTiming {
  const raw = readFileSync(new URL('../lib/pricing/data/catalog.json', import.meta.url), 'utf8');
  const t0 = performance.now();
  const data = JSON.parse(raw) as CatalogData;
  indexCatalog(data);
  const bundledMs = performance.now() - t0;
  const stored = encodeCatalog({ ...data, source: 'refreshed' });
  const t1 = performance.now();
  indexCatalog(decodeCatalog(stored));
  const refreshedMs = performance.now() - t1;
  return { bundledMs, refreshedMs, bundledBytes: raw.length, storedBytes: stored.length };
}

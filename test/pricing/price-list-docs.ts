/**
 * Real AWS Price List product documents (see test/fixtures/pricing/README.md), loaded as
 * the GetProducts `PriceList` strings and as parsed documents.
 */
import { readFileSync } from 'node:fs';
import type { PriceListProduct } from '../../lib/ports.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/pricing/${name}`, import.meta.url), 'utf8'));

/** 23 real AmazonBedrock products (us-east-1 offer, publication 2026-09-11), as GetProducts strings. */
export const usEast1Strings: string[] = fixture('amazonbedrock-getproducts-us-east-1.json').PriceList;
const items = fixture('getproducts-items.json');
/** One complete item (Claude 2.0 input, 2025-06-18) and ten trimmed real items (2026-08-26). */
export const otherStrings: string[] = [
  ...(items.A_complete_item_aws_cli_9567.PriceList as string[]),
  ...(items.B_trimmed_items_inferplane.items as { PriceList_element: string }[]).map(
    (i) => i.PriceList_element,
  ),
];
export const usEast1Docs: PriceListProduct[] = usEast1Strings.map((s) => JSON.parse(s));
export const otherDocs: PriceListProduct[] = otherStrings.map((s) => JSON.parse(s));
export const allDocs: PriceListProduct[] = [...usEast1Docs, ...otherDocs];

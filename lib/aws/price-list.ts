/**
 * AWS Price List Query API adapter (`pricing:GetProducts`), for the daily catalog refresh.
 *
 * - The API is served from us-east-1 (and ap-south-1) only: the client comes from
 *   `lib/aws/clients.ts`, pinned to us-east-1.
 * - Each `PriceList` element is a product document as a JSON *string* (`product`,
 *   `serviceCode`, `terms.OnDemand`, `version`, `publicationDate`); the SDK may hand it
 *   over as a string or an already-parsed object, both are accepted.
 * - Pagination: loop on `NextToken` (100 items a page, the API maximum).
 */
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import type { PriceListProduct, PriceListSource } from '../ports.js';

/** Stop a runaway pagination loop (the Bedrock offers are a few hundred pages at most). */
const MAX_PAGES = 2_000;

/**
 * Build the Price List source over an SDK client.
 *
 * @example
 * const source = createPriceListSource(createAwsClients({ region }).pricing);
 * const products = await source.getProducts('AmazonBedrock');
 */
export function createPriceListSource(client: PricingClient): PriceListSource {
  return {
    async getProducts(serviceCode, filters = []) {
      const products: PriceListProduct[] = [];
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const out = await client.send(
          new GetProductsCommand({
            ServiceCode: serviceCode,
            FormatVersion: 'aws_v1',
            MaxResults: 100,
            ...(filters.length
              ? { Filters: filters.map((f) => ({ Type: 'TERM_MATCH', Field: f.field, Value: f.value })) }
              : {}),
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const item of (out.PriceList ?? []) as unknown[]) {
          // A plain string, a String-like lazy JSON wrapper, or an already-parsed object.
          const doc = (
            typeof item === 'string' || item instanceof String ? JSON.parse(String(item)) : item
          ) as PriceListProduct;
          if (doc?.product?.attributes) products.push(doc);
        }
        token = out.NextToken || undefined;
        if (!token) break;
      }
      return products;
    },
  };
}

/**
 * Canonical model names for bill lines, from the pricing catalog: a Marketplace service
 * (`Claude Sonnet 4.5 (Amazon Bedrock Edition)`) or an `Amazon Bedrock` usage-type token
 * (`NovaPro`, `Llama3-1-70B`) becomes the catalog's key and display name, so `spend`,
 * `estimate` and `prices` name a model the same way. Unknown models fall back to the
 * usage-type parser's own naming.
 */
import type { Catalog } from '../pricing/catalog.js';
import { modelForServiceName, modelForUsageToken } from '../pricing/models.js';
import type { ModelNames } from './usage-type.js';

/** A `ModelNames` lookup over a loaded catalog (memoised per name). */
export function modelNamesFromCatalog(catalog: Catalog): ModelNames {
  const services = new Map<string, { key: string; name: string } | undefined>();
  const tokens = new Map<string, { key: string; name: string } | undefined>();
  const pick = (m: { key: string; name: string } | undefined) =>
    m ? { key: m.key, name: m.name } : undefined;
  return {
    fromService(service) {
      if (!services.has(service)) services.set(service, pick(modelForServiceName(catalog, service)));
      return services.get(service);
    },
    fromToken(token) {
      if (!tokens.has(token)) tokens.set(token, pick(modelForUsageToken(catalog, token)));
      return tokens.get(token);
    },
  };
}

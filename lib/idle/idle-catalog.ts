/**
 * The pricing catalog as a fallback hourly rate for provisioned throughput: the list price
 * per model-unit hour of the throughput's base model, in its Region, for its commitment.
 * Used only when the bill has no rate for it yet (see `idle-rates.ts`).
 */
import type { Deps } from '../context.js';
import { usd } from '../money.js';
import type { Commitment } from '../ports.js';
import { sourceLabel } from '../pricing/names.js';
import type { ModelUnitRate } from './idle-rates.js';

const FIELD = { none: 'noCommit', '1-month': 'oneMonth', '6-month': 'sixMonth' } as const;

/**
 * A rate lookup on the loaded catalog, or `undefined` when the catalog cannot be loaded
 * (the analysis then falls back to the few published rates it knows).
 */
export async function catalogRateFor(
  deps: Pick<Deps, 'catalog'>,
): Promise<
  ((modelId: string, commitment: Commitment, region: string) => ModelUnitRate | undefined) | undefined
> {
  const catalog = await deps.catalog().catch(() => undefined);
  if (!catalog?.byId) return undefined;
  return (modelId, commitment, region) => {
    const model = catalog.byId.get(modelId.toLowerCase());
    const entries = model?.provisioned ?? [];
    // Same Region only: provisioned prices differ by Region by up to 2.6x (Claude v2 in Tokyo).
    const entry = entries.find((p) => p.at === region);
    const price = entry?.[FIELD[commitment]];
    if (!model || !entry || !price) return undefined;
    return {
      perModelUnitHour: usd(price),
      source: 'catalog',
      // Names where the list price comes from (AWS Price List, pricing page or a third
      // party), not just which catalog held it.
      basis: `${catalog.source} catalog ${model.name} ${commitment} as of ${entry.asOf} (${sourceLabel(catalog, entry.source)})`,
    };
  };
}

/** The catalog's display name of a base model (`Llama 3.1 8B Instruct`), when it knows it. */
export async function catalogNameFor(
  deps: Pick<Deps, 'catalog'>,
): Promise<((modelId: string) => string | undefined) | undefined> {
  const catalog = await deps.catalog().catch(() => undefined);
  if (!catalog?.byId) return undefined;
  return (modelId) => catalog.byId.get(modelId.toLowerCase())?.name;
}

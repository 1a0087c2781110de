/**
 * Model resolution and lookup: the one place that turns what people type, what
 * CloudWatch reports and what the bill says into a catalog model.
 *
 * - People: `sonnet 4.5`, `claude-3-haiku`, `nova micro`, `llama 3.1 70b`, full model IDs
 *   and inference-profile IDs (`us.anthropic.claude-...`): {@link resolveModel}.
 * - CloudWatch `AWS/Bedrock` `ModelId` dimension (base ID, system profile ID, ARN):
 *   {@link modelForModelId}.
 * - Cost Explorer SERVICE of Marketplace models (`Claude Sonnet 4.5 (Amazon Bedrock
 *   Edition)`): {@link modelForServiceName}.
 * - The model token inside `Amazon Bedrock` usage types (`USE1-NovaPro-input-tokens`,
 *   `Llama3-1-70B`): {@link modelForUsageToken}.
 *
 * Prices for a resolved model: {@link priceAt} (one route) and {@link routesFrom} (every
 * on-demand route a caller in a Region can take).
 */
import { NotFoundError } from '../errors.js';
import { editDistance } from '../fuzzy.js';
import { aliasKey } from './alias.js';
import type { Catalog, CatalogModel, PriceSet, ProvisionedPrice } from './catalog.js';
import { geoProfilesOf, PROFILE_HOME, PROFILE_PREFIXES } from './regions.js';
import {
  type ReadOptions,
  readWorkload,
  splitModelWords,
  type Workload,
  type WorkloadDraft,
} from './workload.js';

/** How a call reaches the model: in the caller's Region, a geo profile, or `global.`. */
export type Route = 'in-region' | 'geo' | 'global';

export interface ResolvedModel {
  model: CatalogModel;
  /** The inference profile named in the text (`us.`, `global.`), when any. */
  profile?: string;
  /** The Region that profile's callers usually sit in (`eu.` -> eu-central-1). */
  profileHome?: string;
}

function splitProfile(text: string): { profile?: string; rest: string } {
  const lower = text.trim().toLowerCase();
  for (const p of PROFILE_PREFIXES) {
    if (lower.startsWith(`${p}.`)) return { profile: p, rest: lower.slice(p.length + 1) };
  }
  return { rest: lower };
}

/** Strip an ARN down to the model or profile ID it names. */
function stripArn(text: string): string {
  // arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-...
  // arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-...
  const m =
    /^arn:aws[\w-]*:bedrock:[^:]*:[^:]*:(?:foundation-model|inference-profile|provisioned-model|custom-model)\/(.+)$/i.exec(
      text.trim(),
    );
  return m ? m[1]! : text.trim();
}

/**
 * Find a model without fuzzy matching: exact base ID, profile ID, key or alias. Returns
 * undefined when nothing matches exactly (see {@link resolveModel} for suggestions).
 */
export function findModel(catalog: Catalog, text: string): ResolvedModel | undefined {
  const { profile, rest } = splitProfile(stripArn(text));
  const model =
    catalog.byId.get(rest) ??
    catalog.byAlias.get(aliasKey(rest)) ??
    // `anthropic.claude-sonnet-4-5` or `meta.llama3-1-70b-instruct-v1`: drop the provider.
    (rest.includes('.') ? catalog.byAlias.get(aliasKey(rest.slice(rest.indexOf('.') + 1))) : undefined) ??
    // A versioned ID we have not seen (`...-v2:0` of a known stem).
    catalog.byAlias.get(aliasKey(rest.replace(/[-:]v\d+(:\d+)?$/, '').replace(/-\d{8}$/, '')));
  const found = model ?? uniquePrefixMatch(catalog, aliasKey(rest));
  if (!found) return undefined;
  return profile ? { model: found, profile, profileHome: PROFILE_HOME[profile] } : { model: found };
}

/**
 * "llama 4 maverick" names exactly one model ("Llama 4 Maverick 17B"): a name that starts
 * exactly one model's spellings resolves to it. Ambiguous starts ("mistral large") do not.
 */
function uniquePrefixMatch(catalog: Catalog, needle: string): CatalogModel | undefined {
  if (needle.length < 5) return undefined;
  let match: CatalogModel | undefined;
  for (const [alias, m] of catalog.byAlias) {
    if (!alias.startsWith(needle)) continue;
    if (match && match !== m) return undefined;
    match = m;
  }
  return match;
}

/**
 * The `limit` models whose names are closest to `text`, as keys. Each model is scored
 * on its best spelling (key, name, name without the brand), so "sonet 4.5" finds
 * `claude-sonnet-4-5` through "Sonnet 4.5".
 */
export function closestModels(catalog: Catalog, text: string, limit = 3): string[] {
  const needle = aliasKey(splitProfile(text).rest);
  if (!needle) return [];
  const scored = catalog.models.map((m) => {
    let best = Number.POSITIVE_INFINITY;
    const forms = [
      m.key,
      m.name,
      m.name.replace(/^(Claude|Amazon|Meta|Mistral|Cohere)\s+/, ''),
      ...m.aliases,
    ];
    const claude = /^Claude (Sonnet|Opus|Haiku) ([\d.]+)$/.exec(m.name);
    if (claude) forms.push(`${claude[1]} ${claude[2]}`);
    for (const form of forms) {
      const hay = aliasKey(form);
      let score = editDistance(needle, hay);
      if (hay.includes(needle)) score = Math.min(score, (hay.length - needle.length) * 0.1);
      else if (needle.includes(hay) && hay.length > 3)
        score = Math.min(score, (needle.length - hay.length) * 0.2 + 0.5);
      best = Math.min(best, score);
    }
    return { key: m.key, score: best };
  });
  return scored
    .sort((a, b) => a.score - b.score || a.key.localeCompare(b.key))
    .slice(0, limit)
    .map((s) => s.key);
}

/**
 * Resolve what a person typed to a catalog model: full model IDs, `us.`/`eu.`/`apac.`/
 * `global.` profile IDs, ARNs, aliases and loose names (`sonnet 4.5`, `nova micro`,
 * `llama 3.1 70b`). Throws `NotFoundError` naming the three closest models otherwise.
 *
 * @example
 * resolveModel(catalog, 'sonnet 4.5').model.id; // 'anthropic.claude-sonnet-4-5-20250929-v1:0'
 * resolveModel(catalog, 'global.anthropic.claude-sonnet-4-5-20250929-v1:0').profile; // 'global'
 */
export function resolveModel(catalog: Catalog, text: string): ResolvedModel {
  const found = findModel(catalog, text);
  if (found) return found;
  throw modelNotFound(catalog, text);
}

/** "I don't know the model ...", with the three closest models. */
function modelNotFound(catalog: Catalog, text: string): NotFoundError {
  const shown = text.trim().slice(0, 60);
  const candidates = closestModels(catalog, text, 3);
  return new NotFoundError(
    `I don't know the model "${shown}". Did you mean: ${candidates.join(', ')}?`,
    candidates,
    {
      suggestion: 'Type `prices MODEL` to check a name.',
    },
  );
}

/** A workload and the catalog model it names (none for `compare` without a model). */
export interface ResolvedWorkload {
  workload: Workload;
  resolved: ResolvedModel | undefined;
}

/**
 * The words of `estimate` / `compare` read against the catalog: parsed once, and the model
 * resolved once (the lookup that finds where the name ends is the resolution). Throws
 * the grammar's `ParseError`, then `NotFoundError` with the closest models.
 *
 * @example
 * readCatalogWorkload(catalog, ['sonnet', '4.5', '2000', 'in', '500', 'out', '10k/day']).resolved?.model.key;
 */
export function readCatalogWorkload(
  catalog: Catalog,
  words: string[],
  options: ReadOptions = {},
): ResolvedWorkload {
  const split = splitModelWords(words, (text) => findModel(catalog, text));
  return withModel(catalog, split, readWorkload(split, options));
}

/**
 * A workload parsed before the catalog was loaded ({@link draftWorkload}), with its model
 * resolved against the catalog. The draft's reading stands when the catalog ends the model
 * name where the draft did (the usual case); only when the catalog ends it elsewhere
 * (`nova-canvas premium ...`: `premium` is an option, not part of the name) are the words
 * after the name read again.
 */
export function resolveDraft(
  catalog: Catalog,
  draft: WorkloadDraft,
  options: ReadOptions = {},
): ResolvedWorkload {
  const split = splitModelWords(draft.words, (text) => findModel(catalog, text));
  const sameName = split.rest.length === draft.rest.length && split.modelText === draft.workload.modelText;
  return withModel(catalog, split, sameName ? draft.workload : readWorkload(split, options));
}

function withModel(
  catalog: Catalog,
  split: { modelText: string; model: ResolvedModel | undefined },
  workload: Workload,
): ResolvedWorkload {
  if (split.modelText && !split.model) throw modelNotFound(catalog, split.modelText);
  return { workload, resolved: split.model };
}

/**
 * The model behind a CloudWatch `ModelId` dimension or a Bedrock model/profile ID or ARN:
 * `anthropic.claude-3-haiku-20240307-v1:0`, `us.anthropic.claude-sonnet-4-5-...`,
 * `arn:aws:bedrock:...:foundation-model/...`. Undefined for application inference
 * profiles and custom models (their ID does not name the model).
 */
export function modelForModelId(catalog: Catalog, modelId: string): ResolvedModel | undefined {
  const { profile, rest } = splitProfile(stripArn(modelId));
  const model = catalog.byId.get(rest);
  if (model) return profile ? { model, profile, profileHome: PROFILE_HOME[profile] } : { model };
  // IDs newer than the catalog's version of the model (`-v2:0`) still name it.
  if (!rest.includes('.')) return undefined;
  return findModel(catalog, modelId);
}

/** Marketplace Cost Explorer services end with this. */
export const MARKETPLACE_SUFFIX = ' (Amazon Bedrock Edition)';

/**
 * The model behind a Cost Explorer SERVICE name of a Marketplace model, e.g.
 * `Claude Sonnet 4.5 (Amazon Bedrock Edition)` or `Claude 3 Haiku (Amazon Bedrock Edition)`.
 * Undefined for `Amazon Bedrock` itself (its usage types name the model instead).
 */
export function modelForServiceName(catalog: Catalog, service: string): CatalogModel | undefined {
  const trimmed = service.trim();
  if (!trimmed.endsWith(MARKETPLACE_SUFFIX)) return undefined;
  const name = trimmed.slice(0, -MARKETPLACE_SUFFIX.length);
  return catalog.byAlias.get(aliasKey(name));
}

/** The Cost Explorer SERVICE a Marketplace model bills under, or `Amazon Bedrock`. */
export function serviceNameOf(model: CatalogModel): string {
  return model.billing === 'marketplace' ? `${model.name}${MARKETPLACE_SUFFIX}` : 'Amazon Bedrock';
}

/**
 * The model named by the model token of an `Amazon Bedrock` usage type: `NovaPro`,
 * `Llama3-1-70B`, `Claude3Haiku`, `Nova2.0Lite`, `Gemma-3-4B-IT`, `zai.glm5`.
 */
export function modelForUsageToken(catalog: Catalog, token: string): CatalogModel | undefined {
  const direct = catalog.byUsageToken.get(aliasKey(token)) ?? catalog.byAlias.get(aliasKey(token));
  if (direct) return direct;
  // `Nova2.0Lite` -> `Nova2Lite`; `Llama3-1-70B-Instruct` -> `Llama3-1-70B`.
  const variants = [token.replace(/(\d)\.0(?!\d)/g, '$1'), token.replace(/-?(instruct|it)$/i, '')];
  for (const v of variants) {
    const m = catalog.byUsageToken.get(aliasKey(v)) ?? catalog.byAlias.get(aliasKey(v));
    if (m) return m;
  }
  return undefined;
}

/** The price set of a model at one place (`us-east-1`, `us`, `global`), if published. */
export function priceAt(model: CatalogModel, at: string): PriceSet | undefined {
  return model.prices.find((p) => p.at === at);
}

export interface RouteOption {
  route: Route;
  /** `us-east-1`, `us`, `global`: where the price set sits. */
  at: string;
  prices: PriceSet;
}

/**
 * Every on-demand route a caller in `region` can use for a model, with its prices:
 * in-region, each geo profile the Region belongs to, and `global.`. Cross-region
 * inference is billed at the source Region's price for that profile.
 */
export function routesFrom(model: CatalogModel, region: string): RouteOption[] {
  const out: RouteOption[] = [];
  const local = priceAt(model, region);
  if (local) out.push({ route: 'in-region', at: region, prices: local });
  for (const geo of geoProfilesOf(region)) {
    const p = priceAt(model, geo);
    if (p) {
      out.push({ route: 'geo', at: geo, prices: p });
      break;
    }
  }
  const global = priceAt(model, 'global');
  if (global && !region.startsWith('us-gov')) out.push({ route: 'global', at: 'global', prices: global });
  return out;
}

/** Provisioned Throughput prices of a model in exactly that Region (`undefined` when none is published there). */
export function provisionedAt(model: CatalogModel, region: string): ProvisionedPrice | undefined {
  return model.provisioned.find((p) => p.at === region);
}

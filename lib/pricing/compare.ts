/**
 * `compare`: the same workload priced on every model of the same modality, cheapest
 * first. Each model is priced the way the workload asks (on demand by default; batch or
 * prompt cache when asked) on its cheapest route from the Region, so the ranking
 * compares like with like.
 */

import { ParseError, UserError } from '../errors.js';
import { type Dec, roundCents } from '../money.js';
import type { Reply } from '../reply/reply.js';
import type { Catalog, CatalogModel, Modality, ModelTask } from './catalog.js';
import { type Estimate, type EstimateOption, estimateWorkload } from './estimator.js';
import { type ResolvedModel, type ResolvedWorkload, readCatalogWorkload, routesFrom } from './models.js';
import { describeCatalog, isLegacy, provenanceLines, provenanceOf } from './names.js';
import { formatMonthly, formatPerThousand, optionName } from './reply.js';
import type { Workload } from './workload.js';

export interface ComparisonRow {
  model: CatalogModel;
  option: EstimateOption;
  rank: number;
}

export interface Comparison {
  workload: Workload;
  region: string;
  modality: Modality;
  /** The model named in the workload, when one was. */
  reference?: CatalogModel;
  rows: ComparisonRow[];
  /** Models left out: no price in the Region, or the asked mode (batch) not offered. */
  skipped: number;
  /** What the ranked models are for (text generation, embeddings, image generation, ...). */
  task: ModelTask;
  /** Legacy models left out (the workload did not say `legacy`). */
  legacyLeftOut: number;
}

const TASK_WORDS: Record<ModelTask, string> = {
  'text-generation': 'text-generation',
  speech: 'speech',
  safety: 'safety-classifier',
  embedding: 'embedding',
  'image-generation': 'image-generation',
  'image-editing': 'image-editing',
};

/** A model's task (catalogs stored before tasks: read from its modality). */
function taskOf(model: CatalogModel): ModelTask {
  return (
    model.task ??
    (model.modality === 'embedding'
      ? 'embedding'
      : model.modality === 'image'
        ? 'image-generation'
        : 'text-generation')
  );
}

/** How many rows an answer shows (plus the reference model when it ranks lower). */
export const COMPARE_TOP = 10;

/**
 * Price one workload across all models of a modality. Pure.
 *
 * @example
 * compareWorkload(catalog, readCatalogWorkload(catalog, ['claude-sonnet-4-5', '2000', 'in', '500', 'out', '10k/day'], { requireModel: false }));
 */
export function compareWorkload(
  catalog: Catalog,
  { workload, resolved }: ResolvedWorkload,
  now?: Date,
): Comparison {
  if (
    !resolved &&
    !workload.images &&
    workload.inputTokens === undefined &&
    workload.outputTokens === undefined
  ) {
    throw new ParseError(
      'Which workload? Give a model or the tokens per request, e.g. compare 2000 in 500 out 10k/day or compare nova-canvas 1000 images/day.',
    );
  }
  const modality: Modality =
    resolved?.model.modality ?? (workload.images ? 'image' : workload.outputTokens ? 'text' : 'embedding');
  const region = workload.region ?? resolved?.profileHome ?? 'us-east-1';
  const w: Workload = { ...workload, region };
  const task: ModelTask = resolved
    ? taskOf(resolved.model)
    : modality === 'embedding'
      ? 'embedding'
      : modality === 'image'
        ? 'image-generation'
        : 'text-generation';
  const { priced, skipped, legacyLeftOut } = priceEach(catalog, w, { modality, task, resolved, now });
  if (!priced.length) {
    throw new UserError('no_price', `No ${modality} model has a price for this workload in ${region}.`);
  }
  priced.sort(
    (a, b) => a.option.monthly.comparedTo(b.option.monthly) || a.model.key.localeCompare(b.model.key),
  );
  return {
    workload: w,
    region,
    modality,
    ...(resolved ? { reference: resolved.model } : {}),
    rows: priced.map((p, i) => ({ ...p, rank: i + 1 })),
    skipped,
    task,
    legacyLeftOut,
  };
}

/**
 * The workload priced on every model of the modality and task (`w.region` set), as each
 * model's default option; models without a price there, or without the asked mode, are
 * counted as skipped, legacy ones left out unless asked.
 */
function priceEach(
  catalog: Catalog,
  w: Workload,
  of: { modality: Modality; task: ModelTask; resolved: ResolvedModel | undefined; now: Date | undefined },
): { priced: { model: CatalogModel; option: EstimateOption }[]; skipped: number; legacyLeftOut: number } {
  const today = of.now?.toISOString().slice(0, 10);
  const pastEndOfLife = (m: CatalogModel) =>
    today !== undefined && m.lifecycle?.endOfLife !== undefined && m.lifecycle.endOfLife <= today;
  const withLegacy = w.legacy || (of.resolved !== undefined && isLegacy(of.resolved.model));
  const priced: { model: CatalogModel; option: EstimateOption }[] = [];
  let skipped = 0;
  let legacyLeftOut = 0;
  for (const model of catalog.models) {
    if (model.modality !== of.modality || taskOf(model) !== of.task) continue;
    // Legacy models only when asked; past their end of life, Bedrock no longer serves them.
    if (isLegacy(model) && (!withLegacy || pastEndOfLife(model)) && model !== of.resolved?.model) {
      legacyLeftOut++;
      continue;
    }
    if (!routesFrom(model, w.region!).length) {
      skipped++;
      continue;
    }
    let estimate: Estimate;
    try {
      estimate = estimateWorkload(catalog, { model }, w);
    } catch {
      skipped++;
      continue;
    }
    priced.push({ model, option: estimate.default });
  }
  return { priced, skipped, legacyLeftOut };
}

/** Parse and compare; the model in the workload is optional for `compare`. */
export function compareFromWords(catalog: Catalog, words: string[], now?: Date): Comparison {
  return compareWorkload(catalog, readCatalogWorkload(catalog, words, { requireModel: false }), now);
}

function shown(c: Comparison): ComparisonRow[] {
  const top = c.rows.slice(0, COMPARE_TOP);
  const ref = c.reference ? c.rows.find((r) => r.model.key === c.reference!.key) : undefined;
  if (ref && !top.includes(ref)) top.push(ref);
  return top;
}

function modeWords(c: Comparison): string {
  if (c.workload.batch) return 'with batch inference';
  if (c.workload.cacheHitRate !== undefined)
    return `with ${Math.round(c.workload.cacheHitRate * 100)}% prompt-cache hits`;
  return 'on demand';
}

/** The chat answer for `compare`. */
export function compareReply(c: Comparison, catalog: Catalog, now?: Date): Reply {
  const origins = shown(c).flatMap((r) => (r.option.origin ? [r.option.origin] : []));
  const first = c.rows[0]!;
  const ref = c.reference ? c.rows.find((r) => r.model.key === c.reference!.key) : undefined;
  let headline = `${first.model.name} is the cheapest ${TASK_WORDS[c.task]} model for this workload: ${formatMonthly(first.option.monthly)} a month ${modeWords(c)}.`;
  if (ref && ref !== first) {
    headline = `${ref.model.name} ranks ${ref.rank} of ${c.rows.length} at ${formatMonthly(ref.option.monthly)} a month; ${first.model.name} is cheapest at ${formatMonthly(first.option.monthly)}.`;
  }
  const rows = shown(c).map((r) => [
    String(r.rank),
    r.model.name + (r.option.derived ? ' *' : ''),
    r.model.provider,
    formatMonthly(r.option.monthly),
    formatPerThousand(r.option.perThousand),
    optionName(r.option),
  ]);
  const w = c.workload;
  const shape =
    c.modality === 'image'
      ? `${w.requestsPerMonth.toLocaleString('en-US')} images a month`
      : `${w.requestsPerMonth.toLocaleString('en-US')} requests a month, ${(w.inputTokens ?? 0).toLocaleString('en-US')} in / ${(w.outputTokens ?? 0).toLocaleString('en-US')} out${w.calls > 1 ? `, x${w.calls} calls` : ''}`;
  const lines = [
    `Ranked on ${shape}; each model on its cheapest route from ${c.region}.`,
    c.skipped
      ? `${c.skipped} ${TASK_WORDS[c.task]} models not ranked: no price in ${c.region} or the mode asked is not offered.`
      : '',
    rows.some((r) => r[1]!.endsWith(' *')) ? '* price estimated from a published rule.' : '',
    c.legacyLeftOut
      ? `${c.legacyLeftOut} legacy models left out${c.workload.legacy ? ' (past their end of life, no longer served)' : '; add `legacy` to rank those still served'}.`
      : '',
    'Quality differs: compare answers on your own prompts before switching.',
    ...provenanceLines(catalog, origins, now),
  ].filter(Boolean);
  return {
    headline,
    context: [c.region, describeCatalog(catalog, origins, now), 'a month is 730 hours'],
    blocks: [
      {
        kind: 'table',
        columns: [
          { header: '#', align: 'right' },
          { header: 'Model' },
          { header: 'Provider' },
          { header: 'Monthly', align: 'right' },
          { header: `Per 1k ${c.modality === 'image' ? 'images' : 'requests'}`, align: 'right' },
          { header: 'Priced as' },
        ],
        rows,
      },
      ...lines.map((text) => ({ kind: 'text' as const, text })),
    ],
  };
}

const usd = (d: Dec) => roundCents(d);

/** JSON `data` of `compare`. */
export function compareData(c: Comparison, catalog: Catalog, now?: Date) {
  const provenance = provenanceOf(
    catalog,
    c.rows.flatMap((r) => (r.option.origin ? [r.option.origin] : [])),
    now,
  );
  return {
    region: c.region,
    modality: c.modality,
    task: c.task,
    legacyLeftOut: c.legacyLeftOut,
    ...(c.reference ? { reference: c.reference.key } : {}),
    workload: {
      requestsPerMonth: c.workload.requestsPerMonth,
      inputTokens: c.workload.inputTokens ?? 0,
      outputTokens: c.workload.outputTokens ?? 0,
      callsPerRequest: c.workload.calls,
      batch: c.workload.batch,
      ...(c.workload.cacheHitRate !== undefined ? { cacheHitRate: c.workload.cacheHitRate } : {}),
    },
    models: c.rows.map((r) => ({
      rank: r.rank,
      key: r.model.key,
      id: r.model.id,
      name: r.model.name,
      provider: r.model.provider,
      mode: r.option.mode,
      ...(r.option.route ? { route: r.option.route } : {}),
      monthlyUsd: usd(r.option.monthly),
      per1kRequestsUsd: usd(r.option.perThousand),
      ...(r.option.derived ? { estimated: r.option.derived } : {}),
    })),
    skipped: c.skipped,
    currency: 'USD' as const,
    pricesAsOf: provenance.oldest.asOf,
    stale: provenance.stale,
    thirdParty: provenance.thirdParty,
    catalogAsOf: catalog.asOf,
    priceSource: catalog.source,
  };
}

export type CompareData = ReturnType<typeof compareData>;

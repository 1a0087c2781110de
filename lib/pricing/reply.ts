/**
 * Turn estimates into answers (UX.md): the conclusion in one line, the options side by
 * side, the cheapest named with its monthly saving, hidden costs on their own lines, and
 * a context line saying where the prices come from and how old they are.
 */

import { type Dec, formatUsd, roundCents } from '../money.js';
import type { Reply, ReplyBlock } from '../reply/reply.js';
import type { Catalog } from './catalog.js';
import { compact, type Estimate, type EstimateOption } from './estimator.js';
import { describeCatalog, isLegacy, lifecycleOf, provenanceLines, provenanceOf } from './names.js';

/** Monthly amounts: whole dollars from $1,000, cents below. */
export function formatMonthly(d: Dec): string {
  return d.abs().gte(1000) ? formatUsd(d, { decimals: 0 }) : formatUsd(d);
}

/** Per-1,000-request amounts: cents, or 3 significant digits under a cent. */
export function formatPerThousand(d: Dec): string {
  return d.lt(0.01) && !d.isZero() ? formatUsd(d, { significant: 3 }) : formatUsd(d);
}

/** `on-demand (global)`, `batch`, `provisioned, 1-month commitment`. */
export function optionName(o: EstimateOption): string {
  if (o.mode === 'on-demand') {
    return `on-demand (${o.route === 'global' ? 'global' : o.route === 'geo' ? `${o.at}. profile` : 'in-region'})`;
  }
  return o.label.charAt(0).toLowerCase() + o.label.slice(1);
}

function volumeLabel(e: Estimate): string {
  const { count, unit } = e.workload.volume;
  const noun = e.model.modality === 'image' ? 'images' : 'requests';
  return `${compact(count)} ${noun}/${unit}`;
}

function modePhrase(o: EstimateOption): string {
  switch (o.mode) {
    case 'on-demand':
      return 'on demand';
    case 'batch':
      return 'with batch inference';
    case 'prompt-cache':
      return 'with prompt caching';
    case 'flex':
      return 'on the Flex tier';
    case 'priority':
      return 'on the Priority tier';
    case 'latency-optimized':
      return 'latency-optimized';
    case 'reserved-1-month':
      return 'on the Reserved tier (1-month term)';
    case 'reserved-3-month':
      return 'on the Reserved tier (3-month term)';
    default:
      return optionName(o);
  }
}

function shapeLabel(e: Estimate): string {
  const w = e.workload;
  const n = (x: number | undefined) => (x ?? 0).toLocaleString('en-US');
  const calls = w.calls > 1 ? `, x${w.calls} calls each` : '';
  if (e.model.modality === 'image') {
    // The per-image price variant actually used: `images (2048 premium)`.
    const variant = /\((.+)\)$/.exec(e.default.lines[0]?.what ?? '')?.[1];
    const parts = [variant && variant !== 'standard' ? variant : '', calls.slice(2)].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  }
  if (e.model.modality === 'embedding') return ` (${n(w.inputTokens)} tokens each${calls})`;
  return ` (${n(w.inputTokens)} in / ${n(w.outputTokens)} out${calls})`;
}

/** The context line: Region, price source and age, the 730-hour month. */
export function estimateContext(e: Estimate, catalog: Catalog, now?: Date): string[] {
  const ctx = [e.region, describeCatalog(catalog, e.priceOrigins, now), 'a month is 730 hours'];
  if (catalog.fallbackReason) ctx.push(catalog.fallbackReason);
  return ctx;
}

/** The chat answer for `estimate`. */
export function estimateReply(e: Estimate, catalog: Catalog, now?: Date): Reply {
  const headline = `${volumeLabel(e)} on ${e.model.name}${shapeLabel(e)} costs about ${formatMonthly(e.default.monthly)} a month ${modePhrase(e.default)}.`;
  const rows = e.options.map((o) => [
    o.label + (o.derived ? ' *' : ''),
    formatMonthly(o.monthly),
    formatPerThousand(o.perThousand),
    o.note ?? '',
  ]);
  const blocks: ReplyBlock[] = [
    {
      kind: 'table',
      columns: [
        { header: 'Option' },
        { header: 'Monthly', align: 'right' },
        { header: `Per 1k ${e.model.modality === 'image' ? 'images' : 'requests'}`, align: 'right' },
        { header: 'Note' },
      ],
      rows,
    },
  ];
  const lines: string[] = [];
  if (e.cheapest === e.default || e.saving.lte(0)) {
    lines.push(`Cheapest: ${optionName(e.default)}, the option you described.`);
  } else {
    lines.push(
      `Cheapest: ${optionName(e.cheapest)}, saving ${formatMonthly(e.saving)} a month against ${optionName(e.default)}.`,
    );
  }
  const added = e.hidden.filter((h) => !h.includedInOptions);
  for (const h of e.hidden) {
    lines.push(
      `${h.label}: ${h.includedInOptions ? '' : '+'}${formatMonthly(h.monthly)} a month (${h.note}).`,
    );
  }
  if (added.length) {
    lines.push(`Total with the hidden costs above: ${formatMonthly(e.totalMonthly)} a month.`);
  }
  const missing = [
    !e.workload.kb ? 'knowledge base ($350+/month floor)' : '',
    !e.workload.guardrails ? 'guardrails' : '',
    !e.workload.logs ? 'logs' : '',
  ].filter(Boolean);
  if (missing.length && e.model.modality === 'text') {
    const words = [
      !e.workload.kb ? '`kb`' : '',
      !e.workload.guardrails ? '`guardrails`' : '',
      !e.workload.logs ? '`logs`' : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`Hidden costs not included: ${missing.join(', ')}. Add ${words}.`);
  }
  lines.push(...e.notes);
  if (isLegacy(e.model)) {
    const life = lifecycleOf(e.model, now);
    lines.push(
      life.startsWith('end of life')
        ? `${e.model.name} is at ${life}: Bedrock no longer serves it, so this prices a model you cannot call.`
        : `${e.model.name} is ${life}: plan a move before that date.`,
    );
  }
  if (e.options.some((o) => o.derived))
    lines.push('* estimated from a published rule, not a published price row.');
  lines.push(...provenanceLines(catalog, e.priceOrigins, now));
  for (const text of lines) blocks.push({ kind: 'text', text });
  return { headline, context: estimateContext(e, catalog, now), blocks };
}

/** JSON `data` of `estimate` (docs/interfaces.md "Result data"): money in dollars rounded to the cent. */
export function estimateData(e: Estimate, catalog: Catalog, now?: Date) {
  const w = e.workload;
  const provenance = provenanceOf(catalog, e.priceOrigins, now);
  return {
    model: {
      id: e.model.id,
      key: e.model.key,
      name: e.model.name,
      provider: e.model.provider,
      modality: e.model.modality,
      region: e.region,
    },
    workload: {
      requestsPerMonth: w.requestsPerMonth,
      inputTokens: w.inputTokens ?? 0,
      outputTokens: w.outputTokens ?? 0,
      volume: w.volumeText,
      callsPerRequest: w.calls,
      callsPerMonth: e.callsPerMonth,
      ...(w.images ? { images: true } : {}),
      batch: w.batch,
      ...(w.cacheHitRate !== undefined ? { cacheHitRate: w.cacheHitRate, cacheTtl: w.cacheTtl } : {}),
      kb: w.kb,
      guardrails: w.guardrails,
      logs: w.logs,
    },
    options: e.options.map((o) => ({
      mode: o.mode,
      ...(o.route ? { route: o.route, at: o.at } : {}),
      label: o.label,
      monthlyUsd: roundCents(o.monthly),
      per1kRequestsUsd: roundCents(o.perThousand),
      ...(o.note ? { note: o.note } : {}),
      ...(o.breakEvenRequestsPerMonth !== undefined
        ? { breakEvenRequestsPerMonth: o.breakEvenRequestsPerMonth }
        : {}),
      ...(o.derived ? { estimated: o.derived } : {}),
      ...(o.assumed ? { assumed: true } : {}),
    })),
    default: e.default.mode,
    ...(e.default.route ? { defaultRoute: e.default.route } : {}),
    cheapest: e.cheapest.mode,
    ...(e.cheapest.route ? { cheapestRoute: e.cheapest.route } : {}),
    savingUsd: roundCents(e.saving),
    hiddenCosts: e.hidden.map((h) => ({
      item: h.item,
      monthlyUsd: roundCents(h.monthly),
      note: h.note,
      includedInOptions: h.includedInOptions,
    })),
    totalMonthlyUsd: roundCents(e.totalMonthly),
    notes: e.notes,
    currency: 'USD' as const,
    /** The oldest price the options used, and where it came from. */
    pricesAsOf: provenance.oldest.asOf,
    oldestSource: provenance.oldest.source,
    stale: provenance.stale,
    thirdParty: provenance.thirdParty,
    catalogAsOf: catalog.asOf,
    priceSource: catalog.source,
  };
}

export type EstimateData = ReturnType<typeof estimateData>;

/**
 * `prices MODEL [region REGION]`: the catalog rows of one model, with where each price
 * came from and as of when, so a person can check a number against AWS's page.
 */

import { ParseError } from '../errors.js';
import { closestMatches } from '../fuzzy.js';
import { Dec, formatUsd } from '../money.js';
import type { Reply, ReplyBlock } from '../reply/reply.js';
import type { Catalog, CatalogModel, PriceSet, ProvisionedPrice } from './catalog.js';
import { type ResolvedModel, resolveModel, serviceNameOf } from './models.js';
import {
  describeCatalog,
  lifecycleOf,
  provenanceLines,
  provenanceOf,
  sourceKind,
  sourceLabel,
} from './names.js';
import { geoProfilesOf, isKnownRegion, REGIONS } from './regions.js';

export interface PricesQuery {
  modelText: string;
  region?: string;
}

/** Parse `MODEL [region REGION]` (also `region=REGION`, `in REGION` or a bare Region code). */
export function parsePricesQuery(words: string[]): PricesQuery {
  const rest = [...words];
  let region: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!.toLowerCase();
    let code: string | undefined;
    let take = 1;
    if ((w === 'region' || w === 'in') && rest[i + 1]) {
      code = rest[i + 1]!.toLowerCase();
      take = 2;
    } else if (w.startsWith('region=')) code = w.slice('region='.length);
    else if (/^[a-z]{2}(-gov)?-[a-z]+-\d+$/.test(w)) code = w;
    if (code === undefined) continue;
    if (!isKnownRegion(code)) {
      throw new ParseError(
        `I don't know the Region "${code.slice(0, 30)}". Did you mean: ${closestMatches(code, Object.keys(REGIONS), 3).join(', ')}?`,
      );
    }
    region = code;
    rest.splice(i, take);
    i--;
  }
  const modelText = rest.join(' ').trim();
  if (!modelText) throw new ParseError('Which model? For example: prices claude-sonnet-4-5 region us-east-1');
  return { modelText, ...(region ? { region } : {}) };
}

export interface PricesView {
  resolved: ResolvedModel;
  region?: string;
  rows: PriceSet[];
  provisioned: ProvisionedPrice[];
}

/** The rows to show: all of them, or those a caller in `region` can use. */
export function pricesFor(catalog: Catalog, query: PricesQuery): PricesView {
  const resolved = resolveModel(catalog, query.modelText);
  const { model } = resolved;
  let rows = model.prices;
  let provisioned = model.provisioned;
  if (query.region) {
    const wanted = new Set([query.region, ...geoProfilesOf(query.region), 'global']);
    rows = model.prices.filter((p) => wanted.has(p.at));
    provisioned = model.provisioned.filter((p) => p.at === query.region);
  }
  return { resolved, ...(query.region ? { region: query.region } : {}), rows, provisioned };
}

const per1M = (v: string | undefined) =>
  v === undefined ? '' : formatUsd(new Dec(v), { decimals: priceDecimals(v) });
function priceDecimals(v: string): number {
  const d = new Dec(v);
  return Math.max(2, Math.min(6, d.decimalPlaces()));
}

function where(at: string): string {
  if (at === 'global') return 'global.';
  if (!at.includes('-') || at === 'us-gov') return `${at}. profile`;
  return at;
}

function sourceCell(
  catalog: Catalog,
  p: { source: string; asOf: string; derived?: string; cacheRule?: string },
): string {
  if (p.source === 'derived') return `rule ${p.asOf}`;
  const rule = p.derived ? ' (rule)' : p.cacheRule ? ' (cache by rule)' : '';
  return `${sourceLabel(catalog, p.source)} ${p.asOf}${rule}`;
}

function headlineFor(model: CatalogModel, rows: PriceSet[]): string {
  if (model.modality === 'image') {
    const imgs = rows.flatMap((r) => Object.values(r.images ?? {})).map((v) => new Dec(v));
    if (!imgs.length) return `${model.name} has no image price in the catalog for this Region.`;
    const min = imgs.reduce((a, b) => (b.lt(a) ? b : a));
    return `${model.name} costs from ${formatUsd(min, { decimals: priceDecimals(min.toString()) })} per image.`;
  }
  const priced = rows.filter((r) => r.input !== undefined);
  if (!priced.length) return `${model.name} has no on-demand price in the catalog for this Region.`;
  const cheapest = priced.reduce((a, b) => (new Dec(b.input!).lt(a.input!) ? b : a));
  const out =
    model.modality === 'text' && cheapest.output !== undefined
      ? ` and ${per1M(cheapest.output)} per 1M output`
      : '';
  return `${model.name} costs from ${per1M(cheapest.input)} per 1M input tokens${out} (${where(cheapest.at)}).`;
}

/** The chat answer for `prices`. */
export function pricesReply(view: PricesView, catalog: Catalog, now?: Date): Reply {
  const { model } = view.resolved;
  const blocks: ReplyBlock[] = [
    model.modality === 'image' ? imageTable(view, catalog) : tokenTable(model, view, catalog),
    ...tierTable(model, view, catalog),
    ...reservedTable(view, catalog),
    ...provisionedTable(view, catalog),
    ...aboutModel(model, view, catalog, now).map((text): ReplyBlock => ({ kind: 'text', text })),
  ];
  const unit = model.modality === 'image' ? 'USD per image' : 'USD per 1M tokens';
  return {
    headline: headlineFor(model, view.rows),
    context: [
      view.region ?? 'all Regions',
      unit,
      describeCatalog(catalog, [...view.rows, ...view.provisioned], now),
    ],
    blocks,
  };
}

/** Image models: one row per place and image variant. */
function imageTable(view: PricesView, catalog: Catalog): ReplyBlock {
  return {
    kind: 'table',
    columns: [
      { header: 'Where' },
      { header: 'Image' },
      { header: 'Per image', align: 'right' },
      { header: 'Source' },
    ],
    rows: view.rows.flatMap((p) =>
      Object.entries(p.images ?? {}).map(([variant, v]) => [
        where(p.at),
        variant,
        per1M(v),
        sourceCell(catalog, p),
      ]),
    ),
  };
}

/** Text and embedding models: token prices per place, with cache and batch columns where offered. */
function tokenTable(model: CatalogModel, view: PricesView, catalog: Catalog): ReplyBlock {
  const text = model.modality === 'text';
  return {
    kind: 'table',
    columns: [
      { header: 'Where' },
      { header: 'Input', align: 'right' },
      ...(text ? [{ header: 'Output', align: 'right' as const }] : []),
      ...(model.cache
        ? [
            { header: 'Cache read', align: 'right' as const },
            { header: 'Write 5m / 1h', align: 'right' as const },
          ]
        : []),
      ...(model.batch ? [{ header: 'Batch in / out', align: 'right' as const }] : []),
      { header: 'Source' },
    ],
    rows: view.rows.map((p) => [
      where(p.at),
      per1M(p.input),
      ...(text ? [per1M(p.output)] : []),
      ...(model.cache
        ? [per1M(p.cacheRead), [per1M(p.cacheWrite5m), per1M(p.cacheWrite1h)].filter(Boolean).join(' / ')]
        : []),
      ...(model.batch ? [[per1M(p.batchInput), per1M(p.batchOutput)].filter(Boolean).join(' / ')] : []),
      sourceCell(catalog, p),
    ]),
  };
}

/** Service tiers and latency-optimized rates, where published (long-context rates are in the JSON). */
function tierTable(model: CatalogModel, view: PricesView, catalog: Catalog): ReplyBlock[] {
  const tierRows = view.rows.flatMap((p) =>
    (
      [
        ['Flex', p.flexInput, p.flexOutput],
        ['Priority', p.priorityInput, p.priorityOutput],
        ['Latency-optimized', p.latencyInput, p.latencyOutput],
      ] as const
    )
      .filter(([, i, o]) => i !== undefined || o !== undefined)
      .map(([tier, i, o]) => [where(p.at), tier, per1M(i), per1M(o), sourceCell(catalog, p)]),
  );
  if (!tierRows.length || model.modality !== 'text') return [];
  return [
    {
      kind: 'table',
      columns: [
        { header: 'Where' },
        { header: 'Tier' },
        { header: 'Input', align: 'right' },
        { header: 'Output', align: 'right' },
        { header: 'Source' },
      ],
      rows: tierRows,
    },
  ];
}

/** Reserved tier capacity prices, where published. */
function reservedTable(view: PricesView, catalog: Catalog): ReplyBlock[] {
  const reservedRows = view.rows.filter(
    (p) => p.reserved1mInput !== undefined || p.reserved3mInput !== undefined,
  );
  if (!reservedRows.length) return [];
  const hourly = (v: string | undefined) => (v === undefined ? '' : per1M(v));
  return [
    {
      kind: 'table',
      columns: [
        { header: 'Reserved, per 1K TPM-hour' },
        { header: '1 month in / out', align: 'right' },
        { header: '3 months in / out', align: 'right' },
        { header: 'Source' },
      ],
      rows: reservedRows.map((p) => [
        where(p.at),
        [hourly(p.reserved1mInput), hourly(p.reserved1mOutput)].filter(Boolean).join(' / '),
        [hourly(p.reserved3mInput), hourly(p.reserved3mOutput)].filter(Boolean).join(' / '),
        sourceCell(catalog, p),
      ]),
    },
  ];
}

/** Provisioned Throughput per model-unit hour, per commitment. */
function provisionedTable(view: PricesView, catalog: Catalog): ReplyBlock[] {
  if (!view.provisioned.length) return [];
  return [
    {
      kind: 'table',
      columns: [
        { header: 'Provisioned' },
        { header: 'No commitment', align: 'right' },
        { header: '1 month', align: 'right' },
        { header: '6 months', align: 'right' },
        { header: 'Source' },
      ],
      rows: view.provisioned.map((p) => [
        `${p.at} per model-unit hour`,
        p.noCommit ? formatUsd(new Dec(p.noCommit)) : '',
        p.oneMonth ? formatUsd(new Dec(p.oneMonth)) : '',
        p.sixMonth ? formatUsd(new Dec(p.sixMonth)) : '',
        sourceCell(catalog, p),
      ]),
    },
  ];
}

/** The lines under the tables: IDs, lifecycle, how it is billed, rules and the prices' provenance. */
function aboutModel(model: CatalogModel, view: PricesView, catalog: Catalog, now?: Date): string[] {
  const billing =
    model.billing === 'marketplace'
      ? `Billed through AWS Marketplace as the Cost Explorer service "${serviceNameOf(model)}".`
      : `Billed under the Cost Explorer service "Amazon Bedrock"${model.usageTokens[0] ? ` (usage types like USE1-${model.usageTokens[0]}-...)` : ''}.`;
  const lifecycle = lifecycleOf(model, now);
  return [
    `Model ID ${model.id}; also answers to ${model.key}.`,
    `Lifecycle: ${lifecycle}${model.contextWindow ? `; context window ${model.contextWindow.toLocaleString('en-US')} input tokens` : ''}${model.longContextAbove ? ` (long-context rates above ${model.longContextAbove.toLocaleString('en-US')})` : ''}.`,
    billing,
    view.rows.some((r) => r.derived || r.cacheRule || r.source === 'derived')
      ? 'Rows marked "rule" follow a published rule (batch = 50%, regional uplift, geo = global + 10%, cache read 0.1x / 1-hour write 2x input) from the price they name, rather than a published row.'
      : '',
    ...provenanceLines(catalog, [...view.rows, ...view.provisioned], now),
  ].filter(Boolean);
}

/** The Price List offer a row was read from, and the public file quoting it, when known. */
function offerOf(src: Catalog['sources'][string] | undefined) {
  if (!src?.offer) return {};
  return {
    offer: {
      name: src.offer,
      ...(src.offerVersion ? { version: src.offerVersion } : {}),
      ...(src.publicationDate ? { publicationDate: src.publicationDate } : {}),
      ...(src.quotedIn ? { quotedIn: src.quotedIn } : {}),
    },
  };
}

/** JSON `data` of `prices`: the rows as numbers of dollars (per 1M tokens / image / hour). */
export function pricesData(view: PricesView, catalog: Catalog, now?: Date) {
  const { model } = view.resolved;
  const provenance = provenanceOf(catalog, [...view.rows, ...view.provisioned], now);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    model: {
      id: model.id,
      key: model.key,
      name: model.name,
      provider: model.provider,
      modality: model.modality,
    },
    ...(view.region ? { region: view.region } : {}),
    unit: model.modality === 'image' ? 'USD per image' : 'USD per 1M tokens',
    prices: view.rows.map((p) => ({
      at: p.at,
      input: num(p.input),
      output: num(p.output),
      cacheRead: num(p.cacheRead),
      cacheWrite5m: num(p.cacheWrite5m),
      cacheWrite1h: num(p.cacheWrite1h),
      batchInput: num(p.batchInput),
      batchOutput: num(p.batchOutput),
      ...(p.images
        ? { images: Object.fromEntries(Object.entries(p.images).map(([k, v]) => [k, Number(v)])) }
        : {}),
      source: p.source,
      sourceKind: sourceKind(catalog.sources[p.source], p.source),
      ...offerOf(catalog.sources[p.source]),
      asOf: p.asOf,
      ...(p.derived ? { derived: p.derived } : {}),
      ...(p.inputLong !== undefined ? { inputLong: num(p.inputLong), outputLong: num(p.outputLong) } : {}),
      ...(p.flexInput !== undefined ? { flexInput: num(p.flexInput), flexOutput: num(p.flexOutput) } : {}),
      ...(p.priorityInput !== undefined
        ? { priorityInput: num(p.priorityInput), priorityOutput: num(p.priorityOutput) }
        : {}),
      ...(p.latencyInput !== undefined
        ? { latencyInput: num(p.latencyInput), latencyOutput: num(p.latencyOutput) }
        : {}),
      ...(p.reserved1mInput !== undefined || p.reserved3mInput !== undefined
        ? {
            reservedPer1kTpmHour: {
              oneMonthInput: num(p.reserved1mInput),
              oneMonthOutput: num(p.reserved1mOutput),
              threeMonthInput: num(p.reserved3mInput),
              threeMonthOutput: num(p.reserved3mOutput),
            },
          }
        : {}),
    })),
    provisioned: view.provisioned.map((p) => ({
      at: p.at,
      noCommitHourly: num(p.noCommit),
      oneMonthHourly: num(p.oneMonth),
      sixMonthHourly: num(p.sixMonth),
      source: p.source,
      asOf: p.asOf,
    })),
    serviceName: serviceNameOf(model),
    lifecycle: { ...(model.lifecycle ?? { status: 'active' as const }), summary: lifecycleOf(model, now) },
    ...(model.contextWindow ? { contextWindow: model.contextWindow } : {}),
    currency: 'USD' as const,
    pricesAsOf: provenance.oldest.asOf,
    oldestSource: provenance.oldest.source,
    stale: provenance.stale,
    thirdParty: provenance.thirdParty,
    catalogAsOf: catalog.asOf,
    priceSource: catalog.source,
  };
}

export type PricesData = ReturnType<typeof pricesData>;

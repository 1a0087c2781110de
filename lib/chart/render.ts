/**
 * Charts as PNG, without a browser, a canvas or system fonts, so the same code runs in the
 * CLI on Node 20 and in Lambda (nodejs22.x, arm64):
 *
 * 1. Vega-Lite compiles a small declarative spec to a Vega spec;
 * 2. Vega renders it headless to SVG (`view.toSVG()`, renderer `none`: no canvas module);
 * 3. resvg, compiled to WebAssembly (`@resvg/resvg-wasm`, not the native `@resvg/resvg-js`,
 *    whose x86 binary would not load on arm64 Lambda), rasterises the SVG to PNG with a font
 *    we ship (DejaVu Sans from the `dejavu-fonts-ttf` package): Lambda has no system fonts,
 *    and resvg draws no text at all without one.
 *
 * The whole stack (~2 MB of JavaScript plus a 2.4 MB wasm) is imported lazily on the first
 * chart, so only the digest path pays for it.
 *
 * Assets at run time. The wasm and the font are read from the first place that has them:
 * an explicit `assetDir`; the directory of the running bundle (a Lambda package can copy
 * `index_bg.wasm` and `DejaVuSans.ttf` next to `weekly-digest.mjs`); `./node_modules/...`
 * under the working directory (`/var/task` on Lambda, when the package includes those two
 * files); and finally Node's module resolution (local runs and tests).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { type BridgeInput, bridgeSpec } from './bridge.js';

/** The two files the renderer needs besides JavaScript. */
export const CHART_ASSETS = {
  wasm: { file: 'index_bg.wasm', module: '@resvg/resvg-wasm/index_bg.wasm' },
  font: { file: 'DejaVuSans.ttf', module: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf' },
} as const;

/** The font family the charts are drawn in (the shipped font's family name). */
export const CHART_FONT = 'DejaVu Sans';

/** One value of a stacked daily series. */
export interface DailyPoint {
  /** ISO date. */
  day: string;
  /** Series name (a model). */
  series: string;
  /** Dollars (a plain number is fine for drawing; money stays exact elsewhere). */
  value: number;
}

export interface DailyChartInput {
  /**
   * One line, or several. Headless Vega guesses text widths (0.8 x font size per character)
   * and widens the picture to fit the guess, so a small chart wants its title in short lines.
   */
  title: string | string[];
  points: DailyPoint[];
  /** Series in legend and stacking order (largest first). Default: order of first appearance. */
  seriesOrder?: string[];
  /** Logical size in CSS pixels (default 720 x 260); the PNG is `scale` times larger. */
  width?: number;
  height?: number;
  /** Pixel density of the PNG (default 2, sharp on high-DPI screens). */
  scale?: number;
  /**
   * Legend entries per row (default: all in one row). A one-row legend of six model names
   * is ~900 px wide and widens a narrow chart to fit; wrapping it keeps a small chart small.
   */
  legendColumns?: number;
  /**
   * Re-deflate the PNG's pixel data at zlib's best level (default false). resvg writes PNGs
   * with fast compression; recompressing roughly halves them, losslessly, for ~10 ms. Worth
   * it where bytes are scarce (a chart inlined in a 28 KB Teams card), not for an upload.
   */
  smallest?: boolean;
  /** Where `index_bg.wasm` and `DejaVuSans.ttf` are, when not found automatically. */
  assetDir?: string;
}

export interface RenderedChart {
  png: Uint8Array;
  svg: string;
  /** PNG size in pixels. */
  width: number;
  height: number;
  /** Wall time of this render, in milliseconds (first call includes loading the stack). */
  ms: number;
}

interface Stack {
  vega: typeof import('vega');
  vegaLite: typeof import('vega-lite');
  Resvg: typeof import('@resvg/resvg-wasm').Resvg;
  font: Uint8Array;
}

let stack: Promise<Stack> | undefined;

/** Read an asset from the first candidate location that has it. */
async function readAsset(asset: { file: string; module: string }, assetDir?: string): Promise<Uint8Array> {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    ...(assetDir ? [join(assetDir, asset.file)] : []),
    join(here, asset.file),
    join(process.cwd(), 'node_modules', asset.module),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve(asset.module));
  } catch {
    // Not resolvable (a bundle without node_modules): the other candidates decide.
  }
  for (const path of candidates) {
    try {
      return new Uint8Array(await readFile(path));
    } catch {
      // Try the next location.
    }
  }
  throw new Error(
    `chart asset ${asset.file} not found (looked in: ${candidates.join(', ')}); ship ${asset.module} with the code`,
  );
}

/** Load the chart stack once per process (retried if it failed). */
function loadStack(assetDir?: string): Promise<Stack> {
  stack ??= (async () => {
    const [vega, vegaLite, resvg, wasm, font] = await Promise.all([
      import('vega'),
      import('vega-lite'),
      import('@resvg/resvg-wasm'),
      readAsset(CHART_ASSETS.wasm, assetDir),
      readAsset(CHART_ASSETS.font, assetDir),
    ]);
    await resvg.initWasm(wasm);
    return { vega, vegaLite, Resvg: resvg.Resvg, font };
  })().catch((error: unknown) => {
    stack = undefined;
    throw error;
  });
  return stack;
}

/** A palette that stays readable for colour-blind readers (Tableau 10). */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** The Vega-Lite spec of a stacked daily bar chart (exported for tests and tweaking). */
export function dailyStackedSpec(input: DailyChartInput): Record<string, unknown> {
  const order = input.seriesOrder ?? [...new Set(input.points.map((p) => p.series))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: input.width ?? 720,
    height: input.height ?? 260,
    background: '#ffffff',
    padding: 12,
    title: { text: input.title, anchor: 'start', fontSize: 14, fontWeight: 'bold' },
    data: { values: input.points.map((p) => ({ ...p, rank: order.indexOf(p.series) })) },
    mark: { type: 'bar', width: { band: 0.85 } },
    encoding: {
      x: {
        field: 'day',
        type: 'ordinal',
        title: null,
        axis: {
          labelAngle: 0,
          // One label per week (Mondays), written like "Nov 9".
          labelExpr:
            "day(datum.value + 'T00:00:00Z') === 1 ? timeFormat(toDate(datum.value + 'T12:00:00Z'), '%b %-d') : ''",
          ticks: false,
        },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        aggregate: 'sum',
        title: null,
        axis: { format: '$,.0f', tickCount: 5 },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: order,
        scale: { domain: order, range: PALETTE.slice(0, Math.max(1, order.length)) },
        legend: {
          orient: 'top',
          direction: 'horizontal',
          // Never cut a name ("Titan Text Embeddi..." says nothing): 0 is no limit. Wrapped
          // legends (legendColumns) keep a narrow chart narrow instead.
          labelLimit: 0,
          ...(input.legendColumns ? { columns: input.legendColumns } : {}),
        },
      },
      order: { field: 'rank', type: 'quantitative', sort: 'descending' },
      tooltip: null,
    },
    config: {
      font: CHART_FONT,
      view: { stroke: null },
      axis: { labelFontSize: 11, gridColor: '#e6e6e6', domainColor: '#888888' },
      legend: { labelFontSize: 11, symbolType: 'square' },
    },
  };
}

/**
 * Draw a stacked bar chart of daily values (e.g. daily spend by model) to PNG.
 *
 * @example
 * const chart = await renderDailyChart({ title: 'search: daily spend by model', points });
 * chart.png; // Uint8Array starting with the PNG signature 89 50 4E 47
 */
export async function renderDailyChart(input: DailyChartInput): Promise<RenderedChart> {
  return renderSpec(dailyStackedSpec(input), input);
}

/**
 * Draw the bridge (waterfall) chart of a change to PNG: previous total, each driver up or
 * down, current total (see `bridge.ts`).
 *
 * @example
 * const chart = await renderBridgeChart({ title: 'Why spend rose', previous, steps, current });
 */
export async function renderBridgeChart(
  input: BridgeInput,
  options: Pick<DailyChartInput, 'width' | 'scale' | 'smallest' | 'assetDir'> = {},
): Promise<RenderedChart> {
  return renderSpec(bridgeSpec(input, { width: options.width, font: CHART_FONT }), options);
}

/** Vega-Lite spec -> SVG (headless Vega) -> PNG (resvg wasm, shipped font). */
async function renderSpec(
  spec: Record<string, unknown>,
  options: Pick<DailyChartInput, 'scale' | 'smallest' | 'assetDir'>,
): Promise<RenderedChart> {
  const started = performance.now();
  const { vega, vegaLite, Resvg, font } = await loadStack(options.assetDir);
  const compiled = vegaLite.compile(spec as never).spec;
  // renderer 'none': no canvas; toSVG renders the scenegraph to an SVG string directly.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const scale = options.scale ?? 2;
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontBuffers: [font], defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  });
  try {
    const image = resvg.render();
    try {
      const drawn = image.asPng();
      const png = options.smallest ? recompressPng(drawn) : drawn;
      return { png, svg, width: image.width, height: image.height, ms: performance.now() - started };
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** CRC-32 (the PNG chunk checksum); `zlib.crc32` is missing from older Node 20 releases. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The same PNG with its pixel data (the IDAT chunks) re-deflated at the best zlib level.
 * Lossless: the filtered scanlines are untouched, only their compression changes. Other
 * chunks are kept as they are.
 *
 * @example
 * recompressPng(chart.png).byteLength; // about half of chart.png.byteLength for a resvg PNG
 */
export function recompressPng(png: Uint8Array): Uint8Array {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at + 12 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    chunks.push({
      type: buf.toString('latin1', at + 4, at + 8),
      data: buf.subarray(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  const idat = chunks.filter((c) => c.type === 'IDAT');
  if (!idat.length) return png;
  const packed = deflateSync(inflateSync(Buffer.concat(idat.map((c) => c.data))), { level: 9, memLevel: 9 });
  if (packed.length >= idat.reduce((n, c) => n + c.data.length, 0)) return png;
  const out: Buffer[] = [buf.subarray(0, 8)];
  let wroteIdat = false;
  for (const c of chunks) {
    if (c.type === 'IDAT') {
      if (wroteIdat) continue;
      wroteIdat = true;
    }
    const data = c.type === 'IDAT' ? packed : c.data;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(c.type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    out.push(head, data, crc);
  }
  return new Uint8Array(Buffer.concat(out));
}

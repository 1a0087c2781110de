/**
 * The bridge (waterfall) chart of a change: a bar for the previous total, one floating bar
 * per driver (up or down from where the one before ended), a bar for the current total. The
 * drivers visibly carry the first total to the second, and they add up exactly: amounts are
 * integer cents here, and the caller's drivers sum to the change (the `why` contract).
 *
 * This module is pure and light (no Vega): the spec and the text stand-in are built here,
 * the drawing is `renderBridgeChart` in `render.ts`.
 */

/** One driver of the change, in cents (signed). */
export interface BridgeStep {
  label: string;
  cents: number;
}

export interface BridgeInput {
  title: string | string[];
  previous: { label: string; cents: number };
  /** Drivers in the order drawn (biggest first), the tail already summed as "Other (N lines)". */
  steps: BridgeStep[];
  current: { label: string; cents: number };
}

/** A bar as drawn: where it starts and ends (dollars), and what it is. */
export interface BridgeBar {
  label: string;
  start: number;
  end: number;
  kind: 'total' | 'up' | 'down';
  /** The label printed on the bar: `$7,010` for totals, `+$963` / `-$64` for drivers. */
  text: string;
  order: number;
}

function dollars(cents: number, signed = false): string {
  const abs = Math.abs(cents) / 100;
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 0 : 2;
  const body = `$${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
  if (!signed) return cents < 0 ? `-${body}` : body;
  return `${cents < 0 ? '-' : '+'}${body}`;
}

/**
 * The bars of the bridge. Throws when the steps do not carry `previous` to `current`
 * exactly: a bridge that does not add up would mislead.
 *
 * @example
 * bridgeBars({ title: 't', previous: { label: 'Nov 2-8', cents: 100_00 },
 *   steps: [{ label: 'Sonnet', cents: 50_00 }], current: { label: 'Nov 9-15', cents: 150_00 } });
 * // [{ kind: 'total', start: 0, end: 100 }, { kind: 'up', start: 100, end: 150 }, { kind: 'total', ... }]
 */
export function bridgeBars(input: BridgeInput): BridgeBar[] {
  const sum = input.steps.reduce((s, step) => s + step.cents, input.previous.cents);
  if (sum !== input.current.cents) {
    throw new Error(
      `bridge does not add up: ${input.previous.cents} + steps = ${sum}, not ${input.current.cents} (cents)`,
    );
  }
  const bars: BridgeBar[] = [
    {
      label: input.previous.label,
      start: 0,
      end: input.previous.cents / 100,
      kind: 'total',
      text: dollars(input.previous.cents),
      order: 0,
    },
  ];
  let level = input.previous.cents;
  input.steps.forEach((step, i) => {
    const next = level + step.cents;
    bars.push({
      label: step.label,
      start: level / 100,
      end: next / 100,
      kind: step.cents >= 0 ? 'up' : 'down',
      text: dollars(step.cents, true),
      order: i + 1,
    });
    level = next;
  });
  bars.push({
    label: input.current.label,
    start: 0,
    end: input.current.cents / 100,
    kind: 'total',
    text: dollars(input.current.cents),
    order: input.steps.length + 1,
  });
  return bars;
}

/**
 * The bridge in one line, where images are off (plain text, notifications):
 * `Nov 2-8 $7,010 → +$963 Claude Sonnet 4.5 · output · search → ... → Nov 9-15 $8,612`.
 */
export function bridgeText(input: BridgeInput): string {
  const steps = input.steps.map((s) => `${dollars(s.cents, true)} ${s.label}`);
  return [
    `${input.previous.label} ${dollars(input.previous.cents)}`,
    ...steps,
    `${input.current.label} ${dollars(input.current.cents)}`,
  ].join(' → ');
}

/** Colours: totals neutral, increases orange, decreases blue (colour-blind safe); labels carry the sign. */
const COLOURS = { total: '#8c8c8c', up: '#f28e2b', down: '#4e79a7' } as const;

/**
 * The Vega-Lite spec of the bridge: horizontal bars, one row per step, so long driver names
 * read in full on the left (no label limit: a name is never cut).
 */
export function bridgeSpec(
  input: BridgeInput,
  options: { width?: number; font: string },
): Record<string, unknown> {
  const bars = bridgeBars(input);
  const rowHeight = 26;
  // Zoom on the levels the bridge moves through: from $0 the totals would dwarf the
  // drivers. Totals are cut at the left edge (their labels carry their value).
  const levels = bars.flatMap((b) => (b.kind === 'total' ? [b.end] : [b.start, b.end]));
  const low = Math.min(...levels);
  const high = Math.max(...levels);
  const pad = Math.max((high - low) * 0.35, high * 0.02, 1);
  const domain = [Math.max(0, low - pad), high + pad * 0.6];
  const y = {
    field: 'label',
    type: 'ordinal',
    sort: { field: 'order', order: 'ascending' },
    title: null,
    axis: { labelLimit: 0, ticks: false, domain: false, labelFontSize: 11, labelPadding: 6 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: options.width ?? 480,
    height: bars.length * rowHeight,
    background: '#ffffff',
    padding: 12,
    ...(input.title.length
      ? { title: { text: input.title, anchor: 'start', fontSize: 14, fontWeight: 'bold' } }
      : {}),
    data: { values: bars.map((b) => ({ ...b, lo: Math.min(b.start, b.end), hi: Math.max(b.start, b.end) })) },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 }, clip: true },
        encoding: {
          y,
          x: {
            field: 'lo',
            type: 'quantitative',
            title: null,
            scale: { domain, zero: false, nice: false },
            axis: { format: '$,.0f', tickCount: 5 },
          },
          x2: { field: 'hi' },
          color: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: ['total', 'up', 'down'], range: [COLOURS.total, COLOURS.up, COLOURS.down] },
            legend: null,
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
        encoding: {
          y,
          x: { field: 'hi', type: 'quantitative' },
          text: { field: 'text' },
        },
      },
    ],
    config: {
      font: options.font,
      view: { stroke: null },
      axis: { labelFontSize: 11, gridColor: '#e6e6e6', domainColor: '#888888' },
    },
  };
}

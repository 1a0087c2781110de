/**
 * The neutral answer model. Commands build a `Reply`; renderers turn it into plain text,
 * Markdown, Slack Block Kit or a Teams Adaptive Card, so every surface shows the same
 * content: the conclusion first in one line, then the evidence, then what to do, with
 * the period, cost basis and data age in a quiet context line.
 */
import type { BridgeInput } from '../chart/bridge.js';
import type { DailyChartInput } from '../chart/render.js';

/** A chart to draw: the bridge of a change (`why`), or daily stacked spend (`spend`). */
export type ChartRequest =
  | { kind: 'bridge'; input: BridgeInput }
  | { kind: 'daily'; input: Omit<DailyChartInput, 'assetDir'> };

export interface TableColumn {
  header: string;
  align?: 'left' | 'right';
}

export type ReplyBlock =
  /** A paragraph. `*bold*` is the only inline markup renderers must understand. */
  | { kind: 'text'; text: string }
  /** A table of already-formatted cells; renderers align columns. */
  | { kind: 'table'; columns: TableColumn[]; rows: string[][] }
  /** Label/value pairs (Slack section fields, Teams FactSet). */
  | { kind: 'fields'; fields: { label: string; value: string }[] }
  /**
   * A chart. `png` for upload; `fallback` (e.g. a sparkline) where images are off. `chart`
   * is what to draw, for the edge that delivers the answer (`lib/chat/charts.ts`): commands
   * stay fast and free of the drawing stack. `slackFileId`: the PNG uploaded to Slack.
   */
  | {
      kind: 'image';
      alt: string;
      fallback: string;
      png?: Uint8Array;
      url?: string;
      chart?: ChartRequest;
      slackFileId?: string;
    }
  | { kind: 'divider' };

/** A button: `id` names the interaction handler, `value` its payload (kept short). */
export interface ReplyAction {
  id: string;
  label: string;
  value: string;
  style?: 'primary' | 'danger';
  /** The same as command text, for platforms without buttons (Teams): `idle snooze NAME`. */
  command?: string;
}

export interface Reply {
  /** The conclusion, one sentence. */
  headline: string;
  /** Quiet context lines: period, cost basis, data age, price source. */
  context?: string[];
  blocks: ReplyBlock[];
  actions?: ReplyAction[];
  /** Slack: `ephemeral` (default) shows only to the asker; `in_channel` posts publicly. */
  visibility?: 'ephemeral' | 'in_channel';
}

/** A reply made of a headline and optional text lines. */
export function simpleReply(headline: string, ...lines: string[]): Reply {
  return { headline, blocks: lines.map((text) => ({ kind: 'text' as const, text })) };
}

/**
 * Every way to save, with its dollars a month: the one derivation behind `savings`, the
 * digest's recommendation (its best candidate for a team) and the daily idle scan's summary.
 *
 * Findings come from `recommendationCandidates` (lib/digest/recommend.ts), fed with each
 * team's bill lines of the last complete week (and the week before, to see what is new) and
 * the provisioned throughputs of the idle scan:
 *
 * | kind | what | monthly dollars |
 * |---|---|---|
 * | `idle` | provisioned throughput with no call | its hourly cost x 730 (from the commitment's end when committed) |
 * | `under-used` | provisioned throughput with calls in under a quarter of its hours | a model unit fewer (or not renewing) x 730 h |
 * | `under-used` | Reserved-tier TPM used under half on average over 7 days (`./reserved.ts`) | (reserved - p95 used, rounded up to 1K TPM) / 1K x Reserved rate x 730 h |
 * | `cache` | a prompt cache whose writes cost more than its reads save | the net loss, scaled to 730 h |
 * | `batch` | new traffic that could run as batch inference | on-demand minus batch, from the estimator |
 * | `prompt-cache` | a model that could cache its repeated prompt prefix | on-demand minus cached, from the estimator |
 * | `model` | a cheaper model of the same tier | the difference at list prices |
 * | `route` | on-demand traffic off a cheaper `global.` route | cost x (1 - global / route list price) |
 */
import type { DateRange } from '../clock.js';
import {
  type Recommendation,
  type RecommendationKind,
  recommendationCandidates,
} from '../digest/recommend.js';
import type { IdleFinding } from '../idle/scan.js';
import type { Dec } from '../money.js';
import type { Catalog } from '../pricing/catalog.js';
import type { SpendLine } from '../spend/query.js';
import type { ReservedCommitment } from './reserved.js';

export type SavingsKind = 'idle' | 'under-used' | 'cache' | 'batch' | 'prompt-cache' | 'model' | 'route';

export interface SavingsFinding {
  kind: SavingsKind;
  /** The team the saving belongs to; absent for untagged spend and untagged throughput. */
  team?: string;
  model?: string;
  monthlyUsd: Dec;
  /** One sentence, starting with the action (the digest's "Do:" line). */
  action: string;
}

const KINDS: Record<RecommendationKind, SavingsKind> = {
  'delete-idle-throughput': 'idle',
  'resize-under-used-throughput': 'under-used',
  'cache-misuse': 'cache',
  batch: 'batch',
  'prompt-cache': 'prompt-cache',
  'newer-same-tier-model': 'model',
  'global-route': 'route',
};

/** A recommendation candidate as a finding. */
export function findingOf(r: Recommendation, team?: string): SavingsFinding {
  const owner = r.team ?? team;
  return {
    kind: KINDS[r.kind],
    ...(owner ? { team: owner } : {}),
    ...(r.model ? { model: r.model } : {}),
    monthlyUsd: r.monthlyUsd,
    action: r.text.charAt(0).toUpperCase() + r.text.slice(1),
  };
}

/** An under-used Reserved-tier commitment (`scanReserved`) as a finding. */
export function reservedFinding(c: ReservedCommitment): SavingsFinding | undefined {
  if (!c.underUsed || !c.action) return undefined;
  return {
    kind: 'under-used',
    ...(c.team ? { team: c.team } : {}),
    model: c.model,
    monthlyUsd: c.monthlyUsd,
    action: c.action.charAt(0).toUpperCase() + c.action.slice(1),
  };
}

/** Below this a finding is noise (the digest's threshold). */
export { MIN_MONTHLY_SAVING } from '../digest/recommend.js';

/**
 * Every finding for every team, biggest first.
 *
 * @example
 * const findings = savingsFindings({ teams: bill.teams, current: week.lastWeek, previous: week.weekBefore, idle: scan.findings, catalog });
 * findings[0]; // { kind: 'cache', team: 'support', model: 'Claude Sonnet 4.5', monthlyUsd: 584.0, action: 'Stop writing ...' }
 */
export function savingsFindings(input: {
  /** Per team tag value (`''` untagged): the team's bill lines covering both weeks. */
  teams: Map<string, SpendLine[]>;
  current: DateRange;
  previous: DateRange;
  /** The provisioned throughputs of the idle scan (every state). */
  idle: IdleFinding[];
  catalog: Catalog | undefined;
  /** Reserved-tier commitments of the last 7 days (`scanReserved`). */
  reserved?: ReservedCommitment[];
  minimumUsd?: Dec;
}): SavingsFinding[] {
  const out: SavingsFinding[] = [];
  for (const c of input.reserved ?? []) {
    const f = reservedFinding(c);
    if (f) out.push(f);
  }
  // Throughputs once each, owned by their team tag.
  for (const r of recommendationCandidates({
    catalog: undefined,
    lines: [],
    current: input.current,
    previous: input.previous,
    idle: input.idle,
  })) {
    out.push(findingOf(r));
  }
  for (const [team, lines] of input.teams) {
    for (const r of recommendationCandidates({
      catalog: input.catalog,
      lines,
      current: input.current,
      previous: input.previous,
      idle: [],
      models: Number.POSITIVE_INFINITY,
    })) {
      out.push(findingOf(r, team || undefined));
    }
  }
  const min = input.minimumUsd;
  return out
    .filter((f) => f.monthlyUsd.gt(0) && (!min || f.monthlyUsd.gte(min)))
    .sort((a, b) => b.monthlyUsd.comparedTo(a.monthlyUsd) || a.action.localeCompare(b.action));
}

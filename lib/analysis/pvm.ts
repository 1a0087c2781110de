/**
 * Price-volume-mix decomposition of a change of Bedrock spend (the method is written out in
 * docs/why-method.md).
 *
 * A team's tokens form *pools*: one per (team, unit family, side), where the side is the
 * prompt (input, cache read, cache write: the same prompt tokens served three ways) or the
 * output, and the unit family is Marketplace (`... (Amazon Bedrock Edition)`) or native
 * `Amazon Bedrock` usage types (their UsageQuantity units are not known to be the same, so
 * quantities are never added across families). Inside a pool a line (one usage type) sits
 * in a tree: model -> route (region, cross-region scope, batch, service tier) -> token class.
 * The change of each line is split, by sequential substitution down the tree, into
 *
 *     volume  the pool's tokens grew or shrank, every share and rate as before
 *     mix     the pool's tokens moved between models (a Haiku -> Sonnet migration)
 *     route   within a model, tokens moved between regions, scopes, batch and tiers
 *     cache   within a model and route, prompt tokens moved between input, cache reads and writes
 *     rate    the same tokens cost more or less each (a price change, a discount)
 *
 * which add up to the line's change exactly: `rate` is computed as the change minus the other
 * four, so whatever the precision of the divisions the five sum to the change. Lines outside
 * any pool (provisioned throughput, guardrails, knowledge bases, lines with a cost but no
 * quantity) are all volume, as a line whose own rate is not comparable.
 */
import { centsOf, type Dec, ZERO } from '../money.js';
import type { UsageTypeInfo } from '../spend/usage-type.js';

/** The five effects, in the order the method substitutes them. */
export const EFFECT_KINDS = ['volume', 'mix', 'route', 'cache', 'rate'] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

export type Effects = Record<EffectKind, Dec>;

/** One usage-type line summed per period, with the team it belongs to. */
export interface PvmLine {
  team: string;
  info?: UsageTypeInfo;
  q0: Dec;
  c0: Dec;
  q1: Dec;
  c1: Dec;
}

/** Words for the biggest move behind an effect of one team. */
export type EffectDetail =
  | { kind: 'mix'; from?: string; to?: string; sharePoints: number }
  | { kind: 'route'; model: string; from?: string; to?: string; sharePoints: number }
  | {
      kind: 'cache';
      model: string;
      /** Cache reads and writes as shares of the model's prompt tokens, before and after. */
      readShare: [number, number];
      writeShare: [number, number];
    };

/** One effect of one team: the effects of all its lines of that kind, summed. */
export interface EffectGroup {
  kind: EffectKind;
  team: string;
  deltaUsd: Dec;
  detail?: EffectDetail;
}

export interface Decomposition {
  /** Per input line, in input order; each sums exactly to the line's c1 - c0. */
  lines: Effects[];
  /** Per (kind, team), non-zero only, sorted by |deltaUsd| descending; they sum to the total change. */
  groups: EffectGroup[];
}

const zeroEffects = (): Effects => ({ volume: ZERO, mix: ZERO, route: ZERO, cache: ZERO, rate: ZERO });

/** `in-region us-east-1`, `global`, `batch`, `flex`: a route in words. */
export function routeLabel(info: UsageTypeInfo): string {
  const parts: string[] = [];
  parts.push(info.scope === 'global' ? 'global' : info.scope === 'geo' ? 'cross-region' : 'in-region');
  if (info.batch) parts.push('batch');
  if (info.tier !== 'standard') parts.push(info.tier);
  if (info.region && info.scope !== 'global') parts.push(info.region);
  return parts.join(' ');
}

function routeKey(info: UsageTypeInfo): string {
  return `${info.region ?? ''}|${info.scope}|${info.batch}|${info.tier}|${info.detail ?? ''}`;
}

/** A token line whose quantity can be pooled: a model, a class, and no cost without quantity. */
function poolable(line: PvmLine): boolean {
  const info = line.info;
  if (info?.kind !== 'tokens' || !info.modelKey || !info.tokenClass) return false;
  if (line.q0.lt(0) || line.q1.lt(0)) return false;
  if (line.q0.isZero() && !line.c0.isZero()) return false;
  if (line.q1.isZero() && !line.c1.isZero()) return false;
  return !(line.q0.isZero() && line.q1.isZero());
}

function poolKey(line: PvmLine): string {
  const info = line.info!;
  const side = info.tokenClass === 'output' ? 'output' : 'prompt';
  return `${line.team}\u0000${info.marketplace ? 'mp' : 'native'}\u0000${side}`;
}

interface Node {
  q0: Dec;
  q1: Dec;
  children: Map<string, Node>;
  lines: number[];
  label: string;
}

const node = (label: string): Node => ({ q0: ZERO, q1: ZERO, children: new Map(), lines: [], label });

function childOf(children: Map<string, Node>, key: string, label: string): Node {
  let child = children.get(key);
  if (!child) {
    child = node(label);
    children.set(key, child);
  }
  return child;
}

/** The period-0 share of `part` in `whole`, or its period-1 share when `whole` is new. */
function baseWeight(part: Node, whole: Node): Dec {
  if (!whole.q0.isZero()) return part.q0.div(whole.q0);
  return whole.q1.isZero() ? ZERO : part.q1.div(whole.q1);
}

/** The period-1 share of `part` in `whole`, or its base weight when `whole` is gone. */
function currentWeight(part: Node, whole: Node): Dec {
  return whole.q1.isZero() ? baseWeight(part, whole) : part.q1.div(whole.q1);
}

/**
 * Effects are held to 15 decimal places of a dollar: the divisions above are rounded at 40
 * significant digits, and a sum of such numbers of different sizes would not be exact; sums
 * of numbers with 15 decimals (and bills below $10^20) are.
 */
const fixed = (d: Dec) => d.toDecimalPlaces(15);

const points = (d: Dec) => Math.round(d.times(100).toNumber());

/**
 * Split every line's change into volume, mix, route, cache and rate effects.
 *
 * @example
 * const { lines, groups } = decomposeChange(aggs.map((a) => ({ team, info, ...a.acc })));
 * groups[0]; // { kind: 'mix', team: 'support', deltaUsd: 2300.12, detail: { from: 'Claude 3 Haiku', to: 'Claude Sonnet 4.5', sharePoints: 60 } }
 */
export function decomposeChange(input: PvmLine[]): Decomposition {
  const out: Effects[] = input.map(() => zeroEffects());
  const pools = poolLines(input, out);
  const board = detailBoard();
  for (const pool of pools.values()) decomposePool(pool, input, out, board.offer);
  return { lines: out, groups: groupEffects(input, out, board.details) };
}

/**
 * The lines as a tree: pool (team and what the tokens buy) -> model -> route -> line
 * indexes, tokens summed at each level. A line that pools with nothing is all volume.
 */
function poolLines(input: PvmLine[], out: Effects[]): Map<string, Node> {
  const pools = new Map<string, Node>();
  input.forEach((line, i) => {
    if (!poolable(line)) {
      out[i]!.volume = line.c1.minus(line.c0);
      return;
    }
    const info = line.info!;
    const pool = childOf(pools, poolKey(line), line.team);
    const model = childOf(pool.children, info.modelKey!, info.modelName ?? info.modelKey!);
    const route = childOf(model.children, routeKey(info), routeLabel(info));
    for (const n of [pool, model, route]) {
      n.q0 = n.q0.plus(line.q0);
      n.q1 = n.q1.plus(line.q1);
    }
    route.lines.push(i);
  });
  return pools;
}

type Offer = (kind: EffectKind, team: string, strength: Dec, detail: () => EffectDetail) => void;

/** The detail each effect of a team is told with: the one of the strongest move offered. */
function detailBoard(): { offer: Offer; details: Map<string, EffectDetail> } {
  const details = new Map<string, EffectDetail>();
  const detailStrength = new Map<string, Dec>();
  const offer: Offer = (kind, team, strength, detail) => {
    const id = `${kind}\u0000${team}`;
    const best = detailStrength.get(id);
    if (best?.gte(strength.abs())) return;
    detailStrength.set(id, strength.abs());
    details.set(id, detail());
  };
  return { offer, details };
}

/** One pool's lines split into effects, and the moves behind its mix, route and cache effects. */
function decomposePool(pool: Node, input: PvmLine[], out: Effects[], offer: Offer): void {
  const team = pool.label;
  const sums = { mix: ZERO };
  // Per model (and per route): its share shift and the dollars of its effect, to name the
  // models the money moved from and to.
  const modelShifts: Shift[] = [];
  for (const model of pool.children.values()) {
    const m = decomposeModel(pool, model, input, out, sums);
    modelShifts.push(m.shift);
    if (!m.route.isZero()) {
      offer('route', team, m.route, () => ({
        kind: 'route',
        model: model.label,
        ...moveOf(m.routeShifts),
      }));
    }
    if (!m.cache.isZero() && !model.q0.isZero() && !model.q1.isZero()) {
      offer('cache', team, m.cache, () => ({
        kind: 'cache',
        model: model.label,
        readShare: [points(m.read0.div(model.q0)), points(m.read1.div(model.q1))],
        writeShare: [points(m.write0.div(model.q0)), points(m.write1.div(model.q1))],
      }));
    }
  }
  if (!sums.mix.isZero()) {
    offer('mix', team, sums.mix, () => ({ kind: 'mix', ...moveOf(modelShifts) }));
  }
}

/**
 * One model's lines: each line's effects, the model's share shift and mix dollars, its
 * routes' shifts, its route and cache dollars, and its cache read and write tokens.
 */
function decomposeModel(pool: Node, model: Node, input: PvmLine[], out: Effects[], sums: { mix: Dec }) {
  const newOrGone = pool.q0.isZero() || pool.q1.isZero();
  const s0m = pool.q0.isZero() ? ZERO : model.q0.div(pool.q0);
  const s1m = pool.q1.isZero() ? ZERO : model.q1.div(pool.q1);
  const m = {
    shift: { label: model.label, shift: s1m.minus(s0m), usd: ZERO } as Shift,
    route: ZERO,
    cache: ZERO,
    routeShifts: [] as Shift[],
    read0: ZERO,
    read1: ZERO,
    write0: ZERO,
    write1: ZERO,
  };
  for (const route of model.children.values()) {
    const wv = baseWeight(route, model);
    const sv = currentWeight(route, model);
    const routeShift: Shift = { label: route.label, shift: sv.minus(wv), usd: ZERO };
    m.routeShifts.push(routeShift);
    for (const i of route.lines) {
      const line = input[i]!;
      const e = out[i]!;
      if (newOrGone) {
        e.volume = line.c1.minus(line.c0);
        continue;
      }
      lineEffects(line, e, { pool, route, s0m, s1m, wv, sv });
      sums.mix = sums.mix.plus(e.mix);
      m.shift.usd = m.shift.usd.plus(e.mix);
      routeShift.usd = routeShift.usd.plus(e.route);
      m.route = m.route.plus(e.route);
      m.cache = m.cache.plus(e.cache);
      const cls = line.info!.tokenClass!;
      if (cls === 'cache-read') {
        m.read0 = m.read0.plus(line.q0);
        m.read1 = m.read1.plus(line.q1);
      } else if (cls.startsWith('cache-write')) {
        m.write0 = m.write0.plus(line.q0);
        m.write1 = m.write1.plus(line.q1);
      }
    }
  }
  return m;
}

/**
 * One line's change as volume, mix, route, cache and rate effects: the pool's tokens
 * now, re-weighted one level at a time (model share, route share, line share) at the
 * line's base rate; the rest is rate.
 */
function lineEffects(
  line: PvmLine,
  e: Effects,
  at: { pool: Node; route: Node; s0m: Dec; s1m: Dec; wv: Dec; sv: Dec },
): void {
  const { pool, route, s0m, s1m, wv, sv } = at;
  const delta = line.c1.minus(line.c0);
  // The line's base rate: last period's, or this period's for a new line (no rate change seen).
  const r0 = !line.q0.isZero() ? line.c0.div(line.q0) : line.c1.div(line.q1);
  const leaf = { q0: line.q0, q1: line.q1 } as Node;
  const wi = baseWeight(leaf, route);
  const si = currentWeight(leaf, route);
  const x4 = pool.q1.times(s0m).times(wv).times(wi).times(r0);
  const x3 = pool.q1.times(s1m).times(wv).times(wi).times(r0);
  const x2 = pool.q1.times(s1m).times(sv).times(wi).times(r0);
  const x1 = pool.q1.times(s1m).times(sv).times(si).times(r0);
  // For a line that existed, x4 = c0 x (pool tokens now / then): the pool's growth.
  e.volume = fixed(x4.minus(line.c0));
  e.mix = fixed(x3.minus(x4));
  e.route = fixed(x2.minus(x3));
  e.cache = fixed(x1.minus(x2));
  e.rate = delta.minus(e.volume).minus(e.mix).minus(e.route).minus(e.cache);
}

/** Effects summed per kind and team, each with its detail, biggest first. */
function groupEffects(input: PvmLine[], out: Effects[], details: Map<string, EffectDetail>): EffectGroup[] {
  const sums = new Map<string, EffectGroup>();
  input.forEach((line, i) => {
    for (const kind of EFFECT_KINDS) {
      const value = out[i]![kind];
      if (value.isZero()) continue;
      const id = `${kind}\u0000${line.team}`;
      const group = sums.get(id) ?? { kind, team: line.team, deltaUsd: ZERO };
      group.deltaUsd = group.deltaUsd.plus(value);
      sums.set(id, group);
    }
  });
  return [...sums.entries()]
    .filter(([, g]) => !g.deltaUsd.isZero())
    .map(([id, g]) => {
      const detail = details.get(id);
      return detail ? { ...g, detail } : g;
    })
    .sort(
      (a, b) =>
        b.deltaUsd.abs().comparedTo(a.deltaUsd.abs()) ||
        EFFECT_KINDS.indexOf(a.kind) - EFFECT_KINDS.indexOf(b.kind) ||
        a.team.localeCompare(b.team),
    );
}

interface Shift {
  label: string;
  /** Share of the parent's tokens, now minus then. */
  shift: Dec;
  /** The dollars of the effect this move caused. */
  usd: Dec;
}

/**
 * The move behind an effect: `to` is the branch that gained share with the biggest effect
 * (a branch's effect has the sign of its share shift: Q1 x shift x its base rate), `from` the
 * branch that lost share with the biggest effect; the share moved is the smaller of `to`'s
 * gain and `from`'s loss.
 */
function moveOf(shifts: Shift[]): { from?: string; to?: string; sharePoints: number } {
  const byUsd = (a: Shift, b: Shift) => b.usd.abs().comparedTo(a.usd.abs());
  const to = shifts.filter((s) => s.shift.gt(0)).sort(byUsd)[0];
  const from = shifts.filter((s) => s.shift.lt(0)).sort(byUsd)[0];
  if (!to || !from) return { sharePoints: 0 };
  const gain = to.shift;
  const loss = from.shift.neg();
  return { from: from.label, to: to.label, sharePoints: points(gain.lt(loss) ? gain : loss) };
}

/**
 * Round amounts to cents so that they sum to `targetCents` exactly: each is rounded to the
 * nearest cent (half to even), and the difference between the target and the sum of the
 * rounded amounts goes to the amount largest in absolute value (the first of equals).
 */
export function roundToTarget(values: Dec[], targetCents: number): number[] {
  const cents = values.map(centsOf);
  const residual = targetCents - cents.reduce((s, c) => s + c, 0);
  if (residual !== 0 && values.length) {
    let biggest = 0;
    values.forEach((v, i) => {
      if (v.abs().gt(values[biggest]!.abs())) biggest = i;
    });
    cents[biggest]! += residual;
  }
  return cents;
}

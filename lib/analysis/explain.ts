/**
 * The explanation engine behind `why`, budget alerts and the digest: given the bill for two
 * periods, which lines moved, by how much, and whether because more was used (volume) or
 * because each unit cost more (rate).
 *
 * For each usage type (one SERVICE + USAGE_TYPE line), with quantities q0, q1 and costs
 * c0, c1, the rate is r = c / q *within that usage type* (Cost Explorer's quantity units
 * differ between usage types - thousands of tokens, millions, hours - so rates are never
 * compared across usage types):
 *
 *     volume effect = (q1 - q0) x r0        rate effect = (r1 - r0) x q1
 *
 * which add up exactly to c1 - c0. A new line is all volume; a vanished one too. Drivers
 * group lines by (model, token class), or by team; every line belongs to exactly one
 * driver, so the drivers sum exactly to the total change.
 */
import { type DateRange, daysBetween } from '../clock.js';
import { ExactSum } from '../exact-sum.js';
import { allocateCents, type Dec, sumUsd, ZERO } from '../money.js';
import { type SpendLine, UNATTRIBUTED } from '../spend/query.js';
import { isKnowledgeBaseLine } from '../spend/spend.js';
import { describeUsage, modelGroupOf, type TokenClass, tokenClassLabel } from '../spend/usage-type.js';
import { biggestDayAnomaly, type DayAnomaly } from './anomaly.js';
import { type Decomposition, decomposeChange, type EffectGroup, type Effects, roundToTarget } from './pvm.js';

/** How one driver moved between the two periods. */
export type DriverStatus = 'new' | 'vanished' | 'changed' | 'unchanged';

export interface Driver {
  key: string;
  label: string;
  /** Model display name, for model drivers. */
  model?: string;
  modelKey?: string;
  tokenClass?: TokenClass;
  /**
   * Team: the team of a team driver, the filtered team, or the team that accounts for most
   * of this model's change (then `teamShare` says how much).
   */
  team?: string;
  teamShare?: number;
  previousUsd: Dec;
  currentUsd: Dec;
  deltaUsd: Dec;
  /**
   * The change split into volume, mix, route/tier, cache and rate effects (docs/why-method.md);
   * the five sum exactly to `deltaUsd`. Absent for team drivers.
   */
  volumeEffectUsd?: Dec;
  mixEffectUsd?: Dec;
  routeEffectUsd?: Dec;
  cacheEffectUsd?: Dec;
  rateEffectUsd?: Dec;
  status: DriverStatus;
  /** How many usage-type lines the driver groups. */
  lines: number;
}

export interface ExplainInput {
  current: DateRange;
  previous: DateRange;
  /** SERVICE + USAGE_TYPE lines (daily or monthly) covering both periods. */
  lines: SpendLine[];
  /** TAG + SERVICE lines covering both periods, for team drivers and team attribution. */
  teamLines?: SpendLine[];
  /** Drivers by (model, token class) (default) or by team. */
  by?: 'model' | 'team';
  /** The answer is already about one team: every driver is that team's. */
  team?: string;
  /**
   * `lines` are the ledger's exact cells (team x service x usage type): each model driver is
   * one (model, token class, team) cell, untagged spend its own `unattributed` cell, and
   * team drivers come from the same lines (no second query, nothing to reconcile).
   */
  exactTeams?: boolean;
  /**
   * Day totals of both periods, when `lines` are period sums (the ledger sums a 10,000-team
   * bill into the two periods itself): the biggest-day anomaly is read from these.
   */
  daily?: { day: string; usd: Dec }[];
}

export interface Explanation {
  current: DateRange & { totalUsd: Dec };
  previous: DateRange & { totalUsd: Dec };
  deltaUsd: Dec;
  by: 'model' | 'team';
  /** Sorted by |deltaUsd| descending; they sum exactly to `deltaUsd`. */
  drivers: Driver[];
  /** Team drivers (when team lines were given), same rules. */
  teams: Driver[];
  /**
   * The change as effects per (kind, team): volume, mix, route/tier, cache, rate, biggest
   * first; they sum exactly to `deltaUsd` (docs/why-method.md).
   */
  effects: EffectGroup[];
  /** True when `effects`' team `''` is untagged spend (exact cells), false when it is "all". */
  effectsByTeam: boolean;
  /** The team the answer is about, when filtered. */
  team?: string;
  /** Untagged spend in the current period (when team lines were given). */
  unattributedUsd?: Dec;
  anomaly?: DayAnomaly;
  /** One sentence naming the cause. */
  headline: string;
}

interface LineAcc {
  q0: Dec;
  c0: Dec;
  q1: Dec;
  c1: Dec;
}

/** Volume and rate effects of one usage-type line (see the module comment). */
export function splitEffects(acc: LineAcc): { volume: Dec; rate: Dec } {
  const delta = acc.c1.minus(acc.c0);
  if (acc.q0.isZero() || acc.c0.isZero() || acc.q1.isZero()) return { volume: delta, rate: ZERO };
  const r0 = acc.c0.div(acc.q0);
  const volume = acc.q1.minus(acc.q0).times(r0);
  // rate = delta - volume keeps the split exact whatever the division's precision.
  return { volume, rate: delta.minus(volume) };
}

function statusOf(previous: Dec, current: Dec): DriverStatus {
  if (previous.isZero() && !current.isZero()) return 'new';
  if (!previous.isZero() && current.isZero()) return 'vanished';
  return previous.eq(current) ? 'unchanged' : 'changed';
}

/** The (model, token class) driver a usage line belongs to. */
function modelDriverOf(line: SpendLine): Pick<Driver, 'key' | 'label' | 'model' | 'modelKey' | 'tokenClass'> {
  const info = line.info;
  if (!info) return { key: `service:${line.service}`, label: line.service ?? 'unknown' };
  if (info.kind === 'tokens' && info.tokenClass && info.modelKey && info.modelName) {
    return {
      key: `${info.modelKey}|${info.tokenClass}`,
      label: `${info.modelName} · ${tokenClassLabel(info.tokenClass)}`,
      model: info.modelName,
      modelKey: info.modelKey,
      tokenClass: info.tokenClass,
    };
  }
  // Other kinds: one driver per description without region (Guardrails in two regions = one line).
  const label = describeUsage({ ...info, scope: 'in-region', batch: false, tier: 'standard' });
  const group = modelGroupOf(info);
  return {
    key: `${info.kind}|${label}`,
    label,
    ...(info.modelName ? { model: info.modelName, modelKey: group.key } : {}),
  };
}

interface DriverAcc extends Pick<Driver, 'key' | 'label' | 'model' | 'modelKey' | 'tokenClass' | 'team'> {
  previous: Dec;
  current: Dec;
  effectSums: Effects;
  lines: number;
  services: Set<string>;
  effects: boolean;
}

/** In place, biggest change first (ties by label); each |change| is computed once, not per comparison. */
function sortDrivers<T extends { deltaUsd: Dec; label: string }>(drivers: T[]): T[] {
  // A number to compare first (40,000 drivers at 10,000 teams); the exact |change| only
  // where two numbers tie, so the order is the exact one.
  const keyed = drivers.map((d) => {
    const size = d.deltaUsd.abs();
    return { d, size, n: size.toNumber() };
  });
  keyed.sort((a, b) => b.n - a.n || b.size.comparedTo(a.size) || a.d.label.localeCompare(b.d.label));
  keyed.forEach((k, i) => {
    drivers[i] = k.d;
  });
  return drivers;
}

function finish(accs: Iterable<DriverAcc>): Driver[] {
  const drivers: Driver[] = [];
  for (const a of accs) {
    const driver: Driver = {
      key: a.key,
      label: a.label,
      ...(a.model ? { model: a.model } : {}),
      ...(a.modelKey ? { modelKey: a.modelKey } : {}),
      ...(a.tokenClass ? { tokenClass: a.tokenClass } : {}),
      ...(a.team !== undefined ? { team: a.team } : {}),
      previousUsd: a.previous,
      currentUsd: a.current,
      deltaUsd: a.current.minus(a.previous),
      ...(a.effects
        ? {
            volumeEffectUsd: a.effectSums.volume,
            mixEffectUsd: a.effectSums.mix,
            routeEffectUsd: a.effectSums.route,
            cacheEffectUsd: a.effectSums.cache,
            rateEffectUsd: a.effectSums.rate,
          }
        : {}),
      status: statusOf(a.previous, a.current),
      lines: a.lines,
    };
    if (driver.previousUsd.isZero() && driver.currentUsd.isZero()) continue;
    drivers.push(driver);
  }
  return sortDrivers(drivers);
}

/** One usage-type line (or team x service line) summed per period. */
interface Agg {
  line: SpendLine;
  acc: LineAcc;
}

/**
 * One pass over the lines: sum each line per period (and, optionally, each day), so that
 * everything after works on a few dozen aggregates instead of thousands of daily rows.
 *
 * This is the hot loop of `why` (tens of thousands of daily rows for a quarter of a large
 * bill), so it builds no string per row: lines are looked up by their own two key strings
 * (service then usage type, or team then service) in nested maps, and a row's period and
 * day total are worked out once per run of rows of the same day (Cost Explorer returns
 * rows day by day). The returned map is keyed by both keys, in first-seen order.
 */
function aggregate(
  lines: SpendLine[],
  input: Pick<ExplainInput, 'current' | 'previous'>,
  firstKey: (line: SpendLine) => string | undefined,
  secondKey: (line: SpendLine) => string | undefined,
  daily?: Map<string, Dec>,
  withQuantity = true,
): Map<string, Agg> {
  interface Sums {
    line: SpendLine;
    q0: ExactSum;
    c0: ExactSum;
    q1: ExactSum;
    c1: ExactSum;
  }
  const sums = new Map<string, Sums>();
  const nested = new Map<string, Map<string, Sums>>();
  const { current, previous } = input;
  let lastDay: string | undefined;
  let isCurrent = false;
  let inEither = false;
  // The total of the current run of same-day rows, added to `daily` when the day changes.
  let dayTotal = new ExactSum();
  const flushDay = () => {
    if (!daily || lastDay === undefined || !inEither) return;
    const total = dayTotal.value();
    const before = daily.get(lastDay);
    daily.set(lastDay, before ? before.plus(total) : total);
  };
  for (const line of lines) {
    const day = line.day;
    if (day !== lastDay) {
      flushDay();
      lastDay = day;
      isCurrent = day >= current.start && day < current.end;
      inEither = isCurrent || (day >= previous.start && day < previous.end);
      dayTotal = new ExactSum();
    }
    if (!inEither) continue;
    const first = firstKey(line) ?? '';
    const second = secondKey(line) ?? '';
    let bySecond = nested.get(first);
    if (!bySecond) {
      bySecond = new Map();
      nested.set(first, bySecond);
    }
    let sum = bySecond.get(second);
    if (!sum) {
      sum = { line, q0: new ExactSum(), c0: new ExactSum(), q1: new ExactSum(), c1: new ExactSum() };
      bySecond.set(second, sum);
      // NUL cannot occur in a service, usage type or tag value: the id is unambiguous.
      sums.set(`${first}\u0000${second}`, sum);
    }
    if (isCurrent) {
      if (withQuantity) sum.q1.add(line.quantity);
      sum.c1.add(line.amount);
    } else {
      if (withQuantity) sum.q0.add(line.quantity);
      sum.c0.add(line.amount);
    }
    if (daily) dayTotal.add(line.amount);
  }
  flushDay();
  const aggs = new Map<string, Agg>();
  for (const [id, { line, q0, c0, q1, c1 }] of sums) {
    aggs.set(id, { line, acc: { q0: q0.value(), c0: c0.value(), q1: q1.value(), c1: c1.value() } });
  }
  return aggs;
}

const serviceOf = (line: SpendLine) => line.service;
const usageTypeOf = (line: SpendLine) => line.usageType;
const teamOf = (line: SpendLine) => line.team;

/** Group aggregates into drivers (with their lines' effects when `effectsOf` is given). */
function driversFromAggs(
  aggs: Iterable<Agg>,
  driverOf: (line: SpendLine) => Pick<Driver, 'key' | 'label' | 'model' | 'modelKey' | 'tokenClass' | 'team'>,
  effectsOf?: (agg: Agg) => Effects,
): Driver[] {
  const effects = effectsOf !== undefined;
  const drivers = new Map<string, DriverAcc>();
  for (const agg of aggs) {
    const { line, acc } = agg;
    const d = driverOf(line);
    let driver = drivers.get(d.key);
    if (!driver) {
      driver = {
        ...d,
        previous: ZERO,
        current: ZERO,
        effectSums: { volume: ZERO, mix: ZERO, route: ZERO, cache: ZERO, rate: ZERO },
        lines: 0,
        services: new Set(),
        effects,
      };
      drivers.set(d.key, driver);
    }
    // A driver's first line is taken as it is (most drivers have one: 40,000 of them at
    // 10,000 teams, and a Decimal addition each was a tenth of `why`).
    const first = driver.lines === 0;
    driver.previous = first ? acc.c0 : driver.previous.plus(acc.c0);
    driver.current = first ? acc.c1 : driver.current.plus(acc.c1);
    if (effectsOf) {
      const e = effectsOf(agg);
      const sums = driver.effectSums;
      if (first) driver.effectSums = { ...e };
      else {
        sums.volume = sums.volume.plus(e.volume);
        sums.mix = sums.mix.plus(e.mix);
        sums.route = sums.route.plus(e.route);
        sums.cache = sums.cache.plus(e.cache);
        sums.rate = sums.rate.plus(e.rate);
      }
    }
    driver.lines += 1;
    if (line.service) driver.services.add(line.service);
  }
  return finish(drivers.values());
}

function teamLabel(team: string): string {
  return team === '' ? UNATTRIBUTED : team;
}

/**
 * Which team explains a model driver? From team x service lines: when one team accounts
 * for at least 60% of its service's change, and the driver moved the same way as the
 * service, the driver is labelled with that team (`teamShare` says how sure).
 */
function attributeTeams(
  drivers: Driver[],
  usage: Map<string, Agg>,
  teams: Map<string, Agg>,
  driverKeyOf: Map<string, string>,
): void {
  const perService = new Map<string, Map<string, Dec>>();
  for (const { line, acc } of teams.values()) {
    if (!line.service) continue;
    const byTeam = perService.get(line.service) ?? new Map<string, Dec>();
    const team = line.team ?? '';
    byTeam.set(team, (byTeam.get(team) ?? ZERO).plus(acc.c1.minus(acc.c0)));
    perService.set(line.service, byTeam);
  }
  const serviceDelta = new Map<string, Dec>();
  const servicesOf = new Map<string, Set<string>>();
  for (const [id, { line, acc }] of usage) {
    if (!line.service) continue;
    serviceDelta.set(line.service, (serviceDelta.get(line.service) ?? ZERO).plus(acc.c1.minus(acc.c0)));
    const key = driverKeyOf.get(id)!;
    const set = servicesOf.get(key) ?? new Set<string>();
    set.add(line.service);
    servicesOf.set(key, set);
  }
  for (const driver of drivers) {
    const services = servicesOf.get(driver.key);
    if (services?.size !== 1 || driver.deltaUsd.isZero()) continue;
    const service = [...services][0]!;
    const total = serviceDelta.get(service);
    const byTeam = perService.get(service);
    if (!total || !byTeam || total.isZero()) continue;
    if (total.isNegative() !== driver.deltaUsd.isNegative()) continue;
    let best: [string, Dec] | undefined;
    for (const entry of byTeam) if (!best || entry[1].abs().gt(best[1].abs())) best = entry;
    if (!best || best[0] === '' || best[1].isNegative() !== total.isNegative()) continue;
    const share = best[1].div(total).toNumber();
    if (share >= 0.6) {
      driver.team = best[0];
      driver.teamShare = Math.min(1, Math.round(share * 100) / 100);
    }
  }
}

/**
 * `doubled`, `grew x2.5`, `rose 13%`, `fell 40%`. A word only when it is exact at the
 * precision shown (x2.0 is "doubled", x3.0 "tripled"): x2.5 is not "tripled".
 */
export function changeVerb(previous: Dec, current: Dec): string {
  if (previous.isZero()) return 'started';
  if (current.isZero()) return 'stopped';
  const ratio = current.div(previous).toNumber();
  if (ratio >= 2) {
    const shown = ratio.toFixed(1);
    if (shown === '2.0') return 'doubled';
    if (shown === '3.0') return 'tripled';
    return `grew x${shown}`;
  }
  const pct = Math.round((ratio - 1) * 100);
  if (pct > 0) return `rose ${pct}%`;
  if (pct < 0) return `fell ${-pct}%`;
  return 'held steady';
}

/** The driver's name in a sentence: `Claude Sonnet 4.5 output tokens for team search`. */
export function driverPhrase(driver: Driver, options: { withTeam?: boolean } = {}): string {
  let name: string;
  if (driver.tokenClass && driver.model)
    name = `${driver.model} ${tokenClassLabel(driver.tokenClass)} tokens`;
  else if (driver.key.startsWith('team:'))
    name = driver.team === '' ? 'untagged spend' : `team ${driver.team}`;
  else name = driver.label;
  if ((options.withTeam ?? true) && driver.team && !driver.key.startsWith('team:'))
    name += ` for team ${driver.team}`;
  return name;
}

/**
 * The part of a driver's change that came from its quantity (volume, mix, route and cache
 * effects together: how many of its tokens there were), as opposed to its rate.
 */
export function quantityEffectOf(driver: Driver): Dec | undefined {
  return driver.rateEffectUsd ? driver.deltaUsd.minus(driver.rateEffectUsd) : undefined;
}

/** What moved the driver: volume or price, in words. */
function causePhrase(driver: Driver): string {
  const prev = driver.previousUsd;
  if (driver.status === 'new') return 'started';
  if (driver.status === 'vanished') return 'stopped';
  const volume = quantityEffectOf(driver);
  const rate = driver.rateEffectUsd;
  if (volume && rate?.abs().gt(volume.abs())) {
    const base = prev.plus(volume);
    if (!base.isZero()) {
      const pct = Math.round(rate.div(base).toNumber() * 100);
      return pct >= 0 ? `got ${pct}% dearer per unit` : `got ${-pct}% cheaper per unit`;
    }
  }
  if (volume && rate) return changeVerb(prev, prev.plus(volume));
  return changeVerb(prev, driver.currentUsd);
}

const EFFECT_NAMES: Record<EffectGroup['kind'], string> = {
  volume: 'volume effect',
  mix: 'mix effect',
  route: 'route/tier effect',
  cache: 'cache effect',
  rate: 'rate effect',
};

/** `volume`, `mix`, `route/tier`, `cache`, `rate`. */
export function effectKindLabel(kind: EffectGroup['kind']): string {
  return EFFECT_NAMES[kind].replace(/ effect$/, '');
}

/**
 * A mix, route or cache effect in words: `moved 60% of support's traffic from Claude 3 Haiku
 * to Claude Sonnet 4.5 (mix effect +$2,300)`.
 */
export function effectPhrase(
  effect: EffectGroup,
  explanation: Pick<Explanation, 'effectsByTeam'> & { team?: string },
  format: (d: Dec, signed?: boolean) => string,
): string | undefined {
  const detail = effect.detail;
  if (!detail) return undefined;
  const whose = !explanation.effectsByTeam
    ? 'the'
    : explanation.team !== undefined
      ? 'its'
      : effect.team === ''
        ? 'untagged'
        : `${effect.team}'s`;
  const amount = `(${EFFECT_NAMES[effect.kind]} ${format(effect.deltaUsd, true)})`;
  if (detail.kind === 'mix') {
    if (!detail.from || !detail.to || detail.sharePoints < 1) return undefined;
    return `moved ${detail.sharePoints}% of ${whose} traffic from ${detail.from} to ${detail.to} ${amount}`;
  }
  if (detail.kind === 'route') {
    if (!detail.from || !detail.to || detail.sharePoints < 1) return undefined;
    return `moved ${detail.sharePoints}% of ${whose} ${detail.model} traffic from ${detail.from} to ${detail.to} ${amount}`;
  }
  const [w0, w1] = detail.writeShare;
  const [r0, r1] = detail.readShare;
  if (Math.abs(w1 - w0) >= Math.abs(r1 - r0)) {
    return `cache writes went from ${w0}% to ${w1}% of ${whose} ${detail.model} prompt tokens ${amount}`;
  }
  return `cache reads went from ${r0}% to ${r1}% of ${whose} ${detail.model} prompt tokens ${amount}`;
}

/** How the headline is worded: amounts, the period's name and whose spend it is about. */
export interface HeadlineOptions {
  format: (d: Dec, signed?: boolean) => string;
  /** `last week`, `in the last 7 days`. */
  periodName: string;
  /**
   * Whose spend the sentence is about (default `Bedrock spend`). An answer about one team
   * names the team here (`Team search's Bedrock spend`), and its drivers then leave out
   * "for team search".
   */
  subject?: string;
}

/**
 * A one-sentence headline: `+$1,240 (+38%): Claude Sonnet 4.5 output tokens for team search
 * doubled.` (amounts formatted by the caller's `format`). A model switch (one line new, one
 * gone, same token class) is named as such.
 */
export function headlineOf(explanation: Omit<Explanation, 'headline'>, options: HeadlineOptions): string {
  const { format, periodName } = options;
  const subject = options.subject ?? 'Bedrock spend';
  const withTeam = options.subject === undefined;
  const phrase = (d: Driver) => driverPhrase(d, { withTeam });
  const { deltaUsd, previous, current } = explanation;
  if (deltaUsd.abs().lt(0.01)) {
    return `${subject} was flat ${periodName} at ${format(current.totalUsd)}.`;
  }
  const pct = previous.totalUsd.isZero()
    ? ''
    : ` (${deltaUsd.isNegative() ? '' : '+'}${Math.round(deltaUsd.div(previous.totalUsd).toNumber() * 100)}%)`;
  const verb = deltaUsd.isNegative() ? 'fell' : 'rose';
  const lead = `${subject} ${verb} ${format(deltaUsd.abs())}${pct} ${periodName}`;
  const effect = explanation.effects[0];
  if (
    effect &&
    explanation.effectsByTeam &&
    (effect.kind === 'mix' || effect.kind === 'route' || effect.kind === 'cache') &&
    effect.deltaUsd.isNegative() === deltaUsd.isNegative()
  ) {
    const effectText = effectPhrase(effect, explanation, format);
    if (effectText) return `${lead}: ${effectText}.`;
  }
  const drivers = explanation.drivers;
  const top = drivers[0];
  if (!top) return `${lead}.`;
  const sameSign = (d: Driver) => d.deltaUsd.isNegative() === deltaUsd.isNegative();
  if (!sameSign(top)) return `${lead}, although ${phrase(top)} ${causePhrase(top)}.`;
  // A model switch: the top driver is new (or gone) and a line of the same token class went the other way.
  if (top.status === 'new' || top.status === 'vanished') {
    const other = drivers.find(
      (d) =>
        d !== top &&
        d.tokenClass === top.tokenClass &&
        d.model !== top.model &&
        (top.status === 'new' ? d.deltaUsd.isNegative() : d.deltaUsd.isPositive()) &&
        d.deltaUsd.abs().gte(top.deltaUsd.abs().times(0.3)),
    );
    if (other && top.model && other.model) {
      const [from, to] = top.status === 'new' ? [other, top] : [top, other];
      const who = top.team ? `team ${top.team}` : 'traffic';
      return `${lead}: ${who} moved from ${from.model} to ${to.model} (${to.tokenClass ? `${tokenClassLabel(to.tokenClass)} tokens ` : ''}${format(top.deltaUsd, true)}).`;
    }
    return `${lead}: ${top.status === 'new' ? 'new spend on ' : ''}${phrase(top)}${top.status === 'new' ? ` (${format(top.deltaUsd, true)})` : ' stopped'}.`;
  }
  return `${lead}: ${phrase(top)} ${causePhrase(top)}.`;
}

/**
 * Explain the change between two periods from their bill lines.
 *
 * The drivers (and the team drivers) sum exactly to `deltaUsd`; rounding to cents for
 * display is `roundDrivers`' job.
 *
 * @example
 * const e = explainChange({ current, previous, lines, teamLines }, { format: formatUsd, periodName: 'last week' });
 * e.headline; // "Bedrock spend rose $1,240.50 (+38%) last week: Claude Sonnet 4.5 output tokens for team search tripled."
 */
export function explainChange(input: ExplainInput, options: HeadlineOptions): Explanation {
  const by = input.by ?? 'model';
  const dailyMap = new Map<string, Dec>();
  const exact = input.exactTeams === true && input.team === undefined;
  const cellOf = (line: SpendLine) => `${line.team ?? ''}\u0001${line.service ?? ''}`;
  const usage = aggregate(input.lines, input, exact ? cellOf : serviceOf, usageTypeOf, dailyMap);
  const currentTotal = sumUsd([...usage.values()].map((a) => a.acc.c1));
  const previousTotal = sumUsd([...usage.values()].map((a) => a.acc.c0));
  const deltaUsd = currentTotal.minus(previousTotal);
  const model = modelDriversOf(usage, input, exact);
  const team = input.teamLines || exact ? teamDriversOf(input, usage, model, deltaUsd, exact) : undefined;
  const teams = team?.teams ?? [];
  const drivers = by === 'team' && team ? teams : model.drivers;
  const anomaly = anomalyOf(input, dailyMap);
  const base: Omit<Explanation, 'headline'> = {
    current: { ...input.current, totalUsd: currentTotal },
    previous: { ...input.previous, totalUsd: previousTotal },
    deltaUsd,
    by,
    drivers,
    teams,
    effects: model.decomposition.groups,
    effectsByTeam: exact || input.team !== undefined || input.lines.every((l) => l.team !== undefined),
    ...(input.team !== undefined ? { team: input.team } : {}),
    ...(team?.unattributedUsd !== undefined ? { unattributedUsd: team.unattributedUsd } : {}),
    ...(anomaly ? { anomaly } : {}),
  };
  return { ...base, headline: headlineOf(base, options) };
}

/** The model drivers of the usage lines, with their volume, mix, route, cache and rate effects. */
function modelDriversOf(
  usage: Map<string, Agg>,
  input: ExplainInput,
  exact: boolean,
): { drivers: Driver[]; decomposition: Decomposition; driverKeyOf: Map<string, string> } {
  // The driver of each usage line, computed once per line (not per day).
  const driverKeyOf = new Map<string, string>();
  const driverInfo = new Map<SpendLine, ReturnType<typeof modelDriverOf>>();
  for (const [id, { line }] of usage) {
    const model = modelDriverOf(line);
    const d = exact
      ? { ...model, key: `${model.key}|team:${line.team ?? ''}`, team: line.team ?? '' }
      : model;
    driverKeyOf.set(id, d.key);
    driverInfo.set(line, d);
  }
  // Volume, mix, route/tier, cache and rate effects of every line (docs/why-method.md).
  const aggList = [...usage.values()];
  const decomposition: Decomposition = decomposeChange(
    aggList.map(({ line, acc }) => ({
      team: exact ? (line.team ?? '') : (input.team ?? line.team ?? ''),
      ...(line.info ? { info: line.info } : {}),
      ...acc,
    })),
  );
  const effectsByAgg = new Map<Agg, Effects>(aggList.map((agg, i) => [agg, decomposition.lines[i]!]));
  const drivers = driversFromAggs(
    usage.values(),
    (line) => ({
      ...driverInfo.get(line)!,
      ...(input.team !== undefined ? { team: input.team } : {}),
    }),
    (agg) => effectsByAgg.get(agg)!,
  );
  return { drivers, decomposition, driverKeyOf };
}

/**
 * The team drivers (no volume/rate split: quantities of different usage types do not add
 * up), summing to the change; untagged spend of the current period. Attributes each model
 * driver to its main team when the team lines come from a second query.
 */
function teamDriversOf(
  input: ExplainInput,
  usage: Map<string, Agg>,
  model: { drivers: Driver[]; driverKeyOf: Map<string, string> },
  deltaUsd: Dec,
  exact: boolean,
): { teams: Driver[]; unattributedUsd: Dec } {
  const teamAggs = aggregate(
    exact ? input.lines : input.teamLines!,
    input,
    teamOf,
    serviceOf,
    undefined,
    false,
  );
  if (input.team === undefined && !exact) attributeTeams(model.drivers, usage, teamAggs, model.driverKeyOf);
  // Knowledge Base OCUs are not in the team x service query: they join as their own line
  // (exact cells carry them with their team already).
  const kbAggs = exact ? [] : [...usage.values()].filter((a) => isKnowledgeBaseLine(a.line));
  const teams = driversFromAggs([...teamAggs.values(), ...kbAggs], (line) =>
    isKnowledgeBaseLine(line) && line.team === undefined
      ? { key: 'kb', label: 'Knowledge Base vector store (not split by team)' }
      : { key: `team:${line.team ?? ''}`, label: teamLabel(line.team ?? ''), team: line.team ?? '' },
  );
  // If the two queries disagree (late data between the two requests), keep the sum exact.
  const residual = deltaUsd.minus(sumUsd(teams.map((t) => t.deltaUsd)));
  if (!residual.isZero()) {
    teams.push({
      key: 'residual',
      label: 'Not split by team (bill updated between queries)',
      previousUsd: ZERO,
      currentUsd: residual,
      deltaUsd: residual,
      status: 'changed',
      lines: 0,
    });
    sortDrivers(teams);
  }
  const unattributedUsd = sumUsd(
    [...teamAggs.values()].filter((a) => (a.line.team ?? '') === '').map((a) => a.acc.c1),
  );
  return { teams, unattributedUsd };
}

/** The day of the current period furthest from its usual (periods of two days or more). */
function anomalyOf(input: ExplainInput, dailyMap: Map<string, Dec>): DayAnomaly | undefined {
  if (daysBetween(input.current.start, input.current.end) < 2) return undefined;
  const daily =
    input.daily ??
    [...dailyMap.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, usd]) => ({ day, usd }));
  return biggestDayAnomaly(daily, input.current);
}

export interface RoundedDriver {
  key: string;
  label: string;
  model?: string;
  tokenClass?: TokenClass;
  team?: string;
  previousUsd: number;
  currentUsd: number;
  deltaUsd: number;
  volumeEffectUsd?: number;
  mixEffectUsd?: number;
  routeEffectUsd?: number;
  cacheEffectUsd?: number;
  rateEffectUsd?: number;
  status: DriverStatus;
}

/** One effect of one team, rounded to the cent. */
export interface RoundedEffect {
  kind: EffectGroup['kind'];
  /** The team (`unattributed` for untagged spend); absent when the effects are not split by team. */
  team?: string;
  deltaUsd: number;
  /** The effect in words when it is a mix, route or cache effect. */
  text?: string;
}

/**
 * Round the effects to cents so that they sum to `targetCents` (the rounded change): each is
 * rounded half-even and the residual cents go to the largest (see docs/why-method.md).
 */
export function roundEffects(
  explanation: Pick<Explanation, 'effects' | 'effectsByTeam' | 'team'>,
  targetCents: number,
  format: (d: Dec, signed?: boolean) => string,
): RoundedEffect[] {
  const cents = roundToTarget(
    explanation.effects.map((g) => g.deltaUsd),
    targetCents,
  );
  return explanation.effects.map((g, i) => {
    const text = effectPhrase(g, explanation, format);
    return {
      kind: g.kind,
      ...(explanation.effectsByTeam && explanation.team === undefined
        ? { team: g.team === '' ? UNATTRIBUTED : g.team }
        : {}),
      deltaUsd: cents[i]! / 100,
      ...(text ? { text } : {}),
    };
  });
}

/**
 * Round drivers to cents so that the columns reconcile: previous amounts sum to the
 * rounded previous total, current amounts to the rounded current total, and so the deltas
 * sum exactly to `round(current) - round(previous)`. Volume + rate = delta for each driver.
 */
export function roundDrivers(drivers: Driver[]): RoundedDriver[] {
  const prev = allocateCents(drivers.map((d) => d.previousUsd));
  const cur = allocateCents(drivers.map((d) => d.currentUsd));
  return drivers.map((d, i) => {
    const previousCents = Math.round(prev[i]! * 100);
    const currentCents = Math.round(cur[i]! * 100);
    const deltaCents = currentCents - previousCents;
    const out: RoundedDriver = {
      key: d.key,
      label: d.label,
      ...(d.model ? { model: d.model } : {}),
      ...(d.tokenClass ? { tokenClass: d.tokenClass } : {}),
      ...(d.team !== undefined ? { team: d.team } : {}),
      previousUsd: previousCents / 100,
      currentUsd: currentCents / 100,
      deltaUsd: deltaCents / 100,
      status: d.status,
    };
    if (d.volumeEffectUsd && d.mixEffectUsd && d.routeEffectUsd && d.cacheEffectUsd && d.rateEffectUsd) {
      // The five effects reconcile to the driver's rounded change (docs/why-method.md).
      const [volume, mix, route, cache, rate] = roundToTarget(
        [d.volumeEffectUsd, d.mixEffectUsd, d.routeEffectUsd, d.cacheEffectUsd, d.rateEffectUsd],
        deltaCents,
      );
      out.volumeEffectUsd = volume! / 100;
      out.mixEffectUsd = mix! / 100;
      out.routeEffectUsd = route! / 100;
      out.cacheEffectUsd = cache! / 100;
      out.rateEffectUsd = rate! / 100;
    }
    return out;
  });
}

/** `volume x3.1`, `volume +13%`, `price -27%`, `new`, `gone`. */
export function effectLabel(driver: Driver): string {
  if (driver.status === 'new') return 'new';
  if (driver.status === 'vanished') return 'gone';
  const volumeDec = quantityEffectOf(driver);
  const rateDec = driver.rateEffectUsd;
  if (!volumeDec || !rateDec || driver.previousUsd.isZero()) return '';
  // A label rounds to a whole percent or a tenth of a ratio: doubles are exact enough, and
  // `why` labels every driver (40,000 at 10,000 teams).
  const prev = driver.previousUsd.toNumber();
  const volume = volumeDec.toNumber();
  const rate = rateDec.toNumber();
  const volumeText = (): string => {
    const ratio = (prev + volume) / prev;
    if (ratio >= 2) return `volume x${ratio.toFixed(1)}`;
    const pct = Math.round((ratio - 1) * 100);
    return `volume ${pct >= 0 ? '+' : ''}${pct}%`;
  };
  const base = prev + volume;
  const rateText = (): string => {
    const pct = base === 0 ? 0 : Math.round((rate / base) * 100);
    return `price ${pct >= 0 ? '+' : ''}${pct}%`;
  };
  const big = Math.abs(volume) >= Math.abs(rate) ? 'volume' : 'rate';
  const small = big === 'volume' ? Math.abs(rate) : Math.abs(volume);
  const large = big === 'volume' ? Math.abs(volume) : Math.abs(rate);
  if (large !== 0 && small / large >= 0.33) return `${volumeText()}, ${rateText()}`;
  return big === 'volume' ? volumeText() : rateText();
}

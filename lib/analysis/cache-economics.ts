/**
 * Prompt-cache economics per team and model, from the bill.
 *
 * A prompt cache pays twice: writing a prefix costs more than sending it as plain input
 * (Claude: 1.25x input for a 5-minute write, 2x for a 1-hour write), reading it back costs
 * less (0.1x). A cache whose prefixes rarely repeat within the TTL writes a lot and reads
 * little, and raises the bill: a Bedrock user reported a $1,000 overnight bill of cache
 * writes. Per (team, model):
 *
 *     write premium = write cost - write tokens x input rate    (what the writes cost above plain input)
 *     read saving   = read tokens x input rate - read cost      (what the reads saved against plain input)
 *     net           = read saving - write premium               (negative: the cache loses money)
 *
 * Rates come from the bill (cost / quantity of the model's own usage types, so the units
 * agree: they are one service's usage types), the input rate from the same route's input
 * line (else the model's input lines on any route of the team). The hit rate is reads /
 * (reads + writes) in tokens; the break-even hit rate is the one at which reads save what
 * writes cost: h* = k / (1 + k) with k = (write rate - input rate) / (input rate - read rate)
 * (Claude 5-minute writes: k = 0.25 / 0.9, h* = 21.7%).
 */
import type { DateRange } from '../clock.js';
import { Dec, ZERO } from '../money.js';
import type { SpendLine } from '../spend/query.js';
import type { UsageTypeInfo } from '../spend/usage-type.js';

export interface CacheEconomics {
  /** Team tag value, `''` for untagged spend. */
  team: string;
  modelKey: string;
  model: string;
  /** Cache write and read quantities (the usage types' own unit) and dollars in the period. */
  writeQuantity: Dec;
  readQuantity: Dec;
  writeUsd: Dec;
  readUsd: Dec;
  /** What the writes cost above plain input, and what the reads saved against it. */
  writePremiumUsd: Dec;
  readSavingUsd: Dec;
  /** readSaving - writePremium: negative when the cache loses money. */
  netUsd: Dec;
  /** Reads / (reads + writes), in tokens; undefined when nothing was written or read. */
  hitRate?: number;
  /** The hit rate at which reads save what writes cost; undefined when the rates are unknown. */
  breakEvenHitRate?: number;
  /** Region and cross-region scope of the route with the most cache spend (to price tokens). */
  region?: string;
  scope: UsageTypeInfo['scope'];
}

interface Sums {
  q: Dec;
  c: Dec;
}

const add = (s: Sums | undefined, line: SpendLine): Sums => ({
  q: (s?.q ?? ZERO).plus(line.quantity),
  c: (s?.c ?? ZERO).plus(line.amount),
});

const rateOf = (s: Sums | undefined): Dec | undefined =>
  s?.q.gt(0) && !s.c.lt(0) ? s.c.div(s.q) : undefined;

function routeOf(info: UsageTypeInfo): string {
  return `${info.region ?? ''}|${info.scope}|${info.batch}|${info.tier}`;
}

/**
 * The cache economics of every (team, model) that wrote to or read from a prompt cache in
 * `range`, biggest loss first.
 *
 * @example
 * cacheEconomics(lines, { start: '2026-11-09', end: '2026-11-16' })[0];
 * // { team: 'support', model: 'Claude Sonnet 4.5', netUsd: -134.4, hitRate: 0.09, breakEvenHitRate: 0.217, ... }
 */
export function cacheEconomics(lines: SpendLine[], range: DateRange, team?: string): CacheEconomics[] {
  const out: CacheEconomics[] = [];
  for (const m of cacheLinesByModel(lines, range, team).values()) {
    const economics = modelEconomics(m);
    if (economics) out.push(economics);
  }
  return out.sort((a, b) => a.netUsd.comparedTo(b.netUsd));
}

/** Per (team, model, route): input, read and write sums. */
interface RouteSums {
  input?: Sums;
  read?: Sums;
  write?: Sums;
  info: UsageTypeInfo;
}

interface ModelSums {
  team: string;
  modelKey: string;
  model: string;
  routes: Map<string, RouteSums>;
}

/** The input and cache token lines of the range, summed per (team, model) and route. */
function cacheLinesByModel(lines: SpendLine[], range: DateRange, team?: string): Map<string, ModelSums> {
  const byModel = new Map<string, ModelSums>();
  for (const line of lines) {
    const info = line.info;
    if (info?.kind !== 'tokens' || !info.modelKey || !info.tokenClass || info.tokenClass === 'output')
      continue;
    if (line.day < range.start || line.day >= range.end) continue;
    const t = team ?? line.team ?? '';
    const key = `${t}\u0000${info.modelKey}`;
    let m = byModel.get(key);
    if (!m) {
      m = { team: t, modelKey: info.modelKey, model: info.modelName ?? info.modelKey, routes: new Map() };
      byModel.set(key, m);
    }
    const route = m.routes.get(routeOf(info)) ?? { info };
    if (info.tokenClass === 'input') route.input = add(route.input, line);
    else if (info.tokenClass === 'cache-read') route.read = add(route.read, line);
    else route.write = add(route.write, line);
    m.routes.set(routeOf(info), route);
  }
  return byModel;
}

/** One (team, model)'s cache economics; undefined when it used no cache or an input rate is unknown. */
function modelEconomics(m: ModelSums): CacheEconomics | undefined {
  let allInput: Sums | undefined;
  for (const r of m.routes.values())
    if (r.input)
      allInput = { q: (allInput?.q ?? ZERO).plus(r.input.q), c: (allInput?.c ?? ZERO).plus(r.input.c) };
  const modelInputRate = rateOf(allInput);
  const t = cacheTotals(m, modelInputRate);
  if (t.writeQ.isZero() && t.readQ.isZero() && t.writeUsd.isZero() && t.readUsd.isZero()) return undefined;
  if (!t.known) return undefined;
  const tokens = t.writeQ.plus(t.readQ);
  const breakEvenHitRate = breakEven(t, modelInputRate);
  return {
    team: m.team,
    modelKey: m.modelKey,
    model: m.model,
    writeQuantity: t.writeQ,
    readQuantity: t.readQ,
    writeUsd: t.writeUsd,
    readUsd: t.readUsd,
    writePremiumUsd: t.premium,
    readSavingUsd: t.saving,
    netUsd: t.saving.minus(t.premium),
    ...(tokens.gt(0) ? { hitRate: t.readQ.div(tokens).toDecimalPlaces(4).toNumber() } : {}),
    ...(breakEvenHitRate !== undefined ? { breakEvenHitRate } : {}),
    ...(t.main?.info.region ? { region: t.main.info.region } : {}),
    scope: t.main?.info.scope ?? 'in-region',
  };
}

interface CacheTotals {
  writeQ: Dec;
  readQ: Dec;
  writeUsd: Dec;
  readUsd: Dec;
  premium: Dec;
  saving: Dec;
  /** Every route's input rate was known (else premium and saving are not). */
  known: boolean;
  /** The route with the most cache spend. */
  main?: { info: UsageTypeInfo; usd: Dec };
}

/** Writes and reads over the model's routes, each priced against its route's input rate. */
function cacheTotals(m: ModelSums, modelInputRate: Dec | undefined): CacheTotals {
  const t: CacheTotals = {
    writeQ: ZERO,
    readQ: ZERO,
    writeUsd: ZERO,
    readUsd: ZERO,
    premium: ZERO,
    saving: ZERO,
    known: true,
  };
  for (const r of m.routes.values()) {
    if (!r.read && !r.write) continue;
    const usd = (r.read?.c ?? ZERO).plus(r.write?.c ?? ZERO);
    if (!t.main || usd.gt(t.main.usd)) t.main = { info: r.info, usd };
    const input = rateOf(r.input) ?? modelInputRate;
    if (r.write) {
      t.writeQ = t.writeQ.plus(r.write.q);
      t.writeUsd = t.writeUsd.plus(r.write.c);
      if (input) t.premium = t.premium.plus(r.write.c.minus(r.write.q.times(input)));
      else t.known = false;
    }
    if (r.read) {
      t.readQ = t.readQ.plus(r.read.q);
      t.readUsd = t.readUsd.plus(r.read.c);
      if (input) t.saving = t.saving.plus(r.read.q.times(input).minus(r.read.c));
      else t.known = false;
    }
  }
  return t;
}

/** Break-even from the model's overall rates (volume-weighted over its routes): h* = k / (1 + k). */
function breakEven(t: CacheTotals, modelInputRate: Dec | undefined): number | undefined {
  const writeRate = t.writeQ.gt(0) ? t.writeUsd.div(t.writeQ) : undefined;
  const readRate = t.readQ.gt(0) ? t.readUsd.div(t.readQ) : undefined;
  if (!writeRate || !readRate || !modelInputRate?.gt(readRate)) return undefined;
  const k = Dec.max(ZERO, writeRate.minus(modelInputRate)).div(modelInputRate.minus(readRate));
  return k.div(k.plus(1)).toDecimalPlaces(4).toNumber();
}

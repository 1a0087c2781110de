/**
 * `savings [team TEAM]`: every way to save found in the bill and the provisioned
 * throughputs, with its dollars a month, biggest first: idle and under-used capacity,
 * prompt caches that lose money, batch candidates, prompt caching, cheaper models, and
 * Reserved-tier capacity used under half over 7 days (`lib/analysis/reserved.ts`).
 *
 * The same derivation as the weekly digest's "Do:" line (`lib/analysis/savings.ts`): the
 * last complete ISO week of the ledger's team cells (and the week before, to see what is
 * new), and the idle scan over the last 7 days. A team's digest recommends the best of
 * its findings here, with the same dollars.
 */

import { cacheEconomics } from '../analysis/cache-economics.js';
import { scanReserved } from '../analysis/reserved.js';
import { MIN_MONTHLY_SAVING, type SavingsFinding, savingsFindings } from '../analysis/savings.js';
import { addDays, startOfIsoWeek, toIsoDate } from '../clock.js';
import { costMetricOf } from '../config.js';
import { fetchDigestBill } from '../digest/data.js';
import { ParseError } from '../errors.js';
import type { IdleFinding } from '../idle/scan.js';
import { Dec, formatUsd, roundCents, usd } from '../money.js';
import type { Catalog } from '../pricing/catalog.js';
import { findModel, routesFrom } from '../pricing/models.js';
import type { Reply } from '../reply/reply.js';
import { billContext, periodText } from '../spend/present.js';
import { spendContextOf, UNATTRIBUTED } from '../spend/query.js';
import { helpOf } from './meta.js';
import { resolveTeamOf } from './spend.js';
import { type CommandContext, defineCommand } from './types.js';

/** Hours of CloudWatch history the under-use check looks at: 7 days. */
export const SAVINGS_IDLE_HOURS = 168;

export interface SavingsInput {
  team?: string;
}

export interface SavingsData {
  /** The week of bill the findings read (the last complete ISO week). */
  period: { start: string; end: string };
  team?: string;
  findings: {
    kind: SavingsFinding['kind'];
    team?: string;
    model?: string;
    monthlyUsd: number;
    action: string;
  }[];
  totalMonthlyUsd: number;
  /**
   * Prompt-cache economics per team and model over the week: cache write and read tokens
   * (from list prices, when the catalog knows the model) and dollars, what the writes cost
   * above plain input, what the reads saved, the net, the hit rate and the break-even hit rate.
   */
  cache: {
    team?: string;
    model: string;
    writeTokens?: number;
    readTokens?: number;
    writeUsd: number;
    readUsd: number;
    writePremiumUsd: number;
    readSavingUsd: number;
    netUsd: number;
    hitRate?: number;
    breakEvenHitRate?: number;
  }[];
  dataAsOf: string;
  /** What could not be checked (CloudWatch or Bedrock faults of the idle scan). */
  problems: string[];
}

export function parseSavingsWords(words: string[], defaultTeam?: string): SavingsInput {
  if (!words.length) return defaultTeam !== undefined ? { team: defaultTeam } : {};
  const [first, ...rest] = words;
  if ((first?.toLowerCase() === 'team' || first?.toLowerCase() === 'for') && rest.length) {
    return { team: rest.join(' ') };
  }
  throw new ParseError(`"savings" takes an optional team, for example: savings team search.`, {
    suggestion: 'Try: savings, or savings team search',
  });
}

/** The list prices of a model on the route the bill names (global, geo or in-region). */
function listPrices(catalog: Catalog, modelKey: string, region: string | undefined, scope: string) {
  const model = findModel(catalog, modelKey)?.model;
  if (!model) return undefined;
  const routes = routesFrom(model, region ?? 'us-east-1');
  const wanted = scope === 'global' ? 'global' : scope === 'geo' ? 'geo' : 'in-region';
  return (routes.find((r) => r.route === wanted) ?? routes[0])?.prices;
}

/** Run `savings`: the last complete week of the ledger plus a 7-day idle scan. */
export async function runSavings(input: SavingsInput, ctx: CommandContext) {
  const { deps } = ctx;
  const spend = await spendContextOf(deps);
  const now = spend.now;
  const today = toIsoDate(now);
  const weekStart = startOfIsoWeek(today);
  const current = { start: addDays(weekStart, -7), end: weekStart };
  const previous = { start: addDays(weekStart, -14), end: current.start };
  const { team } = await resolveTeamOf(ctx, spend, input.team, today);
  const sources = await deps.sources();
  const catalogP = deps.catalog().catch((): Catalog | undefined => undefined);
  const [bill, scan, catalog, reserved] = await Promise.all([
    fetchDigestBill(spend, { start: previous.start, end: current.end }),
    import('../idle/scan.js').then(({ scanIdleForDeps }) =>
      scanIdleForDeps(deps, SAVINGS_IDLE_HOURS, sources),
    ),
    catalogP,
    catalogP.then((c) => scanReserved(spend, c)),
  ]);
  const teams = team === undefined ? bill.teams : new Map([[team, bill.teams.get(team) ?? []]]);
  const idle: IdleFinding[] =
    team === undefined ? scan.findings : scan.findings.filter((f) => (f.team ?? '') === team);
  const findings = savingsFindings({
    teams,
    current,
    previous,
    idle,
    catalog,
    reserved:
      team === undefined ? reserved.commitments : reserved.commitments.filter((c) => (c.team ?? '') === team),
    minimumUsd: MIN_MONTHLY_SAVING,
  });
  const teamLabel = team === undefined ? undefined : team === '' ? UNATTRIBUTED : team;
  const data: SavingsData = {
    period: current,
    ...(teamLabel !== undefined ? { team: teamLabel } : {}),
    findings: findings.map((f) => ({
      kind: f.kind,
      ...(f.team !== undefined ? { team: f.team } : {}),
      ...(f.model ? { model: f.model } : {}),
      monthlyUsd: roundCents(f.monthlyUsd),
      action: f.action,
    })),
    // The sum of the amounts listed, so that the answer adds up to the cent.
    totalMonthlyUsd:
      findings.reduce((cents, f) => cents + Math.round(roundCents(f.monthlyUsd) * 100), 0) / 100,
    cache: [...teams.values()].flatMap((lines) =>
      cacheEconomics(lines, current).map((e) => {
        const prices = catalog ? listPrices(catalog, e.modelKey, e.region, e.scope) : undefined;
        const tokens = (usd: Dec, perMillion: string | undefined) =>
          perMillion && new Dec(perMillion).gt(0)
            ? usd.div(perMillion).times(1_000_000).round().toNumber()
            : undefined;
        const writeTokens = tokens(e.writeUsd, prices?.cacheWrite5m);
        const readTokens = tokens(e.readUsd, prices?.cacheRead);
        return {
          ...(e.team ? { team: e.team } : {}),
          model: e.model,
          ...(writeTokens !== undefined ? { writeTokens } : {}),
          ...(readTokens !== undefined ? { readTokens } : {}),
          writeUsd: roundCents(e.writeUsd),
          readUsd: roundCents(e.readUsd),
          writePremiumUsd: roundCents(e.writePremiumUsd),
          readSavingUsd: roundCents(e.readSavingUsd),
          netUsd: roundCents(e.netUsd),
          ...(e.hitRate !== undefined ? { hitRate: e.hitRate } : {}),
          ...(e.breakEvenHitRate !== undefined ? { breakEvenHitRate: e.breakEvenHitRate } : {}),
        };
      }),
    ),
    dataAsOf: bill.dataAsOf.toISOString(),
    problems: [...scan.problems, ...reserved.problems],
  };
  return { command: 'savings', data, reply: savingsReply(data, { now, demo: spend.kind === 'demo', ctx }) };
}

const KIND_WORDS: Record<SavingsFinding['kind'], string> = {
  idle: 'idle provisioned throughput',
  'under-used': 'under-used capacity',
  cache: 'cache writes exceed what reads save',
  batch: 'batch candidate',
  'prompt-cache': 'prompt caching candidate',
  model: 'cheaper model of the same tier',
  route: 'cheaper global route',
};

function savingsReply(data: SavingsData, meta: { now: Date; demo: boolean; ctx: CommandContext }): Reply {
  const whose = data.team !== undefined ? `${data.team}: ` : '';
  const n = data.findings.length;
  const month = (n: number) => formatUsd(usd(n), { decimals: 0 });
  const headline = n
    ? `${whose}${n} ${n === 1 ? 'way' : 'ways'} to save about ${month(data.totalMonthlyUsd)} a month.`
    : `${whose}nothing to save worth ${formatUsd(MIN_MONTHLY_SAVING, { decimals: 0 })} a month: no idle or under-used capacity, no money-losing cache, no cheaper route for last week's traffic.`;
  const context = [
    `bill of ${periodText(data.period, meta.now)} · provisioned throughput and Reserved tier over the last 7 days`,
    ...billContext({
      metric: costMetricOf(meta.ctx.deps.config.BEDROCK_COST_BASIS),
      dataAsOf: new Date(data.dataAsOf),
      now: meta.now,
      demo: meta.demo,
      ranges: [data.period],
    }),
  ];
  const blocks: Reply['blocks'] = [];
  if (n) {
    blocks.push({
      kind: 'table',
      columns: [{ header: 'Finding' }, { header: 'Monthly', align: 'right' }],
      rows: data.findings.map((f) => [
        [f.team, f.model, KIND_WORDS[f.kind]].filter(Boolean).join(' · '),
        `-${month(f.monthlyUsd)}/mo`,
      ]),
    });
    blocks.push({ kind: 'text', text: data.findings.map((f) => `• ${f.action}`).join('\n') });
  }
  if (data.problems.length) blocks.push({ kind: 'text', text: `Not checked: ${data.problems.join(' ')}` });
  return { headline, context, blocks };
}

export const savingsCommand = defineCommand<SavingsInput, SavingsData>({
  ...helpOf('savings'),
  slow: true,
  parse: (words, ctx) => parseSavingsWords(words, ctx.team),
  run: runSavings,
});

/**
 * The bill for every team's digest, in a fixed number of Cost Explorer requests whatever
 * the number of teams: one run for 1,000 teams costs 3 requests ($0.03), not 1,000.
 *
 * 1. `GetDimensionValues SERVICE`: which Bedrock services have cost (Marketplace models are
 *    each their own service).
 * 2. `GetCostAndUsage` DAILY grouped by team tag x USAGE_TYPE: the token class of every line
 *    (input, output, cache), and the model for Amazon and open-weight models (`NovaPro`).
 * 3. `GetCostAndUsage` DAILY grouped by team tag x SERVICE: the model of Marketplace lines,
 *    whose usage types (`USE1-MP:USE1_OutputTokenCount-Units`) do not name it.
 *
 * Cost Explorer allows two group-by dimensions, so no single query has team, service and
 * usage type. We join the two per team and day: a Marketplace usage line belongs to the
 * team's Marketplace service of that day; when a team used several Marketplace models the
 * same day, each line is split in proportion to those models' cost that day (exact for
 * the totals, approximate for the token-class mix between those models).
 *
 * Knowledge Base OpenSearch OCUs are left out: the team x service grouping cannot tell them
 * from unrelated OpenSearch domains (and they are rarely tagged per team).
 */
import type { DateRange } from '../clock.js';
import { Dec, ZERO } from '../money.js';
import type { CostQuery, CostRow } from '../ports.js';
import { discoverBedrockServices, type SpendContext, type SpendLine, tagValueOf } from '../spend/query.js';
import { OPENSEARCH_SERVICE, parseUsageType, type UsageTypeInfo } from '../spend/usage-type.js';

export interface DigestBill {
  range: DateRange;
  /** Bedrock services seen in the range (OpenSearch excluded). */
  services: string[];
  /** Per team tag value (`''` = untagged): SERVICE + USAGE_TYPE lines, daily, parsed. */
  teams: Map<string, SpendLine[]>;
  /** Billed Cost Explorer requests made (pages of GetCostAndUsage + GetDimensionValues). */
  requests: number;
  /** When the data was fetched (or the cache's fetch time). */
  dataAsOf: Date;
}

/** Marketplace usage types carry `MP:` after the region prefix. */
function isMarketplaceUsage(usageType: string): boolean {
  return /(^|-)MP:/.test(usageType);
}

/** Placeholder service for a Marketplace line with no Marketplace service that day (late data). */
const UNKNOWN_MARKETPLACE = 'Unknown model (Amazon Bedrock Edition)';

/**
 * Fetch and join the bill for `range` (UTC days, end exclusive). With no Bedrock service in
 * the range, only the first request is made.
 */
export async function fetchDigestBill(ctx: SpendContext, range: DateRange): Promise<DigestBill> {
  const all = await discoverBedrockServices(ctx.costs, range);
  const services = all.filter((s) => s !== OPENSEARCH_SERVICE);
  let requests = 1;
  const teams = new Map<string, SpendLine[]>();
  if (!services.length) return { range, services, teams, requests, dataAsOf: ctx.now };

  const base: Omit<CostQuery, 'groupBy'> = {
    start: range.start,
    end: range.end,
    granularity: 'DAILY',
    services,
    recordTypes: ['Usage'],
    metric: ctx.metric,
  };
  const tag = { type: 'TAG' as const, key: ctx.teamTagKey };
  // One query after the other, so the service rows are reduced to the small Marketplace map
  // (and freed) before the larger usage-type answer arrives: lower peak memory at 1,000 teams.
  const fetchedAt: string[] = [];
  // team \0 day -> Marketplace services with their cost that day. Built in its own scope so
  // the service rows can be collected once reduced (the answer may be a shared cached array:
  // never mutate it).
  const marketplace = await (async () => {
    const byService = await ctx.costs.getCostAndUsage({
      ...base,
      groupBy: [tag, { type: 'DIMENSION', key: 'SERVICE' }],
    });
    requests += byService.requests;
    const at = (byService as { fetchedAt?: string }).fetchedAt;
    if (at) fetchedAt.push(at);
    const map = new Map<string, { service: string; amount: Dec }[]>();
    for (const row of byService.rows) {
      const service = row.keys[1] ?? '';
      if (service === 'Amazon Bedrock' || row.amount.lte(0)) continue;
      const key = `${tagValueOf(row.keys[0] ?? '')}\u0000${row.start}`;
      const list = map.get(key) ?? [];
      list.push({ service, amount: row.amount });
      map.set(key, list);
    }
    return map;
  })();

  const byUsage = await ctx.costs.getCostAndUsage({
    ...base,
    groupBy: [tag, { type: 'DIMENSION', key: 'USAGE_TYPE' }],
  });
  requests += byUsage.requests;
  const usageFetchedAt = (byUsage as { fetchedAt?: string }).fetchedAt;
  if (usageFetchedAt) fetchedAt.push(usageFetchedAt);

  const push = (team: string, line: SpendLine) => {
    const list = teams.get(team);
    if (list) list.push(line);
    else teams.set(team, [line]);
  };
  // One parsed usage type per (service, usage type), shared by every team's lines: 1,000
  // teams x 30 days would otherwise hold a few hundred thousand identical objects.
  const infos = new Map<string, UsageTypeInfo>();
  const infoOf = (service: string, usageType: string): UsageTypeInfo => {
    const key = `${service}\u0000${usageType}`;
    let info = infos.get(key);
    if (!info) {
      info = parseUsageType(service, usageType, ctx.names);
      infos.set(key, info);
    }
    return info;
  };
  const lineOf = (row: CostRow, team: string, service: string, share?: { of: Dec; total: Dec }) => {
    const usageType = row.keys[1] ?? '';
    const info = infoOf(service, usageType);
    if (info.kind === 'unrelated') return;
    const scale = (d: Dec) => (share ? d.times(share.of).div(share.total) : d);
    push(team, {
      day: row.start,
      end: row.end,
      service,
      usageType,
      team,
      info,
      amount: scale(row.amount),
      quantity: scale(row.quantity),
      estimated: row.estimated,
    });
  };

  for (const row of byUsage.rows) {
    const team = tagValueOf(row.keys[0] ?? '');
    const usageType = row.keys[1] ?? '';
    if (!isMarketplaceUsage(usageType)) {
      lineOf(row, team, 'Amazon Bedrock');
      continue;
    }
    const owners = marketplace.get(`${team}\u0000${row.start}`) ?? [];
    if (owners.length === 0) lineOf(row, team, UNKNOWN_MARKETPLACE);
    else if (owners.length === 1) lineOf(row, team, owners[0]!.service);
    else {
      const total = owners.reduce((s, o) => s.plus(o.amount), ZERO);
      for (const o of owners) lineOf(row, team, o.service, { of: o.amount, total });
    }
  }
  return {
    range,
    services,
    teams,
    requests,
    dataAsOf: fetchedAt.length ? new Date(fetchedAt.sort()[0]!) : ctx.now,
  };
}

/**
 * The bill's usage-type rows, all teams together, for one range: what the idle scan asks
 * Cost Explorer for (hourly rates of provisioned throughput), served from the digest's
 * data instead of a fourth request.
 */
export function usageRowsOf(bill: DigestBill, range: DateRange): CostRow[] {
  const cells = new Map<string, CostRow>();
  for (const lines of bill.teams.values()) {
    for (const l of lines) {
      if (l.day < range.start || l.day >= range.end || !l.usageType) continue;
      const key = `${l.day}\u0000${l.usageType}`;
      const cell = cells.get(key);
      if (cell) {
        cell.amount = cell.amount.plus(l.amount);
        cell.quantity = cell.quantity.plus(l.quantity);
        cell.estimated ||= l.estimated;
      } else {
        cells.set(key, {
          start: l.day,
          end: l.end,
          keys: [l.usageType],
          amount: new Dec(l.amount),
          quantity: new Dec(l.quantity),
          estimated: l.estimated,
        });
      }
    }
  }
  return [...cells.values()];
}

/**
 * The bill for every team's digest: one ledger question (every team x service x usage type
 * cell, daily), whatever the number of teams, and no Cost Explorer request for a synced
 * period. The same cells `spend`, `why` and `budget` read, so the digest's figures are
 * theirs (Knowledge Base OCUs included: the ledger's usage types tell them from unrelated
 * OpenSearch domains).
 */
import type { DateRange } from '../clock.js';
import { fetchLines, type SpendContext, type SpendLine } from '../spend/query.js';

export interface DigestBill {
  range: DateRange;
  /** Bedrock-related services in the ledger. */
  services: string[];
  /** Per team tag value (`''` = untagged): SERVICE + USAGE_TYPE lines, daily, parsed. */
  teams: Map<string, SpendLine[]>;
  /** Billed Cost Explorer requests made (0 for a synced period). */
  requests: number;
  /** When the data was fetched (or the cache's fetch time). */
  dataAsOf: Date;
}

/**
 * Fetch and join the bill for `range` (UTC days, end exclusive). With no Bedrock service in
 * the range, only the first request is made.
 */
export async function fetchDigestBill(ctx: SpendContext, range: DateRange): Promise<DigestBill> {
  // One ledger question: every (team, service, usage type) cell per day, exact. OpenSearch
  // OCU lines stay out (they cannot be told from managed domains per team).
  const result = await fetchLines(ctx, { ...range, grouping: 'team-service-usage', granularity: 'DAILY' });
  const teams = new Map<string, SpendLine[]>();
  for (const line of result.lines) {
    const team = line.team ?? '';
    const list = teams.get(team);
    if (list) list.push(line);
    else teams.set(team, [line]);
  }
  return {
    range,
    services: result.services,
    teams,
    requests: result.requests,
    dataAsOf: result.dataAsOf,
  };
}

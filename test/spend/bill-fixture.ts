/**
 * A small but realistic Bedrock bill for two ISO weeks (Nov 2-8 and Nov 9-15, 2026), in the
 * real usage-type formats, with the stories `why` must tell:
 *
 * - volume spike: team search's Claude Sonnet 4.5 output tokens triple from Tuesday Nov 10;
 * - model switch: team growth moves from Claude 3 Haiku to Claude Haiku 4.5 on Nov 9;
 * - price change: Llama 3.1 70B input gets 27% cheaper per token (same volume), team growth;
 * - new team: legal starts using Nova Pro on Nov 11;
 * - untagged spend: Nova Micro batch without a team tag, and a Knowledge Base (OpenSearch OCUs);
 * - noise: an unrelated OpenSearch managed domain, which must not count.
 *
 * Every Cost Explorer grouping (SERVICE x USAGE_TYPE, TAG x SERVICE, TAG, ...) is derived from
 * the same facts, so they agree the way Cost Explorer's do. `costExplorerHandler` answers
 * GetCostAndUsage like Cost Explorer: filters, groups, DAILY/MONTHLY buckets, pages.
 */
import { addDays, eachDay, isoWeekday } from '../../lib/clock.js';
import { Dec } from '../../lib/money.js';
import type { SpendLine } from '../../lib/spend/query.js';
import { parseUsageType } from '../../lib/spend/usage-type.js';
import { costAndUsageResponse } from '../support/aws-fixtures.js';

export interface Fact {
  day: string;
  team: string;
  service: string;
  usageType: string;
  quantity: string;
  amount: string;
}

const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const HAIKU3 = 'Claude 3 Haiku (Amazon Bedrock Edition)';
const HAIKU45 = 'Claude Haiku 4.5 (Amazon Bedrock Edition)';
const BEDROCK = 'Amazon Bedrock';
const OPENSEARCH = 'Amazon OpenSearch Service';

export const PREVIOUS = { start: '2026-11-02', end: '2026-11-09' };
export const CURRENT = { start: '2026-11-09', end: '2026-11-16' };

/** Quantities in millions of tokens (Marketplace) or thousands (Amazon Bedrock), as the price lists count them. */
function fact(
  day: string,
  team: string,
  service: string,
  usageType: string,
  quantity: number,
  rate: string,
): Fact {
  const q = new Dec(quantity).toDecimalPlaces(6);
  return {
    day,
    team,
    service,
    usageType,
    quantity: q.toString(),
    amount: q.times(rate).toDecimalPlaces(10).toString(),
  };
}

/** The facts of the two weeks (plus a week before, for history). */
export function billFacts(): Fact[] {
  const facts: Fact[] = [];
  for (const day of eachDay({ start: '2026-10-26', end: '2026-11-16' })) {
    const weekend = isoWeekday(day) >= 6;
    const load = weekend ? 0.4 : 1;
    const n = Number(day.slice(8, 10));
    const wiggle = 1 + ((n * 7) % 5) / 100;
    // search: Sonnet 4.5 global, output triples from Tue Nov 10.
    const spike = day >= '2026-11-10' ? 3 : 1;
    facts.push(
      fact(day, 'search', SONNET, 'USE1-MP:USE1_InputTokenCount_Global-Units', 6 * load * wiggle, '2.7'),
    );
    facts.push(
      fact(
        day,
        'search',
        SONNET,
        'USE1-MP:USE1_OutputTokenCount_Global-Units',
        6 * load * spike * wiggle,
        '13.5',
      ),
    );
    facts.push(
      fact(day, 'search', SONNET, 'USE1-MP:USE1_CacheReadInputTokenCount_Global-Units', 20 * load, '0.27'),
    );
    // growth: Claude 3 Haiku until Nov 8, then Claude Haiku 4.5.
    const switched = day >= '2026-11-09';
    if (!switched) {
      facts.push(fact(day, 'growth', HAIKU3, 'USE1-MP:USE1_InputTokenCount-Units', 40 * load, '0.25'));
      facts.push(fact(day, 'growth', HAIKU3, 'USE1-MP:USE1_OutputTokenCount-Units', 8 * load, '1.25'));
    } else {
      facts.push(fact(day, 'growth', HAIKU45, 'USE1-MP:USE1_InputTokenCount-Units', 40 * load, '1'));
      facts.push(fact(day, 'growth', HAIKU45, 'USE1-MP:USE1_OutputTokenCount-Units', 8 * load, '5'));
    }
    // growth: Llama 3.1 70B, same volume, 27% cheaper per token from Nov 9.
    facts.push(
      fact(
        day,
        'growth',
        BEDROCK,
        'USE1-Llama3-1-70B-input-tokens',
        30_000 * load,
        day >= '2026-11-09' ? '0.000526' : '0.00072',
      ),
    );
    // legal: new from Nov 11.
    if (day >= '2026-11-11')
      facts.push(fact(day, 'legal', BEDROCK, 'USE1-NovaPro-input-tokens', 9_000 * load, '0.0008'));
    // Untagged: Nova Micro batch, Guardrails, the Knowledge Base collection, an unrelated domain.
    facts.push(fact(day, '', BEDROCK, 'USE1-NovaMicro-input-tokens-batch', 50_000, '0.0000175'));
    facts.push(fact(day, '', BEDROCK, 'USE1-Guardrail-ContentPolicyUnitsConsumed', 40, '0.15'));
    facts.push(fact(day, '', OPENSEARCH, 'USE1-IndexingOCU', 48, '0.24'));
    facts.push(fact(day, '', OPENSEARCH, 'USE1-SearchOCU', 48, '0.24'));
    facts.push(fact(day, '', OPENSEARCH, 'USE1-ESInstance:r6g.large.search', 24, '0.167'));
  }
  return facts;
}

/** Facts as parsed spend lines of a grouping (what `fetchLines` produces from Cost Explorer). */
export function linesOf(facts: Fact[], grouping: 'usage' | 'team-service'): SpendLine[] {
  const map = new Map<string, SpendLine>();
  for (const f of facts) {
    if (f.service === OPENSEARCH && grouping === 'team-service') continue;
    const info = parseUsageType(f.service, f.usageType);
    if (info.kind === 'unrelated') continue;
    const key =
      grouping === 'usage' ? `${f.day}|${f.service}|${f.usageType}` : `${f.day}|${f.team}|${f.service}`;
    const line = map.get(key);
    if (line) {
      line.amount = line.amount.plus(f.amount);
      line.quantity = line.quantity.plus(f.quantity);
      continue;
    }
    map.set(key, {
      day: f.day,
      end: addDays(f.day, 1),
      service: f.service,
      ...(grouping === 'usage' ? { usageType: f.usageType, info } : { team: f.team }),
      amount: new Dec(f.amount),
      quantity: new Dec(f.quantity),
      estimated: false,
    });
  }
  return [...map.values()];
}

type Dim = { Type: 'DIMENSION' | 'TAG'; Key: string };

/** Values of a fact for a Cost Explorer group-by. */
function keyOf(f: Fact, g: Dim): string {
  if (g.Type === 'TAG') return `${g.Key}$${f.team}`;
  switch (g.Key) {
    case 'SERVICE':
      return f.service;
    case 'USAGE_TYPE':
      return f.usageType;
    case 'REGION':
      return 'us-east-1';
    case 'LINKED_ACCOUNT':
      return '123456789012';
    default:
      return 'Usage';
  }
}

// biome-ignore lint/suspicious/noExplicitAny: Cost Explorer filter expressions are recursive JSON
function matches(f: Fact, expr: any): boolean {
  if (!expr) return true;
  if (expr.And) return expr.And.every((e: unknown) => matches(f, e));
  if (expr.Or) return expr.Or.some((e: unknown) => matches(f, e));
  if (expr.Not) return !matches(f, expr.Not);
  if (expr.Dimensions) {
    const value =
      expr.Dimensions.Key === 'RECORD_TYPE'
        ? 'Usage'
        : keyOf(f, { Type: 'DIMENSION', Key: expr.Dimensions.Key });
    return expr.Dimensions.Values.includes(value);
  }
  if (expr.Tags) {
    if (expr.Tags.MatchOptions?.includes('ABSENT')) return f.team === '';
    return f.team !== '' && expr.Tags.Values.includes(f.team);
  }
  return true;
}

/** Bucket start for a day under a granularity, within [start, end). */
function bucketOf(
  day: string,
  granularity: string,
  start: string,
  end: string,
): { start: string; end: string } {
  if (granularity === 'DAILY') return { start: day, end: addDays(day, 1) };
  const first = `${day.slice(0, 7)}-01`;
  const next = addDays(`${day.slice(0, 7)}-28`, 4).slice(0, 7);
  return { start: first < start ? start : first, end: `${next}-01` > end ? end : `${next}-01` };
}

/**
 * A GetCostAndUsage handler over facts: filter, group, bucket, and page (`pageSize` groups
 * per page, the `NextPageToken` being the offset).
 */
export function costExplorerHandler(facts: Fact[], pageSize = 40) {
  // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
  return (input: any) => {
    const { Start, End } = input.TimePeriod;
    const groupBy: Dim[] = input.GroupBy ?? [];
    const metric = input.Metrics.find((m: string) => m !== 'UsageQuantity') as
      | 'UnblendedCost'
      | 'AmortizedCost';
    const rows = new Map<
      string,
      { start: string; end: string; keys: string[]; amount: Dec; quantity: Dec }
    >();
    for (const f of facts) {
      if (f.day < Start || f.day >= End || !matches(f, input.Filter)) continue;
      const bucket = bucketOf(f.day, input.Granularity, Start, End);
      const keys = groupBy.map((g) => keyOf(f, g));
      const id = `${bucket.start}|${keys.join('|')}`;
      const row = rows.get(id) ?? { ...bucket, keys, amount: new Dec(0), quantity: new Dec(0) };
      row.amount = row.amount.plus(f.amount);
      row.quantity = row.quantity.plus(f.quantity);
      rows.set(id, row);
    }
    const all = [...rows.values()].sort(
      (a, b) => a.start.localeCompare(b.start) || a.keys.join().localeCompare(b.keys.join()),
    );
    const offset = input.NextPageToken ? Number(input.NextPageToken) : 0;
    const page = all.slice(offset, offset + pageSize);
    const body = costAndUsageResponse(
      page.map((r) => ({
        start: r.start,
        end: r.end,
        keys: r.keys,
        amount: r.amount.toString(),
        quantity: r.quantity.toString(),
      })),
      { metric, groupBy },
    );
    return offset + pageSize < all.length ? { ...body, NextPageToken: String(offset + pageSize) } : body;
  };
}

/** A GetDimensionValues (SERVICE) handler over facts. */
export function servicesHandler(facts: Fact[]) {
  // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
  return (input: any) => {
    const services = [
      ...new Set(
        facts
          .filter((f) => f.day >= input.TimePeriod.Start && f.day < input.TimePeriod.End)
          .map((f) => f.service),
      ),
    ];
    services.push('Amazon Simple Storage Service', 'AWS Lambda');
    return {
      DimensionValues: services.sort().map((Value) => ({ Value, Attributes: {} })),
      ReturnSize: services.length,
      TotalSize: services.length,
    };
  };
}

/**
 * A synthetic AWS account of N teams, served at the wire by `test/support/aws-server.ts`,
 * so the bench counts the requests the real adapters make (pages, retries and all).
 *
 * - Cost Explorer: `GetDimensionValues` (SERVICE), `GetCostAndUsage` answering any
 *   granularity, GroupBy (TAG / SERVICE / USAGE_TYPE / REGION / LINKED_ACCOUNT) and
 *   tag/service filter from one spend model, optionally paged; `GetCostForecast`.
 * - CloudWatch: `ListMetrics` and `GetMetricData` (tokens per application inference profile).
 * - Bedrock: one application inference profile per team, tagged with the team
 *   (`ListInferenceProfiles`, `ListTagsForResource`, the Tagging API's `GetResources`),
 *   no provisioned throughput.
 *
 * Spend model: team `i` (`team-00000` ... as `syntheticBudgetAccount` seeds them) spends
 * the same each billed day of a month; by the 18th most teams are at 5-45% of a $1,000
 * budget, every 50th at 85% and every 200th (offset 7) at 105% — so alert runs post.
 */
import { addDays, startOfNextMonth } from '../lib/clock.js';
import type { AwsHandlers } from '../test/support/aws-server.js';

const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const BEDROCK = 'Amazon Bedrock';
/** Usage lines of every team, with their share of its spend and price per unit. */
const METERS = [
  { service: SONNET, usageType: 'USE1-MP:USE1_InputTokenCount-Units', share: 0.25, unitUsd: 0.003 },
  { service: SONNET, usageType: 'USE1-MP:USE1_OutputTokenCount-Units', share: 0.45, unitUsd: 0.015 },
  { service: BEDROCK, usageType: 'USE1-NovaPro-input-tokens', share: 0.1, unitUsd: 0.0008 },
  { service: BEDROCK, usageType: 'USE1-NovaPro-output-tokens', share: 0.2, unitUsd: 0.0032 },
] as const;
export const SYNTHETIC_SERVICES = [BEDROCK, SONNET, 'Amazon Simple Storage Service'];
const ACCOUNT = '123456789012';

export interface SyntheticAwsOptions {
  teams: number;
  /**
   * The instant of the run: the bill has every day before today (UTC). A function lets a
   * simulated deployment move through days (the bill gains a day at each midnight).
   */
  now: Date | (() => Date);
  tagKey?: string;
  /** Groups per GetCostAndUsage page (default: everything in one page). */
  pageSize?: number;
  /** Give each team an application inference profile with token metrics (default true). */
  profiles?: boolean;
}

export const teamName = (i: number) => `team-${String(i).padStart(5, '0')}`;

/** Month-to-date spend by the 18th, in dollars, of a $1,000 budget (as `syntheticBudgetAccount`). */
const mtdOf = (i: number) => (i % 200 === 7 ? 1050 : i % 50 === 0 ? 850 : 50 + ((i * 37) % 401));

type Expr = {
  And?: Expr[];
  Or?: Expr[];
  Not?: Expr;
  Dimensions?: { Key: string; Values?: string[] };
  Tags?: { Key: string; Values?: string[]; MatchOptions?: string[] };
};

/** Tag values and services a filter keeps (`undefined` = no constraint). ABSENT tag = `''`. */
function constraintsOf(filter: Expr | undefined): { teams?: Set<string>; services?: Set<string> } {
  const out: { teams?: Set<string>; services?: Set<string> } = {};
  const walk = (e: Expr | undefined) => {
    if (!e) return;
    for (const part of [...(e.And ?? []), ...(e.Or ?? [])]) walk(part);
    if (e.Dimensions?.Key === 'SERVICE') out.services = new Set(e.Dimensions.Values ?? []);
    if (e.Tags) {
      out.teams ??= new Set();
      if (e.Tags.MatchOptions?.includes('ABSENT')) out.teams.add('');
      for (const v of e.Tags.Values ?? []) out.teams.add(v);
    }
  };
  walk(filter);
  return out;
}

/** Handlers for `startAwsServer`. */
export function syntheticAwsHandlers(options: SyntheticAwsOptions): AwsHandlers {
  const tagKey = options.tagKey ?? 'team';
  const todayOf = () =>
    (typeof options.now === 'function' ? options.now() : options.now).toISOString().slice(0, 10);
  const teams = Array.from({ length: options.teams }, (_, i) => teamName(i));
  // Untagged spend too: a small line every account has.
  const spenders = [...teams.map((t, i) => ({ team: t, i })), { team: '', i: -1 }];
  const dailyOf = (i: number, day: string, today: string) => {
    const base = i < 0 ? 3 : mtdOf(i) / 17;
    // Earlier months at a steadier pace: 80%.
    return day.slice(0, 7) === today.slice(0, 7) ? base : base * 0.8;
  };
  const pageSize = options.pageSize ?? Number.POSITIVE_INFINITY;

  const buckets = (start: string, end: string, granularity: string): [string, string][] => {
    const out: [string, string][] = [];
    if (granularity === 'MONTHLY') {
      for (let s = start; s < end; ) {
        const next = startOfNextMonth(s);
        const e = next < end ? next : end;
        out.push([s, e]);
        s = e;
      }
    } else {
      for (let d = start; d < end; d = addDays(d, 1)) out.push([d, addDays(d, 1)]);
    }
    return out;
  };

  const costAndUsage = (input: {
    TimePeriod: { Start: string; End: string };
    Granularity?: string;
    GroupBy?: { Type: string; Key: string }[];
    Filter?: Expr;
    Metrics?: string[];
    NextPageToken?: string;
  }) => {
    const today = todayOf();
    const { teams: teamFilter, services } = constraintsOf(input.Filter);
    const groupBy = input.GroupBy ?? [];
    const metric = input.Metrics?.find((m) => m !== 'UsageQuantity') ?? 'UnblendedCost';
    const results: {
      TimePeriod: { Start: string; End: string };
      Total: Record<string, unknown>;
      Groups: { Keys: string[]; Metrics: Record<string, { Amount: string; Unit: string }> }[];
      Estimated: boolean;
    }[] = [];
    for (const [start, end] of buckets(
      input.TimePeriod.Start,
      input.TimePeriod.End,
      input.Granularity ?? 'DAILY',
    )) {
      const cells = new Map<string, { keys: string[]; amount: number; quantity: number }>();
      let billedDays = 0;
      for (let d = start; d < end && d < today; d = addDays(d, 1)) billedDays++;
      if (billedDays > 0) {
        const lastDay = addDays(end, -1) < today ? addDays(end, -1) : addDays(today, -1);
        for (const { team, i } of spenders) {
          if (teamFilter && !teamFilter.has(team)) continue;
          const spend = dailyOf(i, lastDay, today) * billedDays;
          for (const m of METERS) {
            if (services && !services.has(m.service)) continue;
            const keys = groupBy.map((g) =>
              g.Type === 'TAG'
                ? `${g.Key}$${team}`
                : g.Key === 'SERVICE'
                  ? m.service
                  : g.Key === 'USAGE_TYPE'
                    ? m.usageType
                    : g.Key === 'REGION'
                      ? 'us-east-1'
                      : g.Key === 'LINKED_ACCOUNT'
                        ? ACCOUNT
                        : 'NoValue',
            );
            const id = keys.join('\u0000');
            const cell = cells.get(id) ?? { keys, amount: 0, quantity: 0 };
            cell.amount += spend * m.share;
            cell.quantity += (spend * m.share) / m.unitUsd;
            cells.set(id, cell);
          }
        }
      }
      const metrics = (c: { amount: number; quantity: number }) => ({
        [metric]: { Amount: c.amount.toFixed(8), Unit: 'USD' },
        UsageQuantity: { Amount: c.quantity.toFixed(4), Unit: 'N/A' },
      });
      const estimated = start.slice(0, 7) === today.slice(0, 7);
      if (groupBy.length) {
        results.push({
          TimePeriod: { Start: start, End: end },
          Total: {},
          Groups: [...cells.values()].map((c) => ({ Keys: c.keys, Metrics: metrics(c) })),
          Estimated: estimated,
        });
      } else {
        const total = [...cells.values()].reduce(
          (a, c) => ({ amount: a.amount + c.amount, quantity: a.quantity + c.quantity }),
          { amount: 0, quantity: 0 },
        );
        results.push({
          TimePeriod: { Start: start, End: end },
          Total: metrics(total),
          Groups: [],
          Estimated: estimated,
        });
      }
    }
    // Pages of at most `pageSize` groups, split between buckets like Cost Explorer does.
    const pages: (typeof results)[] = [[]];
    let used = 0;
    for (const bucket of results) {
      let groups = bucket.Groups;
      do {
        const room = pageSize - used;
        const take = groups.slice(0, room);
        pages[pages.length - 1]!.push({ ...bucket, Groups: take });
        used += Math.max(1, take.length);
        groups = groups.slice(take.length);
        if (used >= pageSize) {
          pages.push([]);
          used = 0;
        }
      } while (groups.length);
    }
    if (!pages[pages.length - 1]!.length && pages.length > 1) pages.pop();
    const index = input.NextPageToken ? Number(input.NextPageToken.replace('page-', '')) : 0;
    return {
      ...(groupBy.length ? { GroupDefinitions: groupBy } : {}),
      ResultsByTime: pages[index] ?? [],
      DimensionValueAttributes: [],
      ...(index + 1 < pages.length ? { NextPageToken: `page-${index + 1}` } : {}),
    };
  };

  const profileId = (i: number) => `p${String(i).padStart(10, '0')}`;
  const profileArn = (i: number) =>
    `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/${profileId(i)}`;
  const withProfiles = options.profiles ?? true;
  const HAIKU_PROFILE = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0`;

  return {
    GetDimensionValues: () => ({
      DimensionValues: SYNTHETIC_SERVICES.map((Value) => ({ Value, Attributes: {} })),
      ReturnSize: SYNTHETIC_SERVICES.length,
      TotalSize: SYNTHETIC_SERVICES.length,
    }),
    GetCostAndUsage: costAndUsage,
    GetCostForecast: (input: { TimePeriod: { Start: string; End: string }; Filter?: Expr }) => {
      const today = todayOf();
      const { teams: teamFilter } = constraintsOf(input.Filter);
      let perDay = 0;
      for (const { team, i } of spenders)
        if (!teamFilter || teamFilter.has(team)) perDay += dailyOf(i, today, today);
      const days = buckets(input.TimePeriod.Start, input.TimePeriod.End, 'DAILY').length;
      const mean = perDay * days;
      return {
        Total: { Amount: mean.toFixed(4), Unit: 'USD' },
        ForecastResultsByTime: [
          {
            TimePeriod: { Start: input.TimePeriod.Start, End: input.TimePeriod.End },
            MeanValue: mean.toFixed(4),
            PredictionIntervalLowerBound: (mean * 0.9).toFixed(4),
            PredictionIntervalUpperBound: (mean * 1.1).toFixed(4),
          },
        ],
      };
    },
    ListMetrics: () => ({
      Metrics: withProfiles
        ? teams.map((_, i) => ({
            Namespace: 'AWS/Bedrock',
            MetricName: 'InputTokenCount',
            Dimensions: [{ Name: 'ModelId', Value: profileArn(i) }],
          }))
        : [],
    }),
    GetMetricData: (input: { MetricDataQueries: { Id: string }[]; StartTime: number | string }) => {
      const start =
        typeof input.StartTime === 'number' ? input.StartTime * 1000 : Date.parse(input.StartTime);
      return {
        MetricDataResults: input.MetricDataQueries.map((q) => ({
          Id: q.Id,
          Label: q.Id,
          Timestamps: [new Date(start)],
          Values: [20_000],
          StatusCode: 'Complete',
        })),
      };
    },
    ListInferenceProfiles: (input: { typeEquals?: string; nextToken?: string; maxResults?: number }) => {
      if (input.typeEquals === 'SYSTEM_DEFINED' || !withProfiles) return { inferenceProfileSummaries: [] };
      const size = input.maxResults ?? 1000;
      const from = input.nextToken ? Number(input.nextToken) : 0;
      const page = teams.slice(from, from + size).map((_, k) => {
        const i = from + k;
        return {
          inferenceProfileName: `${teamName(i)}-haiku`,
          inferenceProfileArn: profileArn(i),
          inferenceProfileId: profileId(i),
          models: [{ modelArn: HAIKU_PROFILE }],
          status: 'ACTIVE',
          type: 'APPLICATION',
        };
      });
      return {
        inferenceProfileSummaries: page,
        ...(from + size < teams.length ? { nextToken: String(from + size) } : {}),
      };
    },
    'Bedrock.ListTagsForResource': (input: { resourceARN: string }) => {
      const i = Number(/p(\d+)$/.exec(input.resourceARN)?.[1] ?? -1);
      return { tags: i >= 0 ? [{ key: tagKey, value: teamName(i) }] : [] };
    },
    // The Resource Groups Tagging API: every team's profile with its tags, 100 a page.
    GetResources: (input: { ResourcesPerPage?: number; PaginationToken?: string }) => {
      if (!withProfiles) return { ResourceTagMappingList: [], PaginationToken: '' };
      const size = input.ResourcesPerPage ?? 50;
      const from = input.PaginationToken ? Number(input.PaginationToken) : 0;
      return {
        ResourceTagMappingList: teams.slice(from, from + size).map((_, k) => ({
          ResourceARN: profileArn(from + k),
          Tags: [{ Key: tagKey, Value: teamName(from + k) }],
        })),
        PaginationToken: from + size < teams.length ? String(from + size) : '',
      };
    },
    ListProvisionedModelThroughputs: { provisionedModelSummaries: [] },
  };
}

/** Cost Explorer operations (each request billed $0.01). */
export const CE_OPERATIONS = ['GetCostAndUsage', 'GetDimensionValues', 'GetCostForecast'];

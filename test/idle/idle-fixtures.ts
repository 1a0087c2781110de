/**
 * Provisioned-throughput fixtures for the idle tests: five throughputs that cover the
 * cases a FinOps engineer meets (busy, idle without commitment, idle on a 6-month
 * commitment, idle then busy again, still being created), as in-memory ports and as
 * wire-level AWS responses (ListProvisionedModelThroughputs, GetMetricData, GetCostAndUsage).
 */

import { usd } from '../../lib/money.js';
import type {
  BedrockControlPlane,
  BedrockMetricName,
  CostQuery,
  CostRow,
  DataSources,
  MetricSeries,
  MetricsSource,
  ProvisionedThroughput,
} from '../../lib/ports.js';
import { costExplorerHandler, type Fact, servicesHandler } from '../spend/bill-fixture.js';
import { type AwsHandlers, awsError } from '../support/aws-server.js';

export const NOW = new Date('2026-11-18T06:00:00Z');
const HOUR = 3_600_000;
const ACCOUNT = 'arn:aws:bedrock:us-east-1:123456789012';
export const arnOf = (id: string) => `${ACCOUNT}:provisioned-model/${id}`;
const fm = (id: string) => `arn:aws:bedrock:us-east-1::foundation-model/${id}`;

/** The five cases. Hourly rates per model unit on the bill: Nova Lite $60.50, Claude Instant $39.60. */
export const THROUGHPUTS = {
  busy: {
    arn: arnOf('busy0000001'),
    name: 'claude-instant-prod',
    modelArn: fm('anthropic.claude-instant-v1'),
    foundationModelArn: fm('anthropic.claude-instant-v1'),
    modelUnits: 2,
    status: 'InService',
    commitment: '1-month',
    commitmentExpiresAt: '2026-12-10T08:00:00.000Z',
    createdAt: '2026-11-10T08:00:00.000Z',
  },
  idleNoCommit: {
    arn: arnOf('x4kq7m2n9p3w'),
    name: 'nova-lite-test',
    modelArn: fm('amazon.nova-lite-v1:0'),
    foundationModelArn: fm('amazon.nova-lite-v1:0'),
    modelUnits: 1,
    status: 'InService',
    commitment: 'none',
    createdAt: '2026-11-02T14:00:00.000Z',
  },
  idleSixMonth: {
    arn: arnOf('h7c2z9f4k1d8'),
    name: 'llama-ft-support',
    modelArn: `${ACCOUNT}:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/q3w8e1r6t9y2`,
    foundationModelArn: fm('meta.llama3-1-8b-instruct-v1:0'),
    modelUnits: 2,
    status: 'InService',
    commitment: '6-month',
    commitmentExpiresAt: '2027-02-01T00:00:00.000Z',
    createdAt: '2026-08-01T00:00:00.000Z',
  },
  wokeUp: {
    arn: arnOf('w0k3up000001'),
    name: 'nova-lite-batchy',
    modelArn: fm('amazon.nova-lite-v1:0'),
    foundationModelArn: fm('amazon.nova-lite-v1:0'),
    modelUnits: 1,
    status: 'InService',
    commitment: 'none',
    createdAt: '2026-11-08T00:00:00.000Z',
  },
  creating: {
    arn: arnOf('cr3at1ng0001'),
    name: 'nova-lite-next',
    modelArn: fm('amazon.nova-lite-v1:0'),
    foundationModelArn: fm('amazon.nova-lite-v1:0'),
    modelUnits: 1,
    status: 'Creating',
    commitment: 'none',
    createdAt: '2026-11-18T05:40:00.000Z',
  },
} satisfies Record<string, ProvisionedThroughput>;

/** The idle-then-busy one starts getting traffic at this hour (10 h before NOW). */
export const WOKE_UP_AT = new Date(NOW.getTime() - 10 * HOUR);

type Usage = Partial<Record<BedrockMetricName, { at: Date; value: number }[]>>;

function hourly(from: Date, to: Date, value: number): { at: Date; value: number }[] {
  const points: { at: Date; value: number }[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += HOUR) points.push({ at: new Date(t), value });
  return points;
}

/**
 * CloudWatch usage per ModelId dimension value. The busy one is invoked by its short ID, the
 * woken-up one by its ARN: the scan must read both forms.
 */
export function fixtureUsage(): Map<string, Usage> {
  const start = new Date(NOW.getTime() - 30 * 24 * HOUR);
  return new Map<string, Usage>([
    [
      'busy0000001',
      {
        Invocations: hourly(start, NOW, 120),
        InputTokenCount: hourly(start, NOW, 96_000),
        OutputTokenCount: hourly(start, NOW, 12_000),
      },
    ],
    [
      THROUGHPUTS.wokeUp.arn,
      {
        Invocations: hourly(WOKE_UP_AT, NOW, 40),
        InputTokenCount: hourly(WOKE_UP_AT, NOW, 20_000),
        OutputTokenCount: hourly(WOKE_UP_AT, NOW, 4_000),
      },
    ],
  ]);
}

/** Three days of bill: the Provisioned Throughput usage types, and some noise around them. */
export function fixtureBillRows(start = '2026-11-15', days = 3): CostRow[] {
  const rows: CostRow[] = [];
  for (let d = 0; d < days; d++) {
    const day = new Date(Date.parse(`${start}T00:00:00Z`) + d * 24 * HOUR).toISOString().slice(0, 10);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);
    const row = (usageType: string, amount: string, quantity: string): CostRow => ({
      start: day,
      end: next,
      keys: [usageType],
      amount: usd(amount),
      quantity: usd(quantity),
      estimated: false,
    });
    // Two no-commit Nova Lite throughputs: 48 model-unit hours a day at $60.50.
    rows.push(row('USE1-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits', '2904', '48'));
    // Two Claude Instant model units on a 1-month commitment: 48 model-unit hours at $39.60.
    rows.push(row('USE1-ClaudeInstant-ProvisionedThroughput-1Month-ModelUnits', '1900.8', '48'));
    rows.push(row('USE1-NovaLite-input-tokens', '12.5', '208333.333'));
    rows.push(row('USE1-DataTransfer-Out-Bytes', '3.2', '35.5'));
  }
  return rows;
}

/** The fixture's bill rows as facts (Amazon Bedrock, untagged) for the wire handlers. */
function billFactsOf(rows: CostRow[]): Fact[] {
  return rows.map((r) => ({
    day: r.start,
    team: '',
    service: 'Amazon Bedrock',
    usageType: r.keys[0] ?? '',
    quantity: r.quantity.toString(),
    amount: r.amount.toString(),
  }));
}

export interface FakeSourcesOptions {
  throughputs?: ProvisionedThroughput[];
  usage?: Map<string, Usage>;
  billRows?: CostRow[];
  /** Make a port fail. */
  listError?: Error;
  metricsError?: Error;
  costError?: Error;
  /** ARNs that GetProvisionedModelThroughput no longer finds. */
  deleted?: string[];
  /** Leave out `getProvisionedThroughput` (a source without the re-check). */
  noGet?: boolean;
}

export interface FakeSources extends DataSources {
  calls: {
    lists: number;
    metrics: { queries: number; periodSeconds: number; start: Date; end: Date }[];
    costs: CostQuery[];
    gets: string[];
  };
}

/** In-memory ports over the fixtures. */
export function fakeSources(options: FakeSourcesOptions = {}): FakeSources {
  const throughputs = options.throughputs ?? Object.values(THROUGHPUTS);
  const usage = options.usage ?? fixtureUsage();
  const calls: FakeSources['calls'] = { lists: 0, metrics: [], costs: [], gets: [] };
  const metrics: MetricsSource = {
    listModelIds: async () => [...usage.keys()],
    getMetricSums: async (query) => {
      calls.metrics.push({
        queries: query.queries.length,
        periodSeconds: query.periodSeconds,
        start: query.start,
        end: query.end,
      });
      if (options.metricsError) throw options.metricsError;
      const series: MetricSeries[] = query.queries.map((q) => ({
        id: q.id,
        points: (usage.get(q.modelId)?.[q.metric] ?? []).filter(
          (p) => p.at.getTime() >= query.start.getTime() && p.at.getTime() < query.end.getTime(),
        ),
      }));
      return { series, requests: Math.ceil(query.queries.length / 500) };
    },
  };
  const bedrock: BedrockControlPlane = {
    listProvisionedThroughputs: async () => {
      calls.lists += 1;
      if (options.listError) throw options.listError;
      // `deleted` ones exist at the first listing only (deleted while the scan runs).
      return throughputs
        .filter((t) => calls.lists === 1 || !options.deleted?.includes(t.arn))
        .map((t) => ({ ...t }));
    },
    listInferenceProfiles: async () => [],
    ...(options.noGet
      ? {}
      : {
          getProvisionedThroughput: async (arn: string) => {
            calls.gets.push(arn);
            if (options.deleted?.includes(arn)) return null;
            return throughputs.find((t) => t.arn === arn) ?? null;
          },
        }),
  };
  return {
    kind: 'aws',
    calls,
    metrics,
    bedrock,
    costs: {
      listServices: async () => ['Amazon Bedrock'],
      getCostForecast: async () => null,
      getCostAndUsage: async (query) => {
        calls.costs.push(query);
        if (options.costError) throw options.costError;
        const rows = (options.billRows ?? fixtureBillRows()).filter(
          (r) => r.start >= query.start && r.start < query.end,
        );
        return { rows, requests: 1 };
      },
    },
  };
}

/** `n` idle no-commit Nova Lite throughputs (the 50-throughput scale test). */
export function manyThroughputs(n: number): ProvisionedThroughput[] {
  return Array.from({ length: n }, (_, i) => ({
    ...THROUGHPUTS.idleNoCommit,
    arn: arnOf(`bulk${String(i).padStart(8, '0')}`),
    name: `bulk-${i}`,
  }));
}

/** An AWS SDK-shaped error (what adapters let through or wrap). */
export function sdkError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * The same fixtures as wire responses: ListProvisionedModelThroughputs (2 pages),
 * GetProvisionedModelThroughput, GetMetricData (answers every query from `fixtureUsage`,
 * paginating every 100,800 datapoints like CloudWatch) and GetCostAndUsage by USAGE_TYPE.
 */
export function wireHandlers(
  options: { throughputs?: ProvisionedThroughput[]; usage?: Map<string, Usage>; deleted?: string[] } = {},
): AwsHandlers {
  const throughputs: ProvisionedThroughput[] = options.throughputs ?? Object.values(THROUGHPUTS);
  const usage = options.usage ?? fixtureUsage();
  const toSummary = (t: ProvisionedThroughput) => ({
    provisionedModelName: t.name,
    provisionedModelArn: t.arn,
    modelArn: t.modelArn,
    desiredModelArn: t.modelArn,
    foundationModelArn: t.foundationModelArn,
    modelUnits: t.modelUnits,
    desiredModelUnits: t.modelUnits,
    status: t.status,
    ...(t.commitment === 'none'
      ? {}
      : { commitmentDuration: t.commitment === '1-month' ? 'OneMonth' : 'SixMonths' }),
    ...(t.commitmentExpiresAt ? { commitmentExpirationTime: t.commitmentExpiresAt } : {}),
    creationTime: t.createdAt,
    lastModifiedTime: t.createdAt,
  });
  const pagesOf = (list: ProvisionedThroughput[]) => {
    const pageSize = Math.max(1, Math.ceil(list.length / 2));
    return [list.slice(0, pageSize), list.slice(pageSize)]
      .filter((p) => p.length)
      .map((p) => ({ provisionedModelSummaries: p.map(toSummary) }));
  };
  let listings = 0;
  const bill = fixtureBillRows();
  return {
    ListProvisionedModelThroughputs: (input: { nextToken?: string }) => {
      const index = input.nextToken ? Number(input.nextToken.replace('page-', '')) : 0;
      if (index === 0) listings += 1;
      // `deleted` ones exist at the first listing only (deleted while the scan runs).
      const pages = pagesOf(throughputs.filter((t) => listings === 1 || !options.deleted?.includes(t.arn)));
      const page = pages[index] ?? { provisionedModelSummaries: [] };
      return index + 1 < pages.length ? { ...page, nextToken: `page-${index + 1}` } : page;
    },
    // Each throughput's tags (the team tag names its owner); untagged ones have none.
    'Bedrock.ListTagsForResource': (input: { resourceARN: string }) => {
      const t = throughputs.find((x) => x.arn === input.resourceARN);
      if (!t) return awsError('ResourceNotFoundException', `${input.resourceARN} not found`, 404);
      return { tags: Object.entries(t.tags ?? {}).map(([key, value]) => ({ key, value })) };
    },
    GetProvisionedModelThroughput: (input: { provisionedModelId: string }) => {
      const t = throughputs.find(
        (x) => x.arn === input.provisionedModelId || x.name === input.provisionedModelId,
      );
      if (!t || options.deleted?.includes(t.arn)) {
        return awsError(
          'ResourceNotFoundException',
          `Provisioned model ${input.provisionedModelId} not found`,
          404,
        );
      }
      return toSummary(t);
    },
    GetMetricData: (input: {
      StartTime: string | number;
      EndTime: string | number;
      MetricDataQueries: {
        Id: string;
        MetricStat: {
          Metric: { MetricName: BedrockMetricName; Dimensions: { Name: string; Value: string }[] };
        };
      }[];
    }) => {
      const start = toDate(input.StartTime).getTime();
      const end = toDate(input.EndTime).getTime();
      return {
        MetricDataResults: input.MetricDataQueries.map((q) => {
          const modelId = q.MetricStat.Metric.Dimensions.find((d) => d.Name === 'ModelId')?.Value ?? '';
          const points = (usage.get(modelId)?.[q.MetricStat.Metric.MetricName] ?? []).filter(
            (p) => p.at.getTime() >= start && p.at.getTime() < end,
          );
          // CloudWatch returns newest first.
          const sorted = [...points].reverse();
          return {
            Id: q.Id,
            Label: q.MetricStat.Metric.MetricName,
            Timestamps: sorted.map((p) => p.at),
            Values: sorted.map((p) => p.value),
            StatusCode: 'Complete',
          };
        }),
        Messages: [],
      };
    },
    // The bill as Cost Explorer answers it (filters, group-bys), from the same rows as facts.
    GetCostAndUsage: costExplorerHandler(billFactsOf(bill), 1000),
    GetDimensionValues: servicesHandler(billFactsOf(bill)),
  };
}

function toDate(value: string | number): Date {
  return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
}

import { describe, expect, it } from 'vitest';
import { addDays, fixedClock } from '../../lib/clock.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec, sumUsd } from '../../lib/money.js';
import type { CostDimension, CostQuery, CostRow, DataSources } from '../../lib/ports.js';

const NOW = '2026-11-18T06:00:00Z';
const TEAM: CostDimension = { type: 'TAG', key: 'team' };
const SERVICE: CostDimension = { type: 'DIMENSION', key: 'SERVICE' };
const USAGE_TYPE: CostDimension = { type: 'DIMENSION', key: 'USAGE_TYPE' };
const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const SONNET_OUTPUT = 'USE1-MP:USE1_OutputTokenCount_Global-Units';

function demo(now = NOW): DataSources {
  return createDemoSources(fixedClock(now));
}

function query(overrides: Partial<CostQuery>): CostQuery {
  return {
    start: '2026-11-09',
    end: '2026-11-16',
    granularity: 'MONTHLY',
    groupBy: [],
    services: [],
    metric: 'UnblendedCost',
    ...overrides,
  };
}

const total = (rows: CostRow[]) => sumUsd(rows.map((r) => r.amount));
const find = (rows: CostRow[], ...keys: string[]) => rows.find((r) => keys.every((k, i) => r.keys[i] === k));

describe('demo account: the bill', () => {
  it('gives the same numbers from two instances and for the same day under another "now" of that week', async () => {
    // Prepare
    const a = demo();
    const b = demo();
    const later = demo('2026-11-20T15:30:00Z');
    const q = query({
      start: '2026-11-01',
      end: '2026-11-16',
      granularity: 'DAILY',
      groupBy: [TEAM, USAGE_TYPE],
    });
    // Act
    const [ra, rb, rl] = await Promise.all([
      a.costs.getCostAndUsage(q),
      b.costs.getCostAndUsage(q),
      later.costs.getCostAndUsage(q),
    ]);
    // Assess
    const flat = (rows: CostRow[]) => rows.map((r) => `${r.start} ${r.keys.join('/')} ${r.amount.toFixed()}`);
    expect(flat(ra.rows)).toEqual(flat(rb.rows));
    expect(flat(rl.rows)).toEqual(flat(ra.rows));
    expect(ra.rows.length).toBeGreaterThan(100);
  });

  it('reconciles to the exact cent across groupings', async () => {
    const s = demo();
    const base = { start: '2026-10-01', end: '2026-11-18', granularity: 'MONTHLY' as const };
    const ungrouped = await s.costs.getCostAndUsage(query({ ...base }));
    const byServiceUsage = await s.costs.getCostAndUsage(query({ ...base, groupBy: [SERVICE, USAGE_TYPE] }));
    const byTeamService = await s.costs.getCostAndUsage(query({ ...base, groupBy: [TEAM, SERVICE] }));
    const daily = await s.costs.getCostAndUsage(query({ ...base, granularity: 'DAILY', groupBy: [TEAM] }));
    expect(total(ungrouped.rows).gt(0)).toBe(true);
    expect(total(byServiceUsage.rows).equals(total(ungrouped.rows))).toBe(true);
    expect(total(byTeamService.rows).equals(total(ungrouped.rows))).toBe(true);
    expect(total(daily.rows).equals(total(ungrouped.rows))).toBe(true);
    // MONTHLY buckets are clipped to the query range.
    expect(ungrouped.rows.map((r) => [r.start, r.end])).toEqual([
      ['2026-10-01', '2026-11-01'],
      ['2026-11-01', '2026-11-18'],
    ]);
    expect(ungrouped.requests).toBe(1);
  });

  it('spends a realistic few hundred to a few thousand dollars a day, less at weekends', async () => {
    const s = demo();
    const { rows } = await s.costs.getCostAndUsage(
      query({ start: '2026-09-07', end: '2026-09-21', granularity: 'DAILY' }),
    );
    expect(rows).toHaveLength(14);
    for (const r of rows) {
      expect(r.amount.toNumber()).toBeGreaterThan(300);
      expect(r.amount.toNumber()).toBeLessThan(3000);
    }
    const weekday = find(rows.filter((r) => r.start === '2026-09-09'))!.amount; // Wednesday
    const sunday = find(rows.filter((r) => r.start === '2026-09-13'))!.amount;
    expect(sunday.lt(weekday.times(0.9))).toBe(true);
  });

  it("shows last week's spike: search's Claude Sonnet 4.5 output tokens about tripled", async () => {
    const s = demo();
    const groupBy = [TEAM, USAGE_TYPE];
    const last = await s.costs.getCostAndUsage(query({ groupBy, services: [SONNET] }));
    const previous = await s.costs.getCostAndUsage(
      query({ start: '2026-11-02', end: '2026-11-09', groupBy, services: [SONNET] }),
    );
    const now = find(last.rows, 'team$search', SONNET_OUTPUT)!;
    const before = find(previous.rows, 'team$search', SONNET_OUTPUT)!;
    expect(now.amount.div(before.amount).toNumber()).toBeGreaterThan(2.3);
    expect(now.quantity.div(before.quantity).toNumber()).toBeGreaterThan(2.3);

    // And it is the largest change of any line of the whole bill.
    const all = [TEAM, USAGE_TYPE] as CostDimension[];
    const a = await s.costs.getCostAndUsage(query({ groupBy: all }));
    const b = await s.costs.getCostAndUsage(query({ start: '2026-11-02', end: '2026-11-09', groupBy: all }));
    const deltas = new Map<string, Dec>();
    for (const r of b.rows) deltas.set(r.keys.join('|'), r.amount.negated());
    for (const r of a.rows)
      deltas.set(r.keys.join('|'), (deltas.get(r.keys.join('|')) ?? new Dec(0)).plus(r.amount));
    const top = [...deltas].sort((x, y) => y[1].abs().comparedTo(x[1].abs()))[0]!;
    expect(top[0]).toBe(`team$search|${SONNET_OUTPUT}`);
  });

  it('reconciles every pair of group-bys, daily against monthly, across a month boundary', async () => {
    const s = demo();
    const dims: CostDimension[] = [
      SERVICE,
      USAGE_TYPE,
      { type: 'DIMENSION', key: 'REGION' },
      { type: 'DIMENSION', key: 'LINKED_ACCOUNT' },
      TEAM,
    ];
    const range = { start: '2026-10-20', end: '2026-11-10', services: [SONNET, 'Amazon Bedrock'] };
    const expected = total((await s.costs.getCostAndUsage(query({ ...range }))).rows);
    for (const a of dims) {
      for (const b of dims) {
        if (a === b) continue;
        for (const granularity of ['DAILY', 'MONTHLY'] as const) {
          const { rows } = await s.costs.getCostAndUsage(query({ ...range, granularity, groupBy: [a, b] }));
          expect(total(rows).equals(expected)).toBe(true);
        }
      }
    }
    const regions = await s.costs.getCostAndUsage(query({ groupBy: [{ type: 'DIMENSION', key: 'REGION' }] }));
    expect(regions.rows.map((r) => r.keys[0])).toEqual(['us-east-1', 'us-west-2']);
  });

  it('tells the model switch and the new team apart in time', async () => {
    const s = demo();
    const september = await s.costs.getCostAndUsage(
      query({ start: '2026-09-01', end: '2026-10-01', groupBy: [TEAM, SERVICE] }),
    );
    const lastWeek = await s.costs.getCostAndUsage(query({ groupBy: [TEAM, SERVICE] }));
    const haiku3 = 'Claude 3 Haiku (Amazon Bedrock Edition)';
    const haiku45 = 'Claude Haiku 4.5 (Amazon Bedrock Edition)';
    expect(find(september.rows, 'team$support-bot', haiku3)?.amount.gt(100)).toBe(true);
    expect(find(september.rows, 'team$support-bot', haiku45)).toBeUndefined();
    expect(find(lastWeek.rows, 'team$support-bot', haiku3)).toBeUndefined();
    expect(find(lastWeek.rows, 'team$support-bot', haiku45)?.amount.gt(100)).toBe(true);
    expect(september.rows.some((r) => r.keys[0] === 'team$legal')).toBe(false);
    expect(lastWeek.rows.some((r) => r.keys[0] === 'team$legal')).toBe(true);
  });

  it('keeps untagged spend as team$ and filters on it with the empty tag value', async () => {
    const s = demo();
    const byTeam = await s.costs.getCostAndUsage(query({ groupBy: [TEAM] }));
    const untagged = find(byTeam.rows, 'team$')!;
    expect(untagged.amount.gt(100)).toBe(true);
    expect(byTeam.rows.map((r) => r.keys[0])).toEqual(
      expect.arrayContaining([
        'team$search',
        'team$support-bot',
        'team$growth',
        'team$data-platform',
        'team$legal',
      ]),
    );
    const filtered = await s.costs.getCostAndUsage(query({ tag: { key: 'team', values: [''] } }));
    expect(total(filtered.rows).equals(untagged.amount)).toBe(true);
    const search = await s.costs.getCostAndUsage(query({ tag: { key: 'team', values: ['search'] } }));
    expect(total(search.rows).equals(find(byTeam.rows, 'team$search')!.amount)).toBe(true);
  });

  it('carries the team in whatever tag key TEAM_TAG_KEY names, and nothing in other keys', async () => {
    const s = createDemoSources(fixedClock(NOW), { teamTagKey: 'cost-center' });
    const byCostCenter = await s.costs.getCostAndUsage(
      query({ groupBy: [{ type: 'TAG', key: 'cost-center' }] }),
    );
    expect(byCostCenter.rows.map((r) => r.keys[0])).toContain('cost-center$search');
    const byTeam = await s.costs.getCostAndUsage(query({ groupBy: [TEAM] }));
    expect(byTeam.rows.map((r) => r.keys[0])).toEqual(['team$']);
    const profiles = await s.bedrock.listInferenceProfiles();
    expect(profiles.find((p) => p.name === 'search-sonnet-4-5')?.tags).toEqual({ 'cost-center': 'search' });
  });

  it('names Marketplace and Amazon Bedrock usage types the way Cost Explorer does', async () => {
    const s = demo();
    const { rows } = await s.costs.getCostAndUsage(query({ groupBy: [SERVICE, USAGE_TYPE] }));
    const mp = rows.filter((r) => r.keys[0]?.endsWith('(Amazon Bedrock Edition)'));
    expect(mp.length).toBeGreaterThan(5);
    for (const r of mp) {
      expect(r.keys[1]).toMatch(
        /^USE1-MP:USE1_(InputTokenCount|OutputTokenCount|CacheReadInputTokenCount|CacheWriteInputTokenCount)(_Global|_Batch)?-Units$/,
      );
    }
    const usageTypes = rows.map((r) => r.keys[1]);
    expect(usageTypes).toEqual(
      expect.arrayContaining([
        'USE1-MP:USE1_InputTokenCount-Units',
        'USE1-MP:USE1_InputTokenCount_Batch-Units',
        'USE1-MP:USE1_CacheReadInputTokenCount_Global-Units',
        'USE1-NovaPro-input-tokens',
        'USE1-NovaLite-output-tokens',
        'USW2-NovaMicro-input-tokens-batch',
        'USE1-Llama3-1-70B-input-tokens',
        'USE1-TitanEmbeddingV2-Text-input-tokens',
        'USE1-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits',
        'USE1-Guardrail-ContentPolicyUnitsConsumed',
        'USE1-IndexingOCU',
        'USE1-SearchOCU',
      ]),
    );
    // cost / quantity is the unit price: $15 per million output tokens, $60.50 per model-unit hour.
    const sonnetOut = find(rows, SONNET, SONNET_OUTPUT)!;
    expect(sonnetOut.amount.div(sonnetOut.quantity).toFixed()).toBe('15');
    const pt = find(rows, 'Amazon Bedrock', 'USE1-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits')!;
    expect(pt.amount.div(pt.quantity).toFixed()).toBe('60.5');
    expect(pt.quantity.toNumber()).toBe(10); // created Sunday Nov 15 14:00 UTC: 10 hours that week
    const ocu = find(rows, 'Amazon OpenSearch Service', 'USE1-IndexingOCU')!;
    expect(ocu.amount.toFixed(2)).toBe('80.64'); // 2 OCUs x 24 h x 7 days x $0.24
  });

  it('lags like Cost Explorer: estimated last 48 hours, a partial today, nothing later or before the window', async () => {
    const s = demo();
    const { rows } = await s.costs.getCostAndUsage(
      query({ start: '2026-08-18', end: '2026-11-25', granularity: 'DAILY' }),
    );
    const days = rows.map((r) => r.start);
    expect(days[0]).toBe('2026-08-20'); // 90 complete days before today
    expect(days.at(-1)).toBe('2026-11-18');
    expect(rows.filter((r) => r.estimated).map((r) => r.start)).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
    ]);
    const today = rows.at(-1)!.amount;
    const yesterday = rows.at(-2)!.amount;
    expect(today.lt(yesterday.div(4))).toBe(true);
  });

  it('shows credits only when the Credit record type is asked for', async () => {
    const s = demo();
    const usage = await s.costs.getCostAndUsage(
      query({ groupBy: [{ type: 'DIMENSION', key: 'RECORD_TYPE' }] }),
    );
    expect(usage.rows.map((r) => r.keys[0])).toEqual(['Usage']);
    const both = await s.costs.getCostAndUsage(
      query({ groupBy: [{ type: 'DIMENSION', key: 'RECORD_TYPE' }], recordTypes: ['Usage', 'Credit'] }),
    );
    const credit = find(both.rows, 'Credit')!;
    expect(credit.amount.isNegative()).toBe(true);
    expect(credit.amount.abs().lt(find(both.rows, 'Usage')!.amount.div(10))).toBe(true);
  });

  it('lists non-Bedrock services too, so spend code must filter', async () => {
    const services = await demo().costs.listServices({ start: '2026-11-01', end: '2026-11-18' });
    expect(services).toEqual(
      expect.arrayContaining([
        'Amazon Bedrock',
        SONNET,
        'Claude Haiku 4.5 (Amazon Bedrock Edition)',
        'Claude 3 Haiku (Amazon Bedrock Edition)',
        'Amazon OpenSearch Service',
        'Amazon Elastic Compute Cloud - Compute',
        'AWS Lambda',
      ]),
    );
  });

  it('forecasts the rest of the month from the recent run-rate, with a range', async () => {
    const s = demo();
    const f = await s.costs.getCostForecast({
      start: '2026-11-18',
      end: '2026-12-01',
      services: [],
      metric: 'UnblendedCost',
    });
    const lastWeek = total((await s.costs.getCostAndUsage(query({}))).rows);
    expect(f).not.toBeNull();
    const perDay = f!.total.div(13);
    expect(perDay.div(lastWeek.div(7)).toNumber()).toBeGreaterThan(0.85);
    expect(perDay.div(lastWeek.div(7)).toNumber()).toBeLessThan(1.2);
    expect(f!.low!.lt(f!.total) && f!.high!.gt(f!.total)).toBe(true);
  });
});

describe('demo account: metrics and control plane', () => {
  it('has no invocation metrics for the idle provisioned throughput, and some for the busy one', async () => {
    const s = demo();
    const pts = await s.bedrock.listProvisionedThroughputs();
    const idle = pts.find((p) => p.name === 'nova-lite-test')!;
    const busy = pts.find((p) => p.name === 'llama-ft-support')!;
    expect(idle).toMatchObject({ modelUnits: 1, commitment: 'none', status: 'InService' });
    expect(idle.arn).toMatch(/^arn:aws:bedrock:us-east-1:123456789012:provisioned-model\/[a-z0-9]{12}$/);
    expect(busy.commitment).toBe('6-month');
    expect(busy.commitmentExpiresAt! > NOW).toBe(true);
    const ids = await s.metrics.listModelIds();
    expect(ids).not.toContain(idle.arn);
    expect(ids).toContain(busy.arn);
    const { series } = await s.metrics.getMetricSums({
      start: new Date('2026-11-15T06:00:00Z'),
      end: new Date(NOW),
      periodSeconds: 3600,
      queries: [
        { id: 'idle', metric: 'Invocations', modelId: idle.arn },
        { id: 'busy', metric: 'Invocations', modelId: busy.arn },
      ],
    });
    expect(series[0]!.points).toEqual([]);
    expect(series[1]!.points.length).toBeGreaterThan(48);
  });

  it('lists tagged application profiles for each team and the system profiles', async () => {
    const profiles = await demo().bedrock.listInferenceProfiles();
    const teams = new Set(profiles.filter((p) => p.type === 'APPLICATION').map((p) => p.tags.team));
    // data-platform only runs batch jobs, which need no profile.
    expect([...teams].sort()).toEqual(['growth', 'legal', 'search', 'support-bot']);
    expect(profiles.map((p) => p.id)).toEqual(
      expect.arrayContaining([
        'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      ]),
    );
    for (const p of profiles.filter((x) => x.type === 'APPLICATION')) {
      expect(p.arn).toMatch(
        /^arn:aws:bedrock:us-east-1:123456789012:application-inference-profile\/[a-z0-9]{12}$/,
      );
      expect(p.modelArns.length).toBeGreaterThan(0);
    }
  });

  it("prices yesterday's metric tokens at list price to the bill's amount", async () => {
    const s = demo();
    const profiles = await s.bedrock.listInferenceProfiles();
    const searchSonnet = profiles.find((p) => p.name === 'search-sonnet-4-5')!;
    const day = '2026-11-12';
    const metricNames = [
      'InputTokenCount',
      'OutputTokenCount',
      'CacheReadInputTokenCount',
      'CacheWriteInputTokenCount',
    ] as const;
    const { series } = await s.metrics.getMetricSums({
      start: new Date(`${day}T00:00:00Z`),
      end: new Date(`${addDays(day, 1)}T00:00:00Z`),
      periodSeconds: 86400,
      queries: metricNames.map((metric, i) => ({ id: `m${i}`, metric, modelId: searchSonnet.arn })),
    });
    const tokens = series.map((x) => x.points[0]?.value ?? 0);
    const perMillion = ['3', '15', '0.30', '3.75'];
    const estimate = sumUsd(tokens.map((t, i) => new Dec(t).div(1_000_000).times(perMillion[i]!)));
    const bill = await s.costs.getCostAndUsage(
      query({
        start: day,
        end: addDays(day, 1),
        services: [SONNET],
        tag: { key: 'team', values: ['search'] },
      }),
    );
    const billed = total(bill.rows);
    expect(estimate.minus(billed).abs().lt(billed.times(0.01))).toBe(true);
  });

  it('honours the period: 60 s, 300 s, 1 h and 1 day sums agree, and stop five minutes before now', async () => {
    const s = demo();
    const modelId = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
    const sums = async (periodSeconds: number, start: string, end: string) => {
      const { series } = await s.metrics.getMetricSums({
        start: new Date(start),
        end: new Date(end),
        periodSeconds,
        queries: [{ id: 'out', metric: 'OutputTokenCount', modelId }],
      });
      return series[0]!.points;
    };
    const day = ['2026-11-17T00:00:00Z', '2026-11-18T00:00:00Z'] as const;
    const totals = await Promise.all([60, 300, 3600, 86400].map((p) => sums(p, ...day)));
    const values = totals.map((points) => points.reduce((a, p) => a + p.value, 0));
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBeGreaterThan(0);
    expect(totals[2]!.length).toBeLessThanOrEqual(24);
    const today = await sums(60, '2026-11-18T00:00:00Z', '2026-11-18T12:00:00Z');
    expect(today.length).toBeGreaterThan(0);
    expect(today.at(-1)!.at.getTime()).toBeLessThan(new Date(NOW).getTime() - 4 * 60_000);
    const hourly = await sums(3600, '2026-11-18T00:00:00Z', '2026-11-18T12:00:00Z');
    expect(hourly.every((p) => p.at < new Date(NOW))).toBe(true);
  });

  it('lists only model IDs with data in the last two weeks, like ListMetrics', async () => {
    const s = demo();
    const ids = await s.metrics.listModelIds();
    const profiles = await s.bedrock.listInferenceProfiles();
    const arnOf = (name: string) => profiles.find((p) => p.name === name)!.arn;
    // support-bot moved off Claude 3 Haiku in October: its old profile has gone quiet.
    expect(ids).not.toContain(arnOf('support-bot-haiku-3'));
    expect(ids).toContain(arnOf('support-bot-haiku-4-5'));
    expect(ids).toContain('global.anthropic.claude-sonnet-4-5-20250929-v1:0');
    // growth calls its Llama profile by its bare ID, not its ARN.
    expect(ids).toContain(profiles.find((p) => p.name === 'growth-llama-3-1-70b')!.id);
  });

  it('keeps 1-minute datapoints for 15 days only, hourly ones for the whole window', async () => {
    const s = demo();
    const at = async (periodSeconds: number) => {
      const { series } = await s.metrics.getMetricSums({
        start: new Date('2026-10-20T00:00:00Z'),
        end: new Date('2026-10-21T00:00:00Z'),
        periodSeconds,
        queries: [{ id: 'calls', metric: 'Invocations', modelId: 'amazon.nova-micro-v1:0' }],
      });
      return series[0]!.points.length;
    };
    expect(await at(60)).toBe(0);
    expect(await at(3600)).toBeGreaterThan(12);
  });
});

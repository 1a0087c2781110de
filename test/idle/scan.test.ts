import { describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { buildIdleReply } from '../../lib/idle/idle-reply.js';
import {
  type IdleScanOptions,
  prettyModelName,
  scanIdleThroughputs,
  toIdleData,
} from '../../lib/idle/scan.js';
import { usd } from '../../lib/money.js';
import { fakeSources, manyThroughputs, NOW, sdkError, THROUGHPUTS, WOKE_UP_AT } from './idle-fixtures.js';

const options = (extra: Partial<IdleScanOptions> = {}): IdleScanOptions => ({
  now: NOW,
  hours: 24,
  costMetric: 'UnblendedCost',
  ...extra,
});

async function scan(
  sourceOptions: Parameters<typeof fakeSources>[0] = {},
  extra: Partial<IdleScanOptions> = {},
) {
  const sources = fakeSources(sourceOptions);
  const result = await scanIdleThroughputs(sources, options(extra));
  const data = toIdleData(result);
  const byName = (name: string) => data.throughputs.find((t) => t.name === name);
  return { sources, result, data, byName, text: renderText(buildIdleReply(result, NOW, 'aws')) };
}

describe('scanIdleThroughputs', () => {
  it('flags the idle no-commitment throughput with its cost from the bill and a delete recommendation', async () => {
    const { byName, data } = await scan();
    expect(byName('nova-lite-test')).toMatchObject({
      state: 'idle',
      commitment: 'none',
      invocations: 0,
      idleHours: 24,
      hourlyUsd: 60.5,
      hourlyCostSource: 'bill',
      wastedUsd: 1452,
      savesPerDayUsd: 1452,
      recommendation: 'Delete it to save $1,452 a day.',
    });
    expect(data.idleCount).toBe(2);
  });

  it('tells a committed idle throughput to take a workload and not renew, with the end date', async () => {
    const { byName } = await scan();
    const t = byName('llama-ft-support');
    expect(t).toMatchObject({
      state: 'idle',
      commitment: '6-month',
      expiresAt: '2027-02-01T00:00:00.000Z',
      modelName: 'custom Llama 3.1 8B Instruct',
      savesPerDayUsd: 0,
    });
    expect(t?.recommendation).toBe('Committed until Feb 1, 2027: move a workload onto it, and do not renew.');
    // Not on the bill and no list price known: the cost is unknown, never invented.
    expect(t?.hourlyUsd).toBeNull();
  });

  it('keeps a busy throughput out of the findings, reading usage recorded under its short ID', async () => {
    const { byName } = await scan();
    expect(byName('claude-instant-prod')).toMatchObject({
      state: 'in-use',
      invocations: 120 * 24,
      inputTokens: 96_000 * 24,
      outputTokens: 12_000 * 24,
      idleHours: 0,
      hourlyUsd: 79.2,
      hourlyCostSource: 'bill',
      recommendation: 'In use: keep it.',
    });
  });

  it('does not call a throughput idle once it got traffic again, but counts the idle hours before', async () => {
    const { byName } = await scan();
    expect(byName('nova-lite-batchy')).toMatchObject({
      state: 'in-use',
      invocations: 400,
      idleHours: 14,
      wastedUsd: 14 * 60.5,
      lastUsedAt: new Date(NOW.getTime() - 3_600_000).toISOString(),
    });
    // Over 3 days the same traffic is 10 busy hours out of 72: under-used.
    const { byName: byName72 } = await scan({}, { hours: 72 });
    expect(byName72('nova-lite-batchy')).toMatchObject({ state: 'under-used', idleHours: 62 });
    expect(byName72('nova-lite-batchy')?.recommendation).toMatch(
      /^Calls in only 10 of 72 hours: on-demand is likely cheaper/,
    );
    expect(WOKE_UP_AT.toISOString()).toBe('2026-11-17T20:00:00.000Z');
  });

  it('reports a throughput still being created as such, without querying or judging it', async () => {
    const { byName, sources } = await scan();
    expect(byName('nova-lite-next')).toMatchObject({
      state: 'creating',
      status: 'Creating',
      invocations: null,
      idleHours: 0,
      wastedUsd: 0,
    });
    expect(byName('nova-lite-next')?.recommendation).toMatch(/^Still being created/);
    // 4 measured throughputs x 3 metrics x 2 ModelId forms, in ONE call, hourly.
    expect(sources.calls.metrics).toEqual([
      expect.objectContaining({
        queries: 24,
        periodSeconds: 3600,
        start: new Date('2026-11-17T06:00:00Z'),
        end: NOW,
      }),
    ]);
  });

  it('suggests fewer model units when a multi-unit throughput is under-used', async () => {
    const usage = new Map([
      [THROUGHPUTS.busy.arn, { Invocations: [{ at: new Date('2026-11-18T02:00:00Z'), value: 5 }] }],
    ]);
    const { byName } = await scan({ throughputs: [{ ...THROUGHPUTS.busy, commitment: 'none' }], usage });
    expect(byName('claude-instant-prod')).toMatchObject({ state: 'under-used', modelUnits: 2 });
    expect(byName('claude-instant-prod')?.recommendation).toMatch(/try fewer model units \(1 instead of 2\)/);
  });

  it('answers briefly when nothing is idle', async () => {
    const { text, data } = await scan({ throughputs: [THROUGHPUTS.busy] });
    expect(data.idleCount).toBe(0);
    expect(text.split('\n')[0]).toBe('Your provisioned throughput is not idle in the last 24 h.');
    expect(text).not.toContain('Snooze');
  });

  it('says so when the account has no provisioned throughput, without reading metrics or the bill', async () => {
    const { text, sources } = await scan({ throughputs: [] });
    expect(text).toBe('No provisioned throughput in this account: nothing is billed by the hour.');
    expect(sources.calls.metrics).toHaveLength(0);
    expect(sources.calls.costs).toHaveLength(0);
  });

  it('reads the bill by usage type over the last complete days, with the configured cost basis', async () => {
    const { sources } = await scan({}, { costMetric: 'AmortizedCost' });
    expect(sources.calls.costs).toEqual([
      expect.objectContaining({
        start: '2026-11-15',
        end: '2026-11-18',
        groupBy: [{ type: 'DIMENSION', key: 'USAGE_TYPE' }],
        metric: 'AmortizedCost',
      }),
    ]);
  });

  it('falls back to catalog prices when the bill cannot be read, and says so', async () => {
    const catalogRate: IdleScanOptions['catalogRate'] = (modelId, commitment) =>
      modelId === 'amazon.nova-lite-v1:0' && commitment === 'none'
        ? { perModelUnitHour: usd('58.00'), source: 'catalog', basis: 'test' }
        : undefined;
    const { byName, data, text } = await scan(
      { costError: sdkError('AccessDeniedException', 'not authorized to perform ce:GetCostAndUsage') },
      { catalogRate },
    );
    expect(byName('nova-lite-test')).toMatchObject({
      hourlyUsd: 58,
      hourlyCostSource: 'catalog',
      wastedUsd: 1392,
    });
    expect(data.problems.join(' ')).toMatch(/ce:GetCostAndUsage.*missing AWS permission/);
    expect(text).toContain('$58.00/h (catalog)');
    expect(text).toContain('list prices');
  });

  it('drops a throughput deleted between the list and the metrics, and says so', async () => {
    const { data, text, sources } = await scan({ deleted: [THROUGHPUTS.idleNoCommit.arn] });
    expect(data.throughputs.map((t) => t.name)).not.toContain('nova-lite-test');
    expect(data.problems).toContain('nova-lite-test was deleted while I was checking it: nothing to do.');
    expect(text).toContain('nova-lite-test was deleted while I was checking it');
    // One more listing confirms what still exists (not one call per throughput).
    expect(sources.calls.lists).toBe(2);
    expect(sources.calls.gets).toEqual([]);
  });

  it('reports throttled CloudWatch in the answer instead of calling everything idle', async () => {
    const { data, text } = await scan({ metricsError: sdkError('Throttling', 'Rate exceeded') });
    expect(data.idleCount).toBe(0);
    expect(data.throughputs.filter((t) => t.status === 'InService').every((t) => t.state === 'unknown')).toBe(
      true,
    );
    expect(text.split('\n')[0]).toMatch(/^I couldn't read usage, so I can't tell what is idle: .*throttling/);
  });

  it('reports a missing permission to list throughputs in the answer', async () => {
    const { data, text } = await scan({
      listError: sdkError(
        'AccessDeniedException',
        'User is not authorized to perform: bedrock:ListProvisionedModelThroughputs',
      ),
    });
    expect(data.throughputs).toEqual([]);
    expect(text).toMatch(
      /^I couldn't check provisioned throughput: .*bedrock:ListProvisionedModelThroughputs.*missing AWS permission/,
    );
  });

  it('batches 50 throughputs into one metrics call of 300 queries (one GetMetricData request)', async () => {
    const throughputs = manyThroughputs(50);
    const { sources, data } = await scan({ throughputs, usage: new Map() });
    expect(sources.calls.metrics).toHaveLength(1);
    expect(sources.calls.metrics[0]?.queries).toBe(300);
    expect(data.idleCount).toBe(50);
    expect(data.idleWastedUsd).toBe(50 * 1452);
  });
});

describe('buildIdleReply', () => {
  it('reads like the UX example: conclusion, context, one paragraph per idle throughput, snooze buttons', async () => {
    const { result } = await scan({}, { hours: 72 });
    const reply = buildIdleReply(result, NOW, 'aws');
    const text = renderText(reply);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      '2 provisioned throughputs are idle and have cost at least $4,356 in 72 h without a call.',
    );
    expect(lines[1]).toBe(
      'last 72 h to Nov 18 06:00 UTC · invocations from CloudWatch · hourly cost from the bill (Nov 15-17)',
    );
    expect(text).toContain(
      'nova-lite-test · Nova Lite · 1 model unit · no commitment · 0 invocations in 72 h · $60.50/h (from the bill)\nDelete it to save $1,452 a day.',
    );
    expect(text).toContain(
      'llama-ft-support · custom Llama 3.1 8B Instruct · 2 model units · 6-month commitment until Feb 1, 2027 · 0 invocations in 72 h\nCommitted until Feb 1, 2027',
    );
    expect(text).toContain('nova-lite-next · Nova Lite · 1 model unit · no commitment · being created');
    expect(text).toContain('In use: claude-instant-prod (8,640 calls).');
    expect(reply.actions).toEqual([
      {
        id: 'idle_snooze',
        label: 'Snooze nova-lite-test 7 days',
        value: THROUGHPUTS.idleNoCommit.arn,
        command: 'idle snooze nova-lite-test',
      },
      {
        id: 'idle_snooze',
        label: 'Snooze llama-ft-support 7 days',
        value: THROUGHPUTS.idleSixMonth.arn,
        command: 'idle snooze llama-ft-support',
      },
    ]);
  });
});

describe('prettyModelName', () => {
  it.each([
    ['amazon.nova-lite-v1:0', 'Nova Lite'],
    ['meta.llama3-1-8b-instruct-v1:0', 'Llama 3.1 8B Instruct'],
    ['anthropic.claude-instant-v1', 'Claude Instant'],
    ['anthropic.claude-sonnet-4-20250514-v1:0', 'Claude Sonnet 4'],
  ])('%s -> %s', (id, name) => {
    expect(prettyModelName(id)).toBe(name);
  });
});

import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCostExplorerSource } from '../../lib/aws/cost-explorer.js';
import { saveTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { WhyData } from '../../lib/commands/why.js';
import type { Deps } from '../../lib/deps.js';
import { isUserError } from '../../lib/errors.js';
import { silentLog } from '../../lib/log.js';
import { Dec } from '../../lib/money.js';
import { withCaching } from '../../lib/spend/cache.js';
import { billFacts, costExplorerHandler, servicesHandler } from '../spend/bill-fixture.js';
import { type AwsServer, awsError, awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let aws: AwsServer;
let dynamo: TestDynamo;
let restoreEnv: () => void;

beforeAll(async () => {
  const facts = billFacts();
  aws = await startAwsServer({
    GetCostAndUsage: costExplorerHandler(facts, 50),
    GetDimensionValues: servicesHandler(facts),
  });
  dynamo = await startTestDynamo();
  restoreEnv = useEnv(awsTestEnv(aws.endpoint));
});
afterAll(async () => {
  restoreEnv();
  await aws.close();
  await dynamo.close();
});

const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
const run = (deps: Deps, text: string) => executeLine(text, { deps, caller });

describe('why (Cost Explorer at the wire)', () => {
  it('explains last week from the bill, reconciled to the cent, in the UX shape', async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const before = aws.count('GetCostAndUsage');
    const result = await run(deps, 'why last week');
    const data = result.data as WhyData;

    expect(data.current).toMatchObject({ start: '2026-11-09', end: '2026-11-16' });
    expect(data.previous).toMatchObject({ start: '2026-11-02', end: '2026-11-09' });
    expect(Math.round((data.current.totalUsd - data.previous.totalUsd) * 100)).toBe(
      Math.round(data.deltaUsd * 100),
    );
    const cents = data.drivers.reduce((s, d) => s + Math.round(d.deltaUsd * 100), 0);
    expect(cents).toBe(Math.round(data.deltaUsd * 100));
    expect(data.drivers[0]).toMatchObject({
      model: 'Claude Sonnet 4.5',
      tokenClass: 'output',
      team: 'search',
    });
    expect(data.costBasis).toBe('unblended cost, usage only');
    expect(data.headline).toMatch(
      /^Bedrock spend rose \$[\d,]+(\.\d\d)? \(\+\d+%\) last week: Claude Sonnet 4\.5 output tokens for team search/,
    );

    const text = renderText(result.reply);
    expect(text).toContain(
      'Nov 9-15 vs Nov 2-8 · unblended cost, usage only · data as of Nov 18 06:00 UTC (Nov 16-17 provisional)',
    );
    expect(text).toMatch(/Driver +Nov 2-8 +Nov 9-15 +Change +Effect/);
    expect(text).toMatch(/Claude Sonnet 4\.5 · output · search .* volume x2\.\d/);
    expect(data.drivers.find((d) => d.model === 'Llama 3.1 70B')?.effect).toBe('price -27%');
    expect(text).toMatch(/Other \(\d+ lines?\)/);
    expect(text).toContain('Model switch: Team growth moved from Claude 3 Haiku to Claude Haiku 4.5');
    expect(text).toMatch(/Also new: Nova Pro · input \(\+\$[\d.]+\)/);
    expect(text).toMatch(/Unattributed \(no team tag\): \$[\d,.]+, \d+% of the week\./);
    expect(text).toMatch(/Biggest day: \w{3} Nov 1\d, \+\$[\d,.]+ above the usual \w+day\./);
    expect(result.reply.actions?.map((a) => a.label)).toContain('Break down by team');

    // Two grouped queries over both weeks; pages are what Cost Explorer bills.
    const grouped = aws.requestsTo('GetCostAndUsage').slice(before);
    const firstPages = grouped.filter((r) => !r.input.NextPageToken);
    expect(firstPages.map((r) => r.input.GroupBy)).toEqual(
      expect.arrayContaining([
        [
          { Type: 'DIMENSION', Key: 'SERVICE' },
          { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        ],
        [
          { Type: 'TAG', Key: 'team' },
          { Type: 'DIMENSION', Key: 'SERVICE' },
        ],
      ]),
    );
    expect(firstPages).toHaveLength(2);
    expect(data.requests).toBe(grouped.length);
    const filter = JSON.stringify(firstPages[0]!.input.Filter);
    expect(filter).toContain('Claude Sonnet 4.5 (Amazon Bedrock Edition)');
    expect(filter).toContain('"RECORD_TYPE"');
    expect(filter).not.toContain('Amazon Simple Storage Service');
  });

  it('costs no Cost Explorer request when asked again within the cache TTL', async () => {
    const store = await dynamo.newStore();
    await run(testDeps({ store }), 'why last week');
    const ce = () => aws.count('GetCostAndUsage') + aws.count('GetDimensionValues');
    const before = ce();
    const again = await run(testDeps({ store, now: '2026-11-18T07:30:00Z' }), 'why last week');
    expect(ce()).toBe(before);
    expect((again.data as WhyData).requests).toBe(0);
    expect(renderText(again.reply)).toContain('data as of Nov 18 06:00 UTC');
  });

  it('asks for and states the configured cost basis', async () => {
    const deps = testDeps({ store: await dynamo.newStore(), env: { BEDROCK_COST_BASIS: 'amortized' } });
    const before = aws.requestsTo('GetCostAndUsage').length;
    const result = await run(deps, 'why last week');
    expect(aws.requestsTo('GetCostAndUsage').slice(before)[0]!.input.Metrics).toEqual([
      'AmortizedCost',
      'UsageQuantity',
    ]);
    expect((result.data as WhyData).costBasis).toBe('amortized cost, usage only');
    expect(renderText(result.reply)).toContain('amortized cost, usage only');
  });

  it('breaks the change down by team, naming the new team and untagged spend', async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const data = (await run(deps, 'why last week by team')).data as WhyData;
    expect(data.by).toBe('team');
    const labels = data.drivers.map((d) => d.label);
    expect(labels).toEqual(expect.arrayContaining(['search', 'growth', 'legal', 'unattributed']));
    expect(data.drivers.find((d) => d.label === 'legal')?.status).toBe('new');
    expect(data.drivers.reduce((s, d) => s + Math.round(d.deltaUsd * 100), 0)).toBe(
      Math.round(data.deltaUsd * 100),
    );
  });

  it("explains one team's change with its tag filter", async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const before = aws.requestsTo('GetCostAndUsage').length;
    const result = await run(deps, 'why last week team growth');
    const data = result.data as WhyData;
    expect(data.team).toBe('growth');
    expect(data.headline).toMatch(/^Team growth's Bedrock spend/);
    expect(data.drivers.map((d) => d.model)).toEqual(
      expect.arrayContaining(['Claude Haiku 4.5', 'Claude 3 Haiku', 'Llama 3.1 70B']),
    );
    const filtered = aws
      .requestsTo('GetCostAndUsage')
      .slice(before)
      .filter((r) => JSON.stringify(r.input.Filter).includes('"Tags"'));
    expect(filtered.length).toBeGreaterThan(0);
    expect(JSON.stringify(filtered[0]!.input.Filter)).toContain('"Values":["growth"]');
  });

  it("reads the period in the team's time zone and knows a budgeted team before it spends", async () => {
    const store = await dynamo.newStore();
    const actor = { userId: 'cli', now: new Date('2026-11-18T06:00:00Z') };
    const base = { thresholds: [50, 80, 100], owners: [], digest: { weekday: 1, hour: 9 } };
    await saveTeam(
      store,
      { ...base, team: 'search', budgetUsd: new Dec(5000), timeZone: 'Pacific/Auckland' },
      actor,
      undefined,
    );
    await saveTeam(
      store,
      { ...base, team: 'newcomers', budgetUsd: new Dec(100), timeZone: 'UTC' },
      actor,
      undefined,
    );
    // Monday Nov 16, 13:00 UTC is already Tuesday Nov 17 in Auckland: "yesterday" is Nov 16 there.
    const deps = testDeps({ store, now: '2026-11-16T13:00:00Z' });
    const data = (await run(deps, 'why yesterday team search')).data as WhyData;
    expect(data.current).toMatchObject({ start: '2026-11-16', end: '2026-11-17' });
    const empty = (await run(deps, 'why last week team newcomers')).data as WhyData;
    expect(empty).toMatchObject({ team: 'newcomers', deltaUsd: 0, drivers: [] });
  });

  it('answers bad periods and unknown teams with one clear line', async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const failures = await Promise.all(
      [
        'why 2026-12',
        'why 2026-10-15..2026-10-01',
        'why 2025-06',
        'why last week team serch',
        'why last week by colour',
      ].map((text) =>
        run(deps, text).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    expect(failures.every(isUserError)).toBe(true);
    const messages = failures.map((e) => (e as Error).message);
    expect(messages[0]).toMatch(/future/);
    expect(messages[1]).toMatch(/ends before it starts/);
    expect(messages[2]).toMatch(/13 months/);
    expect(messages[3]).toMatch(/Did you mean: search/);
    expect(messages[4]).toMatch(/by model or by team/);
  });
});

describe('why when Cost Explorer throttles', () => {
  it('answers from the older cached answer and says how old it is, else asks to try again in a minute', async () => {
    const facts = billFacts();
    const server = await startAwsServer({
      GetCostAndUsage: costExplorerHandler(facts, 50),
      GetDimensionValues: servicesHandler(facts),
    });
    try {
      const store = await dynamo.newStore();
      // The real adapter with short backoff, behind the real cache (as deps.ts wires it).
      const sourcesAt = (now: string) => {
        const costs = createCostExplorerSource(
          new CostExplorerClient(server.clientConfig({ maxAttempts: 1 })),
          {
            retryDelaysMs: [1, 1],
          },
        );
        const raw = { kind: 'aws' as const, costs, metrics: {} as never, bedrock: {} as never };
        return withCaching(raw, {
          store,
          clock: fixedClock(now),
          log: silentLog,
          ttlMinutes: 60,
          dailyCap: 500,
        });
      };
      const at = (now: string) => testDeps({ store, now, sources: sourcesAt(now) });
      const fresh = await run(at('2026-11-18T06:00:00Z'), 'why last week');
      server.handle('GetCostAndUsage', awsError('LimitExceededException', 'Rate exceeded'));
      server.handle('GetDimensionValues', awsError('LimitExceededException', 'Rate exceeded'));
      const later = await run(at('2026-11-18T11:00:00Z'), 'why last week');
      expect({ ...(later.data as WhyData), requests: 0 }).toEqual({
        ...(fresh.data as WhyData),
        requests: 0,
      });
      expect(renderText(later.reply)).toContain(
        'Cost Explorer is busy: this answer is from the cache, 5 h old',
      );
      const other = await run(at('2026-11-18T11:00:00Z'), 'why last month').catch((e: unknown) => e);
      expect(isUserError(other)).toBe(true);
      expect((other as Error).message).toMatch(/try again in a minute/);
    } finally {
      await server.close();
    }
  });
});

describe('spend (Cost Explorer at the wire)', () => {
  it('shows spend by team with untagged spend as "unattributed", shares and totals that add up', async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const result = await run(deps, 'spend last week by team');
    const data = result.data as {
      totalUsd: number;
      groups: { key: string; usd: number; share: number }[];
      groupBy: string;
    };
    expect(data.groupBy).toBe('team');
    expect(data.groups.map((g) => g.key)).toEqual(
      expect.arrayContaining(['search', 'growth', 'legal', 'unattributed']),
    );
    expect(data.groups.reduce((s, g) => s + Math.round(g.usd * 100), 0)).toBe(
      Math.round(data.totalUsd * 100),
    );
    expect(renderText(result.reply)).toContain('unattributed (no team tag)');
  });

  it('groups by model using Marketplace service names and usage-type tokens', async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const data = (await run(deps, 'spend last week')).data as { groups: { label: string }[] };
    expect(data.groups.map((g) => g.label)).toEqual(
      expect.arrayContaining([
        'Claude Sonnet 4.5',
        'Claude Haiku 4.5',
        'Llama 3.1 70B',
        'Nova Pro',
        'Nova Micro',
        'Guardrails',
      ]),
    );
    expect(data.groups.some((g) => g.label.startsWith('Knowledge Bases'))).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { WhyData } from '../../lib/commands/why.js';
import type { Deps } from '../../lib/context.js';
import { isUserError } from '../../lib/errors.js';
import { syncLedger } from '../../lib/ledger/sync.js';
import { Dec } from '../../lib/money.js';
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
    // A day still in progress in UTC is compared hour for hour from the token metrics: none here.
    ListMetrics: { Metrics: [] },
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
  it("answers a day older than the ledger keeps (but inside the bill's 13 months) from the bill at once", async () => {
    // At Nov 18 the ledger starts Dec 1 2025; Cost Explorer still has Oct 18 2025 on.
    const deps = testDeps({ store: await dynamo.newStore() });
    const before = { ce: aws.count('GetCostAndUsage'), services: aws.count('GetDimensionValues') };
    const result = await run(deps, 'spend 2025-10-20');
    // The bill had no Bedrock service that day: $0, from one listing of the bill's services,
    // not a sync that could never cover the day (retried for seconds, then "being filled").
    expect(result.data).toMatchObject({ period: { start: '2025-10-20', end: '2025-10-21' }, totalUsd: 0 });
    expect(aws.count('GetDimensionValues') - before.services).toBe(1);
    expect(aws.count('GetCostAndUsage') - before.ce).toBe(0);
  });

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
    expect(text).toMatch(/Also new: Nova Pro · input · legal \(\+\$[\d.]+\)/);
    expect(text).toMatch(/Unattributed \(no team tag\): \$[\d,.]+, \d+% of the week\./);
    expect(text).toMatch(/Biggest day: \w{3} Nov 1\d, \+\$[\d,.]+ above the usual \w+day\./);
    expect(result.reply.actions?.map((a) => a.label)).toContain('Break down by team');

    // The first question filled the ledger: per Bedrock-related service one query grouped by
    // usage type and team tag, plus one for the linked accounts; pages are what is billed.
    const grouped = aws.requestsTo('GetCostAndUsage').slice(before);
    const firstPages = grouped.filter((r) => !r.input.NextPageToken);
    const perService = firstPages.filter((r) => JSON.stringify(r.input.GroupBy).includes('USAGE_TYPE'));
    expect(perService.length).toBe(firstPages.length - 1);
    for (const r of perService) {
      expect(r.input.GroupBy).toEqual([
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        { Type: 'TAG', Key: 'team' },
      ]);
      expect(r.input.Granularity).toBe('DAILY');
    }
    const services = perService.map((r) => JSON.stringify(r.input.Filter));
    expect(services.some((f) => f.includes('Claude Sonnet 4.5 (Amazon Bedrock Edition)'))).toBe(true);
    expect(services.every((f) => f.includes('"RECORD_TYPE"'))).toBe(true);
    expect(services.some((f) => f.includes('Amazon Simple Storage Service'))).toBe(false);
    expect(data.requests).toBe(grouped.length + 1);
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

  it("explains one team's change with the team's own rows of the bill", async () => {
    const deps = testDeps({ store: await dynamo.newStore() });
    const result = await run(deps, 'why last week team growth');
    const data = result.data as WhyData;
    expect(data.team).toBe('growth');
    expect(data.headline).toMatch(/^Team growth's Bedrock spend/);
    expect(data.headline).not.toContain('for team growth');
    expect(data.drivers.map((d) => d.model)).toEqual(
      expect.arrayContaining(['Claude Haiku 4.5', 'Claude 3 Haiku', 'Llama 3.1 70B']),
    );
    // Team-filtered equals the unfiltered answer's row for the team, to the cent.
    const byTeam = (await run(deps, 'spend last week by team')).data as {
      groups: { key: string; usd: number }[];
    };
    expect(data.current.totalUsd).toBe(byTeam.groups.find((g) => g.key === 'growth')?.usd);
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

  it("compares a team's week so far with the same days of the week asked, in the team's time zone", async () => {
    const store = await dynamo.newStore();
    const actor = { userId: 'cli', now: new Date('2026-11-18T06:00:00Z') };
    const base = { thresholds: [50, 80, 100], owners: [], digest: { weekday: 1, hour: 9 } };
    await saveTeam(
      store,
      { ...base, team: 'search', budgetUsd: new Dec(5000), timeZone: 'Pacific/Auckland' },
      actor,
      undefined,
    );
    // Wednesday Nov 18, 06:00 UTC is 19:00 in Auckland: this week so far is Mon-Tue there.
    const deps = testDeps({ store, now: '2026-11-18T06:00:00Z' });
    const result = await run(deps, 'why this week vs last week team search');
    const data = result.data as WhyData;
    expect(data.current).toMatchObject({ start: '2026-11-16', end: '2026-11-18' });
    // The same two days of last week, never the whole week against two days.
    expect(data.previous).toMatchObject({ start: '2026-11-09', end: '2026-11-11' });
    // Follow-ups name the periods as asked, so they compare the same way when pressed.
    expect(result.reply.actions?.map((a) => a.value)).toContain('spend this week by usage team search');
    const all = await run(deps, 'why this week vs last week');
    expect(all.reply.actions?.map((a) => a.value)).toContain('why this week vs last week by team');
  });

  it("words its buttons as the period was typed, which read again give the team's same days", async () => {
    const store = await dynamo.newStore();
    const actor = { userId: 'cli', now: new Date('2026-11-18T06:00:00Z') };
    const base = { thresholds: [50, 80, 100], owners: [], digest: { weekday: 1, hour: 9 } };
    await saveTeam(
      store,
      { ...base, team: 'search', budgetUsd: new Dec(5000), timeZone: 'Pacific/Auckland' },
      actor,
      undefined,
    );
    const deps = testDeps({ store, now: '2026-11-18T06:00:00Z' });
    for (const [typed, words] of [
      ['2026-11-10', '2026-11-10'],
      ['2026-W46', '2026-W46'],
      ['nov', '2026-11'],
      ['2026-11-09 to 2026-11-12', '2026-11-09..2026-11-12'],
      ['7d', '7d'],
      ['this month', 'mtd'],
    ]) {
      const spend = await run(deps, `spend ${typed} team search`);
      const why = spend.reply.actions?.find((a) => a.label === 'Why did it change?');
      expect(why?.value).toBe(`why ${words} team search`);
      const again = await run(deps, `spend ${words} team search`);
      expect((again.data as { period: unknown }).period).toEqual((spend.data as { period: unknown }).period);
    }
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
  it('answers from the ledger with its age when a sync fails, loses nothing, and catches up later', async () => {
    const facts = billFacts();
    const server = await startAwsServer({
      GetCostAndUsage: costExplorerHandler(facts, 50),
      GetDimensionValues: servicesHandler(facts),
    });
    try {
      const store = await dynamo.newStore();
      const restore = useEnv(awsTestEnv(server.endpoint));
      try {
        const at = (now: string) => testDeps({ store, now });
        const fresh = await run(at('2026-11-18T06:00:00Z'), 'why last week');
        server.handle('GetCostAndUsage', awsError('LimitExceededException', 'Rate exceeded'));
        server.handle('GetDimensionValues', awsError('LimitExceededException', 'Rate exceeded'));
        // The scheduled sync a day later cannot read the bill: it says so and keeps every day.
        const later = at('2026-11-19T11:00:00Z');
        const { context, bill } = await later.ledger();
        const failed = await syncLedger(context, bill, { trigger: 'schedule' });
        expect(failed.reason).toBe('failed');
        const answer = await run(later, 'why last week');
        expect({ ...(answer.data as WhyData), requests: 0, dataAsOf: '' }).toEqual({
          ...(fresh.data as WhyData),
          requests: 0,
          dataAsOf: '',
        });
        expect(renderText(answer.reply)).toContain('bill data 29 h old: the ledger has not synced since');
        // The next sync catches up once Cost Explorer answers again.
        server.handle('GetCostAndUsage', costExplorerHandler(facts, 50));
        server.handle('GetDimensionValues', servicesHandler(facts));
        const ok = await syncLedger(context, bill, { trigger: 'schedule' });
        expect(ok.reason).toBe('synced');
        expect(renderText((await run(later, 'why last week')).reply)).not.toContain('has not synced since');
      } finally {
        restore();
      }
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
    // Each group is rounded on its own, so the rows add up to the total within half a cent a row.
    const sum = data.groups.reduce((s, g) => s + Math.round(g.usd * 100), 0);
    expect(Math.abs(sum - Math.round(data.totalUsd * 100))).toBeLessThanOrEqual(data.groups.length / 2);
    // A team's row is the team-filtered answer's total, to the cent.
    for (const team of ['search', 'growth', 'legal']) {
      const filtered = (await run(deps, `spend last week team ${team}`)).data as { totalUsd: number };
      expect(data.groups.find((g) => g.key === team)?.usd).toBe(filtered.totalUsd);
    }
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

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getTeam, listTeams } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { budgetCommand, parseBudgetWords } from '../../lib/commands/budget.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { CommandContext } from '../../lib/commands/types.js';
import type { Deps } from '../../lib/context.js';
import { ForbiddenError, ParseError } from '../../lib/errors.js';
import type { Caller } from '../../lib/reply/caller.js';
import type { Store } from '../../lib/store/store.js';
import { BEDROCK, type FakeBill, fakeBill, SONNET } from '../budgets/fake-bill.js';
import { listAudit } from '../support/audit.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const ADMIN: Caller = { platform: 'slack', userId: 'UADMIN001', isAdmin: true, channelId: 'C0SEARCH01' };
const ALICE: Caller = { platform: 'slack', userId: 'UALICE001', isAdmin: false, channelId: 'C0SEARCH01' };
const MALLORY: Caller = { platform: 'slack', userId: 'UMALLORY1', isAdmin: false };

let dynamo: TestDynamo;
let store: Store;
let bill: FakeBill;
let deps: Deps;

beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());
beforeEach(async () => {
  store = await dynamo.newStore();
  bill = fakeBill();
  deps = testDeps({ store, sources: bill.sources, env: { ADMIN_USER_IDS: 'UADMIN001' } });
});

const run = (text: string, caller: Caller = ADMIN) =>
  executeLine(text, { deps, caller } satisfies CommandContext);

describe('budget set', () => {
  it('creates a team budget with defaults, answers at once, and audits the change', async () => {
    const result = await run('budget set search $5,000 channel #C0123ABCD');
    expect(result.command).toBe('budget');
    expect(result.data).toEqual({
      action: 'set',
      teams: [
        {
          team: 'search',
          budgetUsd: 5000,
          thresholds: [50, 80, 100],
          channel: 'C0123ABCD',
          timeZone: 'UTC',
          owners: [],
          digest: { weekday: 1, hour: 9 },
        },
      ],
    });
    expect(renderText(result.reply)).toContain('search now has a Bedrock budget of $5,000 a month.');
    expect(budgetCommand.isSlow?.(parseBudgetWords(['set', 'search', '5000']))).toBe(false);
    expect(budgetCommand.isSlow?.(parseBudgetWords(['search']))).toBe(true);
    const audit = await listAudit(store, 'search');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'set',
      userId: 'UADMIN001',
      new: { budgetUsd: '5000', target: 'slack:C0123ABCD' },
    });
    expect(audit[0]?.old).toBeUndefined();
  });

  it('changes only what is given, keeps the rest, and records old and new', async () => {
    await run('budget set search 5000 channel C0123ABCD owner @UALICE001');
    const result = await run('budget set search 5k thresholds 80,50,100,120 tz europe/berlin');
    expect(renderText(result.reply)).toContain('Updated the search budget settings (still $5,000 a month).');
    const changed = await run('budget set search 7500.50');
    expect(renderText(changed.reply)).toContain(
      'The search Bedrock budget is now $7,500.50 a month (was $5,000).',
    );
    const profile = await getTeam(store, 'search');
    expect(profile).toMatchObject({
      thresholds: [50, 80, 100, 120],
      timeZone: 'Europe/Berlin',
      owners: ['UALICE001'],
      target: { kind: 'slack', channel: 'C0123ABCD' },
      version: 3,
    });
    expect(profile?.budgetUsd.toFixed()).toBe('7500.5');
    const audit = await listAudit(store, 'search');
    expect(audit).toHaveLength(3);
    expect(audit.map((a) => [a.old?.budgetUsd, a.new?.budgetUsd])).toContainEqual(['5000', '7500.5']);
  });

  it('sends alerts to the channel the command came from when none is given', async () => {
    await run('budget set search 5000');
    expect((await getTeam(store, 'search'))?.target).toEqual({ kind: 'slack', channel: 'C0SEARCH01' });
  });

  it('keeps a Teams webhook URL out of the answer, the data and the audit', async () => {
    const url =
      'https://prod-42.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=TOPSECRET';
    const result = await run(`budget set legal 800 webhook ${url}`);
    const everything = JSON.stringify({ data: result.data, text: renderText(result.reply) });
    expect(everything).not.toContain('TOPSECRET');
    expect(everything).toContain('prod-42.westeurope.logic.azure.com');
    expect(JSON.stringify(await listAudit(store, 'legal'))).not.toContain('TOPSECRET');
    expect((await getTeam(store, 'legal'))?.target).toEqual({ kind: 'teams', webhookUrl: url });
  });

  it('refuses non-admins politely and writes nothing', async () => {
    const error = await run('budget set search 5000 channel C0123ABCD', MALLORY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as Error).message).toBe(
      "Only budget admins and the team's owners can change the search budget.",
    );
    expect(await listTeams(store)).toEqual([]);
    expect(await listAudit(store, 'search')).toEqual([]);
  });

  it("lets the team's owners change it, but not other teams' budgets", async () => {
    await run('budget set search 5000 owner @UALICE001');
    await run('budget set growth 9000');
    await run('budget set search 6000', ALICE);
    expect((await getTeam(store, 'search'))?.budgetUsd.toFixed()).toBe('6000');
    await expect(run('budget set growth 1', ALICE)).rejects.toThrow(/can change the growth budget/);
    await expect(run('budget delete growth', ALICE)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await getTeam(store, 'growth'))?.budgetUsd.toFixed()).toBe('9000');
  });

  it('explains the accepted form for malformed input', async () => {
    const cases: [string, RegExp][] = [
      [
        'budget set search lots',
        /^"budget set" takes an amount in dollars, for example: budget set search 5000 channel #search-alerts/,
      ],
      ['budget set search', /takes an amount in dollars/],
      ['budget set', /"budget set" takes a team and an amount/],
      ['budget set search 5000 thresholds 50,2000', /whole percentages from 1 to 1000/],
      ['budget set search 5000 tz Moon/Base', /time zone "Moon\/Base"/],
      ['budget set search 5000 channel D0123ABCD', /direct message/],
      ['budget set search 5000 webhook http://example.com/x', /must use https/],
      ['budget set search 5000 colour blue', /I don't understand "colour"/],
      ['budget set search 0', /more than \$0/],
      ['budget delete', /"budget delete" takes a team/],
    ];
    for (const [text, message] of cases) {
      const error = await run(text).catch((e: unknown) => e);
      expect(error, text).toBeInstanceOf(ParseError);
      expect((error as Error).message, text).toMatch(message);
      expect((error as Error).message, text).not.toContain('\n');
    }
    expect(await listTeams(store)).toEqual([]);
  });
});

describe('budget delete', () => {
  it('deletes the budget, audits it, and says how to bring it back', async () => {
    await run('budget set search 5000 channel C0123ABCD');
    const result = await run('budget delete search');
    expect(result.data).toMatchObject({
      action: 'delete',
      teams: [],
      deleted: { team: 'search', budgetUsd: 5000 },
    });
    expect(renderText(result.reply)).toContain(
      'budget set search 5000 channel C0123ABCD thresholds 50,80,100 tz UTC digest monday 9',
    );
    expect(await getTeam(store, 'search')).toBeUndefined();
    expect((await listAudit(store, 'search'))[0]).toMatchObject({
      action: 'delete',
      old: { budgetUsd: '5000' },
    });
  });

  it('suggests close team names for an unknown team', async () => {
    await run('budget set search 5000');
    await expect(run('budget delete serch')).rejects.toThrow(
      /serch has no budget to delete. Did you mean: search\?/,
    );
  });
});

describe('budget status', () => {
  beforeEach(() => {
    // search: $3,400 over Nov 1-17 ($200/day), plus $150 of today so far.
    bill.spread('search', '2026-11-01', '2026-11-18', 3400);
    bill.add('search', '2026-11-18', 150);
    bill.spread('growth', '2026-11-01', '2026-11-18', 850, BEDROCK);
    bill.spread('legal', '2026-11-01', '2026-11-18', 85);
    bill.spread('', '2026-11-01', '2026-11-18', 170);
    // October, outside the month.
    bill.spread('search', '2026-10-01', '2026-11-01', 9999);
  });

  it('lists every team with budget, month to date, forecast, % used, status, and the unattributed spend', async () => {
    await run('budget set search 5000 channel C0123ABCD');
    await run('budget set growth 2000');
    const result = await run('budget');
    const data = result.data as {
      teams: Record<string, unknown>[];
      unattributedUsd: number;
      unbudgeted: unknown[];
    };
    expect(data.teams).toHaveLength(2);
    const search = data.teams.find((t) => t.team === 'search');
    // 17 days at $200/day + $150 today; forecast: the 17 complete days + $200 for each of the
    // 13 days left, today included (the same weekday of the last two weeks): $6,000.
    expect(search).toMatchObject({
      team: 'search',
      budgetUsd: 5000,
      mtdUsd: 3550,
      forecastUsd: 6000,
      pctUsed: 71,
      status: 'at-risk',
      channel: 'C0123ABCD',
    });
    expect(data.teams.find((t) => t.team === 'growth')).toMatchObject({ mtdUsd: 850, status: 'on-track' });
    expect(data.unattributedUsd).toBe(170);
    expect(data.unbudgeted).toEqual([{ team: 'legal', mtdUsd: 85 }]);
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toBe(
      'November Bedrock budgets: search is on track to exceed its budget (2 teams with a budget).',
    );
    expect(text).toContain('Unattributed (no team tag): $170.00 billed so far in November.');
    expect(text).toMatch(/search\s+\$5,000\s+\$3,550.00\s+71%\s+\$6,000\s+at risk/);
    // The bill was read once into the ledger (one query per service and one for accounts),
    // then every team's figures came from it: asking again reads nothing from the bill.
    expect(bill.queries.map((q) => q.services.join())).toEqual([
      'Amazon Bedrock,' + SONNET,
      'Amazon Bedrock',
      SONNET,
    ]);
    const before = bill.requests();
    expect((await run('budget')).data).toEqual(result.data);
    expect(bill.requests()).toBe(before);
  });

  it('answers for one team, with the breakdown button', async () => {
    await run('budget set search 5000 channel C0123ABCD');
    const result = await run('budget search');
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toBe(
      'search has used 71% of its November Bedrock budget: $3,550.00 of $5,000.',
    );
    expect(text).toContain('Forecast: $6,000 by Nov 30 (120%)');
    expect(result.reply.actions).toContainEqual({
      id: 'show_breakdown',
      label: 'Show breakdown',
      value: 'spend mtd by model team search',
    });
    // The team's figures are the all-teams answer's row for it, to the cent.
    const all = (await run('budget')).data as { teams: Record<string, unknown>[] };
    expect(all.teams.find((t) => t.team === 'search')).toEqual(
      (result.data as { teams: Record<string, unknown>[] }).teams[0],
    );
  });

  it('says when no team has a budget, and who is spending', async () => {
    const result = await run('budget');
    const text = renderText(result.reply);
    expect(text.split('\n')[0]).toBe('No team has a Bedrock budget yet.');
    expect(text).toContain('search $3,550.00');
    expect(text).toContain('Set one with: budget set search 5000 channel #search-alerts');
  });

  it('is readable by anyone, and an unknown team gets suggestions', async () => {
    await run('budget set search 5000');
    await expect(run('budget search', MALLORY)).resolves.toMatchObject({ command: 'budget' });
    await expect(run('budget seach', MALLORY)).rejects.toThrow(
      /seach has no budget to show. Did you mean: search\?/,
    );
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acknowledgeAlert, getAlert, parseAlertKey } from '../../lib/budgets/alert-store.js';
import { type BudgetAlertOptions, runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { DEFAULT_DIGEST, getTeam, saveTeam, type TeamProfile } from '../../lib/budgets/store.js';
import { slackMention } from '../../lib/chat/slack-render.js';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { syncIfDue } from '../../lib/ledger/job.js';
import type { ChatTarget } from '../../lib/reply/delivery.js';
import { expandMentions } from '../../lib/reply/mention.js';

const PT_USAGE = 'USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits';

import { usd } from '../../lib/money.js';
import type { Store } from '../../lib/store/store.js';
import { type RecordingDelivery, recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { startSlackServer } from '../support/slack-server.js';
import {
  BEDROCK,
  type FakeBill,
  fakeBill,
  NOVA_PRO_INPUT,
  SONNET,
  SONNET_INPUT,
  SONNET_OUTPUT,
} from './fake-bill.js';

let dynamo: TestDynamo;
let store: Store;
let bill: FakeBill;
let delivery: RecordingDelivery;

beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());
beforeEach(async () => {
  store = await dynamo.newStore();
  bill = fakeBill();
  delivery = recordingDelivery();
});

const NO_NOWCAST: BudgetAlertOptions = { dryRun: false, nowcast: false };

function depsAt(now: string) {
  return testDeps({ store, sources: bill.sources, delivery, now });
}

async function setBudget(
  team: string,
  amount: number,
  target: ChatTarget | undefined = {
    kind: 'slack',
    channel: `C0${team.toUpperCase().replace(/[^A-Z0-9]/g, '')}01`,
  },
  extra: Partial<TeamProfile> = {},
  at = '2026-11-01T00:00:00Z',
) {
  const previous = await getTeam(store, team);
  return saveTeam(
    store,
    {
      team,
      budgetUsd: usd(amount),
      thresholds: [50, 80, 100],
      ...(target ? { target } : {}),
      timeZone: 'UTC',
      owners: [],
      digest: { ...DEFAULT_DIGEST },
      ...extra,
    },
    { userId: 'UADMIN001', now: new Date(at) },
    previous,
  );
}

/** The scheduled sync re-reads the bill (Cost Explorer refreshed since the last run). */
const billReread = (now: string) => syncIfDue(depsAt(now), { force: true });

const headlines = () => delivery.sent.map((m) => m.reply.headline);

describe('runBudgetAlerts', () => {
  it('posts one alert per threshold crossed, and nothing on the next run', async () => {
    await setBudget('search', 1000);
    // $850 over Nov 1-17 (ending on a slower pace: forecast stays under budget).
    bill.spread('search', '2026-11-01', '2026-11-11', 800);
    bill.spread('search', '2026-11-11', '2026-11-18', 50);
    const first = await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    expect(first.messages.map((m) => [m.subject, m.status])).toEqual([
      ['search THRESHOLD#50 2026-11', 'sent'],
      ['search THRESHOLD#80 2026-11', 'sent'],
    ]);
    expect(delivery.sentTo('C0SEARCH01')).toHaveLength(2);
    expect(headlines()).toEqual([
      'search passed 50% of its November Bedrock budget and is now at 85%.',
      'search has used 85% of its November Bedrock budget.',
    ]);
    expect(first.summary).toMatch(/^alerts: 1 team checked · 2 alerts sent/);

    const second = await runBudgetAlerts(depsAt('2026-11-18T07:00:00Z'), NO_NOWCAST);
    expect(second.messages).toEqual([]);
    expect(delivery.sent).toHaveLength(2);
    const stored = await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#80' });
    expect(stored).toMatchObject({
      state: 'sent',
      budgetUsd: '1000',
      spentUsd: '850.00',
      target: 'slack:C0SEARCH01',
      attempts: 1,
    });
    expect(stored?.messageTs).toMatch(/^\d+\.\d+$/);
  });

  it('writes the alert as UX.md shows it, with acknowledge and breakdown buttons', async () => {
    await setBudget('search', 5000);
    // October: $100/day of Claude Sonnet 4.5, half input tokens, half output tokens.
    bill.spread('search', '2026-10-01', '2026-11-01', 1550, SONNET, SONNET_INPUT);
    bill.spread('search', '2026-10-01', '2026-11-01', 1550, SONNET, SONNET_OUTPUT);
    bill.spread('search', '2026-11-01', '2026-11-11', 1000, BEDROCK, NOVA_PRO_INPUT);
    // $450/day lately, mostly output tokens: $2,800 against October's pace of $891.
    bill.spread('search', '2026-11-11', '2026-11-18', 350, SONNET, SONNET_INPUT);
    bill.spread('search', '2026-11-11', '2026-11-18', 2800, SONNET, SONNET_OUTPUT);
    const report = await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), {
      dryRun: false,
      nowcast: async () => ({ byTeam: new Map([['search', usd(100)]]) }),
    });
    const alert = delivery.sent.at(-1)!.reply;
    const text = renderText(alert);
    expect(text.split('\n')).toEqual([
      'search has used 85% of its November Bedrock budget.',
      '80% threshold · $5,000 monthly budget',
      '',
      '$4,250 of $5,000 spent, $750.00 left · 13 days left · on track for $7,725 (154%) by Nov 30',
      "Top driver this month: Claude Sonnet 4.5 output tokens, +$1,909 against October's pace.",
      'Bill data as of Nov 18 06:00 UTC, plus $100.00 estimated for today from token metrics.',
      '[Acknowledge]  [Show breakdown]',
    ]);
    expect(alert.actions).toEqual([
      {
        id: 'alert_ack',
        label: 'Acknowledge',
        value: 'ALERT#search#2026-11|THRESHOLD#80',
        style: 'primary',
        command: 'budget ack search 80 2026-11',
      },
      { id: 'show_breakdown', label: 'Show breakdown', value: 'spend mtd by model team search' },
    ]);
    expect(alert.visibility).toBe('in_channel');
    // The forecast alert was due too: said by the threshold message, not posted again.
    expect(delivery.sent).toHaveLength(2);
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'FORECAST' })).toMatchObject({
      state: 'sent',
      coveredBy: 'THRESHOLD#80',
    });
    expect(report.stats).toMatchObject({ sent: 2, covered: 1 });
  });

  it("names each alerted team's own top model and token class, in at most 3 Cost Explorer requests", async () => {
    // search: Sonnet output tokens grew. ranking: Nova Pro input grew while its Sonnet
    // output held October's pace. quiet: no alert, so its bill is never asked about.
    for (const [team, amount] of [
      ['search', 1000],
      ['ranking', 1000],
      ['quiet', 10_000],
    ] as const)
      await setBudget(team, amount);
    bill.spread('search', '2026-10-01', '2026-11-01', 310, SONNET, SONNET_INPUT);
    bill.spread('search', '2026-10-01', '2026-11-01', 310, SONNET, SONNET_OUTPUT);
    bill.spread('search', '2026-11-01', '2026-11-18', 170, SONNET, SONNET_INPUT);
    bill.spread('search', '2026-11-01', '2026-11-18', 680, SONNET, SONNET_OUTPUT);
    bill.spread('ranking', '2026-10-01', '2026-11-01', 620, SONNET, SONNET_OUTPUT);
    bill.spread('ranking', '2026-10-01', '2026-11-01', 62, BEDROCK, NOVA_PRO_INPUT);
    bill.spread('ranking', '2026-11-01', '2026-11-18', 340, SONNET, SONNET_OUTPUT);
    bill.spread('ranking', '2026-11-01', '2026-11-18', 510, BEDROCK, NOVA_PRO_INPUT);
    bill.spread('quiet', '2026-10-01', '2026-11-18', 900, SONNET, SONNET_OUTPUT);
    // A team without a budget, to show the driver query asks only about alerted teams.
    bill.spread('other', '2026-11-01', '2026-11-18', 500, SONNET, SONNET_OUTPUT);

    const report = await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    const driverOf = (channel: string) =>
      delivery
        .sentTo(channel)
        .flatMap((m) => renderText(m.reply).split('\n'))
        .filter((line) => line.startsWith('Top driver'));
    // Elapsed share of November at 06:00 on the 18th: 17.25 / 30 = 0.575 of October.
    // search: $680 of output tokens against 0.575 x $310 = $178.25 -> +$501.75.
    expect(driverOf('C0SEARCH01')).toEqual([
      "Top driver this month: Claude Sonnet 4.5 output tokens, +$502 against October's pace.",
      "Top driver this month: Claude Sonnet 4.5 output tokens, +$502 against October's pace.",
    ]);
    // ranking: Nova Pro input $510 against 0.575 x $62 = $35.65 -> +$474.35 (Sonnet output: $340 vs $356.50).
    expect(driverOf('C0RANKING01')).toEqual([
      "Top driver this month: Nova Pro input tokens, +$474 against October's pace.",
      "Top driver this month: Nova Pro input tokens, +$474 against October's pace.",
    ]);
    expect(delivery.sentTo('C0QUIET01')).toEqual([]);

    // The run filled the ledger (service discovery, linked accounts, one query per service),
    // whatever the number of teams; month to date and drivers came from the ledger.
    expect(bill.requests()).toBe(4);
    expect(report.stats.costExplorerRequests).toBe(4);
    expect(bill.queries.filter((q) => q.tag)).toEqual([]);
    // The next run only backfills older months (bounded steps), never re-reads this month.
    const seen = bill.queries.length;
    await runBudgetAlerts(depsAt('2026-11-18T07:00:00Z'), NO_NOWCAST);
    expect(bill.queries.slice(seen).every((q) => q.end <= '2026-10-01')).toBe(true);
  });

  it('says a driver is new this month, and still alerts when the bill cannot be read', async () => {
    await setBudget('search', 1000);
    bill.spread('search', '2026-10-01', '2026-11-01', 310, SONNET, SONNET_OUTPUT);
    bill.spread('search', '2026-11-01', '2026-11-18', 100, SONNET, SONNET_OUTPUT);
    bill.spread('search', '2026-11-01', '2026-11-18', 500, BEDROCK, NOVA_PRO_INPUT);
    bill.spread('ranking', '2026-11-01', '2026-11-18', 600, SONNET, SONNET_OUTPUT);
    await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    expect(renderText(delivery.sentTo('C0SEARCH01')[0]!.reply)).toContain(
      'Top driver this month: Nova Pro input tokens, new this month ($500).',
    );

    // ranking's budget is set later; Cost Explorer refuses the sync that is due: the alert
    // still goes out, from the ledger as it stands, with its driver.
    await setBudget('ranking', 1000);
    const costs = bill.sources.costs;
    const failing = {
      ...bill.sources,
      costs: {
        ...costs,
        getCostAndUsage: async () => {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        },
      },
    };
    const report = await runBudgetAlerts(
      testDeps({ store, sources: failing, delivery, now: '2026-11-19T07:00:00Z' }),
      NO_NOWCAST,
    );
    expect(report.stats.sent).toBe(1);
    const text = renderText(delivery.sentTo('C0RANKING01')[0]!.reply);
    expect(text).toContain('ranking has used 60% of its November Bedrock budget.');
    expect(text).toContain('Top driver this month: Claude Sonnet 4.5 output tokens');
  });

  it('posts each alert once when two runs race', async () => {
    await setBudget('search', 1000);
    await setBudget('growth', 1000);
    bill.spread('search', '2026-11-01', '2026-11-11', 850);
    bill.spread('growth', '2026-11-01', '2026-11-11', 550);
    const [a, b] = await Promise.all([
      runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST),
      runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST),
    ]);
    expect(
      delivery.sent
        .map((m) => `${(m.target as { channel: string }).channel} ${m.reply.actions?.[0]?.value}`)
        .sort(),
    ).toEqual([
      'C0GROWTH01 ALERT#growth#2026-11|THRESHOLD#50',
      'C0SEARCH01 ALERT#search#2026-11|THRESHOLD#50',
      'C0SEARCH01 ALERT#search#2026-11|THRESHOLD#80',
    ]);
    expect(a.stats.sent + b.stats.sent).toBe(3);
  });

  it('re-evaluates against a budget raised mid-month', async () => {
    await setBudget('search', 1000);
    bill.spread('search', '2026-11-01', '2026-11-11', 850);
    await runBudgetAlerts(depsAt('2026-11-11T06:00:00Z'), NO_NOWCAST);
    expect(delivery.sent).toHaveLength(2); // 50% and 80% of $1,000

    // Raised to $2,000: $850 is 42.5%, so 50% and 80% are ahead again.
    await setBudget(
      'search',
      2000,
      undefined,
      { target: { kind: 'slack', channel: 'C0SEARCH01' } },
      '2026-11-12T00:00:00Z',
    );
    const quiet = await runBudgetAlerts(depsAt('2026-11-12T06:00:00Z'), NO_NOWCAST);
    expect(quiet.messages).toEqual([]);
    expect(quiet.stats.rearmed).toBe(2);

    bill.spread('search', '2026-11-11', '2026-11-15', 210); // $1,060 = 53% of $2,000
    await runBudgetAlerts(depsAt('2026-11-15T06:00:00Z'), NO_NOWCAST);
    expect(headlines().at(-1)).toBe('search has used 53% of its November Bedrock budget.');
    expect(delivery.sent).toHaveLength(3);
    expect(delivery.sent.at(-1)!.reply.context?.[0]).toContain('50% threshold · $2,000 monthly budget');
    await runBudgetAlerts(depsAt('2026-11-15T07:00:00Z'), NO_NOWCAST);
    expect(delivery.sent).toHaveLength(3);
  });

  it('does not re-alert when the budget is lowered under thresholds already sent', async () => {
    await setBudget('search', 1000);
    bill.spread('search', '2026-11-01', '2026-11-11', 600);
    await runBudgetAlerts(depsAt('2026-11-11T06:00:00Z'), NO_NOWCAST);
    await setBudget(
      'search',
      700,
      undefined,
      { target: { kind: 'slack', channel: 'C0SEARCH01' } },
      '2026-11-12T00:00:00Z',
    );
    await runBudgetAlerts(depsAt('2026-11-12T06:00:00Z'), NO_NOWCAST);
    // 50% already said; 80% of $700 ($560) is newly crossed.
    expect(delivery.sent.map((m) => m.reply.actions?.[0]?.value)).toEqual([
      'ALERT#search#2026-11|THRESHOLD#50',
      'ALERT#search#2026-11|THRESHOLD#80',
    ]);
  });

  it('starts afresh when the month rolls over, in the team’s own time zone', async () => {
    await setBudget('search', 1000);
    await setBudget('tokyo', 1000, undefined, { timeZone: 'Asia/Tokyo' });
    bill.spread('search', '2026-11-01', '2026-11-30', 600);
    bill.spread('tokyo', '2026-11-01', '2026-11-30', 600);
    await runBudgetAlerts(depsAt('2026-11-30T12:00:00Z'), NO_NOWCAST);
    expect(delivery.sent).toHaveLength(2);

    // 16:00 UTC on Nov 30 is Dec 1 in Tokyo: its December has no spend yet; UTC's November goes on.
    const turn = await runBudgetAlerts(depsAt('2026-11-30T16:00:00Z'), NO_NOWCAST);
    expect(turn.messages).toEqual([]);

    bill.spread('search', '2026-12-01', '2026-12-03', 550);
    bill.spread('tokyo', '2026-12-01', '2026-12-03', 550);
    await runBudgetAlerts(depsAt('2026-12-03T06:00:00Z'), NO_NOWCAST);
    expect(delivery.sent.slice(2).map((m) => m.reply.actions?.[0]?.value)).toEqual([
      'ALERT#search#2026-12|THRESHOLD#50',
      'ALERT#tokyo#2026-12|THRESHOLD#50',
    ]);
    expect(headlines().at(-1)).toBe('tokyo has used 55% of its December Bedrock budget.');
  });

  it('retries a failed channel on the next run without holding up other teams', async () => {
    await setBudget('search', 1000);
    await setBudget('growth', 1000);
    bill.spread('search', '2026-11-01', '2026-11-11', 850);
    bill.spread('growth', '2026-11-01', '2026-11-11', 600);
    delivery.failFor('C0SEARCH01', { times: 1, message: 'channel_not_found https://hooks.example/secret' });
    const first = await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    expect(first.messages.map((m) => [m.subject, m.status])).toEqual(
      expect.arrayContaining([
        ['growth THRESHOLD#50 2026-11', 'sent'],
        ['search THRESHOLD#50 2026-11', 'failed'],
        ['search THRESHOLD#80 2026-11', 'failed'],
      ]),
    );
    expect(first.summary).toContain('2 failed (retried next run)');
    expect(delivery.sentTo('C0GROWTH01')).toHaveLength(1);
    expect(delivery.sentTo('C0SEARCH01')).toHaveLength(0);
    const failed = await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' });
    expect(failed).toMatchObject({ state: 'failed', lastError: 'channel_not_found [url]' });
    // Not claimed at all: the second threshold was not attempted once the channel failed.
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#80' })).toBeUndefined();

    const second = await runBudgetAlerts(depsAt('2026-11-18T07:00:00Z'), NO_NOWCAST);
    expect(second.messages.map((m) => [m.subject, m.status])).toEqual([
      ['search THRESHOLD#50 2026-11', 'sent'],
      ['search THRESHOLD#80 2026-11', 'sent'],
    ]);
    expect(delivery.sentTo('C0SEARCH01')).toHaveLength(2);
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' })).toMatchObject({
      state: 'sent',
      attempts: 2,
    });
  });

  it('alerts once on a forecast over budget and re-arms when it falls below 90%', async () => {
    await setBudget('search', 1000);
    // $10/day for 17 days = $170, pace $10/day: forecast about $300, on track.
    bill.spread('search', '2026-11-01', '2026-11-18', 170);
    expect((await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST)).messages).toEqual([]);
    // A provisioned throughput from Nov 16: $60.50 an hour, $1,452 a day, billed whether used
    // or not. Spent: $170 + 2 x $1,452 = $3,074... too much for this story, so one model unit
    // at a tenth: $145.20 a day. $460.40 (46%) so far; it goes on for the 13 days left
    // ($1,887.60) on top of the $10 a day of tokens ($130): $2,478 by the month end.
    bill.spread('search', '2026-11-16', '2026-11-18', '290.40', BEDROCK, PT_USAGE);
    await billReread('2026-11-18T07:00:00Z');
    const over = await runBudgetAlerts(depsAt('2026-11-18T07:00:00Z'), NO_NOWCAST);
    expect(over.messages.map((m) => [m.subject, m.status])).toEqual([['search FORECAST 2026-11', 'sent']]);
    expect(headlines()[0]).toBe(
      'search is on track to exceed its November Bedrock budget: $2,478 forecast against $1,000 (248%).',
    );
    expect((await runBudgetAlerts(depsAt('2026-11-18T08:00:00Z'), NO_NOWCAST)).messages).toEqual([]);
    // The budget is raised so the forecast is under 90% of it: re-armed, quiet.
    await setBudget(
      'search',
      5000,
      undefined,
      { target: { kind: 'slack', channel: 'C0SEARCH01' } },
      '2026-11-18T09:00:00Z',
    );
    const rearm = await runBudgetAlerts(depsAt('2026-11-18T10:00:00Z'), NO_NOWCAST);
    expect(rearm.stats.rearmed).toBe(1);
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'FORECAST' })).toMatchObject({
      state: 'rearmed',
    });
  });

  it('reports what a dry run would send and writes nothing', async () => {
    await setBudget('search', 1000);
    await setBudget('nowhere', 100, undefined, { target: undefined });
    bill.spread('search', '2026-11-01', '2026-11-11', 850);
    bill.spread('nowhere', '2026-11-01', '2026-11-11', 85);
    const report = await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), { dryRun: true, nowcast: false });
    expect(report.messages.map((m) => [m.target, m.subject, m.status])).toEqual([
      ['none', 'nowhere THRESHOLD#50 2026-11', 'failed'],
      ['none', 'nowhere THRESHOLD#80 2026-11', 'failed'],
      ['slack:C0SEARCH01', 'search THRESHOLD#50 2026-11', 'dry-run'],
      ['slack:C0SEARCH01', 'search THRESHOLD#80 2026-11', 'dry-run'],
    ]);
    expect(report.messages[0]?.reason).toMatch(/no alert channel/);
    expect(report.summary).toContain('2 alerts would be sent (dry run: nothing written)');
    expect(delivery.attempts).toEqual([]);
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' })).toBeUndefined();
    // A real run afterwards still sends them.
    await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    expect(delivery.sent).toHaveLength(2);
  });

  it('serves many teams from one bill query and one driver query', async () => {
    for (let i = 0; i < 60; i++) {
      const team = `team-${String(i).padStart(2, '0')}`;
      await setBudget(team, 1000);
      bill.spread(team, '2026-11-01', '2026-11-11', i < 5 ? 900 : 100, i % 2 ? SONNET : BEDROCK);
    }
    const report = await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    expect(report.stats).toMatchObject({ teams: 60, alerting: 5, sent: 10 });
    // The ledger's first sync: discovery, accounts, one query per service (2), for 60 teams.
    expect(bill.requests()).toBe(4);
    expect(report.stats.costExplorerRequests).toBe(4);
  });
});

describe('acknowledgeAlert', () => {
  it('records who acknowledged an alert and when, keeping the first', async () => {
    await setBudget('search', 1000);
    bill.spread('search', '2026-11-01', '2026-11-11', 600);
    await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    const value = delivery.sent[0]!.reply.actions![0]!.value;
    expect(parseAlertKey(value)).toEqual({ team: 'search', month: '2026-11', sk: 'THRESHOLD#50' });
    const first = await acknowledgeAlert(store, value, 'UALICE001', new Date('2026-11-18T06:05:00Z'));
    expect(first).toMatchObject({
      recorded: true,
      alert: { acknowledgedBy: 'UALICE001', acknowledgedAt: '2026-11-18T06:05:00.000Z' },
    });
    const again = await acknowledgeAlert(store, value, 'UBOB00001', new Date('2026-11-18T06:09:00Z'));
    expect(again).toMatchObject({ recorded: false, alert: { acknowledgedBy: 'UALICE001' } });
    await expect(
      acknowledgeAlert(store, 'ALERT#search#2026-10|THRESHOLD#50', 'U1', new Date()),
    ).rejects.toThrow(/no longer exists/);
    await expect(acknowledgeAlert(store, 'rubbish', 'U1', new Date())).rejects.toThrow(/not valid/);
  });
});

describe('budget ack (the Acknowledge button as a command, for Teams and the CLI)', () => {
  it('acknowledges the alert it names, keeps the first one, and explains one that was never sent', async () => {
    await setBudget('search', 1000);
    bill.spread('search', '2026-11-01', '2026-11-11', 600);
    await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    const sent = delivery.sent[0]!;
    // Teams cards cannot carry the button: the alert names the command instead.
    expect(sent.reply.actions?.[0]).toMatchObject({
      id: 'alert_ack',
      command: 'budget ack search 50 2026-11',
    });
    const deps = depsAt('2026-11-18T07:00:00Z');
    const teams = { platform: 'teams' as const, userId: 'aad-0001', isAdmin: false };
    // Not an admin, not an owner, not in the alert's channel: refused, nothing recorded.
    await expect(executeLine('budget ack search 50', { deps, caller: teams })).rejects.toThrow(
      "Only budget admins, the search team's owners and the members of its alert channel can acknowledge the search 50% budget alert for 2026-11.",
    );
    const admin = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
    const first = await executeLine('budget ack search 50', { deps, caller: admin });
    expect(first.reply.headline).toBe('cli acknowledged the search 50% budget alert for 2026-11.');
    expect(await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' })).toMatchObject({
      acknowledgedBy: 'cli',
      acknowledgedAt: '2026-11-18T07:00:00.000Z',
    });
    const again = await executeLine('budget ack search 50% 2026-11', { deps, caller: admin });
    expect(again.reply.headline).toBe(
      'cli already acknowledged the search 50% budget alert for 2026-11 at Nov 18 07:00 UTC.',
    );
    // The team's owner acknowledges later: recorded and told to the channel all the same.
    await setBudget('search', 1000, undefined, { owners: ['aad-owner'] });
    const owner = { platform: 'teams' as const, userId: 'aad-owner', isAdmin: false };
    const byOwner = await executeLine('budget ack search 50', {
      deps: depsAt('2026-11-18T08:00:00Z'),
      caller: owner,
    });
    expect(renderText(byOwner.reply).split('\n')[0]).toBe(
      '@aad-owner, an owner of search, acknowledged the search 50% budget alert for 2026-11 too.',
    );
    expect(byOwner.reply.visibility).toBe('in_channel');
    const alert = await getAlert(store, { team: 'search', month: '2026-11', sk: 'THRESHOLD#50' });
    expect(alert).toMatchObject({
      acknowledgedBy: 'cli',
      ownerAcknowledgedBy: 'aad-owner',
      ownerAcknowledgedAt: '2026-11-18T08:00:00.000Z',
    });
    // Every acknowledgement is kept: who, when, as what.
    expect(alert?.acknowledgements).toEqual([
      { by: 'cli', at: '2026-11-18T07:00:00.000Z', role: 'admin' },
      { by: 'cli', at: '2026-11-18T07:00:00.000Z', role: 'admin' },
      { by: 'aad-owner', at: '2026-11-18T08:00:00.000Z', role: 'owner' },
    ]);
    await expect(executeLine('budget ack search 100', { deps, caller: teams })).rejects.toThrow(
      'search has no 100% budget alert for 2026-11 to acknowledge (none was sent)',
    );
    await expect(executeLine('budget ack search soon', { deps, caller: teams })).rejects.toThrow(
      /^"budget ack" takes a team and the alert/,
    );
  });
});

describe('syntheticBudgetAccount (benchmark fixture)', () => {
  it('seeds teams whose alerts a run finds, the bill read once into the ledger', async () => {
    const { syntheticBudgetAccount } = await import('../support/synthetic-budgets.js');
    const account = syntheticBudgetAccount({ teams: 400, now: new Date('2026-11-18T06:00:00Z') });
    await account.seed(store);
    const deps = testDeps({ store, sources: account.sources, delivery });
    const report = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
    expect(report.stats.teams).toBe(400);
    expect(report.stats.alerting).toBe(account.expectedAlerting());
    expect(report.stats.sent).toBeGreaterThan(account.expectedAlerting());
    // Discovery, accounts, one query per service (2): the same for 400 teams as for 4.
    expect(account.requests()).toBe(4);
    const again = await runBudgetAlerts(deps, { dryRun: false, nowcast: false });
    expect(again.stats.sent).toBe(0);
  });

  it('gives the benchmark its figures in one call', async () => {
    const { benchmarkBudgetAlerts } = await import('../support/synthetic-budgets.js');
    const result = await benchmarkBudgetAlerts({ store, teams: 200 });
    expect(result).toMatchObject({ teams: 200, first: { alerting: 5 }, steady: { sent: 0 } });
    expect(result.first.sent).toBeGreaterThanOrEqual(10);
    // The first run fills the ledger (4 requests); the steady run at most backfills a step (3).
    expect(result.first.costExplorerRequests).toBe(4);
    expect(result.steady.costExplorerRequests).toBeLessThanOrEqual(3);
  });
});

describe('acknowledgeAlertAction (the alert_ack button)', () => {
  it("lets the alert channel's members, the owners and admins acknowledge; tells who was first; keeps every click", async () => {
    const { acknowledgeAlertAction } = await import('../../lib/budgets/actions.js');
    await setBudget('search', 1000, undefined, { owners: ['UOWNER001'] });
    bill.spread('search', '2026-11-01', '2026-11-11', 600);
    await runBudgetAlerts(depsAt('2026-11-18T06:00:00Z'), NO_NOWCAST);
    const value = delivery.sent[0]!.reply.actions![0]!.value;
    // The channel has 250 members: Bob is on the second page of `conversations.members`.
    const filler = Array.from({ length: 248 }, (_, i) => `UFILL${String(i).padStart(4, '0')}`);
    const slack = await startSlackServer({
      token: 'xoxb-test',
      members: { C0SEARCH01: ['UALICE001', ...filler, 'UBOB00001'] },
    });
    try {
      const deps = testDeps({
        store,
        sources: bill.sources,
        delivery,
        now: '2026-11-18T06:00:00Z',
        env: { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: 'xoxb-test' },
      });
      const click = (userId: string) =>
        acknowledgeAlertAction({
          id: 'alert_ack',
          value,
          deps,
          caller: { platform: 'slack', userId, isAdmin: false, channelId: 'C0SEARCH01' },
          runCommand: async () => {},
        });
      // Someone who can see the channel but is not in it.
      await expect(click('UMALLORY1')).rejects.toThrow(
        "Only budget admins, the search team's owners and the members of its alert channel can acknowledge",
      );
      const first = await click('UALICE001');
      expect(expandMentions(first?.reply.headline ?? '', slackMention)).toBe(
        '<@UALICE001> acknowledged the search 50% budget alert for 2026-11.',
      );
      expect(first?.reply.visibility).toBe('in_channel');
      const second = await click('UBOB00001');
      expect(expandMentions(second?.reply.headline ?? '', slackMention)).toBe(
        '<@UALICE001> already acknowledged the search 50% budget alert for 2026-11 at Nov 18 06:00 UTC.',
      );
      expect(second?.reply.visibility).toBe('ephemeral');
      // The owner is not in the channel, and comes after Alice: still recorded, and said.
      const owner = await click('UOWNER001');
      expect(expandMentions(owner?.reply.headline ?? '', slackMention)).toBe(
        '<@UOWNER001>, an owner of search, acknowledged the search 50% budget alert for 2026-11 too.',
      );
      const alert = await getAlert(store, parseAlertKey(value));
      expect(alert).toMatchObject({ acknowledgedBy: 'UALICE001', ownerAcknowledgedBy: 'UOWNER001' });
      expect(alert?.acknowledgements.map((a) => [a.by, a.role])).toEqual([
        ['UALICE001', 'member'],
        ['UBOB00001', 'member'],
        ['UOWNER001', 'owner'],
      ]);
      expect(slack.callsTo('conversations.members').length).toBeGreaterThanOrEqual(2);
    } finally {
      await slack.close();
    }
  });
});

describe('runBudgetAlerts on the demo account', () => {
  it('adds the token-metrics nowcast for today on top of the bill by default', async () => {
    const { createDemoSources } = await import('../../lib/local/demo-data.js');
    const { fixedClock } = await import('../../lib/clock.js');
    await setBudget('search', 5000);
    const deps = testDeps({
      store,
      sources: createDemoSources(fixedClock('2026-11-18T06:00:00Z')),
      delivery,
    });
    const report = await runBudgetAlerts(deps, { dryRun: true });
    expect(report.messages.length).toBeGreaterThan(0);
    const text = renderText(report.messages[0]!.reply);
    expect(text).toMatch(
      /Bill data as of Nov 18 06:00 UTC, plus \$[\d,.]+ estimated for today from token metrics\./,
    );
    expect(text).toMatch(/Top driver this month: .+/);
  });
});

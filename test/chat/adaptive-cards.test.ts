/**
 * Every card the product sends to Teams — command answers, budget alerts, weekly digests
 * (with their inline chart), idle findings, the bot's own messages and the fallbacks —
 * parsed, validated and rendered by Microsoft's `adaptivecards` library at schema 1.5, in
 * both Teams modes: the outgoing webhook / Workflows cards (commands to type) and the
 * bot's interactive cards (`Action.Execute` buttons).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { saveTeam } from '../../lib/budgets/store.js';
import { errorReply } from '../../lib/chat/command-flow.js';
import { botMessage } from '../../lib/chat/teams-bot/send.js';
import { renderTeams } from '../../lib/chat/teams-render.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { runWeeklyDigest } from '../../lib/digest/run.js';
import { runIdleScan } from '../../lib/idle/job.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec } from '../../lib/money.js';
import type { ChatTarget } from '../../lib/reply/delivery.js';
import type { Reply } from '../../lib/reply/reply.js';
import { adaptiveCardProblems } from '../support/adaptive-cards.js';
import { type RecordingDelivery, TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const LINES = [
  'help',
  'help budget',
  'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
  'compare 2000 in 500 out 10k/day',
  'prices sonnet 4.5',
  'spend last week',
  'spend mtd by team',
  'spend 30d by model team search',
  'why last week',
  'why last week by team',
  'idle',
  'forecast',
  'forecast team search',
  'budget set search 5000 channel C0SEARCH01',
  'budget',
  'budget search',
  'spned',
];

const BOT_TARGET: ChatTarget = {
  kind: 'teams-bot',
  conversationId: '19:finops0000000000000000000000000@thread.tacv2',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
};
const WEBHOOK_TARGET: ChatTarget = {
  kind: 'teams',
  webhookUrl: 'https://example.webhook.office.com/workflows/1',
};

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});

/** Both Teams modes of a reply, each with what the library objects to. */
async function problemsOf(reply: Reply): Promise<{ webhook: string[]; bot: string[] }> {
  const bot = botMessage(reply).attachments as { content: Record<string, unknown> }[];
  return {
    webhook: await adaptiveCardProblems(renderTeams(reply)),
    bot: await adaptiveCardProblems(bot[0]!.content),
  };
}

const clean = { webhook: [], bot: [] };

describe('adaptiveCardProblems (the validator itself)', () => {
  it('reports what Teams would refuse', async () => {
    const base = { type: 'AdaptiveCard', version: '1.5' };
    expect(await adaptiveCardProblems({ ...base, body: [{ type: 'TextBlock', text: 'ok' }] })).toEqual([]);
    expect(await adaptiveCardProblems({ ...base, body: [{ type: 'Chart.Pie' }] })).not.toEqual([]);
    expect(
      await adaptiveCardProblems({ ...base, body: [], actions: [{ type: 'Action.Teleport', title: 'x' }] }),
    ).not.toEqual([]);
    expect(await adaptiveCardProblems({ ...base, version: '1.6', body: [] })).not.toEqual([]);
    expect(
      await adaptiveCardProblems({ ...base, body: [{ type: 'TextBlock', text: 'x', size: 'Enormous' }] }),
    ).not.toEqual([]);
  });
});

describe('every card the product sends is a valid Adaptive Card 1.5', () => {
  let deps: Deps;
  beforeAll(async () => {
    deps = testDeps({
      store: await dynamo.newStore(),
      sources: createDemoSources(fixedClock(TEST_NOW)),
    });
  });

  for (const line of LINES) {
    it(`answer: ${line}`, async () => {
      let reply: Reply;
      try {
        const result = await executeLine(line, {
          deps,
          caller: { platform: 'teams', userId: 'admin', isAdmin: true },
        });
        reply = result.reply;
      } catch (error) {
        reply = errorReply(error);
      }
      expect(await problemsOf(reply)).toEqual(clean);
    });
  }

  it('the bot’s own messages, and the plain-text fallback of an oversized answer', async () => {
    const huge: Reply = {
      headline: 'A very long answer',
      blocks: [{ kind: 'text', text: 'word '.repeat(20_000) }],
    };
    expect(await problemsOf(huge)).toEqual(clean);
    expect(await problemsOf(errorReply(new Error('boom')))).toEqual(clean);
  });

  it('budget alerts (threshold and forecast, with Acknowledge and Show breakdown) and idle findings', async () => {
    const now = '2026-11-18T06:00:00Z';
    const alertDeps = testDeps({
      store: await dynamo.newStore(),
      sources: createDemoSources(fixedClock(now)),
      env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS01' },
      now,
    });
    for (const [team, target] of [
      ['search', BOT_TARGET],
      ['growth', WEBHOOK_TARGET],
    ] as const) {
      await saveTeam(
        alertDeps.store,
        {
          team,
          budgetUsd: new Dec(50),
          thresholds: [50, 80, 100],
          target,
          timeZone: 'UTC',
          owners: [],
          digest: { weekday: 1, hour: 9 },
        },
        { userId: 'cli', now: new Date(now) },
        undefined,
      );
    }
    const alerts = await runBudgetAlerts(alertDeps, { dryRun: false, nowcast: false });
    const idle = await runIdleScan(alertDeps, { dryRun: false });
    const sent = (alertDeps.delivery as RecordingDelivery).sent;
    expect(alerts.messages.filter((m) => m.status === 'sent').length).toBeGreaterThanOrEqual(4);
    expect(idle.messages.length).toBeGreaterThan(0);
    expect(sent.some((m) => m.reply.actions?.some((a) => a.id === 'alert_ack'))).toBe(true);
    expect(sent.some((m) => m.reply.actions?.some((a) => a.id === 'idle_snooze'))).toBe(true);
    for (const m of sent) expect(await problemsOf(m.reply), m.reply.headline).toEqual(clean);
  });

  it('weekly digests with their inline chart, and the FinOps overview', async () => {
    const now = '2026-11-16T09:05:00Z';
    const digestDeps = testDeps({
      store: await dynamo.newStore(),
      sources: createDemoSources(fixedClock(now)),
      env: { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS01' },
      now,
    });
    await saveTeam(
      digestDeps.store,
      {
        team: 'search',
        budgetUsd: new Dec(5000),
        thresholds: [50, 80, 100],
        target: BOT_TARGET,
        timeZone: 'UTC',
        owners: [],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'cli', now: new Date(now) },
      undefined,
    );
    await runWeeklyDigest(digestDeps, { dryRun: false });
    const sent = (digestDeps.delivery as RecordingDelivery).sent;
    const teamDigest = sent.find((m) => m.target.kind === 'teams-bot');
    expect(teamDigest).toBeDefined();
    const card = renderTeams(teamDigest!.reply, { interactive: true });
    // The chart travels inside the card.
    expect(JSON.stringify(card)).toContain('data:image/png;base64,');
    for (const m of sent) expect(await problemsOf(m.reply), m.reply.headline).toEqual(clean);
  });
});

/**
 * BEDROCK_COST_VISIBILITY=team through the real front doors: signed Slack slash commands
 * (the worker answers slow ones through `response_url`), Slack membership from
 * `conversations.members` and `usergroups.list` on the local Slack Web API, and signed
 * Teams outgoing-webhook messages. The demo account's bill has four teams: search,
 * support-bot, growth and legal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam } from '../../lib/budgets/store.js';
import { buildAppHome } from '../../lib/chat/app-home.js';
import type { HttpEvent } from '../../lib/chat/http.js';
import { createSlackEventsHandler } from '../../lib/chat/slack-app.js';
import { createTeamsMessagesHandler } from '../../lib/chat/teams-app.js';
import { inProcessWorker } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec } from '../../lib/money.js';
import type { Caller } from '../../lib/reply/caller.js';
import { type AwsServer, awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import {
  slackCommandBody,
  slackRequest,
  TEST_EPOCH_SECONDS,
  teamsMessage,
  teamsRequest,
} from '../support/signing.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';

const SECRET = 'a3f1c0ffee5ecret0123456789abcdef';
const TEAMS_SECRET = Buffer.from('teams-outgoing-webhook-secret-0123456789').toString('base64');
const NOW_MS = TEST_EPOCH_SECONDS * 1000;
const ADMIN = 'U0ADMIN001';
/** Member of #search-alerts (conversations.members). */
const BOB = 'U0BOB00001';
/** In the Slack user group @growth (usergroups.list). */
const CAROL = 'U0CAROL001';
/** Owner of legal. */
const DAVE = 'U0DAVE0001';
/** In no team. */
const EVE = 'U0EVE00001';
const FINOPS = 'C0FINOPS01';
const ELSEWHERE = 'C0RANDOM01';
const SEARCH_ALERTS = 'C0SEARCH01';
const GROWTH_TEAMS_CHANNEL = '19:growth0000000000000000000000000@thread.tacv2';
const OTHER_TEAMS_CHANNEL = '19:random0000000000000000000000000@thread.tacv2';
const TEAMS = ['search', 'support-bot', 'growth', 'legal'];

let dynamo: TestDynamo;
let slack: SlackServer;

function depsFor(visibility: 'open' | 'team', env: Record<string, string> = {}): Deps {
  return testDeps({
    store: dynamo.store,
    sources: createDemoSources(fixedClock(TEST_NOW)),
    env: {
      BEDROCK_COST_VISIBILITY: visibility,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      TEAMS_WEBHOOK_SECRET: TEAMS_SECRET,
      ADMIN_USER_IDS: ADMIN,
      BEDROCK_COST_FINOPS_CHANNEL: FINOPS,
      ...env,
    },
  });
}

async function profile(team: string, extra: { target?: never; owners?: string[] } | Record<string, unknown>) {
  await saveTeam(
    dynamo.store,
    {
      team,
      budgetUsd: new Dec(5000),
      thresholds: [50, 80, 100],
      timeZone: 'UTC',
      owners: [],
      digest: { weekday: 1, hour: 9 },
      ...extra,
    } as Parameters<typeof saveTeam>[1],
    { userId: 'cli', now: new Date(TEST_NOW) },
    undefined,
  );
}

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([
    startTestDynamo(),
    startSlackServer({ token: 'xoxb-test', members: { [SEARCH_ALERTS]: ['U0SOMEONE1', BOB] } }),
  ]);
  slack.on('usergroups.list', (args) => ({
    usergroups:
      String(args.include_users) === 'true'
        ? [
            { id: 'S0GROWTH01', handle: 'growth', users: [CAROL] },
            { id: 'S0LEGAL001', handle: 'legal-fans', users: [BOB] },
          ]
        : [],
  }));
  await profile('search', { target: { kind: 'slack', channel: SEARCH_ALERTS } });
  await profile('growth', {
    target: { kind: 'teams', webhookUrl: 'https://x.example/hook', channelId: GROWTH_TEAMS_CHANNEL },
  });
  await profile('legal', { owners: [DAVE] });
  await profile('support-bot', {});
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close()]);
});

let requests = 0;
/** A signed slash command; the answer as Slack shows it (ack, or the worker's post). */
async function slash(deps: Deps, text: string, userId: string, channelId = ELSEWHERE): Promise<string> {
  const worker = inProcessWorker(async () => deps);
  const handler = createSlackEventsHandler(async () => deps, {
    nowMs: () => NOW_MS,
    invokeWorker: worker,
  });
  const id = `scope-${++requests}`;
  const event: HttpEvent = slackRequest(
    slackCommandBody({ text, userId, channelId, responseUrl: slack.responseUrl(id) }),
    SECRET,
  );
  const result = await handler(event);
  expect(result.statusCode).toBe(200);
  await worker.pending();
  const posted = slack.responsesTo(id)[0]?.body;
  const body = posted ?? JSON.parse(result.body ?? '{}');
  return renderedText(body);
}

/** Every string in a Slack message (text, blocks), one per line. */
function renderedText(body: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(body);
  return out.join('\n');
}

/** The demo teams named in a text (`legal-fans`, a user group, is not `legal`). */
const teamsIn = (text: string) => TEAMS.filter((t) => new RegExp(`(?<![\\w-])${t}(?![\\w-])`).test(text));

const caller = (userId: string, channelId = ELSEWHERE): Caller => ({
  platform: 'slack',
  userId,
  isAdmin: userId === ADMIN,
  channelId,
});

async function data<T>(deps: Deps, line: string, who: Caller): Promise<T> {
  return (await executeLine(line, { deps, caller: who })).data as T;
}

describe('visibility: team (Slack)', () => {
  it('shows a member only their team in spend by team, with totals that are that team’s, and says so', async () => {
    const deps = depsFor('team');
    const text = await slash(deps, 'spend last week by team', BOB);
    expect(teamsIn(text)).toEqual(['search']);
    expect(text).toContain('Figures are scoped to your teams: legal-fans, search');
    // The total Bob sees is search's total as an admin sees it.
    const mine = await data<{ totalUsd: number; groups: { key: string }[] }>(
      deps,
      'spend last week',
      caller(BOB),
    );
    const search = await data<{ totalUsd: number }>(deps, 'spend last week team search', caller(ADMIN));
    const all = await data<{ totalUsd: number }>(deps, 'spend last week', caller(ADMIN));
    expect(mine.totalUsd).toBe(search.totalUsd);
    expect(mine.totalUsd).toBeLessThan(all.totalUsd);
    expect(mine.totalUsd).toBeGreaterThan(0);
  });

  it('shows the admin every team, unscoped', async () => {
    const text = await slash(depsFor('team'), 'spend last week by team', ADMIN);
    expect(teamsIn(text)).toEqual(expect.arrayContaining(TEAMS));
    expect(text).not.toContain('scoped');
  });

  it('shows every team to anyone asking in the FinOps channel', async () => {
    const text = await slash(depsFor('team'), 'spend last week by team', EVE, FINOPS);
    expect(teamsIn(text)).toEqual(expect.arrayContaining(TEAMS));
    expect(text).not.toContain('scoped');
  });

  it('maps a Slack user group named like the team (usergroups.list) and ownership to teams', async () => {
    const deps = depsFor('team');
    const carol = await slash(deps, 'spend last week by team', CAROL);
    expect(teamsIn(carol)).toEqual(['growth']);
    const dave = await slash(deps, 'spend last week by team', DAVE);
    expect(teamsIn(dave)).toEqual(['legal']);
    expect(slack.callsTo('usergroups.list').length).toBeGreaterThan(0);
    expect(slack.callsTo('conversations.members').some((c) => c.args.channel === SEARCH_ALERTS)).toBe(true);
  });

  it('keeps other teams out of why, and refuses another team by name', async () => {
    const deps = depsFor('team');
    const why = await slash(deps, 'why last week', BOB);
    expect(teamsIn(why)).toEqual(['search']);
    expect(why).toContain('Figures are scoped to your teams: legal-fans, search');
    const mine = await data<{ deltaUsd: number }>(deps, 'why last week', caller(BOB));
    const search = await data<{ deltaUsd: number }>(deps, 'why last week team search', caller(ADMIN));
    expect(mine.deltaUsd).toBe(search.deltaUsd);
    const refused = await slash(deps, 'why last week team growth', BOB);
    expect(refused).toContain('not shown to you');
    expect(teamsIn(refused.replaceAll('"growth"', ''))).toEqual(['search']);
  });

  it('forecasts only the member’s teams, and hides another team’s forecast and budget', async () => {
    const deps = depsFor('team');
    const mine = await data<{ monthEndUsd: number }>(deps, 'forecast', caller(BOB));
    const search = await data<{ monthEndUsd: number }>(deps, 'forecast team search', caller(ADMIN));
    expect(mine.monthEndUsd).toBe(search.monthEndUsd);
    const text = await slash(deps, 'forecast team growth', BOB);
    expect(text).toContain('not shown to you');
    expect(text).not.toMatch(/\$5,000/);
  });

  it('lists only the member’s budgets', async () => {
    const deps = depsFor('team');
    const text = await slash(deps, 'budget', BOB);
    expect(teamsIn(text)).toEqual(['search']);
    const budget = await data<{ teams: { team: string }[] }>(deps, 'budget', caller(BOB));
    expect(budget.teams.map((t) => t.team)).toEqual(['search']);
    const admin = await data<{ teams: { team: string }[] }>(deps, 'budget', caller(ADMIN));
    expect(admin.teams.map((t) => t.team).sort()).toEqual([...TEAMS].sort());
  });

  it("scopes today's token estimate (CloudWatch by application profile) and idle throughput too", async () => {
    const deps = depsFor('team');
    const today = await data<{ groups: { key: string; usd: number }[] }>(
      deps,
      'spend today by team',
      caller(BOB),
    );
    const adminToday = await data<{ groups: { key: string; usd: number }[] }>(
      deps,
      'spend today by team',
      caller(ADMIN),
    );
    expect(adminToday.groups.map((g) => g.key)).toEqual(expect.arrayContaining(['search', 'growth']));
    expect(today.groups.map((g) => g.key)).toEqual(['search']);
    // The same as an admin's question about search alone (the bill plus search's own tokens).
    const mine = await data<{ totalUsd: number }>(deps, 'spend today', caller(BOB));
    const search = await data<{ totalUsd: number }>(deps, 'spend today team search', caller(ADMIN));
    expect(mine.totalUsd).toBe(search.totalUsd);
    expect(mine.totalUsd).toBeGreaterThan(0);
    const idle = await data<{ throughputs: { name: string }[] }>(deps, 'idle', caller(BOB));
    const adminIdle = await data<{ throughputs: { name: string }[] }>(deps, 'idle', caller(ADMIN));
    expect(adminIdle.throughputs.length).toBeGreaterThan(0);
    expect(idle.throughputs.length).toBeLessThan(adminIdle.throughputs.length);
  });

  it('shows someone in no team no figures, and says why', async () => {
    const deps = depsFor('team');
    const text = await slash(deps, 'spend last week by team', EVE);
    expect(teamsIn(text)).toEqual([]);
    expect(text).toContain('you are in none yet');
    expect((await data<{ totalUsd: number }>(deps, 'spend last week', caller(EVE))).totalUsd).toBe(0);
  });

  it('does not promise every team on the Home tab of someone who owns none', async () => {
    const home = JSON.stringify(await buildAppHome(depsFor('team'), EVE));
    expect(home).toContain('shows the teams you belong to');
    expect(JSON.stringify(await buildAppHome(depsFor('open'), EVE))).toContain('shows every team');
  });

  it('leaves price-only answers alone (estimate reads no team data)', async () => {
    const text = await slash(depsFor('team'), 'estimate nova-micro 300 in 200 out 10k/day', BOB);
    expect(text).not.toContain('scoped');
    expect(text).toMatch(/\$/);
  });
});

describe('visibility: open (the default)', () => {
  it('shows everyone every team, as before', async () => {
    const deps = depsFor('open');
    const text = await slash(deps, 'spend last week by team', BOB);
    expect(teamsIn(text)).toEqual(expect.arrayContaining(TEAMS));
    expect(text).not.toContain('scoped');
    const bob = await data<{ totalUsd: number }>(deps, 'spend last week', caller(BOB));
    const admin = await data<{ totalUsd: number }>(deps, 'spend last week', caller(ADMIN));
    expect(bob.totalUsd).toBe(admin.totalUsd);
  });
});

describe('visibility: team (Teams outgoing webhook)', () => {
  let ids = 0;
  async function teams(deps: Deps, text: string, conversationId: string, aadObjectId: string) {
    const handler = createTeamsMessagesHandler(async () => deps, {
      nowMs: () => NOW_MS,
      invokeWorker: inProcessWorker(async () => deps),
    });
    const message = teamsMessage({
      text,
      id: `17634457000${String(++ids).padStart(2, '0')}`,
      conversationId: `${conversationId};messageid=1`,
      aadObjectId,
    });
    const result = await handler(teamsRequest(message, TEAMS_SECRET));
    expect(result.statusCode).toBe(200);
    return renderedText(JSON.parse(result.body ?? '{}'));
  }

  it('shows a person in the team’s Teams channel that team only', async () => {
    const text = await teams(
      depsFor('team'),
      'spend last week by team',
      GROWTH_TEAMS_CHANNEL,
      'aad-member-1',
    );
    expect(teamsIn(text)).toEqual(['growth']);
    expect(text).toContain('Figures are scoped to your teams: growth');
  });

  it('shows nothing of any team to the same person elsewhere, and all to an admin', async () => {
    const elsewhere = await teams(
      depsFor('team'),
      'spend last week by team',
      OTHER_TEAMS_CHANNEL,
      'aad-member-1',
    );
    expect(teamsIn(elsewhere)).toEqual([]);
    const admin = await teams(depsFor('team'), 'spend last week by team', OTHER_TEAMS_CHANNEL, ADMIN);
    expect(teamsIn(admin)).toEqual(expect.arrayContaining(TEAMS));
  });
});

describe('visibility: team (ask)', () => {
  const MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
  let aws: AwsServer;
  let restoreEnv: () => void;
  beforeAll(async () => {
    aws = await startAwsServer({});
    restoreEnv = useEnv(awsTestEnv(aws.endpoint));
    // The model picks `spend last week by team` (a Converse tool use in the real shape).
    aws.handle('Converse', () => ({
      output: {
        message: {
          role: 'assistant',
          content: [
            {
              toolUse: {
                toolUseId: 'tooluse_0001AbCdEf',
                name: 'spend',
                input: { period: 'last week', groupBy: 'team' },
              },
            },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 1830, outputTokens: 74, totalTokens: 1904 },
      metrics: { latencyMs: 812 },
    }));
  });
  afterAll(async () => {
    restoreEnv?.();
    await aws?.close();
  });

  it("answers a member's question from their teams only, and an admin's from all", async () => {
    const deps = depsFor('team', { ASSISTANT_MODEL_ID: MODEL_ID });
    const bob = await slash(deps, 'ask which team spent the most last week?', BOB);
    expect(aws.count('Converse')).toBeGreaterThan(0);
    expect(bob).toContain('Answered with `spend last week by team`');
    expect(teamsIn(bob)).toEqual(['search']);
    expect(bob).toContain('Figures are scoped to your teams: legal-fans, search');
    const admin = await slash(deps, 'ask which team spent the most last week?', ADMIN);
    expect(teamsIn(admin)).toEqual(expect.arrayContaining(TEAMS));
    expect(admin).not.toContain('scoped');
  });
});

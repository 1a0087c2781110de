import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { SpendData } from '../../lib/commands/spend.js';
import type { WhyData } from '../../lib/commands/why.js';
import { runCli } from '../../lib/local/cli.js';
import { createLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.js';
import { formatUsd, usd } from '../../lib/money.js';
import { testDeps } from '../support/deps.js';

// The demo account: team search's Claude Sonnet 4.5 output tokens spike in the week of Nov 9.
let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await createLocalRuntime({
    env: { BEDROCK_COST_DEMO: '1', BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', AWS_REGION: 'us-east-1' },
    inMemory: true,
  });
});
const dataDir = `${tmpdir()}/bedrock-cost-spend-test-${process.pid}`;
afterAll(async () => {
  await runtime.close();
  for (const suffix of [
    '',
    '-tokyo',
    '-tokyo-forecast',
    '-tokyo-why',
    '-tokyo-week',
    '-utc-why',
    '-london-why',
  ])
    rmSync(`${dataDir}${suffix}`, { recursive: true, force: true });
});

const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
const run = (text: string) => executeLine(text, { deps: runtime.deps, caller });

describe('spend and why on the demo account', () => {
  it('finds the week-of-Nov-9 spike of search on Claude Sonnet 4.5 output tokens', async () => {
    const result = await run('why last week');
    const data = result.data as WhyData;
    expect(data.drivers[0]).toMatchObject({
      model: 'Claude Sonnet 4.5',
      tokenClass: 'output',
      team: 'search',
    });
    expect(data.headline).toMatch(/Claude Sonnet 4\.5 output tokens for team search/);
    expect(renderText(result.reply)).toContain('demo account');
  });

  it('measures why mtd on complete days against the same days of last month', async () => {
    const data = (await run('why mtd')).data as WhyData;
    expect(data.current).toMatchObject({ start: '2026-11-01', end: '2026-11-18' });
    expect(data.previous).toMatchObject({ start: '2026-10-01', end: '2026-10-18' });
  });

  it('answers spend mtd by team with shares that add up and unattributed spend named', async () => {
    const data = (await run('spend mtd by team')).data as SpendData;
    expect(data.period).toEqual({ start: '2026-11-01', end: '2026-11-19' });
    expect(data.groups.map((g) => g.key)).toContain('unattributed');
    // Each group is rounded on its own (the figure other answers show for it): the rows add
    // up to the total within half a cent a row.
    const rowsCents = data.groups.reduce((s, g) => s + Math.round(g.usd * 100), 0);
    expect(Math.abs(rowsCents - Math.round(data.totalUsd * 100))).toBeLessThanOrEqual(data.groups.length / 2);
    expect(data.groups.reduce((s, g) => s + g.share, 0)).toBeCloseTo(1, 2);
  });

  it('adds an estimate from token metrics to spend today, and says so', async () => {
    const result = await run('spend today');
    const data = result.data as SpendData;
    expect(data.estimatedUsd).toBeGreaterThan(0);
    expect(Math.round((data.billedUsd! + data.estimatedUsd!) * 100)).toBe(Math.round(data.totalUsd * 100));
    expect(renderText(result.reply)).toMatch(/estimated for the latest hours from CloudWatch token counts/);
  });

  it('shows one figure for a team today, whichever way it is asked (by team, the team alone, budget)', async () => {
    const byTeam = (await run('spend today by team')).data as SpendData;
    const byModel = (await run('spend today by model')).data as SpendData;
    // The same total whatever the breakdown.
    expect(byModel.totalUsd).toBe(byTeam.totalUsd);
    const teams = byTeam.groups.filter((g) => g.key !== 'unattributed');
    expect(teams.length).toBeGreaterThan(1);
    for (const row of teams) {
      const alone = (await run(`spend today team ${row.key}`)).data as SpendData;
      expect(alone.totalUsd, row.key).toBe(row.usd);
    }
    // `budget` shows the same estimate for today as `spend` (the readings are kept and reused).
    await run('budget set search 50000');
    const spendSearch = (await run('spend today team search')).data as SpendData;
    const budget = await run('budget search');
    expect(renderText(budget.reply)).toContain(
      `incl. ${formatUsd(usd(spendSearch.estimatedUsd!))} estimated`,
    );
  });

  it('keeps the bot’s own Cost Explorer use in the data, out of the answer', async () => {
    const result = await run('spend last month by usage');
    const data = result.data as SpendData;
    expect(renderText(result.reply)).not.toContain('own Cost Explorer');
    expect(data.botApi?.requests).toBeGreaterThan(0);
    expect(data.botApi?.usd).toBeCloseTo(data.botApi!.requests * 0.01, 2);
  });

  it('prints the JSON envelope from the CLI', async () => {
    const out: string[] = [];
    const code = await runCli(['spend', 'last', 'week', 'by', 'model', '--demo', '--format', 'json'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      env: { BEDROCK_COST_NOW: '2026-11-18T06:00:00Z', BEDROCK_COST_DATA_DIR: dataDir },
    });
    expect(code).toBe(0);
    const json = JSON.parse(out.join(''));
    expect(json).toMatchObject({
      ok: true,
      command: 'spend',
      data: { groupBy: 'model', period: { start: '2026-11-09', end: '2026-11-16' } },
    });
    expect(json.data.costBasis).toBe('unblended cost, usage only');
  });

  it('refuses a bad grouping with the accepted ones', async () => {
    await expect(run('spend last week by colour')).rejects.toThrow(/by model, team, usage, region, account/);
  });
});

describe('like for like on the demo account', () => {
  it('compares today so far with yesterday up to the same hour, never with all of yesterday', async () => {
    const { startTestDynamo } = await import('../support/dynamo.js');
    const dynamo = await startTestDynamo();
    try {
      const deps = testDeps({
        store: await dynamo.newStore(),
        now: '2026-11-18T10:00:00Z',
        env: { BEDROCK_COST_DEMO: '1' },
      });
      const today = await executeLine('why today', {
        deps,
        caller: { platform: 'cli', userId: 'cli', isAdmin: true },
      });
      const data = today.data as {
        headline: string;
        current: { totalUsd: number };
        previous: { totalUsd: number };
      };
      expect(data.headline).toMatch(/today until 10:00 UTC/);
      // Ten hours of each day: of the same order, not a few hours against a whole day.
      expect(data.current.totalUsd / data.previous.totalUsd).toBeGreaterThan(0.5);
      expect(data.current.totalUsd / data.previous.totalUsd).toBeLessThan(2);
      const week = await executeLine('why this week vs last week', {
        deps,
        caller: { platform: 'cli', userId: 'cli', isAdmin: true },
      });
      const w = week.data as {
        current: { start: string; end: string };
        previous: { start: string; end: string };
      };
      // Mon-Tue of this week (complete days) against Mon-Tue of last week, said in the answer.
      expect(w.current).toMatchObject({ start: '2026-11-16', end: '2026-11-18' });
      expect(w.previous).toMatchObject({ start: '2026-11-09', end: '2026-11-11' });
    } finally {
      await dynamo.close();
    }
  });
});

describe("periods checked against today in the team's time zone", () => {
  /** `bedrock-cost ARGS --demo --format json` at `now`, on the CLI's own table in `dir`. */
  async function cli(dir: string, now: string, words: string): Promise<Record<string, unknown>> {
    const out: string[] = [];
    await runCli([...words.split(' '), '--demo', '--format', 'json'], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      env: { BEDROCK_COST_NOW: now, BEDROCK_COST_DATA_DIR: dir },
    });
    return JSON.parse(out.join(''));
  }

  it('takes a day that is already today east of UTC, and refuses only what is future there', async () => {
    const dir = `${dataDir}-tokyo`;
    // 20:00 UTC on Dec 4 is 05:00 on Dec 5 in Tokyo.
    const now = '2026-12-04T20:00:00Z';
    expect(await cli(dir, now, 'budget set search 5000 tz Asia/Tokyo')).toMatchObject({ ok: true });
    const typed = await cli(dir, now, 'spend 2026-12-05 team search');
    expect(typed.error).not.toMatchObject({ code: 'bad_period' });
    // The day typed is the team's today: answered as `today` is.
    expect(typed).toEqual(await cli(dir, now, 'spend today team search'));
    const tomorrow = await cli(dir, now, 'spend 2026-12-06 team search');
    expect(tomorrow).toMatchObject({ ok: false, error: { code: 'bad_period' } });
    expect(JSON.stringify(tomorrow)).toMatch(/Dec 6\) is in the future/);
    // Without a team the day is UTC's: Dec 5 has not begun there.
    expect(await cli(dir, now, 'spend 2026-12-05')).toMatchObject({
      ok: false,
      error: { code: 'bad_period' },
    });
  });

  it('says a day begun east of UTC has no bill yet, and compares a day the bill has only part of hour for hour', async () => {
    const now = '2026-12-04T20:00:00Z';
    const tokyo = `${dataDir}-tokyo-why`;
    expect(await cli(tokyo, now, 'budget set search 5000 tz Asia/Tokyo')).toMatchObject({ ok: true });
    // Tokyo's today (Dec 5) begins in the bill at 00:00 UTC: said, for `spend` and `why` alike.
    for (const words of ['spend today team search', 'why today team search']) {
      const answer = await cli(tokyo, now, words);
      expect(answer, words).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect(JSON.stringify(answer), words).toMatch(
        /Dec 5 has no bill yet: AWS bills Bedrock by the UTC day.*in 4 hours/,
      );
      expect(JSON.stringify(answer), words).toMatch(/`yesterday` \(Dec 4, so far\) or `last 7 days`/);
    }
    // What it suggests answers: the team's yesterday (UTC's today, so far) and the last 7 days.
    for (const words of ['spend yesterday team search', 'spend last 7 days team search']) {
      expect(await cli(tokyo, now, words), words).toMatchObject({ ok: true });
    }
    // A week so far east of UTC is measured on days complete in the bill too: at 20:00 UTC on
    // Thursday Dec 3 (Friday morning in Tokyo), Mon-Wed, not Mon-Thu with Thursday's 20 hours.
    const thursday = await cli(
      `${dataDir}-tokyo-week`,
      '2026-12-03T20:00:00Z',
      'budget set search 5000 tz Asia/Tokyo',
    );
    expect(thursday).toMatchObject({ ok: true });
    expect(
      await cli(`${dataDir}-tokyo-week`, '2026-12-03T20:00:00Z', 'why this week team search'),
    ).toMatchObject({
      ok: true,
      data: {
        current: { start: '2026-11-30', end: '2026-12-03' },
        previous: { start: '2026-11-23', end: '2026-11-26' },
      },
    });
    // Two periods that overlap in UTC but not in Tokyo are compared, not refused.
    expect(await cli(tokyo, now, 'why yesterday vs 2026-12-03 team search')).toMatchObject({ ok: true });
    expect(JSON.stringify(await cli(tokyo, now, 'why today vs 2026-12-04 team search'))).toMatch(
      /no bill yet/,
    );
    // Tokyo's yesterday is UTC's today, still in progress: the same hours of both days.
    const utc = `${dataDir}-utc-why`;
    const reference = await cli(utc, now, 'why today team search');
    expect(reference).toMatchObject({
      ok: true,
      data: { headline: expect.stringMatching(/today until 20:00 UTC/) },
    });
    const yesterday = await cli(tokyo, now, 'why yesterday team search');
    expect(yesterday).toMatchObject({
      ok: true,
      data: { headline: expect.stringMatching(/yesterday until 20:00 UTC/) },
    });
    const figures = (a: Record<string, unknown>) => {
      const d = a.data as { current: { totalUsd: number }; previous: { totalUsd: number } };
      return [d.current.totalUsd, d.previous.totalUsd];
    };
    expect(figures(yesterday)).toEqual(figures(reference));
    // A team in London asking about its today gets the same like-for-like comparison.
    const london = `${dataDir}-london-why`;
    expect(await cli(london, now, 'budget set search 5000 tz Europe/London')).toMatchObject({ ok: true });
    const today = await cli(london, now, 'why today team search');
    expect(today).toMatchObject({
      ok: true,
      data: { headline: expect.stringMatching(/today until 20:00 UTC/) },
    });
    expect(figures(today)).toEqual(figures(reference));
  });

  it('compares a period that is so far only part of today hour for hour: this week on a Monday, mtd on the 1st', async () => {
    const cases = [
      { now: '2026-12-07T20:00:00Z', words: 'why this week', previous: '2026-11-30' },
      { now: '2026-12-01T20:00:00Z', words: 'why mtd', previous: '2026-11-01' },
      // Tuesday 05:00 in Tokyo: its week so far is Monday (UTC's today) and Tuesday (no bill).
      { now: '2026-12-07T20:00:00Z', words: 'why this week team search', previous: '2026-11-30' },
    ];
    expect(
      await cli(`${dataDir}-so-far`, '2026-12-07T20:00:00Z', 'budget set search 5000 tz Asia/Tokyo'),
    ).toMatchObject({ ok: true });
    for (const { now, words, previous } of cases) {
      const answer = await cli(`${dataDir}-so-far`, now, words);
      const day = now.slice(0, 10);
      expect(answer, words).toMatchObject({
        ok: true,
        data: {
          current: {
            start: day,
            end: `${day.slice(0, 8)}${String(Number(day.slice(8)) + 1).padStart(2, '0')}`,
          },
          previous: { start: previous },
          headline: expect.stringMatching(/ until 20:00 UTC: /),
        },
      });
    }
  });

  it("forecasts the team's current month: December in Tokyo while it is still November in UTC", async () => {
    const dir = `${dataDir}-tokyo-forecast`;
    // 20:00 UTC on Nov 30 is 05:00 on Dec 1 in Tokyo.
    const now = '2026-11-30T20:00:00Z';
    expect(await cli(dir, now, 'budget set search 5000 tz Asia/Tokyo')).toMatchObject({ ok: true });
    const december = { start: '2026-12-01', end: '2027-01-01' };
    expect(await cli(dir, now, 'forecast 2026-12 team search')).toMatchObject({
      ok: true,
      data: { month: december },
    });
    expect(await cli(dir, now, 'forecast team search')).toMatchObject({
      ok: true,
      data: { month: december },
    });
    // November is over there: refused, never answered with December's forecast.
    expect(JSON.stringify(await cli(dir, now, 'forecast 2026-11 team search'))).toMatch(
      /November 2026 is over/,
    );
    expect(JSON.stringify(await cli(dir, now, 'forecast 2026-12'))).toMatch(/December 2026 has not started/);
  });
});

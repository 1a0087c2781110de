/**
 * The alert runs read a team's token metrics (CloudWatch bills per metric requested) every
 * hour only while the team is within reach of its next threshold; the others every few hours.
 * Through the wire: a local CloudWatch / Bedrock server, the ledger on dynalite.
 */
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBedrockControlPlane } from '../../lib/aws/bedrock.js';
import { createCloudWatchMetrics } from '../../lib/aws/cloudwatch.js';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { planNowcastReads } from '../../lib/budgets/nowcast-cadence.js';
import { DEFAULT_DIGEST, getTeam, saveTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { syncIfDue } from '../../lib/ledger/job.js';
import { Dec, usd } from '../../lib/money.js';
import type { DataSources } from '../../lib/ports.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import type { Store } from '../../lib/store/store.js';
import { type AwsServer, awsError, startAwsServer } from '../support/aws-server.js';
import { recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type FakeBill, fakeBill } from './fake-bill.js';

const ACCOUNT = '123456789012';
const SONNET_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0';
const TEAMS = ['search', 'support', 'growth'] as const;
const profileArn = (team: string) =>
  `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/${team}0000001`;

/** Input tokens since midnight per team, as the local CloudWatch reports them (changed by tests). */
let tokensPerHour: Record<string, number>;
let metricsDown = false;

describe('the alert runs’ nowcast cadence', () => {
  let dynamo: TestDynamo;
  let store: Store;
  let aws: AwsServer;
  let bill: FakeBill;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    aws = await startAwsServer({
      ListMetrics: () => ({
        Metrics: TEAMS.map((t) => ({
          Namespace: 'AWS/Bedrock',
          MetricName: 'InputTokenCount',
          Dimensions: [{ Name: 'ModelId', Value: profileArn(t) }],
        })),
      }),
      // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
      GetMetricData: (input: { MetricDataQueries: any[]; StartTime: number; EndTime: number }) => {
        if (metricsDown) throw awsError('InternalServiceError', 'CloudWatch is having a bad day', 500);
        const start = Number(input.StartTime);
        const hours = Math.floor((Number(input.EndTime) - start) / 3600);
        return {
          MetricDataResults: input.MetricDataQueries.map((q) => {
            const arn: string = q.MetricStat.Metric.Dimensions[0].Value;
            const team = TEAMS.find((t) => profileArn(t) === arn)!;
            const perHour = q.MetricStat.Metric.MetricName === 'InputTokenCount' ? tokensPerHour[team]! : 0;
            const at = Array.from({ length: perHour ? hours : 0 }, (_, h) => start + h * 3600);
            return { Id: q.Id, StatusCode: 'Complete', Timestamps: at, Values: at.map(() => perHour) };
          }),
        };
      },
      // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
      ListInferenceProfiles: (input: any) => ({
        inferenceProfileSummaries:
          input.typeEquals === 'APPLICATION'
            ? TEAMS.map((t) => ({
                inferenceProfileName: `${t}-sonnet`,
                inferenceProfileId: `${t}0000001`,
                inferenceProfileArn: profileArn(t),
                type: 'APPLICATION',
                status: 'ACTIVE',
                models: [{ modelArn: SONNET_ARN }],
              }))
            : [],
      }),
      // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
      'Bedrock.ListTagsForResource': (input: any) => ({
        tags: [{ key: 'team', value: TEAMS.find((t) => profileArn(t) === input.resourceARN) ?? 'none' }],
      }),
    });
  });
  afterAll(async () => {
    await aws.close();
    await dynamo.close();
  });
  beforeEach(async () => {
    store = await dynamo.newStore();
    bill = fakeBill();
    aws.requests.length = 0;
    metricsDown = false;
    // 1M Sonnet input tokens an hour for each team: $3 an hour at $3 per 1M.
    tokensPerHour = { search: 1_000_000, support: 1_000_000, growth: 1_000_000 };
    // Nov 1-17 billed: search spends $100 a day against $1,800 (80% is $1,440: $1,700 billed, so its
    // next threshold, 100%, is less than a peak day away); support and growth $10 a day against
    // $10,000 (50% is $5,000: far off).
    bill.spread('search', '2026-11-01', '2026-11-18', 1700);
    bill.spread('support', '2026-11-01', '2026-11-18', 170);
    bill.spread('growth', '2026-11-01', '2026-11-18', 170);
    for (const [team, amount] of [
      ['search', 1800],
      ['support', 10_000],
      ['growth', 10_000],
    ] as const) {
      await saveTeam(
        store,
        {
          team,
          budgetUsd: usd(amount),
          thresholds: [50, 80, 100],
          target: { kind: 'slack', channel: `C0${team.toUpperCase()}01` },
          timeZone: 'UTC',
          owners: [],
          digest: { ...DEFAULT_DIGEST },
        },
        { userId: 'UADMIN001', now: new Date('2026-11-01T00:00:00Z') },
        undefined,
      );
    }
  });

  function sources(): DataSources {
    return {
      ...bill.sources,
      metrics: createCloudWatchMetrics(new CloudWatchClient(aws.clientConfig())),
      bedrock: createBedrockControlPlane(new BedrockClient(aws.clientConfig())),
    };
  }

  /** One hourly run at `at`; the profiles (ModelIds) whose metrics it requested. */
  async function runAt(at: string) {
    const delivery = recordingDelivery();
    const deps = testDeps({ store, sources: sources(), delivery, now: at });
    await syncIfDue(deps);
    const before = aws.requestsTo('GetMetricData').length;
    const report = await runBudgetAlerts(deps, { dryRun: false });
    const read = new Set<string>();
    for (const r of aws.requestsTo('GetMetricData').slice(before)) {
      // biome-ignore lint/suspicious/noExplicitAny: parsed SDK input
      for (const q of r.input.MetricDataQueries as any[]) {
        read.add(TEAMS.find((t) => profileArn(t) === q.MetricStat.Metric.Dimensions[0].Value)!);
      }
    }
    return { read, report, delivery };
  }

  it('reads a team near its threshold every hour and the others every four hours', async () => {
    // The first run of the day keeps yesterday's full-day estimate too: every profile, once.
    const six = await runAt('2026-11-18T06:00:00Z');
    expect(six.read).toEqual(new Set(TEAMS));
    const seven = await runAt('2026-11-18T07:00:00Z');
    expect(seven.read).toEqual(new Set(['search']));
    const nine = await runAt('2026-11-18T09:00:00Z');
    expect(nine.read).toEqual(new Set(['search']));
    const ten = await runAt('2026-11-18T10:00:00Z');
    expect(ten.read).toEqual(new Set(TEAMS));
  });

  it('keeps a far-off team’s last reading between readings and says when it was read', async () => {
    // support is far from its thresholds; at 06:00 its reading is six hours of tokens.
    await runAt('2026-11-18T06:00:00Z');
    // Its budget is cut to $360: 50% is $180, and $170 billed + the 06:00 reading crosses it.
    await saveTeam(
      store,
      {
        ...(await getTeam(store, 'support'))!,
        team: 'support',
        budgetUsd: usd(360),
        thresholds: [50, 80, 100],
        target: { kind: 'slack', channel: 'C0SUPPORT01' },
        timeZone: 'UTC',
        owners: [],
        digest: { ...DEFAULT_DIGEST },
      },
      { userId: 'UADMIN001', now: new Date('2026-11-18T06:30:00Z') },
      await getTeam(store, 'support'),
    );
    const seven = await runAt('2026-11-18T07:00:00Z');
    const alert = seven.delivery.sent.find(
      (m) => m.target.kind === 'slack' && m.target.channel === 'C0SUPPORT01',
    );
    expect(alert).toBeDefined();
    const text = renderText(alert!.reply);
    // The 06:00 reading: 6 hours x 1M input tokens at the catalog's Sonnet 4.5 in-Region rate.
    const rate = bundledCatalog()
      .byKey.get('claude-sonnet-4-5')!
      .prices.find((p) => p.at === 'us-east-1')!.input!;
    const reading = new Dec(rate).times(6).toFixed(2);
    expect(text).toContain(`plus $${reading} estimated for today from token metrics read Nov 18 06:00 UTC`);
  });

  it('keeps the last readings when CloudWatch fails, and reads the teams again on the next run', async () => {
    await runAt('2026-11-18T06:00:00Z');
    // Every team is due at 10:00; CloudWatch fails: the 06:00 readings stand, nothing is recorded.
    metricsDown = true;
    const ten = await runAt('2026-11-18T10:00:00Z');
    expect(ten.report.stats.teams).toBe(3);
    metricsDown = false;
    const eleven = await runAt('2026-11-18T11:00:00Z');
    expect(eleven.read).toEqual(new Set(TEAMS));
  });
  it('answers `budget` from the alert run’s readings; one team asked about is read when its reading is over an hour old', async () => {
    await runAt('2026-11-18T06:00:00Z');
    const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
    const ask = async (line: string, at: string) => {
      const deps = testDeps({ store, sources: sources(), delivery: recordingDelivery(), now: at });
      const before = aws.requestsTo('GetMetricData').length;
      const out = (await executeLine(line, { deps, caller })) as { reply: Parameters<typeof renderText>[0] };
      return { text: renderText(out.reply), metricRequests: aws.requestsTo('GetMetricData').length - before };
    };
    const all = await ask('budget', '2026-11-18T07:00:00Z');
    expect(all.metricRequests).toBe(0);
    expect(all.text).toContain('from token metrics read Nov 18 06:00 UTC or later');
    const one = await ask('budget support', '2026-11-18T07:30:00Z');
    expect(one.metricRequests).toBe(1);
    // The fresh reading is kept: the next alert run uses it instead of reading support again.
    const eight = await runAt('2026-11-18T08:00:00Z');
    expect(eight.read).toEqual(new Set(['search']));
  });
});

describe('planNowcastReads', () => {
  const parse = (v: string) => new Dec(v);
  const team = (name: string, billed: number, peak?: number) => ({
    team: name,
    budgetUsd: new Dec(1000),
    thresholds: [50, 80, 100],
    billedUsd: new Dec(billed),
    ...(peak !== undefined ? { peakDayUsd: new Dec(peak) } : {}),
  });
  const now = new Date('2026-11-18T09:00:00Z');
  const state = (at: string, usd = '10') => ({
    day: '2026-11-18',
    teams: { a: { usd, at }, b: { usd, at }, c: { usd, at } },
  });

  it('reads every team on the first run of a day', () => {
    const plan = planNowcastReads({
      now,
      refreshHours: 4,
      parse,
      state: { ...state('2026-11-17T23:00:00Z'), day: '2026-11-17' },
      teams: [team('a', 100, 20), team('b', 100, 20)],
    });
    expect(plan.read).toEqual(new Set(['a', 'b']));
  });

  it('counts the last reading toward the headroom, and a team with no billed day as within reach', () => {
    const plan = planNowcastReads({
      now,
      refreshHours: 4,
      parse,
      state: state('2026-11-18T08:00:00Z', '60'),
      // a: 50% ($500) is $440 - $60 = ... $500 - (380 + 60) = $60 away, peak day $70: within reach.
      // b: $500 - (300 + 60) = $140 away, peak $70: not. c: no billed day yet: within reach.
      teams: [team('a', 380, 70), team('b', 300, 70), team('c', 0)],
    });
    expect(plan.hot).toEqual(new Set(['a', 'c']));
    expect(plan.read).toEqual(new Set(['a', 'c']));
    expect(plan.kept.get('b')?.usd.toString()).toBe('60');
  });

  it('reads a team past all its thresholds only on the slow cadence', () => {
    const fresh = planNowcastReads({
      now,
      refreshHours: 4,
      parse,
      state: state('2026-11-18T06:00:00Z'),
      teams: [team('a', 1200, 500)],
    });
    expect(fresh.read.size).toBe(0);
    const old = planNowcastReads({
      now,
      refreshHours: 3,
      parse,
      state: state('2026-11-18T06:00:00Z'),
      teams: [team('a', 1200, 500)],
    });
    expect(old.read).toEqual(new Set(['a']));
  });
});

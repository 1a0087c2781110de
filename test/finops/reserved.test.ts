/**
 * Under-used Reserved-tier capacity, through the real wire: the bill (local Cost Explorer)
 * holds Reserved lines for Claude Sonnet 4.6, CloudWatch (local server) the tokens sent
 * through the `us.` and `global.` profiles and an application profile copied from `us.`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addMonths } from '../../lib/analysis/reserved.js';
import { saveTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { eachDay } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { SavingsData } from '../../lib/commands/savings.js';
import { runIdleScan } from '../../lib/idle/job.js';
import type { IdleData } from '../../lib/idle/scan.js';
import { Dec, formatUsd } from '../../lib/money.js';
import type { BedrockMetricName } from '../../lib/ports.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { wireHandlers } from '../idle/idle-fixtures.js';
import { costExplorerHandler, type Fact, servicesHandler } from '../spend/bill-fixture.js';
import {
  type AwsHandler,
  type AwsHandlers,
  awsError,
  awsTestEnv,
  startAwsServer,
  useEnv,
} from '../support/aws-server.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo } from '../support/dynamo.js';

const NOW = new Date('2026-11-18T06:00:00Z');
const HOUR = 3_600_000;
const SONNET46 = 'Claude Sonnet 4.6 (Amazon Bedrock Edition)';
const US = 'us.anthropic.claude-sonnet-4-6';
const GLOBAL = 'global.anthropic.claude-sonnet-4-6';
const PROFILE_ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/r7q2m9x4k1cd';

/** The catalog's Reserved rates per 1K TPM-hour for Claude Sonnet 4.6. */
function rate(at: string, field: 'reserved1mInput' | 'reserved3mOutput'): Dec {
  const model = bundledCatalog().byKey.get('claude-sonnet-4-6')!;
  return new Dec(model.prices.find((p) => p.at === at)![field]!);
}

/**
 * Search: 100K input TPM on the `us` geo route, 1-month term from Oct 20 (renews Nov 20).
 * Support: 20K output TPM on the global route, 3-month term from Sep 1 (renews Dec 1).
 * Quantities are 1K-TPM-hours a day (TPM / 1000 x 24), amounts quantity x the catalog rate.
 */
const SEARCH = {
  tpm: 100_000,
  from: '2026-10-20',
  usageType: 'USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units',
};
const SUPPORT = {
  tpm: 20_000,
  from: '2026-09-01',
  usageType: 'USE1-MP:USE1_Reserved_3Month_OutputTPM_Global-Units',
};

function reservedFacts(): Fact[] {
  const facts: Fact[] = [];
  for (const [team, r, price] of [
    ['search', SEARCH, rate('us', 'reserved1mInput')],
    ['support', SUPPORT, rate('global', 'reserved3mOutput')],
  ] as const) {
    const quantity = new Dec(r.tpm).div(1000).times(24);
    for (const day of eachDay({ start: r.from, end: '2026-11-18' })) {
      facts.push({
        day,
        team,
        service: SONNET46,
        usageType: r.usageType,
        quantity: quantity.toString(),
        amount: quantity.times(price).toString(),
      });
    }
  }
  return facts;
}

function hourly(from: number, to: number, value: number) {
  const points: { at: Date; value: number }[] = [];
  for (let t = from; t < to; t += HOUR) points.push({ at: new Date(t), value });
  return points;
}

const WEEK_START = NOW.getTime() - 168 * HOUR;
/** Input tokens an hour through `us.` all week, and through the application profile in 6 busy hours. */
const US_INPUT_PER_HOUR = 1_200_000;
const PROFILE_INPUT_PER_HOUR = 1_800_000;
const BUSY_HOURS = 6;
/** Output tokens an hour through `global.`: 18K TPM of the 20K reserved. */
const GLOBAL_OUTPUT_PER_HOUR = 1_080_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  usageOverride?: Map<string, Partial<Record<BedrockMetricName, { at: Date; value: number }[]>>>,
  env: Record<string, string> = {},
  handlers: AwsHandlers = {},
) {
  const facts = reservedFacts();
  const usage =
    usageOverride ??
    new Map<string, Partial<Record<BedrockMetricName, { at: Date; value: number }[]>>>([
      [US, { InputTokenCount: hourly(WEEK_START, NOW.getTime(), US_INPUT_PER_HOUR) }],
      [
        PROFILE_ARN,
        {
          InputTokenCount: hourly(
            NOW.getTime() - 30 * HOUR,
            NOW.getTime() - (30 - BUSY_HOURS) * HOUR,
            PROFILE_INPUT_PER_HOUR,
          ),
        },
      ],
      [GLOBAL, { OutputTokenCount: hourly(WEEK_START, NOW.getTime(), GLOBAL_OUTPUT_PER_HOUR) }],
    ]);
  const aws = await startAwsServer({
    ...wireHandlers({ throughputs: [], usage }),
    ListMetrics: {
      Metrics: [...usage.keys()].map((v) => ({
        Namespace: 'AWS/Bedrock',
        MetricName: 'InputTokenCount',
        Dimensions: [{ Name: 'ModelId', Value: v }],
      })),
    },
    ListInferenceProfiles: (input: { typeEquals?: string }) =>
      input.typeEquals === 'APPLICATION'
        ? {
            inferenceProfileSummaries: [
              {
                inferenceProfileName: 'search-sonnet',
                inferenceProfileId: 'r7q2m9x4k1cd',
                inferenceProfileArn: PROFILE_ARN,
                type: 'APPLICATION',
                status: 'ACTIVE',
                models: [{ modelArn: `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${US}` }],
              },
            ],
          }
        : { inferenceProfileSummaries: [] },
    'Bedrock.ListTagsForResource': { tags: [{ key: 'team', value: 'search' }] },
    GetCostAndUsage: costExplorerHandler(facts, 50),
    GetDimensionValues: servicesHandler(facts),
    ...handlers,
  });
  const dynamo = await startTestDynamo();
  const restore = useEnv(awsTestEnv(aws.endpoint));
  cleanups.push(
    () => aws.close(),
    () => dynamo.close(),
    restore,
  );
  const store = await dynamo.newStore();
  const deps = testDeps({
    store,
    env: { AWS_ENDPOINT_URL_BEDROCK: aws.endpoint, BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS', ...env },
  });
  const run = (text: string) =>
    executeLine(text, { deps, caller: { platform: 'cli', userId: 'cli', isAdmin: true } });
  return { deps, store, run };
}

describe('under-used Reserved tier (Cost Explorer and CloudWatch at the wire)', () => {
  it('finds the under-used reservation, sizes it to the p95 used TPM and prices the resize', async () => {
    const { run } = await setup();
    const data = (await run('savings')).data as SavingsData;
    const reserved = data.findings.filter((f) => f.kind === 'under-used');
    expect(reserved).toHaveLength(1);

    // Used TPM per hour: `us.` all week plus the application profile in its busy hours.
    const tpm = Array.from({ length: 168 }, (_, h) => {
      const busy = h >= 168 - 30 && h < 168 - 30 + BUSY_HOURS;
      return (US_INPUT_PER_HOUR + (busy ? PROFILE_INPUT_PER_HOUR : 0)) / 60;
    });
    const avg = tpm.reduce((s, v) => s + v, 0) / tpm.length;
    const sorted = [...tpm].sort((a, b) => a - b);
    const p95 = sorted[Math.ceil(0.95 * 168) - 1]!;
    const peak = sorted[167]!;
    const target = Math.ceil(p95 / 1000) * 1000;
    const monthly = new Dec(SEARCH.tpm - target).div(1000).times(rate('us', 'reserved1mInput')).times(730);
    expect(avg / SEARCH.tpm).toBeLessThan(0.5);
    expect(reserved[0]).toMatchObject({
      team: 'search',
      model: 'Claude Sonnet 4.6',
      monthlyUsd: monthly.toDecimalPlaces(2).toNumber(),
    });
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    expect(reserved[0]!.action).toContain(
      `from ${fmt(SEARCH.tpm)} to ${fmt(target)} TPM when it renews on Nov 20`,
    );
    expect(reserved[0]!.action).toContain(
      `${Math.round((avg / SEARCH.tpm) * 100)}% used over 7 days (peak ${fmt(peak)}, p95 ${fmt(p95)} TPM)`,
    );
    // The well-used global output reservation of support (90%) is no finding.
    expect(data.findings.some((f) => f.team === 'support')).toBe(false);
    expect(renderText((await run('savings')).reply)).toMatch(
      /search · Claude Sonnet 4\.6 · under-used capacity +-\$[\d,]+\/mo/,
    );
    // Scoped to a team: only that team's reservation.
    const support = (await run('savings team support')).data as SavingsData;
    expect(support.findings.filter((f) => f.kind === 'under-used')).toEqual([]);
  });

  it('shows the same finding and dollars in idle and in the daily idle scan', async () => {
    const { deps, run } = await setup();
    const savings = (await run('savings')).data as SavingsData;
    const finding = savings.findings.find((f) => f.kind === 'under-used')!;

    const idle = await run('idle');
    const data = idle.data as IdleData;
    const search = data.reserved?.find((r) => r.team === 'search');
    expect(search).toMatchObject({
      model: 'Claude Sonnet 4.6',
      direction: 'input',
      scope: 'geo',
      term: '1-month',
      reservedTpm: SEARCH.tpm,
      start: SEARCH.from,
      renews: '2026-11-20',
      underUsed: true,
      monthlyUsd: finding.monthlyUsd,
      action: finding.action,
    });
    // A day of the reservation: 2,400 1K-TPM-hours at the catalog rate.
    expect(search!.costPerDayUsd).toBe(
      new Dec(SEARCH.tpm).div(1000).times(24).times(rate('us', 'reserved1mInput')).toNumber(),
    );
    expect(data.reserved?.find((r) => r.team === 'support')).toMatchObject({
      renews: '2026-12-01',
      underUsed: false,
      monthlyUsd: 0,
      utilization: 0.9,
    });
    expect(renderText(idle.reply)).toContain(finding.action);

    const report = await runIdleScan(deps, { dryRun: true });
    expect(report.summary).toContain('1 under-used Reserved-tier reservation over 7 days');
    const message = report.messages.find((m) => m.subject.startsWith('Claude Sonnet 4.6 Reserved'));
    expect(message?.reply.headline).toContain(
      `saves about ${formatUsd(new Dec(finding.monthlyUsd), { decimals: 0 })} a month`,
    );
    expect(renderText(message!.reply)).toContain(finding.action);
  });

  it('flags nothing when the reservation is used above half', async () => {
    const busy = new Map<string, Partial<Record<BedrockMetricName, { at: Date; value: number }[]>>>([
      // 60K TPM of the 100K reserved, all week.
      [US, { InputTokenCount: hourly(WEEK_START, NOW.getTime(), 3_600_000) }],
      [GLOBAL, { OutputTokenCount: hourly(WEEK_START, NOW.getTime(), GLOBAL_OUTPUT_PER_HOUR) }],
    ]);
    const { run } = await setup(busy);
    const data = (await run('savings')).data as SavingsData;
    expect(data.findings.filter((f) => f.kind === 'under-used')).toEqual([]);
  });

  it("hides another team's reservation from a member who sees only their team (BEDROCK_COST_VISIBILITY=team)", async () => {
    const { deps, store, run } = await setup(undefined, { BEDROCK_COST_VISIBILITY: 'team' });
    const owner = 'U0SUPPORT1';
    await saveTeam(
      store,
      {
        team: 'support',
        budgetUsd: new Dec(5000),
        thresholds: [50, 80, 100],
        timeZone: 'UTC',
        owners: [owner],
        digest: { weekday: 1, hour: 9 },
      },
      { userId: 'cli', now: NOW },
      undefined,
    );
    const member = (text: string) =>
      executeLine(text, {
        deps,
        caller: { platform: 'slack', userId: owner, isAdmin: false, channelId: 'C0RANDOM01' },
      });
    // The CLI operator (every team) sees search's under-used reservation ...
    const all = (await run('savings')).data as SavingsData;
    expect(all.findings.some((f) => f.kind === 'under-used' && f.team === 'search')).toBe(true);
    // ... support's owner sees neither search's finding nor its reservation in idle.
    const mine = (await member('savings')).data as SavingsData;
    expect(mine.findings.some((f) => f.team === 'search')).toBe(false);
    const idle = (await member('idle')).data as IdleData;
    expect(idle.reserved?.map((r) => r.team)).toEqual(['support']);
    // Its use is account-wide (system profiles carry no team): not judged from a scoped view.
    expect(idle.reserved?.[0]).toMatchObject({ underUsed: false, monthlyUsd: 0 });
    expect(idle.reserved?.[0]?.usedAvgTpm).toBeUndefined();
    expect(idle.problems.join(' ')).toContain('Reserved-tier usage');
  });

  it("adds the calls other Regions' CloudWatch counted (BEDROCK_COST_REGIONS)", async () => {
    type Usage = Map<string, Partial<Record<BedrockMetricName, { at: Date; value: number }[]>>>;
    // Half of the `us.` calls are sent from us-west-2 and counted by its CloudWatch.
    const east: Usage = new Map([
      [US, { InputTokenCount: hourly(WEEK_START, NOW.getTime(), US_INPUT_PER_HOUR / 2) }],
    ]);
    const west: Usage = new Map([
      [US, { InputTokenCount: hourly(WEEK_START, NOW.getTime(), US_INPUT_PER_HOUR / 2) }],
    ]);
    const usageIn = (region: string | undefined) => (region === 'us-west-2' ? west : east);
    const { run } = await setup(
      east,
      { BEDROCK_COST_REGIONS: 'us-west-2' },
      {
        GetMetricData: ((input, request) =>
          (wireHandlers({ throughputs: [], usage: usageIn(request.region) }).GetMetricData as AwsHandler)(
            input,
            request,
          )) as AwsHandler,
        ListMetrics: ((_input, request) => ({
          Metrics: [...usageIn(request.region).keys()].map((v) => ({
            Namespace: 'AWS/Bedrock',
            MetricName: 'InputTokenCount',
            Dimensions: [{ Name: 'ModelId', Value: v }],
          })),
        })) as AwsHandler,
      },
    );
    const data = (await run('savings')).data as SavingsData;
    // Both halves: 20K TPM every hour, so the reservation resizes to 20K (not 10K).
    const target = Math.ceil(US_INPUT_PER_HOUR / 60 / 1000) * 1000;
    const monthly = new Dec(SEARCH.tpm - target).div(1000).times(rate('us', 'reserved1mInput')).times(730);
    const finding = data.findings.find((f) => f.kind === 'under-used' && f.team === 'search');
    expect(finding?.monthlyUsd).toBe(monthly.toDecimalPlaces(2).toNumber());
    expect(finding?.action).toContain(`to ${target.toLocaleString('en-US')} TPM`);
  });

  it('says what it could not check, and flags nothing, when CloudWatch refuses', async () => {
    const { run } = await setup(
      undefined,
      {},
      {
        GetMetricData: awsError(
          'AccessDeniedException',
          'not authorized to perform: cloudwatch:GetMetricData',
          403,
        ),
      },
    );
    const data = (await run('savings')).data as SavingsData;
    expect(data.findings.filter((f) => f.kind === 'under-used')).toEqual([]);
    expect(data.problems.join(' ')).toMatch(/Reserved-tier usage from CloudWatch/);
  });
});

describe('addMonths (Reserved terms)', () => {
  it('keeps the day of the month, or the last day of a shorter month', () => {
    expect(addMonths('2026-10-20', 1)).toBe('2026-11-20');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
  });
});

/**
 * CUR 2.0 through Athena as the ledger's bill source, against a local Athena (Athena's JSON
 * protocol, the SQL run by DuckDB over a generated CUR 2.0 Parquet export) and, for the same
 * generated bill, the local Cost Explorer: both sources give the same ledger facts to the cent,
 * and the commands answer the same figures from either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCostExplorerSource } from '../../lib/aws/cost-explorer.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { fetchDigestBill } from '../../lib/digest/data.js';
import type { AttributionConfig } from '../../lib/ledger/attribution.js';
import { createCurSource, runAthenaQuery } from '../../lib/ledger/cur-source.js';
import type { BillFact } from '../../lib/ledger/facts.js';
import { syncIfDue } from '../../lib/ledger/job.js';
import { readDays, readMeta } from '../../lib/ledger/store.js';
import { describeSync, horizonStart, type LedgerContext, syncLedger } from '../../lib/ledger/sync.js';
import { silentLog } from '../../lib/log.js';
import { Dec, sumUsd } from '../../lib/money.js';
import type { CostSource, DataSources } from '../../lib/ports.js';
import { spendContextOf } from '../../lib/spend/query.js';
import { isBedrockService } from '../../lib/spend/usage-type.js';
import type { Store } from '../../lib/store/store.js';
import { type LocalAthena, startLocalAthena } from '../support/athena-server.js';
import { type AwsServer, awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
import { type BillLine, costExplorerFromLines, generateBill, writeCurExport } from '../support/cur-bill.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const NOW = '2026-11-18T06:00:00Z';
const TODAY = '2026-11-18';
const DB = 'cur';
const TABLE = 'cur2';
const WORKGROUP = 'bedrock-cost';
const ACCOUNTS = [
  { id: '111122223333', name: 'search-prod' },
  { id: '444455556666', name: 'growth-prod' },
  { id: '777788889999', name: 'shared-ml' },
];
const TEAMS = ['search', 'growth', 'legal'];

let dynamo: TestDynamo;
let aws: AwsServer;
let athena: LocalAthena;
let dir: string;
let lines: BillLine[];

beforeAll(async () => {
  dynamo = await startTestDynamo();
  dir = mkdtempSync(join(tmpdir(), 'cur-'));
  lines = generateBill({
    seed: 18,
    start: '2025-11-20',
    end: TODAY,
    openFrom: '2026-11-01',
    linesPerDay: 30,
    teams: TEAMS,
    accounts: ACCOUNTS,
  });
  await writeCurExport(lines, join(dir, 'export'));
  athena = await startLocalAthena({
    dataDir: join(dir, 'export'),
    database: DB,
    table: TABLE,
    workgroup: WORKGROUP,
  });
  aws = await startAwsServer({ ...costExplorerFromLines(lines), ...athena.handlers });
}, 60_000);

afterAll(async () => {
  athena?.close();
  await aws?.close();
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const clock = { now: () => new Date(NOW) };
/** No token metrics, no control plane: the figures here are the bill's. */
const SHARED: Omit<DataSources, 'costs'> = {
  kind: 'aws',
  metrics: { listModelIds: async () => [], getMetricSums: async () => ({ series: [], requests: 0 }) },
  bedrock: { listProvisionedThroughputs: async () => [], listInferenceProfiles: async () => [] },
};
const ctxOf = (
  store: Store,
  source: 'cost-explorer' | 'cur',
  attribution?: AttributionConfig,
): LedgerContext => ({
  store,
  clock,
  log: silentLog,
  teamTagKey: 'team',
  metric: 'UnblendedCost',
  source,
  dailyRequests: 8,
  ...(attribution ? { attribution } : {}),
});

const curSource = (options: { maxBytes?: number; attribution?: AttributionConfig; table?: string } = {}) =>
  createCurSource({
    athena: new AthenaClient(aws.clientConfig({ maxAttempts: 1 })),
    workgroup: WORKGROUP,
    database: DB,
    table: options.table ?? TABLE,
    output: 's3://results-bucket/bedrock-cost/',
    maxBytes: options.maxBytes ?? 1e12,
    attribution: options.attribution ?? { accountTeams: {} },
    teamTagKey: 'team',
    metric: 'UnblendedCost',
    pollMs: 1,
  });
const ceSource = () => createCostExplorerSource(new CostExplorerClient(aws.clientConfig({ maxAttempts: 1 })));

/** Sync until the ledger holds its whole horizon (first read, then backfill steps). */
async function fill(ctx: LedgerContext, bill: CostSource) {
  const records = [];
  for (let i = 0; i < 8; i++) {
    const result = await syncLedger(ctx, bill, { trigger: 'cli', force: true });
    records.push(result.record);
    if (result.record?.error) throw new Error(result.record.error);
    if (result.meta && result.meta.from <= horizonStart(TODAY)) break;
  }
  return records;
}

const keyOf = (f: BillFact) =>
  [f.day, f.service, f.usageType, f.team, f.account, f.region, f.state].join('|');
async function factsOf(store: Store): Promise<Map<string, BillFact>> {
  const days = await readDays(store, horizonStart(TODAY), '2026-11-19');
  const out = new Map<string, BillFact>();
  for (const d of days.values()) for (const f of d.facts) out.set(keyOf(f), f);
  return out;
}

describe('BEDROCK_COST_SOURCE=cur', () => {
  it('the scheduled sync reads CUR through the Athena endpoint of AWS_ENDPOINT_URL_ATHENA', async () => {
    const restore = useEnv(awsTestEnv({ athena: aws.endpoint }));
    try {
      const env = {
        BEDROCK_COST_SOURCE: 'cur',
        BEDROCK_COST_ATHENA_WORKGROUP: WORKGROUP,
        BEDROCK_COST_ATHENA_DATABASE: DB,
        BEDROCK_COST_ATHENA_TABLE: TABLE,
        BEDROCK_COST_ATHENA_OUTPUT: 's3://results-bucket/bedrock-cost/',
      };
      const before = aws.count('AmazonAthena.StartQueryExecution');
      const deps = testDeps({ store: await dynamo.newStore(), now: NOW, env });
      const result = await syncIfDue(deps, { trigger: 'cli', force: true });
      expect(result.record?.error).toBeUndefined();
      expect(result.meta?.source).toBe('cur');
      expect(result.record?.bytesScanned).toBeGreaterThan(0);
      // `bedrock-cost sync` counts what this source bills: queries and bytes, not Cost Explorer requests.
      expect(describeSync('sync', result)).toMatch(
        /read with \d+ Athena quer(y|ies) \([\d.]+ [KMG]?B scanned\)/,
      );
      expect(aws.count('AmazonAthena.StartQueryExecution') - before).toBe(2);
      expect(aws.requestsTo('AmazonAthena.StartQueryExecution').at(-1)?.input).toMatchObject({
        WorkGroup: WORKGROUP,
        ResultConfiguration: { OutputLocation: 's3://results-bucket/bedrock-cost/' },
      });
      // Without the table, a clear configuration error.
      const bare = testDeps({
        store: await dynamo.newStore(),
        now: NOW,
        env: { BEDROCK_COST_SOURCE: 'cur' },
      });
      expect((await syncIfDue(bare, { trigger: 'cli' })).reason).toMatch(
        /BEDROCK_COST_SOURCE=cur needs BEDROCK_COST_ATHENA_DATABASE and BEDROCK_COST_ATHENA_TABLE/,
      );
    } finally {
      restore();
    }
  });
});

describe('CUR 2.0 through Athena as the bill source', () => {
  let ceStore: Store;
  let curStore: Store;
  let curRecords: Awaited<ReturnType<typeof fill>>;

  beforeAll(async () => {
    ceStore = await dynamo.newStore();
    curStore = await dynamo.newStore();
    await fill(ctxOf(ceStore, 'cost-explorer'), ceSource());
    curRecords = await fill(ctxOf(curStore, 'cur'), curSource());
  }, 120_000);

  it('gives the same ledger facts as Cost Explorer for the same bill, to the cent', async () => {
    const ce = await factsOf(ceStore);
    const cur = await factsOf(curStore);
    expect(cur.size).toBeGreaterThan(1000);
    expect([...cur.keys()].sort()).toEqual([...ce.keys()].sort());
    for (const [key, f] of cur) {
      const other = ce.get(key)!;
      expect(f.amount.toFixed(), key).toBe(other.amount.toFixed());
      expect(f.amount.toFixed(2)).toBe(other.amount.toFixed(2));
      expect(f.quantity.toFixed(), key).toBe(other.quantity.toFixed());
    }
    // The bill's Bedrock lines only: AgentCore and OpenSearch in, S3 and tax out.
    const services = new Set([...cur.values()].map((f) => f.service));
    expect([...services].sort()).toEqual([
      'Amazon Bedrock',
      'Amazon Bedrock AgentCore',
      'Amazon OpenSearch Service',
      'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
    ]);
    const expected = sumUsd(
      lines
        .filter(
          (l) => l.lineItemType === 'Usage' && l.productCode !== 'AmazonS3' && l.hour >= horizonStart(TODAY),
        )
        .map((l) => new Dec(l.cost)),
    );
    expect(sumUsd([...cur.values()].map((f) => f.amount)).toFixed()).toBe(expected.toFixed());
    // Final (invoiced) months and the open month, as Cost Explorer marks them.
    expect(cur.get([...cur.keys()].find((k) => k.startsWith('2026-10-31'))!)?.state).toBe('final');
    expect(cur.get([...cur.keys()].find((k) => k.startsWith('2026-11-17'))!)?.state).toBe('provisional');
  });

  it('prunes partitions, pages results and records the bytes each sync scanned', async () => {
    const first = curRecords[0]!;
    expect(first.bytesScanned).toBeGreaterThan(0);
    const facts = athena.executions.filter((e) => e.sql.includes('GROUP BY'));
    // The first read (last month and this one) reads two billing periods, not thirteen.
    expect(facts[0]!.sql).toMatch(/billing_period IN \('2026-10', '2026-11'\)/);
    const whole = await runAthenaQuery(
      {
        athena: new AthenaClient(aws.clientConfig({ maxAttempts: 1 })),
        workgroup: WORKGROUP,
        database: DB,
        table: TABLE,
        maxBytes: 1e12,
        attribution: { accountTeams: {} },
        teamTagKey: 'team',
        metric: 'UnblendedCost',
        pollMs: 1,
      },
      facts[0]!.sql
        .replace(/billing_period IN \([^)]*\)/, '1 = 1')
        .replace(/AND line_item_usage_start_date[^\n]*\n/g, ''),
    );
    expect(facts[0]!.bytes).toBeLessThan(whole.bytesScanned / 3);
    // More than one page of results (1,000 rows a page) for a backfill step.
    expect(Math.max(...facts.map((e) => e.rows.length))).toBeGreaterThan(1000);
    expect(aws.count('AmazonAthena.GetQueryResults')).toBeGreaterThan(athena.executions.length);
    const meta = await readMeta(curStore);
    expect(meta?.source).toBe('cur');
    expect(meta?.history.every((h) => (h.bytesScanned ?? 0) > 0)).toBe(true);
    expect(meta?.accountNames).toEqual(Object.fromEntries(ACCOUNTS.map((a) => [a.id, a.name])));
  });

  it('does not read the open window again while the export has not refreshed', async () => {
    const store = await dynamo.newStore();
    const later = { now: () => new Date('2026-11-18T16:00:00Z') };
    await syncLedger(ctxOf(store, 'cur'), curSource(), { trigger: 'schedule', backfill: false });
    const before = athena.executions.length;
    const again = await syncLedger({ ...ctxOf(store, 'cur'), clock: later }, curSource(), {
      trigger: 'schedule',
      backfill: false,
    });
    expect(again.record?.skipped).toMatch(/the CUR export has not refreshed since 2026-11-17 \d\d:00 UTC/);
    // Only the refresh check ran (no facts query).
    expect(athena.executions.slice(before).map((e) => e.sql.includes('GROUP BY'))).toEqual([false]);
  });

  it('answers every command with the same figures from CUR-built facts', async () => {
    const shared = SHARED;
    const ceDeps = testDeps({ store: ceStore, sources: { ...shared, costs: ceSource() }, now: NOW });
    const curDeps = testDeps({
      store: curStore,
      sources: { ...shared, costs: curSource() },
      now: NOW,
      env: { BEDROCK_COST_SOURCE: 'cur' },
    });
    const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
    const run = async (deps: Deps, text: string) => (await executeLine(text, { deps, caller })).data;
    const before = athena.executions.length;
    for (const line of [
      'spend 30d by team',
      'spend last month by model',
      'spend mtd team search',
      'why 30d',
      'why last week',
      'forecast',
      'forecast team growth',
    ]) {
      const [a, b] = [await run(ceDeps, line), await run(curDeps, line)];
      expect(JSON.stringify(a), line).toMatch(/"(totalUsd|monthEndUsd|forecastUsd)":\d/);
      expect(JSON.stringify(b), line).toBe(JSON.stringify(a));
    }
    // The digest's bill: every team's lines, the same.
    const range = { start: '2026-11-09', end: '2026-11-16' };
    const [a, b] = await Promise.all([
      fetchDigestBill(await spendContextOf(ceDeps), range),
      fetchDigestBill(await spendContextOf(curDeps), range),
    ]);
    const totals = (bill: typeof a) =>
      [...bill.teams].map(([team, ls]) => [team, sumUsd(ls.map((l) => l.amount)).toFixed()]).sort();
    expect(totals(b)).toEqual(totals(a));
    expect(totals(b).length).toBe(4);
    // Answered from the ledger: no Athena query for a question.
    expect(athena.executions.length).toBe(before);
  });

  it('names linked accounts, breaks spend down by account, and sums a team over its accounts', async () => {
    const deps = testDeps({
      store: curStore,
      sources: { ...SHARED, costs: curSource() },
      now: NOW,
      env: { BEDROCK_COST_SOURCE: 'cur' },
    });
    const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
    const byAccount = (await executeLine('spend last month by account', { deps, caller })).data as {
      totalUsd: number;
      groups: { key: string; label: string; usd: number }[];
    };
    expect(byAccount.groups.map((g) => g.label).sort()).toEqual([
      'growth-prod (444455556666)',
      'search-prod (111122223333)',
      'shared-ml (777788889999)',
    ]);
    // The team `search` spends in every account; its figure is the sum over them.
    const facts = [...(await factsOf(curStore)).values()].filter(
      (f) => f.team === 'search' && f.day >= '2026-10-01' && f.day < '2026-11-01',
    );
    expect(new Set(facts.map((f) => f.account)).size).toBe(3);
    const search = (await executeLine('spend last month team search', { deps, caller })).data as {
      totalUsd: number;
    };
    expect(search.totalUsd).toBe(Number(sumUsd(facts.map((f) => f.amount)).toFixed(2)));
    // Budgets (what alerts and digests check) count the team over every account it spends in.
    const november = [...(await factsOf(curStore)).values()].filter(
      (f) => f.team === 'search' && f.day >= '2026-11-01',
    );
    expect(new Set(november.map((f) => f.account)).size).toBe(3);
    await executeLine('budget set search 5000', { deps, caller });
    const budget = (await executeLine('budget search', { deps, caller })).data as {
      teams: { team: string; mtdUsd: number; estimatedUsd: number }[];
    };
    expect(budget.teams[0]!.mtdUsd - budget.teams[0]!.estimatedUsd).toBeCloseTo(
      // Budgets count the Bedrock services (isBedrockService), not OpenSearch.
      Number(sumUsd(november.filter((f) => isBedrockService(f.service)).map((f) => f.amount)).toFixed(2)),
      2,
    );
    // `status` says what the last sync scanned and how teams were attributed.
    const status = JSON.stringify(await executeLine('status', { deps, caller }));
    expect(status).toMatch(/Athena scanned/);
    expect(status).toMatch(/Teams by.*resource tag, IAM principal tag/);
  });
});

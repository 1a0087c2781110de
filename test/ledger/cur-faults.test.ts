/**
 * The CUR source's faults and team attribution: a query over its bytes bound is cancelled and
 * the previous ledger stays (answers say how old it is); a failed query fails the sync, not the
 * ledger; teams by resource tag, IAM principal tag, linked account and cost category, first
 * match wins, and an export without some columns applies the rules it can and says which.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCostExplorerSource } from '../../lib/aws/cost-explorer.js';
import { executeLine } from '../../lib/commands/grammar.js';
import { type AttributionConfig, type AttributionRule, attributeTeam } from '../../lib/ledger/attribution.js';
import { createCurSource, runAthenaQuery } from '../../lib/ledger/cur-source.js';
import { hashFacts, readDays, readMeta } from '../../lib/ledger/store.js';
import { type LedgerContext, syncLedger } from '../../lib/ledger/sync.js';
import { silentLog } from '../../lib/log.js';
import { Dec, sumUsd } from '../../lib/money.js';
import type { DataSources } from '../../lib/ports.js';
import type { Store } from '../../lib/store/store.js';
import { type LocalAthena, startLocalAthena } from '../support/athena-server.js';
import { type AwsServer, startAwsServer } from '../support/aws-server.js';
import { type BillLine, costExplorerFromLines, generateBill, writeCurExport } from '../support/cur-bill.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

const NOW = '2026-11-18T06:00:00Z';
const WORKGROUP = 'bedrock-cost';
const ACCOUNTS = [
  { id: '111122223333', name: 'search-prod' },
  { id: '777788889999', name: 'shared-ml' },
];
const TEAMS = ['search', 'growth', 'legal'];
const RANGE = { start: '2026-10-01', end: '2026-11-19' };

let dynamo: TestDynamo;
let aws: AwsServer;
let full: LocalAthena;
let old: LocalAthena;
let dir: string;
let lines: BillLine[];

beforeAll(async () => {
  dynamo = await startTestDynamo();
  dir = mkdtempSync(join(tmpdir(), 'cur-faults-'));
  lines = generateBill({
    seed: 7,
    start: '2026-10-01',
    end: '2026-11-18',
    openFrom: '2026-11-01',
    linesPerDay: 12,
    teams: TEAMS,
    accounts: ACCOUNTS,
    principalShare: 0.5,
  }).map((l, i) => ({ ...l, category: i % 3 === 0 ? 'research' : '' }));
  await writeCurExport(lines, join(dir, 'full'));
  // An older export: no IAM principal column, no cost categories.
  await writeCurExport(lines, join(dir, 'old'), { principal: false, costCategory: false });
  full = await startLocalAthena({
    dataDir: join(dir, 'full'),
    database: 'cur',
    table: 'cur2',
    workgroup: WORKGROUP,
  });
  old = await startLocalAthena({
    dataDir: join(dir, 'old'),
    database: 'legacy',
    table: 'cur2',
    workgroup: WORKGROUP,
  });
  aws = await startAwsServer({ ...costExplorerFromLines(lines), ...full.handlers });
}, 60_000);

afterAll(async () => {
  full?.close();
  old?.close();
  await aws?.close();
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = (iso: string) => ({ now: () => new Date(iso) });
const ctxOf = (store: Store, source: string, attribution?: AttributionConfig, now = NOW): LedgerContext => ({
  store,
  clock: at(now),
  log: silentLog,
  teamTagKey: 'team',
  metric: 'UnblendedCost',
  source,
  dailyRequests: 8,
  ...(attribution ? { attribution } : {}),
});
const options = (o: { maxBytes?: number; attribution?: AttributionConfig; database?: string } = {}) => ({
  athena: new AthenaClient(aws.clientConfig({ maxAttempts: 1 })),
  workgroup: WORKGROUP,
  database: o.database ?? 'cur',
  table: 'cur2',
  maxBytes: o.maxBytes ?? 1e12,
  attribution: o.attribution ?? { accountTeams: {} },
  teamTagKey: 'team',
  metric: 'UnblendedCost' as const,
  pollMs: 1,
});

/** Team totals from the ledger. */
async function teamTotals(store: Store): Promise<Record<string, string>> {
  const days = await readDays(store, RANGE.start, RANGE.end);
  const out: Record<string, Dec> = {};
  for (const d of days.values())
    for (const f of d.facts) out[f.team] = (out[f.team] ?? new Dec(0)).plus(f.amount);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toFixed()]));
}

/** Team totals computed from the lines by the rules (what the ledger must hold). */
function expectedTotals(config: AttributionConfig, rules: AttributionRule[]): Record<string, string> {
  const out: Record<string, Dec> = {};
  for (const l of lines) {
    if (l.lineItemType !== 'Usage' || l.productCode === 'AmazonS3') continue;
    const team = attributeTeam(
      { resourceTag: l.team, principalTag: l.principalTeam, account: l.account, costCategory: l.category },
      config,
      rules,
    );
    out[team] = (out[team] ?? new Dec(0)).plus(l.cost);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toFixed()]));
}

const shared: Omit<DataSources, 'costs'> = {
  kind: 'aws',
  metrics: { listModelIds: async () => [], getMetricSums: async () => ({ series: [], requests: 0 }) },
  bedrock: { listProvisionedThroughputs: async () => [], listInferenceProfiles: async () => [] },
};

describe('CUR source faults', () => {
  it('cancels a query over its bytes bound; the previous ledger stays and answers say how old it is', async () => {
    const store = await dynamo.newStore();
    const first = await syncLedger(ctxOf(store, 'cur'), createCurSource(options()), { trigger: 'cli' });
    expect(first.record?.error).toBeUndefined();
    const before = await readDays(store, RANGE.start, RANGE.end);
    const bytes = first.record!.bytesScanned!;
    full.set({ runningPolls: 4 });
    try {
      const later = '2026-11-19T12:00:00Z';
      const bounded = createCurSource(options({ maxBytes: Math.floor(bytes / 20) }));
      const result = await syncLedger(ctxOf(store, 'cur', undefined, later), bounded, {
        trigger: 'schedule',
        force: true,
      });
      expect(result.reason).toBe('failed');
      expect(result.record?.error).toMatch(
        /scanned .* over its bound of .* \(BEDROCK_COST_ATHENA_MAX_BYTES\); it was cancelled/,
      );
      expect(aws.count('AmazonAthena.StopQueryExecution')).toBeGreaterThan(0);
      expect(full.executions.at(-1)?.state).toBe('CANCELLED');
      // The previous days, untouched.
      const after = await readDays(store, RANGE.start, RANGE.end);
      const hashes = (days: typeof before) =>
        Object.fromEntries([...days].map(([day, d]) => [day, hashFacts(d.facts)]));
      expect(Object.keys(hashes(after)).length).toBe(48);
      expect(hashes(after)).toEqual(hashes(before));
      const meta = await readMeta(store);
      expect(meta?.history[0]?.error).toMatch(/cancelled/);
      // A question answers from the ledger as it is and says how old the bill is.
      const deps = testDeps({
        store,
        sources: { ...shared, costs: bounded },
        now: later,
        env: { BEDROCK_COST_SOURCE: 'cur' },
      });
      const reply = await executeLine('spend 7d', {
        deps,
        caller: { platform: 'cli', userId: 'cli', isAdmin: true },
      });
      expect(JSON.stringify(reply)).toMatch(/30 h old/);
    } finally {
      full.set({ runningPolls: 1 });
    }
  });

  it('reports a failed query with Athena’s reason and leaves an empty ledger empty', async () => {
    await expect(runAthenaQuery(options(), 'SELECT no_such_column FROM "cur"."cur2"')).rejects.toThrow(
      /the CUR query failed: .*no_such_column/,
    );
    const store = await dynamo.newStore();
    await expect(
      syncLedger(ctxOf(store, 'cur'), createCurSource(options({ database: 'nope' })), { trigger: 'chat' }),
    ).rejects.toThrow(/Athena \(CUR 2\.0\) could not read the bill/);
    expect(await readMeta(store)).toBeUndefined();
  });
});

describe('team attribution', () => {
  const config: AttributionConfig = { accountTeams: { '777788889999': 'platform' }, costCategory: 'team' };

  it('CUR: resource tag, then IAM principal tag, then linked account, then cost category', async () => {
    const store = await dynamo.newStore();
    const result = await syncLedger(
      ctxOf(store, 'cur', config),
      createCurSource(options({ attribution: config })),
      {
        trigger: 'cli',
      },
    );
    expect(result.record?.rules).toBe('resource tag, IAM principal tag, linked account, cost category');
    const totals = await teamTotals(store);
    expect(totals).toEqual(
      expectedTotals(config, ['resource-tag', 'principal-tag', 'account', 'cost-category']),
    );
    // Each rule decided some spend: principal-only lines went to a team, shared-ml to platform.
    expect(Object.keys(totals).sort()).toEqual(['', 'growth', 'legal', 'platform', 'research', 'search']);
    const unattributed = new Dec(totals['']!);
    const all = sumUsd(Object.values(totals).map((v) => new Dec(v)));
    expect(unattributed.div(all).toNumber()).toBeLessThan(0.2);
  });

  it('an older export without line_item_iam_principal applies the other rules and says which it skipped', async () => {
    aws.handle('AmazonAthena.StartQueryExecution', old.handlers['AmazonAthena.StartQueryExecution']!);
    aws.handle('AmazonAthena.GetQueryExecution', old.handlers['AmazonAthena.GetQueryExecution']!);
    aws.handle('AmazonAthena.GetQueryResults', old.handlers['AmazonAthena.GetQueryResults']!);
    aws.handle('AmazonAthena.GetTableMetadata', old.handlers['AmazonAthena.GetTableMetadata']!);
    try {
      const store = await dynamo.newStore();
      const result = await syncLedger(
        ctxOf(store, 'cur', config),
        createCurSource(options({ attribution: config, database: 'legacy' })),
        { trigger: 'cli' },
      );
      expect(result.record?.rules).toBe(
        'resource tag, linked account (not applied: IAM principal tag: the export has no line_item_iam_principal; cost category: the table has no cost_category column)',
      );
      expect(await teamTotals(store)).toEqual(expectedTotals(config, ['resource-tag', 'account']));
    } finally {
      for (const op of ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'GetTableMetadata'])
        aws.handle(`AmazonAthena.${op}`, full.handlers[`AmazonAthena.${op}`]!);
    }
  });

  it('Cost Explorer applies the same rules where it has the data (resource tag, then linked account)', async () => {
    const store = await dynamo.newStore();
    await syncLedger(
      ctxOf(store, 'cost-explorer', config),
      createCostExplorerSource(new CostExplorerClient(aws.clientConfig({ maxAttempts: 1 }))),
      { trigger: 'cli' },
    );
    expect(await teamTotals(store)).toEqual(expectedTotals(config, ['resource-tag', 'account']));
  });
});

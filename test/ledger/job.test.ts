/**
 * As deployed, the ledger has its own scheduled function; the alert and digest runs only read
 * the ledger (no bill request, no sync's memory). Locally (no flag) they sync it when due.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBudgetAlerts } from '../../lib/budgets/alerts.js';
import { DEFAULT_DIGEST, saveTeam } from '../../lib/budgets/store.js';
import { runLedgerSync } from '../../lib/ledger/job.js';
import { readMeta } from '../../lib/ledger/store.js';
import { usd } from '../../lib/money.js';
import { fakeBill } from '../budgets/fake-bill.js';
import { recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());

describe('the ledger-sync function', () => {
  it('syncs the ledger; with it deployed, the alert run reads the ledger and makes no bill request', async () => {
    const store = await dynamo.newStore();
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 1700);
    await saveTeam(
      store,
      {
        team: 'search',
        budgetUsd: usd(2000),
        thresholds: [50, 80, 100],
        target: { kind: 'slack', channel: 'C0SEARCH01' },
        timeZone: 'UTC',
        owners: [],
        digest: { ...DEFAULT_DIGEST },
      },
      { userId: 'UADMIN001', now: new Date('2026-11-01T00:00:00Z') },
      undefined,
    );
    const deployed = (now: string) =>
      testDeps({
        store,
        sources: bill.sources,
        delivery: recordingDelivery(),
        now,
        env: { BEDROCK_COST_LEDGER_SYNC_FUNCTION: 'true' },
      });

    const sync = await runLedgerSync(deployed('2026-11-18T05:50:00Z'), { dryRun: false });
    expect(sync.summary).toMatch(/^ledger-sync: .+ read with \d+ Cost Explorer requests?; \d+ days written/);
    const requests = bill.requests();
    expect(requests).toBeGreaterThan(0);
    expect((await readMeta(store))?.through).toBe('2026-11-19');

    const alerts = await runBudgetAlerts(deployed('2026-11-18T06:00:00Z'), { dryRun: false, nowcast: false });
    expect(bill.requests()).toBe(requests);
    // $1,700 of $2,000: the 50% and 80% alerts, from the ledger.
    expect(alerts.messages.map((m) => m.subject)).toEqual([
      'search THRESHOLD#50 2026-11',
      'search THRESHOLD#80 2026-11',
    ]);

    // Without the function (local runs, the CLI), the alert run syncs when the window is due.
    const local = testDeps({
      store,
      sources: bill.sources,
      delivery: recordingDelivery(),
      now: '2026-11-19T12:00:00Z',
    });
    await runBudgetAlerts(local, { dryRun: false, nowcast: false });
    expect(bill.requests()).toBeGreaterThan(requests);
  });

  it('fails loudly when Cost Explorer fails (the alarm fires), keeping the ledger and recording why', async () => {
    const store = await dynamo.newStore();
    const bill = fakeBill();
    bill.spread('search', '2026-11-01', '2026-11-18', 1700);
    const at = (now: string, sources = bill.sources) =>
      testDeps({
        store,
        sources,
        delivery: recordingDelivery(),
        now,
        env: { BEDROCK_COST_LEDGER_SYNC_FUNCTION: 'true' },
      });
    await runLedgerSync(at('2026-11-18T05:50:00Z'), { dryRun: false });
    const before = await readMeta(store);
    const throttled = {
      ...bill.sources,
      costs: {
        ...bill.sources.costs,
        getCostAndUsage: async () => {
          throw Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' });
        },
      },
    };
    await expect(runLedgerSync(at('2026-11-19T05:50:00Z', throttled), { dryRun: false })).rejects.toThrow(
      /ledger-sync: .*FAILED: Rate exceeded/,
    );
    const after = await readMeta(store);
    expect(after?.through).toBe(before?.through);
    expect(after?.history[0]?.error).toBe('Rate exceeded');
  });
});

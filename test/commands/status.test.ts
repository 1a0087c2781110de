import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { StatusData } from '../../lib/commands/status.js';
import type { Deps } from '../../lib/context.js';
import { syncIfDue } from '../../lib/ledger/job.js';
import { recordYesterdaysNowcast } from '../../lib/ledger/reconcile.js';
import { silentLog } from '../../lib/log.js';
import { nowcastWindow } from '../../lib/spend/nowcast.js';
import { spendContextOf } from '../../lib/spend/query.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo.close());

const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
const status = async (deps: Deps) =>
  (await executeLine('status', { deps, caller })) as {
    data: StatusData;
    reply: Parameters<typeof renderText>[0];
  };

describe('status', () => {
  it('says what the ledger holds, when it syncs next, and what the syncs cost, apart from chat', async () => {
    const deps = testDeps({ store: await dynamo.newStore(), env: { BEDROCK_COST_DEMO: '1' } });
    const empty = await status(deps);
    expect(empty.data.ledger).toBeUndefined();
    expect(renderText(empty.reply)).toMatch(/^The bill ledger is empty/);

    const sync = await syncIfDue(deps, { trigger: 'cli', force: true });
    const after = await status(deps);
    expect(after.data.ledger).toMatchObject({
      from: sync.meta!.from,
      through: '2026-11-19',
      syncedAt: '2026-11-18T06:00:00.000Z',
      nextSyncAt: new Date(
        Date.parse('2026-11-18T06:00:00Z') + after.data.ledger!.intervalHours * 3_600_000,
      ).toISOString(),
    });
    // The request ledger counts what the sync reported, in the scheduled jobs' allowance.
    expect(after.data.syncs[0]).toMatchObject({ trigger: 'cli', requests: sync.record!.requests });
    expect(after.data.requestsThisMonth.costExplorerJobs).toBe(sync.record!.requests);
    expect(after.data.costExplorerUsd).toBe(sync.record!.requests / 100);

    // A chat question about a synced period reads the ledger: no request from either allowance.
    await executeLine('spend last week by team', { deps, caller });
    const later = await status(deps);
    expect(later.data.requestsThisMonth).toEqual(after.data.requestsThisMonth);
    expect(renderText(later.reply)).toContain(`${sync.record!.requests} Cost Explorer requests`);
  });

  it('says how far the kept nowcasts were from the bill: on the demo, within 3% a day', async () => {
    const deps = testDeps({ store: await dynamo.newStore(), env: { BEDROCK_COST_DEMO: '1' } });
    const ctx = await spendContextOf(deps);
    // The first alert run after each midnight keeps yesterday's full-day nowcast.
    for (const day of ['12', '13', '14', '15', '16', '17', '18']) {
      await recordYesterdaysNowcast(
        deps.store,
        new Date(`2026-11-${day}T00:30:00Z`),
        silentLog,
        async (start, end) => (await nowcastWindow(ctx, deps, { start, end })).totalUsd,
      );
    }
    await syncIfDue(deps, { trigger: 'cli', force: true });
    const { data, reply } = await status(deps);
    const days = data.nowcastError!.days;
    expect(days.map((d) => d.day)).toEqual([
      '2026-11-11',
      '2026-11-12',
      '2026-11-13',
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
    ]);
    for (const d of days) {
      expect(d.billUsd).toBeGreaterThan(0);
      expect(Math.abs(d.errorPct!)).toBeLessThanOrEqual(3);
    }
    expect(data.nowcastError!.meanAbsPct).toBeLessThanOrEqual(3);
    expect(renderText(reply)).toContain(
      `against the bill, last 7 days: ${data.nowcastError!.meanAbsPct}% off on average (goal: within 3%)`,
    );
  });
});

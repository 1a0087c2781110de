import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { StatusData } from '../../lib/commands/status.js';
import type { Deps } from '../../lib/context.js';
import { syncIfDue } from '../../lib/ledger/job.js';
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
});

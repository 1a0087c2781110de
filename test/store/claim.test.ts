import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimOnce, markSent, readClaim, release } from '../../lib/store/claim.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const key = { pk: 'EFFECT#search', sk: 'WEEK#2026-W47' };
const claimBy = (run: string) => ({
  key,
  update: 'SET #state = :sending, runId = :run ADD attempts :one',
  condition: 'attribute_not_exists(pk) OR (#state = :failed)',
  names: { '#state': 'state' },
  values: { ':sending': 'sending', ':failed': 'failed', ':run': run, ':one': 1 },
});

describe('claimOnce / markSent / release', () => {
  it('lets exactly one of many concurrent runs claim, and says so to the others without an error', async () => {
    const store = await dynamo.newStore();
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((run) => claimOnce(store, claimBy(run), { returnItem: true })),
    );
    const winners = results.filter((r) => r.claimed);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ claimed: true, item: { state: 'sending', attempts: 1 } });
    const winner = winners[0];
    expect((await readClaim(store, key))?.runId).toBe(winner?.claimed ? winner.item?.runId : undefined);
  });

  it('gives a claim back only to its holder, after which another run claims it again', async () => {
    const store = await dynamo.newStore();
    expect((await claimOnce(store, claimBy('a'))).claimed).toBe(true);
    const giveBack = (run: string) => ({
      key,
      update: 'SET #state = :failed',
      condition: 'runId = :run AND #state = :sending',
      names: { '#state': 'state' },
      values: { ':failed': 'failed', ':sending': 'sending', ':run': run },
    });
    expect(await release(store, giveBack('b'))).toBe(false);
    expect((await readClaim(store, key))?.state).toBe('sending');
    expect(await release(store, giveBack('a'))).toBe(true);
    expect((await claimOnce(store, claimBy('b'), { returnItem: true })).claimed).toBe(true);
    expect(await readClaim(store, key)).toMatchObject({ state: 'sending', runId: 'b', attempts: 2 });
  });

  it('records a delivery, and a record whose condition no longer holds fails at once', async () => {
    const store = await dynamo.newStore();
    await claimOnce(store, claimBy('a'));
    const sentBy = (run: string) => ({
      key,
      update: 'SET #state = :sent',
      condition: 'runId = :run',
      names: { '#state': 'state' },
      values: { ':sent': 'sent', ':run': run },
    });
    await expect(markSent(store, sentBy('b'))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await markSent(store, sentBy('a'));
    expect((await readClaim(store, key))?.state).toBe('sent');
    expect((await claimOnce(store, claimBy('c'))).claimed).toBe(false);
  });

  it('claims with a whole item and releases by deleting it', async () => {
    const store = await dynamo.newStore();
    const put = {
      key,
      put: { state: 'sending' },
      condition: 'attribute_not_exists(pk)',
    };
    expect((await claimOnce(store, put)).claimed).toBe(true);
    expect((await claimOnce(store, put)).claimed).toBe(false);
    const remove = {
      key,
      remove: true as const,
      condition: '#state = :sending',
      names: { '#state': 'state' },
      values: { ':sending': 'sending' },
    };
    expect(await release(store, remove)).toBe(true);
    expect(await readClaim(store, key)).toBeUndefined();
    expect(await release(store, remove)).toBe(false);
  });
});

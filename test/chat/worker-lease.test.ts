/**
 * The command worker's lease (DynamoDB through dynalite, answers through a local Slack
 * `response_url`): Lambda runs an asynchronous event again after a failure, and may run it
 * twice. A copy of a live job stands aside; a retry of a job whose holder died (timeout, out
 * of memory: its lease ran out) takes it over and answers; an answer that cannot be posted
 * makes the invocation fail, so Lambda retries it and then sends it to the failure queue.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCommandWorkerHandler, type WorkerJob } from '../../lib/chat/worker.js';
import { takeWorkerLease, WORKER_LEASE_MS } from '../../lib/chat/worker-lease.js';
import { emfDeliveryMetrics } from '../../lib/metrics.js';
import type { Store } from '../../lib/store/store.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';

let dynamo: TestDynamo;
let slack: SlackServer;
let store: Store;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startTestDynamo(), startSlackServer({ token: 'xoxb-test' })]);
});
afterAll(async () => {
  await Promise.all([dynamo.close(), slack.close()]);
});
beforeEach(async () => {
  store = await dynamo.newStore();
});

const T0 = Date.parse('2026-11-18T06:00:00Z');

function jobFor(id: string): { job: WorkerJob; answers: () => unknown[] } {
  const url = slack.responseUrl(id);
  return {
    job: {
      kind: 'command',
      id,
      text: 'help',
      caller: { platform: 'slack', userId: 'U0ALICE001', isAdmin: false },
      replyTo: { kind: 'slack-response-url', url },
    },
    answers: () => slack.responsesTo(id).filter((p) => !p.failed),
  };
}

/** The worker handler as Lambda runs it, `ms` after T0. */
const workerAt = (ms: number, metrics = emfDeliveryMetrics({ namespace: 'BedrockCostTest' })) =>
  createCommandWorkerHandler(async () =>
    testDeps({ store, env: { SLACK_API_URL: slack.apiUrl }, now: new Date(T0 + ms), metrics }),
  );

/** The EMF lines written to stdout while `run` ran. */
async function emfOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('command worker lease', () => {
  it('a retry after the holder died takes the job over and answers, once', async () => {
    const { job, answers } = jobFor('died-1');
    // The first invocation took the job at T0 and died (no renewal, no answer).
    expect(await takeWorkerLease(store, job.id, () => new Date(T0))).toBeDefined();
    // A second copy while that lease still runs leaves the job to its holder.
    expect(await workerAt(WORKER_LEASE_MS / 2)(job)).toEqual({ outcome: 'duplicate' });
    expect(answers()).toHaveLength(0);
    // Lambda's retry, a minute later: the lease has run out, the job is taken over.
    expect(await workerAt(60_000)(job)).toEqual({ outcome: 'answered' });
    expect(answers()).toHaveLength(1);
    // Done for good: yet another copy posts nothing.
    expect(await workerAt(120_000)(job)).toEqual({ outcome: 'duplicate' });
    expect(answers()).toHaveLength(1);
  });

  it('an answer that cannot be posted fails the invocation, the retry runs it again, the last attempt fails too', async () => {
    const { job, answers } = jobFor('expired-1');
    slack.failNext('response', { status: 404, body: 'expired_url' }, 2);
    const emf = await emfOf(async () => {
      await expect(workerAt(0)(job)).rejects.toThrow(/response_url: HTTP 404 expired_url/);
      // Lambda's retry: the job was given back, so it runs at once (no lease wait).
      await expect(workerAt(60_000)(job)).rejects.toThrow(/HTTP 404/);
    });
    // Both attempts tried to answer (then Lambda sends the event to the failure queue).
    expect(slack.responsesTo('expired-1')).toHaveLength(2);
    expect(answers()).toHaveLength(0);
    expect(emf.map((e) => [e.job, e.DeliveryFailed])).toEqual([
      ['command-worker', 1],
      ['command-worker', 1],
    ]);
  });

  it('an answer Slack took but answered 500 is not posted again, and the job is done', async () => {
    const { job } = jobFor('slow-1');
    slack.failNext('response', { status: 500 });
    const emf = await emfOf(async () => {
      expect(await workerAt(0)(job)).toEqual({ outcome: 'answered' });
      expect(await workerAt(60_000)(job)).toEqual({ outcome: 'duplicate' });
    });
    expect(slack.responsesTo('slow-1')).toHaveLength(1);
    expect(emf.map((e) => e.DeliveryUncertain)).toEqual([1]);
  });
});

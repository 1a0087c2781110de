/**
 * The Slack App Home tab at the wire: a signed `app_home_opened` event through the Slack
 * handler is acknowledged at once, and the worker publishes the viewer's Home view
 * (`views.publish`) to the local Slack server with the same figures `budget` shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertKeyOf, claimAlert, markAlertSent } from '../../lib/budgets/alert-store.js';
import { createSlackEventsHandler } from '../../lib/chat/slack-app.js';
import { inProcessWorker } from '../../lib/chat/worker.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { slackEventBody, slackRequest, TEST_EPOCH_SECONDS } from '../support/signing.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';

const SECRET = 'b4e2c0ffee5ecret0123456789abcdef';
const NOW_MS = TEST_EPOCH_SECONDS * 1000;
const ADMIN = 'U0ADMIN001';
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';

let dynamo: TestDynamo;
let slack: SlackServer;
let deps: Deps;
/** `budget` table rows by team: [team, budget, month to date, used, forecast, status]. */
let budgetRows: Map<string, string[]>;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startTestDynamo(), startSlackServer({ token: 'xoxb-test' })]);
  deps = testDeps({
    store: dynamo.store,
    sources: createDemoSources(fixedClock(TEST_NOW)),
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      ADMIN_USER_IDS: ADMIN,
    },
  });
  const admin = { platform: 'slack' as const, userId: ADMIN, isAdmin: true };
  await executeLine(`budget set growth 3000 owner ${ALICE}`, { deps, caller: admin });
  await executeLine(`budget set search 5000 owner ${BOB}`, { deps, caller: admin });
  const status = await executeLine('budget', { deps, caller: admin });
  const table = status.reply.blocks.find((b) => b.kind === 'table');
  if (table?.kind !== 'table') throw new Error('budget shows no table');
  budgetRows = new Map(table.rows.map((r) => [String(r[0]), r.map(String)]));
  // growth's 80% alert went out and nobody has acknowledged it yet.
  const month = (status.data as { month: string }).month;
  const key = alertKeyOf('growth', month, { kind: 'threshold', pct: 80 });
  const claim = await claimAlert(deps.store, key, {
    budgetUsd: '3000',
    spentUsd: '2500',
    target: 'slack:C0GROWTH01',
    now: new Date(TEST_NOW),
  });
  await markAlertSent(deps.store, key, claim!, { now: new Date(TEST_NOW) });
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close()]);
});

/** Open the Home tab as `user`; returns the acknowledgement and the view published for it. */
async function openHome(user: string, eventId: string) {
  const worker = inProcessWorker(async () => deps);
  const handler = createSlackEventsHandler(async () => deps, { nowMs: () => NOW_MS, invokeWorker: worker });
  const before = slack.callsTo('views.publish').length;
  const ack = await handler(
    slackRequest(
      slackEventBody(
        { type: 'app_home_opened', user, channel: 'D0HOME0001', tab: 'home', event_ts: '1763445600.000100' },
        { eventId },
      ),
      SECRET,
    ),
    undefined,
  );
  // Acknowledged before any figure is read: the view comes from the worker afterwards.
  const atAck = slack.callsTo('views.publish').length - before;
  await worker.pending();
  const published = slack.callsTo('views.publish').slice(before);
  const text = JSON.stringify(published[0]?.args.view ?? {});
  return { ack, atAck, published, text };
}

describe('Slack App Home tab', () => {
  it('shows an owner only their own team, with the figures budget shows and the open alert', async () => {
    const { ack, atAck, published, text } = await openHome(ALICE, 'Ev0HOME0001');
    expect(ack.statusCode).toBe(200);
    expect(atAck).toBe(0);
    expect(published).toHaveLength(1);
    expect(published[0]!.args.user_id).toBe(ALICE);
    expect(published[0]!.token).toBe('xoxb-test');
    expect(published[0]!.args.view.type).toBe('home');
    const [, budget, mtd, used, forecast, status] = budgetRows.get('growth')!;
    expect(text).toContain('*growth*');
    expect(text).toContain(`*Month to date*\\n${mtd}`);
    expect(text).toContain(`*Budget*\\n${budget}`);
    expect(text).toContain(`*Forecast*\\n${forecast}`);
    expect(text).toContain(`*Used*\\n${used}`);
    expect(text).toContain(status);
    expect(text).toContain('80% threshold');
    // The demo's idle throughput nova-lite-test is growth's.
    expect(text).toContain('nova-lite-test');
    expect(text).not.toContain('*search*');
    expect(text).not.toContain(budgetRows.get('search')![2]!);
  });

  it('shows an admin every team', async () => {
    const { published, text } = await openHome(ADMIN, 'Ev0HOME0002');
    expect(published).toHaveLength(1);
    expect(published[0]!.args.user_id).toBe(ADMIN);
    for (const [team, row] of budgetRows) {
      expect(text).toContain(`*${team}*`);
      expect(text).toContain(`*Month to date*\\n${row[2]}`);
    }
    // search has no open alert.
    expect(text.match(/Open alerts\*\\n/g)).toHaveLength(2);
    expect(text.match(/80% threshold/g)).toHaveLength(1);
  });

  it('tells someone without a team how to get one', async () => {
    const { published, text } = await openHome(CAROL, 'Ev0HOME0003');
    expect(published).toHaveLength(1);
    expect(text).toContain('You do not own a team budget yet');
    expect(text).toContain(`owner <@${CAROL}>`);
    expect(text).not.toContain('Month to date');
  });

  it('survives a refused views.publish, and the next open publishes again', async () => {
    slack.failNext('views.publish', { error: 'not_enabled' });
    const first = await openHome(BOB, 'Ev0HOME0005');
    expect(first.ack.statusCode).toBe(200);
    expect(first.published.map((c) => c.failed)).toEqual([true]);
    const again = await openHome(BOB, 'Ev0HOME0006');
    expect(again.published.map((c) => c.failed)).toEqual([false]);
    expect(again.text).toContain(`*Month to date*\\n${budgetRows.get('search')![2]}`);
  });

  it('publishes nothing for a forged event', async () => {
    const worker = inProcessWorker(async () => deps);
    const handler = createSlackEventsHandler(async () => deps, { nowMs: () => NOW_MS, invokeWorker: worker });
    const before = slack.callsTo('views.publish').length;
    const ack = await handler(
      slackRequest(
        slackEventBody({ type: 'app_home_opened', user: ALICE, tab: 'home' }, { eventId: 'Ev0HOME0004' }),
        'not-the-secret-0123456789abcdef00',
      ),
      undefined,
    );
    await worker.pending();
    expect(ack.statusCode).toBe(401);
    expect(slack.callsTo('views.publish').length).toBe(before);
  });
});

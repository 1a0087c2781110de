import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getTeam } from '../../lib/budgets/store.js';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { userMessage } from '../../lib/errors.js';
import type { Caller } from '../../lib/reply/caller.js';
import type { Store } from '../../lib/store/store.js';
import { fakeBill } from '../budgets/fake-bill.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { type SlackServer, startSlackServer } from '../support/slack-server.js';

const ADMIN: Caller = { platform: 'slack', userId: 'UADMIN001', isAdmin: true };
const TOKEN = 'xoxb-test';

let dynamo: TestDynamo;
let slack: SlackServer;
let store: Store;
let deps: Deps;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  // A workspace with more channels than one conversations.list page holds.
  const filler = Array.from({ length: 1200 }, (_, i) => ({
    id: `C0FILL${String(i).padStart(4, '0')}`,
    name: `general-${i}`,
  }));
  slack = await startSlackServer({
    token: TOKEN,
    directory: {
      channels: [
        ...filler,
        { id: 'C0OLDALRT1', name: 'search-alerts', is_archived: true },
        { id: 'C0SEARCH01', name: 'search-alerts' },
        { id: 'G0PRIVATE1', name: 'finops-private', is_private: true },
      ],
      users: [{ id: 'U0ALICE001', email: 'alice@example.com', name: 'alice' }],
    },
  });
});
afterAll(async () => {
  await slack.close();
  await dynamo.close();
});
beforeEach(async () => {
  store = await dynamo.newStore();
  deps = testDeps({
    store,
    sources: fakeBill().sources,
    env: { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: TOKEN },
  });
});

const run = (text: string, d: Deps = deps) => executeLine(text, { deps: d, caller: ADMIN });

describe('budget set ... channel NAME', () => {
  it('resolves a channel name to its ID through conversations.list (past the first page, not archived)', async () => {
    await run('budget set search 100 channel #search-alerts');
    expect((await getTeam(store, 'search'))?.target).toEqual({ kind: 'slack', channel: 'C0SEARCH01' });
    expect(slack.callsTo('conversations.list').length).toBeGreaterThan(1);
    expect(slack.callsTo('conversations.list')[0]?.args.exclude_archived).toBe('true');
  });

  it("the refusal's own example works", async () => {
    const refusal = await run('budget set search 100 channel').catch((e: Error) => e.message);
    expect(refusal).toContain('channel #search-alerts');
    const example = /for example: (channel #[a-z-]+)/.exec(String(refusal))?.[1];
    await run(`budget set search 100 ${example}`);
    expect((await getTeam(store, 'search'))?.target).toEqual({ kind: 'slack', channel: 'C0SEARCH01' });
  });

  it('refuses an unknown channel with the closest names, and saves nothing', async () => {
    await expect(run('budget set search 100 channel #serch-alerts')).rejects.toThrow(
      "I can't find the Slack channel #serch-alerts. Did you mean: #search-alerts",
    );
    expect(await getTeam(store, 'search')).toBeUndefined();
  });

  it('without the Slack app, says to give the channel ID', async () => {
    const offline = testDeps({ store, sources: fakeBill().sources });
    const said = await run('budget set search 100 channel #search-alerts', offline).catch(userMessage);
    expect(said).toMatch(/SLACK_BOT_TOKEN.*channel C0123ABCD/);
  });
});

describe('budget set ... owner', () => {
  it('takes a Slack user ID, a mention or an email (looked up), as user IDs', async () => {
    await run('budget set search 100 owners <@U0BOB00001|bob>,alice@example.com owner U0CAROL001');
    expect((await getTeam(store, 'search'))?.owners).toEqual(['U0BOB00001', 'U0ALICE001', 'U0CAROL001']);
    expect(slack.callsTo('users.lookupByEmail')[0]?.args.email).toBe('alice@example.com');
  });

  it('refuses a name that is not a user, with a hint, and an unknown email', async () => {
    await expect(run('budget set search 100 owner @alice')).rejects.toThrow(
      /"alice" is not a user I can identify.*@ menu.*owner U0123ABCD/,
    );
    await expect(run('budget set search 100 owner bob@example.com')).rejects.toThrow(
      'No one in this Slack workspace has the email bob@example.com.',
    );
    expect(await getTeam(store, 'search')).toBeUndefined();
  });
});

describe('budget delete', () => {
  it('prints a restore command that brings back every setting', async () => {
    await run(
      'budget set search 5000.50 channel C0123ABCD thresholds 40,90 tz Europe/Paris owners U0ALICE001,U0BOB00001 digest friday 16',
    );
    const before = await getTeam(store, 'search');
    const deleted = renderText((await run('budget delete search')).reply);
    const restore = /To bring it back: `([^`]+)`/.exec(deleted)?.[1] ?? '';
    await run(restore);
    const after = await getTeam(store, 'search');
    expect(after).toMatchObject({
      budgetUsd: before?.budgetUsd,
      target: before?.target,
      thresholds: before?.thresholds,
      timeZone: 'Europe/Paris',
      owners: before?.owners,
      digest: { weekday: 5, hour: 16 },
    });
  });
});

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTeam, type TeamProfile } from '../../lib/budgets/store.js';
import { renderSlack, SLACK_LIMITS } from '../../lib/chat/slack-render.js';
import { fixedClock } from '../../lib/clock.js';
import { getDigestRecord } from '../../lib/digest/claim.js';
import { type DigestRunOptions, runWeeklyDigest } from '../../lib/digest/run.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import { Dec } from '../../lib/money.js';
import type { CostSource, DataSources } from '../../lib/ports.js';
import type { ChatTarget } from '../../lib/reply/delivery.js';
import type { Reply } from '../../lib/reply/reply.js';
import type { Store } from '../../lib/store/store.js';
import { type RecordingDelivery, recordingDelivery, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

/** The demo account as of Monday Nov 16 2026 (its story: search's Sonnet 4.5 spike the week before). */
const MONDAY = '2026-11-16';

/** Counts billed Cost Explorer calls (each call is one page here). */
function counting(sources: DataSources): { sources: DataSources; calls: () => number } {
  let calls = 0;
  const costs: CostSource = {
    listServices: async (range) => {
      calls++;
      return sources.costs.listServices(range);
    },
    getCostAndUsage: async (q) => {
      calls++;
      return sources.costs.getCostAndUsage(q);
    },
    getCostForecast: async (q) => {
      calls++;
      return sources.costs.getCostForecast(q);
    },
  };
  return { sources: { ...sources, costs }, calls: () => calls };
}

async function addTeam(
  store: Store,
  team: string,
  options: { channel?: string; timeZone: string; budget?: number; digest?: TeamProfile['digest'] },
): Promise<void> {
  const target: ChatTarget | undefined = options.channel
    ? { kind: 'slack', channel: options.channel }
    : undefined;
  await saveTeam(
    store,
    {
      team,
      budgetUsd: new Dec(options.budget ?? 5000),
      thresholds: [50, 80, 100],
      ...(target ? { target } : {}),
      timeZone: options.timeZone,
      owners: [],
      digest: options.digest ?? { weekday: 1, hour: 9 },
    },
    { userId: 'test', now: new Date('2026-11-01T00:00:00Z') },
    undefined,
  );
}

const hours = (fromIso: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) =>
    new Date(new Date(fromIso).getTime() + i * 3_600_000).toISOString(),
  );

/** Every Slack message a reply becomes respects Block Kit's limits. */
function expectWithinBlockKit(reply: Reply): void {
  const message = renderSlack(reply);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  for (const block of message.blocks as { text?: unknown; fields?: unknown }[]) {
    const text = (block.text as { text?: string } | undefined)?.text;
    if (text !== undefined) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const fields = block.fields as unknown[] | undefined;
    if (fields) expect(fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
  }
}

describe('weekly digest', () => {
  let dynamo: TestDynamo;
  let demo: DataSources;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    demo = createDemoSources(fixedClock(`${MONDAY}T23:00:00Z`));
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** A run at `at` against `store`, recording into `delivery`. */
  const runAt = async (
    store: Store,
    at: string,
    delivery: RecordingDelivery,
    options: Partial<DigestRunOptions> = {},
    env: Record<string, string> = { BEDROCK_COST_FINOPS_CHANNEL: 'C0FINOPS' },
  ) => {
    const counter = counting(demo);
    const deps = testDeps({ store, sources: counter.sources, delivery, now: at, env });
    const report = await runWeeklyDigest(deps, { dryRun: false, charts: false, ...options });
    return { report, ceCalls: counter.calls() };
  };

  it('sends each team one digest, at 09:00 on its own Monday, and the overview at 09:00 UTC', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'America/New_York' });
    await addTeam(store, 'growth', { channel: 'C0GROWTH', timeZone: 'Asia/Tokyo' });
    await addTeam(store, 'legal', { timeZone: 'UTC' });
    const delivery = recordingDelivery();
    const sentAt = new Map<string, string[]>();
    let idleRunCalls = 0;
    // Sunday 20:00 UTC to Tuesday 03:00 UTC, every hour, like the scheduler.
    for (const at of hours('2026-11-15T20:00:00Z', 32)) {
      const before = delivery.sent.length;
      const { report, ceCalls } = await runAt(store, at, delivery);
      for (const m of delivery.sent.slice(before)) {
        const channel = m.target.kind === 'slack' ? m.target.channel : 'teams';
        sentAt.set(channel, [...(sentAt.get(channel) ?? []), at]);
      }
      if (delivery.sent.length === before) idleRunCalls += ceCalls;
      expect(report.skipped).toEqual(['legal']);
    }
    // Tokyo's Monday 09:00 is Monday 00:00 UTC; New York's is 14:00 UTC.
    expect(sentAt.get('C0GROWTH')).toEqual(['2026-11-16T00:00:00.000Z']);
    expect(sentAt.get('C0SEARCH')).toEqual(['2026-11-16T14:00:00.000Z']);
    expect(sentAt.get('C0FINOPS')).toEqual(['2026-11-16T09:00:00.000Z']);
    expect(delivery.sent).toHaveLength(3);
    // Hours with nothing due cost nothing.
    expect(idleRunCalls).toBe(0);

    const search = delivery.sentTo('C0SEARCH')[0]!.reply;
    expect(search.headline).toMatch(
      /^search · week of Nov 9: \$[\d,]+ \(\+\d+%\) · November so far \$[\d,]+ of \$5,000 · forecast \$[\d,]+$/,
    );
    const text = search.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');
    // The demo's story: a nightly job made Sonnet 4.5 output tokens jump from Tuesday.
    expect(text).toMatch(
      /\*Why:\* Claude Sonnet 4\.5 output tokens (tripled|doubled|grew x[\d.]+) \(\+\$[\d,]+\)/,
    );
    expect(text).toMatch(/\*Do:\* .*batch inference: about -\$[\d,]+ a month\./);
    const image = search.blocks.find((b) => b.kind === 'image');
    expect(
      image?.kind === 'image' &&
        /[▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7} [▁▂▃▄▅▆▇█]{7}/.test(image.fallback),
    ).toBe(true);

    const overview = delivery.sentTo('C0FINOPS')[0]!.reply;
    expect(overview.headline).toMatch(/^All teams · week of Nov 9/);
    const overviewText = overview.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');
    expect(overviewText).toMatch(/Claude Sonnet 4\.5 output tokens for team search/);
    const table = overview.blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.rows.map((r) => r[0])).toEqual(
      expect.arrayContaining(['search', 'growth', 'unattributed']),
    );
    for (const m of delivery.sent) expectWithinBlockKit(m.reply);

    const record = await getDigestRecord(store, 'search', '2026-W47');
    expect(record).toMatchObject({ state: 'sent', target: 'slack:C0SEARCH' });
  });

  it('sends nothing on a rerun, and asks Cost Explorer nothing', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'UTC' });
    const delivery = recordingDelivery();
    const first = await runAt(store, `${MONDAY}T09:00:00Z`, delivery);
    expect(first.report.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    // The first run filled the ledger; later runs read only the ledger.
    expect(first.ceCalls).toBeGreaterThan(0);
    const again = await runAt(store, `${MONDAY}T09:00:00Z`, delivery);
    const later = await runAt(store, `${MONDAY}T10:00:00Z`, delivery);
    expect(delivery.sent).toHaveLength(2);
    expect(again.ceCalls + later.ceCalls).toBe(0);
    expect(later.report.summary).toContain('0 sent');
  });

  it('retries a failed channel next hour without holding up the others', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'America/New_York' });
    await addTeam(store, 'support-bot', { channel: 'C0SUPPORT', timeZone: 'America/New_York' });
    const delivery = recordingDelivery();
    delivery.failFor('C0SEARCH', { times: 1, message: 'slack chat.postMessage: HTTP 503' });

    const first = await runAt(store, `${MONDAY}T14:00:00Z`, delivery, {}, {});
    const statuses = Object.fromEntries(first.report.messages.map((m) => [m.subject, m.status]));
    expect(statuses).toEqual({ search: 'failed', 'support-bot': 'sent' });
    expect(first.report.messages.find((m) => m.subject === 'search')?.reason).toMatch(
      /503.*retried next hour/,
    );
    expect(await getDigestRecord(store, 'search', '2026-W47')).toMatchObject({ state: 'failed' });

    const second = await runAt(store, `${MONDAY}T15:00:00Z`, delivery, {}, {});
    expect(second.report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['support-bot', 'already-sent'],
      ['search', 'sent'],
    ]);
    expect(delivery.sentTo('C0SEARCH')).toHaveLength(1);
    expect(delivery.sentTo('C0SUPPORT')).toHaveLength(1);
    expect(await getDigestRecord(store, 'search', '2026-W47')).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('sends once when two runs overlap', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'UTC' });
    await addTeam(store, 'growth', { channel: 'C0GROWTH', timeZone: 'UTC' });
    const delivery = recordingDelivery();
    const at = `${MONDAY}T09:00:00Z`;
    const [a, b] = await Promise.all([runAt(store, at, delivery), runAt(store, at, delivery)]);
    expect(delivery.sentTo('C0SEARCH')).toHaveLength(1);
    expect(delivery.sentTo('C0GROWTH')).toHaveLength(1);
    expect(delivery.sentTo('C0FINOPS')).toHaveLength(1);
    const statuses = [...a.report.messages, ...b.report.messages].map((m) => m.status).sort();
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'already-sent')).toHaveLength(3);
  });

  it('takes over the claim of a run that crashed, once its lease ran out', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'UTC' });
    const claim = (leaseUntil: string) =>
      store.db.send(
        new PutCommand({
          TableName: store.table,
          Item: {
            pk: 'DIGEST#search',
            sk: 'WEEK#2026-W47',
            state: 'sending',
            runId: 'crashed',
            leaseUntil,
            attempts: 1,
          },
        }),
      );
    const delivery = recordingDelivery();
    await claim('2026-11-16T09:05:00.000Z');
    const held = await runAt(store, `${MONDAY}T09:00:00Z`, delivery, {}, {});
    expect(held.report.messages[0]).toMatchObject({ subject: 'search', status: 'already-sent' });
    expect(delivery.sent).toHaveLength(0);
    const retried = await runAt(store, `${MONDAY}T10:00:00Z`, delivery, {}, {});
    expect(retried.report.messages[0]).toMatchObject({ subject: 'search', status: 'sent' });
    expect(delivery.sent).toHaveLength(1);
  });

  it('honours a custom slot and skips a week whose slot passed long ago', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', {
      channel: 'C0SEARCH',
      timeZone: 'Europe/Paris',
      digest: { weekday: 2, hour: 8 },
    });
    const delivery = recordingDelivery();
    // Monday: not yet. Tuesday 08:00 Paris = 07:00 UTC.
    await runAt(store, `${MONDAY}T07:00:00Z`, delivery, {}, {});
    expect(delivery.sent).toHaveLength(0);
    await runAt(store, '2026-11-17T07:00:00Z', delivery, {}, {});
    expect(delivery.sent).toHaveLength(1);
    // A new team created on Thursday does not get a Monday digest on Thursday.
    await addTeam(store, 'growth', { channel: 'C0GROWTH', timeZone: 'UTC' });
    await runAt(store, '2026-11-19T12:00:00Z', delivery, {}, {});
    expect(delivery.sentTo('C0GROWTH')).toHaveLength(0);
  });

  it('attaches a real chart: a PNG of the expected size, within Block Kit limits', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'UTC' });
    const delivery = recordingDelivery();
    const { report } = await runAt(store, `${MONDAY}T09:00:00Z`, delivery, { charts: true }, {});
    expect(report.charts.rendered).toBe(1);
    const reply = delivery.sentTo('C0SEARCH')[0]!.reply;
    const image = reply.blocks.find((b) => b.kind === 'image');
    if (image?.kind !== 'image' || !image.png) throw new Error('no chart in the digest');
    expect([...image.png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(image.png.buffer, image.png.byteOffset, image.png.byteLength);
    expect(view.getUint32(16)).toBeGreaterThan(1400); // width, 2x
    expect(view.getUint32(20)).toBeGreaterThan(500); // height
    expect(image.png.byteLength).toBeLessThan(250_000);
    expect(image.alt).toBe('search · daily Bedrock spend by model, Oct 19-Nov 15');
    expectWithinBlockKit(reply);
    // The report keeps no image bytes (it is logged).
    const reported = report.messages[0]!.reply.blocks.find((b) => b.kind === 'image');
    expect(reported?.kind === 'image' && reported.png).toBeFalsy();
  });

  it('leaves what does not fit in the time budget to the next run', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'UTC' });
    const delivery = recordingDelivery();
    const late = await runAt(store, `${MONDAY}T09:00:00Z`, delivery, { timeBudgetMs: 0 }, {});
    expect(late.report.messages[0]).toMatchObject({ subject: 'search', status: 'failed' });
    expect(late.report.messages[0]!.reason).toContain('next hourly run');
    expect(delivery.sent).toHaveLength(0);
    await runAt(store, `${MONDAY}T10:00:00Z`, delivery, {}, {});
    expect(delivery.sentTo('C0SEARCH')).toHaveLength(1);
  });

  it('previews every digest in a dry run, whatever the hour, and claims nothing', async () => {
    const store = await dynamo.newStore();
    await addTeam(store, 'search', { channel: 'C0SEARCH', timeZone: 'America/New_York' });
    await addTeam(store, 'legal', { timeZone: 'UTC' });
    const delivery = recordingDelivery();
    const { report } = await runAt(store, '2026-11-18T06:00:00Z', delivery, { dryRun: true });
    expect(delivery.attempts).toHaveLength(0);
    expect(report.messages.map((m) => [m.subject, m.status])).toEqual([
      ['search', 'dry-run'],
      ['overview', 'dry-run'],
    ]);
    expect(report.messages[0]!.reason).toContain('Monday 09:00 America/New_York');
    expect(report.summary).toContain('budget set legal');
    expect(await getDigestRecord(store, 'search', '2026-W47')).toBeUndefined();
  });

  it('says how to set up a team when none is configured', async () => {
    const store = await dynamo.newStore();
    const delivery = recordingDelivery();
    const { report } = await runAt(store, '2026-11-18T06:00:00Z', delivery, { dryRun: true }, {});
    expect(report.summary).toContain('budget set search 5000 channel #search-alerts');
    // The overview still shows what the bill holds per team tag.
    expect(report.messages.map((m) => m.subject)).toEqual(['overview']);
    const live = await runAt(store, `${MONDAY}T09:00:00Z`, delivery, {}, {});
    expect(live.report.summary).toContain('budget set');
    expect(live.ceCalls).toBe(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { WhyData } from '../../lib/commands/why.js';
import type { Fact } from '../spend/bill-fixture.js';
import { costExplorerHandler, servicesHandler } from '../spend/bill-fixture.js';
import { awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo } from '../support/dynamo.js';
import { cacheMisuseFacts, migrationFacts, teamTotal } from './scenarios.js';

const LAST_WEEK = { start: '2026-11-09', end: '2026-11-16' };
const WEEK_BEFORE = { start: '2026-11-02', end: '2026-11-09' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** `why last week` on a bill served by a local Cost Explorer, into a fresh dynalite ledger. */
async function whyOn(facts: Fact[], words = 'why last week') {
  const aws = await startAwsServer({
    GetCostAndUsage: costExplorerHandler(facts, 50),
    GetDimensionValues: servicesHandler(facts),
  });
  const dynamo = await startTestDynamo();
  const restore = useEnv(awsTestEnv(aws.endpoint));
  cleanups.push(
    () => aws.close(),
    () => dynamo.close(),
    restore,
  );
  const deps = testDeps({ store: await dynamo.newStore() });
  const result = await executeLine(words, {
    deps,
    caller: { platform: 'cli', userId: 'cli', isAdmin: true },
  });
  return { data: result.data as WhyData, text: renderText(result.reply) };
}

const cents = (n: number) => Math.round(n * 100);
const sumCents = (xs: { deltaUsd: number }[]) => xs.reduce((s, x) => s + cents(x.deltaUsd), 0);

describe('why names the effect behind a change (Cost Explorer at the wire)', () => {
  it('tells a model migration as a mix effect, with its dollars reconciled', async () => {
    const facts = migrationFacts();
    const { data, text } = await whyOn(facts);
    // Support's tokens did not change, nor did any price: its whole change is mix.
    const supportChange = teamTotal(facts, 'support', LAST_WEEK).minus(
      teamTotal(facts, 'support', WEEK_BEFORE),
    );
    const mix = data.effects.find((e) => e.kind === 'mix' && e.team === 'support')!;
    expect(cents(mix.deltaUsd)).toBe(cents(supportChange.toNumber()));
    expect(data.effects[0]).toBe(mix);
    expect(data.effects.filter((e) => e.team === 'support')).toEqual([mix]);
    // Search grew 10% on the same model and price: volume.
    const searchChange = teamTotal(facts, 'search', LAST_WEEK).minus(teamTotal(facts, 'search', WEEK_BEFORE));
    expect(data.effects.find((e) => e.team === 'search')).toMatchObject({
      kind: 'volume',
      deltaUsd: searchChange.toNumber(),
    });
    expect(sumCents(data.effects)).toBe(cents(data.deltaUsd));
    expect(data.headline).toBe(
      `Bedrock spend rose $${Math.round(data.deltaUsd).toLocaleString('en-US')} (+${Math.round((data.deltaUsd / data.previous.totalUsd) * 100)}%) last week: moved 60% of support's traffic from Claude 3 Haiku to Claude Sonnet 4.5 (mix effect +$${Math.round(mix.deltaUsd).toLocaleString('en-US')}).`,
    );
    expect(text).toMatch(/Effects: mix \(support\) \+\$[\d,.]+, volume \(search\) \+\$[\d,.]+\./);
    // Every driver's five effects add up to its change.
    for (const d of data.drivers) {
      const parts = [d.volumeEffectUsd, d.mixEffectUsd, d.routeEffectUsd, d.cacheEffectUsd, d.rateEffectUsd];
      if (parts[0] === undefined) continue;
      expect(parts.reduce((s, p) => s! + cents(p!), 0)).toBe(cents(d.deltaUsd));
    }
  });

  it('tells cache misuse as a cache effect, with its dollars reconciled', async () => {
    const facts = cacheMisuseFacts();
    const { data } = await whyOn(facts, 'why last week team support');
    const change = teamTotal(facts, 'support', LAST_WEEK).minus(teamTotal(facts, 'support', WEEK_BEFORE));
    expect(cents(data.deltaUsd)).toBe(cents(change.toNumber()));
    // Same prompt tokens, same prices: 40% of them now written to the cache at 1.25x input,
    // 4% read at 0.1x: (40 x 0.75 - 4 x 2.7) x 7 days = +$134.40.
    expect(data.effects).toEqual([expect.objectContaining({ kind: 'cache', deltaUsd: 134.4 })]);
    expect(data.headline).toBe(
      "Team support's Bedrock spend rose $134.40 (+3%) last week: cache writes went from 0% to 40% of its Claude Sonnet 4.5 prompt tokens (cache effect +$134.40).",
    );
  });
});

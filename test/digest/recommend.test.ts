import { describe, expect, it } from 'vitest';
import { addDays, eachDay } from '../../lib/clock.js';
import { recommend, recommendationCandidates, tierOf } from '../../lib/digest/recommend.js';
import { Dec } from '../../lib/money.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import type { SpendLine } from '../../lib/spend/query.js';
import { parseUsageType } from '../../lib/spend/usage-type.js';

const SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const current = { start: '2026-11-09', end: '2026-11-16' };
const previous = { start: '2026-11-02', end: '2026-11-09' };

/** Daily lines of one usage type: `perDay` dollars each day of `range`. */
function daily(
  usageType: string,
  range: { start: string; end: string },
  perDay: number,
  service = SONNET,
): SpendLine[] {
  return eachDay(range).map((day) => ({
    day,
    end: addDays(day, 1),
    service,
    usageType,
    team: 'search',
    info: parseUsageType(service, usageType, undefined),
    amount: new Dec(perDay),
    quantity: new Dec(perDay),
    estimated: false,
  }));
}

const INPUT = 'USE1-MP:USE1_InputTokenCount_Global-Units';
const OUTPUT = 'USE1-MP:USE1_OutputTokenCount_Global-Units';
const CACHE_READ = 'USE1-MP:USE1_CacheReadInputTokenCount_Global-Units';

describe('recommend', () => {
  const catalog = bundledCatalog();

  it('suggests batch for traffic that appeared this week, saving about half of it', () => {
    const lines = [
      ...daily(INPUT, previous, 20),
      ...daily(OUTPUT, previous, 20),
      ...daily(CACHE_READ, previous, 30),
      ...daily(INPUT, current, 25),
      ...daily(OUTPUT, current, 80), // +$60 a day of output: a new job
      ...daily(CACHE_READ, current, 30),
    ];
    const r = recommend({ catalog, lines, current, previous, idle: [] });
    expect(r?.kind).toBe('batch');
    // The new traffic: $65 a day = $455 a week = ~$1,977 a month on demand; batch halves it.
    const monthlyNew = 65 * 7 * (730 / 168);
    expect(r!.monthlyUsd.toNumber()).toBeGreaterThan(monthlyNew * 0.45);
    expect(r!.monthlyUsd.toNumber()).toBeLessThan(monthlyNew * 0.55);
    expect(r!.text).toMatch(
      /^if the new Claude Sonnet 4\.5 traffic \(\+\$455 last week\) is an offline job, run it as batch inference: about -\$[\d,]+ a month\.$/,
    );
  });

  it('suggests prompt caching for a steady model that reads nothing from the cache', () => {
    const lines = [
      ...daily(INPUT, previous, 100),
      ...daily(OUTPUT, previous, 20),
      ...daily(INPUT, current, 100),
      ...daily(OUTPUT, current, 20),
    ];
    const r = recommend({ catalog, lines, current, previous, idle: [] });
    expect(r?.kind).toBe('prompt-cache');
    expect(r!.monthlyUsd.toNumber()).toBeGreaterThan(0);
    // Caching saves on input only: never more than the input bill.
    expect(r!.monthlyUsd.toNumber()).toBeLessThan(100 * 7 * (730 / 168));
    expect(r!.text).toContain('prompt caching');
  });

  it('finds the cheaper global route for in-region traffic, priced from the list prices', () => {
    // $330 a day of in-region Claude Sonnet 4.5 input ($3.30 per 1M); global lists $3.00.
    const lines = [
      ...daily('USE1-MP:USE1_InputTokenCount-Units', previous, 330),
      ...daily('USE1-MP:USE1_InputTokenCount-Units', current, 330),
    ];
    const route = recommendationCandidates({ catalog, lines, current, previous, idle: [] }).find(
      (r) => r.kind === 'global-route',
    )!;
    // $2,310 a week x (1 - 3.00 / 3.30) = $210, x 730 / 168 hours = $912.50 (shown $912, half to even).
    const expected = new Dec(2310)
      .times(new Dec(1).minus(new Dec(3).div('3.3')))
      .times(730)
      .div(168);
    expect(route.monthlyUsd.toDecimalPlaces(6).eq(expected.toDecimalPlaces(6))).toBe(true);
    expect(route.text).toBe(
      `send the Claude Sonnet 4.5 traffic through the global cross-Region profile (global.) instead of in-region us-east-1: 9% cheaper at list prices (data may be served from any commercial Region), about -$${expected.toDecimalPlaces(0).toNumber()} a month.`,
    );
    // Traffic already on the global route has nothing to gain.
    const global = [...daily(INPUT, previous, 330), ...daily(INPUT, current, 330)];
    expect(
      recommendationCandidates({ catalog, lines: global, current, previous, idle: [] }).some(
        (r) => r.kind === 'global-route',
      ),
    ).toBe(false);
  });

  it('says nothing when no change is worth $10 a month', () => {
    const lines = [...daily(OUTPUT, previous, 0.2), ...daily(OUTPUT, current, 0.2)];
    expect(recommend({ catalog, lines, current, previous, idle: [] })).toBeUndefined();
    expect(recommend({ catalog: undefined, lines, current, previous, idle: [] })).toBeUndefined();
  });

  it('suggests a cheaper model of the same tier, never an older one, for steady traffic', () => {
    const lines = [
      ...daily('USE1-Llama3-70B-input-tokens', previous, 40, 'Amazon Bedrock'),
      ...daily('USE1-Llama3-70B-output-tokens', previous, 20, 'Amazon Bedrock'),
      ...daily('USE1-Llama3-70B-input-tokens', current, 40, 'Amazon Bedrock'),
      ...daily('USE1-Llama3-70B-output-tokens', current, 20, 'Amazon Bedrock'),
    ];
    const r = recommend({ catalog, lines, current, previous, idle: [] });
    expect(r?.kind).toBe('newer-same-tier-model');
    // Llama 3.1 and 3.3 70B list the same ($0.72 since AWS's price cut): either is newer.
    expect(r!.model).toMatch(/Llama 3\.[13] 70B/);
    expect(r!.text).toMatch(/same tier, \d+% cheaper at list prices; evaluate it first/);
    // $60 a day is ~$7,821 a month; Llama 3.1 / 3.3 70B ($0.72 / $0.72) lists 73% / 79% below
    // Llama 3 70B ($2.65 / $3.50). (Llama 3.1 70B is $0.72 too since AWS's price cut.)
    expect(r!.monthlyUsd.toNumber()).toBeGreaterThan(60 * 7 * (730 / 168) * 0.6);
    expect(r!.monthlyUsd.toNumber()).toBeLessThan(60 * 7 * (730 / 168) * 0.8);
  });

  it('reads model tiers and generations from catalog keys', () => {
    expect(tierOf('claude-3-5-sonnet')).toEqual({ family: 'claude-sonnet', generation: 3.5 });
    expect(tierOf('claude-sonnet-4-5')).toEqual({ family: 'claude-sonnet', generation: 4.5 });
    expect(tierOf('claude-opus-4-1')).toEqual({ family: 'claude-opus', generation: 4.1 });
    expect(tierOf('llama3-3-70b')).toEqual({ family: 'llama-70b', generation: 3.3 });
    expect(tierOf('nova-pro')).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../lib/errors.js';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { findModel } from '../../lib/pricing/models.js';
import { parseCount, parseWorkload, toMonthly } from '../../lib/pricing/workload.js';

const catalog = bundledCatalog();
const isModel = (t: string) => findModel(catalog, t) !== undefined;
const parse = (text: string) => parseWorkload(text.split(' '), isModel);

describe('parseWorkload: the docs/interfaces.md examples', () => {
  it('claude-sonnet-4-5 2000 in 500 out 10k/day', () => {
    const w = parse('claude-sonnet-4-5 2000 in 500 out 10k/day');
    expect(w).toMatchObject({
      modelText: 'claude-sonnet-4-5',
      inputTokens: 2000,
      outputTokens: 500,
      requestsPerMonth: 304_167,
    });
  });
  it('nova-micro 300k requests/month 800 in 200 out batch', () => {
    const w = parse('nova-micro 300k requests/month 800 in 200 out batch');
    expect(w).toMatchObject({
      modelText: 'nova-micro',
      requestsPerMonth: 300_000,
      inputTokens: 800,
      outputTokens: 200,
      batch: true,
    });
  });
  it('model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1', () => {
    const w = parse('model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1');
    expect(w).toMatchObject({
      modelText: 'llama3-1-70b',
      inputTokens: 1500,
      outputTokens: 300,
      requestsPerMonth: 1_520_833,
      cacheHitRate: 0.6,
      region: 'eu-west-1',
    });
  });
});

describe('parseWorkload: other forms people type', () => {
  it('multi-word model names are not mistaken for volumes', () => {
    expect(parse('sonnet 4.5 2000 in 500 out 10k/day').modelText).toBe('sonnet 4.5');
    expect(parse('llama 3.1 70b 1500 in 300 out 1k/hour').modelText).toBe('llama 3.1 70b');
    expect(parse('nova micro 800 in 200 out 300k requests per month').requestsPerMonth).toBe(300_000);
  });
  it('a model name ending in a digit before "N in" keeps the number as a volume', () => {
    expect(parse('claude-opus-4 1 in 0 out 1/month')).toMatchObject({
      modelText: 'claude-opus-4',
      inputTokens: 1,
      outputTokens: 0,
    });
  });
  it('images, fan-out, hidden-cost switches, cache TTL, region word', () => {
    expect(parse('nova-canvas 2000 images/day')).toMatchObject({ images: true, requestsPerMonth: 60_833 });
    const w = parse(
      'sonnet 4.5 3000 in 800 out 2k/day x6 calls kb guardrails logs cache=40% cache-ttl=1h region us-west-2',
    );
    expect(w).toMatchObject({
      calls: 6,
      kb: true,
      guardrails: true,
      logs: true,
      cacheHitRate: 0.4,
      cacheTtl: '1h',
      region: 'us-west-2',
    });
  });
  it('periods: a month is 730 hours', () => {
    expect(toMonthly(10_000, 'day')).toBe(304_167); // 10,000 x 730 / 24 = 304,166.67
    expect(toMonthly(1, 'hour')).toBe(730);
    expect(toMonthly(1, 'minute')).toBe(43_800);
    expect(toMonthly(1, 'second')).toBe(2_628_000);
    expect(toMonthly(1_000, 'week')).toBe(4_345); // 1,000 x 730 / 168 = 4,345.24
    expect(parse('nova-micro 800 in 200 out 5/s').requestsPerMonth).toBe(13_140_000);
    expect(parse('nova-micro 800 in 200 out 10k requests daily').requestsPerMonth).toBe(304_167);
    expect(parse('nova-micro 800 in 200 out 2k req/hour').requestsPerMonth).toBe(1_460_000);
  });
  it('counts: 2,000, 10k, 1.5m, 2bn', () => {
    expect(parseCount('2,000')).toBe(2000);
    expect(parseCount('10k')).toBe(10_000);
    expect(parseCount('1.5m')).toBe(1_500_000);
    expect(parseCount('2bn')).toBe(2_000_000_000);
    expect(parseCount('abc')).toBeUndefined();
  });
});

describe('parseWorkload: bad input gets one line saying what is accepted', () => {
  const cases: [string, RegExp][] = [
    ['nova-micro 800 in 200 out -5/day', /can't be negative/],
    ['nova-micro -800 in 200 out 5/day', /can't be negative/],
    ['nova-micro 800 in 200 out 0/day', /at least one request/],
    ['nova-micro 800 in 200 out 0.01/month', /less than one request a month/],
    ['nova-micro 800 in 200 out 99999999999k/day', /more than a trillion requests/],
    ['nova-micro 99999999 in 200 out 5/day', /at most 10m/],
    ['nova-micro 800 in 200 out abc/day', /The volume takes a number such as 2000, 10k or 1.5m, not "abc"/],
    ['nova-micro 8x0 in 200 out 5/day', /Input tokens takes a number/],
    ['nova-micro 800 in 200 out 5/fortnight', /not a rate/],
    ['nova-micro 800 in 200 out 5/day region=mars-1', /I don't know the Region "mars-1"/],
    ['nova-micro 800 in 200 out 5/day cache=150%', /between 0% and 100%/],
    ['nova-micro 800 in 200 out 5/day x0 calls', /fan-out is a whole number/],
    ['nova-micro 800 in 200 out', /How many requests\?/],
    ['nova-micro 800 in 200 out 5/day 6/day', /Give the volume once/],
    ['nova-micro 800 in 200 out 5/day banana', /I don't understand "banana"/],
    ['800 in 200 out 5/day', /Start with a model/],
  ];
  for (const [text, pattern] of cases) {
    it(text, () => {
      let error: unknown;
      try {
        parse(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ParseError);
      const message = (error as Error).message;
      expect(message).toMatch(pattern);
      expect(message).not.toContain('\n');
    });
  }

  it('never throws anything but a ParseError on arbitrary words', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 12 }),
            fc.constantFrom('in', 'out', '10k/day', 'batch', 'x6', 'cache', '5%'),
          ),
          { maxLength: 8 },
        ),
        (words) => {
          try {
            parseWorkload(['nova-micro', ...words], isModel);
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * Fuzzing the workload parser (`estimate` / `compare` words): any words either give a
 * workload with finite, non-negative volumes or a friendly line saying what is accepted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../../lib/pricing/catalog.js';
import { compareFromWords } from '../../lib/pricing/compare.js';
import { estimateFromWords } from '../../lib/pricing/estimator.js';
import { findModel } from '../../lib/pricing/models.js';
import { parseWorkload } from '../../lib/pricing/workload.js';
import { unfriendly, wordsArb } from './friendly.js';

const catalog = bundledCatalog();
const isModel = (text: string) => findModel(catalog, text) !== undefined;
const MODEL = fc.constantFrom('claude-sonnet-4-5', 'nova-micro', 'sonnet 4.5', 'llama3-1-70b', 'nova-canvas');

/** A count as people write it, edge cases included (0, negatives, 1e309, 2.5m, 10k). */
const count = fc.oneof(
  { weight: 14, arbitrary: fc.integer({ min: 1, max: 2_000_000 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('10k', '2.5m', '1,000', '300k') },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: 0 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('1b', '1e3', '1e309', '0.0001', '999999999999999', '.5', 'NaN') },
);
/**
 * Input tokens: mostly within every model's context window (larger inputs are refused,
 * with the window stated), sometimes far beyond it.
 */
const inputCount = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 100_000 }).map(String) },
  { weight: 1, arbitrary: count },
);
/** Mostly well-formed workloads with odd numbers and options, so pricing really runs. */
const workloadWords = fc
  .record({
    input: inputCount,
    output: count,
    rate: count,
    unit: fc.constantFrom('/day', '/hour', '/month', ' requests/month', ' requests/day'),
    extras: fc.subarray(['batch', 'cache=60%', 'region=eu-west-1', 'x6 calls', 'kb', 'guardrails', 'logs'], {
      maxLength: 2,
    }),
    // One workload in six has one thing wrong with it.
    odd: fc.oneof(
      { weight: 5, arbitrary: fc.constant('') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'cache=150%',
          'region=nowhere-9',
          'x0 calls',
          'x1000000 calls',
          '5 images/day',
        ),
      },
    ),
  })
  .map(({ input, output, rate, unit, extras, odd }) =>
    `${input} in ${output} out ${rate}${unit} ${extras.join(' ')} ${odd}`.split(/\s+/).filter(Boolean),
  );
const anyWords = fc.oneof({ weight: 3, arbitrary: workloadWords }, { weight: 1, arbitrary: wordsArb });

function check(words: string[], run: () => void) {
  try {
    run();
  } catch (error) {
    const problem = unfriendly(error, words.join(' '));
    if (problem) throw new Error(`${JSON.stringify(words.join(' '))}: ${problem}`);
  }
}

describe('workload parser fuzzing', () => {
  it('parseWorkload gives finite volumes or a friendly line', () => {
    fc.assert(
      fc.property(fc.option(MODEL, { nil: undefined }), anyWords, (model, words) => {
        const all = model ? [...model.split(' '), ...words] : words;
        check(all, () => {
          const w = parseWorkload(all, isModel, { requireModel: false });
          for (const value of [w.requestsPerMonth, w.inputTokens, w.outputTokens]) {
            if (value === undefined) continue;
            expect(Number.isFinite(value)).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('estimate and compare price any parsed workload with finite, non-negative dollars', () => {
    let priced = 0;
    fc.assert(
      fc.property(MODEL, anyWords, (model, words) => {
        const all = [...model.split(' '), ...words];
        check(all, () => {
          const estimate = estimateFromWords(catalog, all);
          priced++;
          for (const option of estimate.options) {
            expect(option.monthly.isFinite()).toBe(true);
            expect(option.monthly.isNegative()).toBe(false);
          }
        });
        check(all, () => {
          compareFromWords(catalog, all);
        });
      }),
      { numRuns: 250 },
    );
    // The property is not vacuous: a good share of the generated workloads is priced.
    expect(priced).toBeGreaterThan(40);
  });
});

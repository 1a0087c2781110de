import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decomposeChange, EFFECT_KINDS, type PvmLine, roundToTarget } from '../../lib/analysis/pvm.js';
import { Dec, sumUsd } from '../../lib/money.js';
import { parseUsageType } from '../../lib/spend/usage-type.js';

const TYPES = [
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount-Units'],
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount_Global-Units'],
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_CacheReadInputTokenCount-Units'],
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_CacheWriteInputTokenCount-Units'],
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount_Batch-Units'],
  ['Claude 3 Haiku (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount-Units'],
  ['Claude 3 Haiku (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units'],
  ['Amazon Bedrock', 'USE1-NovaPro-input-tokens'],
  ['Amazon Bedrock', 'USW2-NovaPro-input-tokens-flex'],
  ['Amazon Bedrock', 'USE1-Guardrail-ContentPolicyUnitsConsumed'],
] as const;

const line = (type: number, team: string, q0: string, c0: string, q1: string, c1: string): PvmLine => {
  const [service, usageType] = TYPES[type]!;
  return {
    team,
    info: parseUsageType(service, usageType),
    q0: new Dec(q0),
    c0: new Dec(c0),
    q1: new Dec(q1),
    c1: new Dec(c1),
  };
};

const total = (lines: PvmLine[]) => sumUsd(lines.map((l) => l.c1.minus(l.c0)));

describe('decomposeChange', () => {
  it('tells same tokens moved to a dearer model as mix, nothing else', () => {
    // 100 prompt tokens on Haiku at 0.25; then 40 on Haiku, 60 on Sonnet at 3.
    const lines = [line(5, 'support', '100', '25', '40', '10'), line(0, 'support', '0', '0', '60', '180')];
    const { groups } = decomposeChange(lines);
    expect(groups).toEqual([
      {
        kind: 'mix',
        team: 'support',
        deltaUsd: new Dec(165),
        detail: { kind: 'mix', from: 'Claude 3 Haiku', to: 'Claude Sonnet 4.5', sharePoints: 60 },
      },
    ]);
  });

  it('tells more of the same as volume and a new price as rate', () => {
    const grown = decomposeChange([line(0, 'a', '10', '30', '15', '45')]);
    expect(grown.groups.map((g) => [g.kind, g.deltaUsd.toNumber()])).toEqual([['volume', 15]]);
    const cheaper = decomposeChange([line(0, 'a', '10', '30', '10', '27')]);
    expect(cheaper.groups.map((g) => [g.kind, g.deltaUsd.toNumber()])).toEqual([['rate', -3]]);
  });

  it('tells a move to the global route as a route effect', () => {
    // 10 tokens in-region at 3, then 5 in-region and 5 global at 2.7.
    const { groups } = decomposeChange([
      line(0, 'a', '10', '30', '5', '15'),
      line(1, 'a', '0', '0', '5', '13.5'),
    ]);
    expect(groups).toEqual([expect.objectContaining({ kind: 'route', deltaUsd: new Dec('-1.5') })]);
    expect(groups[0]!.detail).toMatchObject({ from: 'in-region us-east-1', to: 'global', sharePoints: 50 });
  });

  it('keeps teams and unit families apart', () => {
    const { groups } = decomposeChange([
      line(0, 'a', '10', '30', '0', '0'),
      line(0, 'b', '0', '0', '10', '30'),
      line(7, 'b', '1000', '0.8', '0', '0'),
    ]);
    expect(groups.every((g) => g.kind === 'volume')).toBe(true);
  });
});

const lineArb = fc.record({
  type: fc.integer({ min: 0, max: TYPES.length - 1 }),
  team: fc.constantFrom('', 'search', 'support'),
  q0: fc.integer({ min: 0, max: 100_000 }),
  q1: fc.integer({ min: 0, max: 100_000 }),
  c0: fc.integer({ min: -1000, max: 50_000_000 }),
  c1: fc.integer({ min: -1000, max: 50_000_000 }),
});

describe('effects always sum to the change (property)', () => {
  it('holds exactly per line, per team and in total, and to the cent after rounding', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), fc.integer({ min: -3, max: 3 }), (raw, skew) => {
        // Cents with sub-cent tails (Cost Explorer amounts have up to 10 decimals).
        const lines = raw.map((r) =>
          line(r.type, r.team, `${r.q0 / 100}`, `${r.c0 / 1e4}`, `${r.q1 / 100}`, `${r.c1 / 1e4}`),
        );
        const d = decomposeChange(lines);
        lines.forEach((l, i) => {
          const e = d.lines[i]!;
          expect(sumUsd(EFFECT_KINDS.map((k) => e[k])).eq(l.c1.minus(l.c0))).toBe(true);
        });
        expect(sumUsd(d.groups.map((g) => g.deltaUsd)).eq(total(lines))).toBe(true);
        // Rounded: the groups reconcile to any target near their sum (the rounded change).
        const target = total(lines).times(100).round().toNumber() + skew;
        const cents = roundToTarget(
          d.groups.map((g) => g.deltaUsd),
          target,
        );
        if (d.groups.length) expect(cents.reduce((s, c) => s + c, 0)).toBe(target);
      }),
      { numRuns: 400 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  changeVerb,
  effectLabel,
  explainChange,
  quantityEffectOf,
  roundDrivers,
  roundEffects,
  splitEffects,
} from '../../lib/analysis/explain.js';
import { addDays } from '../../lib/clock.js';
import { Dec, formatUsd, sumUsd } from '../../lib/money.js';
import type { SpendLine } from '../../lib/spend/query.js';
import { parseUsageType } from '../../lib/spend/usage-type.js';
import { billFacts, CURRENT, linesOf, PREVIOUS } from '../spend/bill-fixture.js';

const format = (d: Dec, signed = false) => formatUsd(d, { signed, decimals: d.abs().gte(1000) ? 0 : 2 });

function explainFixture(by: 'model' | 'team' = 'model') {
  const facts = billFacts();
  return explainChange(
    {
      current: CURRENT,
      previous: PREVIOUS,
      lines: linesOf(facts, 'usage'),
      teamLines: linesOf(facts, 'team-service'),
      by,
    },
    { format, periodName: 'last week' },
  );
}

describe('explainChange', () => {
  it('names the biggest driver with its team in a one-sentence headline', () => {
    const e = explainFixture();
    const top = e.drivers[0]!;
    expect(top).toMatchObject({ model: 'Claude Sonnet 4.5', tokenClass: 'output', team: 'search' });
    expect(e.headline).toMatch(
      /^Bedrock spend rose \$[\d,.]+ \(\+\d+%\) last week: Claude Sonnet 4\.5 output tokens for team search (doubled|tripled|grew x\d+\.\d|rose \d+%)/,
    );
  });

  it("says whose spend it is in the headline itself: a team's answer names the team once", () => {
    const facts = billFacts().filter((f) => f.team === 'search');
    const input = { current: CURRENT, previous: PREVIOUS, lines: linesOf(facts, 'usage'), team: 'search' };
    const plain = explainChange(input, { format, periodName: 'last week' });
    expect(plain.headline).toMatch(/^Bedrock spend rose .* for team search/);
    const own = explainChange(input, {
      format,
      periodName: 'last week',
      subject: "Team search's Bedrock spend",
    });
    expect(own.headline).toMatch(
      /^Team search's Bedrock spend rose \$[\d,.]+ \(\+\d+%\) last week: Claude Sonnet 4\.5 output tokens /,
    );
    expect(own.headline).not.toContain('for team search');
    expect(own.headline.replace("Team search's Bedrock spend", 'Bedrock spend')).toBe(
      plain.headline.replace(' for team search', ''),
    );
  });

  it('splits a volume spike into volume, not price', () => {
    const top = explainFixture().drivers[0]!;
    expect(top.rateEffectUsd!.abs().toNumber()).toBeLessThan(0.01);
    expect(quantityEffectOf(top)!.minus(top.deltaUsd).abs().toNumber()).toBeLessThan(0.01);
    expect(effectLabel(top)).toMatch(/^volume x2\.\d$/);
  });

  it('splits a price change into rate, not volume', () => {
    const llama = explainFixture().drivers.find((d) => d.model === 'Llama 3.1 70B')!;
    expect(llama.deltaUsd.isNegative()).toBe(true);
    expect(quantityEffectOf(llama)!.abs().toNumber()).toBeLessThan(0.01);
    expect(llama.rateEffectUsd!.eq(llama.deltaUsd)).toBe(true);
    expect(effectLabel(llama)).toBe('price -27%');
  });

  it('names a model switch as one new and one vanished line', () => {
    const e = explainFixture();
    const byKey = new Map(e.drivers.map((d) => [`${d.model}|${d.tokenClass}`, d]));
    expect(byKey.get('Claude 3 Haiku|input')?.status).toBe('vanished');
    expect(byKey.get('Claude Haiku 4.5|input')?.status).toBe('new');
    expect(effectLabel(byKey.get('Claude Haiku 4.5|output')!)).toBe('new');
  });

  it('shows a new team and untagged spend in the team drivers', () => {
    const e = explainFixture();
    const legal = e.teams.find((t) => t.team === 'legal')!;
    expect(legal.status).toBe('new');
    expect(e.teams.some((t) => t.label === 'unattributed')).toBe(true);
    // Untagged Nova Micro batch + Guardrails, every day of the current week.
    const expected = sumUsd(
      billFacts()
        .filter(
          (f) =>
            f.team === '' && f.service === 'Amazon Bedrock' && f.day >= CURRENT.start && f.day < CURRENT.end,
        )
        .map((f) => new Dec(f.amount)),
    );
    expect(e.unattributedUsd!.eq(expected)).toBe(true);
  });

  it('counts Knowledge Base OCUs but not an unrelated OpenSearch domain', () => {
    const e = explainFixture();
    const expected = sumUsd(
      billFacts()
        .filter((f) => !f.usageType.includes('ESInstance') && f.day >= CURRENT.start && f.day < CURRENT.end)
        .map((f) => new Dec(f.amount)),
    );
    expect(e.current.totalUsd.eq(expected)).toBe(true);
    expect(e.drivers.some((d) => d.label.startsWith('Knowledge Base'))).toBe(true);
  });

  it('makes model drivers and team drivers both sum exactly to the change', () => {
    for (const by of ['model', 'team'] as const) {
      const e = explainFixture(by);
      expect(sumUsd(e.drivers.map((d) => d.deltaUsd)).eq(e.deltaUsd)).toBe(true);
      expect(sumUsd(e.teams.map((d) => d.deltaUsd)).eq(e.deltaUsd)).toBe(true);
    }
  });

  it('sorts drivers by the size of their change', () => {
    const sizes = explainFixture().drivers.map((d) => d.deltaUsd.abs().toNumber());
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it('finds the day furthest from its usual weekday inside the current period', () => {
    const a = explainFixture().anomaly!;
    expect(a.day >= '2026-11-10' && a.day < CURRENT.end).toBe(true);
    expect(a.deltaUsd.isPositive()).toBe(true);
    expect(a.basis).toBe('weekday');
  });
});

describe('changeVerb', () => {
  const verb = (previous: string, current: string) => changeVerb(new Dec(previous), new Dec(current));

  it('says the measured multiple unless a word is exact at one decimal', () => {
    expect(verb('100', '250')).toBe('grew x2.5');
    expect(verb('100', '340')).toBe('grew x3.4');
    expect(verb('100', '199')).toBe('rose 99%');
    expect(verb('100', '200')).toBe('doubled');
    expect(verb('100', '204')).toBe('doubled');
    expect(verb('100', '301')).toBe('tripled');
    expect(verb('100', '190')).toBe('rose 90%');
    expect(verb('100', '60')).toBe('fell 40%');
    expect(verb('0', '60')).toBe('started');
  });

  it('never says "tripled" for a ratio that is not x3.0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 1_000_000 }), (p, c) => {
        const said = verb(String(p), String(c));
        const shown = (c / p).toFixed(1);
        if (said === 'tripled') return shown === '3.0';
        if (said === 'doubled') return shown === '2.0';
        return true;
      }),
    );
  });
});

describe('splitEffects', () => {
  it('adds volume and rate back to the change exactly', () => {
    const { volume, rate } = splitEffects({
      q0: new Dec(3),
      c0: new Dec(10),
      q1: new Dec(7),
      c1: new Dec('19.5'),
    });
    expect(volume.plus(rate).eq(new Dec('9.5'))).toBe(true);
  });
});

const USAGE_TYPES = [
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units'],
  ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount_Global-Units'],
  ['Amazon Bedrock', 'USE1-NovaPro-input-tokens'],
  ['Amazon Bedrock', 'USW2-NovaPro-input-tokens-batch'],
  ['Amazon Bedrock', 'USE1-Guardrail-ContentPolicyUnitsConsumed'],
  ['Amazon Bedrock', 'USE1-Mystery-Thing'],
] as const;

const lineArb = fc.record({
  offset: fc.integer({ min: 0, max: 13 }),
  type: fc.integer({ min: 0, max: USAGE_TYPES.length - 1 }),
  team: fc.constantFrom('', 'search', 'growth'),
  cents: fc.integer({ min: 0, max: 5_000_000 }),
  micro: fc.integer({ min: 0, max: 999_999 }),
  quantity: fc.integer({ min: 0, max: 100_000 }),
});

describe('drivers always sum to the total change (property)', () => {
  it('holds exactly in decimals and to the cent after rounding', () => {
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 60 }),
        fc.constantFrom<'model' | 'team'>('model', 'team'),
        fc.boolean(),
        (raw, by, exact) => {
          const usage: SpendLine[] = [];
          const team: SpendLine[] = [];
          for (const r of raw) {
            const [service, usageType] = USAGE_TYPES[r.type]!;
            const day = addDays(PREVIOUS.start, r.offset);
            const amount = new Dec(r.cents).div(100).plus(new Dec(r.micro).div(1e8));
            const quantity = new Dec(r.quantity);
            const base = { day, end: addDays(day, 1), service, amount, quantity, estimated: false };
            usage.push({
              ...base,
              usageType,
              info: parseUsageType(service, usageType),
              // Exact cells (the ledger's team x service x usage type) carry their team.
              ...(exact ? { team: r.team } : {}),
            });
            team.push({ ...base, team: r.team });
          }
          const e = explainChange(
            exact
              ? { current: CURRENT, previous: PREVIOUS, lines: usage, exactTeams: true, by }
              : { current: CURRENT, previous: PREVIOUS, lines: usage, teamLines: team, by },
            { format, periodName: 'last week' },
          );
          expect(sumUsd(e.drivers.map((d) => d.deltaUsd)).eq(e.deltaUsd)).toBe(true);
          // The effects (volume, mix, route/tier, cache, rate per team) too, exactly and to the cent.
          expect(sumUsd(e.effects.map((g) => g.deltaUsd)).eq(e.deltaUsd)).toBe(true);
          const rounded = roundDrivers(e.drivers);
          const cents = (n: number) => Math.round(n * 100);
          const expected =
            cents(e.current.totalUsd.toDecimalPlaces(2).toNumber()) -
            cents(e.previous.totalUsd.toDecimalPlaces(2).toNumber());
          expect(rounded.reduce((s, d) => s + cents(d.deltaUsd), 0)).toBe(expected);
          if (e.effects.length)
            expect(roundEffects(e, expected, format).reduce((s, g) => s + cents(g.deltaUsd), 0)).toBe(
              expected,
            );
          for (const d of rounded) {
            if (d.volumeEffectUsd !== undefined)
              expect(
                cents(d.volumeEffectUsd) +
                  cents(d.mixEffectUsd!) +
                  cents(d.routeEffectUsd!) +
                  cents(d.cacheEffectUsd!) +
                  cents(d.rateEffectUsd!),
              ).toBe(cents(d.deltaUsd));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

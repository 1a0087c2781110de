import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../lib/budgets/alert-store.js';
import {
  budgetStatus,
  evaluateAlerts,
  forecastMonthEnd,
  hasCrossed,
  type MonthEndForecast,
} from '../../lib/budgets/evaluate.js';
import { teamMonthAt } from '../../lib/budgets/team-month.js';
import { eachDay } from '../../lib/clock.js';
import { Dec, usd } from '../../lib/money.js';

const NOW = new Date('2026-11-18T06:00:00Z');
const reliable = (v: string | number): MonthEndForecast => ({
  usd: usd(v),
  basisDays: 17,
  reliable: true,
  method: 'trailing-7-day-run-rate',
});
const records = (...list: AlertRecord[]) => new Map(list.map((r) => [r.sk, r]));
const sent = (sk: string, budgetUsd = '1000'): AlertRecord => ({ sk, state: 'sent', budgetUsd });

describe('teamMonthAt', () => {
  it('counts days left including today, as the alert says it', () => {
    const m = teamMonthAt(NOW, 'UTC');
    expect(m).toMatchObject({
      month: '2026-11',
      start: '2026-11-01',
      end: '2026-12-01',
      daysLeft: 13,
      lastDay: '2026-11-30',
    });
  });

  it('rolls the month over at the team’s own midnight', () => {
    const at = new Date('2026-11-30T16:00:00Z');
    expect(teamMonthAt(at, 'Asia/Tokyo').month).toBe('2026-12');
    expect(teamMonthAt(at, 'UTC').month).toBe('2026-11');
    expect(teamMonthAt(new Date('2026-12-01T03:00:00Z'), 'America/Los_Angeles').month).toBe('2026-11');
  });
});

describe('evaluateAlerts', () => {
  const base = { budgetUsd: usd(1000), thresholds: [50, 80, 100], forecast: reliable(900), now: NOW };

  it('sends every threshold crossed and not yet sent, lowest first', () => {
    const decisions = evaluateAlerts({ ...base, spent: usd(850), records: records() });
    expect(decisions).toEqual([
      { action: 'send', alert: { kind: 'threshold', pct: 50 } },
      { action: 'send', alert: { kind: 'threshold', pct: 80 } },
    ]);
  });

  it('sends nothing for thresholds already sent this month', () => {
    const decisions = evaluateAlerts({
      ...base,
      spent: usd(850),
      records: records(sent('THRESHOLD#50'), sent('THRESHOLD#80')),
    });
    expect(decisions).toEqual([]);
  });

  it('crosses exactly at the threshold, not a cent before', () => {
    expect(hasCrossed(usd('499.99'), usd(1000), 50)).toBe(false);
    expect(hasCrossed(usd('500'), usd(1000), 50)).toBe(true);
  });

  it('retries a failed delivery and takes over an abandoned claim, but not a live one', () => {
    const failed: AlertRecord = { sk: 'THRESHOLD#50', state: 'failed', budgetUsd: '1000' };
    expect(evaluateAlerts({ ...base, spent: usd(600), records: records(failed) })).toHaveLength(1);
    const live: AlertRecord = {
      sk: 'THRESHOLD#50',
      state: 'claimed',
      budgetUsd: '1000',
      claimExpiresAt: NOW.getTime() + 1,
    };
    expect(evaluateAlerts({ ...base, spent: usd(600), records: records(live) })).toEqual([]);
    const dead: AlertRecord = { ...live, claimExpiresAt: NOW.getTime() - 1 };
    expect(evaluateAlerts({ ...base, spent: usd(600), records: records(dead) })).toHaveLength(1);
  });

  it('re-arms thresholds the spend is below again after the budget was raised', () => {
    // 80% of $1,000 was sent; the budget is now $2,000 and $850 is 42.5%.
    const decisions = evaluateAlerts({
      ...base,
      budgetUsd: usd(2000),
      spent: usd(850),
      records: records(sent('THRESHOLD#50'), sent('THRESHOLD#80')),
    });
    expect(decisions).toEqual([
      { action: 'rearm', alert: { kind: 'threshold', pct: 50 } },
      { action: 'rearm', alert: { kind: 'threshold', pct: 80 } },
    ]);
  });

  it('keeps a sent threshold sent when the budget is unchanged and the bill dips below it', () => {
    expect(
      evaluateAlerts({
        ...base,
        spent: usd(790),
        records: records(sent('THRESHOLD#50'), sent('THRESHOLD#80')),
      }),
    ).toEqual([]);
  });

  it('alerts on the forecast once, and folds it into a threshold alert of the same run', () => {
    const alone = evaluateAlerts({
      ...base,
      spent: usd(400),
      forecast: reliable(1300),
      records: records(),
    });
    expect(alone).toEqual([{ action: 'send', alert: { kind: 'forecast' } }]);
    const withThreshold = evaluateAlerts({
      ...base,
      spent: usd(600),
      forecast: reliable(1300),
      records: records(),
    });
    expect(withThreshold).toEqual([
      { action: 'send', alert: { kind: 'threshold', pct: 50 } },
      { action: 'cover', alert: { kind: 'forecast' }, by: 'THRESHOLD#50' },
    ]);
    expect(
      evaluateAlerts({
        ...base,
        spent: usd(400),
        forecast: reliable(1300),
        records: records(sent('FORECAST')),
      }),
    ).toEqual([]);
  });

  it('re-arms the forecast alert only below 90% of the budget', () => {
    const at = (forecast: number) =>
      evaluateAlerts({
        ...base,
        spent: usd(400),
        forecast: reliable(forecast),
        records: records(sent('FORECAST')),
      });
    expect(at(950)).toEqual([]);
    expect(at(899)).toEqual([{ action: 'rearm', alert: { kind: 'forecast' } }]);
  });

  it('does not alert on a forecast from too few days, nor once the budget is spent', () => {
    const early: MonthEndForecast = { ...reliable(5000), reliable: false, basisDays: 1 };
    expect(evaluateAlerts({ ...base, spent: usd(100), forecast: early, records: records() })).toEqual([]);
    const over = evaluateAlerts({ ...base, spent: usd(1200), forecast: reliable(2000), records: records() });
    expect(over.map((d) => d.action === 'send' && d.alert)).not.toContainEqual({ kind: 'forecast' });
  });

  it('never sends a threshold that was not crossed, whatever the amounts (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 10 }),
        (budgetCents, spentCents, thresholds) => {
          const budgetUsd = new Dec(budgetCents).div(100);
          const spent = new Dec(spentCents).div(100);
          const decisions = evaluateAlerts({
            budgetUsd,
            thresholds,
            spent,
            forecast: null,
            records: records(),
            now: NOW,
          });
          for (const d of decisions) {
            if (d.alert.kind === 'threshold')
              expect(spent.div(budgetUsd).times(100).gte(d.alert.pct)).toBe(true);
          }
          const expected = thresholds.filter((t) => spent.times(100).gte(budgetUsd.times(t))).length;
          expect(decisions.filter((d) => d.action === 'send')).toHaveLength(expected);
        },
      ),
    );
  });
});

describe('forecastMonthEnd', () => {
  const month = { start: '2026-11-01', end: '2026-12-01' };

  it('projects the recent 7-day run rate over the hours left', () => {
    // $10/day for 10 days, then $40/day for 7 days: the recent pace is $40/day.
    const daily = [
      ...eachDay({ start: '2026-11-01', end: '2026-11-11' }).map((day) => ({ day, usd: usd(10) })),
      ...eachDay({ start: '2026-11-11', end: '2026-11-18' }).map((day) => ({ day, usd: usd(40) })),
    ];
    const spent = usd(100 + 280);
    const f = forecastMonthEnd({ spent, daily, month, now: NOW });
    // 12 days and 18 hours left at $40/day = $510.
    expect(f.usd.toFixed(2)).toBe('890.00');
    expect(f.reliable).toBe(true);
    expect(f.method).toBe('trailing-7-day-run-rate');
  });

  it('marks a forecast from the first days of the month as rough', () => {
    const f = forecastMonthEnd({
      spent: usd(50),
      daily: [{ day: '2026-11-01', usd: usd(50) }],
      month,
      now: new Date('2026-11-02T12:00:00Z'),
    });
    expect(f.reliable).toBe(false);
    expect(f.basisDays).toBe(1);
  });
});

describe('budgetStatus', () => {
  it('is over budget at 100%, at risk when the forecast exceeds it, else on track', () => {
    expect(budgetStatus(usd(1000), usd(1500), usd(1000))).toBe('over-budget');
    expect(budgetStatus(usd(500), usd(1100), usd(1000))).toBe('at-risk');
    expect(budgetStatus(usd(500), usd(900), usd(1000))).toBe('on-track');
  });
});

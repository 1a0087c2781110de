import { describe, expect, it } from 'vitest';
import { teamMonthAt } from '../../lib/budgets/team-month.js';
import { addDays } from '../../lib/clock.js';
import { buildTeamDigest, CHART_SERIES } from '../../lib/digest/build.js';
import { digestWeek } from '../../lib/digest/schedule.js';
import { Dec, ZERO } from '../../lib/money.js';
import type { SpendLine } from '../../lib/spend/query.js';
import { modelGroupOf, parseUsageType } from '../../lib/spend/usage-type.js';

const NOW = new Date('2026-11-30T10:00:00Z');
const BEDROCK = 'Amazon Bedrock';

/** Seven models with steady spend for five weeks, and a small one that spikes last week only. */
function lines(): { lines: SpendLine[]; spiking: string } {
  const steady = [
    ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units', 900],
    ['Claude Haiku 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units', 700],
    ['Claude 3 Haiku (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units', 500],
    [BEDROCK, 'USE1-NovaPro-input-tokens', 400],
    [BEDROCK, 'USE1-NovaMicro-input-tokens', 300],
    [BEDROCK, 'USE1-Llama3-1-70B-input-tokens', 250],
    [BEDROCK, 'USE1-TitanEmbeddingsV2-Text-input-tokens', 200],
  ] as const;
  const out: SpendLine[] = [];
  const line = (day: string, service: string, usageType: string, usd: number): SpendLine => ({
    day,
    end: addDays(day, 1),
    service,
    usageType,
    info: parseUsageType(service, usageType),
    amount: new Dec(usd),
    quantity: new Dec(1),
    estimated: false,
  });
  for (let i = 0; i < 35; i++) {
    const day = addDays('2026-10-26', i);
    for (const [service, usageType, usd] of steady) out.push(line(day, service, usageType, usd));
    // Nova Lite: $5 a day, then $400 a day in the week of Nov 23.
    out.push(line(day, BEDROCK, 'USE1-NovaLite-output-tokens', day >= '2026-11-23' ? 400 : 5));
  }
  const spiking = parseUsageType(BEDROCK, 'USE1-NovaLite-output-tokens');
  return { lines: out, spiking: modelGroupOf(spiking).label };
}

describe('digest chart', () => {
  it('draws the week\'s driver on its own even when it is not among the biggest models, never in "Other"', () => {
    const { lines: all, spiking } = lines();
    const d = buildTeamDigest({
      team: 'search',
      lines: all,
      week: digestWeek(NOW, 'UTC', { weekday: 1, hour: 9 }),
      month: teamMonthAt(NOW, 'UTC'),
      now: NOW,
      forecastUsd: ZERO,
      idle: [],
      catalog: undefined,
    });
    expect(d.drivers[0]?.model).toBe(spiking);
    expect(d.chart.series).toContain(spiking);
    expect(d.chart.series).toHaveLength(CHART_SERIES);
    expect(d.chart.series.at(-1)).toBe('Other');
    // Every driver's model is drawn by name.
    for (const driver of d.drivers) if (driver.model) expect(d.chart.series).toContain(driver.model);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawCharts } from '../../lib/chat/charts.js';
import { renderText } from '../../lib/chat/text.js';
import { fixedClock } from '../../lib/clock.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { SpendData } from '../../lib/commands/spend.js';
import type { Deps } from '../../lib/context.js';
import { createDemoSources } from '../../lib/local/demo-data.js';
import type { ReplyBlock } from '../../lib/reply/reply.js';
import { TEST_NOW, testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { syntheticBudgetAccount } from '../support/synthetic-budgets.js';

let dynamo: TestDynamo;
let deps: Deps;
beforeAll(async () => {
  dynamo = await startTestDynamo();
  deps = testDeps({ store: dynamo.store, sources: createDemoSources(fixedClock(TEST_NOW)) });
});
afterAll(() => dynamo?.close());

const run = (text: string) =>
  executeLine(text, { deps, caller: { platform: 'cli', userId: 'cli', isAdmin: true } });
const imageOf = (blocks: ReplyBlock[]) =>
  blocks.find((b): b is Extract<ReplyBlock, { kind: 'image' }> => b.kind === 'image');

describe('spend over a range: a daily stacked chart', () => {
  it('stacks each day by team, the biggest by name, adding up to the answer', async () => {
    const result = await run('spend last week by team');
    const data = result.data as SpendData;
    const image = imageOf(result.reply.blocks);
    expect(image?.chart?.kind).toBe('daily');
    const input = image?.chart?.kind === 'daily' ? image.chart.input : undefined;
    const days = new Set(input!.points.map((p) => p.day));
    expect(days.size).toBe(7);
    const drawn = input!.points.reduce((s, p) => s + p.value, 0);
    expect(Math.round(drawn * 100)).toBe(Math.round(data.totalUsd * 100));
    expect(input!.seriesOrder?.[0]).toBe(data.groups[0]?.label);
    // Text shows a sparkline of the days.
    expect(renderText(result.reply)).toMatch(/[▁▂▃▄▅▆▇█]{7} {2}daily, Nov 9-15, peak \$/);
    // Drawn with the Vega-Lite + resvg pipeline.
    const png = imageOf((await drawCharts(result.reply)).blocks)?.png;
    expect([...(png?.subarray(0, 4) ?? [])]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('by team, with more teams than series: the biggest five by name, Other the rest of each day', async () => {
    const account = syntheticBudgetAccount({ teams: 12, now: new Date(TEST_NOW) });
    const many = testDeps({ store: await dynamo.newStore(), sources: account.sources, now: TEST_NOW });
    const ask = (text: string) =>
      executeLine(text, { deps: many, caller: { platform: 'cli', userId: 'cli', isAdmin: true } });
    const result = await ask('spend mtd by team');
    const data = result.data as SpendData;
    expect(data.groups).toHaveLength(12);
    const image = imageOf(result.reply.blocks);
    const input = image?.chart?.kind === 'daily' ? image.chart.input : undefined;
    const named = data.groups.slice(0, 5);
    expect(input?.seriesOrder).toEqual([...named.map((g) => g.label), 'Other']);
    const sumOf = (series: string) =>
      input!.points.filter((p) => p.series === series).reduce((s, p) => s + p.value, 0);
    // Each named series is that team's row; Other is the seven other teams; all of it the total.
    for (const g of named) expect(sumOf(g.label)).toBeCloseTo(g.usd, 2);
    const rest = data.groups.slice(5).reduce((s, g) => s + g.usd, 0);
    expect(sumOf('Other')).toBeCloseTo(rest, 1);
    // A day's stack is that day's spend, as `spend` answers for the day alone.
    const day = input!.points[0]!.day;
    const oneDay = (await ask(`spend ${day} by team`)).data as SpendData;
    const stacked = input!.points.filter((p) => p.day === day).reduce((s, p) => s + p.value, 0);
    expect(stacked).toBeCloseTo(oneDay.totalUsd, 1);
  });

  it('draws nothing for a single day', async () => {
    expect(imageOf((await run('spend yesterday')).reply.blocks)).toBeUndefined();
  });
});

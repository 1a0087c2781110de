import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import type { ForecastData } from '../../lib/commands/forecast.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/context.js';
import { billFacts, costExplorerHandler, servicesHandler } from '../spend/bill-fixture.js';
import { type AwsServer, awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
import { testDeps } from '../support/deps.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';

let aws: AwsServer;
let dynamo: TestDynamo;
let restoreEnv: () => void;
const facts = billFacts();

beforeAll(async () => {
  aws = await startAwsServer({
    GetCostAndUsage: costExplorerHandler(facts, 200),
    GetDimensionValues: servicesHandler(facts),
  });
  dynamo = await startTestDynamo();
  restoreEnv = useEnv(awsTestEnv(aws.endpoint));
});
afterAll(async () => {
  restoreEnv();
  await aws.close();
  await dynamo.close();
});

const caller = { platform: 'cli' as const, userId: 'cli', isAdmin: true };
const run = async (deps: Deps, text: string) => executeLine(text, { deps, caller });
// The fixture's bill ends on Nov 15; ask on Nov 16 so the month to date is Nov 1-15.
const NOW = '2026-11-16T06:00:00Z';

describe('forecast', () => {
  it('forecasts from the ledger, the same figure as budget, and never asks GetCostForecast', async () => {
    const store = await dynamo.newStore();
    const deps = testDeps({ store, now: NOW });
    await run(deps, 'budget set search 5000 channel C0SEARCH01');
    const forecast = (await run(deps, 'forecast team search')).data as ForecastData;
    const budget = (await run(deps, 'budget search')).data as {
      teams: { team: string; forecastUsd: number }[];
    };
    expect(forecast.method).toBe('trend');
    expect(forecast.monthEndUsd).toBeGreaterThan(forecast.mtdUsd);
    expect(budget.teams.find((t) => t.team === 'search')?.forecastUsd).toBe(forecast.monthEndUsd);
    expect(forecast.lowUsd).toBeLessThan(forecast.monthEndUsd);
    expect(forecast.highUsd).toBeGreaterThan(forecast.monthEndUsd);
    expect(aws.requestsTo('GetCostForecast')).toHaveLength(0);
    // A synced ledger answers again without asking Cost Explorer anything.
    const before = aws.requestsTo('GetCostAndUsage').length;
    const again = (await run(deps, 'forecast team search')).data as ForecastData;
    expect(again.monthEndUsd).toBe(forecast.monthEndUsd);
    expect(aws.requestsTo('GetCostAndUsage')).toHaveLength(before);
  });

  it('projects a team that started recently from the days since it started, weekday by weekday', async () => {
    const result = await run(testDeps({ store: await dynamo.newStore(), now: NOW }), 'forecast team legal');
    const data = result.data as ForecastData;
    expect(data).toMatchObject({ team: 'legal', method: 'trend' });
    // legal spends $7.20 a weekday and $2.88 a weekend day (Nova Pro, from Wed Nov 11). Each day
    // left is projected from the same weekday since it started; Mondays and Tuesdays, never seen,
    // from its mean day ($5.472): 5 x 5.472 + 6 x 7.20 + 4 x 2.88 = $82.08 on top of $27.36.
    expect(data.mtdUsd).toBe(27.36);
    expect(data.monthEndUsd).toBe(109.44);
    expect(renderText(result.reply)).toContain('only 5 days of history');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../lib/chat/text.js';
import type { ForecastData } from '../../lib/commands/forecast.js';
import { executeLine } from '../../lib/commands/grammar.js';
import type { Deps } from '../../lib/deps.js';
import { billFacts, costExplorerHandler, servicesHandler } from '../spend/bill-fixture.js';
import { type AwsServer, awsError, awsTestEnv, startAwsServer, useEnv } from '../support/aws-server.js';
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
  it("uses Cost Explorer's forecast and its interval when there is one", async () => {
    aws.handle('GetCostForecast', {
      Total: { Amount: '5000', Unit: 'USD' },
      ForecastResultsByTime: [
        {
          TimePeriod: { Start: '2026-11-16', End: '2026-12-01' },
          MeanValue: '5000',
          PredictionIntervalLowerBound: '4500',
          PredictionIntervalUpperBound: '5600',
        },
      ],
    });
    const result = await run(testDeps({ store: await dynamo.newStore(), now: NOW }), 'forecast');
    const data = result.data as ForecastData;
    expect(data.method).toBe('cost-explorer');
    expect(data.monthEndUsd).toBeCloseTo(data.mtdUsd + 5000, 2);
    expect(data.lowUsd).toBeCloseTo(data.mtdUsd + 4500, 2);
    expect(data.highUsd).toBeCloseTo(data.mtdUsd + 5600, 2);
    const input = aws.requestsTo('GetCostForecast').at(-1)!.input;
    expect(input.TimePeriod).toEqual({ Start: '2026-11-16', End: '2026-12-01' });
    expect(renderText(result.reply)).toMatch(/^Bedrock spend is on track for \$[\d,]+ in November \(likely/);
  });

  it('falls back to a weekday-aware run-rate when Cost Explorer has too little history', async () => {
    aws.handle(
      'GetCostForecast',
      awsError('DataUnavailableException', 'Insufficient amount of historical data'),
    );
    const result = await run(testDeps({ store: await dynamo.newStore(), now: NOW }), 'forecast team legal');
    const data = result.data as ForecastData;
    expect(data).toMatchObject({ team: 'legal', method: 'run-rate' });
    // legal spends $7.20 a weekday and $2.88 a weekend day (Nova Pro, from Wed Nov 11). Each day
    // left is projected from the same weekday of its history; Mondays and Tuesdays, never seen,
    // from the mean day ($5.472): 5 x 5.472 + 6 x 7.20 + 4 x 2.88 = $82.08 on top of $27.36.
    expect(data.mtdUsd).toBe(27.36);
    expect(data.monthEndUsd).toBe(109.44);
    expect(renderText(result.reply)).toContain('run-rate by weekday');
  });
});

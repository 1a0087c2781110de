/**
 * The packaged stack's functions (runtime, routes, schedules, the worker's failure path)
 * and its table. The stack is packaged once per test run for every deploy test (packaging.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIME_BUDGET_MS } from '../../lib/digest/run.js';
import { type Json, PACKAGING_MS, type Packaged, SERVICE } from './packaging.js';
import {
  actionsOf,
  allowing,
  asArray,
  DATA_ACTIONS,
  envOf,
  FUNCTIONS,
  getAttId,
  lambdaOf,
  ofType,
  packagedStages,
  refId,
  statementsOf,
  subText,
} from './stack.js';

let dev: Packaged;
let prod: Packaged;
beforeAll(async () => {
  ({ dev, prod } = await packagedStages());
}, PACKAGING_MS);

describe('functions', () => {
  it('deploys every entry point in functions/ on nodejs22.x, arm64, with its own role', () => {
    const t = dev.template;
    expect(FUNCTIONS).toEqual(Object.keys(DATA_ACTIONS).sort());
    expect(ofType(t, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
    const roles = new Set<string>();
    for (const name of FUNCTIONS) {
      const [, fn] = lambdaOf(t, name);
      expect(fn.Properties.Runtime, name).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, name).toEqual(['arm64']);
      expect(fn.Properties.Handler, name).toBe(`functions/${name}.handler`);
      roles.add(getAttId(fn.Properties.Role)!);
    }
    expect(roles.size).toBe(FUNCTIONS.length);
    // The digest stops starting new sends after its time budget: the function must outlast it.
    const digestTimeout = Number(lambdaOf(t, 'weekly-digest')[1].Properties.Timeout);
    expect(digestTimeout * 1000).toBeGreaterThanOrEqual(DEFAULT_TIME_BUDGET_MS + 60_000);
    // osls' shared catch-all role is not created.
    expect(t.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('routes POST /slack/events and POST /teams/messages (payload 2.0) to their handlers', () => {
    const t = dev.template;
    const routes = ofType(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => {
      const integrationId = refId(
        (r.Properties.Target as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1][1],
      );
      const integration = t.Resources[integrationId ?? '']!;
      return {
        route: r.Properties.RouteKey,
        payload: integration.Properties.PayloadFormatVersion,
        target: getAttId(integration.Properties.IntegrationUri),
      };
    });
    expect(routes.sort((a, b) => String(a.route).localeCompare(String(b.route)))).toEqual([
      { route: 'POST /slack/events', payload: '2.0', target: lambdaOf(t, 'slack-events')[0] },
      { route: 'POST /teams/bot', payload: '2.0', target: lambdaOf(t, 'teams-bot')[0] },
      { route: 'POST /teams/messages', payload: '2.0', target: lambdaOf(t, 'teams-messages')[0] },
    ]);
    // A flood is throttled at the edge, before it costs Lambda invocations.
    const stages = ofType(t, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const throttle = stages[0]![1].Properties.DefaultRouteSettings as Record<string, number>;
    expect(throttle.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(throttle.ThrottlingBurstLimit).toBeGreaterThanOrEqual(throttle.ThrottlingRateLimit!);
    // API Gateway may invoke both endpoints.
    const invokable = ofType(t, 'AWS::Lambda::Permission')
      .filter(([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com')
      .map(([, p]) => getAttId(p.Properties.FunctionName));
    expect(invokable.sort()).toEqual(
      [lambdaOf(t, 'slack-events')[0], lambdaOf(t, 'teams-messages')[0], lambdaOf(t, 'teams-bot')[0]].sort(),
    );
  });

  it('schedules digests and alerts hourly, the idle scan and the pricing refresh daily', () => {
    const t = dev.template;
    const schedules = new Map<string, string>();
    for (const [, rule] of ofType(t, 'AWS::Events::Rule')) {
      expect(rule.Properties.State).toBe('ENABLED');
      for (const target of asArray(rule.Properties.Targets as { Arn: Json }[])) {
        schedules.set(getAttId(target.Arn)!, String(rule.Properties.ScheduleExpression));
      }
    }
    const daily = /^cron\(\d{1,2} \d{1,2} \* \* \? \*\)$/;
    expect(schedules.get(lambdaOf(t, 'weekly-digest')[0])).toBe('rate(1 hour)');
    expect(schedules.get(lambdaOf(t, 'budget-alerts')[0])).toBe('rate(1 hour)');
    expect(schedules.get(lambdaOf(t, 'idle-throughput')[0])).toMatch(daily);
    expect(schedules.get(lambdaOf(t, 'pricing-refresh')[0])).toMatch(daily);
    // The ledger sync runs hourly, ten minutes before the hour (the alert and digest runs only read it).
    expect(schedules.get(lambdaOf(t, 'ledger-sync')[0])).toBe('cron(50 * * * ? *)');
    for (const name of ['budget-alerts', 'weekly-digest']) {
      expect(envOf(lambdaOf(t, name)[1]).BEDROCK_COST_LEDGER_SYNC_FUNCTION, name).toBe('true');
    }
    expect(schedules.size).toBe(5);
    // EventBridge may invoke each scheduled function.
    const permitted = ofType(t, 'AWS::Lambda::Permission')
      .filter(([, p]) => p.Properties.Principal === 'events.amazonaws.com')
      .map(([, p]) => getAttId(p.Properties.FunctionName));
    expect(new Set(permitted)).toEqual(new Set(schedules.keys()));
  });

  it('never silently loses a slow command: retries, then an on-failure queue with an alarm', () => {
    const t = dev.template;
    const [workerId, worker] = lambdaOf(t, 'command-worker');
    const configs = ofType(t, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => refId(c.Properties.FunctionName) === workerId,
    );
    expect(configs).toHaveLength(1);
    const config = configs[0]![1].Properties as {
      MaximumRetryAttempts: number;
      MaximumEventAgeInSeconds?: number;
      DestinationConfig: { OnFailure: { Destination: Json } };
    };
    expect(config.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(config.MaximumRetryAttempts).toBeLessThanOrEqual(2);
    const queueId = getAttId(config.DestinationConfig.OnFailure.Destination)!;
    const queue = t.Resources[queueId]!;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    // Lambda delivers the failed event with the worker's own role.
    const send = allowing(statementsOf(t, 'command-worker'), 'sqs:SendMessage');
    expect(send.map((s) => getAttId(s.Resource))).toEqual([queueId]);
    // Someone is told.
    const alarm = ofType(t, 'AWS::CloudWatch::Alarm').find(
      ([, a]) =>
        a.Properties.Namespace === 'AWS/SQS' &&
        getAttId((a.Properties.Dimensions as { Value: Json }[])[0]!.Value) === queueId,
    );
    expect(alarm?.[1].Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // The chat endpoints find the worker by name and may invoke it, and nothing else.
    const workerName = String(worker.Properties.FunctionName);
    for (const name of ['slack-events', 'teams-messages', 'teams-bot']) {
      expect(envOf(lambdaOf(t, name)[1]).COMMAND_WORKER_FUNCTION).toBe(workerName);
      const invoke = allowing(statementsOf(t, name), 'lambda:InvokeFunction');
      expect(invoke.map((s) => subText(s.Resource))).toEqual([
        `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${workerName}`,
      ]);
    }
    for (const name of FUNCTIONS.filter(
      (n) => !['slack-events', 'teams-messages', 'teams-bot'].includes(n),
    )) {
      expect(actionsOf(statementsOf(t, name)).has('lambda:InvokeFunction'), name).toBe(false);
    }
  });
});

describe('table', () => {
  it('is on-demand, encrypted, point-in-time recoverable, expires items, and survives the stack', () => {
    for (const { template: t, stage } of [dev, prod]) {
      const tables = ofType(t, 'AWS::DynamoDB::Table');
      expect(tables).toHaveLength(1);
      const [tableId, table] = tables[0]!;
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        TableName: `${SERVICE}-${stage}`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
      expect(table.Properties.DeletionProtectionEnabled).toBe(stage === 'prod');
      for (const name of FUNCTIONS) {
        expect(envOf(lambdaOf(t, name)[1]).BEDROCK_COST_TABLE).toBe(`${SERVICE}-${stage}`);
        const writes = allowing(statementsOf(t, name), 'dynamodb:PutItem');
        expect(new Set(writes.flatMap((s) => asArray(s.Resource)).map(getAttId)), name).toEqual(
          new Set([tableId]),
        );
      }
    }
  });
});

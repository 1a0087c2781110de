/**
 * The packaged stack's secrets, configuration and observability (logs, alarms). The stack
 * is packaged once per test run for every deploy test (packaging.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { SECRET_PARAMETERS } from '../../lib/lambda/runtime.js';
import { type Json, PACKAGING_MS, type Packaged, SERVICE } from './packaging.js';
import {
  allowing,
  asArray,
  envOf,
  FUNCTIONS,
  lambdaOf,
  ofType,
  packagedStages,
  refId,
  SECRETS_PATH,
  statementsOf,
  subText,
} from './stack.js';

let dev: Packaged;
let prod: Packaged;
beforeAll(async () => {
  ({ dev, prod } = await packagedStages());
}, PACKAGING_MS);

describe('secrets and configuration', () => {
  it('keeps secrets out of the environment and the template; they come from the SSM path', () => {
    const secretKeys: string[] = Object.values(SECRET_PARAMETERS);
    for (const packaged of [dev, prod]) {
      expect(packaged.raw).not.toMatch(/xox[abpr]-|hooks\.slack\.com|webhook\.office\.com|logic\.azure\.com/);
      expect(packaged.raw).not.toMatch(/\{\{resolve:|\$\{ssm:/);
      for (const name of FUNCTIONS) {
        const env = envOf(lambdaOf(packaged.template, name)[1]);
        for (const key of secretKeys) expect(Object.keys(env), name).not.toContain(key);
        expect(
          Object.keys(env).filter((k) => /SECRET|TOKEN|PASSWORD|PRIVATE|CREDENTIAL/.test(k)),
          name,
        ).toEqual([]);
        // Each function reads the secrets it needs and no others: Slack's, Teams', or none.
        const paths = SECRETS_PATH[name] ?? [];
        expect(env.BEDROCK_COST_SSM_PATH, name).toBe(
          paths.length ? paths.map((p) => `/${SERVICE}/${packaged.stage}/${p}`).join(',') : undefined,
        );
        const read = allowing(statementsOf(packaged.template, name), 'ssm:GetParametersByPath');
        const arn = `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${SERVICE}/${packaged.stage}`;
        expect(
          read
            .flatMap((s) => asArray(s.Resource))
            .map(subText)
            .sort(),
          name,
        ).toEqual(paths.flatMap((p) => [`${arn}/${p}`, `${arn}/${p}/*`]).sort());
      }
    }
  });

  it('sets an environment lib/config.ts accepts, with the deploy-time parameters', () => {
    for (const packaged of [dev, prod]) {
      for (const name of FUNCTIONS) {
        const env = envOf(lambdaOf(packaged.template, name)[1]);
        // Lambda itself provides AWS_REGION.
        const config = loadConfig({ ...env, AWS_REGION: 'eu-west-1' });
        expect(config.BEDROCK_COST_DEMO).toBe(false);
        expect(config.TEAM_TAG_KEY).toBe('team');
        expect(config.SLACK_API_URL).toBe('https://slack.com/api');
        expect(config.COMMAND_WORKER_FUNCTION).toBe(`${SERVICE}-${packaged.stage}-command-worker`);
      }
    }
    const devConfig = loadConfig(envOf(lambdaOf(dev.template, 'slack-events')[1]));
    expect(devConfig.ADMIN_USER_IDS).toEqual([]);
    expect(devConfig.ASSISTANT_MODEL_ID).toBeUndefined();
    const prodConfig = loadConfig(envOf(lambdaOf(prod.template, 'slack-events')[1]));
    expect(prodConfig.ADMIN_USER_IDS).toEqual(['U01ADMIN', 'U02ADMIN']);
    expect(prodConfig.BEDROCK_COST_FINOPS_CHANNEL).toBe('C0FINOPS');
  });
});

describe('observability', () => {
  it('logs structured JSON through Powertools, with retention on every log group', () => {
    for (const { template: t, stage } of [dev, prod]) {
      for (const name of FUNCTIONS) {
        const [, fn] = lambdaOf(t, name);
        const env = envOf(fn);
        expect(env.POWERTOOLS_SERVICE_NAME).toBe(SERVICE);
        expect(env.POWERTOOLS_LOG_LEVEL).toMatch(/^(DEBUG|INFO|WARN|ERROR)$/);
        const group = ofType(t, 'AWS::Logs::LogGroup').find(
          ([, g]) => g.Properties.LogGroupName === `/aws/lambda/${SERVICE}-${stage}-${name}`,
        );
        expect(group, name).toBeDefined();
        expect(group![1].Properties.RetentionInDays).toBe(stage === 'prod' ? 90 : 30);
        // Created before the function, so Lambda never creates one without retention.
        expect(asArray(fn.DependsOn)).toContain(group![0]);
      }
    }
  });

  it('alarms on any error of any function, notifying the alarm topic when one is configured', () => {
    for (const { template: t, stage } of [dev, prod]) {
      const alarms = ofType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      for (const name of FUNCTIONS) {
        const [fnId] = lambdaOf(t, name);
        const alarm = alarms.find(
          (a) =>
            a.Namespace === 'AWS/Lambda' &&
            a.MetricName === 'Errors' &&
            refId((a.Dimensions as { Name: string; Value: Json }[])[0]!.Value) === fnId,
        );
        expect(alarm, name).toBeDefined();
        const fires =
          (alarm!.ComparisonOperator === 'GreaterThanOrEqualToThreshold' && alarm!.Threshold === 1) ||
          (alarm!.ComparisonOperator === 'GreaterThanThreshold' && alarm!.Threshold === 0);
        expect(fires, `${name} alarm fires on the first error`).toBe(true);
      }
      const topics = ofType(t, 'AWS::SNS::Topic');
      if (stage === 'dev') {
        expect(topics).toHaveLength(0);
        for (const a of alarms) expect(a.AlarmActions ?? []).toEqual([]);
      } else {
        expect(topics).toHaveLength(1);
        const [topicId, topic] = topics[0]!;
        expect(topic.Properties.Subscription).toEqual([
          { Protocol: 'email', Endpoint: 'finops@example.com' },
        ]);
        for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      }
    }
  });

  it('alarms on delivery failures and unrecorded posts, in the namespace the functions write their metrics to', () => {
    for (const { template: t } of [dev, prod]) {
      const alarms = ofType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      for (const name of FUNCTIONS) {
        const env = envOf(lambdaOf(t, name)[1]);
        for (const metric of [
          'DeliveryFailed',
          'DeliveryUncertain',
          'PostedNotRecorded',
          'AttachmentFailed',
        ]) {
          const alarm = alarms.find(
            (a) => a.MetricName === metric && a.Namespace === env.POWERTOOLS_METRICS_NAMESPACE,
          );
          expect(alarm, `${name} ${metric}`).toBeDefined();
          // The dimension Powertools Metrics writes (its service name), or the alarm never sees a point.
          expect(alarm!.Dimensions).toEqual([{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }]);
          expect(alarm!.Threshold).toBe(1);
        }
      }
    }
  });
});

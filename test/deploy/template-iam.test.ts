/**
 * The packaged stack's IAM, least privilege: what each function's role may do, on what.
 * The stack is packaged once per test run for every deploy test (packaging.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGING_MS, type Packaged, SERVICE, type Template } from './packaging.js';
import {
  actionsOf,
  allowing,
  asArray,
  DATA_ACTIONS,
  DATA_SERVICES,
  envOf,
  FUNCTIONS,
  getAttId,
  lambdaOf,
  packagedStages,
  refId,
  STAR_ONLY_ACTIONS,
  statementsOf,
  subText,
} from './stack.js';

let dev: Packaged;
let prod: Packaged;
beforeAll(async () => {
  ({ dev, prod } = await packagedStages());
}, PACKAGING_MS);

describe('IAM, least privilege', () => {
  it('grants no wildcard actions, and "*" resources only to actions that accept nothing else', () => {
    for (const { template: t } of [dev, prod]) {
      for (const name of FUNCTIONS) {
        for (const s of statementsOf(t, name)) {
          expect(s.Effect, name).toBe('Allow');
          expect(s.NotAction, name).toBeUndefined();
          expect(s.NotResource, name).toBeUndefined();
          for (const action of asArray(s.Action)) {
            expect(action, `${name}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
          }
          const resources = asArray(s.Resource);
          expect(resources.length, `${name} ${s.Sid}`).toBeGreaterThan(0);
          if (resources.includes('*')) {
            expect(resources, `${name} ${s.Sid}`).toEqual(['*']);
            for (const action of asArray(s.Action)) {
              expect(STAR_ONLY_ACTIONS.has(action), `${name}: ${action} on "*"`).toBe(true);
            }
          }
        }
      }
    }
  });

  it('scopes every other resource to this stack: its table, queue, worker, parameter path, log group', () => {
    for (const { template: t, stage } of [dev, prod]) {
      for (const name of FUNCTIONS) {
        for (const s of statementsOf(t, name)) {
          for (const resource of asArray(s.Resource)) {
            if (resource === '*') continue;
            const local = getAttId(resource) ?? refId(resource);
            if (local) {
              expect(t.Resources[local], `${name}: ${local}`).toBeDefined();
              continue;
            }
            const arn = subText(resource);
            expect(arn, `${name}: ${JSON.stringify(resource)}`).toBeTypeOf('string');
            const actions = asArray(s.Action);
            if (arn!.includes('::foundation-model/')) {
              // AWS-owned models have no account; only invoking them is allowed.
              expect(actions).toEqual(['bedrock:InvokeModel']);
              continue;
            }
            if (actions.includes('bedrock:InvokeModel')) {
              // Only the configured assistant's inference profile (checked in full below).
              expect(actions).toEqual(['bedrock:InvokeModel']);
              expect(arn).toMatch(/:inference-profile\/[a-z]+\.[a-z0-9-]+\.[a-z0-9.:-]+$/);
              continue;
            }
            // Region and account pinned; the resource part names this stage where AWS has names.
            // One exception: reading provisioned throughputs and application inference
            // profiles (details, tags) in any Region of the account, for BEDROCK_COST_REGIONS.
            const anyRegion =
              /^arn:\$\{AWS::Partition\}:bedrock:\*:\$\{AWS::AccountId\}:(provisioned-model|application-inference-profile)\/\*$/.test(
                arn!,
              );
            if (anyRegion) {
              for (const action of actions)
                expect(
                  ['bedrock:GetProvisionedModelThroughput', 'bedrock:ListTagsForResource'],
                  name,
                ).toContain(action);
            }
            const pinned = arn!
              .replaceAll(`\${AWS::Partition}`, 'aws')
              .replaceAll(`\${AWS::Region}`, 'region')
              .replace(/^(arn:aws:bedrock:)\*:/, anyRegion ? '$1region:' : '$1*:')
              .replaceAll(`\${AWS::AccountId}`, 'account');
            expect(pinned, name).toMatch(/^arn:aws:[a-z0-9-]+:region:account:/);
            const service = pinned.split(':')[2];
            const part = pinned.split(':').slice(5).join(':');
            if (service === 'logs') expect(part).toBe(`log-group:/aws/lambda/${SERVICE}-${stage}-${name}:*`);
            if (service === 'ssm')
              expect(part).toMatch(new RegExp(`^parameter/${SERVICE}/${stage}/(slack|teams)(/\\*)?$`));
            if (service === 'lambda') expect(part).toBe(`function:${SERVICE}-${stage}-command-worker`);
            if (service === 'kms') {
              // Any key of the account, but only as SSM decrypts a SecureString for us.
              expect(actions).toEqual(['kms:Decrypt']);
              expect(s.Condition?.StringEquals?.['kms:ViaService']).toEqual({
                'Fn::Sub': `ssm.\${AWS::Region}.amazonaws.com`,
              });
            }
            if (service === 'bedrock') {
              expect(part).toMatch(
                /^(provisioned-model|application-inference-profile|inference-profile)\/\*$/,
              );
            }
            expect(['logs', 'ssm', 'lambda', 'kms', 'bedrock']).toContain(service);
          }
        }
      }
    }
  });

  it('gives each function exactly the bill, metric and Bedrock reads its job needs', () => {
    for (const name of FUNCTIONS) {
      const actions = [...actionsOf(statementsOf(dev.template, name))]
        .filter((a) => DATA_SERVICES.test(a))
        .sort();
      expect(actions, name).toEqual(DATA_ACTIONS[name]);
      // Every function writes its own logs; no other IAM, STS or S3 (secrets: see below).
      const all = actionsOf(statementsOf(dev.template, name));
      expect(all.has('ssm:GetParametersByPath'), name).toBe(
        !['pricing-refresh', 'ledger-sync'].includes(name),
      );
      expect(all.has('logs:PutLogEvents'), name).toBe(true);
      expect(
        [...all].filter((a) => /^(iam|sts|s3|ssm:Put|kms:(?!Decrypt))/.test(a)),
        name,
      ).toEqual([]);
    }
  });

  it('lets only the command answerers invoke the assistant model, and only when one is configured', () => {
    for (const name of FUNCTIONS) {
      expect(actionsOf(statementsOf(dev.template, name)).has('bedrock:InvokeModel'), name).toBe(false);
      const inProd = actionsOf(statementsOf(prod.template, name)).has('bedrock:InvokeModel');
      expect(inProd, name).toBe(name === 'command-worker' || name === 'teams-messages');
    }
    expect(envOf(lambdaOf(prod.template, 'command-worker')[1]).ASSISTANT_MODEL_ID).toBe(
      'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    );
  });

  it('lets `ask` invoke the configured model only: its inference profile, and the model it routes to', () => {
    for (const name of ['command-worker', 'teams-messages']) {
      const invoke = allowing(statementsOf(prod.template, name), 'bedrock:InvokeModel');
      const resources = invoke.flatMap((s) => asArray(s.Resource)).map(subText);
      expect(resources.sort(), name).toEqual(
        [
          // The ID as a model in this Region (for a model ID; no such model for a profile ID).
          `arn:\${AWS::Partition}:bedrock:\${AWS::Region}::foundation-model/us.anthropic.claude-haiku-4-5-20251001-v1:0`,
          // The model the cross-Region profile routes to, in any of its Regions.
          `arn:\${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0`,
          `arn:\${AWS::Partition}:bedrock:\${AWS::Region}:\${AWS::AccountId}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0`,
        ].sort(),
      );
      for (const s of invoke) expect(asArray(s.Action), name).toEqual(['bedrock:InvokeModel']);
    }
  });

  /**
   * Would the role allow this DynamoDB action on an item with this partition key? Evaluates
   * the condition keys the template uses (`dynamodb:LeadingKeys`, `dynamodb:EnclosingOperation`).
   */
  function allowsItemWrite(
    t: Template,
    name: string,
    action: string,
    pk: string,
    enclosing?: 'TransactWriteItems',
  ): boolean {
    const like = (pattern: string, value: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`).test(value);
    return allowing(statementsOf(t, name), action).some((s) => {
      for (const [operator, entries] of Object.entries(s.Condition ?? {})) {
        for (const [key, raw] of Object.entries(entries)) {
          const patterns = asArray(raw as string | string[]);
          const values =
            key === 'dynamodb:LeadingKeys'
              ? [pk]
              : key === 'dynamodb:EnclosingOperation'
                ? enclosing
                  ? [enclosing]
                  : []
                : undefined;
          if (!values) throw new Error(`${name}: condition key ${key} not understood by this test`);
          const ok =
            operator === 'ForAllValues:StringLike'
              ? values.every((v) => patterns.some((p) => like(p, v)))
              : operator === 'ForAllValues:StringNotLike'
                ? values.every((v) => !patterns.some((p) => like(p, v)))
                : operator === 'ForAnyValue:StringEquals'
                  ? values.some((v) => patterns.includes(v))
                  : operator === 'StringEquals' && key === 'kms:ViaService';
          if (!ok) return false;
        }
      }
      return true;
    });
  }

  it('keeps audit items append-only, written only with the budget change they record', () => {
    const BUDGET_CHANGERS = ['command-worker', 'slack-events', 'teams-messages', 'teams-bot'];
    for (const { template: t } of [dev, prod]) {
      for (const name of FUNCTIONS) {
        const changes = BUDGET_CHANGERS.includes(name);
        // An audit item: put only inside the transaction, by a function that changes budgets.
        expect(allowsItemWrite(t, name, 'dynamodb:PutItem', 'AUDIT#search', 'TransactWriteItems'), name).toBe(
          changes,
        );
        expect(allowsItemWrite(t, name, 'dynamodb:PutItem', 'AUDIT#search'), name).toBe(false);
        for (const action of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
          expect(
            allowsItemWrite(t, name, action, 'AUDIT#search', 'TransactWriteItems'),
            `${name} ${action}`,
          ).toBe(false);
          expect(allowsItemWrite(t, name, action, 'AUDIT#search'), `${name} ${action}`).toBe(false);
        }
        // A budget: changed or deleted only in that transaction, only by those functions.
        for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem']) {
          expect(
            allowsItemWrite(t, name, action, 'TEAM#search', 'TransactWriteItems'),
            `${name} ${action}`,
          ).toBe(changes);
          expect(allowsItemWrite(t, name, action, 'TEAM#search'), `${name} ${action}`).toBe(false);
        }
        expect(allowsItemWrite(t, name, 'dynamodb:UpdateItem', 'TEAM#search'), name).toBe(false);
        // Its own state items (alerts, digests, caches, claims) stay writable.
        for (const pk of ['ALERT#search#2026-11', 'DIGEST#search', 'CACHE#abc', 'USAGE#2026-11-18'])
          expect(allowsItemWrite(t, name, 'dynamodb:UpdateItem', pk), `${name} ${pk}`).toBe(true);
      }
    }
  });
});

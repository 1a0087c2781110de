/**
 * The packaged CloudFormation template as a whole (cfn-lint, deploy-time parameters and
 * conditions), and the CUR 2.0 bill source it adds when asked. The stack is packaged once
 * per test run for every deploy test (packaging.ts).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decideConditions,
  type Json,
  PACKAGING_MS,
  type Packaged,
  type Resource,
  SLOW_MS,
  type Template,
} from './packaging.js';
import {
  actionsOf,
  asArray,
  envOf,
  FUNCTIONS,
  lambdaOf,
  ofType,
  packagedStages,
  refId,
  statementsOf,
} from './stack.js';

const run = promisify(execFile);
let dev: Packaged;
let prod: Packaged;
beforeAll(async () => {
  ({ dev, prod } = await packagedStages());
}, PACKAGING_MS);

describe('CloudFormation', () => {
  /**
   * Findings allowed: W3005, a `DependsOn` on each function's role that osls generates
   * although the role's `GetAtt` already orders them (harmless, and not ours to remove).
   */
  const ALLOWED = new Set(['W3005']);

  it(
    'accepts the packaged template (cfn-lint): no error, no always-true or always-false condition',
    async () => {
      for (const packaged of [dev, prod]) {
        const file = join(packaged.dir, 'cloudformation-template-update-stack.json');
        let output: string;
        try {
          output = (await run('cfn-lint', ['--format', 'parseable', file], { maxBuffer: 16 * 1024 * 1024 }))
            .stdout;
        } catch (error) {
          const e = error as { code?: unknown; stdout?: string };
          if (e.code === 'ENOENT') {
            throw new Error(
              'cfn-lint is not installed, so the packaged CloudFormation template cannot be checked: `pip install cfn-lint` (or `pipx install cfn-lint`), then run this test again.',
            );
          }
          // cfn-lint exits non-zero when it finds anything; its findings are on stdout.
          output = e.stdout ?? String(error);
        }
        const findings = output
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => ({ rule: /:([EWI]\d{4}):/.exec(line)?.[1] ?? line, line }));
        expect(
          findings.filter((f) => !ALLOWED.has(f.rule)).map((f) => f.line),
          `cfn-lint on the ${packaged.stage} template`,
        ).toEqual([]);
      }
    },
    SLOW_MS,
  );

  it('decides its options at deploy time: parameters and conditions, no literal condition', () => {
    const raw = JSON.parse(dev.raw) as Template;
    expect(Object.keys(raw.Parameters ?? {}).sort()).toEqual([
      'AlarmEmail',
      'AlarmTopicArn',
      'AssistantModelId',
      'BillSource',
      'CurBucket',
      'CurDatabase',
      'CurMaxBytesPerQuery',
      'CurPrefix',
      'CurTable',
      'PermissionsBoundaryArn',
    ]);
    // Every Fn::Equals in a condition compares a parameter, never two package-time literals.
    const equalsOf = (node: Json): Json[][] =>
      Array.isArray(node)
        ? node.flatMap(equalsOf)
        : node && typeof node === 'object'
          ? Object.entries(node as Record<string, Json>).flatMap(([k, v]) =>
              k === 'Fn::Equals' ? [v as Json[], ...equalsOf(v)] : equalsOf(v),
            )
          : [];
    const equals = equalsOf(raw.Conditions);
    expect(equals.length).toBeGreaterThan(0);
    for (const pair of equals)
      expect(
        pair.some((side) => refId(side) !== undefined),
        JSON.stringify(pair),
      ).toBe(true);
    // The boundary is applied to every role when given.
    for (const [id, role] of ofType(prod.template, 'AWS::IAM::Role'))
      expect(role.Properties.PermissionsBoundary, id).toBe(
        'arn:aws:iam::123456789012:policy/bedrock-cost-boundary',
      );
    for (const [id, role] of ofType(dev.template, 'AWS::IAM::Role'))
      expect(role.Properties.PermissionsBoundary, id).toBeUndefined();
  });
});

describe('CUR 2.0 as the bill source (BillSource=cur)', () => {
  /** The dev template deployed with other parameter values. */
  const withParameters = (values: Record<string, string>): Template => {
    const raw = JSON.parse(dev.raw) as Template;
    for (const [k, v] of Object.entries(values)) raw.Parameters![k]!.Default = v;
    return decideConditions(raw);
  };
  const CUR = {
    BillSource: 'cur',
    CurBucket: 'acme-cur-exports',
    CurPrefix: 'cur2/bedrock',
    CurDatabase: 'cur',
    CurTable: 'bedrock',
  };
  // The ledger-sync function syncs as deployed; the others read days a chat question needs, or
  // sync when the ledger-sync function is not there (local runs).
  const SYNCING = ['budget-alerts', 'command-worker', 'ledger-sync', 'teams-messages', 'weekly-digest'];

  it('adds nothing by default: the ledger reads Cost Explorer', () => {
    expect(ofType(dev.template, 'AWS::Athena::WorkGroup')).toHaveLength(0);
    expect(dev.template.Resources.CurResultsBucket).toBeUndefined();
    for (const name of FUNCTIONS)
      expect(envOf(lambdaOf(dev.template, name)[1]).BEDROCK_COST_SOURCE).toBe('cost-explorer');
    // `cur` without its table is not half-deployed.
    expect(ofType(withParameters({ ...CUR, CurTable: '' }), 'AWS::Athena::WorkGroup')).toHaveLength(0);
  });

  it('queries through its own workgroup, with a scan cutoff and private results, reading only the CUR table and export', () => {
    const t = withParameters(CUR);
    const [[wgId, wg]] = ofType(t, 'AWS::Athena::WorkGroup') as [[string, Resource]];
    expect(wg.Properties.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: '10000000000',
    });
    const bucketId = 'CurResultsBucket';
    const bucket = t.Resources[bucketId]!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    for (const name of FUNCTIONS) {
      const env = envOf(lambdaOf(t, name)[1]);
      expect(env.BEDROCK_COST_SOURCE).toBe('cur');
      expect(env.BEDROCK_COST_ATHENA_TABLE).toBe('bedrock');
      const statements = statementsOf(t, name);
      const actions = actionsOf(statements);
      expect(actions.has('athena:StartQueryExecution'), name).toBe(SYNCING.includes(name));
      for (const st of statements) {
        for (const action of asArray(st.Action)) {
          const service = action.split(':')[0];
          if (!['athena', 'glue', 's3'].includes(service!)) continue;
          for (const resource of asArray(st.Resource)) {
            expect(resource, `${name} ${action}`).not.toBe('*');
            const text = JSON.stringify(resource);
            if (service === 'athena')
              expect(text).toMatch(new RegExp(`workgroup/\\$\\{${wgId}\\}|datacatalog/AwsDataCatalog`));
            if (service === 'glue') expect(text).toMatch(/:(catalog|database\/cur|table\/cur\/bedrock)"\}$/);
            if (service === 's3') {
              expect(
                text.includes(bucketId) || text.includes('s3:::acme-cur-exports'),
                `${name} ${action} ${text}`,
              ).toBe(true);
              // Writes only to the results bucket.
              if (!['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation'].includes(action))
                expect(text).toContain(bucketId);
            }
          }
        }
      }
    }
  });
});

/**
 * The deployment a security reviewer signs off: package the service exactly as
 * `npm run package` does (osls + serverless-esbuild, offline, no AWS credentials), then
 * read the CloudFormation template and the zips it produced.
 *
 * Two packagings: the default `dev` stage (what CI and `npm run package` build) and `prod`
 * with the optional parameters set (assistant model, alarm e-mail, admins), so both
 * sides of every condition in the template are checked.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_ASSETS } from '../../lib/chart/render.js';
import { loadConfig } from '../../lib/config.js';
import { DEFAULT_TIME_BUDGET_MS } from '../../lib/digest/run.js';
import { SECRET_PARAMETERS } from '../../lib/lambda/runtime.js';
import { startAwsServer } from '../support/aws-server.js';
import { botRequest, startBotFramework } from '../support/botframework-server.js';
import { startTestDynamo } from '../support/dynamo.js';
import { slackCommandBody, slackRequest, teamsMessage, teamsRequest } from '../support/signing.js';
import { startSlackServer } from '../support/slack-server.js';
import { readZip } from './zip.js';

const run = promisify(execFile);
/**
 * Safety nets, not speed targets (those are in the bench): packaging or a child process
 * on a machine whose cores are busy with other work can take minutes.
 */
const SLOW_MS = 12 * 60_000;
const CHILD_MS = 5 * 60_000;
/** Both packagings (one after the other). */
const PACKAGING_MS = 2 * SLOW_MS + 60_000;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVICE = 'bedrock-cost';

/** Every Lambda entry point in functions/ must be deployed. */
const FUNCTIONS = readdirSync(join(ROOT, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

/**
 * Actions AWS only authorises on `"Resource": "*"` (no resource-level permissions). Any
 * other action must name this stack's resources.
 */
const STAR_ONLY_ACTIONS = new Set([
  'ce:GetCostAndUsage',
  'ce:GetCostForecast',
  'ce:GetDimensionValues',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'pricing:GetProducts',
  'bedrock:ListProvisionedModelThroughputs',
  'bedrock:ListInferenceProfiles',
  'tag:GetResources',
]);

/**
 * What answering a command reads (the worker; teams-messages, which tries every command
 * inline first because Teams has no response_url for a late answer; the weekly digest,
 * which includes an idle-throughput check).
 */
const COMMAND_DATA_ACTIONS = [
  'bedrock:GetProvisionedModelThroughput',
  'bedrock:ListInferenceProfiles',
  'bedrock:ListProvisionedModelThroughputs',
  'bedrock:ListTagsForResource',
  'ce:GetCostAndUsage',
  'ce:GetCostForecast',
  'ce:GetDimensionValues',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'tag:GetResources',
];

/**
 * What each function may read beyond its table, secrets and logs: exactly its job. The
 * Slack front door reads no account data at all (slow commands go to the worker).
 */
const DATA_ACTIONS: Record<string, string[]> = {
  'slack-events': [],
  'teams-bot': [],
  'teams-messages': COMMAND_DATA_ACTIONS,
  'command-worker': COMMAND_DATA_ACTIONS,
  'weekly-digest': COMMAND_DATA_ACTIONS,
  'budget-alerts': [
    'bedrock:ListInferenceProfiles',
    'bedrock:ListTagsForResource',
    'ce:GetCostAndUsage',
    'ce:GetCostForecast',
    'ce:GetDimensionValues',
    'cloudwatch:GetMetricData',
    'cloudwatch:ListMetrics',
    'tag:GetResources',
  ],
  'idle-throughput': [
    'bedrock:GetProvisionedModelThroughput',
    'bedrock:ListProvisionedModelThroughputs',
    'bedrock:ListTagsForResource',
    'ce:GetCostAndUsage',
    'ce:GetDimensionValues',
    'cloudwatch:GetMetricData',
    'cloudwatch:ListMetrics',
  ],
  'pricing-refresh': ['pricing:GetProducts'],
  'ledger-sync': ['ce:GetCostAndUsage', 'ce:GetDimensionValues'],
};
const DATA_SERVICES = /^(ce|cloudwatch|bedrock|pricing|tag):/;

/** The SSM sub-path of secrets each function reads (Slack's or Teams'), or none. */
const SECRETS_PATH: Record<string, string[]> = {
  'slack-events': ['slack'],
  'teams-messages': ['teams'],
  'teams-bot': ['teams'],
  // These post to Slack and, through the bot, to Teams conversations.
  'command-worker': ['slack', 'teams'],
  'weekly-digest': ['slack', 'teams'],
  'budget-alerts': ['slack', 'teams'],
  'idle-throughput': ['slack', 'teams'],
  'pricing-refresh': [],
  'ledger-sync': [],
};

// ---------------------------------------------------------------------------------------
// Packaging

type Json = unknown;
interface Resource {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Condition?: string;
}
interface Template {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { Type: string; Default?: string; AllowedPattern?: string }>;
  Conditions?: Record<string, Json>;
  Outputs?: Record<string, Json>;
}
interface Packaged {
  stage: string;
  dir: string;
  raw: string;
  /**
   * The template as deployed with its parameters' defaults (the osls params): every
   * condition decided, parameter references and the functions over them evaluated.
   */
  template: Template;
}

const scratch = mkdtempSync(join(tmpdir(), 'bedrock-cost-deploy-'));
const workFolders: string[] = [];

async function packageStage(stage: string, params: string[] = []): Promise<Packaged> {
  const dir = join(scratch, stage);
  const workFolder = `.esbuild/test-${process.pid}-${stage}`;
  workFolders.push(join(ROOT, workFolder));
  // No credentials anywhere: packaging must not need AWS.
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)$/.test(key)) {
      delete env[key];
    }
  }
  Object.assign(env, {
    AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    BEDROCK_COST_ESBUILD_WORK_FOLDER: workFolder,
  });
  const args = [
    join(ROOT, 'node_modules/osls/bin/serverless.js'),
    'package',
    '--stage',
    stage,
    '--package',
    dir,
    ...params.map((p) => `--param=${p}`),
  ];
  try {
    await run(process.execPath, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: SLOW_MS });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`osls package --stage ${stage} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
  const raw = readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  const parsed = JSON.parse(raw) as Template;
  return { stage, dir, raw, template: decideConditions(parsed) };
}

/**
 * Deploy the template in imagination with its parameters' defaults: replace references to
 * the stack's parameters by their values (in `Ref`, `Fn::Sub`, and the `Fn::Join`,
 * `Fn::Split`, `Fn::Select` over them), then decide `Conditions` and apply them.
 */
function decideConditions(template: Template): Template {
  const parameters = new Map(Object.entries(template.Parameters ?? {}).map(([k, p]) => [k, p.Default ?? '']));
  const substitute = (text: string, vars: Record<string, Json> = {}) =>
    text.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, name: string) => {
      const v = name in vars ? vars[name] : parameters.get(name);
      return typeof v === 'string' ? v : whole;
    });
  const literal = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(literal);
    if (!node || typeof node !== 'object') return node;
    const o = node as Record<string, Json>;
    if (typeof o.Ref === 'string' && parameters.has(o.Ref)) return parameters.get(o.Ref);
    if ('Fn::Sub' in o) {
      const arg = o['Fn::Sub'];
      if (typeof arg === 'string') {
        const text = substitute(arg);
        return text.includes('${') ? { 'Fn::Sub': text } : text;
      }
      const [text, vars] = arg as [string, Record<string, Json>];
      const values = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, literal(v)]));
      const out = substitute(text, values);
      return out.includes('${') ? { 'Fn::Sub': out } : out;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = literal(o['Fn::Join']) as [string, Json[]];
      if (parts.every((p) => typeof p === 'string')) return parts.join(sep);
      return { 'Fn::Join': [sep, parts] };
    }
    if ('Fn::Split' in o) {
      const [sep, text] = literal(o['Fn::Split']) as [string, Json];
      if (typeof text === 'string') return text.split(sep);
    }
    if ('Fn::Select' in o) {
      const [index, list] = literal(o['Fn::Select']) as [number | string, Json];
      if (Array.isArray(list)) {
        if (Number(index) >= list.length) throw new Error(`Fn::Select out of range: ${JSON.stringify(o)}`);
        return list[Number(index)];
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, literal(v)]));
  };
  const decided = new Map<string, boolean>();
  const evaluate = (node: Json): boolean => {
    const n = literal(node) as Record<string, Json[] & Json>;
    if ('Fn::Equals' in n) {
      const [a, b] = n['Fn::Equals'] as Json[];
      if (typeof a !== 'string' || typeof b !== 'string') throw new Error(`undecidable ${JSON.stringify(n)}`);
      return a === b;
    }
    if ('Fn::Not' in n) return !evaluate((n['Fn::Not'] as Json[])[0]);
    if ('Fn::And' in n) return (n['Fn::And'] as Json[]).every(evaluate);
    if ('Fn::Or' in n) return (n['Fn::Or'] as Json[]).some(evaluate);
    if ('Condition' in n) return condition(n.Condition as unknown as string);
    throw new Error(`unknown condition ${JSON.stringify(n)}`);
  };
  const condition = (name: string): boolean => {
    if (!decided.has(name)) {
      const definition = template.Conditions?.[name];
      if (definition === undefined) throw new Error(`undefined condition ${name}`);
      decided.set(name, evaluate(definition));
    }
    return decided.get(name)!;
  };
  const NO_VALUE = Symbol('NoValue');
  const prune = (node: Json): Json | typeof NO_VALUE => {
    if (Array.isArray(node)) return node.map(prune).filter((v) => v !== NO_VALUE);
    if (node && typeof node === 'object') {
      const o = node as Record<string, Json>;
      if ('Fn::If' in o) {
        const [name, yes, no] = o['Fn::If'] as [string, Json, Json];
        return prune(condition(name) ? yes : no);
      }
      if (o.Ref === 'AWS::NoValue') return NO_VALUE;
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(o)) {
        const p = prune(v);
        if (p !== NO_VALUE) out[k] = p;
      }
      return out;
    }
    return node;
  };
  const resources: Record<string, Resource> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !condition(resource.Condition)) continue;
    resources[id] = literal(prune(resource)) as Resource;
  }
  return { ...template, Resources: resources };
}

// ---------------------------------------------------------------------------------------
// Template helpers

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const getAttId = (v: Json): string | undefined =>
  (v as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
const refId = (v: Json): string | undefined => (v as { Ref?: string })?.Ref;
const subText = (v: Json): string | undefined =>
  typeof v === 'string' ? v : ((v as { 'Fn::Sub'?: string })?.['Fn::Sub'] ?? undefined);

function lambdaOf(t: Template, name: string): [string, Resource] {
  const found = ofType(t, 'AWS::Lambda::Function').find(
    ([, r]) => r.Properties.FunctionName === `${SERVICE}-${stageOf(t)}-${name}`,
  );
  if (!found) throw new Error(`no Lambda function ${name}`);
  return found;
}
const stageOf = (t: Template) =>
  String(lambdaOfAny(t).Properties.FunctionName)
    .slice(SERVICE.length + 1)
    .split('-')[0];
const lambdaOfAny = (t: Template) => ofType(t, 'AWS::Lambda::Function')[0]![1];
const envOf = (fn: Resource) =>
  ((fn.Properties.Environment as { Variables?: Record<string, string> })?.Variables ?? {}) as Record<
    string,
    string
  >;

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Json;
  NotResource?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

/** Every policy statement the function's execution role holds (inline and managed). */
function statementsOf(t: Template, name: string): Statement[] {
  const [, fn] = lambdaOf(t, name);
  const roleId = getAttId(fn.Properties.Role);
  if (!roleId) throw new Error(`${name} has no role of its own`);
  const role = t.Resources[roleId]!;
  expect(role.Type).toBe('AWS::IAM::Role');
  const statements: Statement[] = [];
  for (const policy of asArray(
    role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[],
  )) {
    statements.push(...policy.PolicyDocument.Statement);
  }
  for (const arn of asArray(role.Properties.ManagedPolicyArns as Json[])) {
    const id = refId(arn);
    if (!id) throw new Error(`${name}: managed policy ${JSON.stringify(arn)} is not part of this stack`);
    const managed = t.Resources[id]!;
    expect(managed.Type).toBe('AWS::IAM::ManagedPolicy');
    statements.push(...(managed.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  return statements;
}
const actionsOf = (statements: Statement[]) => new Set(statements.flatMap((s) => asArray(s.Action)));
const allowing = (statements: Statement[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action));

// ---------------------------------------------------------------------------------------

let dev: Packaged;
let prod: Packaged;
const PROD_PARAMS = [
  'assistantModelId=us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'alarmEmail=finops@example.com',
  'adminUserIds=U01ADMIN,U02ADMIN',
  'finopsChannel=C0FINOPS',
  'permissionsBoundaryArn=arn:aws:iam::123456789012:policy/bedrock-cost-boundary',
];

beforeAll(async () => {
  // One after the other: osls clears the service's .serverless/ at the start of every
  // packaging, whatever the output directory, so two runs at once collide.
  dev = await packageStage('dev');
  prod = await packageStage('prod', PROD_PARAMS);
}, PACKAGING_MS);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const folder of workFolders) rmSync(folder, { recursive: true, force: true });
});

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

/** The function's zip, unpacked once under the scratch directory (outside the repository). */
function unzipped(name: string): string {
  const dir = join(scratch, 'unzipped', name);
  if (!existsSync(dir)) {
    for (const entry of readZip(join(dev.dir, `${name}.zip`))) {
      mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
      writeFileSync(join(dir, entry.name), entry.data);
    }
  }
  return dir;
}

describe('artifacts', () => {
  const LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024;
  const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

  it('zips each function alone, with no native modules and no dev-only dependencies', () => {
    for (const name of FUNCTIONS) {
      const zip = join(dev.dir, `${name}.zip`);
      expect(statSync(zip).size, name).toBeLessThan(LAMBDA_ZIP_LIMIT);
      const entries = readZip(zip);
      const names = entries.map((e) => e.name);
      expect(names, name).toContain(`functions/${name}.mjs`);
      // Other functions' entry points (and their chunks) are not shipped.
      expect(
        names.filter((n) => n.startsWith('functions/') && !n.startsWith(`functions/${name}.chunks/`)),
        name,
      ).toEqual([`functions/${name}.mjs`]);
      expect(
        names.filter((n) => n.endsWith('.node')),
        name,
      ).toEqual([]);
      expect(
        names.filter((n) => /node_modules\/(dynalite|vitest|tsx|esbuild|osls|typescript)\//.test(n)),
      ).toEqual([]);
      // Whatever bundles the chart renderer must ship its wasm and font where it looks.
      const bundle = entries.find((e) => e.name === `functions/${name}.mjs`)!.data.toString('utf8');
      const drawsCharts = bundle.includes(CHART_ASSETS.wasm.file);
      if (name === 'weekly-digest') expect(drawsCharts).toBe(true);
      if (drawsCharts) {
        for (const asset of Object.values(CHART_ASSETS))
          expect(names, name).toContain(`node_modules/${asset.module}`);
      }
      const unzipped = entries.reduce((sum, e) => sum + e.data.length, 0);
      expect(unzipped, name).toBeLessThan(LAMBDA_UNZIPPED_LIMIT);
    }
  });

  it(
    'loads every packaged handler in a fresh Node process, outside the repository',
    async () => {
      for (const name of FUNCTIONS) {
        const dir = unzipped(name);
        const entry = pathToFileURL(join(dir, 'functions', `${name}.mjs`)).href;
        const script =
          'const m = await import(process.argv[1]);' +
          'console.log(JSON.stringify({ type: typeof m.handler, arity: m.handler?.length }));';
        // A bare environment: no NODE_PATH, no repository node_modules up the tree.
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, entry], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '' },
        });
        const loaded = JSON.parse(stdout.trim().split('\n').pop()!) as { type: string; arity: number };
        expect(loaded.type, name).toBe('function');
        // Lambda's Node runtimes reject handlers with more than two parameters.
        expect(loaded.arity, name).toBeLessThanOrEqual(2);
      }
    },
    SLOW_MS,
  );
});

/**
 * The packaged Slack front door, Teams endpoint and worker, run as Lambda would run them:
 * each zip unpacked alone, in a fresh Node process with only its deployed environment, the
 * secrets coming from SSM (`BEDROCK_COST_SSM_PATH`, a local SSM endpoint), DynamoDB on
 * dynalite, the worker invoked through the Lambda API, the answer posted to Slack's
 * response_url. This is what breaks when bundling drops a lazily imported module.
 */
describe('packaged handlers answer', () => {
  const SIGNING_SECRET = 'deploy-test-signing-secret';
  const TEAMS_SECRET = Buffer.from('deploy-test-teams-secret-0123456789').toString('base64');
  const STAGE_PATH = '/bedrock-cost/ci';

  interface Invocation {
    functionName: string;
    invocationType: string | undefined;
    payload: string;
  }

  /** The Lambda Invoke API, enough for an asynchronous invocation (202, no body). */
  async function startLambdaApi() {
    const invocations: Invocation[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url?.split('?')[0] ?? '');
        if (req.method !== 'POST' || !match) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no route"}');
          return;
        }
        invocations.push({
          functionName: decodeURIComponent(match[1]!),
          invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
          payload: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(202, { 'content-length': '0' }).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, invocations, close: () => new Promise<void>((ok) => server.close(() => ok())) };
  }

  /** What every packaged run logged (checked for secrets at the end). */
  const logs: { name: string; text: string }[] = [];

  /** Invoke a packaged handler once in a fresh process; returns its result. */
  async function invokePackaged(name: string, event: unknown, env: Record<string, string>): Promise<unknown> {
    const dir = unzipped(name);
    const eventFile = join(scratch, `${name}-event-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    const script =
      "import { readFileSync } from 'node:fs';" +
      'const { handler } = await import(process.argv[1]);' +
      "const event = JSON.parse(readFileSync(process.argv[2], 'utf8'));" +
      "const context = { functionName: 'test', awsRequestId: 'test-request', getRemainingTimeInMillis: () => 10000 };" +
      'let result;' +
      'try { result = await handler(event, context); }' +
      'catch (error) { result = { handlerError: String(error && error.message || error) }; }' +
      "process.stdout.write('\\nRESULT ' + JSON.stringify(result ?? null) + '\\n');";
    const entry = pathToFileURL(join(dir, 'functions', `${name}.mjs`)).href;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, entry, eventFile],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: CHILD_MS,
      },
    );
    logs.push({
      name,
      text:
        stdout
          .split('\n')
          .filter((l) => !l.startsWith('RESULT '))
          .join('\n') + stderr,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`${name} printed no result:\n${stdout}`);
    return JSON.parse(line.slice('RESULT '.length));
  }

  it(
    'verifies Slack with the secret from SSM, answers help inline and hands a slow command to the worker',
    async () => {
      const [dynamo, slack, lambda] = await Promise.all([
        startTestDynamo(),
        startSlackServer({ token: 'xoxb-deploy-test' }),
        startLambdaApi(),
      ]);
      const ssm = await startAwsServer({
        GetParametersByPath: (input) => ({
          Parameters:
            input.Path === STAGE_PATH
              ? [
                  { Name: `${STAGE_PATH}/slack-signing-secret`, Type: 'SecureString', Value: SIGNING_SECRET },
                  { Name: `${STAGE_PATH}/slack-bot-token`, Type: 'SecureString', Value: 'xoxb-deploy-test' },
                  { Name: `${STAGE_PATH}/teams-webhook-secret`, Type: 'SecureString', Value: TEAMS_SECRET },
                ]
              : [],
        }),
      });
      try {
        // The deployed environment, with the stack's names pointed at local endpoints.
        const deployed = envOf(lambdaOf(dev.template, 'slack-events')[1]);
        const env: Record<string, string> = {
          ...deployed,
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_TABLE: dynamo.store.table,
          BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
          SLACK_API_URL: slack.apiUrl,
          SLACK_BOT_USER_ID: 'U0BOT',
          SLACK_BOT_ID: 'B0BOT',
          SLACK_TEAM_ID: 'T0TEST0001',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_ENDPOINT_URL_LAMBDA: lambda.url,
        };
        for (const key of Object.values(SECRET_PARAMETERS)) expect(env).not.toHaveProperty(key);
        // Bolt checks the request timestamp against the real clock.
        const signed = (text: string, responseUrl: string) =>
          slackRequest(slackCommandBody({ text, responseUrl }), SIGNING_SECRET, {
            timestamp: Math.floor(Date.now() / 1000),
          });

        const help = (await invokePackaged(
          'slack-events',
          signed('help', slack.responseUrl('help')),
          env,
        )) as {
          statusCode: number;
          body: string;
        };
        expect(help.statusCode).toBe(200);
        expect(JSON.parse(help.body).blocks.length).toBeGreaterThan(0);
        expect(ssm.count('GetParametersByPath')).toBeGreaterThanOrEqual(1);

        const forged = slackRequest(slackCommandBody({ text: 'help' }), 'not-the-secret', {
          timestamp: Math.floor(Date.now() / 1000),
        });
        expect(
          ((await invokePackaged('slack-events', forged, env)) as { statusCode: number }).statusCode,
        ).toBe(401);

        const ack = (await invokePackaged(
          'slack-events',
          signed('spend last week', slack.responseUrl('job')),
          env,
        )) as {
          statusCode: number;
        };
        expect(ack.statusCode).toBe(200);
        expect(lambda.invocations).toHaveLength(1);
        const invocation = lambda.invocations[0]!;
        expect(invocation.functionName).toBe(env.COMMAND_WORKER_FUNCTION);
        expect(invocation.invocationType).toBe('Event');

        // The packaged worker runs the job (on the demo account) and answers via response_url.
        const workerEnv = {
          ...env,
          ...envOf(lambdaOf(dev.template, 'command-worker')[1]),
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_TABLE: dynamo.store.table,
          SLACK_API_URL: slack.apiUrl,
          BEDROCK_COST_DEMO: '1',
        };
        const outcome = await invokePackaged('command-worker', JSON.parse(invocation.payload), workerEnv);
        expect(outcome).toEqual({ outcome: 'answered' });
        const answers = slack.responsesTo('job');
        expect(answers).toHaveLength(1);
        expect(JSON.stringify(answers[0])).toMatch(/\$\d/);
      } finally {
        await Promise.all([dynamo.close(), slack.close(), lambda.close(), ssm.close()]);
      }
    },
    SLOW_MS,
  );

  it('runs the Teams bot from its zip: token verified, help answered, a slow command answered by the packaged worker through the Bot Connector', async () => {
    const [dynamo, bf, lambda] = await Promise.all([
      startTestDynamo(),
      startBotFramework(),
      startLambdaApi(),
    ]);
    const ssm = await startAwsServer({
      GetParametersByPath: (input) => ({
        Parameters:
          input.Path === STAGE_PATH
            ? [
                {
                  Name: `${STAGE_PATH}/teams-app-password`,
                  Type: 'SecureString',
                  Value: bf.env.TEAMS_APP_PASSWORD,
                },
              ]
            : [],
      }),
    });
    try {
      const { TEAMS_APP_PASSWORD: _fromSsm, ...overrides } = bf.env;
      const env: Record<string, string> = {
        ...envOf(lambdaOf(dev.template, 'teams-bot')[1]),
        ...overrides,
        BEDROCK_COST_SSM_PATH: STAGE_PATH,
        BEDROCK_COST_TABLE: dynamo.store.table,
        BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      };
      for (const key of Object.values(SECRET_PARAMETERS)) expect(env).not.toHaveProperty(key);
      // Tokens expire in real time.
      const token = (forged = false) => bf.sign({ issuedAt: Math.floor(Date.now() / 1000), forged });

      const help = (await invokePackaged(
        'teams-bot',
        botRequest(bf.channelMessage('help'), await token()),
        env,
      )) as {
        statusCode: number;
      };
      expect(help.statusCode).toBe(200);
      expect(bf.posts).toHaveLength(1);
      expect(JSON.stringify(bf.posts[0]?.activity)).toContain('estimate');

      const forged = (await invokePackaged(
        'teams-bot',
        botRequest(bf.channelMessage('help'), await token(true)),
        env,
      )) as { statusCode: number };
      expect(forged.statusCode).toBe(401);
      expect(bf.posts).toHaveLength(1);

      const asked = bf.channelMessage('why last week');
      const ack = (await invokePackaged('teams-bot', botRequest(asked, await token()), env)) as {
        statusCode: number;
      };
      expect(ack.statusCode).toBe(200);
      expect(bf.texts().at(-1)).toMatch(/^Working on "why last week"/);
      expect(lambda.invocations).toHaveLength(1);
      expect(lambda.invocations[0]?.invocationType).toBe('Event');

      const workerEnv = {
        ...env,
        ...envOf(lambdaOf(dev.template, 'command-worker')[1]),
        ...overrides,
        BEDROCK_COST_SSM_PATH: STAGE_PATH,
        BEDROCK_COST_TABLE: dynamo.store.table,
        BEDROCK_COST_DEMO: '1',
      };
      const before = bf.posts.length;
      const outcome = await invokePackaged(
        'command-worker',
        JSON.parse(lambda.invocations[0]!.payload),
        workerEnv,
      );
      expect(outcome).toEqual({ outcome: 'answered' });
      expect(bf.posts).toHaveLength(before + 1);
      expect(bf.posts.at(-1)).toMatchObject({ conversationId: asked.conversation.id, replyToId: asked.id });
      expect(JSON.stringify(bf.posts.at(-1)?.activity)).toMatch(/\$\d/);
    } finally {
      await Promise.all([dynamo.close(), bf.close(), lambda.close(), ssm.close()]);
    }
  }, 120_000);

  it(
    'posts the weekly digest with its chart drawn from the packaged wasm and font',
    async () => {
      const [dynamo, slack] = await Promise.all([
        startTestDynamo(),
        startSlackServer({ token: 'xoxb-deploy-test', channels: ['C0SEARCH'] }),
      ]);
      const ssm = await startAwsServer({
        GetParametersByPath: {
          Parameters: [
            { Name: `${STAGE_PATH}/slack-bot-token`, Type: 'SecureString', Value: 'xoxb-deploy-test' },
          ],
        },
      });
      try {
        const local = {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          BEDROCK_COST_TABLE: dynamo.store.table,
        };
        // An operator gives a team a budget and a channel with the CLI, against the table.
        await run(
          process.execPath,
          [
            join(ROOT, 'bin/bedrock-cost'),
            'budget',
            'set',
            'search',
            '5000',
            'channel',
            'C0SEARCH',
            'tz',
            'Europe/London',
          ],
          { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: scratch, ...local }, timeout: CHILD_MS },
        );
        // Monday 09:05 in London: the team's digest is due.
        const env: Record<string, string> = {
          ...envOf(lambdaOf(dev.template, 'weekly-digest')[1]),
          ...local,
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_NOW: '2026-11-16T09:05:00Z',
          BEDROCK_COST_DEMO: '1',
          SLACK_API_URL: slack.apiUrl,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        };
        const result = (await invokePackaged('weekly-digest', { source: 'aws.events' }, env)) as {
          messages: number;
        };
        expect(result.messages).toBeGreaterThanOrEqual(1);
        const posts = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0SEARCH');
        expect(posts).toHaveLength(1);
        // The chart is a real PNG (not the sparkline fallback a missing asset would cause).
        expect(slack.uploads).toHaveLength(1);
        expect(slack.uploads[0]!.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      } finally {
        await Promise.all([dynamo.close(), slack.close(), ssm.close()]);
      }
    },
    SLOW_MS,
  );

  it(
    "makes only AWS calls its function's role allows (scheduled jobs and the worker, from their zips)",
    async () => {
      const ACCOUNT_ARN = 'arn:aws:bedrock:us-east-1:123456789012';
      const MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0';
      const profileArns = Array.from(
        { length: 30 },
        (_, i) => `${ACCOUNT_ARN}:application-inference-profile/p${i}`,
      );
      const throughput = {
        provisionedModelName: 'search-pt',
        provisionedModelArn: `${ACCOUNT_ARN}:provisioned-model/pt1`,
        modelArn: MODEL_ARN,
        desiredModelArn: MODEL_ARN,
        foundationModelArn: MODEL_ARN,
        modelUnits: 1,
        desiredModelUnits: 1,
        status: 'InService',
        commitmentDuration: 'OneMonth',
        commitmentExpirationTime: '2026-12-10T08:00:00Z',
        creationTime: '2026-11-01T10:00:00Z',
        lastModifiedTime: '2026-11-01T10:00:00Z',
      };
      const aws = await startAwsServer({
        GetParametersByPath: {
          Parameters: [
            { Name: `${STAGE_PATH}/slack-bot-token`, Type: 'SecureString', Value: 'xoxb-deploy-test' },
          ],
        },
        GetCostAndUsage: { ResultsByTime: [], DimensionValueAttributes: [] },
        GetDimensionValues: {
          DimensionValues: [{ Value: 'Amazon Bedrock', Attributes: {} }],
          ReturnSize: 1,
          TotalSize: 1,
        },
        GetCostForecast: { Total: { Amount: '0', Unit: 'USD' }, ForecastResultsByTime: [] },
        ListMetrics: {
          Metrics: [
            {
              Namespace: 'AWS/Bedrock',
              MetricName: 'InputTokenCount',
              Dimensions: [{ Name: 'ModelId', Value: 'amazon.nova-lite-v1:0' }],
            },
          ],
        },
        GetMetricData: (input) => ({
          MetricDataResults: ((input.MetricDataQueries as { Id: string }[]) ?? []).map((q) => ({
            Id: q.Id,
            Label: q.Id,
            Timestamps: [],
            Values: [],
            StatusCode: 'Complete',
          })),
        }),
        ListProvisionedModelThroughputs: { provisionedModelSummaries: [throughput] },
        GetProvisionedModelThroughput: throughput,
        // One application profile per team, more than the adapter reads one by one: tags come
        // in pages from the Resource Groups Tagging API, which the roles must allow.
        ListInferenceProfiles: (input) => ({
          inferenceProfileSummaries:
            input.typeEquals === 'APPLICATION'
              ? profileArns.map((arn, i) => ({
                  inferenceProfileArn: arn,
                  inferenceProfileId: arn.split('/')[1],
                  inferenceProfileName: `team-${i}`,
                  type: 'APPLICATION',
                  status: 'ACTIVE',
                  models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' }],
                }))
              : [],
        }),
        ListTagsForResource: { tags: [{ key: 'team', value: 'search' }] },
        GetResources: {
          ResourceTagMappingList: profileArns.map((arn, i) => ({
            ResourceARN: arn,
            Tags: [{ Key: 'team', Value: i === 0 ? 'search' : `team-${i}` }],
          })),
        },
        GetProducts: { FormatVersion: 'aws_v1', PriceList: [] },
        Converse: {
          output: { message: { role: 'assistant', content: [{ text: 'Try: spend last month by team' }] } },
          stopReason: 'end_turn',
          usage: { inputTokens: 10, outputTokens: 8, totalTokens: 18 },
          metrics: { latencyMs: 5 },
        },
      });
      const [dynamo, slack] = await Promise.all([
        startTestDynamo(),
        startSlackServer({ token: 'xoxb-deploy-test', channels: ['C0SEARCH'] }),
      ]);
      /** The IAM action each recorded request needs. */
      const PREFIX: Record<string, string> = {
        CostExplorer: 'ce',
        CloudWatch: 'cloudwatch',
        Bedrock: 'bedrock',
        BedrockRuntime: 'bedrock',
        Pricing: 'pricing',
        AmazonSSM: 'ssm',
        Tagging: 'tag',
      };
      const actionOf = (r: { service: string; operation: string }) =>
        r.service === 'BedrockRuntime' && r.operation === 'Converse'
          ? 'bedrock:InvokeModel'
          : `${PREFIX[r.service] ?? r.service}:${r.operation}`;
      try {
        const local: Record<string, string> = {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          BEDROCK_COST_TABLE: dynamo.store.table,
        };
        await run(
          process.execPath,
          [
            join(ROOT, 'bin/bedrock-cost'),
            'budget',
            'set',
            'search',
            '100',
            'channel',
            'C0SEARCH',
            'tz',
            'Europe/London',
          ],
          { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: scratch, ...local }, timeout: CHILD_MS },
        );
        const endpoints = {
          AWS_ENDPOINT_URL_SSM: aws.endpoint,
          AWS_ENDPOINT_URL_COST_EXPLORER: aws.endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH: aws.endpoint,
          AWS_ENDPOINT_URL_BEDROCK: aws.endpoint,
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: aws.endpoint,
          AWS_ENDPOINT_URL_PRICING: aws.endpoint,
          AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: aws.endpoint,
        };
        const job = (text: string) => ({
          kind: 'command',
          id: `job-${text}`,
          text,
          caller: { platform: 'slack', userId: 'U0ALICE001', isAdmin: false, channelId: 'C0SEARCH' },
          replyTo: { kind: 'slack-response-url', url: slack.responseUrl(text.replace(/\W+/g, '-')) },
        });
        // The zips are the same for every stage; `prod` sets the assistant model for `ask`.
        const runs: [string, unknown, Packaged][] = [
          // As deployed: the ledger sync fills the table; the digest and alert runs only read it.
          ['ledger-sync', { source: 'aws.events' }, dev],
          ['weekly-digest', { source: 'aws.events' }, dev],
          ['budget-alerts', { source: 'aws.events' }, dev],
          ['idle-throughput', { source: 'aws.events' }, dev],
          ['pricing-refresh', { source: 'aws.events' }, dev],
          ['command-worker', job('spend last week by model'), dev],
          ['command-worker', job('why last week'), dev],
          ['command-worker', job('forecast'), dev],
          ['command-worker', job('idle'), dev],
          ['command-worker', job('budget'), dev],
          ['command-worker', job('ask which team spent the most last month?'), prod],
        ];
        const made = new Set<string>();
        for (const [name, event, packaged] of runs) {
          const before = aws.requests.length;
          const deployed = envOf(lambdaOf(packaged.template, name)[1]);
          const env: Record<string, string> = {
            ...deployed,
            ...local,
            ...endpoints,
            // A function with no secrets to read (pricing-refresh) has no path, and no grant.
            ...(deployed.BEDROCK_COST_SSM_PATH ? { BEDROCK_COST_SSM_PATH: STAGE_PATH } : {}),
            BEDROCK_COST_NOW: '2026-11-16T09:05:00Z',
            SLACK_API_URL: slack.apiUrl,
            POWERTOOLS_LOG_LEVEL: 'INFO',
          };
          await invokePackaged(name, event, env);
          const needed = new Set(aws.requests.slice(before).map(actionOf));
          for (const action of needed) made.add(action);
          const allowed = actionsOf(statementsOf(packaged.template, name));
          const label = `${name} ${JSON.stringify(event).slice(0, 60)}`;
          expect(
            [...needed].filter((a) => !allowed.has(a)),
            label,
          ).toEqual([]);
          // It reached its data (not a run that failed before touching AWS). Bill questions
          // after the first run are answered from the ledger in the table: no bill request.
          const fromLedger = name === 'command-worker' && !/"text":"(idle|ask)/.test(JSON.stringify(event));
          if (!fromLedger) {
            expect([...needed].filter((a) => DATA_SERVICES.test(a)).length, label).toBeGreaterThan(0);
          }
        }
        // The team tags were read in pages (the Tagging API), as the roles allow.
        expect(made).toContain('tag:GetResources');
      } finally {
        await Promise.all([dynamo.close(), slack.close(), aws.close()]);
      }
    },
    SLOW_MS,
  );

  it(
    'verifies Teams with the secret from SSM and answers help with an Adaptive Card',
    async () => {
      const dynamo = await startTestDynamo();
      const ssm = await startAwsServer({
        GetParametersByPath: {
          Parameters: [
            { Name: `${STAGE_PATH}/teams-webhook-secret`, Type: 'SecureString', Value: TEAMS_SECRET },
          ],
        },
      });
      try {
        const env = {
          ...envOf(lambdaOf(dev.template, 'teams-messages')[1]),
          BEDROCK_COST_SSM_PATH: STAGE_PATH,
          BEDROCK_COST_TABLE: dynamo.store.table,
          BEDROCK_COST_NOW: '2026-11-18T06:00:00Z',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        };
        // The endpoint bounds replays with the activity's timestamp against the real clock.
        const message = (text: string) => ({
          ...teamsMessage({ text }),
          timestamp: new Date().toISOString(),
        });
        const result = (await invokePackaged(
          'teams-messages',
          teamsRequest(message('help'), TEAMS_SECRET),
          env,
        )) as {
          statusCode: number;
          body: string;
        };
        expect(result.statusCode).toBe(200);
        const body = JSON.parse(result.body) as { attachments: { contentType: string }[] };
        expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
        const forged = teamsRequest(message('help'), Buffer.from('another-secret').toString('base64'));
        expect(
          ((await invokePackaged('teams-messages', forged, env)) as { statusCode: number }).statusCode,
        ).toBe(401);
      } finally {
        await Promise.all([dynamo.close(), ssm.close()]);
      }
    },
    SLOW_MS,
  );

  it('never logs a secret, a token or a response/webhook URL', () => {
    const names = new Set(logs.map((l) => l.name));
    expect([...names].sort()).toEqual([
      'budget-alerts',
      'command-worker',
      'idle-throughput',
      'ledger-sync',
      'pricing-refresh',
      'slack-events',
      'teams-bot',
      'teams-messages',
      'weekly-digest',
    ]);
    // Structured JSON from the Powertools logger, at INFO as deployed.
    const lines = logs.flatMap((l) => l.text.split('\n').filter((t) => t.trim().startsWith('{')));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((t) => JSON.parse(t).service === SERVICE)).toBe(true);
    for (const { name, text } of logs) {
      for (const secret of [SIGNING_SECRET, TEAMS_SECRET, 'xoxb-deploy-test', 'test-app-password']) {
        expect(text.includes(secret), `${name} logged a secret`).toBe(false);
      }
      expect(text, name).not.toMatch(/\/response\/|hooks\.slack\.com|logic\.azure\.com/);
      // Neither the Bot Framework's tokens nor the bot's own connector tokens.
      expect(text, name).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.|connector-token-\d/);
    }
  });
});

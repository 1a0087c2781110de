/**
 * What the deploy tests read the packaged stack with: the packaged stages (shared, see
 * packaging.ts), the template helpers, and the per-function expectations several files
 * check (data actions, secret paths).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, inject } from 'vitest';
import {
  awaitPackaging,
  type Json,
  type Packaged,
  type Resource,
  ROOT,
  readPackaged,
  SERVICE,
  type Template,
} from './packaging.js';
import { readZip } from './zip.js';

/** The `dev` and `prod` stages, packaged once per test run (call in `beforeAll`, `PACKAGING_MS`). */
export async function packagedStages(): Promise<{ dev: Packaged; prod: Packaged }> {
  const scratch = inject('deployScratch');
  await awaitPackaging(scratch);
  return { dev: readPackaged(scratch, 'dev'), prod: readPackaged(scratch, 'prod') };
}

/** The function's zip from `packaged`, unpacked once under `scratch` (outside the repository). */
export function unzipFunction(packaged: Packaged, name: string, scratch: string): string {
  const dir = join(scratch, 'unzipped', name);
  if (!existsSync(dir)) {
    for (const entry of readZip(join(packaged.dir, `${name}.zip`))) {
      mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
      writeFileSync(join(dir, entry.name), entry.data);
    }
  }
  return dir;
}

/** Every Lambda entry point in functions/ must be deployed. */
export const FUNCTIONS = readdirSync(join(ROOT, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

/**
 * Actions AWS only authorises on `"Resource": "*"` (no resource-level permissions). Any
 * other action must name this stack's resources.
 */
export const STAR_ONLY_ACTIONS = new Set([
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
export const COMMAND_DATA_ACTIONS = [
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
export const DATA_ACTIONS: Record<string, string[]> = {
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
export const DATA_SERVICES = /^(ce|cloudwatch|bedrock|pricing|tag):/;

/** The SSM sub-path of secrets each function reads (Slack's or Teams'), or none. */
export const SECRETS_PATH: Record<string, string[]> = {
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
// Template helpers

export const ofType = (t: Template, type: string) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);
export const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
export const getAttId = (v: Json): string | undefined =>
  (v as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
export const refId = (v: Json): string | undefined => (v as { Ref?: string })?.Ref;
export const subText = (v: Json): string | undefined =>
  typeof v === 'string' ? v : ((v as { 'Fn::Sub'?: string })?.['Fn::Sub'] ?? undefined);

export function lambdaOf(t: Template, name: string): [string, Resource] {
  const found = ofType(t, 'AWS::Lambda::Function').find(
    ([, r]) => r.Properties.FunctionName === `${SERVICE}-${stageOf(t)}-${name}`,
  );
  if (!found) throw new Error(`no Lambda function ${name}`);
  return found;
}
export const stageOf = (t: Template) =>
  String(lambdaOfAny(t).Properties.FunctionName)
    .slice(SERVICE.length + 1)
    .split('-')[0];
export const lambdaOfAny = (t: Template) => ofType(t, 'AWS::Lambda::Function')[0]![1];
export const envOf = (fn: Resource) =>
  ((fn.Properties.Environment as { Variables?: Record<string, string> })?.Variables ?? {}) as Record<
    string,
    string
  >;

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: Json;
  NotResource?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

/** Every policy statement the function's execution role holds (inline and managed). */
export function statementsOf(t: Template, name: string): Statement[] {
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
export const actionsOf = (statements: Statement[]) => new Set(statements.flatMap((s) => asArray(s.Action)));
export const allowing = (statements: Statement[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action));

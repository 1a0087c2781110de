/**
 * The one packaging step the deploy tests share: `osls package` exactly as `npm run
 * package` does (osls + serverless-esbuild, offline, no AWS credentials), once per test run
 * for every file that reads the packaged stack.
 *
 * Two packagings: the default `dev` stage (what CI and `npm run package` build) and `prod`
 * with the optional parameters set (assistant model, alarm e-mail, admins), so both
 * sides of every condition in the template are checked.
 *
 * How it is shared: `test/deploy/global-setup.ts` (the deploy project's `globalSetup`, in
 * the main vitest process) owns a scratch folder and packages into it the first time a
 * test file asks (`packagedStages()` leaves a request file there, then waits for the
 * result); files that need no packaging (the Teams app package) cost nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/**
 * Safety nets, not speed targets (those are in the bench): packaging or a child process
 * on a machine whose cores are busy with other work can take minutes.
 */
export const SLOW_MS = 12 * 60_000;
export const CHILD_MS = 5 * 60_000;
/** Both packagings (one after the other). */
export const PACKAGING_MS = 2 * SLOW_MS + 60_000;
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVICE = 'bedrock-cost';

/** The optional deploy parameters, all set, for the `prod` packaging. */
export const PROD_PARAMS = [
  'assistantModelId=us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'alarmEmail=finops@example.com',
  'adminUserIds=U01ADMIN,U02ADMIN',
  'finopsChannel=C0FINOPS',
  'permissionsBoundaryArn=arn:aws:iam::123456789012:policy/bedrock-cost-boundary',
];

/** Marker files in the shared scratch folder. */
const REQUESTED = 'packaging-requested';
const DONE = 'packaging-done';
const FAILED = 'packaging-failed';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The scratch folder the deploy project's global setup packages into. */
    deployScratch: string;
  }
}

export type Json = unknown;
export interface Resource {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Condition?: string;
}
export interface Template {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { Type: string; Default?: string; AllowedPattern?: string }>;
  Conditions?: Record<string, Json>;
  Outputs?: Record<string, Json>;
}
export interface Packaged {
  stage: string;
  dir: string;
  raw: string;
  /**
   * The template as deployed with its parameters' defaults (the osls params): every
   * condition decided, parameter references and the functions over them evaluated.
   */
  template: Template;
}

async function packageStage(
  scratch: string,
  workFolders: string[],
  stage: string,
  params: string[] = [],
): Promise<void> {
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
}

/**
 * Deploy the template in imagination with its parameters' defaults: replace references to
 * the stack's parameters by their values (in `Ref`, `Fn::Sub`, and the `Fn::Join`,
 * `Fn::Split`, `Fn::Select` over them), then decide `Conditions` and apply them.
 */
export function decideConditions(template: Template): Template {
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

/** Both packagings, one after the other, into `scratch`; the outcome as a marker file. */
async function packageBoth(scratch: string, workFolders: string[]): Promise<void> {
  try {
    // One after the other: osls clears the service's .serverless/ at the start of every
    // packaging, whatever the output directory, so two runs at once collide.
    await packageStage(scratch, workFolders, 'dev');
    await packageStage(scratch, workFolders, 'prod', PROD_PARAMS);
    writeFileSync(join(scratch, DONE), '');
  } catch (error) {
    writeFileSync(join(scratch, FAILED), error instanceof Error ? error.message : String(error));
  }
}

/**
 * The global setup's side: package into `scratch` once a test file asks. Resolves (for the
 * teardown) once the packaging asked for is over; `stop` ends the watching.
 */
export function packageOnRequest(scratch: string, workFolders: string[]) {
  let packaging: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (packaging || !existsSync(join(scratch, REQUESTED))) return;
    clearInterval(timer);
    packaging = packageBoth(scratch, workFolders);
  }, 200);
  return {
    stop: async () => {
      clearInterval(timer);
      await packaging;
    },
  };
}

/** A test file's side: ask for the packaging (once per run) and wait for it. */
export async function awaitPackaging(scratch: string): Promise<void> {
  writeFileSync(join(scratch, REQUESTED), '');
  const deadline = Date.now() + PACKAGING_MS;
  while (!existsSync(join(scratch, DONE))) {
    if (existsSync(join(scratch, FAILED))) throw new Error(readFileSync(join(scratch, FAILED), 'utf8'));
    if (Date.now() > deadline) throw new Error(`no packaging in ${scratch} after ${PACKAGING_MS} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A packaged stage as read back from the scratch folder. */
export function readPackaged(scratch: string, stage: string): Packaged {
  const dir = join(scratch, stage);
  const raw = readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  return { stage, dir, raw, template: decideConditions(JSON.parse(raw) as Template) };
}

/**
 * The Slack front door's speed, as Slack experiences it (3 seconds to acknowledge).
 *
 * - `slackBundleBench`: bundle `functions/slack-events.ts` the way serverless.yml packages it
 *   (esbuild, ESM, minified, node22, plus `infra/slack-esbuild-plugins.cjs`, which splits it):
 *   the size of what loading the function reads (target < 800 KB), the total with the
 *   chunks only slower paths import, and the largest contributors.
 * - `slackColdStart` (in `npm run bench -- --only bundles`, on the packaged zip) and
 *   `coldStartBench` (on that bundle): a fresh `node` process loading the function and
 *   answering one signed `/bedrock-cost help`, as deployed (its secrets read from a local
 *   SSM server), against an empty `node` process; medians of interleaved runs (target < 2.5x).
 * - `ackBench`: the acknowledgement in process, warm: signed `help` answered inline and a
 *   signed slow command (`why last week`) acknowledged and handed off (target p99 < 50 ms).
 *
 * Run alone: `node --import tsx bench/cold-start.ts [runs]` (prints the rows as JSON).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { HttpEvent } from '../lib/chat/http.js';
import { type AwsServer, awsError, startAwsServer } from '../test/support/aws-server.js';
import {
  type BenchRow,
  CPU_LINE,
  median,
  ms,
  percentile,
  rowWithTarget,
  runNodeAsync,
  sample,
  timeNodeAsync,
} from './util.js';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const SECRET = 'bench-signing-secret';

/**
 * The serverless.yml esbuild options (see `custom.esbuild`), plus the chat plugins, into a
 * folder as serverless-esbuild builds (`functions/slack-events.mjs`): the plugins split the
 * front door into the entry, the chunks it loads at start, and chunks only slower paths
 * import (`functions/slack-events.chunks/`).
 */
async function bundleSlackEvents(outDir: string) {
  const result = await build({
    entryPoints: [join(root, 'functions/slack-events.ts')],
    bundle: true,
    minify: true,
    keepNames: true,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __bedrockCostCreateRequire } from 'node:module'; const require = __bedrockCostCreateRequire(import.meta.url);",
    },
    external: ['dynalite'],
    plugins: require(join(root, 'infra/slack-esbuild-plugins.cjs')),
    outdir: join(outDir, 'functions'),
    metafile: true,
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((f) =>
    outputs[f]?.entryPoint?.endsWith('functions/slack-events.ts'),
  );
  if (!entry) throw new Error('no slack-events entry in the build');
  // What loading the function reads: the entry and the chunks it imports statically.
  const loaded = new Set<string>();
  const queue = [entry];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    if (loaded.has(next)) continue;
    loaded.add(next);
    for (const i of outputs[next]?.imports ?? [])
      if (i.kind === 'import-statement' && outputs[i.path]) queue.push(i.path);
  }
  const sizes = new Map<string, number>();
  let bytes = 0;
  for (const out of loaded) {
    bytes += outputs[out]?.bytes ?? 0;
    for (const [input, info] of Object.entries(outputs[out]?.inputs ?? {})) {
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + info.bytesInOutput);
    }
  }
  const total = Object.values(outputs).reduce((sum, o) => sum + o.bytes, 0);
  const top = [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  const file = join(outDir, 'functions', 'slack-events.mjs');
  return { file, bytes, total, files: loaded.size, chunks: Object.keys(outputs).length, top };
}

/** Bundle size row (and the bundle file, for the cold-start bench). */
export async function slackBundleBench(outDir = mkdtempSync(join(tmpdir(), 'bedrock-cost-cold-'))) {
  const bundle = await bundleSlackEvents(outDir);
  const row = rowWithTarget(
    {
      section: 'chat',
      name: 'slack-events bundle (loaded at start)',
      value: `${Math.round(bundle.bytes / 1024)} KB`,
      raw: bundle.bytes / 1024,
      note: `${bundle.files} of ${bundle.chunks} files; ${Math.round(bundle.total / 1024)} KB with the chunks only slower paths import; largest loaded: ${bundle.top.map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KB`).join(', ')}`,
    },
    800,
    '< 800 KB',
  );
  return { row, file: bundle.file, outDir };
}

/** Where the Slack front door's secrets live in the bench's local SSM (as serverless.yml's `slackSecretsPath`). */
export const SLACK_SSM_PATH = '/bedrock-cost/bench/slack';

/**
 * A local SSM Parameter Store (AWS JSON 1.1, `AmazonSSM.GetParametersByPath`, the call
 * `withSecretsLite` signs) holding SecureString parameters by path. A request without
 * `WithDecryption: true`, or for another path, is refused as SSM would (no plaintext).
 */
export async function startLocalSsm(paths: Record<string, Record<string, string>>): Promise<AwsServer> {
  return startAwsServer({
    GetParametersByPath: (input: { Path?: string; WithDecryption?: boolean }) => {
      const values = paths[String(input.Path)];
      if (!values) return awsError('AccessDeniedException', `not authorized for ${String(input.Path)}`);
      if (input.WithDecryption !== true)
        return awsError('ValidationException', 'SecureString parameters need WithDecryption');
      return {
        Parameters: Object.entries(values).map(([name, value]) => ({
          Name: `${input.Path}/${name}`,
          Type: 'SecureString',
          Value: value,
        })),
      };
    },
  });
}

/** A script that imports the slack-events bundle and answers one signed `/bedrock-cost help`. */
export function writeSlackHelpScript(bundle: string, dir: string): string {
  const script = join(dir, 'answer-help.mjs');
  writeFileSync(
    script,
    `import { createHmac } from 'node:crypto';
const { handler } = await import(${JSON.stringify(bundle)});
const body = new URLSearchParams({ token: 'x', team_id: 'T0', channel_id: 'C0BENCH', user_id: 'U0BENCH', command: '/bedrock-cost',
  text: 'help', response_url: 'https://hooks.slack.com/commands/T0/1/x', trigger_id: '1.2.3' }).toString();
const ts = String(Math.floor(Date.now() / 1000));
const signature = 'v0=' + createHmac('sha256', ${JSON.stringify(SECRET)}).update('v0:' + ts + ':' + body).digest('hex');
const result = await handler({ version: '2.0', routeKey: 'POST /slack/events', rawPath: '/slack/events', rawQueryString: '',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
  body, isBase64Encoded: false, requestContext: { http: { method: 'POST', path: '/slack/events' }, timeEpoch: Date.now() } }, {});
if (result.statusCode !== 200 || !JSON.parse(result.body).blocks) { console.error(JSON.stringify(result)); process.exit(1); }
${CPU_LINE}
`,
  );
  return script;
}

/** The Lambda-like environment the bench loads slack-events with (secrets given directly). */
export const SLACK_LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  BEDROCK_COST_TABLE: 'bedrock-cost-bench',
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_BOT_ID: 'B0BENCH',
  SLACK_BOT_USER_ID: 'U0BOT',
  SLACK_TEAM_ID: 'T0',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

/** The Slack secrets as the bench's SSM holds them (SECRET_PARAMETERS' names). */
export const SLACK_SSM_PARAMETERS = {
  [SLACK_SSM_PATH]: { 'slack-signing-secret': SECRET, 'slack-bot-token': 'xoxb-bench' },
};

/**
 * `env` as deployed: no secret in the environment, `BEDROCK_COST_SSM_PATH` set and the SSM
 * endpoint pointed at the local server (`AWS_ENDPOINT_URL_SSM`, honoured as by the SDK).
 */
export function asDeployed(env: Record<string, string>, ssm: AwsServer): Record<string, string> {
  const { SLACK_SIGNING_SECRET: _s, SLACK_BOT_TOKEN: _t, ...rest } = env;
  return { ...rest, BEDROCK_COST_SSM_PATH: SLACK_SSM_PATH, AWS_ENDPOINT_URL_SSM: ssm.endpoint };
}

/**
 * Cold start of the slack-events bundle answering one signed `help`, as deployed (its
 * secrets read from SSM: one signed `GetParametersByPath` to the local SSM server) and with
 * the secrets in the environment, against an empty `node` process: fresh processes
 * spawned alike (asynchronously, so this process serves SSM meanwhile), interleaved and
 * rotated (the run right after the empty process tends to be the slower); ratio of
 * medians. The target (< 2.5x) is on the deployed figure. Each process also reports its
 * own CPU time (`CPU_LINE`), a figure the machine's load disturbs much less.
 */
export async function slackColdStart(
  bundle: string,
  scratch: string,
  rounds: number,
  ssm: AwsServer,
  env: Record<string, string> = SLACK_LAMBDA_ENV,
): Promise<{ rows: BenchRow[]; help: { script: string; env: Record<string, string> } }> {
  const empty = join(scratch, 'empty-slack.mjs');
  writeFileSync(empty, CPU_LINE);
  const script = writeSlackHelpScript(bundle, scratch);
  const deployed = asDeployed(env, ssm);
  const reads = ssm.count('GetParametersByPath');
  // Warm the file cache; also proves the bundle answers both ways.
  await timeNodeAsync(script, env);
  await timeNodeAsync(script, deployed);
  if (ssm.count('GetParametersByPath') !== reads + 1) throw new Error('slack-events did not read SSM once');
  type Run = { wallMs: number; cpuMs?: number };
  const samples = { empty: [] as Run[], env: [] as Run[], ssm: [] as Run[] };
  for (let r = 0; r < rounds; r++) {
    const runs = [
      async () => void samples.empty.push(await runNodeAsync(empty, {})),
      async () => void samples.ssm.push(await runNodeAsync(script, deployed)),
      async () => void samples.env.push(await runNodeAsync(script, env)),
    ];
    for (let i = 0; i < runs.length; i++) await runs[(r + i) % runs.length]!();
  }
  const wall = (xs: Run[]) => xs.map((x) => x.wallMs);
  const cpu = (xs: Run[]) => xs.map((x) => x.cpuMs ?? Number.NaN);
  const base = median(wall(samples.empty));
  const cpuBase = median(cpu(samples.empty));
  const spread = (xs: Run[]) =>
    `${(Math.min(...wall(xs)) / base).toFixed(2)}-${(Math.max(...wall(xs)) / base).toFixed(2)}x`;
  const cpuNote = (xs: Run[]) =>
    `CPU ${ms(median(cpu(xs)))} vs ${ms(cpuBase)}, ${(median(cpu(xs)) / cpuBase).toFixed(2)}x`;
  const ratio = median(wall(samples.ssm)) / base;
  const envRatio = median(wall(samples.env)) / base;
  return {
    help: { script, env: deployed },
    rows: [
      rowWithTarget(
        {
          section: 'cold start',
          name: 'slack-events, as deployed: load + read secrets from SSM + answer signed `/bedrock-cost help`',
          value: `${ratio.toFixed(2)}x`,
          raw: ratio,
          note: `median ${ms(median(wall(samples.ssm)))} vs empty node ${ms(base)} of ${rounds} (spawned alike, interleaved); runs ${spread(samples.ssm)}; ${cpuNote(samples.ssm)}; one GetParametersByPath with decryption to a local SSM server (AWS JSON 1.1)`,
        },
        2.5,
        '< 2.5x',
      ),
      {
        section: 'cold start',
        name: 'slack-events: the same with the secrets in the environment (no SSM read)',
        value: `${envRatio.toFixed(2)}x`,
        raw: envRatio,
        target: '',
        note: `median ${ms(median(wall(samples.env)))} of ${rounds}, same loop; runs ${spread(samples.env)}; ${cpuNote(samples.env)}`,
      },
    ],
  };
}

/**
 * Cold start of the esbuild-built function (no `osls package`) answering one signed
 * help, as deployed and not, vs an empty Node.js.
 */
export async function coldStartBench(options: { runs?: number } = {}): Promise<BenchRow[]> {
  const runs = options.runs ?? 15;
  const { row: sizeRow, file, outDir } = await slackBundleBench();
  const ssm = await startLocalSsm(SLACK_SSM_PARAMETERS);
  try {
    const { rows } = await slackColdStart(file, outDir, runs, ssm);
    return [sizeRow, ...rows];
  } finally {
    await ssm.close();
  }
}

function signed(body: string): HttpEvent {
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': signature,
      'x-slack-request-timestamp': ts,
    },
    requestContext: { http: { method: 'POST', path: '/slack/events' } } as HttpEvent['requestContext'],
    body,
    isBase64Encoded: false,
  };
}

/** Warm acknowledgement latency in process (help inline; a slow command handed off). */
export async function ackBench(options: { runs?: number } = {}): Promise<BenchRow[]> {
  const runs = options.runs ?? 300;
  const [{ createSlackEventsHandler }, { createReplayGuard }, { testDeps }, { startTestDynamo }] =
    await Promise.all([
      import('../lib/chat/slack-app.js'),
      import('../lib/chat/replay.js'),
      import('../test/support/deps.js'),
      import('../test/support/dynamo.js'),
    ]);
  const dynamo = await startTestDynamo();
  try {
    const deps = testDeps({ store: dynamo.store, env: { SLACK_SIGNING_SECRET: SECRET } });
    const handler = createSlackEventsHandler(async () => deps, {
      invokeWorker: async () => {},
      replayGuard: createReplayGuard(() => dynamo.store),
    });
    let n = 0;
    const ask = (text: string) => async () => {
      n++;
      const body = new URLSearchParams({
        command: '/bedrock-cost',
        text,
        user_id: `U${n}`,
        channel_id: 'C0BENCH',
        response_url: `https://hooks.slack.com/commands/T0/${n}/x`,
      }).toString();
      const result = await handler(signed(body));
      if (result.statusCode !== 200) throw new Error(`ack failed: ${result.statusCode}`);
    };
    const help = await sample(ask('help'), runs);
    const slow = await sample(ask('why last week'), runs);
    return [
      rowWithTarget(
        {
          section: 'chat',
          name: 'ack p99, help (inline answer)',
          value: `${percentile(help, 99).toFixed(1)} ms`,
          raw: percentile(help, 99),
          note: `p50 ${median(help).toFixed(1)} ms, ${runs} runs`,
        },
        50,
        '< 50 ms',
      ),
      rowWithTarget(
        {
          section: 'chat',
          name: 'ack p99, why last week (hand-off, replay claim in DynamoDB)',
          value: `${percentile(slow, 99).toFixed(1)} ms`,
          raw: percentile(slow, 99),
          note: `p50 ${median(slow).toFixed(1)} ms, ${runs} runs, local dynalite`,
        },
        50,
        '< 50 ms',
      ),
    ];
  } finally {
    await dynamo.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.argv[2] ?? 15);
  const rows = [...(await coldStartBench({ runs })), ...(await ackBench())];
  console.log(JSON.stringify(rows, null, 2));
}

/**
 * Cold start of the Slack front door, as Lambda pays it.
 *
 * 1. Bundle `functions/slack-events.ts` the way serverless.yml packages it (esbuild, ESM,
 *    minified, node22, `infra/slack-esbuild-plugins.cjs`) and report its size.
 * 2. Time a fresh `node` process that loads the bundle and answers one signed
 *    `/bedrock-cost help`, against an empty `node` process, interleaved, and report the
 *    medians and their ratio. Targets: bundle < 800 KB, ratio < 2.5.
 *
 * Run: `node --import tsx bench/cold-start.ts [runs]` (default 15 runs of each).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.argv[2] ?? 15);
const out = mkdtempSync(join(tmpdir(), 'bedrock-cost-cold-'));

async function bundle(
  entry: string,
  name: string,
): Promise<{ file: string; bytes: number; top: [string, number][] }> {
  const file = join(out, `${name}.mjs`);
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    keepNames: true,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __bedrockCostCreateRequire } from 'node:module'; const require = __bedrockCostCreateRequire(import.meta.url);",
    },
    external: ['dynalite'],
    plugins: require(join(root, 'infra/slack-esbuild-plugins.cjs')),
    outfile: file,
    metafile: true,
    logLevel: 'error',
  });
  const sizes = new Map<string, number>();
  for (const [input, info] of Object.entries(
    result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]!.inputs,
  )) {
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + info.bytesInOutput);
  }
  const top = [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return { file, bytes: statSync(file).size, top };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function timeNode(script: string, env: Record<string, string>): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${script} failed: ${child.stderr}`);
  return ms;
}

const secret = 'bench-signing-secret';
const { file, bytes, top } = await bundle('functions/slack-events.ts', 'slack-events');
const empty = join(out, 'empty.mjs');
writeFileSync(empty, '');
const runner = join(out, 'answer-help.mjs');
writeFileSync(
  runner,
  `import { createHmac } from 'node:crypto';
const { handler } = await import(${JSON.stringify(file)});
const body = new URLSearchParams({ command: '/bedrock-cost', text: 'help', user_id: 'U0BENCH', channel_id: 'C0BENCH',
  response_url: 'https://hooks.slack.com/commands/T0/1/x', team_id: 'T0' }).toString();
const ts = String(Math.floor(Date.now() / 1000));
const signature = 'v0=' + createHmac('sha256', ${JSON.stringify(secret)}).update('v0:' + ts + ':' + body).digest('hex');
const result = await handler({ version: '2.0', rawPath: '/slack/events', headers: { 'content-type': 'application/x-www-form-urlencoded',
  'x-slack-signature': signature, 'x-slack-request-timestamp': ts }, body, isBase64Encoded: false,
  requestContext: { http: { method: 'POST', path: '/slack/events' } } }, {});
if (result.statusCode !== 200 || !JSON.parse(result.body).blocks) { console.error(JSON.stringify(result)); process.exit(1); }
`,
);
const env = {
  SLACK_SIGNING_SECRET: secret,
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_BOT_ID: 'B0BENCH',
  SLACK_BOT_USER_ID: 'U0BOT',
  SLACK_TEAM_ID: 'T0',
  AWS_REGION: 'us-east-1',
  BEDROCK_COST_TABLE: 'bedrock-cost-bench',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};
timeNode(runner, env); // warm the file system cache; also proves the bundle answers
const emptyMs: number[] = [];
const coldMs: number[] = [];
for (let i = 0; i < runs; i++) {
  emptyMs.push(timeNode(empty, {}));
  coldMs.push(timeNode(runner, env));
}
const ratio = median(coldMs) / median(emptyMs);
console.log(
  JSON.stringify(
    {
      bundle: { file: 'functions/slack-events.ts', bytes, kb: Math.round(bytes / 1024), targetKb: 800, top },
      coldStart: {
        runs,
        emptyNodeMedianMs: Math.round(median(emptyMs)),
        loadAndAnswerHelpMedianMs: Math.round(median(coldMs)),
        ratio: Number(ratio.toFixed(2)),
        target: 2.5,
      },
      node: execFileSync(process.execPath, ['--version'], { encoding: 'utf8' }).trim(),
    },
    null,
    2,
  ),
);
void readFileSync;

/**
 * The Teams bot's cold start, as the Bot Connector experiences it: a fresh `node` process
 * loads the packaged `teams-bot` bundle and answers one Bot Framework activity
 * (`@bedrock-cost help` in a channel) — the token verified against OpenID metadata and
 * keys fetched on this first request, a connector token fetched and the answer posted to
 * the Bot Connector (a quick answer does not touch DynamoDB) — against an empty
 * `node` process, both spawned asynchronously so this process can serve the local Bot
 * Framework (test/support/botframework-server.ts) and DynamoDB (dynalite) meanwhile.
 * Interleaved runs, ratio of medians; the target is Slack's (< 2.5x).
 *
 * Measured on this project's 2-core machine shared with other builds (load average 14-18):
 * with Node's `fetch` and the four requests one after the other (metadata, keys, token,
 * reply) the answer took 5.4x (bench, load 14) to 12.2x (paired runs, load 19) an empty
 * process, and 177 ms of CPU against 22 ms for the empty process; with the metadata, keys
 * and token requested at once over `node:http(s)` (lib/lambda/http-client.ts) it
 * takes 2.8x (load 17.5; Slack's `help` 2.55x in the same run) and 62 ms of CPU (Slack's
 * `help`: 57 ms). Slack's `help` is also timed in this loop, on the same empty-process
 * baseline: 3.15-3.69x for the bot, 2.77-3.89x with its password from SSM, 2.97-4.35x for
 * Slack (load 10.7-11.2). What the bot does that Slack's ack does not is two round trips to
 * the Bot Framework (metadata, keys and token together, then the reply).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAwsServer } from '../test/support/aws-server.js';
import { startBotFramework } from '../test/support/botframework-server.js';
import { startTestDynamo } from '../test/support/dynamo.js';
import { type BenchRow, median, ms, rowWithTarget, timeNodeAsync } from './util.js';

/**
 * Cold start of the packaged bot answering one activity.
 *
 * @param bundle the unpacked `functions/teams-bot.mjs`
 * @param lambdaEnv the Lambda-like environment the other bundles load with
 * @param slackHelp the script answering Slack's signed `help` and its as-deployed environment
 *   (secrets from SSM; bench/cold-start.ts), timed in the same loop so the two ratios share
 *   one empty-process baseline
 */
export async function teamsBotColdStart(
  bundle: string,
  scratch: string,
  rounds: number,
  lambdaEnv: Record<string, string>,
  slackHelp?: { script: string; env: Record<string, string> },
): Promise<BenchRow[]> {
  const [bf, dynamo] = await Promise.all([startBotFramework(), startTestDynamo()]);
  // As deployed, the app password comes from SSM (one GetParametersByPath at cold start).
  const ssmPath = '/bedrock-cost/bench/teams';
  const ssm = await startAwsServer({
    GetParametersByPath: () => ({
      Parameters: [{ Name: `${ssmPath}/teams-app-password`, Value: bf.env.TEAMS_APP_PASSWORD }],
    }),
  });
  try {
    const empty = join(scratch, 'empty-async.mjs');
    writeFileSync(empty, '');
    const runner = join(scratch, 'answer-teams-bot.mjs');
    writeFileSync(
      runner,
      `const { handler } = await import(${JSON.stringify(bundle)});
const result = await handler({ version: '2.0', routeKey: 'POST /teams/bot', rawPath: '/teams/bot', rawQueryString: '',
  headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.BENCH_TOKEN },
  body: process.env.BENCH_ACTIVITY, isBase64Encoded: false,
  requestContext: { http: { method: 'POST', path: '/teams/bot' }, timeEpoch: Date.now() } }, {});
if (result.statusCode !== 200) { console.error(JSON.stringify(result)); process.exit(1); }
`,
    );
    const token = await bf.sign({ issuedAt: Math.floor(Date.now() / 1000) });
    const env: Record<string, string> = {
      ...lambdaEnv,
      ...bf.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      BEDROCK_COST_TABLE: dynamo.store.table,
      BENCH_TOKEN: token,
      BENCH_ACTIVITY: JSON.stringify(bf.channelMessage('help')),
    };
    const { TEAMS_APP_PASSWORD: _fromSsm, ...withoutPassword } = env;
    const ssmEnv = { ...withoutPassword, BEDROCK_COST_SSM_PATH: ssmPath, AWS_ENDPOINT_URL_SSM: ssm.endpoint };
    await timeNodeAsync(runner, env); // warm the file cache; also proves the bot answers
    if (bf.posts.length !== 1) throw new Error(`teams-bot answered ${bf.posts.length} times, not once`);
    const [openid, keys, tokens] = [bf.counts.openid, bf.counts.keys, bf.counts.token];
    const emptyMs: number[] = [];
    const botMs: number[] = [];
    const ssmMs: number[] = [];
    const slackMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      emptyMs.push(await timeNodeAsync(empty, {}));
      // Rotating which comes first: the run right after the empty process is the slower.
      const runs: (() => Promise<void>)[] = [
        async () => void botMs.push(await timeNodeAsync(runner, env)),
        async () => void ssmMs.push(await timeNodeAsync(runner, ssmEnv)),
        ...(slackHelp
          ? [async () => void slackMs.push(await timeNodeAsync(slackHelp.script, slackHelp.env))]
          : []),
      ];
      for (let i = 0; i < runs.length; i++) await runs[(r + i) % runs.length]!();
    }
    if (bf.posts.length !== 2 * rounds + 1) throw new Error('teams-bot did not answer every run');
    const ratio = median(botMs) / median(emptyMs);
    const ssmRatio = median(ssmMs) / median(emptyMs);
    const slackSame = slackMs.length
      ? `; Slack's signed help as deployed (secrets from SSM) in the same loop ${(median(slackMs) / median(emptyMs)).toFixed(2)}x`
      : '';
    return [
      rowWithTarget(
        {
          section: 'cold start',
          name: 'teams-bot: load + verify a Bot Framework token + answer `@bedrock-cost help` via the Bot Connector',
          value: `${ratio.toFixed(2)}x`,
          raw: ratio,
          note: `median ${ms(median(botMs))} vs empty node ${ms(median(emptyMs))} (spawned alike) of ${rounds}; ${openid} metadata, ${keys} key and ${tokens} token request(s) for the first cold start, each start's at once, then the reply: 2 round trips Slack's ack does not make (local servers, node:http); no DynamoDB${slackSame}`,
        },
        2.5,
        '< 2.5x',
      ),
      {
        section: 'cold start',
        name: 'teams-bot, as deployed: the same with the app password read from SSM',
        value: `${ssmRatio.toFixed(2)}x`,
        raw: ssmRatio,
        target: '',
        note: `median ${ms(median(ssmMs))} of ${rounds}; one GetParametersByPath (local SSM server) while the metadata and keys are fetched, then the token; lib/lambda/aws-lite.ts over node:https (with Node's fetch the handler took 202-322 ms instead of 80-121 ms in paired runs at load 12-13)`,
      },
    ];
  } finally {
    await Promise.all([bf.close(), dynamo.close(), ssm.close()]);
  }
}

/**
 * Slow commands (`slow: true`: spend, why, idle, forecast, ask read Cost Explorer,
 * CloudWatch or a model) cannot answer inside Slack's 3-second acknowledgement or Teams'
 * 5 seconds. The front door acknowledges at once ("working on it") and hands a
 * `WorkerJob` to the command worker; the worker runs the command and posts the answer to
 * Slack's `response_url` (or the team's Teams Workflows webhook).
 *
 * Bolt's "lazy listeners" do not exist on Lambda (bolt-js #914, #1727): a function cannot
 * keep working after it has returned its response. So the hand-off is an asynchronous
 * Lambda invocation (`InvocationType: Event`, answered by Lambda with 202 in a few
 * milliseconds). Where there is no Lambda (`bedrock-cost serve`, tests), the same job runs
 * in-process. Both go through the `InvokeWorker` port.
 */
import type { Caller } from '../commands/types.js';
import type { Deps } from '../deps.js';
import { isUserError, userMessage } from '../errors.js';
import type { Reply } from './reply.js';
import { simpleReply } from './reply.js';

/**
 * Thrown by the front doors' `deps.sources()`: account data (Cost Explorer, CloudWatch,
 * Bedrock) is read only by the worker, so the acknowledgement path never loads those
 * clients. A fast command that turns out to need data is handed to the worker instead.
 */
export class WorkerOnlyError extends Error {
  constructor() {
    super('Account data is read by the command worker, not in the acknowledgement.');
    this.name = 'WorkerOnlyError';
  }
}

/** Where the worker sends its answer. */
export type WorkerReplyTo =
  /** Slack `response_url` of the slash command or button (valid 30 minutes, 5 posts). */
  | { kind: 'slack-response-url'; url: string }
  /** A Teams Workflows webhook (the team's channel). */
  | { kind: 'teams-webhook'; url: string }
  /**
   * Nowhere: a Teams question too slow for its 5 seconds, from a team without a Workflows
   * webhook. Running it still fills the answer cache, so asking again is quick.
   */
  | { kind: 'none' };

/** One command for the worker; the Lambda event payload. */
export interface WorkerJob {
  kind: 'command';
  /** The request's replay key: the worker claims `WORKER#<id>` so a retried invocation posts once. */
  id: string;
  /** The command line as typed (`why last week public`). */
  text: string;
  caller: Caller;
  team?: string;
  replyTo: WorkerReplyTo;
}

/** Start a worker job without waiting for its result. */
export type InvokeWorker = (job: WorkerJob) => Promise<void>;

/** Check an event is a `WorkerJob` (the worker's input comes from our own invoke, but verify). */
export function isWorkerJob(event: unknown): event is WorkerJob {
  const job = event as Partial<WorkerJob> | null;
  return (
    !!job &&
    job.kind === 'command' &&
    typeof job.id === 'string' &&
    typeof job.text === 'string' &&
    typeof job.caller?.userId === 'string' &&
    (job.replyTo?.kind === 'none' ||
      ((job.replyTo?.kind === 'slack-response-url' || job.replyTo?.kind === 'teams-webhook') &&
        typeof job.replyTo.url === 'string'))
  );
}

/**
 * Invoke the command-worker Lambda asynchronously. Lambda queues the event and answers
 * 202 in milliseconds. The request is signed by hand (`lib/lambda/aws-lite.ts`) with the
 * execution role's credentials from the environment, which keeps `@aws-sdk/client-lambda`
 * out of the front door's bundle and cold start; without them (a laptop pointing
 * `COMMAND_WORKER_FUNCTION` at a deployed worker) the SDK and its credential chain are used.
 *
 * @example
 * const invoke = lambdaWorkerInvoker('bedrock-cost-prod-command-worker', 'eu-west-1');
 */
export function lambdaWorkerInvoker(functionName: string, region: string, env = process.env): InvokeWorker {
  return async (job) => {
    const { credentialsFromEnv, invokeEvent } = await import('../lambda/aws-lite.js');
    const credentials = credentialsFromEnv(env);
    if (credentials) {
      await invokeEvent(functionName, job, { region, credentials, env });
      return;
    }
    // Not bundled (a computed specifier): only reached outside Lambda, where node_modules exist.
    const sdkName = '@aws-sdk/client-lambda';
    const sdk = (await import(/* @vite-ignore */ sdkName)) as typeof import('@aws-sdk/client-lambda');
    const response = await new sdk.LambdaClient({ region }).send(
      new sdk.InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(job)),
      }),
    );
    if (response.StatusCode !== 202) throw new Error(`command worker invoke returned ${response.StatusCode}`);
  };
}

/**
 * Run jobs in this process, without waiting (`bedrock-cost serve`, tests). `pending`
 * lets a test wait for the answers to be posted.
 */
export function inProcessWorker(
  getDeps: () => Promise<Deps>,
  options: RunWorkerOptions = {},
): InvokeWorker & { pending: () => Promise<void> } {
  const running = new Set<Promise<unknown>>();
  const invoke = async (job: WorkerJob) => {
    // Detach from the caller's promise chain, as an asynchronous invocation would.
    const run = new Promise<void>((done) => setImmediate(done))
      .then(async () => runWorkerJob(job, await getDeps(), options))
      .catch(async (error: unknown) => (await getDeps()).log.error('in-process worker failed', error))
      .finally(() => running.delete(run));
    running.add(run);
  };
  return Object.assign(invoke, {
    pending: async () => {
      while (running.size) await Promise.all([...running]);
    },
  });
}

/**
 * The default hand-off: the worker Lambda when `COMMAND_WORKER_FUNCTION` is set,
 * otherwise in-process.
 */
export function defaultInvokeWorker(getDeps: () => Promise<Deps>): InvokeWorker {
  let invoke: InvokeWorker | undefined;
  return async (job) => {
    if (!invoke) {
      const { config } = await getDeps();
      invoke = config.COMMAND_WORKER_FUNCTION
        ? lambdaWorkerInvoker(config.COMMAND_WORKER_FUNCTION, config.AWS_REGION)
        : inProcessWorker(getDeps);
    }
    await invoke(job);
  };
}

export interface RunWorkerOptions {
  fetch?: typeof fetch;
}

export type WorkerOutcome = 'answered' | 'user-error' | 'failed' | 'duplicate';

/**
 * Run one job: claim it (a retried asynchronous invocation must not post twice), run
 * the command, post the answer. Never throws for a command failure: the person gets a
 * friendly line, the log gets the cause. Throws only when the answer cannot be posted.
 */
export async function runWorkerJob(
  job: WorkerJob,
  deps: Deps,
  options: RunWorkerOptions = {},
): Promise<WorkerOutcome> {
  const { createReplayGuard } = await import('./replay.js');
  const fresh = await createReplayGuard(
    () => deps.store,
    () => deps.clock.now().getTime(),
  ).claim(`WORKER#${job.id}`, {
    durable: true,
  });
  if (!fresh) {
    deps.log.info('command worker: job already handled', { id: job.id });
    return 'duplicate';
  }
  let reply: Reply;
  let outcome: WorkerOutcome = 'answered';
  try {
    const { executeLine } = await import('../commands/grammar.js');
    const result = await executeLine(job.text, { deps, caller: job.caller, team: job.team });
    reply = await withCharts({ ...result.reply, visibility: result.visibility }, job.replyTo, deps, options);
  } catch (error) {
    outcome = isUserError(error) ? 'user-error' : 'failed';
    if (outcome === 'failed') deps.log.error('command failed in the worker', error);
    reply = { ...simpleReply(userMessage(error)), visibility: 'ephemeral' };
  }
  if (job.replyTo.kind === 'none') return outcome;
  const { postReply } = await import('./deliver.js');
  await postReply(job.replyTo, reply, { fetch: options.fetch });
  return outcome;
}

/** Draw the answer's charts for where it goes (see `charts.ts`); text-only elsewhere. */
async function withCharts(
  reply: Reply,
  replyTo: WorkerReplyTo,
  deps: Deps,
  options: RunWorkerOptions,
): Promise<Reply> {
  if (!reply.blocks.some((b) => b.kind === 'image' && b.chart)) return reply;
  const charts = await import('./charts.js');
  if (replyTo.kind === 'slack-response-url')
    return charts.chartsForSlack(reply, deps.config, { fetch: options.fetch, log: deps.log });
  if (replyTo.kind === 'teams-webhook') return charts.drawCharts(reply, { small: true }, deps.log);
  return reply;
}

/**
 * The command-worker Lambda handler: one `WorkerJob` per asynchronous invocation.
 * Anything that is not a job is logged and dropped (nothing to answer to). A failure to
 * post the answer is logged, not thrown: the job is already claimed, so a Lambda retry
 * would be skipped anyway, and the person can simply ask again.
 */
export function createCommandWorkerHandler(
  getDeps: () => Promise<Deps>,
  options: RunWorkerOptions = {},
): (event: unknown) => Promise<{ outcome: WorkerOutcome | 'invalid' | 'undelivered' }> {
  return async (event) => {
    const deps = await getDeps();
    if (!isWorkerJob(event)) {
      deps.log.error('command worker: not a job', { type: typeof event });
      return { outcome: 'invalid' };
    }
    try {
      const outcome = await runWorkerJob(event, deps, options);
      deps.log.info('command worker: done', { id: event.id, outcome });
      return { outcome };
    } catch (error) {
      deps.log.error('command worker: answer not delivered', { id: event.id }, error);
      return { outcome: 'undelivered' };
    }
  };
}

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

import type { Deps } from '../context.js';
import { isUserError, userMessage } from '../errors.js';
import type { Caller } from '../reply/caller.js';
import type { WorkerReplyTo } from '../reply/delivery.js';
import type { Reply } from '../reply/reply.js';
import { simpleReply } from '../reply/reply.js';

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

/** One command for the worker; the Lambda event payload. */
export interface WorkerJob {
  kind: 'command';
  /** The request's replay key: the worker leases `WORKER#<id>` so a retried invocation posts once. */
  id: string;
  /**
   * The command line as typed (`why last week public`). The worker is another Lambda, handed
   * JSON: it parses the line again (`executeLine`), the one second parse a line gets; the
   * front doors parse it once (`planCommand`) and run what they read (`runFast`).
   */
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
      (job.replyTo?.kind === 'slack-app-home' && typeof job.replyTo.userId === 'string') ||
      (job.replyTo?.kind === 'teams-bot' &&
        typeof job.replyTo.serviceUrl === 'string' &&
        typeof job.replyTo.conversationId === 'string') ||
      ((job.replyTo?.kind === 'slack-response-url' || job.replyTo?.kind === 'teams-webhook') &&
        typeof job.replyTo.url === 'string'))
  );
}

/**
 * Invoke the command-worker Lambda asynchronously. Lambda queues the event and answers
 * 202 in milliseconds. The request is signed by hand (`lib/aws/aws-lite.ts`) with the
 * execution role's credentials from the environment, which keeps `@aws-sdk/client-lambda`
 * out of the front door's bundle and cold start; without them (a laptop pointing
 * `COMMAND_WORKER_FUNCTION` at a deployed worker) the SDK and its credential chain are used.
 *
 * @example
 * const invoke = lambdaWorkerInvoker('bedrock-cost-prod-command-worker', 'eu-west-1');
 */
export function lambdaWorkerInvoker(functionName: string, region: string, env = process.env): InvokeWorker {
  return async (job) => {
    const { credentialsFromEnv, invokeEvent } = await import('../aws/aws-lite.js');
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
 * Run one job: lease it (see `worker-lease.ts`: a second copy of a live job stands aside, a
 * retry of a dead one takes over), run the command, post the answer, mark the job done.
 * Never throws for a command failure: the person gets a friendly line, the log gets the
 * cause. Throws a `DeliveryError` when the answer surely did not arrive, after giving the
 * lease back, so Lambda retries the invocation and, after the last attempt, sends the
 * event to the failure queue. An answer that may have arrived (no reply in time, a 5xx)
 * is not posted again: the job is done, logged and counted (`DeliveryUncertain`).
 */
export async function runWorkerJob(
  job: WorkerJob,
  deps: Deps,
  options: RunWorkerOptions = {},
): Promise<WorkerOutcome> {
  const { takeWorkerLease, heartbeat } = await import('./worker-lease.js');
  const lease = await takeWorkerLease(deps.store, job.id, () => deps.clock.now());
  if (!lease) {
    deps.log.info('command worker: job held by another attempt or done', { id: job.id });
    return 'duplicate';
  }
  const stop = heartbeat(lease, (error) => deps.log.warn('command worker: lease renewal failed', error));
  try {
    if (job.replyTo.kind === 'slack-app-home')
      return await publishHomeJob(job.replyTo.userId, lease, deps, options);
    let reply: Reply;
    let outcome: WorkerOutcome = 'answered';
    try {
      const { executeLine } = await import('../commands/grammar.js');
      const result = await executeLine(job.text, { deps, caller: job.caller, team: job.team });
      reply = await withCharts(
        { ...result.reply, visibility: result.visibility },
        job.replyTo,
        deps,
        options,
      );
    } catch (error) {
      outcome = isUserError(error) ? 'user-error' : 'failed';
      if (outcome === 'failed') deps.log.error('command failed in the worker', error);
      reply = { ...simpleReply(userMessage(error)), visibility: 'ephemeral' };
    }
    let note: string | undefined;
    if (job.replyTo.kind !== 'none') {
      const [{ postReply }, { outboundPolicyOf }, { mayHaveArrived }] = await Promise.all([
        import('./deliver.js'),
        import('../reply/outbound.js'),
        import('../reply/delivery.js'),
      ]);
      try {
        if (job.replyTo.kind === 'teams-bot') {
          // The Bot Connector URL is checked against its allow-list again before anything is sent.
          const { sendReply } = await import('./teams-bot/send.js');
          await sendReply(deps.config, job.replyTo, reply, { fetch: options.fetch });
        } else {
          await postReply(job.replyTo, reply, {
            fetch: options.fetch,
            policy: outboundPolicyOf(deps.config),
          });
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (!mayHaveArrived(error)) {
          deps.metrics?.count('DeliveryFailed', 'command-worker');
          await lease
            .release(reason)
            .catch((e: unknown) => deps.log.warn('command worker: release failed', e));
          throw error;
        }
        note = `${reason}; it may have arrived, so it is not posted again`;
        deps.metrics?.count('DeliveryUncertain', 'command-worker');
        deps.log.error('command worker: answer may not have arrived; not posted again', {
          id: job.id,
          reason,
        });
      }
    }
    try {
      await lease.finish(outcome, note);
    } catch (error) {
      // Answered, but not recorded: a Lambda retry (if any) could answer again. Say so loudly.
      deps.metrics?.count('PostedNotRecorded', 'command-worker');
      deps.log.error('command worker: answered but not recorded', { id: job.id }, error);
    }
    return outcome;
  } finally {
    stop();
  }
}

/**
 * Publish a user's App Home tab. A failure is logged and the job finished: the next open
 * publishes a fresh view anyway, so retrying an old one is not worth a Lambda retry.
 */
async function publishHomeJob(
  userId: string,
  lease: { finish: (outcome: WorkerOutcome, note?: string) => Promise<unknown> },
  deps: Deps,
  options: RunWorkerOptions,
): Promise<WorkerOutcome> {
  let outcome: WorkerOutcome = 'answered';
  let note: string | undefined;
  try {
    const { publishAppHome } = await import('./app-home.js');
    await publishAppHome(deps, userId, { fetch: options.fetch });
  } catch (error) {
    outcome = 'failed';
    note = error instanceof Error ? error.message : String(error);
    deps.log.error('app home: not published', { userId }, error);
  }
  await lease
    .finish(outcome, note)
    .catch((error: unknown) => deps.log.warn('app home: job not recorded', error));
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
  if (replyTo.kind === 'teams-webhook' || replyTo.kind === 'teams-bot')
    return charts.drawCharts(reply, { small: true }, deps.log);
  return reply;
}

/**
 * The command-worker Lambda handler: one `WorkerJob` per asynchronous invocation.
 * Anything that is not a job is logged and dropped (nothing to answer to). An answer that
 * could not be posted is logged and thrown: Lambda retries the event (the retry takes the
 * job over) and then sends it to the failure queue, which is alarmed.
 */
export function createCommandWorkerHandler(
  getDeps: () => Promise<Deps>,
  options: RunWorkerOptions = {},
): (event: unknown) => Promise<{ outcome: WorkerOutcome | 'invalid' }> {
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
      deps.log.error(
        'command worker: answer not delivered; Lambda retries, then the failure queue',
        { id: event.id },
        error,
      );
      throw error;
    }
  };
}

/**
 * Lambda runtime glue, shared by every function in `functions/`: the environment is
 * validated once per cold start (fail fast, one line naming the variable), secrets are
 * read from SSM Parameter Store (SecureString, cached by Powertools for 5 minutes) and
 * never from plain environment variables when deployed, and `Deps` is built once.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { WorkerOnlyError } from '../chat/worker.js';
import { clockFrom } from '../clock.js';
import { type Config, loadConfig } from '../config.js';
import { type Deps, once } from '../context.js';
import { ConfigError } from '../errors.js';
import type { JobOptions, JobReport } from '../jobs/types.js';
import type { Log } from '../log.js';
import { lazyStore } from '../store/lazy.js';
import type { Store } from '../store/store.js';

/** Secret parameter names under `BEDROCK_COST_SSM_PATH`, and the config key each fills. */
export const SECRET_PARAMETERS = {
  'slack-signing-secret': 'SLACK_SIGNING_SECRET',
  'slack-bot-token': 'SLACK_BOT_TOKEN',
  'teams-webhook-secret': 'TEAMS_WEBHOOK_SECRET',
  'teams-app-password': 'TEAMS_APP_PASSWORD',
} as const;

let logger: Log | undefined;

/** The Powertools logger (structured JSON), created once. */
export async function lambdaLog(): Promise<Log> {
  if (!logger) {
    logger = new Logger({ serviceName: 'bedrock-cost' });
  }
  return logger;
}

/** Fill secrets from SSM when a parameter path is configured. */
export async function withSecrets(config: Config): Promise<Config> {
  const path = config.BEDROCK_COST_SSM_PATH;
  if (!path) return config;
  const { getParameters } = await import('@aws-lambda-powertools/parameters/ssm');
  // One path, or several comma-separated (a function that posts to Slack and to Teams).
  const values: Record<string, string | undefined> = {};
  for (const one of path
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    Object.assign(values, (await getParameters(one, { decrypt: true, maxAge: 300 })) ?? {});
  }
  const filled: Config = { ...config };
  for (const [name, key] of Object.entries(SECRET_PARAMETERS)) {
    const value = (values as Record<string, string | undefined>)[name];
    if (value) filled[key] = value;
  }
  return filled;
}

/**
 * `withSecrets` for the chat front doors: the same SSM parameters, read with one
 * hand-signed `GetParametersByPath` call (`aws-lite.ts`) instead of Powertools and the
 * SSM client, which would add ~190 KB to the cold path that must answer Slack in 3 s.
 * Secrets are read once per container, as `lambdaDeps` does.
 */
export async function withSecretsLite(
  config: Config,
  env: Record<string, string | undefined> = process.env,
): Promise<Config> {
  const path = config.BEDROCK_COST_SSM_PATH;
  if (!path) return config;
  const { credentialsFromEnv, getParametersByPath } = await import('../aws/aws-lite.js');
  const credentials = credentialsFromEnv(env);
  if (!credentials) {
    throw new ConfigError(
      'BEDROCK_COST_SSM_PATH is set but no AWS credentials are in the environment (as Lambda provides them).',
    );
  }
  const values = await getParametersByPath(path.replace(/\/+$/, ''), {
    region: config.AWS_REGION,
    credentials,
    env,
  });
  const filled: Config = { ...config };
  for (const [name, key] of Object.entries(SECRET_PARAMETERS)) {
    const value = values[name];
    if (value) filled[key] = value;
  }
  return filled;
}

/** Validated once per cold start; a bad environment fails the init with one clear line. */
export const lambdaConfig: () => Config = (() => {
  let config: Config | undefined;
  return () => {
    config ??= loadConfig(process.env);
    return config;
  };
})();

/**
 * The table, with the DynamoDB SDK loaded and the client built on first use (`lazyStore`).
 * The chat acknowledgement path (`help`, `estimate`) never touches the table, and loading
 * and building the DynamoDB client costs more than the rest of a cold start together:
 * measured 2026-12-05, Slack's signed `help` from a cold start took 85-122 ms with the
 * client loaded on first use and 168-241 ms with it built at start (2.6-3.2x an empty node
 * becomes 5.2-6.3x; 227 KB loaded at start becomes 532 KB). No module the front door loads
 * at start imports the SDK: repositories reach the table through the `Store` port, and only
 * `lib/store/dynamo.ts` builds DynamoDB requests. With the port and no build plugin the
 * slack-events package loaded 228 KB at start (`npm run bench -- --only bundles`, 2026-12-05,
 * Bolt still at start then: with secrets from SSM 2.51-3.62x an empty node, CPU 2.81x, the
 * same as with the plugin; the README has the current figure).
 */
export function lazyTableStore(region: string, table: string): Store {
  return lazyStore(async () => {
    const [{ createDynamoClients }, { DynamoStore }] = await Promise.all([
      import('../aws/dynamodb.js'),
      import('../store/dynamo.js'),
    ]);
    return new DynamoStore(createDynamoClients({ region }).db, table);
  });
}

/**
 * `Deps` for this cold start (secrets resolved, clients built once, the DynamoDB client
 * on first use).
 */
export const lambdaDeps: () => Promise<Deps> = /* @__PURE__ */ once(async () => {
  const [{ createDeps }, { createChatDelivery }, { emfDeliveryMetrics }, log, config] = await Promise.all([
    import('../deps.js'),
    import('../chat/deliver.js'),
    import('../metrics.js'),
    lambdaLog(),
    withSecrets(lambdaConfig()),
  ]);
  return createDeps({
    config,
    log,
    store: lazyTableStore(config.AWS_REGION, config.BEDROCK_COST_TABLE),
    delivery: createChatDelivery(config),
    metrics: emfDeliveryMetrics(),
  });
});

/**
 * `Deps` for the chat front doors (slack-events, teams-messages), which must acknowledge
 * within 3 seconds even on a cold start. Unlike `lambdaDeps`, account data is not
 * available here (`sources()` throws `WorkerOnlyError`, so a command needing it is handed
 * to the worker): the Cost Explorer, CloudWatch and Bedrock clients stay out of the
 * function's bundle and off its cold start. The table, the pricing catalog and the
 * message delivery load on first use.
 */
export const lambdaChatDeps: () => Promise<Deps> = once(async () => {
  const [log, config] = await Promise.all([lambdaLog(), withSecretsLite(lambdaConfig())]);
  const store = lazyTableStore(config.AWS_REGION, config.BEDROCK_COST_TABLE);
  // Few front-door requests post a message (button handlers do): delivery loads on the first.
  const delivery = once(async () => (await import('../chat/deliver.js')).createChatDelivery(config));
  return {
    config,
    clock: clockFrom(config.BEDROCK_COST_NOW),
    log,
    store,
    delivery: { send: async (target, reply) => (await delivery()).send(target, reply) },
    sources: () => Promise.reject(new WorkerOnlyError()),
    ledger: () => Promise.reject(new WorkerOnlyError()),
    catalog: once(async () => (await import('../pricing/catalog.js')).loadCatalog(store)),
  };
});

/** A scheduled job as a Lambda handler: run it, log the summary, return the report summary. */
export function createScheduledHandler(
  name: string,
  job: (deps: Deps, options: JobOptions) => Promise<JobReport>,
  getDeps: () => Promise<Deps> = lambdaDeps,
): (event: unknown, context?: Context) => Promise<{ summary: string; messages: number }> {
  return async () => {
    const deps = await getDeps();
    const report = await job(deps, { dryRun: false });
    deps.log.info(`${name} finished`, {
      summary: report.summary,
      statuses: report.messages.map((m) => ({ subject: m.subject, status: m.status })),
    });
    return { summary: report.summary, messages: report.messages.length };
  };
}

/**
 * The `bedrock-cost` CLI: the chat grammar from a terminal, plus `serve` and the
 * scheduled jobs run once. The CLI is an administrator (whoever runs it holds the
 * table's credentials), so it may change budgets.
 *
 * Exit codes: 0 success, 2 user error (bad flag, unknown command, bad input),
 * 1 anything else (an outage, a bug), always with a one-line message and no stack trace.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { renderText } from '../chat/text.js';
import { UnknownCommandError } from '../commands/grammar.js';
import type { Deps } from '../context.js';
import { ConfigError, isUserError, ParseError, toUserFacing, UserError, userMessage } from '../errors.js';
import type { JobReport } from '../jobs/types.js';
import { stderrLog } from '../log.js';
import type { Reply } from '../reply/reply.js';
import { type CliIo, FORMATS, type Format, renderReply } from './render.js';
import type { LocalRuntime } from './runtime.js';

export const USAGE = `Usage:
  bedrock-cost <command words...> [--format text|markdown|slack|teams|json] [--demo] [--team ID]
  bedrock-cost serve [--port 3000] [--demo]      local Slack/Teams endpoints + interactive prompt
  bedrock-cost digest [--dry-run] [--demo]       run the weekly digest once
  bedrock-cost alerts [--dry-run] [--demo]       run the budget alert check once
  bedrock-cost idle-scan [--dry-run] [--demo]    run the idle throughput check once
  bedrock-cost pricing-refresh [--dry-run]       refresh the pricing catalog from the AWS Price List API
  bedrock-cost export --format focus [--period PERIOD] [--out FILE] [--parquet] [--billing-account ID]
                                                 the bill ledger as FOCUS 1.2 (CSV, or Parquet), default last month
  bedrock-cost sync [--demo]                     bring the bill ledger up to date once (and a backfill step)
  bedrock-cost status [--format json]            ledger freshness, next sync, this month's requests and cost

Flags:
  --demo                 the built-in demo account instead of AWS (no credentials needed)
  --format, -f FORMAT    text (default), markdown, slack, teams or json
  --port, -p N           port for serve (default 3000); through npm: npm start -- --port 3119
  --dry-run              jobs show what they would send, and send nothing
  --team ID              default team for commands that take one
  --verbose, -v          log to stderr, with stack traces
  --help, -h             this help, then the chat commands

Commands: help, spend, why, idle, estimate, compare, prices, forecast, budget, ask
Try: bedrock-cost help --demo`;

export interface CliOptions {
  format: Format;
  demo: boolean;
  team?: string;
  port: number;
  dryRun: boolean;
  verbose: boolean;
  /** `--help` / `-h`: the CLI's own usage before the chat help. */
  help: boolean;
  /** True when `--port` was given (not the default). */
  portGiven: boolean;
  words: string[];
  /** `export`: its period words, output file, Parquet instead of CSV, payer account. */
  export?: { period?: string; out?: string; parquet: boolean; billingAccount?: string };
}

/** Parse argv; throws `ParseError` on unknown flags or bad values. */
export function parseCliArgs(argv: string[]): CliOptions {
  // A negative number (`estimate ... -5 in ...`) is a command word for the command to refuse
  // with its own message, not an unknown flag: hide it from parseArgs and put it back after.
  const negatives = new Map<string, string>();
  const args = argv.map((arg, i) => {
    if (!/^-\d/.test(arg)) return arg;
    const placeholder = `\u0000negative${i}`;
    negatives.set(placeholder, arg);
    return placeholder;
  });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        demo: { type: 'boolean' },
        team: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'dry-run': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        period: { type: 'string' },
        out: { type: 'string', short: 'o' },
        parquet: { type: 'boolean' },
        'billing-account': { type: 'string' },
      },
    });
  } catch (error) {
    throw new ParseError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  // `export --format focus`: the export's own formats; the other commands' are not its.
  const exporting = parsed.positionals[0] === 'export';
  if (exporting) {
    const given = (values.format as string | undefined) ?? 'focus';
    if (given !== 'focus')
      throw new ParseError(`"export" writes FOCUS 1.2 (--format focus, CSV or --parquet), not "${given}".`);
  } else {
    for (const flag of ['period', 'out', 'parquet', 'billing-account'])
      if (values[flag] !== undefined) throw new ParseError(`--${flag} is a flag of "export" only.`);
  }
  const format = exporting ? 'text' : ((values.format as string | undefined) ?? 'text');
  if (!FORMATS.includes(format as Format)) {
    throw new ParseError(`Unknown format "${format}": use one of ${FORMATS.join(', ')}.`);
  }
  const portText = (values.port as string | undefined) ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ParseError(`--port takes a port number from 0 to 65535, not "${portText}".`);
  }
  const words = parsed.positionals.map((word) => negatives.get(word) ?? word);
  if (values.help) words.unshift('help');
  return {
    format: format as Format,
    demo: Boolean(values.demo),
    team: values.team as string | undefined,
    port,
    dryRun: Boolean(values['dry-run']),
    verbose: Boolean(values.verbose),
    help: Boolean(values.help),
    portGiven: values.port !== undefined,
    words,
    ...(exporting
      ? {
          export: {
            parquet: Boolean(values.parquet),
            ...(values.period !== undefined ? { period: values.period as string } : {}),
            ...(values.out !== undefined ? { out: values.out as string } : {}),
            ...(values['billing-account'] !== undefined
              ? { billingAccount: values['billing-account'] as string }
              : {}),
          },
        }
      : {}),
  };
}

function reportReply(report: JobReport): Reply {
  return {
    headline: report.summary,
    blocks: report.messages.flatMap((m) => [
      { kind: 'divider' as const },
      {
        kind: 'text' as const,
        text: `→ ${m.target} · ${m.subject} · ${m.status}${m.reason ? ` (${m.reason})` : ''}`,
      },
      { kind: 'text' as const, text: renderText(m.reply) },
    ]),
  };
}

/** Report a failure the way the chosen format wants it; returns the exit code. */
function reportFailure(caught: unknown, options: CliOptions, io: CliIo): number {
  const error = toUserFacing(caught);
  const user = isUserError(error);
  const code = user ? error.code : error instanceof ConfigError ? 'config' : 'internal';
  const message = error instanceof ConfigError ? error.message : userMessage(error);
  if (options.format === 'json') io.out(JSON.stringify({ ok: false, error: { code, message } }));
  else io.err(error instanceof UnknownCommandError ? `${message}\n\n${USAGE}` : message);
  if (!user && !(error instanceof ConfigError) && options.verbose)
    io.err(String((error as Error)?.stack ?? error));
  return user || error instanceof ConfigError ? 2 : 1;
}

/**
 * `serve --demo` with no signing secrets: make some up for this run, so a newcomer can send
 * a signed request at once (the banner prints it as a ready-to-run curl). True when it did.
 */
function generateDemoSecrets(
  first: string,
  options: CliOptions,
  env: Record<string, string | undefined>,
): boolean {
  if (first !== 'serve' || !options.demo || env.SLACK_SIGNING_SECRET || env.TEAMS_WEBHOOK_SECRET)
    return false;
  env.SLACK_SIGNING_SECRET = randomBytes(16).toString('hex');
  env.TEAMS_WEBHOOK_SECRET = randomBytes(32).toString('base64');
  return true;
}

/** `bedrock-cost sync`: the ledger synced now, whatever its schedule. */
async function runSync(deps: Deps, rest: string[], options: CliOptions, io: CliIo): Promise<number> {
  if (rest.length) throw new ParseError(`"sync" takes no words, only --demo.`);
  const { context, bill } = await deps.ledger();
  const { describeSync, syncLedger } = await import('../ledger/sync.js');
  const result = await syncLedger(context, bill, { trigger: 'cli', force: true });
  const r = result.record;
  const text = describeSync('sync', result);
  if (options.format === 'json')
    io.out(JSON.stringify({ ok: !r?.error, command: 'sync', data: { ...result, meta: undefined }, text }));
  else io.out(text);
  return r?.error ? 1 : 0;
}

const JOBS = ['digest', 'alerts', 'idle-scan', 'pricing-refresh'] as const;
const isJob = (word: string): word is (typeof JOBS)[number] => (JOBS as readonly string[]).includes(word);

/** A scheduled job run once from the command line, with its report. */
async function runJobCommand(
  job: (typeof JOBS)[number],
  rest: string[],
  deps: Deps,
  options: CliOptions,
  io: CliIo,
): Promise<number> {
  if (rest.length) throw new ParseError(`"${job}" takes no words, only --dry-run and --demo.`);
  const report = await runJob(job, deps, options.dryRun);
  if (options.format === 'json')
    io.out(JSON.stringify({ ok: true, command: job, data: report, text: renderText(reportReply(report)) }));
  else io.out(renderReply(reportReply(report), options.format as Exclude<Format, 'json'>));
  return 0;
}

/** A chat command, answered as in Slack and Teams (by an admin: the CLI runs as the account). */
async function runChatCommand(deps: Deps, options: CliOptions, io: CliIo): Promise<number> {
  const { executeLine } = await import('../commands/grammar.js');
  const result = await executeLine(options.words.join(' '), {
    deps,
    caller: { platform: 'cli', userId: 'cli', isAdmin: true },
    team: options.team,
  });
  if (options.format === 'json') {
    io.out(
      JSON.stringify({
        ok: true,
        command: result.command,
        data: result.data,
        text: renderText(result.reply),
      }),
    );
    return 0;
  }
  const rendered = renderReply(result.reply, options.format as Exclude<Format, 'json'>);
  io.out(
    options.help
      ? `${USAGE}\n\nChat commands (the same at the serve prompt, in Slack and Teams):\n\n${rendered}`
      : rendered,
  );
  return 0;
}

/** Run the CLI; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    io.err(`${userMessage(error)}\n\n${USAGE}`);
    return 2;
  }
  const env = { ...io.env };
  if (options.demo) env.BEDROCK_COST_DEMO = '1';
  const [first = 'help', ...rest] = options.words;
  const generatedSecrets = generateDemoSecrets(first, options, env);
  let runtime: LocalRuntime | undefined;
  try {
    const { createLocalRuntime } = await import('./runtime.js');
    runtime = await createLocalRuntime({ env, log: stderrLog(options.verbose) });
    const { deps } = runtime;
    if (first === 'serve') {
      const { serve } = await import('./serve.js');
      await serve(deps, {
        port: servePort(options, rest, env, io),
        format: options.format === 'json' ? 'text' : options.format,
        io,
        generatedSecrets,
        input: io.input,
      });
      return 0;
    }
    if (first === 'sync') return await runSync(deps, rest, options, io);
    if (first === 'export') {
      const { runFocusExport } = await import('../export/cli.js');
      io.out(await runFocusExport(deps, rest, options.export ?? { parquet: false }));
      return 0;
    }
    if (isJob(first)) return await runJobCommand(first, rest, deps, options, io);
    return await runChatCommand(deps, options, io);
  } catch (error) {
    return reportFailure(error, options, io);
  } finally {
    await runtime?.close();
  }
}

/**
 * The port `serve` listens on. \`npm start --port 3119\` is a common slip: npm keeps
 * \`--port\` as its own setting (\`npm_config_port\`) and passes only "3119" on, so a lone
 * port number (or npm's setting) is taken as the port, with the right spelling shown.
 */
function servePort(
  options: CliOptions,
  rest: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): number {
  const npmPort = env.npm_config_port;
  const looksLikePort = (text: string | undefined) =>
    text !== undefined && /^\d{1,5}$/.test(text) && Number(text) <= 65535;
  if (rest.length === 1 && looksLikePort(rest[0]) && !options.portGiven) {
    const port = Number(rest[0]);
    io.err(`Using port ${port}. Through npm, flags go after "--": npm start -- --port ${port}`);
    return port;
  }
  if (rest.length) {
    throw new ParseError(`"serve" takes no words, only --port and --demo (got "${rest.join(' ')}").`, {
      suggestion: 'Through npm, flags go after "--": npm start -- --port 3119',
    });
  }
  if (!options.portGiven && looksLikePort(npmPort)) {
    io.err(
      `Using port ${npmPort} (npm's --port). Through npm, flags go after "--": npm start -- --port ${npmPort}`,
    );
    return Number(npmPort);
  }
  return options.port;
}

async function runJob(
  name: 'digest' | 'alerts' | 'idle-scan' | 'pricing-refresh',
  deps: LocalRuntime['deps'],
  dryRun: boolean,
) {
  switch (name) {
    case 'pricing-refresh': {
      // The Price List API has no demo double: a refresh always reads AWS.
      if (deps.config.BEDROCK_COST_DEMO) {
        throw new UserError(
          'demo_mode',
          '"pricing-refresh" reads the AWS Price List API, so it needs AWS credentials; the demo uses the bundled catalog.',
        );
      }
      const [{ runPricingRefresh }, { createPriceListSource }, { createPricingClient }] = await Promise.all([
        import('../pricing/refresh.js'),
        import('../aws/price-list.js'),
        import('../aws/clients.js'),
      ]);
      return runPricingRefresh(deps, { dryRun }, createPriceListSource(createPricingClient()));
    }
    case 'digest':
      return (await import('../digest/run.js')).runWeeklyDigest(deps, { dryRun });
    case 'alerts':
      return (await import('../budgets/alerts.js')).runBudgetAlerts(deps, { dryRun });
    case 'idle-scan':
      return (await import('../idle/job.js')).runIdleScan(deps, { dryRun });
  }
}

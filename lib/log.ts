/**
 * The logging port. Powertools' `Logger` satisfies it in Lambda; the CLI uses a quiet
 * stderr logger. Never pass secrets or webhook URLs as attributes.
 */
export interface Log {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

/** A logger that drops everything (tests, quiet CLI). */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger writing one JSON line per entry to stderr, at `warn` and above unless verbose. */
export function stderrLog(verbose = false): Log {
  const write =
    (level: string) =>
    (message: string, ...extra: unknown[]) => {
      const details = extra.map((e) => (e instanceof Error ? { error: e.name, message: e.message } : e));
      process.stderr.write(`${JSON.stringify({ level, message, ...(details.length ? { details } : {}) })}\n`);
    };
  return {
    debug: verbose ? write('debug') : () => {},
    info: verbose ? write('info') : () => {},
    warn: write('warn'),
    error: write('error'),
  };
}

import { formatDay, parseIsoDate, toIsoDate } from './clock.js';

/**
 * Failure kinds. A `UserError` is something the person typing can fix: its message is
 * safe to show in chat and says what is accepted. Anything else is internal: handlers
 * log it with its `cause` and answer with a polite generic message, never a stack trace.
 */
export class BedrockCostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An error the user caused and can fix. `code` is stable (used in JSON output). */
export class UserError extends BedrockCostError {
  readonly code: string;
  readonly suggestion?: string;
  constructor(code: string, message: string, options?: { suggestion?: string; cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.suggestion = options?.suggestion;
  }
}

/** The command words could not be parsed. */
export class ParseError extends UserError {
  constructor(message: string, options?: { suggestion?: string; cause?: unknown }) {
    super('bad_input', message, options);
  }
}

/** A model, team, region or other name is not known; carries the closest matches. */
export class NotFoundError extends UserError {
  readonly candidates: string[];
  constructor(message: string, candidates: string[] = [], options?: { suggestion?: string }) {
    super('not_found', message, options);
    this.candidates = candidates;
  }
}

/** The caller may not do this (e.g. change another team's budget). */
export class ForbiddenError extends UserError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** An upstream service is throttling or down and no cached answer exists. */
export class UnavailableError extends UserError {
  constructor(message: string, options?: { suggestion?: string; cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/**
 * A day (`start`, later than today in UTC) that has begun east of UTC but not in the bill,
 * which AWS keeps by the UTC day: said once, for `spend` and `why` alike.
 */
export function notBilledYet(start: string, now: Date): UnavailableError {
  const hours = Math.max(1, Math.ceil((parseIsoDate(start).getTime() - now.getTime()) / 3_600_000));
  const day = formatDay(start);
  return new UnavailableError(
    `${day} has no bill yet: AWS bills Bedrock by the UTC day, and ${day} begins at 00:00 UTC, in ${hours === 1 ? 'about an hour' : `${hours} hours`}.`,
    {
      suggestion: `Until then, ask about the days before it: \`yesterday\` (${formatDay(toIsoDate(now))}, so far) or \`last 7 days\`.`,
    },
  );
}

/** The environment is misconfigured (fail fast at cold start). */
export class ConfigError extends BedrockCostError {}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** What every command says when the AWS SDK finds no credentials (a newcomer without `--demo`). */
export const NO_CREDENTIALS_MESSAGE = 'No AWS credentials found: configure a profile or role, or try --demo.';

/**
 * True when the failure (or one it wraps) is the SDK's `CredentialsProviderError`: no
 * profile, role or environment keys. That is the person's to fix, not an outage.
 */
export function isMissingCredentials(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if ((current as { name?: unknown }).name === 'CredentialsProviderError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The error as the person should see it: missing AWS credentials become an
 * `UnavailableError` naming the fix; anything else is returned unchanged.
 */
export function toUserFacing(error: unknown): unknown {
  if (!isUserError(error) && isMissingCredentials(error))
    return new UnavailableError(NO_CREDENTIALS_MESSAGE, { cause: error });
  return error;
}

/** The one line a person sees for any failure. */
export function userMessage(error: unknown): string {
  if (!isUserError(error) && isMissingCredentials(error)) return NO_CREDENTIALS_MESSAGE;
  if (isUserError(error)) return error.suggestion ? `${error.message} ${error.suggestion}` : error.message;
  return 'Sorry, something went wrong on our side. Please try again in a minute.';
}

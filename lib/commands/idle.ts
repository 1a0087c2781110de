/**
 * `idle [HOURS]`: provisioned throughput that costs money without serving calls.
 *
 * HOURS is the lookback window (default 24, at most 720 = 30 days); `72`, `72h`,
 * `72 hours`, `3d` and `3 days` are accepted.
 */

import { DEFAULT_IDLE_HOURS, type IdleData, MAX_IDLE_HOURS, toIdleData } from '../analysis/idle.js';
import { buildIdleReply } from '../analysis/idle-reply.js';
import { scanIdleForDeps } from '../analysis/idle-scan.js';
import { snoozedThroughputs } from '../analysis/idle-store.js';
import { ParseError } from '../errors.js';
import { helpOf } from './meta.js';
import { defineCommand } from './types.js';

const EXAMPLE = 'for example: idle 72';

/** Parse the lookback words into hours; throws `ParseError` saying what is accepted. */
export function parseIdleHours(words: string[]): number {
  if (words.length === 0) return DEFAULT_IDLE_HOURS;
  const text = words.join(' ').trim().toLowerCase();
  const match = /^(\d+)\s*(h|hr|hrs|hour|hours|d|day|days)?$/.exec(text);
  if (!match) {
    throw new ParseError(
      `"idle" takes a number of hours to look back, from 1 to ${MAX_IDLE_HOURS} (default ${DEFAULT_IDLE_HOURS}), ${EXAMPLE}.`,
    );
  }
  const n = Number(match[1]);
  const hours = match[2]?.startsWith('d') ? n * 24 : n;
  if (!Number.isSafeInteger(hours) || hours < 1 || hours > MAX_IDLE_HOURS) {
    throw new ParseError(
      `"idle" looks back from 1 to ${MAX_IDLE_HOURS} hours (30 days), not ${match[2]?.startsWith('d') ? `${n} days` : `${n}`}; ${EXAMPLE}.`,
    );
  }
  return hours;
}

export const idleCommand = defineCommand<number, IdleData>({
  ...helpOf('idle'),
  slow: true,
  parse: (words) => parseIdleHours(words),
  run: async (hours, ctx) => {
    const sources = await ctx.deps.sources();
    const scan = await scanIdleForDeps(ctx.deps, hours, sources);
    const now = ctx.deps.clock.now();
    const idleArns = scan.findings.filter((f) => f.state === 'idle').map((f) => f.throughput.arn);
    // Snoozes only pause the daily message; the answer still lists them, marked as such.
    const snoozed = idleArns.length
      ? await snoozedThroughputs(ctx.deps.store, idleArns, now).catch(() => new Map<string, string>())
      : new Map<string, string>();
    return {
      command: 'idle',
      data: toIdleData(scan, snoozed),
      reply: buildIdleReply(scan, now, sources.kind, snoozed),
    };
  },
});

/**
 * `idle [HOURS]`: provisioned throughput that costs money without serving calls.
 * `idle snooze NAME`: the "Snooze 7 days" button as a command (Teams has no buttons).
 *
 * HOURS is the lookback window (default 24, at most 720 = 30 days); `72`, `72h`,
 * `72 hours`, `3d` and `3 days` are accepted.
 */

import type { ReservedCommitment } from '../analysis/reserved.js';
import { ParseError } from '../errors.js';
import { buildIdleReply, SNOOZE_DAYS } from '../idle/idle-reply.js';
import { snoozedThroughputs } from '../idle/idle-store.js';
import {
  DEFAULT_IDLE_HOURS,
  describeFault,
  type IdleData,
  type IdleReservedData,
  MAX_IDLE_HOURS,
  scanIdleForDeps,
  toIdleData,
} from '../idle/scan.js';
import { findThroughput, snoozeIdleThroughput } from '../idle/snooze.js';
import { roundCents } from '../money.js';
import { HOURS_PER_MONTH } from '../pricing/workload.js';
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

/** `idle [HOURS]` scans; `idle snooze NAME` pauses a throughput's daily message for 7 days. */
export type IdleInput = { kind: 'scan'; hours: number } | { kind: 'snooze'; throughput: string };

/** What `idle snooze` answers in `data`: the throughput and until when it is quiet. */
export interface IdleSnoozeData {
  snoozed: { arn: string; until: string };
}

export function parseIdleInput(words: string[]): IdleInput {
  if (words[0]?.toLowerCase() !== 'snooze') return { kind: 'scan', hours: parseIdleHours(words) };
  const throughput = words.slice(1).join(' ').trim();
  if (!throughput || words.length > 2) {
    throw new ParseError(
      '"idle snooze" takes the name (or ARN) of one provisioned throughput, for example: idle snooze nova-lite-test.',
    );
  }
  return { kind: 'snooze', throughput };
}

/** A Reserved-tier commitment as `idle` JSON (money rounded to the cent, as in `savings`). */
function reservedData(c: ReservedCommitment): IdleReservedData {
  return {
    ...(c.team ? { team: c.team } : {}),
    model: c.model,
    direction: c.direction,
    scope: c.scope,
    term: c.term,
    reservedTpm: c.reservedTpm,
    ...(c.usedAvgTpm !== undefined ? { usedAvgTpm: c.usedAvgTpm } : {}),
    ...(c.peakTpm !== undefined ? { peakTpm: c.peakTpm } : {}),
    ...(c.p95Tpm !== undefined ? { p95Tpm: c.p95Tpm } : {}),
    ...(c.utilization !== undefined ? { utilization: c.utilization } : {}),
    costPerDayUsd: roundCents(c.costPerDay),
    start: c.start,
    renews: c.renews,
    underUsed: c.underUsed,
    ...(c.targetTpm !== undefined ? { targetTpm: c.targetTpm } : {}),
    ...(c.underUsed ? { resizeSavesPerDayUsd: roundCents(c.monthlyUsd.times(24).div(HOURS_PER_MONTH)) } : {}),
    monthlyUsd: roundCents(c.monthlyUsd),
    ...(c.action ? { action: c.action.charAt(0).toUpperCase() + c.action.slice(1) } : {}),
  };
}

export const idleCommand = defineCommand<IdleInput, IdleData | IdleSnoozeData>({
  ...helpOf('idle'),
  slow: true,
  parse: (words) => parseIdleInput(words),
  run: async (input, ctx) => {
    if (input.kind === 'snooze') {
      const { arn, name } = await findThroughput(ctx.deps, input.throughput);
      const reply = await snoozeIdleThroughput(ctx.deps, arn, ctx.caller, name);
      const until = new Date(ctx.deps.clock.now().getTime() + SNOOZE_DAYS * 86_400_000).toISOString();
      return { command: 'idle', data: { snoozed: { arn, until } }, reply };
    }
    const hours = input.hours;
    const sources = await ctx.deps.sources();
    const scan = await scanIdleForDeps(ctx.deps, hours, sources);
    const now = ctx.deps.clock.now();
    const idleArns = scan.findings.filter((f) => f.state === 'idle').map((f) => f.throughput.arn);
    // Snoozes only pause the daily message; the answer still lists them, marked as such.
    const snoozed = idleArns.length
      ? await snoozedThroughputs(ctx.deps.store, idleArns, now).catch(() => new Map<string, string>())
      : new Map<string, string>();
    const [{ scanReserved }, { spendContextOf }] = await Promise.all([
      import('../analysis/reserved.js'),
      import('../spend/query.js'),
    ]);
    const spend = await spendContextOf(ctx.deps);
    const reserved = await scanReserved(spend, await ctx.deps.catalog().catch(() => undefined)).catch(
      (error: unknown) => ({
        commitments: [],
        problems: [describeFault(error, 'Could not check Reserved-tier use')],
      }),
    );
    const data = toIdleData(scan, snoozed);
    const reply = buildIdleReply(scan, now, sources.kind, snoozed);
    const flagged = reserved.commitments.filter((c) => c.underUsed && c.action);
    if (flagged.length) {
      reply.blocks = [
        ...reply.blocks,
        {
          kind: 'text',
          text: `*Under-used Reserved tier (7 days):*\n${flagged.map((c) => `• ${c.action!.charAt(0).toUpperCase()}${c.action!.slice(1)}`).join('\n')}`,
        },
      ];
    }
    return {
      command: 'idle',
      data: {
        ...data,
        ...(reserved.commitments.length ? { reserved: reserved.commitments.map(reservedData) } : {}),
        problems: [...data.problems, ...reserved.problems],
      },
      reply,
    };
  },
});

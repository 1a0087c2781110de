/**
 * Words for idle provisioned throughput: the `idle` command's answer and the daily
 * FinOps-channel message. Conclusion first (how many are idle, what they cost), then one
 * short paragraph per throughput (what it is, its usage, its hourly cost and where that
 * figure came from), then what to do, with a "Snooze 7 days" button per idle throughput.
 */

import { formatDay, formatRange, formatTimestamp } from '../clock.js';
import { formatUsd, sumUsd } from '../money.js';
import type { Reply, ReplyAction, ReplyBlock } from '../reply/reply.js';
import type { IdleFinding, IdleScan } from './scan.js';

/** The Slack/Teams action id of the snooze button; its value is the throughput ARN. */
export const IDLE_SNOOZE_ACTION = 'idle_snooze';
/** How long the button snoozes. */
export const SNOOZE_DAYS = 7;
/** Detailed paragraphs at most; the rest are counted (the JSON has them all). */
const MAX_DETAILED = 10;
/** Buttons at most in one reply (Slack allows 25 elements; a wall of buttons helps no one). */
const MAX_SNOOZE_BUTTONS = 5;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function commitmentText(f: IdleFinding, now: Date): string {
  const t = f.throughput;
  if (t.commitment === 'none') return 'no commitment';
  const label = t.commitment === '1-month' ? '1-month commitment' : '6-month commitment';
  if (!t.commitmentExpiresAt) return label;
  const day = t.commitmentExpiresAt.slice(0, 10);
  const when = formatDay(day);
  const year = day.slice(0, 4) === now.toISOString().slice(0, 4) ? '' : `, ${day.slice(0, 4)}`;
  return Date.parse(t.commitmentExpiresAt) > now.getTime()
    ? `${label} until ${when}${year}`
    : `${label} ended ${when}${year}`;
}

function hourlyText(f: IdleFinding): string | undefined {
  if (!f.hourly) return undefined;
  return `${formatUsd(f.hourly.total)}/h (${f.hourly.source === 'bill' ? 'from the bill' : 'catalog'})`;
}

function usageText(f: IdleFinding, hours: number): string {
  switch (f.state) {
    case 'creating':
      return 'being created';
    case 'failed':
      return 'failed';
    case 'unknown':
      return 'usage unknown';
    case 'updating':
      return f.invocations === null
        ? 'being updated'
        : `being updated · ${plural(f.invocations, 'invocation')} in ${hours} h`;
    default: {
      const calls = `${plural(f.invocations ?? 0, 'invocation')} in ${hours} h`;
      if (f.state === 'idle') return calls;
      const last = f.lastUsedAt ? ` (last ${formatTimestamp(new Date(f.lastUsedAt))})` : '';
      return f.idleHours > 0
        ? `${calls}${last} · idle ${f.idleHours} of ${f.billedHours} h`
        : `${calls}${last}`;
    }
  }
}

/** One paragraph: `*name* · model · units · commitment · usage · $/h (source)` then the advice. */
export function findingParagraph(f: IdleFinding, hours: number, now: Date): string {
  const parts = [
    `*${f.throughput.name}*`,
    ...(f.team ? [`team ${f.team}`] : []),
    f.modelName,
    plural(f.throughput.modelUnits, 'model unit'),
    commitmentText(f, now),
    usageText(f, hours),
  ];
  const hourly = hourlyText(f);
  if (hourly && f.state !== 'creating' && f.state !== 'failed') parts.push(hourly);
  return `${parts.join(' · ')}\n${f.recommendation}`;
}

function snoozeAction(f: IdleFinding, many: boolean): ReplyAction {
  return {
    id: IDLE_SNOOZE_ACTION,
    label: many ? `Snooze ${f.throughput.name} ${SNOOZE_DAYS} days` : `Snooze ${SNOOZE_DAYS} days`,
    value: f.throughput.arn,
    command: `idle snooze ${f.throughput.name}`,
  };
}

/** The quiet context line: window, usage source, cost source. */
export function idleContext(scan: IdleScan, kind: 'aws' | 'demo'): string[] {
  const end = new Date(scan.window.end);
  const cost = scan.findings.some((f) => f.hourly?.source === 'bill')
    ? `hourly cost from the bill${scan.billDays ? ` (${formatRange(scan.billDays)})` : ''}`
    : scan.findings.some((f) => f.hourly)
      ? 'hourly cost from list prices (not on the bill yet)'
      : undefined;
  return [
    [
      `last ${scan.hours} h to ${formatTimestamp(end)}`,
      ...(scan.regions?.length ? [scan.regions.join(', ')] : []),
      'invocations from CloudWatch',
      ...(cost ? [cost] : []),
      ...(kind === 'demo' ? ['demo account'] : []),
    ].join(' · '),
  ];
}

function headline(scan: IdleScan): string {
  const all = scan.findings;
  const idle = all.filter((f) => f.state === 'idle');
  const underUsed = all.filter((f) => f.state === 'under-used');
  const unknown = all.filter((f) => f.state === 'unknown');
  if (all.length === 0) {
    return scan.problems.length
      ? `I couldn't check provisioned throughput: ${scan.problems[0]}`
      : 'No provisioned throughput in this account: nothing is billed by the hour.';
  }
  if (idle.length) {
    const wasted = sumUsd(idle.map((f) => f.wasted));
    const partial = idle.some((f) => !f.hourly);
    const verb = idle.length === 1 ? 'is idle and has' : 'are idle and have';
    const cost =
      wasted.isZero() && partial
        ? ''
        : ` cost ${partial ? 'at least ' : ''}${formatUsd(wasted, { decimals: 0 })}`;
    return cost
      ? `${plural(idle.length, 'provisioned throughput')} ${verb}${cost} in ${scan.hours} h without a call.`
      : `${plural(idle.length, 'provisioned throughput')} ${idle.length === 1 ? 'is' : 'are'} idle: no call in ${scan.hours} h.`;
  }
  if (unknown.length)
    return `I couldn't read usage, so I can't tell what is idle: ${scan.problems[0] ?? ''}`.trim();
  if (underUsed.length) {
    return `Nothing is idle, but ${plural(underUsed.length, 'provisioned throughput')} ${underUsed.length === 1 ? 'is' : 'are'} under-used.`;
  }
  return all.length === 1
    ? `Your provisioned throughput is not idle in the last ${scan.hours} h.`
    : `None of your ${all.length} provisioned throughputs is idle in the last ${scan.hours} h.`;
}

/**
 * The `idle` command's answer.
 *
 * @example
 * renderText(buildIdleReply(scan, now, 'demo'));
 * // 1 provisioned throughput is idle and has cost $336 in 24 h without a call. ...
 */
export function buildIdleReply(
  scan: IdleScan,
  now: Date,
  kind: 'aws' | 'demo',
  /** ARN -> snoozed-until (ISO): their daily message is paused; no second snooze button. */
  snoozed: ReadonlyMap<string, string> = new Map(),
): Reply {
  const order = ['idle', 'under-used', 'unknown', 'failed', 'updating', 'creating', 'new'];
  const detailed = scan.findings
    .filter((f) => f.state !== 'in-use')
    .sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state) || b.wasted.comparedTo(a.wasted));
  const inUse = scan.findings.filter((f) => f.state === 'in-use');
  const blocks: ReplyBlock[] = detailed.slice(0, MAX_DETAILED).map((f) => {
    const until = snoozed.get(f.throughput.arn);
    const note = until ? `\nDaily message snoozed until ${formatTimestamp(new Date(until))}.` : '';
    return { kind: 'text' as const, text: `${findingParagraph(f, scan.hours, now)}${note}` };
  });
  if (detailed.length > MAX_DETAILED) {
    blocks.push({ kind: 'text', text: `…and ${detailed.length - MAX_DETAILED} more (see --format json).` });
  }
  if (inUse.length) {
    const names = inUse
      .slice(0, 8)
      .map((f) => `${f.throughput.name} (${plural(f.invocations ?? 0, 'call')})`)
      .join(', ');
    blocks.push({
      kind: 'text',
      text: `In use: ${names}${inUse.length > 8 ? ` and ${inUse.length - 8} more` : ''}.`,
    });
  }
  const shownProblems = scan.findings.length === 0 ? scan.problems.slice(1) : scan.problems;
  for (const problem of shownProblems) blocks.push({ kind: 'text', text: `⚠ ${problem}` });
  const idle = detailed.filter((f) => f.state === 'idle' && !snoozed.has(f.throughput.arn));
  const actions = idle.slice(0, MAX_SNOOZE_BUTTONS).map((f) => snoozeAction(f, idle.length > 1));
  return {
    headline: headline(scan),
    ...(scan.findings.length ? { context: idleContext(scan, kind) } : {}),
    blocks,
    ...(actions.length ? { actions } : {}),
  };
}

/** The daily FinOps-channel message about one idle throughput. */
export function buildIdleAlert(f: IdleFinding, scan: IdleScan, now: Date, kind: 'aws' | 'demo'): Reply {
  const cost = f.hourly ? `, costing ${formatUsd(f.wasted, { decimals: 0 })}` : '';
  return {
    headline: `Provisioned throughput ${f.throughput.name} had no call in the last ${scan.hours} h${cost}.`,
    context: idleContext(scan, kind),
    blocks: [{ kind: 'text', text: findingParagraph(f, scan.hours, now) }],
    actions: [snoozeAction(f, false)],
    visibility: 'in_channel',
  };
}

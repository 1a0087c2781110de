/**
 * `status`: what the bill ledger holds and how fresh it is, when it syncs next, and what
 * this bot's own AWS API use costs this month (Cost Explorer requests by allowance, and
 * CloudWatch requests). The bot's own cost is said here, not in every spend answer.
 */

import { addDays, formatRange, formatTimestamp, startOfMonth, toIsoDate } from '../clock.js';
import { ParseError } from '../errors.js';
import { formatBytes } from '../ledger/bytes.js';
import { type LedgerMeta, readMeta } from '../ledger/store.js';
import { horizonStart, nextSyncAt, syncIntervalHours } from '../ledger/sync.js';
import { Dec, formatUsd, roundCents } from '../money.js';
import type { Reply } from '../reply/reply.js';
import { requestsOn } from '../spend/cache.js';
import { ageText } from '../spend/present.js';
import type { Store } from '../store/store.js';
import { helpOf } from './meta.js';
import { type CommandContext, defineCommand } from './types.js';

/** Cost Explorer: $0.01 a request. CloudWatch GetMetricData: $0.01 per 1,000 metrics (we count requests). */
const CE_USD = new Dec('0.01');

export interface StatusData {
  ledger?: {
    source: string;
    costBasis: string;
    from: string;
    through: string;
    openFrom: string;
    syncedAt: string;
    nextSyncAt?: string;
    intervalHours: number;
    backfilledToHorizon: boolean;
    services: string[];
    lastSyncFailed?: string;
  };
  syncs: { at: string; trigger: string; requests: number; daysWritten: number; error?: string }[];
  requestsThisMonth: {
    costExplorerJobs: number;
    costExplorerChat: number;
    cloudWatch: number;
    bedrock: number;
  };
  costExplorerUsd: number;
  /** The last days' nowcast against the bill (token spend), once both are known. */
  nowcastError?: {
    days: { day: string; nowcastUsd: number; billUsd: number; errorPct?: number }[];
    meanAbsPct?: number;
  };
}

/** CUR: what the last sync scanned and which team attribution rules it applied. */
function curFields(meta: LedgerMeta): { label: string; value: string }[] {
  if (meta.source !== 'cur') return [];
  const last = meta.history.find((h) => h.bytesScanned !== undefined);
  const rules = meta.history.find((h) => h.rules)?.rules;
  return [
    ...(last
      ? [{ label: 'Athena scanned', value: `${formatBytes(last.bytesScanned ?? 0)} (last sync)` }]
      : []),
    ...(rules ? [{ label: 'Teams by', value: rules }] : []),
  ];
}

/** Requests per API recorded this month: the request ledger's days, summed. */
async function requestsThisMonth(store: Store, now: Date): Promise<Map<string, number>> {
  const today = toIsoDate(now);
  const out = new Map<string, number>();
  const days = Array.from({ length: Number(today.slice(8, 10)) }, (_, i) => addDays(startOfMonth(today), i));
  for (const counts of await Promise.all(days.map((day) => requestsOn(store, day)))) {
    for (const [api, n] of Object.entries(counts)) out.set(api, (out.get(api) ?? 0) + n);
  }
  return out;
}

/** This month's requests by kind: Cost Explorer (scheduled jobs, chat), CloudWatch, Bedrock control plane. */
function apiUse(counts: Map<string, number>): StatusData['requestsThisMonth'] {
  const sum = (test: (api: string) => boolean) =>
    [...counts.entries()].filter(([api]) => test(api)).reduce((n, [, c]) => n + c, 0);
  return {
    costExplorerJobs: sum((a) => a.startsWith('ce:') && !a.endsWith('@chat')),
    costExplorerChat: sum((a) => a.startsWith('ce:') && a.endsWith('@chat')),
    cloudWatch: sum((a) => a.startsWith('cloudwatch:')),
    bedrock: sum((a) => a.startsWith('bedrock:') || a.startsWith('tag:')),
  };
}

type Reconciled = Awaited<ReturnType<typeof import('../ledger/reconcile.js').reconcileNowcasts>>;

/** The last days' nowcast against the bill (none before the ledger's first sync, or when it fails). */
async function reconciledNowcasts(ctx: CommandContext, meta: LedgerMeta | undefined): Promise<Reconciled> {
  if (!meta) return [];
  const [{ reconcileNowcasts }, { spendContextOf }] = await Promise.all([
    import('../ledger/reconcile.js'),
    import('../spend/query.js'),
  ]);
  return reconcileNowcasts(await spendContextOf(ctx.deps), ctx.deps.store).catch(() => []);
}

function ledgerData(meta: LedgerMeta, now: Date, dailyRequests: number): NonNullable<StatusData['ledger']> {
  const next = nextSyncAt(meta, dailyRequests);
  const failed = meta.history[0]?.error;
  return {
    source: meta.source,
    costBasis: meta.metric,
    from: meta.from,
    through: meta.through,
    openFrom: meta.openFrom,
    syncedAt: meta.syncedAt,
    ...(next ? { nextSyncAt: next.toISOString() } : {}),
    intervalHours: syncIntervalHours(meta, dailyRequests),
    backfilledToHorizon: meta.from <= horizonStart(toIsoDate(now)),
    services: meta.services,
    ...(failed ? { lastSyncFailed: failed } : {}),
  };
}

function nowcastErrorData(reconciled: Reconciled): StatusData['nowcastError'] {
  const errors = reconciled.filter((d) => d.error !== undefined).map((d) => Math.abs(d.error!));
  return {
    days: reconciled.map((d) => ({
      day: d.day,
      nowcastUsd: roundCents(d.nowcastUsd),
      billUsd: roundCents(d.billUsd),
      ...(d.error !== undefined ? { errorPct: Math.round(d.error * 1000) / 10 } : {}),
    })),
    ...(errors.length
      ? { meanAbsPct: Math.round((errors.reduce((a, b) => a + b, 0) / errors.length) * 1000) / 10 }
      : {}),
  };
}

/** What `status` reports: the ledger, its last syncs, this month's API use and the nowcast's error. */
function statusData(
  meta: LedgerMeta | undefined,
  counts: Map<string, number>,
  reconciled: Reconciled,
  now: Date,
  dailyRequests: number,
): StatusData {
  const requests = apiUse(counts);
  return {
    ...(meta ? { ledger: ledgerData(meta, now, dailyRequests) } : {}),
    syncs: (meta?.history ?? []).slice(0, 5).map((h) => ({
      at: h.at,
      trigger: h.trigger,
      requests: h.requests,
      daysWritten: h.daysWritten,
      ...(h.error ? { error: h.error } : {}),
      ...(h.bytesScanned !== undefined ? { bytesScanned: h.bytesScanned } : {}),
      ...(h.rules ? { rules: h.rules } : {}),
      ...(h.skipped ? { skipped: h.skipped } : {}),
    })),
    requestsThisMonth: requests,
    costExplorerUsd: roundCents(CE_USD.times(requests.costExplorerJobs + requests.costExplorerChat)),
    ...(reconciled.length ? { nowcastError: nowcastErrorData(reconciled) } : {}),
  };
}

/** The ledger's headline and fields: what it holds, when it synced and syncs next, the backfill. */
function renderLedger(meta: LedgerMeta, ledger: NonNullable<StatusData['ledger']>, now: Date) {
  const age = ageText(new Date(meta.syncedAt), now);
  const failed = ledger.lastSyncFailed;
  const headline = failed
    ? `The bill ledger holds ${formatRange({ start: meta.from, end: meta.through })}; the last sync failed (${failed.slice(0, 120)}), so the bill is ${age}.`
    : `The bill ledger holds ${formatRange({ start: meta.from, end: meta.through })}, read from ${meta.source === 'cur' ? 'CUR 2.0' : 'Cost Explorer'} at ${formatTimestamp(new Date(meta.syncedAt))} (${age}).`;
  const next = ledger.nextSyncAt ? new Date(ledger.nextSyncAt) : undefined;
  const block: Reply['blocks'][number] = {
    kind: 'fields',
    fields: [
      { label: 'Synced', value: formatTimestamp(new Date(meta.syncedAt)) },
      {
        label: 'Next sync',
        value: next ? `${formatTimestamp(next)} (every ${ledger.intervalHours} h)` : '-',
      },
      {
        label: 'Still changing',
        value: `${formatRange({ start: meta.openFrom, end: meta.through })} (re-read each sync)`,
      },
      {
        label: 'Backfill',
        value: ledger.backfilledToHorizon
          ? '13 months, complete'
          : `from ${meta.from}; 3 more months each sync until ${horizonStart(toIsoDate(now))}`,
      },
      { label: 'Services', value: String(meta.services.length) },
      ...curFields(meta),
    ],
  };
  return { headline, block };
}

/** Below the ledger: the bot's own AWS use, the nowcast's error, and the last syncs. */
function renderUse(data: StatusData): Reply['blocks'] {
  const { costExplorerJobs: ceJobs, costExplorerChat: ceChat, cloudWatch, bedrock } = data.requestsThisMonth;
  const blocks: Reply['blocks'] = [
    {
      kind: 'text',
      text: `This bot's own AWS use this month: ${ceJobs + ceChat} Cost Explorer requests (${ceJobs} scheduled, ${ceChat} from chat), ${formatUsd(CE_USD.times(ceJobs + ceChat))}; ${cloudWatch} CloudWatch and ${bedrock} Bedrock control-plane requests.`,
    },
  ];
  if (data.nowcastError) {
    const n = data.nowcastError;
    blocks.push({
      kind: 'text',
      text:
        n.meanAbsPct !== undefined
          ? `Today's estimate (token metrics x prices) against the bill, last ${n.days.length} days: ${n.meanAbsPct}% off on average (goal: within 3%).`
          : `Today's estimate against the bill: no token spend billed on the days recorded yet.`,
    });
  }
  if (data.syncs.length) {
    blocks.push({
      kind: 'table',
      columns: [
        { header: 'Sync' },
        { header: 'By' },
        { header: 'Requests', align: 'right' },
        { header: 'Days written', align: 'right' },
        { header: 'Result' },
      ],
      rows: data.syncs.map((s) => [
        formatTimestamp(new Date(s.at)),
        s.trigger,
        String(s.requests),
        String(s.daysWritten),
        s.error ? `failed: ${s.error.slice(0, 40)}` : 'ok',
      ]),
    });
  }
  return blocks;
}

export async function runStatus(_input: Record<string, never>, ctx: CommandContext) {
  const { deps } = ctx;
  const now = deps.clock.now();
  const [meta, counts] = await Promise.all([readMeta(deps.store), requestsThisMonth(deps.store, now)]);
  const reconciled = await reconciledNowcasts(ctx, meta);
  const data = statusData(meta, counts, reconciled, now, deps.config.BEDROCK_COST_SYNC_DAILY_REQUESTS);
  const ledger = meta && data.ledger ? renderLedger(meta, data.ledger, now) : undefined;
  const reply: Reply = {
    headline:
      ledger?.headline ??
      'The bill ledger is empty: the first sync fills it (the hourly alert run, or `bedrock-cost sync`).',
    blocks: [...(ledger ? [ledger.block] : []), ...renderUse(data)],
    context: ['bill ledger', `cost basis ${meta?.metric ?? deps.config.BEDROCK_COST_BASIS}`],
  };
  return { command: 'status', data, reply };
}

export const statusCommand = defineCommand<Record<string, never>, StatusData>({
  ...helpOf('status'),
  slow: false,
  parse(words) {
    if (words.length) throw new ParseError(`"status" takes no words.`, { suggestion: 'Try: status' });
    return {};
  },
  run: runStatus,
});

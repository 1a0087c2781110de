/**
 * Alert state: one item per alert per team per month (`ALERT#<team>#<yyyy-mm>` /
 * `THRESHOLD#<pct>` or `FORECAST`), with a small lifecycle that makes each alert post once:
 *
 *   (none) --claim--> claimed --send ok--> sent --budget raised / forecast fell--> rearmed
 *                        |                                                           |
 *                        +--send failed--> failed <------------- claim again ---------+
 *
 * - The claim is a conditional write: of two concurrent (or retried) runs, exactly one
 *   gets it, and only that run posts.
 * - Only the run holding the claim (its `claimId`) can mark the alert sent or failed, and
 *   it marks it sent only after the chat platform accepted the message.
 * - A failed delivery leaves the item `failed`, which the next run claims again: the alert
 *   is retried hourly until it goes out, and one broken channel never blocks other teams.
 *   Only a delivery that surely did not arrive counts as failed: after a timeout or a 5xx
 *   the alert may be in the channel, so it is recorded `sent` with `uncertain` (at most once).
 * - A run that dies between claim and send leaves a claim that expires after
 *   `CLAIM_TTL_MS` (longer than the Lambda timeout), so the alert is not lost either.
 *   (A crash *after* posting but before marking sent can post twice: the one window that
 *   no design without a transactional chat API can close.)
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ParseError } from '../errors.js';
import { claimOnce, markSent, release } from '../store/claim.js';
import { isConditionalCheckFailed, type Store, ttlAfter } from '../store/store.js';

/** An unfinished claim older than this belongs to a run that died (Lambda times out at 15 min). */
export const CLAIM_TTL_MS = 20 * 60_000;

/** Alert items are kept ~13 months (the same history Cost Explorer keeps), then expire. */
export const ALERT_TTL_SECONDS = 400 * 86_400;

/** What an alert is about: a threshold of the budget (in percent), or the month-end forecast over it. */
export type AlertKind = { kind: 'threshold'; pct: number } | { kind: 'forecast' };

/**
 * The alert item's sort key, also the tail of the Acknowledge button's value: `THRESHOLD#80`
 * or `FORECAST`. Items and buttons already out there carry these strings, so the form never
 * changes; `decodeAlertKind` is its inverse, and nothing else reads the string.
 */
export function encodeAlertKind(alert: AlertKind): string {
  return alert.kind === 'threshold' ? `THRESHOLD#${alert.pct}` : 'FORECAST';
}

/** The alert a sort key names (`THRESHOLD#80`, `FORECAST`), or `undefined` for anything else. */
export function decodeAlertKind(sk: string): AlertKind | undefined {
  if (sk === 'FORECAST') return { kind: 'forecast' };
  // Only the form `encodeAlertKind` writes (no leading zeros), so a key decodes to one item.
  const pct = /^THRESHOLD#(0|[1-9]\d{0,3})$/.exec(sk)?.[1];
  return pct === undefined ? undefined : { kind: 'threshold', pct: Number(pct) };
}

/** The state of one alert item, as `loadAlertRecords` reads it (for `evaluateAlerts`). */
export interface AlertRecord {
  /** `THRESHOLD#80` or `FORECAST` (`encodeAlertKind`). */
  sk: string;
  state: 'claimed' | 'sent' | 'failed' | 'rearmed';
  /** The budget the alert was evaluated against (decimal string). */
  budgetUsd: string;
  /** Epoch ms after which an unfinished claim is considered abandoned (a crashed run). */
  claimExpiresAt?: number;
}

/** Identifies one alert item. */
export interface AlertKey {
  team: string;
  /** `2026-11` in the team's time zone. */
  month: string;
  /** `THRESHOLD#80` or `FORECAST` (`encodeAlertKind`). */
  sk: string;
}

export function alertPk(team: string, month: string): string {
  return `ALERT#${team}#${month}`;
}

/**
 * The compact form used as a Slack button value: `ALERT#search#2026-11|THRESHOLD#80`.
 * Team IDs never contain `#` or `|` (see `parseTeamId`), so this parses back unambiguously.
 */
export function formatAlertKey(key: AlertKey): string {
  return `${alertPk(key.team, key.month)}|${key.sk}`;
}

export function parseAlertKey(text: string): AlertKey {
  const m = /^ALERT#(.+)#(\d{4}-\d{2})\|([A-Z]+(?:#\d+)?)$/.exec(text.trim());
  if (!m || !decodeAlertKind(m[3]!))
    throw new ParseError('That alert reference is not valid; it comes from an alert button.');
  return { team: m[1]!, month: m[2]!, sk: m[3]! };
}

export function alertKeyOf(team: string, month: string, alert: AlertKind): AlertKey {
  return { team, month, sk: encodeAlertKind(alert) };
}

function keyOf(key: AlertKey) {
  return { pk: alertPk(key.team, key.month), sk: key.sk };
}

/**
 * Every alert item of the given months, by pk then sk (one filtered scan: one read pass for
 * all teams instead of one query per team).
 */
export async function loadAlertRecords(
  store: Store,
  months: Iterable<string>,
): Promise<Map<string, Map<string, AlertRecord>>> {
  const list = [...new Set(months)];
  const out = new Map<string, Map<string, AlertRecord>>();
  if (!list.length) return out;
  const values: Record<string, unknown> = { ':alert': 'ALERT#' };
  list.forEach((m, i) => {
    values[`:m${i}`] = m;
  });
  const items = await store.scan({
    filter: `begins_with(pk, :alert) AND #month IN (${list.map((_, i) => `:m${i}`).join(', ')})`,
    names: { '#month': 'month' },
    values,
  });
  for (const item of items) {
    const pk = String(item.pk);
    const byKey = out.get(pk) ?? new Map<string, AlertRecord>();
    out.set(pk, byKey);
    byKey.set(String(item.sk), {
      sk: String(item.sk),
      state: item.state as AlertRecord['state'],
      budgetUsd: String(item.budgetUsd ?? ''),
      ...(typeof item.claimExpiresAt === 'number' ? { claimExpiresAt: item.claimExpiresAt } : {}),
    });
  }
  return out;
}

/** What the claim records about the moment the alert fired (for the audit trail and re-arming). */
export interface ClaimDetails {
  budgetUsd: string;
  spentUsd: string;
  forecastUsd?: string;
  /** `slack:C0123` / `teams:host`: never the webhook URL. */
  target: string;
  now: Date;
}

/** The condition under which an alert may be (re)claimed. */
const CLAIMABLE =
  'attribute_not_exists(pk) OR #state IN (:failed, :rearmed) OR (#state = :claimed AND claimExpiresAt <= :nowMs)';

function claimValues(now: Date) {
  return { ':failed': 'failed', ':rearmed': 'rearmed', ':claimed': 'claimed', ':nowMs': now.getTime() };
}

/** What an alert item records about the team's position when it is claimed or covered. */
function positionValues(key: AlertKey, details: ClaimDetails) {
  return {
    ':team': key.team,
    ':month': key.month,
    ':budget': details.budgetUsd,
    ':spent': details.spentUsd,
    ':forecast': details.forecastUsd ?? null,
    ':target': details.target,
    ':ttl': ttlAfter(details.now, ALERT_TTL_SECONDS),
  };
}

/**
 * Try to claim an alert. Returns the claim ID when this run won (and must now send), or
 * `null` when another run already has it or sent it.
 */
export async function claimAlert(store: Store, key: AlertKey, details: ClaimDetails): Promise<string | null> {
  const claimId = randomUUID();
  const claim = await claimOnce(store, {
    key: keyOf(key),
    // `claimId = :id`: this very request, retried by the SDK after DynamoDB applied it but
    // its answer was lost, is still this run's claim (not "another run has it").
    condition: `${CLAIMABLE} OR (#state = :claimed AND claimId = :id)`,
    update:
      'SET #state = :claimedNew, claimId = :id, claimedAt = :at, claimExpiresAt = :exp, team = :team, #month = :month, ' +
      'budgetUsd = :budget, spentUsd = :spent, forecastUsd = :forecast, #target = :target, ' +
      'attempts = if_not_exists(attempts, :zero) + :one, expiresAt = :ttl ' +
      'REMOVE acknowledgedBy, acknowledgedAt, ownerAcknowledgedBy, ownerAcknowledgedAt, sentAt, messageTs, lastError, coveredBy',
    names: { '#state': 'state', '#month': 'month', '#target': 'target' },
    values: {
      ...claimValues(details.now),
      ':claimedNew': 'claimed',
      ':id': claimId,
      ':at': details.now.toISOString(),
      ':exp': details.now.getTime() + CLAIM_TTL_MS,
      ...positionValues(key, details),
      ':zero': 0,
      ':one': 1,
    },
  });
  return claim.claimed ? claimId : null;
}

/** The platform accepted the message: record it as sent (only the claim holder can). */
export async function markAlertSent(
  store: Store,
  key: AlertKey,
  claimId: string,
  sent: { now: Date; messageTs?: string; uncertain?: string },
): Promise<void> {
  const values: Record<string, unknown> = { ':id': claimId, ':sent': 'sent', ':at': sent.now.toISOString() };
  if (sent.messageTs) values[':ts'] = sent.messageTs;
  // `uncertain`: the platform may have taken it (timeout, 5xx); kept as sent so no run posts
  // it again, with the reason for `budget` status and the operator.
  if (sent.uncertain) values[':uncertain'] = sent.uncertain.slice(0, 300);
  await markSent(store, {
    key: keyOf(key),
    condition: 'claimId = :id',
    update: `SET #state = :sent, sentAt = :at${sent.messageTs ? ', messageTs = :ts' : ''}${
      sent.uncertain ? ', uncertain = :uncertain' : ''
    } REMOVE claimExpiresAt`,
    names: { '#state': 'state' },
    values,
  });
}

/** Delivery failed: release the claim so the next run retries (the error text holds no secrets). */
export async function releaseAlert(
  store: Store,
  key: AlertKey,
  claimId: string,
  reason: string,
): Promise<void> {
  // False when someone else took over an expired claim meanwhile: theirs is the live one.
  await release(store, {
    key: keyOf(key),
    condition: 'claimId = :id',
    update: 'SET #state = :failed, lastError = :reason REMOVE claimExpiresAt',
    names: { '#state': 'state' },
    values: { ':id': claimId, ':failed': 'failed', ':reason': reason.slice(0, 300) },
  });
}

/**
 * Record an alert as covered by another message sent in the same run (a forecast alert
 * folded into a threshold alert), without posting. Returns false if another run has it.
 */
export async function coverAlert(
  store: Store,
  key: AlertKey,
  by: string,
  details: ClaimDetails,
): Promise<boolean> {
  const claim = await claimOnce(store, {
    key: keyOf(key),
    condition: CLAIMABLE,
    update:
      'SET #state = :sent, coveredBy = :by, sentAt = :at, team = :team, #month = :month, budgetUsd = :budget, ' +
      'spentUsd = :spent, forecastUsd = :forecast, #target = :target, expiresAt = :ttl ' +
      'REMOVE claimId, claimExpiresAt, acknowledgedBy, acknowledgedAt, ownerAcknowledgedBy, ownerAcknowledgedAt, lastError',
    names: { '#state': 'state', '#month': 'month', '#target': 'target' },
    values: {
      ...claimValues(details.now),
      ':sent': 'sent',
      ':by': by,
      ':at': details.now.toISOString(),
      ...positionValues(key, details),
    },
  });
  return claim.claimed;
}

/** Make a sent alert eligible again (budget raised past it, or the forecast fell back). */
export async function rearmAlert(store: Store, key: AlertKey, now: Date): Promise<boolean> {
  const claim = await claimOnce(store, {
    key: keyOf(key),
    condition: '#state = :sent',
    update: 'SET #state = :rearmed, rearmedAt = :at',
    names: { '#state': 'state' },
    values: { ':sent': 'sent', ':rearmed': 'rearmed', ':at': now.toISOString() },
  });
  return claim.claimed;
}

/** An alert item as stored (for acknowledgement replies and tests). */
export interface StoredAlert extends AlertKey {
  state: AlertRecord['state'];
  budgetUsd: string;
  spentUsd?: string;
  forecastUsd?: string;
  target?: string;
  attempts: number;
  sentAt?: string;
  messageTs?: string;
  lastError?: string;
  coveredBy?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  /** The first acknowledgement by one of the team's owners (kept even when someone else was first). */
  ownerAcknowledgedBy?: string;
  ownerAcknowledgedAt?: string;
  /** Every acknowledgement, in order: who, when, as what. Kept when the alert re-arms. */
  acknowledgements: AlertAcknowledgement[];
}

/** An open alert: sent to the team's channel and not acknowledged by anyone yet. */
export interface OpenAlert extends AlertKey {
  sentAt?: string;
}

/** The open alerts of these months (`YYYY-MM`), every team's (a filtered scan). */
export async function openAlerts(store: Store, months: readonly string[]): Promise<OpenAlert[]> {
  if (!months.length) return [];
  const values: Record<string, unknown> = { ':alert': 'ALERT#', ':sent': 'sent' };
  months.forEach((m, i) => {
    values[`:m${i}`] = m;
  });
  const items = await store.scan({
    filter: `begins_with(pk, :alert) AND #state = :sent AND attribute_not_exists(acknowledgedBy) AND #month IN (${months.map((_, i) => `:m${i}`).join(', ')})`,
    names: { '#state': 'state', '#month': 'month' },
    values,
  });
  return items.map((item) => ({
    team: String(item.team ?? ''),
    month: String(item.month),
    sk: String(item.sk),
    ...(typeof item.sentAt === 'string' ? { sentAt: item.sentAt } : {}),
  }));
}

/** Why someone may acknowledge an alert. */
export type AcknowledgerRole = 'admin' | 'owner' | 'member';

/** One click of "Acknowledge" (or `budget ack`). */
export interface AlertAcknowledgement {
  by: string;
  at: string;
  role: AcknowledgerRole;
}

export async function getAlert(store: Store, key: AlertKey): Promise<StoredAlert | undefined> {
  const item = await store.get(keyOf(key), { consistent: true });
  if (!item) return undefined;
  return {
    team: key.team,
    month: key.month,
    sk: key.sk,
    state: item.state as AlertRecord['state'],
    budgetUsd: String(item.budgetUsd ?? ''),
    attempts: Number(item.attempts ?? 0),
    ...(item.spentUsd ? { spentUsd: String(item.spentUsd) } : {}),
    ...(item.forecastUsd ? { forecastUsd: String(item.forecastUsd) } : {}),
    ...(item.target ? { target: String(item.target) } : {}),
    ...(item.sentAt ? { sentAt: String(item.sentAt) } : {}),
    ...(item.messageTs ? { messageTs: String(item.messageTs) } : {}),
    ...(item.lastError ? { lastError: String(item.lastError) } : {}),
    ...(item.coveredBy ? { coveredBy: String(item.coveredBy) } : {}),
    ...(item.acknowledgedBy ? { acknowledgedBy: String(item.acknowledgedBy) } : {}),
    ...(item.acknowledgedAt ? { acknowledgedAt: String(item.acknowledgedAt) } : {}),
    ...(item.ownerAcknowledgedBy ? { ownerAcknowledgedBy: String(item.ownerAcknowledgedBy) } : {}),
    ...(item.ownerAcknowledgedAt ? { ownerAcknowledgedAt: String(item.ownerAcknowledgedAt) } : {}),
    acknowledgements: Array.isArray(item.acknowledgements)
      ? (item.acknowledgements as AlertAcknowledgement[])
      : [],
  };
}

export interface AcknowledgeResult {
  alert: StoredAlert;
  /** True when this was the first acknowledgement; false when someone was first (kept). */
  recorded: boolean;
  /** True when this was the first acknowledgement by one of the team's owners. */
  ownerRecorded: boolean;
}

/**
 * Record an acknowledgement of an alert (the "Acknowledge" button, `budget ack`). Every
 * one is added to the alert's history; the first is kept as `acknowledgedBy`, and the
 * first by one of the team's owners as `ownerAcknowledgedBy` even when someone else was
 * first. Who may acknowledge is decided by the caller (`acknowledgeReply`).
 *
 * @param alertKey the button value (`ALERT#search#2026-11|THRESHOLD#80`) or a parsed key
 * @example
 * const { alert, recorded } = await acknowledgeAlert(deps.store, action.value, body.user.id, deps.clock.now());
 */
export async function acknowledgeAlert(
  store: Store,
  alertKey: string | AlertKey,
  userId: string,
  now: Date,
  role: AcknowledgerRole = 'member',
): Promise<AcknowledgeResult> {
  const key = typeof alertKey === 'string' ? parseAlertKey(alertKey) : alertKey;
  const at = now.toISOString();
  // Names this click: the SDK retrying it after DynamoDB applied it (answer lost) finds
  // its id already there and adds nothing twice.
  const clickId = randomUUID();
  const owner = role === 'owner';
  let old: Record<string, unknown> | undefined;
  try {
    const out = await store.write(
      {
        key: keyOf(key),
        condition: 'attribute_exists(pk) AND NOT contains(ackIds, :id)',
        update:
          'SET acknowledgements = list_append(if_not_exists(acknowledgements, :none), :entry), ' +
          'acknowledgedBy = if_not_exists(acknowledgedBy, :by), acknowledgedAt = if_not_exists(acknowledgedAt, :at)' +
          (owner
            ? ', ownerAcknowledgedBy = if_not_exists(ownerAcknowledgedBy, :by), ownerAcknowledgedAt = if_not_exists(ownerAcknowledgedAt, :at)'
            : '') +
          ' ADD ackIds :ids',
        values: {
          ':id': clickId,
          ':ids': new Set([clickId]),
          ':none': [],
          ':entry': [{ by: userId, at, role }],
          ':by': userId,
          ':at': at,
        },
      },
      { returnItem: 'old' },
    );
    old = out ?? {};
  } catch (error) {
    // No such alert, or this very click already applied (a retry): read what is there.
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const alert = await getAlert(store, key);
  if (!alert) throw new NotFoundError('That alert no longer exists (alerts are kept for about 13 months).');
  // Applied now: first if nobody had acknowledged before. Applied by an earlier attempt of
  // this very click (the SDK's retry): first if the recorded first is this click.
  const firstNow = old ? old.acknowledgedBy === undefined : alert.acknowledgedAt === at;
  const ownerFirstNow = old ? old.ownerAcknowledgedBy === undefined : alert.ownerAcknowledgedAt === at;
  return {
    alert,
    recorded: firstNow && alert.acknowledgedBy === userId,
    ownerRecorded: owner && ownerFirstNow && alert.ownerAcknowledgedBy === userId,
  };
}

/**
 * Team profiles and budgets in the one DynamoDB table (see docs/data-model.md):
 *
 * - `TEAM#<id>` / `PROFILE`: the team, its monthly Bedrock budget, alert thresholds, where
 *   alerts go, its time zone, owners and digest preferences.
 * - `AUDIT#<id>` / `<iso time>#<version>`: one item per change (who, when, old, new), so
 *   a budget that moved can always be explained. The version suffix keeps two changes in
 *   the same millisecond (or under a frozen `BEDROCK_COST_NOW`) apart and in order. It is
 *   written in the same transaction as the change, under its own partition key so that
 *   IAM can keep it append-only.
 *
 * The team ID is the value of the cost allocation tag (`TEAM_TAG_KEY`) that Cost Explorer
 * groups by, so the profile lines up with the bill without a mapping table.
 *
 * Money is stored as a decimal string (`"5000"`, `"1234.5"`), never a float.
 * A Teams Workflows webhook URL is a bearer secret (anyone holding it can post to the
 * channel): it is stored on the profile only, redacted in audit items, and never logged.
 */
import { createHash, randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import { type Dec, usd } from '../money.js';
import type { ChatTarget } from '../reply/delivery.js';
import { failedWrites, type Store, type Write } from '../store/store.js';

/** Default alert thresholds, in percent of the monthly budget. */
export const DEFAULT_THRESHOLDS: readonly number[] = [50, 80, 100];

/** Default weekly digest slot: Monday 09:00 in the team's time zone. */
export const DEFAULT_DIGEST = { weekday: 1, hour: 9 } as const;

/** A team's budget and alerting preferences. */
export interface TeamProfile {
  /** The cost allocation tag value (`search` for `team$search`). Case-sensitive, like the tag. */
  team: string;
  /** Monthly Bedrock budget in US dollars. */
  budgetUsd: Dec;
  /** Alert thresholds in percent of the budget, ascending and unique (1..1000). */
  thresholds: number[];
  /** Where alerts and the digest go; absent until someone sets a channel or webhook. */
  target?: ChatTarget;
  /** IANA time zone: decides when the team's month and week start. */
  timeZone: string;
  /** Chat user IDs who may change this budget (besides the admins). */
  owners: string[];
  /** Weekly digest slot in the team's time zone: ISO weekday (1 = Monday) and hour. */
  digest: { weekday: number; hour: number };
  createdAt: string;
  updatedAt: string;
  /** Who made the last change (chat user ID or `cli`). */
  updatedBy: string;
  /** Optimistic-locking counter: every write checks it, so concurrent edits never silently overwrite. */
  version: number;
}

/** Who changes a profile, and when. */
export interface ChangeActor {
  userId: string;
  userName?: string;
  now: Date;
}

/** One audit item: who changed what, when. `old`/`new` are redacted profile snapshots. */
export interface AuditEntry {
  team: string;
  at: string;
  action: 'set' | 'delete';
  userId: string;
  userName?: string;
  old?: RedactedProfile;
  new?: RedactedProfile;
}

/** A profile as audit items keep it: the webhook URL replaced by its host and a fingerprint. */
export interface RedactedProfile {
  budgetUsd: string;
  thresholds: number[];
  target?: string;
  timeZone: string;
  owners: string[];
  digestWeekday: number;
  digestHour: number;
}

/** Another change landed between our read and our write. */
export class ConcurrentChangeError extends UserError {
  constructor(team: string) {
    super(
      'conflict',
      `Someone else changed the ${team} budget at the same moment. Please look and try again.`,
      {
        suggestion: `Type \`budget ${team}\` to see the current settings.`,
      },
    );
  }
}

const PROFILE_SK = 'PROFILE';

export function teamPk(team: string): string {
  return `TEAM#${team}`;
}

/** DynamoDB item of a profile. */
interface ProfileItem {
  pk: string;
  sk: string;
  kind: 'team';
  team: string;
  budgetUsd: string;
  thresholds: number[];
  channel?: string;
  webhookUrl?: string;
  /** A Teams conversation the bot posts to, and its Bot Connector. */
  teamsConversationId?: string;
  teamsServiceUrl?: string;
  /** The Teams channel where the webhook was set. */
  webhookChannelId?: string;
  timeZone: string;
  owners: string[];
  digestWeekday: number;
  digestHour: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  version: number;
}

function toItem(profile: TeamProfile): ProfileItem {
  return {
    pk: teamPk(profile.team),
    sk: PROFILE_SK,
    kind: 'team',
    team: profile.team,
    budgetUsd: profile.budgetUsd.toFixed(),
    thresholds: [...profile.thresholds],
    ...(profile.target?.kind === 'slack' ? { channel: profile.target.channel } : {}),
    ...(profile.target?.kind === 'teams' ? { webhookUrl: profile.target.webhookUrl } : {}),
    ...(profile.target?.kind === 'teams-bot'
      ? { teamsConversationId: profile.target.conversationId, teamsServiceUrl: profile.target.serviceUrl }
      : {}),
    ...(profile.target?.kind === 'teams' && profile.target.channelId
      ? { webhookChannelId: profile.target.channelId }
      : {}),
    timeZone: profile.timeZone,
    owners: [...profile.owners],
    digestWeekday: profile.digest.weekday,
    digestHour: profile.digest.hour,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
    updatedBy: profile.updatedBy,
    version: profile.version,
  };
}

/** Read a profile item; tolerant of items written by older versions (missing fields get defaults). */
export function profileFromItem(item: Record<string, unknown>): TeamProfile {
  const team = String(item.team ?? String(item.pk ?? '').replace(/^TEAM#/, ''));
  const thresholds = Array.isArray(item.thresholds) ? item.thresholds.map(Number) : [...DEFAULT_THRESHOLDS];
  const target: ChatTarget | undefined =
    typeof item.channel === 'string' && item.channel
      ? { kind: 'slack', channel: item.channel }
      : typeof item.webhookUrl === 'string' && item.webhookUrl
        ? {
            kind: 'teams',
            webhookUrl: item.webhookUrl,
            ...(typeof item.webhookChannelId === 'string' && item.webhookChannelId
              ? { channelId: item.webhookChannelId }
              : {}),
          }
        : typeof item.teamsConversationId === 'string' && typeof item.teamsServiceUrl === 'string'
          ? { kind: 'teams-bot', conversationId: item.teamsConversationId, serviceUrl: item.teamsServiceUrl }
          : undefined;
  return {
    team,
    budgetUsd: usd(String(item.budgetUsd ?? '0')),
    thresholds,
    ...(target ? { target } : {}),
    timeZone: typeof item.timeZone === 'string' && item.timeZone ? item.timeZone : 'UTC',
    owners: Array.isArray(item.owners) ? item.owners.map(String) : [],
    digest: {
      weekday: Number(item.digestWeekday ?? DEFAULT_DIGEST.weekday),
      hour: Number(item.digestHour ?? DEFAULT_DIGEST.hour),
    },
    createdAt: String(item.createdAt ?? ''),
    updatedAt: String(item.updatedAt ?? ''),
    updatedBy: String(item.updatedBy ?? ''),
    version: Number(item.version ?? 0),
  };
}

/** `teams:host#1a2b3c4d`: enough to tell two webhooks apart in an audit, useless to an attacker. */
export function redactTarget(target: ChatTarget | undefined): string | undefined {
  if (!target) return undefined;
  if (target.kind === 'slack') return `slack:${target.channel}`;
  if (target.kind === 'teams-bot') return `teams-bot:${target.conversationId}`;
  let host = 'invalid-url';
  try {
    host = new URL(target.webhookUrl).host;
  } catch {
    // keep the placeholder: the URL is never echoed
  }
  const fingerprint = createHash('sha256').update(target.webhookUrl).digest('hex').slice(0, 8);
  return `teams:${host}#${fingerprint}`;
}

export function redactProfile(profile: TeamProfile): RedactedProfile {
  const target = redactTarget(profile.target);
  return {
    budgetUsd: profile.budgetUsd.toFixed(),
    thresholds: [...profile.thresholds],
    ...(target ? { target } : {}),
    timeZone: profile.timeZone,
    owners: [...profile.owners],
    digestWeekday: profile.digest.weekday,
    digestHour: profile.digest.hour,
  };
}

/**
 * One team's profile, or `undefined` when it has no budget.
 *
 * @example
 * const search = await getTeam(deps.store, 'search');
 */
export async function getTeam(store: Store, team: string): Promise<TeamProfile | undefined> {
  const item = await store.get({ pk: teamPk(team), sk: PROFILE_SK }, { consistent: true });
  return item ? profileFromItem(item) : undefined;
}

/**
 * Every team with a profile, sorted by team ID. A parallel scan filtered to profile items:
 * the table has no secondary index, and even 10,000 teams are a few megabytes.
 */
export async function listTeams(store: Store, options: { segments?: number } = {}): Promise<TeamProfile[]> {
  const items = await store.scan({
    filter: 'sk = :profile AND begins_with(pk, :team)',
    values: { ':profile': PROFILE_SK, ':team': 'TEAM#' },
    ...(options.segments ? { segments: options.segments } : {}),
  });
  return items.map(profileFromItem).sort((a, b) => (a.team < b.team ? -1 : a.team > b.team ? 1 : 0));
}

/**
 * Create or replace a team's profile and write its audit item, in one DynamoDB
 * transaction: both or neither. A throttled or failed write changes nothing, and says so
 * (`BudgetNotSavedError`); it never leaves a budget changed without its audit.
 *
 * `expectedVersion` is the version that was read (0 = the team must not exist yet): the
 * write is conditional on it, so two people editing at once cannot lose a change.
 * Returns the stored profile (with its new version).
 */
export async function saveTeam(
  store: Store,
  profile: Omit<TeamProfile, 'version' | 'updatedAt' | 'updatedBy' | 'createdAt'> & { createdAt?: string },
  actor: ChangeActor,
  previous: TeamProfile | undefined,
): Promise<TeamProfile> {
  const at = actor.now.toISOString();
  const stored: TeamProfile = {
    ...profile,
    createdAt: previous?.createdAt || profile.createdAt || at,
    updatedAt: at,
    updatedBy: actor.userId,
    version: (previous?.version ?? 0) + 1,
  };
  const { pk, sk, ...item } = toItem(stored);
  const write: Write = {
    key: { pk, sk },
    put: item,
    condition: previous ? '#v = :v' : 'attribute_not_exists(pk)',
    ...(previous ? { names: { '#v': 'version' }, values: { ':v': previous.version } } : {}),
  };
  await writeWithAudit(
    store,
    write,
    {
      team: profile.team,
      at,
      action: 'set',
      userId: actor.userId,
      ...(actor.userName ? { userName: actor.userName } : {}),
      ...(previous ? { old: redactProfile(previous) } : {}),
      new: redactProfile(stored),
    },
    stored.version,
  );
  return stored;
}

/** Delete a team's profile (conditional on the version read) and write its audit item, in one transaction. */
export async function deleteTeam(store: Store, previous: TeamProfile, actor: ChangeActor): Promise<void> {
  const write: Write = {
    key: { pk: teamPk(previous.team), sk: PROFILE_SK },
    remove: true,
    condition: '#v = :v',
    names: { '#v': 'version' },
    values: { ':v': previous.version },
  };
  await writeWithAudit(
    store,
    write,
    {
      team: previous.team,
      at: actor.now.toISOString(),
      action: 'delete',
      userId: actor.userId,
      ...(actor.userName ? { userName: actor.userName } : {}),
      old: redactProfile(previous),
    },
    previous.version + 1,
  );
}

/** The budget change could not be written (throttled, or the table failed): nothing changed. */
export class BudgetNotSavedError extends UserError {
  constructor(team: string, cause: unknown) {
    super('not_saved', `The ${team} budget was not changed: the table did not accept the change just now.`, {
      suggestion: 'Nothing was saved, so simply try again in a minute.',
      cause,
    });
  }
}

/**
 * The profile write and its audit item in one `TransactWriteItems`. The SDK retries a
 * transaction whose answer was lost with the same `ClientRequestToken`, and DynamoDB
 * answers that retry with success: no "someone else changed it" for our own change.
 */
async function writeWithAudit(store: Store, write: Write, entry: AuditEntry, version: number): Promise<void> {
  // The version suffix keeps the sort key unique and ordered even for two changes in one
  // millisecond (or under a frozen clock); the conditional profile write already made
  // this writer the only one holding that version.
  const base = `${entry.at}#${String(version).padStart(6, '0')}`;
  for (let attempt = 0; ; attempt++) {
    // A team deleted and re-created restarts at version 1: under a frozen clock that key
    // may exist already, so a short random tail is added instead of losing the entry.
    const sk = attempt === 0 ? base : `${base}-${randomUUID().slice(0, 8)}`;
    try {
      await store.transact([
        write,
        {
          key: { pk: auditPk(entry.team), sk },
          put: { kind: 'audit', ...entry },
          condition: 'attribute_not_exists(pk)',
        },
      ]);
      return;
    } catch (error) {
      const failed = failedWrites(error);
      if (failed.includes(0)) throw new ConcurrentChangeError(entry.team);
      if (failed.includes(1) && attempt < 3) continue;
      if (error instanceof UserError) throw error;
      throw new BudgetNotSavedError(entry.team, error);
    }
  }
}

/**
 * Audit items live under their own partition key, so IAM can keep every function but the
 * budget-changing ones (and those only inside a transaction) from writing them
 * (`dynamodb:LeadingKeys` in infra/cloudformation/iam.yml).
 */
export function auditPk(team: string): string {
  return `AUDIT#${team}`;
}

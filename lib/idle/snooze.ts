/**
 * Keeping an idle throughput quiet: the "Snooze 7 days" button and `idle snooze NAME`
 * (who may snooze, which throughput a name means). The daily job (`job.ts`) skips
 * snoozed throughputs.
 */
import { formatTimestamp } from '../clock.js';
import { type Deps, otherRegions } from '../context.js';
import { ForbiddenError, NotFoundError, ParseError } from '../errors.js';
import type { Caller } from '../reply/caller.js';
import type { Reply } from '../reply/reply.js';
import { regionOfArn } from './idle-rates.js';
import { SNOOZE_DAYS } from './idle-reply.js';
import { snoozeThroughput, throughputTeam } from './idle-store.js';

/** What a provisioned-throughput ARN looks like (button values are checked, never trusted). */
const PROVISIONED_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:provisioned-model\/[A-Za-z0-9._-]{1,64}$/;

/**
 * The "Snooze 7 days" button (`idle_snooze`, value = the throughput ARN) and
 * `idle snooze NAME`: stop the daily idle message for that throughput for a week, and say
 * until when. Only budget admins and the owners of the throughput's team (its team tag)
 * may snooze, so nobody else can keep a finding quiet by renewing it; every snooze is
 * kept in the throughput's history.
 *
 * @example
 * // in the Slack interactivity handler
 * const reply = await snoozeIdleThroughput(deps, action.value, caller);
 */
export async function snoozeIdleThroughput(
  deps: Deps,
  arn: string,
  caller: Pick<Caller, 'userId' | 'isAdmin' | 'platform'>,
  name = arn.split('/').pop() ?? arn,
): Promise<Reply> {
  if (!PROVISIONED_ARN.test(arn)) {
    throw new ParseError(
      'That snooze button does not name a provisioned throughput; run `idle` again for fresh buttons.',
    );
  }
  const team = await throughputTeam(deps.store, arn);
  const admin = caller.isAdmin || deps.config.ADMIN_USER_IDS.includes(caller.userId);
  if (!admin) {
    const { getTeam } = await import('../budgets/store.js');
    const owners = team ? ((await getTeam(deps.store, team))?.owners ?? []) : [];
    if (!owners.includes(caller.userId)) {
      throw new ForbiddenError(
        team
          ? `Only budget admins and the ${team} team's owners can snooze provisioned model ${name}.`
          : `Only budget admins can snooze provisioned model ${name} (it carries no team tag).`,
      );
    }
  }
  const now = deps.clock.now();
  const until = new Date(now.getTime() + SNOOZE_DAYS * 86_400_000);
  const before = await snoozeThroughput(deps.store, arn, until, caller.userId, now);
  deps.log.info('idle throughput snoozed', { arn, by: caller.userId, until: until.toISOString() });
  const renewed =
    before && Date.parse(before.until) > now.getTime()
      ? [
          `It was snoozed until ${formatTimestamp(new Date(before.until))} by ${before.by}; ${before.history.length + 1} snoozes so far.`,
        ]
      : [];
  return {
    headline: `Snoozed: no idle message about provisioned model ${name} until ${formatTimestamp(until)}.`,
    ...(renewed.length ? { context: renewed } : {}),
    blocks: [],
    visibility: 'in_channel',
  };
}

/**
 * The provisioned throughput a person named (`idle snooze NAME`), given as its ARN, ID or name, in the
 * bot's Region or one of `BEDROCK_COST_REGIONS`. Throws a friendly error when there is no such
 * throughput (with the closest names) or the name is in several Regions.
 */
export async function findThroughput(deps: Deps, text: string): Promise<{ arn: string; name: string }> {
  if (PROVISIONED_ARN.test(text)) return { arn: text, name: text.split('/').pop() ?? text };
  const sources = await deps.sources();
  const others = otherRegions(deps);
  const lists = await Promise.all([
    sources.bedrock.listProvisionedThroughputs({ tags: false }),
    ...others.map(async (region) =>
      (await deps.regionSources!(region)).bedrock.listProvisionedThroughputs({ tags: false }),
    ),
  ]);
  const all = lists.flat();
  const wanted = text.toLowerCase();
  const matches = all.filter(
    (t) => t.name.toLowerCase() === wanted || (t.arn.split('/').pop() ?? '').toLowerCase() === wanted,
  );
  if (matches.length === 1) return { arn: matches[0]!.arn, name: matches[0]!.name };
  if (matches.length > 1) {
    throw new ParseError(
      `"${text.slice(0, 64)}" names provisioned throughputs in ${matches.map((t) => regionOfArn(t.arn)).join(' and ')}: give its ARN, for example: idle snooze ${matches[0]!.arn}`,
    );
  }
  const { closestMatches } = await import('../fuzzy.js');
  const close = closestMatches(
    text,
    all.map((t) => t.name),
    3,
  );
  throw new NotFoundError(
    `I don't know the provisioned throughput "${text.slice(0, 64)}".${close.length ? ` Did you mean: ${close.join(', ')}?` : ' There is none in this account.'}`,
    close,
  );
}

/**
 * The Slack App Home tab: on `app_home_opened` the front door acknowledges at once and hands
 * a job to the command worker, which reads the figures and publishes the viewer's Home view
 * (`views.publish`). Every open refreshes it.
 *
 * Who sees what: budget admins (`ADMIN_USER_IDS`) see every team; a team's owners (its
 * profile's `owners`) see their teams; anyone else sees how to get a team. Per team: month to
 * date, budget, forecast, percent used and status (the same `budgetPositions` figures as
 * `budget`), the open alerts (sent, not acknowledged) and idle provisioned throughput.
 */
import type { HomeView, KnownBlock } from '@slack/types';
import { decodeAlertKind, type OpenAlert, openAlerts } from '../budgets/alert-store.js';
import { budgetPositions, type TeamBudgetPosition } from '../budgets/status.js';
import { listTeams } from '../budgets/store.js';
import { BUDGET_SET_EXAMPLE } from '../budgets/validate.js';
import { formatTimestamp, monthName } from '../clock.js';
import type { Deps } from '../context.js';
import { formatUsd } from '../money.js';
import { type ChatDeliveryOptions, publishSlackView } from './deliver.js';
import { escapeMrkdwn, slackMention } from './slack-render.js';

const STATUS_LABEL: Record<TeamBudgetPosition['status'], string> = {
  'on-track': ':large_green_circle: on track',
  'at-risk': ':large_orange_circle: at risk',
  'over-budget': ':red_circle: over budget',
};

/** Most teams shown (Slack allows 100 blocks in a Home view; each team takes two). */
const MAX_TEAMS = 30;

function alertLabel(a: OpenAlert): string {
  const kind = decodeAlertKind(a.sk);
  const what = kind?.kind === 'threshold' ? `${kind.pct}% threshold` : 'forecast over budget';
  return a.sentAt ? `${what} (sent ${formatTimestamp(new Date(a.sentAt))})` : what;
}

/** The idle provisioned throughput of the last day, by team tag (`''` for untagged). */
async function idleByTeam(deps: Deps): Promise<{ byTeam: Map<string, string[]>; problem?: string }> {
  const byTeam = new Map<string, string[]>();
  try {
    const { scanIdleForDeps, DEFAULT_IDLE_HOURS } = await import('../idle/scan.js');
    const scan = await scanIdleForDeps(deps, DEFAULT_IDLE_HOURS);
    for (const f of scan.findings) {
      if (f.state !== 'idle') continue;
      const line = `${f.throughput.name} (${f.modelName}): no calls for ${f.idleHours}h${f.wasted.gt(0) ? `, ${formatUsd(f.wasted)} spent idle` : ''}`;
      const list = byTeam.get(f.team ?? '') ?? [];
      list.push(line);
      byTeam.set(f.team ?? '', list);
    }
    return scan.problems.length ? { byTeam, problem: scan.problems[0] } : { byTeam };
  } catch (error) {
    deps.log.warn('app home: idle scan failed', error);
    return { byTeam, problem: 'Provisioned throughput could not be checked just now.' };
  }
}

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/**
 * The Home view for one Slack user.
 *
 * @example
 * const view = await buildAppHome(deps, 'U0ALICE001');
 */
export async function buildAppHome(deps: Deps, userId: string): Promise<HomeView> {
  const admin = deps.config.ADMIN_USER_IDS.includes(userId);
  const all = await listTeams(deps.store);
  const mine = admin ? all : all.filter((p) => p.owners.includes(userId));
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: admin ? 'Bedrock budgets: all teams' : 'Bedrock budgets: your teams',
      },
    },
  ];
  if (!mine.length) {
    blocks.push(
      section(
        admin
          ? `No team has a Bedrock budget yet. Set one with \`/bedrock-cost ${BUDGET_SET_EXAMPLE}\`.`
          : `You do not own a team budget yet. Ask a budget admin or a team's owner to add you: \`/bedrock-cost budget set TEAM AMOUNT owner ${slackMention({ kind: 'user', id: userId })}\`. Meanwhile \`/bedrock-cost budget\` shows ${deps.config.BEDROCK_COST_VISIBILITY === 'team' ? 'the teams you belong to' : 'every team'}.`,
      ),
    );
    return { type: 'home', blocks };
  }
  const [{ positions, spend }, idle] = await Promise.all([budgetPositions(deps, mine), idleByTeam(deps)]);
  const alerts = await openAlerts(deps.store, [...new Set(positions.map((p) => p.spend.month.month))]);
  blocks.push(
    context(
      `${monthName(spend.utcMonth.start)} · ${spend.costBasis} · bill data as of ${formatTimestamp(spend.dataAsOf)}${spend.sourceKind === 'demo' ? ' · demo account' : ''} · refreshed each time you open this tab`,
    ),
  );
  for (const p of positions.slice(0, MAX_TEAMS)) {
    const team = p.profile.team;
    const open = alerts.filter((a) => a.team === team && a.month === p.spend.month.month);
    const idleLines = idle.byTeam.get(team) ?? [];
    blocks.push(
      { type: 'divider' },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${escapeMrkdwn(team)}* · ${STATUS_LABEL[p.status]}` },
        fields: [
          { type: 'mrkdwn', text: `*Month to date*\n${formatUsd(p.spentUsd)}` },
          { type: 'mrkdwn', text: `*Budget*\n${formatUsd(p.profile.budgetUsd, 'as-typed')}` },
          { type: 'mrkdwn', text: `*Forecast*\n${formatUsd(p.forecast.usd.toDecimalPlaces(0), 'as-typed')}` },
          { type: 'mrkdwn', text: `*Used*\n${p.pctUsed.toDecimalPlaces(0).toFixed(0)}%` },
          {
            type: 'mrkdwn',
            text: `*Open alerts*\n${open.length ? open.map(alertLabel).join('\n') : 'none'}`,
          },
          {
            type: 'mrkdwn',
            text: `*Idle provisioned throughput*\n${idleLines.length ? escapeMrkdwn(idleLines.join('\n')) : 'none'}`,
          },
        ],
      },
    );
  }
  if (positions.length > MAX_TEAMS)
    blocks.push(
      context(`And ${positions.length - MAX_TEAMS} more teams: \`/bedrock-cost budget\` lists them all.`),
    );
  const untagged = admin ? (idle.byTeam.get('') ?? []) : [];
  if (untagged.length)
    blocks.push(
      { type: 'divider' },
      section(`*Idle provisioned throughput without a team tag*\n${escapeMrkdwn(untagged.join('\n'))}`),
    );
  if (idle.problem) blocks.push(context(escapeMrkdwn(idle.problem)));
  return { type: 'home', blocks };
}

/** Build and publish the Home view for `userId`. */
export async function publishAppHome(
  deps: Deps,
  userId: string,
  options: ChatDeliveryOptions = {},
): Promise<void> {
  const view = await buildAppHome(deps, userId);
  await publishSlackView(deps.config, userId, view, options);
}

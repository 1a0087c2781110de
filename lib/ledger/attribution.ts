/**
 * Team attribution, in one place: which team a line of the bill belongs to.
 *
 * The rules, first match wins:
 *
 * 1. `resource-tag`: the team cost-allocation tag on the resource (an application inference
 *    profile tagged `team=search`);
 * 2. `principal-tag`: the team tag on the IAM principal that called Bedrock
 *    (`iamPrincipal/team`, from the role's or the session's tags);
 * 3. `account`: the linked account's team (`BEDROCK_COST_ACCOUNT_TEAMS`, a map);
 * 4. `cost-category`: the value of a cost category (`BEDROCK_COST_TEAM_COST_CATEGORY`).
 *
 * No match: `''`, shown as "unattributed" with its share, never folded into a team.
 *
 * Both bill sources use these rules where they have the data: Cost Explorer has the resource
 * tag and the linked account of a cell (when one cell is in one account); CUR 2.0 has every
 * column per line, unless the export lacks it (an older export without
 * `line_item_iam_principal`, a table without tags), and then says which rules it applied.
 */

export type AttributionRule = 'resource-tag' | 'principal-tag' | 'account' | 'cost-category';

export const ATTRIBUTION_RULES: readonly AttributionRule[] = [
  'resource-tag',
  'principal-tag',
  'account',
  'cost-category',
];

export const RULE_LABELS: Record<AttributionRule, string> = {
  'resource-tag': 'resource tag',
  'principal-tag': 'IAM principal tag',
  account: 'linked account',
  'cost-category': 'cost category',
};

export interface AttributionConfig {
  /** Linked account ID -> team. */
  accountTeams: Record<string, string>;
  /** Cost category whose value is the team (CUR `cost_category` map); unset = rule off. */
  costCategory?: string;
}

/** What one line (or one cell) of the bill says about its team; absent = the source lacks it. */
export interface TeamEvidence {
  resourceTag?: string;
  principalTag?: string;
  account?: string;
  costCategory?: string;
}

/** The team of a line by the rules, first match wins; `''` = unattributed. */
export function attributeTeam(
  evidence: TeamEvidence,
  config: AttributionConfig,
  rules = ATTRIBUTION_RULES,
): string {
  for (const rule of rules) {
    const team = teamBy(rule, evidence, config);
    if (team) return team;
  }
  return '';
}

function teamBy(rule: AttributionRule, e: TeamEvidence, config: AttributionConfig): string {
  switch (rule) {
    case 'resource-tag':
      return e.resourceTag?.trim() ?? '';
    case 'principal-tag':
      return e.principalTag?.trim() ?? '';
    case 'account':
      return e.account ? (config.accountTeams[e.account] ?? '') : '';
    case 'cost-category':
      return config.costCategory ? (e.costCategory?.trim() ?? '') : '';
  }
}

/**
 * The rules a source can apply, given which data it has. `account` needs a map, and
 * `cost-category` a configured category.
 */
export function applicableRules(
  has: Record<AttributionRule, boolean>,
  config: AttributionConfig,
): AttributionRule[] {
  return ATTRIBUTION_RULES.filter((rule) => {
    if (!has[rule]) return false;
    if (rule === 'account') return Object.keys(config.accountTeams).length > 0;
    if (rule === 'cost-category') return Boolean(config.costCategory);
    return true;
  });
}

/** `resource tag, linked account (IAM principal tag: the export has no line_item_iam_principal)`. */
export function describeRules(applied: readonly string[], missing: Record<string, string> = {}): string {
  const on = applied.map((r) => RULE_LABELS[r as AttributionRule] ?? r).join(', ') || 'none';
  const off = Object.entries(missing).map(([r, why]) => `${RULE_LABELS[r as AttributionRule] ?? r}: ${why}`);
  return off.length ? `${on} (not applied: ${off.join('; ')})` : on;
}

/** Parse `BEDROCK_COST_ACCOUNT_TEAMS`: `111122223333=search,444455556666=growth` or JSON. */
export function parseAccountMap(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw?.trim()) return out;
  const text = raw.trim();
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const [k, v] of Object.entries(parsed))
      if (typeof v === 'string' && v.trim()) out[k.trim()] = v.trim();
    return out;
  }
  for (const pair of text.split(',')) {
    const [k, v] = pair.split('=').map((s) => s.trim());
    if (k && v) out[k] = v;
  }
  return out;
}

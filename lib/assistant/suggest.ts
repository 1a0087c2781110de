/**
 * Grammar commands close to a plain-language question, without a language model: when
 * `ask` is off, when the model would not pick a tool, or when Bedrock is busy, the
 * answer still points at commands that work. Keyword rules, plus the period and team
 * the question names, so "why is team search so expensive this week?" suggests
 * `why this week team search`.
 */
import { takePeriod } from '../commands/period.js';

/** A rule: question words that point at a command, and how to write the command. */
interface Rule {
  pattern: RegExp;
  line(hints: Hints): string;
}

interface Hints {
  period?: string;
  team?: string;
  groupBy?: 'team' | 'model';
}

const withTeam = (line: string, team?: string) => (team ? `${line} team ${team}` : line);

const RULES: Rule[] = [
  {
    pattern:
      /\b(why|rise|rose|risen|increase[sd]?|jump(ed|s)?|spike[sd]?|grew|grow(n|ing)?|expensive|change[sd]?|higher|drop(ped|s)?|lower|decrease[sd]?|went up|go up|doubled)\b/,
    line: (h) => withTeam(`why ${h.period ?? 'last week'}`, h.team),
  },
  {
    pattern:
      /\b(spend|spent|spending|costs?|costing|bill|billed|much|paying|paid|pay|top|most|biggest|expensive)\b/,
    line: (h) => withTeam(`spend ${h.period ?? 'mtd'}${h.team ? '' : ` by ${h.groupBy ?? 'model'}`}`, h.team),
  },
  {
    pattern: /\b(idle|unused|provisioned|throughputs?|wast(e|ed|ing)|capacity)\b/,
    line: () => 'idle',
  },
  {
    pattern:
      /\b(forecast|predict(ed|ion)?|projected?|month[- ]end|end of (the )?month|on track|will (we|it|the|our)|going to)\b/,
    line: (h) => withTeam('forecast', h.team),
  },
  {
    pattern: /\b(budgets?|limit|over budget|allowance)\b/,
    line: (h) => (h.team ? `budget status ${h.team}` : 'budget'),
  },
  {
    pattern: /\b(compare|cheaper|cheapest|alternatives?|switch(ed|ing)?|instead)\b/,
    line: () => 'compare claude-sonnet-4-5 2000 in 500 out 10k/day',
  },
  {
    pattern: /\b(estimate|would (it )?cost|workload|requests?|per day|a day|tokens?)\b/,
    line: () => 'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
  },
];

const DEFAULTS = ['spend mtd by team', 'why last week', 'help'];

/** Words that never name a team after "team" / before "team". */
const NOT_TEAMS = new Set([
  'the',
  'a',
  'an',
  'my',
  'our',
  'your',
  'each',
  'every',
  'which',
  'what',
  'per',
  'by',
  'of',
  'this',
  'that',
  'whole',
  'all',
  // Verbs that follow "which team ..." in questions ("which team spent the most?").
  'spent',
  'spend',
  'spends',
  'spending',
  'costs',
  'cost',
  'is',
  'was',
  'has',
  'had',
  'did',
  'does',
  'will',
  'uses',
  'used',
  'went',
  'goes',
]);

/** The first PERIOD the question names (`this week`, `last month`, `2026-10`...). */
function periodIn(tokens: string[], now: Date): string | undefined {
  for (let i = 0; i < tokens.length; i++) {
    try {
      const rest = tokens.slice(i);
      const { period, rest: after } = takePeriod(rest, now);
      if (period) return rest.slice(0, rest.length - after.length).join(' ');
    } catch {
      // A period the grammar refuses (future, too old) is no hint.
    }
  }
  return undefined;
}

/** "team search" or "the search team". */
function teamIn(tokens: string[]): string | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    if (word !== 'team' && word !== "team's") continue;
    const next = tokens[i + 1]?.replace(/'s$/, '');
    const previous = tokens[i - 1]?.replace(/'s$/, '');
    const isName = (w: string | undefined): w is string =>
      w !== undefined && !NOT_TEAMS.has(w) && /^[a-z][a-z0-9_.-]*$/.test(w);
    // "the search team ..." names the team before; "team search" after.
    if (isName(previous) && ['the', 'our', 'my', 'your'].includes(tokens[i - 2] ?? '')) return previous;
    if (isName(next)) return next;
    if (isName(previous)) return previous;
  }
  return undefined;
}

/**
 * Up to `limit` command lines worth trying for a question, best first. Every line is a
 * valid command in the grammar.
 *
 * @example
 * suggestCommands('why is team search so expensive this week?', now);
 * // ['why this week team search', 'spend this week team search', ...]
 */
export function suggestCommands(question: string, now: Date, limit = 3): string[] {
  const lower = question.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  const tokens = lower
    .replace(/[^a-z0-9.'\s-]/g, ' ')
    .split(/\s+/)
    .map((t) => t.replace(/^[.'-]+|[.'-]+$/g, ''))
    .filter(Boolean);
  const hints: Hints = {
    period: periodIn(tokens, now),
    team: teamIn(tokens),
    groupBy: /\b(teams|who|which team)\b/.test(lower)
      ? 'team'
      : /\bmodels?\b/.test(lower)
        ? 'model'
        : undefined,
  };
  const lines: string[] = [];
  for (const rule of RULES) {
    if (rule.pattern.test(lower)) lines.push(rule.line(hints));
  }
  for (const line of DEFAULTS) {
    if (lines.length >= 2) break;
    lines.push(line);
  }
  return [...new Set(lines)].slice(0, limit);
}

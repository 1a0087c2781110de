/**
 * What `help` shows of each command (name, summary, grammar, examples), in the order it
 * lists them, without loading the commands: answering `/bedrock-cost help` inside Slack's
 * acknowledgement on a cold start must not load every command's parser and domain code.
 *
 * The single source of these fields: each command's definition spreads `helpOf(name)`, so
 * the text `help` shows and the command's own definition cannot drift apart.
 */

/** The part of a command definition that `help` shows. */
export interface CommandHelp {
  name: string;
  summary: string;
  usage: string[];
  examples: string[];
}

export const COMMAND_HELP: readonly CommandHelp[] = [
  {
    name: 'help',
    summary: 'What I can answer, with examples',
    usage: ['help [COMMAND]'],
    examples: ['help', 'help estimate'],
  },
  {
    name: 'spend',
    summary: 'Bedrock spend from the bill, by model, team, usage type, region or account',
    usage: ['spend [PERIOD] [by model|team|usage|region|account] [team TEAM]'],
    examples: [
      'spend',
      'spend last week by team',
      'spend mtd by model team search',
      'spend today',
      'spend 2026-10 by region',
    ],
  },
  {
    name: 'why',
    summary:
      'Why Bedrock spend changed: drivers by model, token class and team, split into volume, mix, route/tier, cache and rate effects',
    usage: ['why [PERIOD] [vs PERIOD] [team TEAM] [by team|model]'],
    examples: ['why last week', 'why mtd team search', 'why 2026-10 vs 2026-09', 'why last week by team'],
  },
  {
    name: 'idle',
    summary: 'Provisioned throughput billed by the hour but not used, and what to do about it',
    usage: ['idle [HOURS]', 'idle snooze NAME'],
    examples: ['idle', 'idle 72', 'idle snooze nova-lite-test'],
  },
  {
    name: 'savings',
    summary:
      'Every way to save, with its dollars a month: idle and under-used capacity, money-losing prompt caches, batch, caching, cheaper models',
    usage: ['savings [team TEAM]'],
    examples: ['savings', 'savings team support'],
  },
  {
    name: 'estimate',
    summary: 'What a workload would cost a month: on-demand, batch, prompt cache, provisioned, self-hosted',
    usage: [
      'estimate MODEL IN in OUT out VOLUME [batch] [cache=60%] [region=REGION] [xN calls] [kb] [guardrails] [logs]',
    ],
    examples: [
      'estimate claude-sonnet-4-5 2000 in 500 out 10k/day',
      'estimate nova-micro 300k requests/month 800 in 200 out batch',
      'estimate model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1',
      'estimate sonnet 4.5 3000 in 800 out 2k/day x6 calls kb guardrails logs',
      'estimate nova-canvas 2000 images/day',
    ],
  },
  {
    name: 'compare',
    summary: 'The same workload priced on every model of its kind, cheapest first',
    usage: ['compare [MODEL] IN in OUT out VOLUME [batch] [cache=60%] [region=REGION] [xN calls]'],
    examples: [
      'compare claude-sonnet-4-5 2000 in 500 out 10k/day',
      'compare 800 in 200 out 300k requests/month batch',
      'compare nova-canvas 1000 images/day',
    ],
  },
  {
    name: 'prices',
    summary: "A model's prices per Region and route, with where each price comes from",
    usage: ['prices MODEL [region REGION]'],
    examples: [
      'prices sonnet 4.5',
      'prices nova-micro region eu-west-1',
      'prices us.anthropic.claude-3-5-haiku-20241022-v1:0',
    ],
  },
  {
    name: 'forecast',
    summary: 'Month-end Bedrock spend forecast, overall or for one team',
    usage: ['forecast [team TEAM]'],
    examples: ['forecast', 'forecast team search'],
  },
  {
    name: 'budget',
    summary: 'Team budgets: status, and alerts at 50/80/100% in the team channel',
    usage: [
      'budget [TEAM]',
      'budget set TEAM AMOUNT [channel CHANNEL] [thresholds 50,80,100] [tz ZONE] [owner @USER|EMAIL]',
      'budget delete TEAM',
      'budget ack TEAM 80|forecast [MONTH]',
    ],
    examples: [
      'budget',
      'budget search',
      'budget set search 5000 channel #search-alerts',
      'budget set search 5k thresholds 50,80,100 tz Europe/Berlin',
    ],
  },
  {
    name: 'status',
    summary: "The bill ledger: what is synced, when, the next sync, and this bot's own AWS cost this month",
    usage: ['status'],
    examples: ['status'],
  },
  {
    name: 'ask',
    summary: 'A question in plain words, answered with the commands above (needs ASSISTANT_MODEL_ID)',
    usage: ['ask QUESTION'],
    examples: ['ask why is search so expensive this week?', 'ask which team spent the most last month?'],
  },
];

/**
 * The help fields of one command, for its definition (`defineCommand({ ...helpOf('spend'), ... })`).
 * Throws at module load when the name has no entry, so a missing one fails every test.
 */
export function helpOf(name: string): CommandHelp {
  const entry = COMMAND_HELP.find((c) => c.name === name);
  if (!entry) throw new Error(`lib/commands/meta.ts has no help entry for "${name}"`);
  return entry;
}

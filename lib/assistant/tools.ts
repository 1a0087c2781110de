/**
 * The tools `ask` offers the model: the bot's read-only commands, each with typed
 * parameters (a JSON schema generated from a zod schema, so what the model is told and
 * what is checked can never drift apart).
 *
 * The model never computes an answer. It only picks a tool and its arguments; the bot
 * turns the arguments into ordinary command words (`spend this week by team`), parses
 * them with the command's own parser and runs the command, so every number in the answer
 * comes from the bill, the metrics or the price catalog, exactly as the grammar would
 * give it.
 *
 * Commands that can change state (`budget set`, `budget delete`) are not tools, and a
 * tool whose command is marked `mutates` must prove, on the parsed input, that this call
 * only reads (`readOnly`); see `runTool`.
 */
import type { Tool, ToolInputSchema } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { PERIOD_FORMS } from '../commands/period.js';
import type { AnyCommand } from '../commands/types.js';

/** One tool: its wire name, what the model is told, how it becomes command words. */
export interface AssistantTool<Args = Record<string, unknown>> {
  /** Tool name on the wire (`[a-zA-Z0-9_-]{1,64}`). */
  name: string;
  /** The registry command it runs. */
  command: string;
  description: string;
  schema: z.ZodType<Args>;
  /** The command words (after the command name) for validated arguments. */
  words(args: Args): string[];
  /**
   * Required when the command `mutates`: true only for parsed inputs that read
   * (`budget` status). Anything else is refused before `run`.
   */
  readOnly?(input: unknown): boolean;
}

// Tool arguments come from a language model: every string is bounded and restricted to
// the characters its grammar uses, so an argument can never smuggle in other command
// words (a period cannot contain "set", a team cannot contain spaces).
const period = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9 .-]+$/, `must be a PERIOD: ${PERIOD_FORMS}`)
  .describe(`Time period in the bot's PERIOD words: ${PERIOD_FORMS}. Weeks run Monday to Sunday.`);

const team = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:/@+-]+$/, 'must be one team name without spaces, e.g. search')
  .describe('Team name (the cost-allocation tag value), one word, e.g. "search". Omit for all teams.');

const modelName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:\- ]+$/, 'must be a model name or Bedrock model ID')
  .describe('Bedrock model: a name ("claude-sonnet-4-5", "sonnet 4.5", "nova-micro") or a Bedrock model ID.');

const count = (what: string, max: number, min = 0) =>
  z.coerce.number().int().min(min).max(max).describe(what);

const workloadShape = {
  inputTokens: count('Input tokens per request.', 10_000_000).optional(),
  outputTokens: count('Output tokens per request.', 10_000_000).optional(),
  volume: count('How many requests (or images) per `per`.', 1_000_000_000_000),
  per: z.enum(['second', 'minute', 'hour', 'day', 'week', 'month']).describe('The time unit of `volume`.'),
  images: z.boolean().optional().describe('True when `volume` counts generated images, not text requests.'),
  batch: z.boolean().optional().describe('Price batch inference (offline, results within 24 h).'),
  cachePercent: count('Share of input tokens served from the prompt cache, 0-100.', 100).optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS Region code such as us-east-1')
    .optional()
    .describe('AWS Region code, e.g. us-east-1.'),
};

interface Workload {
  inputTokens?: number;
  outputTokens?: number;
  volume: number;
  per: string;
  images?: boolean;
  batch?: boolean;
  cachePercent?: number;
  region?: string;
}

/** The WORKLOAD words of `estimate` / `compare` (after the model). */
function workloadWords(w: Workload): string[] {
  const words: string[] = [];
  if (w.inputTokens !== undefined) words.push(String(w.inputTokens), 'in');
  if (w.outputTokens !== undefined) words.push(String(w.outputTokens), 'out');
  words.push(String(w.volume), `${w.images ? 'images' : 'requests'}/${w.per}`);
  if (w.batch) words.push('batch');
  if (w.cachePercent !== undefined) words.push(`cache=${w.cachePercent}%`);
  if (w.region) words.push(`region=${w.region}`);
  return words;
}

const split = (text: string | undefined) => (text ? text.split(/\s+/).filter(Boolean) : []);

const spendArgs = z
  .object({
    period: period.optional(),
    groupBy: z
      .enum(['model', 'team', 'usage', 'region', 'account'])
      .optional()
      .describe('Break the total down by this dimension (default: model).'),
    team: team.optional(),
  })
  .strict();

const whyArgs = z
  .object({
    period: period.optional(),
    comparedTo: period
      .optional()
      .describe('The period to compare against (default: the previous equal period).'),
    team: team.optional(),
    by: z
      .enum(['model', 'team'])
      .optional()
      .describe('Explain by model and token class (default) or by team.'),
  })
  .strict();

const idleArgs = z
  .object({
    hours: count('Look-back window in hours without invocations (default 24).', 24 * 30, 1).optional(),
  })
  .strict();

const estimateArgs = z.object({ model: modelName, ...workloadShape }).strict();
const compareArgs = z.object({ model: modelName.optional(), ...workloadShape }).strict();
const teamOnlyArgs = z.object({ team: team.optional() }).strict();

function tool<S extends z.ZodType<Record<string, unknown>>>(def: {
  name: string;
  command: string;
  description: string;
  schema: S;
  words(args: z.infer<S>): string[];
  readOnly?(input: unknown): boolean;
}): AssistantTool {
  return def as unknown as AssistantTool;
}

/** Every tool offered to the model. Nothing outside this list can run through `ask`. */
export const ASSISTANT_TOOLS: readonly AssistantTool[] = [
  tool({
    name: 'spend',
    command: 'spend',
    description:
      'Bedrock spend from the AWS bill for a period, broken down by model, team, usage type, region or account; optionally for one team. Use for "how much", "what did we spend", "who spends most".',
    schema: spendArgs,
    words: (a) => [
      ...split(a.period),
      ...(a.groupBy ? ['by', a.groupBy] : []),
      ...(a.team ? ['team', a.team] : []),
    ],
  }),
  tool({
    name: 'why',
    command: 'why',
    description:
      'Why Bedrock spend changed between two periods: the drivers (model, token class, team) with volume, mix (model migration), route/tier, cache and price effects. Use for "why is X so expensive", "what went up", "what changed".',
    schema: whyArgs,
    words: (a) => [
      ...split(a.period),
      ...(a.comparedTo ? ['vs', ...split(a.comparedTo)] : []),
      ...(a.team ? ['team', a.team] : []),
      ...(a.by ? ['by', a.by] : []),
    ],
  }),
  tool({
    name: 'idle',
    command: 'idle',
    description:
      'Provisioned throughput that is billed by the hour but had no invocations, with what it has cost and what to do. Use for "are we wasting money", "unused capacity".',
    schema: idleArgs,
    words: (a) => (a.hours !== undefined ? [String(a.hours)] : []),
  }),
  tool({
    name: 'savings',
    command: 'savings',
    description:
      'Every way to save, with its dollars a month, biggest first: idle and under-used provisioned throughput and Reserved-tier capacity (with the commitment end or renewal), prompt caches whose writes cost more than their reads save, batch candidates, prompt caching, cheaper models. Use for "how can we save", "where is money wasted", "is our cache worth it".',
    schema: teamOnlyArgs,
    words: (a) => (a.team ? ['team', a.team] : []),
  }),
  tool({
    name: 'estimate',
    command: 'estimate',
    description:
      'What a workload on one model would cost per month: on-demand, batch, prompt cache, provisioned throughput, self-hosted. Needs tokens per request and a request volume.',
    schema: estimateArgs,
    words: (a) => [...split(a.model), ...workloadWords(a)],
  }),
  tool({
    name: 'compare',
    command: 'compare',
    description:
      'The same workload priced on every comparable model, cheapest first. Use for "which model is cheapest", "what if we switched".',
    schema: compareArgs,
    words: (a) => [...split(a.model), ...workloadWords(a)],
  }),
  tool({
    name: 'forecast',
    command: 'forecast',
    description:
      'Month-end Bedrock spend forecast, overall or for one team, against its budget when it has one.',
    schema: teamOnlyArgs,
    words: (a) => (a.team ? ['team', a.team] : []),
  }),
  tool({
    name: 'budget_status',
    command: 'budget',
    description:
      'Budget status: each team budget (or one team) with month-to-date spend, forecast and percent used. Read-only: budgets cannot be changed here.',
    schema: teamOnlyArgs,
    words: (a) => (a.team ? ['status', a.team] : ['status']),
    readOnly: (input) => (input as { action?: string } | undefined)?.action === 'status',
  }),
];

/** The tool of a name, if offered. */
export function findTool(name: string): AssistantTool | undefined {
  return ASSISTANT_TOOLS.find((t) => t.name === name);
}

/** A tool's parameters as the JSON schema Converse takes (`inputSchema.json`). */
export function jsonSchemaOf(t: AssistantTool): Record<string, unknown> {
  const schema = z.toJSONSchema(t.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

/** The Converse `toolConfig.tools` list. */
export function toolSpecs(): Tool[] {
  return ASSISTANT_TOOLS.map((t) => ({
    toolSpec: {
      name: t.name,
      description: t.description,
      inputSchema: { json: jsonSchemaOf(t) as ToolInputSchema.JsonMember['json'] },
    },
  }));
}

/**
 * May `command` run with `input` through `ask`? Commands that mutate only with a tool
 * vouching that this input reads. Defence in depth: no tool builds `budget set` words
 * today, and this keeps it so if a tool is ever added carelessly.
 */
export function isReadOnlyCall(t: AssistantTool, command: AnyCommand, input: unknown): boolean {
  if (!command.mutates) return true;
  return t.readOnly?.(input) === true;
}

/** Drop `null` members: models often send `"team": null` for "no team". */
export function withoutNulls(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null));
}

/** Zod issues as one line the model (and, if it persists, a person) can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

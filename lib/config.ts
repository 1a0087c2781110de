/**
 * The environment, validated once at cold start. A missing or malformed variable fails
 * fast with one line naming it (`ConfigError`), instead of a confusing failure later.
 * Only this module (and `lib/deps.ts`) reads `process.env`; domain code gets a `Config`.
 */
import * as z from 'zod';
import { isKnownTimeZone } from './clock.js';
import { ConfigError } from './errors.js';

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a whole number >= 0' });
        return z.NEVER;
      }
      return n;
    });

const url = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    try {
      const parsed = new URL(v);
      if (!/^https?:$/.test(parsed.protocol)) throw new Error('protocol');
      return v.replace(/\/+$/, '');
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
      return z.NEVER;
    }
  });

export const Config = z.object({
  BEDROCK_COST_NOW: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || !Number.isNaN(Date.parse(v)), {
      message: 'must be an ISO timestamp such as 2026-11-18T06:00:00Z',
    })
    .transform((v) => (v ? v : undefined)),
  BEDROCK_COST_DEMO: flag,
  BEDROCK_COST_TABLE: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')
    .default('bedrock-cost'),
  BEDROCK_COST_DATA_DIR: z.string().min(1).default('.bedrock-cost'),
  /** Cost basis: which Cost Explorer metric answers use. */
  BEDROCK_COST_BASIS: z
    .enum(['unblended', 'amortized', 'net-unblended', 'net-amortized'])
    .default('unblended'),
  /** Hard cap on billed Cost Explorer requests per UTC day (each page is $0.01). */
  BEDROCK_COST_CE_DAILY_CAP: positiveInt(500),
  /** How long a Cost Explorer answer is reused (the bill refreshes up to 3 times a day). */
  BEDROCK_COST_CACHE_TTL_MINUTES: positiveInt(240),
  /** FinOps channel (Slack channel ID) for idle-throughput findings and the overview digest. */
  BEDROCK_COST_FINOPS_CHANNEL: optionalText,
  TEAM_TAG_KEY: z.string().min(1).default('team'),
  AWS_REGION: z.string().default('us-east-1'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_API_URL: url.transform((v) => v ?? 'https://slack.com/api'),
  /** The bot's IDs, so Bolt skips its `auth.test` call on the first event. */
  SLACK_BOT_USER_ID: optionalText,
  SLACK_BOT_ID: optionalText,
  SLACK_TEAM_ID: optionalText,
  /** SSM parameter path holding the secrets when deployed (e.g. `/bedrock-cost/prod`). */
  BEDROCK_COST_SSM_PATH: optionalText,
  TEAMS_WEBHOOK_SECRET: optionalText.refine(
    (v) => v === undefined || /^[A-Za-z0-9+/]+={0,2}$/.test(v),
    'must be the base64 secret Teams shows when the outgoing webhook is created',
  ),
  ADMIN_USER_IDS: optionalText.transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  ),
  ASSISTANT_MODEL_ID: optionalText,
  /** Name of the asynchronous command worker Lambda (set by serverless.yml). */
  COMMAND_WORKER_FUNCTION: optionalText,
  /** Default time zone for teams without one. */
  BEDROCK_COST_DEFAULT_TZ: z
    .string()
    .default('UTC')
    .refine((v) => isKnownTimeZone(v), 'must be an IANA time zone such as Europe/Berlin'),
});
export type Config = z.infer<typeof Config>;

/**
 * Validate an environment. Throws `ConfigError` with one line per bad variable,
 * each naming the variable.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = Config.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    return `${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? null)})`;
  });
  throw new ConfigError(`Invalid environment: ${lines.join('; ')}`);
}

/** Map the friendly cost-basis name to the Cost Explorer metric. */
export function costMetricOf(basis: Config['BEDROCK_COST_BASIS']) {
  return (
    {
      unblended: 'UnblendedCost',
      amortized: 'AmortizedCost',
      'net-unblended': 'NetUnblendedCost',
      'net-amortized': 'NetAmortizedCost',
    } as const
  )[basis];
}

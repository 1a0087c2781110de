/**
 * The environment, validated once at cold start. A missing or malformed variable fails
 * fast with one line naming it (`ConfigError`), instead of a confusing failure later.
 * Only this module (and `lib/deps.ts`) reads `process.env`; domain code gets a `Config`.
 */
import { isKnownTimeZone } from './clock.js';
import { ConfigError } from './errors.js';

// Hand-written checks rather than a schema library: every Lambda validates the
// environment on its cold start, and zod was ~100 KB of the Slack front door's bundle,
// compiled before Slack's 3-second acknowledgement. Messages are the ones zod gave.

/** One bad variable: the message (the variable and its value are added by `loadConfig`). */
class Invalid {
  constructor(readonly message: string) {}
}

/** A variable's check: its raw value (`undefined` when unset) to its typed value. */
type Field<T> = (raw: string | undefined) => T;

const oneOf =
  <const T extends string>(values: readonly T[]) =>
  (raw: string): T => {
    if ((values as readonly string[]).includes(raw)) return raw as T;
    throw new Invalid(`Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join('|')}`);
  };

const FLAG_VALUES = ['0', '1', 'true', 'false', 'yes', 'no', ''] as const;
const flag: Field<boolean> = (raw) => {
  if (raw === undefined) return false;
  const v = oneOf(FLAG_VALUES)(raw);
  return v === '1' || v === 'true' || v === 'yes';
};

const optionalText: Field<string | undefined> = (v) =>
  v === undefined || v.trim() === '' ? undefined : v.trim();

const text =
  (fallback: string, check?: (v: string) => void): Field<string> =>
  (raw) => {
    const v = raw ?? fallback;
    check?.(v);
    return v;
  };

const nonEmpty = (v: string) => {
  if (v.length < 1) throw new Invalid('Too small: expected string to have >=1 characters');
};

const positiveInt =
  (fallback: number): Field<number> =>
  (v) => {
    if (v === undefined || v.trim() === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Invalid('must be a whole number >= 0');
    return n;
  };

const url: Field<string | undefined> = (v) => {
  if (v === undefined || v.trim() === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new Invalid('must be an http(s) URL');
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new Invalid('must be an http(s) URL');
  return v.replace(/\/+$/, '');
};

const COST_BASES = ['unblended', 'amortized', 'net-unblended', 'net-amortized'] as const;

/** Every variable, in the order errors are reported. */
const FIELDS = {
  BEDROCK_COST_NOW: ((v) => {
    if (v !== undefined && v !== '' && Number.isNaN(Date.parse(v))) {
      throw new Invalid('must be an ISO timestamp such as 2026-11-18T06:00:00Z');
    }
    return v ? v : undefined;
  }) as Field<string | undefined>,
  BEDROCK_COST_DEMO: flag,
  BEDROCK_COST_TABLE: text('bedrock-cost', (v) => {
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(v)) throw new Invalid('must be a DynamoDB table name');
  }),
  BEDROCK_COST_DATA_DIR: text('.bedrock-cost', nonEmpty),
  /** Cost basis: which Cost Explorer metric answers use. */
  BEDROCK_COST_BASIS: ((v) => oneOf(COST_BASES)(v ?? 'unblended')) as Field<(typeof COST_BASES)[number]>,
  /**
   * Hard cap on billed Cost Explorer requests per UTC day for the scheduled jobs (the ledger
   * sync; each page is $0.01). Chat has its own cap below, so it can never spend this one.
   */
  BEDROCK_COST_CE_DAILY_CAP: positiveInt(500),
  /** Cost Explorer requests per UTC day for chat questions outside the synced ledger. */
  BEDROCK_COST_CE_CHAT_DAILY_CAP: positiveInt(20),
  /**
   * Requests a day the scheduled ledger syncs aim at: the open window is re-read as often
   * as this allows given the requests one sync takes (never more often than every 4 hours).
   */
  BEDROCK_COST_SYNC_DAILY_REQUESTS: positiveInt(8),
  /**
   * Hours between the alert runs' reads of a team's token metrics (today's nowcast) while the
   * team is more than a peak day from its next threshold; a team within reach is read every run.
   */
  BEDROCK_COST_NOWCAST_HOURS: positiveInt(4),
  /**
   * The ledger is synced by its own scheduled function (`ledger-sync`, as deployed): the alert
   * and digest runs then only read it. Unset (local runs, the CLI), they sync it when due.
   */
  BEDROCK_COST_LEDGER_SYNC_FUNCTION: flag,
  /** The ledger's bill source: Cost Explorer (default) or CUR 2.0 through Athena. */
  BEDROCK_COST_SOURCE: ((v) => oneOf(['cost-explorer', 'cur'] as const)(v ?? 'cost-explorer')) as Field<
    'cost-explorer' | 'cur'
  >,
  /** CUR 2.0 through Athena (`BEDROCK_COST_SOURCE=cur`): workgroup, Glue database and table, results location. */
  BEDROCK_COST_ATHENA_WORKGROUP: text('primary', nonEmpty),
  BEDROCK_COST_ATHENA_DATABASE: optionalText,
  BEDROCK_COST_ATHENA_TABLE: optionalText,
  BEDROCK_COST_ATHENA_OUTPUT: optionalText,
  /** A CUR query that scans more than this many bytes is cancelled (default 10 GB, $0.05 of Athena). */
  BEDROCK_COST_ATHENA_MAX_BYTES: positiveInt(10_000_000_000),
  /** Linked account -> team (`111122223333=search,444455556666=growth`): attribution after tags. */
  BEDROCK_COST_ACCOUNT_TEAMS: ((v) => {
    if (v?.trim().startsWith('{')) {
      try {
        JSON.parse(v);
      } catch {
        throw new Invalid('must be `account=team,...` or a JSON object');
      }
    }
    return v?.trim() ?? '';
  }) as Field<string>,
  /** Cost category whose value is the team (CUR's `cost_category`): the last attribution rule. */
  BEDROCK_COST_TEAM_COST_CATEGORY: optionalText,
  /** How long a Cost Explorer answer is reused (the bill refreshes up to 3 times a day). */
  BEDROCK_COST_CACHE_TTL_MINUTES: positiveInt(240),
  /** FinOps channel (Slack channel ID) for idle-throughput findings and the overview digest. */
  BEDROCK_COST_FINOPS_CHANNEL: optionalText,
  /**
   * Who sees which figures (docs/visibility.md): `open` (default), everyone sees every team;
   * `team`, a person sees the teams they own or belong to (the team's Slack user group or
   * alert channel, its Teams channel), and admins and the FinOps channel see all.
   */
  BEDROCK_COST_VISIBILITY: ((v) => oneOf(['open', 'team'] as const)(v?.trim() || 'open')) as Field<
    'open' | 'team'
  >,
  /**
   * More chat channels that see every team with `BEDROCK_COST_VISIBILITY=team`, besides
   * `BEDROCK_COST_FINOPS_CHANNEL` (comma-separated Slack channel IDs or Teams channel and
   * conversation IDs such as `19:abc@thread.tacv2`).
   */
  BEDROCK_COST_FINOPS_CHANNEL_IDS: ((raw) => [
    ...new Set(
      (optionalText(raw) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]) as Field<string[]>,
  TEAM_TAG_KEY: text('team', nonEmpty),
  AWS_REGION: text('us-east-1'),
  /**
   * More Regions the account uses Bedrock in (comma-separated, e.g. `us-west-2,eu-central-1`):
   * the idle check and today's token estimate read their control plane and CloudWatch too.
   * The bot's own Region is always read.
   */
  BEDROCK_COST_REGIONS: ((raw) => {
    const regions = (optionalText(raw) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const region of regions) {
      if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
        throw new Invalid(
          `"${region}" is not a Region: use a comma-separated list such as us-west-2,eu-central-1`,
        );
      }
    }
    return [...new Set(regions)];
  }) as Field<string[]>,
  /**
   * More hosts Teams webhooks may be on, beyond the Workflows ones (comma-separated:
   * `hooks.example.com`, `*.example.com`; `127.0.0.1` for local runs and tests, which also
   * allows plain http to it). See `lib/reply/outbound.ts`.
   */
  /**
   * Set by `bedrock-cost serve` for its own `/slack/response` stand-in (local runs): a
   * `response_url` under it is allowed like Slack's. Not for deployments.
   */
  BEDROCK_COST_LOCAL_RESPONSE_URL: optionalText,
  BEDROCK_COST_WEBHOOK_HOSTS: ((raw) => {
    const hosts = (optionalText(raw) ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    for (const host of hosts) {
      if (!/^(\*\.)?[a-z0-9.:[\]-]{1,253}$/.test(host)) {
        throw new Invalid(
          `"${host}" is not a host name: use a comma-separated list such as hooks.example.com,*.example.org`,
        );
      }
    }
    return [...new Set(hosts)];
  }) as Field<string[]>,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_API_URL: ((v) => url(v) ?? 'https://slack.com/api') as Field<string>,
  /** The bot's IDs, so Bolt skips its `auth.test` call on the first event. */
  SLACK_BOT_USER_ID: optionalText,
  SLACK_BOT_ID: optionalText,
  SLACK_TEAM_ID: optionalText,
  /** SSM parameter path holding the secrets when deployed (e.g. `/bedrock-cost/prod`). */
  BEDROCK_COST_SSM_PATH: optionalText,
  TEAMS_WEBHOOK_SECRET: ((raw) => {
    const v = optionalText(raw);
    if (v !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
      throw new Invalid('must be the base64 secret Teams shows when the outgoing webhook is created');
    }
    return v;
  }) as Field<string | undefined>,
  /**
   * The Teams bot (Bot Framework protocol at `POST /teams/bot`): its Entra ID app (client) ID,
   * which is also the audience of the tokens the Bot Connector sends, and the app's client
   * secret (from SSM when deployed), used to get tokens for replies.
   */
  TEAMS_APP_ID: optionalText,
  TEAMS_APP_PASSWORD: optionalText,
  /** The Entra tenant of a single-tenant bot app: tokens come from it, and only its activities are served. */
  TEAMS_TENANT_ID: optionalText,
  /** Bot Framework OpenID metadata (tests point it at a local server). */
  BOTFRAMEWORK_OPENID_URL: ((v) =>
    url(v) ?? 'https://login.botframework.com/v1/.well-known/openidconfiguration') as Field<string>,
  /** Entra ID token endpoint for the bot's client-credentials token (default: from TEAMS_TENANT_ID). */
  BOTFRAMEWORK_TOKEN_URL: url,
  /**
   * More Bot Connector hosts (`host[:port]`, comma-separated) a `serviceUrl` may point at,
   * besides `*.botframework.com` and `smba.trafficmanager.net` (tests: the local connector).
   */
  BOTFRAMEWORK_SERVICE_HOSTS: ((raw) =>
    (optionalText(raw) ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)) as Field<string[]>,
  ADMIN_USER_IDS: ((raw) => {
    const v = optionalText(raw);
    return v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  }) as Field<string[]>,
  ASSISTANT_MODEL_ID: optionalText,
  /** Questions one person may `ask` per UTC day. */
  BEDROCK_COST_ASK_DAILY_LIMIT: positiveInt(20),
  /** The assistant's Bedrock budget per UTC day, in US dollars (its tokens at catalog price). */
  BEDROCK_COST_ASK_DAILY_BUDGET_USD: text('5', (v) => {
    if (!/^\d{1,6}(\.\d{1,6})?$/.test(v))
      throw new Invalid('must be an amount of US dollars such as 5 or 2.50');
  }),
  /** Name of the asynchronous command worker Lambda (set by serverless.yml). */
  COMMAND_WORKER_FUNCTION: optionalText,
  /** Default time zone for teams without one. */
  BEDROCK_COST_DEFAULT_TZ: text('UTC', (v) => {
    if (!isKnownTimeZone(v)) throw new Invalid('must be an IANA time zone such as Europe/Berlin');
  }),
} satisfies Record<string, Field<unknown>>;

type Fields = typeof FIELDS;
type OptionalKeys = {
  [K in keyof Fields]: undefined extends ReturnType<Fields[K]> ? K : never;
}[keyof Fields];

/** The validated environment. */
export type Config = { [K in Exclude<keyof Fields, OptionalKeys>]: ReturnType<Fields[K]> } & {
  [K in OptionalKeys]?: Exclude<ReturnType<Fields[K]>, undefined>;
};

/**
 * Validate an environment. Throws `ConfigError` with one line per bad variable,
 * each naming the variable.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const config: Record<string, unknown> = {};
  const lines: string[] = [];
  for (const [name, field] of Object.entries(FIELDS) as [string, Field<unknown>][]) {
    const raw = env[name];
    try {
      const value = field(raw);
      // Like the schema it replaces: an unset optional variable is absent, not `undefined`.
      if (value !== undefined || name in env) config[name] = value;
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      lines.push(`${name}: ${error.message} (got ${JSON.stringify(raw ?? null)})`);
    }
  }
  if (lines.length) throw new ConfigError(`Invalid environment: ${lines.join('; ')}`);
  return config as Config;
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

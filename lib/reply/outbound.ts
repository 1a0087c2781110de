/**
 * Where the bot may send HTTP requests it does not address itself: Teams Workflows
 * webhooks (typed by a person in `budget set ... webhook URL`) and Slack `response_url`s
 * (carried in a request body). Both are URLs someone else chose, so without a check they
 * make the bot a proxy into its own network (server-side request forgery): the instance
 * metadata service at 169.254.169.254, `localhost`, a 10.x admin port.
 *
 * - A webhook must be `https` on an allowed host: the hosts Power Automate / Workflows
 *   hand out (`*.logic.azure.com`, `*.environment.api.powerplatform.com`, and the retiring
 *   Office 365 connectors' `*.webhook.office.com`), plus the operator's own
 *   `BEDROCK_COST_WEBHOOK_HOSTS`. IP literals, `localhost`, private and link-local
 *   addresses are refused unless the operator lists that exact host; link-local (cloud
 *   metadata) is refused even then. Plain `http` only to a loopback host the operator
 *   listed (local runs and tests).
 * - A `response_url` must be `https://hooks.slack.com/...`, or on the host of
 *   `SLACK_API_URL` when that points elsewhere (a local Slack server in tests).
 *
 * Redirects are never followed (see `deliver.ts`): an allowed host answering
 * `307 -> http://127.0.0.1/` would otherwise undo this check.
 */
import { isIP } from 'node:net';

/** Hosts a Teams Workflows (or connector) webhook URL is on, by default. */
export const DEFAULT_WEBHOOK_HOSTS = [
  '*.logic.azure.com',
  '*.environment.api.powerplatform.com',
  '*.webhook.office.com',
] as const;

/** What the policy needs from the configuration. */
export interface OutboundPolicy {
  /** `BEDROCK_COST_WEBHOOK_HOSTS`: extra webhook hosts (`hooks.example.com`, `*.example.com`, `127.0.0.1`). */
  webhookHosts: readonly string[];
  /** `SLACK_API_URL`: its host may serve `response_url`s too (a local Slack server). */
  slackApiUrl: string;
  /** `bedrock-cost serve`'s own stand-in for Slack's `response_url` (local runs only). */
  localResponseUrl?: string;
}

/** The policy of a `Config`. */
export function outboundPolicyOf(config: {
  BEDROCK_COST_WEBHOOK_HOSTS?: readonly string[];
  SLACK_API_URL: string;
  BEDROCK_COST_LOCAL_RESPONSE_URL?: string | undefined;
}): OutboundPolicy {
  return {
    webhookHosts: config.BEDROCK_COST_WEBHOOK_HOSTS ?? [],
    slackApiUrl: config.SLACK_API_URL,
    ...(config.BEDROCK_COST_LOCAL_RESPONSE_URL
      ? { localResponseUrl: config.BEDROCK_COST_LOCAL_RESPONSE_URL }
      : {}),
  };
}

/** The production default: Slack's API, no extra webhook host. */
export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = {
  webhookHosts: [],
  slackApiUrl: 'https://slack.com/api',
};

/** `[::1]` -> `::1`; lower case. */
function bareHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

function ipv4Parts(host: string): number[] | undefined {
  if (isIP(host) !== 4) return undefined;
  return host.split('.').map(Number);
}

/** 169.254.0.0/16, fe80::/10: the instance metadata service and friends. Never allowed. */
function isLinkLocal(host: string): boolean {
  const v4 = ipv4Parts(host) ?? ipv4Parts(host.replace(/^::ffff:/, ''));
  if (v4) return v4[0] === 169 && v4[1] === 254;
  return isIP(host) === 6 && /^fe[89ab]/i.test(host);
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = ipv4Parts(host);
  if (v4) return v4[0] === 127;
  return host === '::1';
}

/** A host pattern matches: exact, or `*.domain` for any name below `domain` (never an IP). */
function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (!p) return false;
  if (p.startsWith('*.')) return isIP(host) === 0 && host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
}

/**
 * Why a webhook URL may not be posted to, or `undefined` when it may. The reason is a
 * sentence for the person who typed it.
 *
 * @example
 * webhookUrlRefusal('https://prod-01.westeurope.logic.azure.com/workflows/abc', policy); // undefined
 * webhookUrlRefusal('https://169.254.169.254/latest/meta-data', policy); // "... link-local ..."
 */
export function webhookUrlRefusal(
  text: string,
  policy: Pick<OutboundPolicy, 'webhookHosts'>,
): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'That is not a URL.';
  }
  const host = bareHost(url);
  if (url.username || url.password) return 'Webhook URLs must not contain a user name or password.';
  if (isLinkLocal(host) || host === '0.0.0.0' || host === '::')
    return `Webhook URLs may not point at ${host} (a link-local or unspecified address).`;
  const listed = policy.webhookHosts.some((p) => hostMatches(host, p));
  const allowed = listed || DEFAULT_WEBHOOK_HOSTS.some((p) => hostMatches(host, p));
  if (url.protocol === 'http:' && listed && isLoopback(host)) return undefined;
  if (url.protocol !== 'https:') return 'Webhook URLs must use https.';
  if (!allowed) {
    const what = isIP(host) ? 'an IP address' : isLoopback(host) ? 'this machine' : host;
    return `Webhook URLs must be on a Teams Workflows host (${DEFAULT_WEBHOOK_HOSTS.join(', ')}), not ${what}; an operator can allow more hosts with BEDROCK_COST_WEBHOOK_HOSTS.`;
  }
  return undefined;
}

/**
 * Whether a Slack `response_url` may be posted to: `https://hooks.slack.com/...`, or a URL
 * on the host (and scheme) of `SLACK_API_URL` when that is not Slack's own.
 */
export function isAllowedResponseUrl(
  text: string,
  policy: Pick<OutboundPolicy, 'slackApiUrl' | 'localResponseUrl'>,
): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (policy.localResponseUrl && text.startsWith(policy.localResponseUrl)) return true;
  if (url.protocol === 'https:' && url.hostname.toLowerCase() === 'hooks.slack.com' && !url.port) return true;
  let api: URL;
  try {
    api = new URL(policy.slackApiUrl);
  } catch {
    return false;
  }
  if (api.hostname.toLowerCase() === 'slack.com') return false;
  return url.protocol === api.protocol && url.host.toLowerCase() === api.host.toLowerCase();
}

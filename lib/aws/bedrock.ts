/**
 * The Bedrock control plane adapter: provisioned throughput (billed per model unit per
 * hour, used or not) and inference profiles (application profiles carry the team tag that
 * cost allocation uses).
 *
 * - Every list follows `nextToken` to the last page: an account with many throughputs or
 *   profiles must not silently lose the ones on page two.
 * - `ListProvisionedModelThroughputs` already returns the commitment and its expiry; a
 *   summary that has a commitment but no expiry is completed with
 *   `GetProvisionedModelThroughput`.
 * - `ListInferenceProfiles` is asked for both types explicitly (the API's default has
 *   varied), and each APPLICATION profile's tags come from `ListTagsForResource`.
 * - AWS failures become `UnavailableError`s whose message names the missing permission or
 *   the throttled call, so the answer can say what is wrong instead of crashing.
 */
import {
  type BedrockClient,
  GetProvisionedModelThroughputCommand,
  type InferenceProfileSummary,
  ListInferenceProfilesCommand,
  ListProvisionedModelThroughputsCommand,
  ListTagsForResourceCommand,
  type ListTagsForResourceCommandOutput,
  type ProvisionedModelSummary,
} from '@aws-sdk/client-bedrock';
import { UnavailableError } from '../errors.js';
import type {
  BedrockControlPlane,
  Commitment,
  InferenceProfile,
  ListInferenceProfilesOptions,
  ProvisionedThroughput,
} from '../ports.js';

/** How many tag look-ups run at once (the control plane throttles bursts at a few TPS). */
const TAG_CONCURRENCY = 4;
/** Safety stop for a paginator that keeps returning the same token. */
const MAX_PAGES = 200;

type SummaryLike = Pick<
  ProvisionedModelSummary,
  | 'provisionedModelArn'
  | 'provisionedModelName'
  | 'modelArn'
  | 'foundationModelArn'
  | 'modelUnits'
  | 'status'
  | 'commitmentDuration'
  | 'commitmentExpirationTime'
  | 'creationTime'
>;

/** `OneMonth` / `SixMonths` / absent (no commitment: deletable at any time). */
export function commitmentOf(duration: string | undefined): Commitment {
  if (duration === 'OneMonth') return '1-month';
  if (duration === 'SixMonths') return '6-month';
  return 'none';
}

const STATUSES = new Set(['Creating', 'InService', 'Updating', 'Failed']);

function toThroughput(summary: SummaryLike): ProvisionedThroughput {
  const status = STATUSES.has(String(summary.status))
    ? (summary.status as ProvisionedThroughput['status'])
    : // An unknown future status is treated like Updating: reported, never called idle.
      'Updating';
  const arn = summary.provisionedModelArn ?? '';
  return {
    arn,
    name: summary.provisionedModelName ?? arn.split('/').pop() ?? arn,
    modelArn: summary.modelArn ?? summary.foundationModelArn ?? '',
    foundationModelArn: summary.foundationModelArn ?? summary.modelArn ?? '',
    modelUnits: summary.modelUnits ?? 0,
    status,
    commitment: commitmentOf(summary.commitmentDuration),
    ...(summary.commitmentExpirationTime
      ? { commitmentExpiresAt: summary.commitmentExpirationTime.toISOString() }
      : {}),
    createdAt: (summary.creationTime ?? new Date(0)).toISOString(),
  };
}

function errorName(error: unknown): string {
  return String((error as { name?: string } | undefined)?.name ?? '');
}

/** Turn an SDK failure into a one-line, user-safe explanation naming the API. */
function toUnavailable(error: unknown, action: string): Error {
  const name = errorName(error);
  if (name === 'AccessDeniedException' || name === 'UnauthorizedException' || name === 'AccessDenied') {
    return new UnavailableError(`Missing AWS permission bedrock:${action} for the bot's role.`, {
      cause: error,
    });
  }
  if (name === 'CredentialsProviderError') {
    return new UnavailableError('No AWS credentials found: configure a profile or role, or try --demo.', {
      cause: error,
    });
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException') {
    return new UnavailableError(`Bedrock is throttling ${action}; try again in a minute.`, { cause: error });
  }
  return new UnavailableError(`Bedrock ${action} failed (${name || 'unknown error'}).`, { cause: error });
}

/**
 * Build the control-plane port on a `BedrockClient` (from `lib/aws/clients.ts`).
 *
 * @example
 * const bedrock = createBedrockControlPlane(clients.bedrock);
 * const throughputs = await bedrock.listProvisionedThroughputs();
 */
export function createBedrockControlPlane(client: BedrockClient): BedrockControlPlane {
  async function getProvisionedThroughput(arnOrId: string): Promise<ProvisionedThroughput | null> {
    try {
      const out = await client.send(
        new GetProvisionedModelThroughputCommand({ provisionedModelId: arnOrId }),
      );
      return toThroughput(out);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return null;
      throw toUnavailable(error, 'GetProvisionedModelThroughput');
    }
  }

  async function listProvisionedThroughputs(): Promise<ProvisionedThroughput[]> {
    const summaries: ProvisionedModelSummary[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    try {
      do {
        const out = await client.send(
          new ListProvisionedModelThroughputsCommand({ maxResults: 100, nextToken }),
        );
        summaries.push(...(out.provisionedModelSummaries ?? []));
        nextToken = out.nextToken || undefined;
        pages += 1;
      } while (nextToken && pages < MAX_PAGES);
    } catch (error) {
      throw toUnavailable(error, 'ListProvisionedModelThroughputs');
    }
    const throughputs = summaries.filter((s) => s.provisionedModelArn).map(toThroughput);
    // A commitment without its end date cannot be advised on ("ends on DATE"): ask for it.
    return Promise.all(
      throughputs.map(async (t) => {
        if (t.commitment === 'none' || t.commitmentExpiresAt) return t;
        const full = await getProvisionedThroughput(t.arn).catch(() => null);
        return full?.commitmentExpiresAt ? { ...t, commitmentExpiresAt: full.commitmentExpiresAt } : t;
      }),
    );
  }

  async function listProfiles(type: 'SYSTEM_DEFINED' | 'APPLICATION'): Promise<InferenceProfileSummary[]> {
    const all: InferenceProfileSummary[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(
        new ListInferenceProfilesCommand({ maxResults: 1000, nextToken, typeEquals: type }),
      );
      all.push(...(out.inferenceProfileSummaries ?? []));
      nextToken = out.nextToken || undefined;
      pages += 1;
    } while (nextToken && pages < MAX_PAGES);
    return all;
  }

  async function tagsOf(arn: string): Promise<Record<string, string>> {
    let out: ListTagsForResourceCommandOutput;
    try {
      out = await client.send(new ListTagsForResourceCommand({ resourceARN: arn }));
    } catch (error) {
      // Deleted between the list and this call: it has no tags left to attribute.
      if (errorName(error) === 'ResourceNotFoundException') return {};
      throw error;
    }
    return Object.fromEntries(
      (out.tags ?? []).filter((t) => t.key).map((t) => [t.key as string, t.value ?? '']),
    );
  }

  async function listInferenceProfiles(
    options: ListInferenceProfilesOptions = {},
  ): Promise<InferenceProfile[]> {
    let summaries: InferenceProfileSummary[];
    try {
      const [system, application] = await Promise.all([
        listProfiles('SYSTEM_DEFINED'),
        listProfiles('APPLICATION'),
      ]);
      summaries = [...system, ...application];
    } catch (error) {
      throw toUnavailable(error, 'ListInferenceProfiles');
    }
    const seen = new Set<string>();
    const profiles: InferenceProfile[] = [];
    for (const s of summaries) {
      const arn = s.inferenceProfileArn ?? '';
      if (!arn || seen.has(arn)) continue;
      seen.add(arn);
      profiles.push({
        id: s.inferenceProfileId ?? arn.split('/').pop() ?? arn,
        arn,
        name: s.inferenceProfileName ?? s.inferenceProfileId ?? arn,
        type: s.type === 'APPLICATION' ? 'APPLICATION' : 'SYSTEM_DEFINED',
        modelArns: (s.models ?? []).map((m) => m.modelArn ?? '').filter(Boolean),
        tags: {},
      });
    }
    // Only application profiles carry user tags (system profiles are AWS-owned).
    const tagged = profiles.filter((p) => {
      if (p.type !== 'APPLICATION') return false;
      const known = options.knownTags?.get(p.arn);
      if (known) p.tags = { ...known };
      return !known;
    });
    // A pool, not batches: each worker takes the next profile as soon as its call returns,
    // so one slow answer does not hold up the other three (at 10,000 profiles, batches of
    // four waited on their slowest call 2,500 times).
    let next = 0;
    let failed = false;
    try {
      await Promise.all(
        Array.from({ length: Math.min(TAG_CONCURRENCY, tagged.length) }, async () => {
          while (!failed && next < tagged.length) {
            const p = tagged[next++]!;
            try {
              p.tags = await tagsOf(p.arn);
            } catch (error) {
              failed = true;
              throw error;
            }
          }
        }),
      );
    } catch (error) {
      throw toUnavailable(error, 'ListTagsForResource');
    }
    return profiles;
  }

  return { listProvisionedThroughputs, getProvisionedThroughput, listInferenceProfiles };
}

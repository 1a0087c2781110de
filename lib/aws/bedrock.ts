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
 *   varied). APPLICATION profiles carry the team tag: a handful are read one at a time
 *   (`ListTagsForResource`); many (one profile per team, 10,000 teams) are read in pages of
 *   100 through the Resource Groups Tagging API (`GetResources`), falling back to one call
 *   per profile when that API is denied or fails.
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
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { UnavailableError } from '../errors.js';
import { mapPool } from '../pool.js';
import type {
  BedrockControlPlane,
  Commitment,
  ControlPlaneOperation,
  InferenceProfile,
  ListInferenceProfilesOptions,
  ListProvisionedThroughputsOptions,
  ProvisionedThroughput,
} from '../ports.js';

/** How many tag look-ups run at once (the control plane throttles bursts at a few TPS). */
const TAG_CONCURRENCY = 4;
/** Safety stop for a paginator that keeps returning the same token. */
const MAX_PAGES = 200;
/**
 * Above this many profiles whose tags are unknown, tags are read in pages of 100
 * (`GetResources`) rather than one `ListTagsForResource` call each.
 */
export const BULK_TAG_THRESHOLD = 20;
/** The Resource Groups Tagging API's name for application inference profiles. */
export const APPLICATION_PROFILE_RESOURCE_TYPE = 'bedrock:application-inference-profile';
/** `GetResources` page size (the API's maximum) and page cap (1,000 pages = 100,000 profiles). */
const TAG_PAGE_SIZE = 100;
const MAX_TAG_PAGES = 1000;

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

type Report = (operation: ControlPlaneOperation, count: number) => void;

/** One throughput with its commitment's expiry; `null` when it does not exist. */
async function getProvisionedThroughput(
  client: BedrockClient,
  arnOrId: string,
): Promise<ProvisionedThroughput | null> {
  try {
    const out = await client.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: arnOrId }));
    return toThroughput(out);
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return null;
    throw toUnavailable(error, 'GetProvisionedModelThroughput');
  }
}

/** Every page of `ListProvisionedModelThroughputs`. */
async function listThroughputSummaries(
  client: BedrockClient,
  report: Report,
): Promise<ProvisionedModelSummary[]> {
  const summaries: ProvisionedModelSummary[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      report('ListProvisionedModelThroughputs', 1);
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
  return summaries;
}

async function listProvisionedThroughputs(
  client: BedrockClient,
  options: ListProvisionedThroughputsOptions = {},
): Promise<ProvisionedThroughput[]> {
  const report = options.onRequests ?? (() => {});
  const summaries = await listThroughputSummaries(client, report);
  const throughputs = summaries.filter((s) => s.provisionedModelArn).map(toThroughput);
  // A commitment without its end date cannot be advised on ("ends on DATE"): ask for it.
  // Tags name the owning team; a throughput whose tags cannot be read (no permission,
  // throttled) is still reported, just without them.
  return mapPool(throughputs, TAG_CONCURRENCY, async (t) => {
    let full = t;
    if (t.commitment !== 'none' && !t.commitmentExpiresAt) {
      const fetched = await getProvisionedThroughput(client, t.arn).catch(() => null);
      if (fetched?.commitmentExpiresAt) full = { ...t, commitmentExpiresAt: fetched.commitmentExpiresAt };
    }
    if (options.tags === false) return full;
    report('ListTagsForResource', 1);
    const tags = await tagsOf(client, t.arn).catch(() => undefined);
    return tags ? { ...full, tags } : full;
  });
}

async function listProfiles(
  client: BedrockClient,
  type: 'SYSTEM_DEFINED' | 'APPLICATION',
  report: Report,
): Promise<InferenceProfileSummary[]> {
  const all: InferenceProfileSummary[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const out = await client.send(
      new ListInferenceProfilesCommand({ maxResults: 1000, nextToken, typeEquals: type }),
    );
    report('ListInferenceProfiles', 1);
    all.push(...(out.inferenceProfileSummaries ?? []));
    nextToken = out.nextToken || undefined;
    pages += 1;
  } while (nextToken && pages < MAX_PAGES);
  return all;
}

/**
 * Every tagged application profile's tags, by ARN, in pages of 100; `null` when the
 * Tagging API is not configured, denied or failing (the caller then reads profile by
 * profile). Profiles never tagged are absent from the answer: they have no tags.
 */
async function tagsInBulk(
  tagging: ResourceGroupsTaggingAPIClient | undefined,
  report: Report,
): Promise<Map<string, Record<string, string>> | null> {
  if (!tagging) return null;
  const byArn = new Map<string, Record<string, string>>();
  let token: string | undefined;
  let pages = 0;
  try {
    do {
      report('GetResources', 1);
      const out = await tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: [APPLICATION_PROFILE_RESOURCE_TYPE],
          ResourcesPerPage: TAG_PAGE_SIZE,
          ...(token ? { PaginationToken: token } : {}),
        }),
      );
      for (const mapping of out.ResourceTagMappingList ?? []) {
        if (!mapping.ResourceARN) continue;
        byArn.set(
          mapping.ResourceARN,
          Object.fromEntries(
            (mapping.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']),
          ),
        );
      }
      token = out.PaginationToken || undefined;
      pages += 1;
    } while (token && pages < MAX_TAG_PAGES);
  } catch {
    return null;
  }
  return byArn;
}

async function tagsOf(client: BedrockClient, arn: string): Promise<Record<string, string>> {
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

/** Summaries as profiles (once each, by ARN), their tags still to read. */
function toProfiles(summaries: InferenceProfileSummary[]): InferenceProfile[] {
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
  return profiles;
}

/**
 * Give application profiles their tags (system profiles are AWS-owned and carry none): the
 * known ones as given, many at once in pages of 100, else one call per profile.
 */
async function readProfileTags(
  client: BedrockClient,
  tagging: ResourceGroupsTaggingAPIClient | undefined,
  profiles: InferenceProfile[],
  options: ListInferenceProfilesOptions,
  report: Report,
): Promise<void> {
  let tagged = profiles.filter((p) => {
    if (p.type !== 'APPLICATION') return false;
    const known = options.knownTags?.get(p.arn);
    if (known) p.tags = { ...known };
    return !known;
  });
  if (tagged.length > BULK_TAG_THRESHOLD) {
    const byArn = await tagsInBulk(tagging, report);
    // A page listing none of them (say, a Region where the Tagging API does not know the
    // resource type yet) is not trusted: they are read one by one instead.
    if (byArn && tagged.some((p) => byArn.has(p.arn))) {
      for (const p of tagged) p.tags = { ...(byArn.get(p.arn) ?? {}) };
      tagged = [];
    }
  }
  try {
    await mapPool(
      tagged,
      TAG_CONCURRENCY,
      async (p) => {
        report('ListTagsForResource', 1);
        p.tags = await tagsOf(client, p.arn);
      },
      { stopOnError: true },
    );
  } catch (error) {
    throw toUnavailable(error, 'ListTagsForResource');
  }
}

async function listInferenceProfiles(
  client: BedrockClient,
  tagging: ResourceGroupsTaggingAPIClient | undefined,
  options: ListInferenceProfilesOptions = {},
): Promise<InferenceProfile[]> {
  const report = options.onRequests ?? (() => {});
  let summaries: InferenceProfileSummary[];
  try {
    const [system, application] = await Promise.all([
      listProfiles(client, 'SYSTEM_DEFINED', report),
      listProfiles(client, 'APPLICATION', report),
    ]);
    summaries = [...system, ...application];
  } catch (error) {
    throw toUnavailable(error, 'ListInferenceProfiles');
  }
  const profiles = toProfiles(summaries);
  await readProfileTags(client, tagging, profiles, options, report);
  return profiles;
}

/**
 * Build the control-plane port on a `BedrockClient` (from `lib/aws/clients.ts`).
 *
 * @example
 * const bedrock = createBedrockControlPlane(clients.bedrock);
 * const throughputs = await bedrock.listProvisionedThroughputs();
 */
export function createBedrockControlPlane(
  client: BedrockClient,
  options: { tagging?: ResourceGroupsTaggingAPIClient } = {},
): BedrockControlPlane {
  const { tagging } = options;
  return {
    listProvisionedThroughputs: (o) => listProvisionedThroughputs(client, o),
    getProvisionedThroughput: (arnOrId) => getProvisionedThroughput(client, arnOrId),
    listInferenceProfiles: (o) => listInferenceProfiles(client, tagging, o),
  };
}

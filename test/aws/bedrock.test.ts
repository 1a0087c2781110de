import { BedrockClient } from '@aws-sdk/client-bedrock';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLICATION_PROFILE_RESOURCE_TYPE,
  BULK_TAG_THRESHOLD,
  createBedrockControlPlane,
} from '../../lib/aws/bedrock.js';
import type { ControlPlaneOperation } from '../../lib/ports.js';
import { type AwsServer, awsError, paged, startAwsServer } from '../support/aws-server.js';

const REGION_ARN = 'arn:aws:bedrock:us-east-1:123456789012';

function summary(id: string, extra: Record<string, unknown> = {}) {
  return {
    provisionedModelName: `pt-${id}`,
    provisionedModelArn: `${REGION_ARN}:provisioned-model/${id}`,
    modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
    desiredModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
    foundationModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
    modelUnits: 1,
    desiredModelUnits: 1,
    status: 'InService',
    creationTime: '2026-11-01T10:00:00Z',
    lastModifiedTime: '2026-11-01T10:00:00Z',
    ...extra,
  };
}

describe('createBedrockControlPlane at the wire', () => {
  let aws: AwsServer;
  let client: BedrockClient;
  beforeAll(async () => {
    aws = await startAwsServer();
    client = new BedrockClient(aws.clientConfig({ maxAttempts: 2 }));
  });
  afterAll(async () => {
    client.destroy();
    await aws.close();
  });
  afterEach(() => {
    aws.requests.length = 0;
  });

  it('lists provisioned throughputs across every page with commitment, expiry and model', async () => {
    aws.handle(
      'ListProvisionedModelThroughputs',
      paged(
        [
          {
            provisionedModelSummaries: [
              summary('a1'),
              summary('a2', {
                commitmentDuration: 'OneMonth',
                commitmentExpirationTime: '2026-12-10T08:00:00Z',
              }),
            ],
          },
          { provisionedModelSummaries: [summary('b1', { status: 'Creating', modelUnits: 2 })] },
          {
            provisionedModelSummaries: [
              summary('c1', {
                commitmentDuration: 'SixMonths',
                commitmentExpirationTime: '2027-02-01T00:00:00Z',
                modelArn: `${REGION_ARN}:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/q3w8e1r6t9y2`,
                foundationModelArn:
                  'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-8b-instruct-v1:0',
              }),
            ],
          },
        ],
        'nextToken',
      ),
    );
    const list = await createBedrockControlPlane(client).listProvisionedThroughputs();
    expect(aws.count('ListProvisionedModelThroughputs')).toBe(3);
    expect(list.map((t) => t.name)).toEqual(['pt-a1', 'pt-a2', 'pt-b1', 'pt-c1']);
    expect(list[0]).toMatchObject({ commitment: 'none', status: 'InService', modelUnits: 1 });
    expect(list[0]?.commitmentExpiresAt).toBeUndefined();
    expect(list[1]).toMatchObject({ commitment: '1-month', commitmentExpiresAt: '2026-12-10T08:00:00.000Z' });
    expect(list[2]).toMatchObject({ status: 'Creating', modelUnits: 2 });
    expect(list[3]).toMatchObject({
      commitment: '6-month',
      commitmentExpiresAt: '2027-02-01T00:00:00.000Z',
      modelArn: `${REGION_ARN}:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/q3w8e1r6t9y2`,
      foundationModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-8b-instruct-v1:0',
      createdAt: '2026-11-01T10:00:00.000Z',
    });
  });

  it('completes a commitment without an expiry from GetProvisionedModelThroughput', async () => {
    aws.handle('ListProvisionedModelThroughputs', {
      provisionedModelSummaries: [summary('d1', { commitmentDuration: 'SixMonths' })],
    });
    aws.handle('GetProvisionedModelThroughput', (input: { provisionedModelId: string }) =>
      input.provisionedModelId.endsWith('/d1')
        ? {
            ...summary('d1', {
              commitmentDuration: 'SixMonths',
              commitmentExpirationTime: '2027-03-01T00:00:00Z',
            }),
          }
        : awsError('ResourceNotFoundException', 'not found', 404),
    );
    const [t] = await createBedrockControlPlane(client).listProvisionedThroughputs();
    expect(t?.commitmentExpiresAt).toBe('2027-03-01T00:00:00.000Z');
    expect(aws.count('GetProvisionedModelThroughput')).toBe(1);
  });

  it('answers null for a throughput deleted since it was listed', async () => {
    aws.handle(
      'GetProvisionedModelThroughput',
      awsError('ResourceNotFoundException', 'Provisioned model not found', 404),
    );
    const bedrock = createBedrockControlPlane(client);
    await expect(
      bedrock.getProvisionedThroughput?.(`${REGION_ARN}:provisioned-model/gone`),
    ).resolves.toBeNull();
  });

  it('names the missing permission instead of failing obscurely', async () => {
    aws.handle(
      'ListProvisionedModelThroughputs',
      awsError(
        'AccessDeniedException',
        'User is not authorized to perform: bedrock:ListProvisionedModelThroughputs',
        403,
      ),
    );
    await expect(createBedrockControlPlane(client).listProvisionedThroughputs()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('bedrock:ListProvisionedModelThroughputs'),
    });
  });

  it('reports throttling after the SDK retries are spent', async () => {
    aws.handle('ListProvisionedModelThroughputs', awsError('ThrottlingException', 'Rate exceeded', 429));
    await expect(createBedrockControlPlane(client).listProvisionedThroughputs()).rejects.toMatchObject({
      message: expect.stringContaining('throttling'),
    });
    expect(aws.count('ListProvisionedModelThroughputs')).toBe(2);
  });

  it('lists system and application inference profiles on every page, with application tags', async () => {
    const profile = (id: string, type: string) => ({
      inferenceProfileName: `profile ${id}`,
      inferenceProfileArn: `${REGION_ARN}:${type === 'APPLICATION' ? 'application-inference-profile' : 'inference-profile'}/${id}`,
      inferenceProfileId: id,
      status: 'ACTIVE',
      type,
      models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' }],
    });
    const system = paged(
      [
        { inferenceProfileSummaries: [profile('us.amazon.nova-lite-v1:0', 'SYSTEM_DEFINED')] },
        { inferenceProfileSummaries: [profile('us.amazon.nova-pro-v1:0', 'SYSTEM_DEFINED')] },
      ],
      'nextToken',
    );
    const application = paged(
      [
        { inferenceProfileSummaries: [profile('app1search', 'APPLICATION')] },
        { inferenceProfileSummaries: [profile('app2gone', 'APPLICATION')] },
      ],
      'nextToken',
    );
    aws.handle('ListInferenceProfiles', (input: { typeEquals?: string }, request) =>
      input.typeEquals === 'APPLICATION' ? application(input, request) : system(input, request),
    );
    aws.handle('Bedrock.ListTagsForResource', (input: { resourceARN: string }) =>
      input.resourceARN.endsWith('app1search')
        ? {
            tags: [
              { key: 'team', value: 'search' },
              { key: 'env', value: 'prod' },
            ],
          }
        : awsError('ResourceNotFoundException', 'gone', 404),
    );
    const profiles = await createBedrockControlPlane(client).listInferenceProfiles();
    expect(profiles.map((p) => [p.id, p.type])).toEqual([
      ['us.amazon.nova-lite-v1:0', 'SYSTEM_DEFINED'],
      ['us.amazon.nova-pro-v1:0', 'SYSTEM_DEFINED'],
      ['app1search', 'APPLICATION'],
      ['app2gone', 'APPLICATION'],
    ]);
    expect(profiles[2]?.tags).toEqual({ team: 'search', env: 'prod' });
    expect(profiles[3]?.tags).toEqual({});
    expect(profiles[0]?.modelArns).toEqual([
      'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
    ]);
    // Tags are only asked for application profiles (system profiles are AWS-owned).
    expect(aws.requestsTo('Bedrock.ListTagsForResource').map((r) => r.input.resourceARN)).toEqual([
      `${REGION_ARN}:application-inference-profile/app1search`,
      `${REGION_ARN}:application-inference-profile/app2gone`,
    ]);
    expect(
      aws
        .requestsTo('ListInferenceProfiles')
        .map((r) => r.input.typeEquals)
        .sort(),
    ).toEqual(['APPLICATION', 'APPLICATION', 'SYSTEM_DEFINED', 'SYSTEM_DEFINED']);
  });

  describe('many application profiles (one per team)', () => {
    const TEAMS = Array.from({ length: 250 }, (_, i) => `team-${String(i).padStart(3, '0')}`);
    const arnOf = (team: string) => `${REGION_ARN}:application-inference-profile/p-${team}`;
    /** Tagged in AWS: every team but the last one (never tagged, so GetResources omits it). */
    const tagged = TEAMS.slice(0, -1);
    let tagging: ResourceGroupsTaggingAPIClient;

    beforeAll(() => {
      tagging = new ResourceGroupsTaggingAPIClient(aws.clientConfig({ maxAttempts: 2 }));
    });
    afterEach(() => {
      aws.handle('GetResources', awsError('UnknownOperationException', 'no fixture'));
    });

    function serveProfiles() {
      aws.handle('ListInferenceProfiles', (input: { typeEquals?: string }) => ({
        inferenceProfileSummaries:
          input.typeEquals === 'APPLICATION'
            ? TEAMS.map((team) => ({
                inferenceProfileName: `${team}-sonnet`,
                inferenceProfileArn: arnOf(team),
                inferenceProfileId: `p-${team}`,
                status: 'ACTIVE',
                type: 'APPLICATION',
                models: [{ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' }],
              }))
            : [],
      }));
      aws.handle('Bedrock.ListTagsForResource', (input: { resourceARN: string }) => {
        const team = input.resourceARN.split('/p-')[1] ?? '';
        return { tags: tagged.includes(team) ? [{ key: 'team', value: team }] : [] };
      });
    }

    /** GetResources over `tagged` in pages of `ResourcesPerPage`, with an unrelated resource type mixed in. */
    function serveTagging() {
      aws.handle(
        'GetResources',
        (input: { ResourceTypeFilters?: string[]; ResourcesPerPage?: number; PaginationToken?: string }) => {
          const size = input.ResourcesPerPage ?? 50;
          const from = input.PaginationToken ? Number(input.PaginationToken) : 0;
          const page = tagged.slice(from, from + size).map((team) => ({
            ResourceARN: arnOf(team),
            Tags: [
              { Key: 'team', Value: team },
              { Key: 'env', Value: 'prod' },
            ],
          }));
          return {
            ResourceTagMappingList: page,
            PaginationToken: from + size < tagged.length ? String(from + size) : '',
          };
        },
      );
    }

    it('reads their tags in pages of 100 through the Tagging API, not one call each', async () => {
      serveProfiles();
      serveTagging();
      const before = aws.count('Bedrock.ListTagsForResource');
      const reported = new Map<ControlPlaneOperation, number>();
      const profiles = await createBedrockControlPlane(client, { tagging }).listInferenceProfiles({
        onRequests: (operation, count) => reported.set(operation, (reported.get(operation) ?? 0) + count),
      });
      expect(profiles).toHaveLength(TEAMS.length);
      expect(profiles.find((p) => p.arn === arnOf('team-007'))?.tags).toEqual({
        team: 'team-007',
        env: 'prod',
      });
      expect(profiles.find((p) => p.arn === arnOf('team-249'))?.tags).toEqual({});
      expect(new Set(profiles.map((p) => p.tags.team).filter(Boolean)).size).toBe(tagged.length);
      const pages = aws.requestsTo('Tagging.GetResources');
      expect(pages).toHaveLength(3);
      expect(pages[0]?.input).toMatchObject({
        ResourceTypeFilters: [APPLICATION_PROFILE_RESOURCE_TYPE],
        ResourcesPerPage: 100,
      });
      expect(aws.count('Bedrock.ListTagsForResource') - before).toBe(0);
      // The ledger is told what was really asked: 2 listings (one per type) and 3 tag pages.
      expect(Object.fromEntries(reported)).toEqual({ ListInferenceProfiles: 2, GetResources: 3 });
    });

    it('falls back to one call per profile when the role may not call GetResources', async () => {
      serveProfiles();
      aws.handle('GetResources', awsError('AccessDeniedException', 'not authorized: tag:GetResources', 400));
      const before = aws.count('Bedrock.ListTagsForResource');
      const profiles = await createBedrockControlPlane(client, { tagging }).listInferenceProfiles();
      expect(profiles.find((p) => p.arn === arnOf('team-100'))?.tags).toEqual({ team: 'team-100' });
      expect(profiles.find((p) => p.arn === arnOf('team-249'))?.tags).toEqual({});
      expect(aws.count('Bedrock.ListTagsForResource') - before).toBe(TEAMS.length);
    });

    it('does not trust a Tagging API answer that lists none of the profiles', async () => {
      serveProfiles();
      aws.handle('GetResources', { ResourceTagMappingList: [], PaginationToken: '' });
      const before = aws.count('Bedrock.ListTagsForResource');
      const profiles = await createBedrockControlPlane(client, { tagging }).listInferenceProfiles();
      expect(profiles.find((p) => p.arn === arnOf('team-042'))?.tags).toEqual({ team: 'team-042' });
      expect(aws.count('Bedrock.ListTagsForResource') - before).toBe(TEAMS.length);
    });

    it('reads a few unknown profiles one by one and reuses the known ones', async () => {
      serveProfiles();
      serveTagging();
      const known = new Map(
        TEAMS.slice(0, TEAMS.length - BULK_TAG_THRESHOLD).map((team) => [
          arnOf(team),
          { team: `${team}-cached` },
        ]),
      );
      const tagsBefore = aws.count('Bedrock.ListTagsForResource');
      const pagesBefore = aws.count('Tagging.GetResources');
      const profiles = await createBedrockControlPlane(client, { tagging }).listInferenceProfiles({
        knownTags: known,
      });
      expect(profiles.find((p) => p.arn === arnOf('team-000'))?.tags).toEqual({ team: 'team-000-cached' });
      expect(profiles.find((p) => p.arn === arnOf('team-240'))?.tags).toEqual({ team: 'team-240' });
      expect(aws.count('Bedrock.ListTagsForResource') - tagsBefore).toBe(BULK_TAG_THRESHOLD);
      expect(aws.count('Tagging.GetResources') - pagesBefore).toBe(0);
    });
  });
});

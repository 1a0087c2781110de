import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getParametersByPath, invokeEvent, signV4 } from '../../lib/aws/aws-lite.js';
import { lambdaWorkerInvoker } from '../../lib/chat/worker.js';
import { loadConfig } from '../../lib/config.js';
import { withSecretsLite } from '../../lib/lambda/runtime.js';
import { type AwsServer, awsError, startAwsServer } from '../support/aws-server.js';
import { startWebhookServer, type WebhookServer } from '../support/slack-server.js';

/** The SDK signer's hash interface, over node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'tok',
};

describe('signV4', () => {
  it('signs exactly like the AWS SDK signer', async () => {
    const now = new Date('2026-11-18T06:00:00Z');
    const url = new URL(
      'https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/bedrock-cost-prod-command-worker/invocations',
    );
    const body = JSON.stringify({ kind: 'command', text: 'why last week · public' });
    const ours = signV4({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
      body,
      service: 'lambda',
      region: 'eu-west-1',
      credentials,
      now,
    });
    const sdk = new SignatureV4({
      service: 'lambda',
      region: 'eu-west-1',
      credentials,
      sha256: Sha256 as never,
      applyChecksum: false,
    });
    const theirs = await sdk.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: url.hostname,
        path: url.pathname,
        headers: { host: url.host, 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
        body,
      },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(theirs.headers.authorization);
    expect(ours['x-amz-security-token']).toBe('tok');
  });
});

describe('AWS calls without the SDK', () => {
  let aws: AwsServer;
  let lambda: WebhookServer;
  beforeAll(async () => {
    [aws, lambda] = await Promise.all([
      startAwsServer({
        GetParametersByPath: (input: { Path: string; NextToken?: string }) =>
          input.Path !== '/bedrock-cost/prod'
            ? awsError('AccessDeniedException', 'not allowed', 400)
            : input.NextToken
              ? { Parameters: [{ Name: '/bedrock-cost/prod/teams-webhook-secret', Value: 'c2VjcmV0' }] }
              : {
                  Parameters: [
                    { Name: '/bedrock-cost/prod/slack-signing-secret', Value: 'from-ssm' },
                    { Name: '/bedrock-cost/prod/slack-bot-token', Value: 'xoxb-from-ssm' },
                  ],
                  NextToken: 'page-2',
                },
      }),
      startWebhookServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([aws?.close(), lambda?.close()]);
  });

  it('reads every page of SSM parameters, decrypted, by their last name segment', async () => {
    const env = { AWS_ENDPOINT_URL_SSM: aws.endpoint };
    const values = await getParametersByPath('/bedrock-cost/prod', { region: 'us-east-1', credentials, env });
    expect(values).toEqual({
      'slack-signing-secret': 'from-ssm',
      'slack-bot-token': 'xoxb-from-ssm',
      'teams-webhook-secret': 'c2VjcmV0',
    });
    const request = aws.requests.find((r) => r.operation === 'GetParametersByPath');
    expect(request?.input).toMatchObject({ Path: '/bedrock-cost/prod', WithDecryption: true });
    expect(request?.signingName).toBe('ssm');
  });

  it('fills the config secrets from SSM for the chat front doors', async () => {
    const config = loadConfig({
      BEDROCK_COST_SSM_PATH: '/bedrock-cost/prod/',
      SLACK_SIGNING_SECRET: 'from-env',
    });
    const env = {
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const filled = await withSecretsLite(config, env);
    expect(filled.SLACK_SIGNING_SECRET).toBe('from-ssm');
    expect(filled.SLACK_BOT_TOKEN).toBe('xoxb-from-ssm');
    expect(filled.TEAMS_WEBHOOK_SECRET).toBe('c2VjcmV0');
  });

  it('surfaces SSM errors by code', async () => {
    const env = { AWS_ENDPOINT_URL_SSM: aws.endpoint };
    await expect(
      getParametersByPath('/other', { region: 'us-east-1', credentials, env }),
    ).rejects.toMatchObject({
      code: 'AccessDeniedException',
    });
  });

  it('invokes the worker asynchronously (InvocationType Event)', async () => {
    const env = {
      AWS_ENDPOINT_URL_LAMBDA: lambda.base,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const invoke = lambdaWorkerInvoker('bedrock-cost-prod-command-worker', 'us-east-1', env);
    const job = {
      kind: 'command' as const,
      id: 'k1',
      text: 'why last week',
      caller: { platform: 'slack' as const, userId: 'U1', isAdmin: false },
      replyTo: { kind: 'slack-response-url' as const, url: 'https://hooks.slack.com/x' },
    };
    await invoke(job);
    const post = lambda.posts[0];
    expect(post?.path).toBe('/2015-03-31/functions/bedrock-cost-prod-command-worker/invocations');
    expect(post?.headers['x-amz-invocation-type']).toBe('Event');
    expect(post?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/lambda\/aws4_request/,
    );
    expect(post?.body).toEqual(job);
  });

  it('fails when Lambda does not queue the event', async () => {
    lambda.failNext({ status: 429, body: '{"__type":"TooManyRequestsException","message":"Rate exceeded"}' });
    await expect(
      invokeEvent(
        'w',
        {},
        { region: 'us-east-1', credentials, env: { AWS_ENDPOINT_URL_LAMBDA: lambda.base } },
      ),
    ).rejects.toMatchObject({ code: 'TooManyRequestsException', status: 429 });
  });
});

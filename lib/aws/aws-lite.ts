/**
 * Two AWS calls for the chat front doors, signed by hand (SigV4 with `node:crypto`):
 * SSM `GetParametersByPath` (the secrets, once per cold start) and Lambda `Invoke` with
 * `InvocationType: Event` (handing a slow command to the worker).
 *
 * Why not the SDK clients: the slack-events function must acknowledge within Slack's 3
 * seconds from a cold start, and its bundle must stay small. `@aws-sdk/client-ssm` (via
 * Powertools) and `@aws-sdk/client-lambda` add about 320 KB of code to parse for two
 * requests whose wire format is a few lines. In Lambda the execution role's credentials
 * are in the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`); the IAM actions are the same as the SDK's
 * (`ssm:GetParametersByPath` + `kms:Decrypt`, `lambda:InvokeFunction`).
 * `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL` are honoured,
 * like the SDK, so tests reach local servers.
 */
import { createHash, createHmac } from 'node:crypto';
import { type BotFetch, botFetch } from './http-client.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

type Env = Record<string, string | undefined>;

/** Credentials from the environment (always set in Lambda), or undefined. */
export function credentialsFromEnv(env: Env = process.env): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** The service endpoint, with the SDK's environment overrides. */
export function endpointFor(service: 'ssm' | 'lambda', region: string, env: Env = process.env): string {
  const override = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? env.AWS_ENDPOINT_URL;
  return (override ?? `https://${service}.${region}.amazonaws.com`).replace(/\/+$/, '');
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: AwsCredentials;
  now: Date;
}

/**
 * Sign a request with AWS Signature Version 4; returns the headers to send.
 *
 * Hand-written rather than `@smithy/signature-v4`: that package bundles to 140 KB of
 * minified code (esbuild, node22 ESM, measured 2026-12-04), almost as much again as all the
 * code the slack-events front door loads at start (172 KB), for the 40 lines below. Its
 * signatures are checked against `@smithy/signature-v4`'s in `test/aws/aws-lite.test.ts`.
 *
 * @example
 * const headers = signV4({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body,
 *   service: 'lambda', region: 'us-east-1', credentials, now: new Date() });
 */
export function signV4(input: SignInput): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v])),
    host: input.url.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  // Non-S3 services sign the path with each segment encoded twice.
  const path = input.url.pathname
    .split('/')
    .map((segment) => encode(encode(decodeURIComponent(segment))))
    .join('/');
  const query = [...input.url.searchParams.entries()]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const canonical = [
    input.method,
    path || '/',
    query,
    ...names.map((n) => `${n}:${String(headers[n]).trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    sha256(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  delete headers.host;
  return headers;
}

export interface AwsLiteOptions {
  region: string;
  credentials: AwsCredentials;
  env?: Env;
  /** Default `botFetch` (node:https; Node's fetch would cost a cold start 20-50 ms to load). */
  fetch?: BotFetch;
  now?: () => Date;
}

/** An AWS API error, with the service's error code (`AccessDeniedException`, ...). */
export class AwsLiteError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(`${code} (HTTP ${status}): ${message}`);
    this.name = 'AwsLiteError';
    this.code = code;
    this.status = status;
  }
}

async function send(
  options: AwsLiteOptions,
  service: 'ssm' | 'lambda',
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(`${endpointFor(service, options.region, options.env)}${path}`);
  const signed = signV4({
    method,
    url,
    headers,
    body,
    service,
    region: options.region,
    credentials: options.credentials,
    now: options.now?.() ?? new Date(),
  });
  const response = await (options.fetch ?? botFetch)(url.href, {
    method,
    headers: signed,
    body,
    timeoutMs: 5000,
  });
  const text = await response.text();
  if (response.status >= 300) {
    let code = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? `HTTP${response.status}`;
    let message = text.slice(0, 200);
    try {
      const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
      code = parsed.__type?.split('#').pop() ?? code;
      message = parsed.message ?? parsed.Message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new AwsLiteError(code, response.status, message);
  }
  return { status: response.status, text };
}

/**
 * SSM `GetParametersByPath` with decryption: every parameter directly under `path`, by
 * its last name segment (`/bedrock-cost/prod/slack-signing-secret` -> `slack-signing-secret`).
 */
export async function getParametersByPath(
  path: string,
  options: AwsLiteOptions,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  let nextToken: string | undefined;
  do {
    const { text } = await send(
      options,
      'ssm',
      'POST',
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParametersByPath' },
      JSON.stringify({
        Path: path,
        Recursive: false,
        WithDecryption: true,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    const page = JSON.parse(text) as { Parameters?: { Name?: string; Value?: string }[]; NextToken?: string };
    for (const p of page.Parameters ?? []) {
      if (p.Name && p.Value !== undefined) values[p.Name.split('/').pop() ?? p.Name] = p.Value;
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}

/** Lambda `Invoke` with `InvocationType: Event` (Lambda queues it and answers 202 at once). */
export async function invokeEvent(
  functionName: string,
  payload: unknown,
  options: AwsLiteOptions,
): Promise<void> {
  const { status } = await send(
    options,
    'lambda',
    'POST',
    `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
    { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
    JSON.stringify(payload),
  );
  if (status !== 202)
    throw new AwsLiteError('UnexpectedStatus', status, 'asynchronous invoke was not queued');
}

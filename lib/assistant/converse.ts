/**
 * The Bedrock Runtime side of `ask`: one `Converse` call with the read-only tools, and
 * the failures a person can be told about in one line.
 *
 * The SDK client is built once per `Deps` (that is, once per cold start or CLI process)
 * and only when `ask` is used, so the chat acknowledgement path never loads the Bedrock
 * Runtime SDK. Throttling (`ThrottlingException`, 429) is retried by the SDK's standard
 * retry mode with backoff before it reaches us.
 */
import type {
  BedrockRuntimeClient,
  ContentBlock,
  ConverseCommandInput,
  ConverseCommandOutput,
  Message,
} from '@aws-sdk/client-bedrock-runtime';
import type { Deps } from '../context.js';

export type { ContentBlock, Message };

const clients = new WeakMap<Deps, Promise<BedrockRuntimeClient>>();

/** The Bedrock Runtime client for these deps, built on first use. */
export function runtimeClientFor(deps: Deps): Promise<BedrockRuntimeClient> {
  let client = clients.get(deps);
  if (!client) {
    client = import('../aws/clients.js').then(({ createBedrockRuntimeClient }) =>
      createBedrockRuntimeClient({ region: deps.config.AWS_REGION }),
    );
    clients.set(deps, client);
  }
  return client;
}

/** Call `Converse`. Errors are the SDK's (`error.name` is the Bedrock error code). */
export async function converse(
  client: BedrockRuntimeClient,
  input: ConverseCommandInput,
): Promise<ConverseCommandOutput> {
  const { ConverseCommand } = await import('@aws-sdk/client-bedrock-runtime');
  return client.send(new ConverseCommand(input));
}

/** How a failed Converse call is answered. */
export type ConverseFailure =
  /** Bedrock is rate-limiting us (after the SDK's retries): try again later. */
  | 'throttled'
  /** The bot's role may not invoke the model, or model access is not enabled. */
  | 'denied'
  /** The model ID is wrong or not available in this Region. */
  | 'bad_model'
  /** Bedrock or the model is having a moment. */
  | 'unavailable';

/** Classify a Converse error, or undefined for errors that are bugs (rethrown). */
export function classifyConverseError(error: unknown): ConverseFailure | undefined {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429)
    return 'throttled';
  if (name === 'AccessDeniedException' || status === 403) return 'denied';
  if (name === 'ValidationException' || name === 'ResourceNotFoundException' || status === 404)
    return 'bad_model';
  if (
    name === 'ModelNotReadyException' ||
    name === 'ModelTimeoutException' ||
    name === 'ModelErrorException' ||
    name === 'ServiceUnavailableException' ||
    name === 'InternalServerException' ||
    name === 'TimeoutError' ||
    (status !== undefined && status >= 500)
  ) {
    return 'unavailable';
  }
  return undefined;
}

/**
 * Tool results may carry `status: 'error'` only on the models that support it (Anthropic
 * Claude 3+ and Amazon Nova); others reject the field, so they get the error as text.
 */
export function supportsToolResultStatus(modelId: string): boolean {
  return /(^|[.:/])(anthropic\.claude|amazon\.nova)/.test(modelId);
}

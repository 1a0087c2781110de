/**
 * Build the bundled pricing catalog, `lib/pricing/data/catalog.json`.
 *
 *   node --import tsx scripts/build-catalog.ts [path/to/litellm-bedrock-prices.json]
 *
 * Input: the Bedrock entries of LiteLLM's public price map (MIT), as of 2026-07-24
 * (`../shared/reference/litellm-bedrock-prices-2026-07-24.json`). That file is a good
 * start but has known mistakes, so this script applies corrections checked against real
 * AWS Price List product documents (`../shared/reference/samples/pricing_*.json`) and the
 * facts in `bedrock-billing.md`. Every price set in the output names its `source` and
 * `asOf` date; prices that are derived by a rule (batch = 50%, a regional uplift) say so
 * in `derived`, so answers can flag them as estimates.
 *
 * Prices are kept as decimal strings in USD per 1M tokens (per image, per model-unit
 * hour): LiteLLM's per-token floats are converted through their shortest decimal form, so
 * 3.3e-6 becomes "3.3", not 3.2999999.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Decimal from 'decimal.js';
import type { PriceListProduct } from '../lib/ports.js';
import {
  type CatalogData,
  type CatalogModel,
  indexCatalog,
  type Lifecycle,
  type ModelTask,
  type PriceSet,
  type PriceSource,
} from '../lib/pricing/catalog.js';
import { type PriceFact, parseProductFacts, resolveFact, type SkipReason } from '../lib/pricing/refresh.js';

const here = dirname(fileURLToPath(import.meta.url));
const input = resolve(
  process.argv[2] ?? resolve(here, '../../shared/reference/litellm-bedrock-prices-2026-07-24.json'),
);
const output = resolve(here, '../lib/pricing/data/catalog.json');

const SNAPSHOT = '2026-07-24';
const SOURCES = {
  litellm: {
    kind: 'third-party',
    title: 'LiteLLM model price map, Bedrock entries (MIT): third-party snapshot with known errors',
    url: 'https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json',
    asOf: SNAPSHOT,
  },
  'price-list-2026-09-11': {
    kind: 'price-list-offer',
    documents: true,
    title: 'AWS Price List, AmazonBedrock offer, us-east-1 (publication 2026-09-11)',
    url: 'https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/20260911124408/us-east-1/index.json',
    asOf: '2026-09-11',
  },
  'price-list-2026-08-26': {
    kind: 'price-list-api',
    documents: true,
    title: 'AWS Price List GetProducts, AmazonBedrock (fetched 2026-08-26)',
    url: 'https://pricing.us-east-1.amazonaws.com',
    asOf: '2026-08-26',
  },
  'bedrock-pricing-page': {
    kind: 'pricing-page',
    title: 'Amazon Bedrock pricing page (Guardrails, batch, prompt caching, provisioned throughput)',
    url: 'https://aws.amazon.com/bedrock/pricing/',
    asOf: SNAPSHOT,
  },
  'opensearch-pricing-page': {
    kind: 'pricing-page',
    title: 'Amazon OpenSearch Serverless pricing, us-east-1',
    url: 'https://aws.amazon.com/opensearch-service/pricing/',
    asOf: SNAPSHOT,
  },
  'cloudwatch-pricing-page': {
    kind: 'pricing-page',
    title: 'Amazon CloudWatch pricing, Logs, us-east-1',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: SNAPSHOT,
  },
  'ec2-pricing-page': {
    kind: 'pricing-page',
    title:
      'Amazon EC2 On-Demand pricing, Linux, us-east-1 (approximate list prices; P4/P5 after the June 2025 price cut)',
    url: 'https://aws.amazon.com/ec2/pricing/on-demand/',
    asOf: '2025-06-05',
  },
  'ec2-spot-advisor': {
    kind: 'pricing-page',
    title: 'EC2 Spot Instance Advisor, typical savings over on-demand',
    url: 'https://aws.amazon.com/ec2/spot/instance-advisor/',
    asOf: SNAPSHOT,
  },
  'price-list-2026-06-11': {
    kind: 'price-list-offer',
    title:
      'AWS Price List offer files, AmazonBedrock us-east-1 and us-west-2 (current on 2026-06-11): usage types USE1-MistralLarge-*, USW2-MistralLarge2407-*, USE1-Llama3-1-70B-*, USW2-Llama3-1-405B-*, USE1-Llama3-2-90B-*, USE1-Llama3-2-11B-*, USE1-Nova2.0Pro-text-*, USE1-PixtralLarge2502-*, as quoted in a public Bedrock price validation',
    url: 'https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/current/us-east-1/index.json',
    asOf: '2026-06-11',
  },
  'price-list-deepseek-r1': {
    kind: 'price-list-api',
    title:
      'AWS Price List usage types USE1-DeepSeek-R1-input-tokens / -output-tokens ($0.00135 / $0.0054 per 1K), as quoted in public cost tooling that matched them to a bill; the same as the LiteLLM 2026-07-24 us. row',
    url: 'https://pricing.us-east-1.amazonaws.com',
    asOf: SNAPSHOT,
  },
  'openai-model-id-row': {
    kind: 'third-party',
    title:
      'LiteLLM 2026-07-24, the model-ID row (openai.gpt-oss-*-1:0), not the OpenAI-compatible endpoint row (bedrock_mantle/)',
    url: 'https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json',
    asOf: SNAPSHOT,
  },
  'bedrock-model-lifecycle': {
    kind: 'pricing-page',
    title: 'Amazon Bedrock user guide, model lifecycle (Legacy and end-of-life dates)',
    url: 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html',
    asOf: '2026-06-11',
  },
} as const;
type SourceId = keyof typeof SOURCES;

interface LiteEntry {
  mode?: string;
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  cache_creation_input_token_cost?: number;
  cache_creation_input_token_cost_above_1hr?: number;
  input_cost_per_token_batches?: number;
  output_cost_per_token_batches?: number;
  output_cost_per_image?: number;
  input_cost_per_second?: number;
  max_input_tokens?: number;
  input_cost_per_token_above_200k_tokens?: number;
  output_cost_per_token_above_200k_tokens?: number;
  cache_read_input_token_cost_above_200k_tokens?: number;
  cache_creation_input_token_cost_above_200k_tokens?: number;
}

/** The catalog's price set (lib/pricing/catalog.ts), with the source narrowed to the ones this script knows. */
export type PriceSetOut = Omit<PriceSet, 'source'> & { source: SourceId | 'derived' };

interface ProvisionedOut {
  at: string;
  noCommit?: string;
  oneMonth?: string;
  sixMonth?: string;
  source: SourceId;
  asOf: string;
}

interface ModelOut {
  key: string;
  id: string;
  name: string;
  provider: string;
  modality: 'text' | 'embedding' | 'image';
  task: ModelTask;
  billing: 'bedrock' | 'marketplace';
  openWeight: boolean;
  paramsB?: number;
  batch: boolean;
  cache: boolean;
  aliases: string[];
  usageTokens: string[];
  /** Largest input a request may carry, in tokens. */
  contextWindow?: number;
  /** Input tokens above which the long-context rates (`inputLong`, ...) apply to the whole request. */
  longContextAbove?: number;
  lifecycle: Lifecycle;
  prices: PriceSetOut[];
  provisioned: ProvisionedOut[];
}

const raw = JSON.parse(readFileSync(input, 'utf8')) as Record<string, LiteEntry>;

/** Per-token float -> exact decimal string per 1M tokens. */
function perMillion(x: number | undefined): string | undefined {
  if (x === undefined || x === null) return undefined;
  return new Decimal(String(x)).times(1_000_000).toDecimalPlaces(8).toString();
}
function times(value: string | undefined, factor: string): string | undefined {
  return value === undefined ? undefined : new Decimal(value).times(factor).toDecimalPlaces(8).toString();
}

const PROVIDERS: Record<string, { name: string; billing: 'bedrock' | 'marketplace'; openWeight: boolean }> = {
  anthropic: { name: 'Anthropic', billing: 'marketplace', openWeight: false },
  amazon: { name: 'Amazon', billing: 'bedrock', openWeight: false },
  meta: { name: 'Meta', billing: 'bedrock', openWeight: true },
  mistral: { name: 'Mistral AI', billing: 'bedrock', openWeight: true },
  cohere: { name: 'Cohere', billing: 'marketplace', openWeight: false },
  ai21: { name: 'AI21 Labs', billing: 'marketplace', openWeight: false },
  stability: { name: 'Stability AI', billing: 'marketplace', openWeight: false },
  writer: { name: 'Writer', billing: 'marketplace', openWeight: false },
  twelvelabs: { name: 'TwelveLabs', billing: 'marketplace', openWeight: false },
  deepseek: { name: 'DeepSeek', billing: 'bedrock', openWeight: true },
  qwen: { name: 'Qwen', billing: 'bedrock', openWeight: true },
  openai: { name: 'OpenAI', billing: 'bedrock', openWeight: true },
  google: { name: 'Google', billing: 'bedrock', openWeight: true },
  minimax: { name: 'MiniMax', billing: 'bedrock', openWeight: true },
  moonshot: { name: 'Moonshot AI', billing: 'bedrock', openWeight: true },
  moonshotai: { name: 'Moonshot AI', billing: 'bedrock', openWeight: true },
  nvidia: { name: 'NVIDIA', billing: 'bedrock', openWeight: true },
  zai: { name: 'Z.ai', billing: 'bedrock', openWeight: true },
  xai: { name: 'xAI', billing: 'bedrock', openWeight: false },
};

/** Entries that are wrong or duplicates in the snapshot and are left out. */
const SKIP = new Set([
  // A Claude 3.7 Sonnet ID with Claude 3.5 Sonnet's date and a price nobody publishes.
  'anthropic.claude-3-7-sonnet-20240620-v1:0',
  // Duplicates spelled differently (Vertex-style `@date`, missing provider prefix).
  'anthropic.claude-haiku-4-5@20251001',
  'claude-sonnet-4-5-20250929-v1:0',
  'amazon.titan-image-generator-v2',
  'stability.stable-image-core-v1:0',
  'stability.stable-image-ultra-v1:0',
  // Placeholder at $0 (no published price).
  'anthropic.claude-mythos-preview',
  // Video models (TwelveLabs) are priced per second or minute of video, not per token.
  'twelvelabs.marengo-embed-2-7-v1:0',
  'us.twelvelabs.marengo-embed-2-7-v1:0',
  'eu.twelvelabs.marengo-embed-2-7-v1:0',
  'twelvelabs.pegasus-1-2-v1:0',
  'us.twelvelabs.pegasus-1-2-v1:0',
  'eu.twelvelabs.pegasus-1-2-v1:0',
  // Rerankers are priced per query, not per token: out of the estimator's scope.
  'amazon.rerank-v1:0',
  'cohere.rerank-v3-5:0',
  // An unversioned alias of moonshotai.kimi-k2.5 with a mixed-up price.
  'bedrock/moonshotai.kimi-k2-thinking',
  'bedrock/moonshotai.kimi-k2.5',
]);

/** Keys and names where the generic rule reads badly. */
const KEY_OVERRIDES: Record<string, string> = {
  'deepseek.v3-v1:0': 'deepseek-v3',
  'deepseek.v3.2': 'deepseek-v3.2',
  'deepseek.r1-v1:0': 'deepseek-r1',
  'anthropic.claude-3-5-sonnet-20241022-v2:0': 'claude-3-5-sonnet-v2',
  'amazon.titan-embed-text-v2:0': 'titan-embed-text-v2',
  'amazon.titan-image-generator-v2:0': 'titan-image-generator-v2',
  'amazon.titan-embed-g1-text-02': 'titan-embed-g1-text-02',
  'cohere.embed-v4:0': 'cohere-embed-v4',
  'cohere.embed-english-v3': 'cohere-embed-english-v3',
  'cohere.embed-multilingual-v3': 'cohere-embed-multilingual-v3',
  'cohere.command-r-plus-v1:0': 'command-r-plus',
  'cohere.command-r-v1:0': 'command-r',
  'cohere.command-text-v14': 'command',
  'cohere.command-light-text-v14': 'command-light',
  'anthropic.claude-v2:1': 'claude-v2-1',
  'anthropic.claude-v1': 'claude-v1',
  'mistral.mistral-large-2402-v1:0': 'mistral-large-2402',
  'mistral.mistral-large-2407-v1:0': 'mistral-large-2407',
  'mistral.mistral-small-2402-v1:0': 'mistral-small-2402',
  'mistral.mistral-7b-instruct-v0:2': 'mistral-7b',
  'mistral.mixtral-8x7b-instruct-v0:1': 'mixtral-8x7b',
  'openai.gpt-oss-120b-1:0': 'gpt-oss-120b',
  'openai.gpt-oss-20b-1:0': 'gpt-oss-20b',
  'stability.stable-image-core-v1:1': 'stable-image-core',
  'stability.stable-image-ultra-v1:1': 'stable-image-ultra',
  'stability.sd3-5-large-v1:0': 'sd3-5-large',
  'stability.sd3-large-v1:0': 'sd3-large',
  'twelvelabs.marengo-embed-2-7-v1:0': 'marengo-embed-2-7',
  'twelvelabs.pegasus-1-2-v1:0': 'pegasus-1-2',
  'amazon.nova-2-pro-preview-20251202-v1:0': 'nova-2-pro-preview',
  'amazon.nova-2-multimodal-embeddings-v1:0': 'nova-2-multimodal-embeddings',
  'amazon.titan-embed-text-v1': 'titan-embed-text',
  'amazon.titan-embed-image-v1': 'titan-embed-image',
  'amazon.titan-image-generator-v1': 'titan-image-generator',
  'ai21.jamba-instruct-v1:0': 'jamba-instruct',
  'ai21.j2-mid-v1': 'j2-mid',
  'ai21.j2-ultra-v1': 'j2-ultra',
  'nvidia.nemotron-nano-12b-v2': 'nemotron-nano-12b-v2',
  'nvidia.nemotron-nano-9b-v2': 'nemotron-nano-9b-v2',
  'stability.stable-diffusion-xl-v1': 'stable-diffusion-xl',
};

const NAME_OVERRIDES: Record<string, string> = {
  'claude-v1': 'Claude 1',
  'claude-v2-1': 'Claude 2.1',
  'claude-instant': 'Claude Instant',
  'claude-3-5-sonnet-v2': 'Claude 3.5 Sonnet v2',
  'titan-text-express': 'Titan Text G1 - Express',
  'titan-text-lite': 'Titan Text G1 - Lite',
  'titan-text-premier': 'Titan Text G1 - Premier',
  'titan-embed-text': 'Titan Embeddings G1 - Text',
  'titan-embed-g1-text-02': 'Titan Embeddings G1 - Text (02)',
  'titan-embed-text-v2': 'Titan Text Embeddings V2',
  'titan-embed-image': 'Titan Multimodal Embeddings G1',
  'titan-image-generator': 'Titan Image Generator G1',
  'titan-image-generator-v2': 'Titan Image Generator G1 v2',
  'nova-2-multimodal-embeddings': 'Nova 2 Multimodal Embeddings',
  'gpt-oss-120b': 'gpt-oss-120b',
  'gpt-oss-20b': 'gpt-oss-20b',
  'gpt-oss-safeguard-120b': 'gpt-oss-safeguard-120b',
  'gpt-oss-safeguard-20b': 'gpt-oss-safeguard-20b',
  'deepseek-v3': 'DeepSeek-V3.1',
  'deepseek-v3.2': 'DeepSeek-V3.2',
  'deepseek-r1': 'DeepSeek-R1',
  command: 'Command',
  'command-light': 'Command Light',
  'command-r': 'Command R',
  'command-r-plus': 'Command R+',
  'cohere-embed-v4': 'Embed v4',
  'cohere-embed-english-v3': 'Embed English v3',
  'cohere-embed-multilingual-v3': 'Embed Multilingual v3',
  'mistral-7b': 'Mistral 7B Instruct',
  'mixtral-8x7b': 'Mixtral 8x7B Instruct',
  'mistral-large-2402': 'Mistral Large (24.02)',
  'mistral-large-2407': 'Mistral Large 2 (24.07)',
  'mistral-small-2402': 'Mistral Small (24.02)',
  'mistral-large-3-675b': 'Mistral Large 3',
  'pixtral-large-2502': 'Pixtral Large (25.02)',
  'j2-mid': 'Jurassic-2 Mid',
  'j2-ultra': 'Jurassic-2 Ultra',
  'jamba-1-5-large': 'Jamba 1.5 Large',
  'jamba-1-5-mini': 'Jamba 1.5 Mini',
  'jamba-instruct': 'Jamba-Instruct',
  'sd3-5-large': 'Stable Diffusion 3.5 Large',
  'sd3-large': 'Stable Diffusion 3 Large',
  'stable-diffusion-xl': 'SDXL 1.0',
  'marengo-embed-2-7': 'Marengo Embed 2.7',
  'pegasus-1-2': 'Pegasus 1.2',
  'palmyra-x4': 'Palmyra X4',
  'palmyra-x5': 'Palmyra X5',
  'kimi-k2-thinking': 'Kimi K2 Thinking',
  'kimi-k2.5': 'Kimi K2.5',
  'glm-4.7': 'GLM 4.7',
  'glm-4.7-flash': 'GLM 4.7 Flash',
  'glm-5': 'GLM 5',
  'minimax-m2': 'MiniMax M2',
  'minimax-m2.1': 'MiniMax M2.1',
  'minimax-m2.5': 'MiniMax M2.5',
  'ministral-3-3b': 'Ministral 3B 3.0',
  'ministral-3-8b': 'Ministral 8B 3.0',
  'ministral-3-14b': 'Ministral 14B 3.0',
  'qwen3-32b': 'Qwen3 32B',
  'qwen3-235b-a22b-2507': 'Qwen3 235B A22B 2507',
  'qwen3-coder-30b-a3b': 'Qwen3 Coder 30B A3B',
  'qwen3-coder-480b-a35b': 'Qwen3 Coder 480B A35B',
  'qwen3-coder-next': 'Qwen3 Coder Next',
  'qwen3-next-80b-a3b': 'Qwen3 Next 80B A3B',
  'qwen3-vl-235b-a22b': 'Qwen3 VL 235B A22B',
  'gemma-3-4b-it': 'Gemma 3 4B IT',
  'gemma-3-12b-it': 'Gemma 3 12B IT',
  'gemma-3-27b-it': 'Gemma 3 27B IT',
  'gemma-4-26b-a4b': 'Gemma 4 26B A4B',
  'gemma-4-31b': 'Gemma 4 31B',
  'gemma-4-e2b': 'Gemma 4 E2B',
  'gpt-5.4': 'GPT-5.4',
  'gpt-5.5': 'GPT-5.5',
  'gpt-5.6-luna': 'GPT-5.6 Luna',
  'gpt-5.6-sol': 'GPT-5.6 Sol',
  'gpt-5.6-terra': 'GPT-5.6 Terra',
  'grok-4.3': 'Grok 4.3',
  'nemotron-nano-12b-v2': 'Nemotron Nano 12B v2',
  'nemotron-nano-9b-v2': 'Nemotron Nano 9B v2',
  'nemotron-nano-3-30b': 'Nemotron 3 Nano 30B',
  'nemotron-super-3-120b': 'Nemotron 3 Super 120B',
  'magistral-small-2509': 'Magistral Small (25.09)',
  'devstral-2-123b': 'Devstral 2 123B',
  'voxtral-mini-3b-2507': 'Voxtral Mini 3B',
  'voxtral-small-24b-2507': 'Voxtral Small 24B',
  'llama4-maverick-17b': 'Llama 4 Maverick 17B',
  'llama4-scout-17b': 'Llama 4 Scout 17B',
  'llama2-13b-chat': 'Llama 2 Chat 13B',
  'llama2-70b-chat': 'Llama 2 Chat 70B',
  'stable-image-core': 'Stable Image Core',
  'stable-image-ultra': 'Stable Image Ultra',
};

/** Extra names people and AWS use (Price List `model`, CE usage-type tokens). */
const EXTRA_ALIASES: Record<string, string[]> = {
  'claude-3-haiku': ['Claude3Haiku', 'haiku 3'],
  'claude-3-5-haiku': ['Claude3.5Haiku', 'haiku 3.5'],
  'claude-3-5-sonnet': ['Claude3.5Sonnet', 'sonnet 3.5'],
  'claude-3-5-sonnet-v2': ['Claude3.5SonnetV2', 'sonnet 3.5 v2'],
  'claude-3-7-sonnet': ['Claude3.7Sonnet', 'sonnet 3.7'],
  'claude-3-opus': ['Claude3Opus', 'opus 3'],
  'claude-3-sonnet': ['Claude3Sonnet', 'sonnet 3'],
  'claude-v2-1': ['claude-v2', 'Claude2.1', 'claude 2'],
  'claude-v1': ['Claude2.0', 'Claude 2.0'],
  'titan-text-express': ['TitanTextG1-Express', 'titan express'],
  'titan-text-lite': ['TitanTextG1-Lite', 'titan lite'],
  'titan-text-premier': ['TitanTextG1-Premier', 'titan premier'],
  'titan-embed-text-v2': ['TitanEmbeddingsV2-Text', 'titan embeddings v2', 'titan embeddings', 'titan embed'],
  'nova-2-lite': ['Nova2.0Lite', 'Nova 2.0 Lite'],
  'nova-2-pro-preview': ['Nova2.0Pro', 'Nova2.0Pro-text', 'Nova 2 Pro', 'Nova 2.0 Pro'],
  'deepseek-v3': ['DeepSeek-V3', 'deepseek v3.1'],
  'deepseek-r1': ['DeepSeek-R1', 'deepseek r1'],
  'pixtral-large-2502': ['PixtralLarge2502', 'pixtral large'],
  'mistral-large-2402': ['mistral large 24.02'],
  'mistral-large-2407': ['MistralLarge2407', 'mistral large 2'],
  'titan-embed-text': ['TitanEmbeddingsG1-Text'],
  'ministral-3-8b': ['Ministral-3-8b-Instruct', 'ministral 8b'],
  'ministral-3-3b': ['Ministral-3-3b-Instruct', 'ministral 3b'],
  'ministral-3-14b': ['Ministral-3-14b-Instruct', 'ministral 14b'],
  'glm-5': ['zai.glm5'],
  'nova-canvas': ['NovaCanvas'],
  command: ['Command Text'],
  'cohere-embed-english-v3': ['embed english'],
  'stable-diffusion-xl': ['sdxl'],
};

/**
 * Models AWS lists as Legacy (still billable, no new customers) or past end of life, per
 * the Bedrock model-lifecycle page. `compare` leaves them out unless asked; answers
 * name the dates.
 */
const LIFECYCLE_SOURCE = 'bedrock-model-lifecycle';
const LIFECYCLE: Record<string, Lifecycle> = {
  'llama3-1-405b': { status: 'legacy', endOfLife: '2026-07-07', source: LIFECYCLE_SOURCE },
  'llama3-2-1b': { status: 'legacy', endOfLife: '2026-07-07', source: LIFECYCLE_SOURCE },
  'llama3-2-3b': { status: 'legacy', endOfLife: '2026-07-07', source: LIFECYCLE_SOURCE },
  'llama3-2-11b': { status: 'legacy', endOfLife: '2026-07-07', source: LIFECYCLE_SOURCE },
  'llama3-2-90b': { status: 'legacy', endOfLife: '2026-07-07', source: LIFECYCLE_SOURCE },
  'nova-premier': {
    status: 'legacy',
    legacySince: '2026-03-13',
    endOfLife: '2026-09-14',
    source: LIFECYCLE_SOURCE,
  },
  'command-r': {
    status: 'legacy',
    legacySince: '2026-02-19',
    endOfLife: '2026-08-19',
    source: LIFECYCLE_SOURCE,
  },
  'command-r-plus': {
    status: 'legacy',
    legacySince: '2026-02-19',
    endOfLife: '2026-08-19',
    source: LIFECYCLE_SOURCE,
  },
  'mistral-large-2407': { status: 'legacy', source: LIFECYCLE_SOURCE },
  'titan-text-premier': { status: 'legacy', source: LIFECYCLE_SOURCE },
};

/** Claude models Bedrock offers no prompt caching for (Bedrock user guide, prompt caching). */
const NO_CACHE = new Set(['claude-3-haiku', 'claude-3-sonnet', 'claude-3-opus', 'claude-3-5-sonnet']);

/**
 * Usage-type model tokens that are not names people type (`MistralLarge` is Mistral
 * Large 24.02 on the bill, but "mistral large" typed by a person is ambiguous).
 */
const USAGE_ONLY_TOKENS: Record<string, string[]> = {
  'mistral-large-2402': ['MistralLarge'],
};

/** Open-weight model sizes (billions of parameters) for the self-hosting comparison. */
const PARAMS_B: Record<string, number> = {
  'llama3-1-8b': 8,
  'llama3-1-70b': 70,
  'llama3-1-405b': 405,
  'llama3-2-1b': 1,
  'llama3-2-3b': 3,
  'llama3-2-11b': 11,
  'llama3-2-90b': 90,
  'llama3-3-70b': 70,
  'llama3-8b': 8,
  'llama3-70b': 70,
  'llama2-13b-chat': 13,
  'llama2-70b-chat': 70,
  'llama4-scout-17b': 109,
  'llama4-maverick-17b': 400,
  'mistral-7b': 7,
  'mixtral-8x7b': 47,
  'ministral-3-3b': 3,
  'ministral-3-8b': 8,
  'ministral-3-14b': 14,
  'mistral-large-2407': 123,
  'mistral-large-3-675b': 675,
  'magistral-small-2509': 24,
  'devstral-2-123b': 123,
  'voxtral-mini-3b-2507': 3,
  'voxtral-small-24b-2507': 24,
  'pixtral-large-2502': 124,
  'gpt-oss-20b': 21,
  'gpt-oss-120b': 117,
  'gpt-oss-safeguard-20b': 21,
  'gpt-oss-safeguard-120b': 117,
  'qwen3-32b': 32,
  'qwen3-235b-a22b-2507': 235,
  'qwen3-coder-30b-a3b': 30,
  'qwen3-coder-480b-a35b': 480,
  'qwen3-coder-next': 80,
  'qwen3-next-80b-a3b': 80,
  'qwen3-vl-235b-a22b': 235,
  'deepseek-v3': 671,
  'deepseek-v3.2': 671,
  'deepseek-r1': 671,
  'gemma-3-4b-it': 4,
  'gemma-3-12b-it': 12,
  'gemma-3-27b-it': 27,
  'gemma-4-26b-a4b': 26,
  'gemma-4-31b': 31,
  'gemma-4-e2b': 5,
  'minimax-m2': 230,
  'minimax-m2.1': 230,
  'minimax-m2.5': 230,
  'kimi-k2-thinking': 1000,
  'kimi-k2.5': 1000,
  'glm-4.7': 355,
  'glm-4.7-flash': 30,
  'glm-5': 744,
  'nemotron-nano-12b-v2': 12,
  'nemotron-nano-9b-v2': 9,
  'nemotron-nano-3-30b': 30,
  'nemotron-super-3-120b': 120,
};

/**
 * Models that support batch inference (50% of on-demand): per the Bedrock user guide's
 * "Supported Regions and models for batch inference". Matched on the catalog key.
 */
function supportsBatch(key: string, provider: string, modality: string): boolean {
  if (modality === 'image') return false;
  if (provider === 'anthropic') return !/^claude-(v1|v2-1|instant|fable)/.test(key);
  if (provider === 'amazon')
    return /^nova-(micro|lite|pro|premier|2-lite)$/.test(key) || /^titan-embed-(text-v2|image)/.test(key);
  if (provider === 'meta') return /^llama(3-[123]|4)/.test(key);
  if (provider === 'mistral') return /^mistral-(large-2407|small)/.test(key);
  if (provider === 'openai') return /^gpt-oss-(20b|120b)$/.test(key);
  if (provider === 'qwen') return /^qwen3-(32b|235b|coder-30b|coder-480b)/.test(key);
  return false;
}

function stemOf(id: string): { provider: string; stem: string } {
  const dot = id.indexOf('.');
  return { provider: id.slice(0, dot), stem: id.slice(dot + 1) };
}

function keyOf(id: string): string {
  const override = KEY_OVERRIDES[id];
  if (override) return override;
  const { stem } = stemOf(id);
  return stem
    .replace(/[-:]v\d+(:\d+)?$/, '')
    .replace(/:\d+$/, '')
    .replace(/-\d{8}$/, '')
    .replace(/-instruct$/, '');
}

function nameOf(key: string): string {
  const override = NAME_OVERRIDES[key];
  if (override) return override;
  const words = key
    .replace(/([a-z])(\d)/g, '$1 $2')
    .split(/[-\s]+/)
    .filter(Boolean);
  const out: string[] = [];
  for (const w of words) {
    const prev = out[out.length - 1];
    if (/^\d$/.test(w) && prev && /^\d(\.\d)?$/.test(prev) && !prev.includes('.')) {
      out[out.length - 1] = `${prev}.${w}`;
    } else if (/^\d+b$/.test(w)) out.push(w.toUpperCase());
    else out.push(w.charAt(0).toUpperCase() + w.slice(1));
  }
  return out.join(' ');
}

const modalityOf = (mode: string | undefined): ModelOut['modality'] | undefined =>
  mode === 'chat' || mode === 'responses'
    ? 'text'
    : mode === 'embedding'
      ? 'embedding'
      : mode === 'image_generation' || mode === 'image_edit'
        ? 'image'
        : undefined;

/**
 * What a model is for, so `compare` ranks like with like: a chat workload is not priced
 * on a speech model, a safety classifier or an image editor.
 */
function taskOf(key: string, mode: string | undefined): ModelTask {
  if (mode === 'embedding') return 'embedding';
  if (mode === 'image_edit') return 'image-editing';
  if (mode === 'image_generation') return 'image-generation';
  if (/^voxtral/.test(key)) return 'speech';
  if (/safeguard|guard/.test(key)) return 'safety';
  return 'text-generation';
}

const models = new Map<string, ModelOut>();

function ensureModel(id: string, entry: LiteEntry): ModelOut | undefined {
  const { provider } = stemOf(id);
  const info = PROVIDERS[provider];
  const modality = modalityOf(entry.mode);
  if (!info || !modality) return undefined;
  const key = keyOf(id);
  const existing = models.get(key);
  if (existing) return existing.id === id ? existing : undefined;
  const model: ModelOut = {
    key,
    id,
    name: nameOf(key),
    provider: info.name,
    modality,
    task: taskOf(key, entry.mode),
    billing: info.billing,
    openWeight: info.openWeight,
    ...(PARAMS_B[key] !== undefined ? { paramsB: PARAMS_B[key] } : {}),
    batch: supportsBatch(key, provider, modality),
    cache: false,
    aliases: EXTRA_ALIASES[key] ?? [],
    usageTokens: [],
    ...(entry.max_input_tokens ? { contextWindow: entry.max_input_tokens } : {}),
    lifecycle: LIFECYCLE[key] ?? { status: 'active' },
    prices: [],
    provisioned: [],
  };
  models.set(key, model);
  return model;
}

function priceSetFrom(at: string, e: LiteEntry): PriceSetOut {
  const set: PriceSetOut = { at, source: 'litellm', asOf: SNAPSHOT };
  const inp = perMillion(e.input_cost_per_token);
  const out = perMillion(e.output_cost_per_token);
  if (inp !== undefined) set.input = inp;
  if (out !== undefined) set.output = out;
  const cr = perMillion(e.cache_read_input_token_cost);
  const cw = perMillion(e.cache_creation_input_token_cost);
  const cw1 = perMillion(e.cache_creation_input_token_cost_above_1hr);
  if (cr !== undefined) set.cacheRead = cr;
  if (cw !== undefined) set.cacheWrite5m = cw;
  if (cw1 !== undefined) set.cacheWrite1h = cw1;
  const bi = perMillion(e.input_cost_per_token_batches);
  const bo = perMillion(e.output_cost_per_token_batches);
  if (bi !== undefined) set.batchInput = bi;
  if (bo !== undefined) set.batchOutput = bo;
  if (e.output_cost_per_image !== undefined) set.images = { standard: String(e.output_cost_per_image) };
  const il = perMillion(e.input_cost_per_token_above_200k_tokens);
  const ol = perMillion(e.output_cost_per_token_above_200k_tokens);
  if (il !== undefined) set.inputLong = il;
  if (ol !== undefined) set.outputLong = ol;
  return set;
}

function upsert(model: ModelOut, set: PriceSetOut): void {
  const i = model.prices.findIndex((p) => p.at === set.at);
  if (i >= 0) model.prices[i] = set;
  else model.prices.push(set);
}

const GEO = ['us', 'eu', 'apac', 'jp', 'au', 'us-gov', 'ca', 'global'];
const BASE_REGION = 'us-east-1';

// Pass 1: bare model IDs (us-east-1 prices) create the models. `bedrock_mantle/` rows
// (models served on Bedrock's OpenAI-compatible endpoint) count only when no model-ID
// row exists: they come second, so `openai.gpt-oss-20b-1:0` ($0.07) wins over the
// endpoint's `openai.gpt-oss-20b` ($0.075) and the real model ID resolves.
const bareFirst = Object.entries(raw).sort(
  ([a], [b]) => Number(a.startsWith('bedrock_mantle/')) - Number(b.startsWith('bedrock_mantle/')),
);
for (const [rawKey, e] of bareFirst) {
  const k = rawKey.startsWith('bedrock_mantle/') ? rawKey.slice('bedrock_mantle/'.length) : rawKey;
  if (rawKey !== k && raw[k]) continue;
  if (rawKey !== k && models.has(keyOf(k))) continue;
  if (rawKey !== k && [...models.values()].some((m) => m.id.startsWith(k))) continue;
  if (SKIP.has(k) || k.includes('/') || GEO.some((g) => k.startsWith(`${g}.`))) continue;
  const model = ensureModel(k, e);
  if (model && model.modality !== 'image') upsert(model, priceSetFrom(BASE_REGION, e));
}
// Models that exist only as profile rows (`us.deepseek.r1-v1:0`, `eu./us.mistral.pixtral-large-2502-v1:0`):
// the model is created from its profile rows; the us-east-1 price is the `us.` row (a
// cross-Region call is billed at its source Region's price).
for (const [k, e] of Object.entries(raw)) {
  const geo = GEO.find((g) => k.startsWith(`${g}.`));
  if (!geo || SKIP.has(k) || e.output_cost_per_image !== undefined) continue;
  const id = k.slice(geo.length + 1);
  if (raw[id] || (models.has(keyOf(id)) && models.get(keyOf(id))!.id !== id)) continue;
  const model = ensureModel(id, e);
  if (model && geo === 'us')
    upsert(model, {
      ...priceSetFrom(BASE_REGION, e),
      derived: 'the us. profile price, billed at the source Region',
    });
}
// Image models: LiteLLM keys them by size and steps; keep each variant as a named image price.
for (const [k, e] of Object.entries(raw)) {
  if (SKIP.has(k) || e.output_cost_per_image === undefined) continue;
  const m = /^(?:(\d+-x-\d+|max-x-max)\/([a-z0-9-]+)\/)?(?:bedrock\/)?((?:amazon|stability)\.[^/]+)$/.exec(k);
  if (!m) continue;
  const id = m[3]!;
  const model = ensureModel(id.replace(/-v0$/, '-v1'), e);
  if (!model) continue;
  const variant = m[1] ? `${m[1].replace(/-x-/, 'x')} ${m[2]}` : 'standard';
  let set = model.prices.find((p) => p.at === BASE_REGION);
  if (!set) {
    set = { at: BASE_REGION, source: 'litellm', asOf: SNAPSHOT, images: {} };
    model.prices.push(set);
  }
  set.images = { ...set.images, [variant]: String(e.output_cost_per_image) };
}
// Pass 2: geo and global profile prices, and `bedrock/<region>/<model>` regional prices.
for (const [k, e] of Object.entries(raw)) {
  if (SKIP.has(k) || e.output_cost_per_image !== undefined) continue;
  const geo = GEO.find((g) => k.startsWith(`${g}.`));
  if (geo) {
    const model = models.get(keyOf(k.slice(geo.length + 1)));
    if (model && model.id === k.slice(geo.length + 1)) upsert(model, priceSetFrom(geo, e));
    continue;
  }
  const regional = /^bedrock\/([a-z]{2}(?:-gov)?-[a-z]+-\d)\/([^/]+)$/.exec(k);
  if (regional) {
    const model = models.get(keyOf(regional[2]!));
    if (model && model.id === regional[2]) upsert(model, priceSetFrom(regional[1]!, e));
    continue;
  }
  const commit = /^bedrock\/([a-z*0-9-]+)\/(1|6)-month-commitment\/([^/]+)$/.exec(k);
  if (commit && e.input_cost_per_second !== undefined) {
    const model = models.get(keyOf(commit[3]!));
    if (!model) continue;
    // LiteLLM stores model-unit prices per second; AWS publishes per hour.
    const hourly = new Decimal(String(e.input_cost_per_second)).times(3600).toDecimalPlaces(2).toString();
    const regions = commit[1] === '*' ? [BASE_REGION, 'us-west-2'] : [commit[1]!];
    for (const at of regions) {
      let p = model.provisioned.find((x) => x.at === at);
      if (!p) {
        p = { at, source: 'litellm', asOf: SNAPSHOT };
        model.provisioned.push(p);
      }
      if (commit[2] === '1') p.oneMonth = hourly;
      else p.sixMonth = hourly;
    }
  }
}

// ---------------------------------------------------------------------------------
// Corrections, each checked against a real AWS document (see the header comment).
// ---------------------------------------------------------------------------------
function model(key: string): ModelOut {
  const m = models.get(key);
  if (!m) throw new Error(`build-catalog: no model ${key}`);
  return m;
}
function dropRows(key: string, at: string[]): void {
  const m = model(key);
  m.prices = m.prices.filter((p) => !at.includes(p.at));
}
function setPrices(
  key: string,
  at: string,
  values: Omit<PriceSetOut, 'at' | 'source' | 'asOf'>,
  source: SourceId,
) {
  const m = model(key);
  const prev = m.prices.find((p) => p.at === at);
  const { derived: _rule, ...kept } = prev ?? ({} as Partial<PriceSetOut>);
  upsert(m, { ...kept, ...values, at, source, asOf: SOURCES[source].asOf });
}

// Nova (Price List us-east-1, 2026-09-11): input/output/cache read match LiteLLM, which
// lacks the cache rows; cache writes are published at $0 for Nova.
setPrices(
  'nova-micro',
  BASE_REGION,
  { input: '0.035', output: '0.14', cacheRead: '0.00875', cacheWrite5m: '0' },
  'price-list-2026-09-11',
);
setPrices(
  'nova-lite',
  BASE_REGION,
  { input: '0.06', output: '0.24', cacheRead: '0.015', cacheWrite5m: '0', batchInput: '0.03' },
  'price-list-2026-09-11',
);
setPrices(
  'nova-pro',
  BASE_REGION,
  // Flex tier: `USE1-NovaPro-input-tokens-flex` $0.0004 per 1K (the output row is not in the sample).
  { input: '0.8', output: '3.2', cacheRead: '0.2', cacheWrite5m: '0', flexInput: '0.4' },
  'price-list-2026-09-11',
);
// Nova Premier has no bare-ID entry in LiteLLM (only `us.`): it is priced from the Price List.
{
  const premier = ensureModel('amazon.nova-premier-v1:0', { mode: 'chat' })!;
  premier.batch = true;
  setPrices(
    'nova-premier',
    BASE_REGION,
    { input: '2.5', output: '12.5', cacheRead: '0.625', cacheWrite5m: '0' },
    'price-list-2026-09-11',
  );
  const us = raw['us.amazon.nova-premier-v1:0'];
  if (us) upsert(premier, { ...priceSetFrom('us', us), cacheRead: '0.625', cacheWrite5m: '0' });
}
// Nova 2 Lite in-region us-east-1 is $0.33 (Price List), the geo price; LiteLLM's bare ID
// carries the global price ($0.30).
setPrices(
  'nova-2-lite',
  BASE_REGION,
  { input: '0.33', output: '2.75', cacheRead: '0.0825' },
  'price-list-2026-09-11',
);
// Nova Pro in ap-northeast-1 (GetProducts 2026-08-26): 20% above us-east-1.
setPrices(
  'nova-pro',
  'ap-northeast-1',
  { input: '0.96', output: '3.84', cacheRead: '0.24', batchInput: '0.48', batchOutput: '1.92' },
  'price-list-2026-08-26',
);
setPrices('glm-5', 'ap-northeast-1', { input: '1.2', output: '3.84' }, 'price-list-2026-08-26');
// Titan Text: LiteLLM still carries the 2023 launch prices. Price List: Lite input $0.00015/1K.
setPrices('titan-text-lite', BASE_REGION, { input: '0.15', output: '0.2' }, 'price-list-2026-09-11');
setPrices('titan-text-express', BASE_REGION, { input: '0.2', output: '0.6' }, 'bedrock-pricing-page');
// Nova Canvas: $0.04 per standard 1024x1024 image (Price List); premium and 2048 per the pricing page.
setPrices(
  'nova-canvas',
  BASE_REGION,
  {
    images: {
      standard: '0.04',
      '1024 standard': '0.04',
      '1024 premium': '0.06',
      '2048 standard': '0.06',
      '2048 premium': '0.08',
    },
  },
  'price-list-2026-09-11',
);
// Claude 3.5 Haiku through `eu.`: LiteLLM copied Claude 3 Haiku's price. Anthropic prices
// are the same in every region for this generation: $0.80 / $4.00.
setPrices(
  'claude-3-5-haiku',
  'eu',
  { input: '0.8', output: '4', cacheRead: '0.08', cacheWrite5m: '1' },
  'bedrock-pricing-page',
);
// Claude 3 Haiku us-east-1 checked against GetProducts (2026-08-26): $0.00025/1K.
setPrices('claude-3-haiku', BASE_REGION, { input: '0.25' }, 'price-list-2026-08-26');
// Launch prices LiteLLM kept after AWS cut them (Price List offer files, us-east-1 and
// us-west-2, 2026-06-11; usage types named in the source title). Each has a test.
// Mistral Large (24.02): `USE1-MistralLarge-*` $0.004 / $0.012 per 1K.
for (const at of [BASE_REGION, 'us-west-2'])
  setPrices('mistral-large-2402', at, { input: '4', output: '12' }, 'price-list-2026-06-11');
dropRows('mistral-large-2402', ['eu-west-3']);
// Mistral Large 2 (24.07): `USW2-MistralLarge2407-*` $0.002 / $0.006, us-west-2 only.
setPrices('mistral-large-2407', 'us-west-2', { input: '2', output: '6' }, 'price-list-2026-06-11');
dropRows('mistral-large-2407', [BASE_REGION]);
// Llama 3.1 70B $0.72 / $0.72; Llama 3.2 90B $0.72; Llama 3.2 11B $0.16.
for (const [key, price] of [
  ['llama3-1-70b', '0.72'],
  ['llama3-2-90b', '0.72'],
  ['llama3-2-11b', '0.16'],
] as const) {
  for (const at of [BASE_REGION, 'us-west-2', 'us'])
    setPrices(key, at, { input: price, output: price }, 'price-list-2026-06-11');
}
// Llama 3.1 405B: `USW2-Llama3-1-405B-*` $0.0024 / $0.0024 per 1K; us-east-1 sells it
// through batch only (`USE1-...-batch` $1.20).
setPrices('llama3-1-405b', 'us-west-2', { input: '2.4', output: '2.4' }, 'price-list-2026-06-11');
setPrices('llama3-1-405b', 'us', { input: '2.4', output: '2.4' }, 'price-list-2026-06-11');
dropRows('llama3-1-405b', [BASE_REGION]);
// Nova 2 Pro: `USE1-Nova2.0Pro-text-*` $0.001375 / $0.011 per 1K in-region and geo;
// `-cross-region-global` $1.25 / $10. LiteLLM's $2.1875 / $17.50 was the preview launch price.
dropRows('nova-2-pro-preview', ['us-west-2', 'eu-central-1', 'eu-west-1', 'ap-northeast-1', 'apac', 'eu']);
for (const at of [BASE_REGION, 'us'])
  setPrices('nova-2-pro-preview', at, { input: '1.375', output: '11' }, 'price-list-2026-06-11');
setPrices('nova-2-pro-preview', 'global', { input: '1.25', output: '10' }, 'price-list-2026-06-11');
for (const p of model('nova-2-pro-preview').prices) {
  // The quoted rows give input and output only; cache prices follow the Nova rule.
  delete p.cacheRead;
  delete p.cacheWrite5m;
}
// gpt-oss: the model-ID rows (pass 1 now prefers them over the OpenAI-compatible endpoint's).
setPrices('gpt-oss-20b', BASE_REGION, { input: '0.07', output: '0.3' }, 'openai-model-id-row');
setPrices('gpt-oss-120b', BASE_REGION, { input: '0.15', output: '0.6' }, 'openai-model-id-row');
// DeepSeek-R1 ($1.35 / $5.40) and Pixtral Large ($2 / $6): only profile rows in LiteLLM.
for (const at of [BASE_REGION, 'us'])
  setPrices('deepseek-r1', at, { input: '1.35', output: '5.4' }, 'price-list-deepseek-r1');
for (const at of [BASE_REGION, 'us'])
  setPrices('pixtral-large-2502', at, { input: '2', output: '6' }, 'price-list-2026-06-11');
// A price published at the source Region, not derived: drop the rule note.
for (const key of ['deepseek-r1', 'pixtral-large-2502', 'nova-2-pro-preview']) {
  for (const p of model(key).prices) if (p.source !== 'litellm') delete p.derived;
}

// ---------------------------------------------------------------------------------
// AWS Price List rows, read with the refresh's own parser (lib/pricing/refresh.ts):
// the real product documents in test/fixtures/pricing/ and the rows public files quote
// from the current offers (data/catalog/price-list-quotes.json, each with its offer,
// version, publication date and the repository / path / commit quoting it). A published
// row wins over the snapshot; a price set the Price List reaches drops the snapshot's
// other prices of that set, which the rules below then re-derive and mark.
// ---------------------------------------------------------------------------------
interface QuoteRow {
  source: string;
  serviceCode: string;
  usagetype: string;
  regionCode: string;
  unit: string;
  usd: string;
  servicename?: string;
  model?: string;
  description?: string;
  inferenceType?: string;
  feature?: string;
  sku?: string;
}
const quotes = JSON.parse(readFileSync(resolve(here, '../data/catalog/price-list-quotes.json'), 'utf8')) as {
  sources: Record<string, PriceSource>;
  rows: QuoteRow[];
};
const QUOTE_SOURCES: Record<string, PriceSource> = quotes.sources;

/** A quoted row as the Price List product document it was read from. */
function quoteDocument(r: QuoteRow, i: number): PriceListProduct {
  const sku = r.sku ?? `QUOTE${i}`;
  const src = QUOTE_SOURCES[r.source]!;
  return {
    serviceCode: r.serviceCode,
    product: {
      sku,
      attributes: {
        servicecode: r.serviceCode,
        usagetype: r.usagetype,
        regionCode: r.regionCode,
        ...(r.servicename ? { servicename: r.servicename } : {}),
        ...(r.model ? { model: r.model } : {}),
        ...(r.inferenceType ? { inferenceType: r.inferenceType } : {}),
        ...(r.feature ? { feature: r.feature } : {}),
      },
    },
    terms: {
      OnDemand: {
        [`${sku}.T`]: {
          priceDimensions: {
            [`${sku}.T.D`]: {
              unit: r.unit,
              ...(r.description ? { description: r.description } : {}),
              beginRange: '0',
              pricePerUnit: { USD: r.usd },
            },
          },
        },
      },
    },
    ...(src.publicationDate ? { publicationDate: `${src.publicationDate}T00:00:00Z` } : {}),
  } as PriceListProduct;
}

const fixture = (name: string) =>
  JSON.parse(readFileSync(resolve(here, `../test/fixtures/pricing/${name}`), 'utf8'));
const realItems = fixture('getproducts-items.json');
const documentSets: { source: string; docs: PriceListProduct[] }[] = [
  {
    source: 'price-list-2026-09-11',
    docs: (fixture('amazonbedrock-getproducts-us-east-1.json').PriceList as string[]).map((x) =>
      JSON.parse(x),
    ),
  },
  {
    source: 'price-list-2026-08-26',
    docs: (realItems.B_trimmed_items_inferplane.items as { PriceList_element: string }[]).map((x) =>
      JSON.parse(x.PriceList_element),
    ),
  },
  ...Object.keys(QUOTE_SOURCES).map((source) => ({
    source,
    docs: quotes.rows.flatMap((r, i) => (r.source === source ? [quoteDocument(r, i)] : [])),
  })),
];

const THIRD_PARTY = new Set<string>(['litellm', 'openai-model-id-row']);
/** What the Price List pass did, for the build log and docs/pricing.md. */
const priceListReport: { source: string; facts: number; skipped: Partial<Record<SkipReason, number>> }[] = [];
{
  const snapshot = indexCatalog({
    schema: 1,
    source: 'bundled',
    asOf: SNAPSHOT,
    sources: {},
    models: [...models.values()] as unknown as CatalogModel[],
    services: {},
  } as unknown as CatalogData);
  const touched = new Map<
    PriceSetOut,
    { model: ModelOut; fields: Set<string>; source: string; asOf: string }
  >();
  for (const { source, docs } of documentSets) {
    const skipped: Partial<Record<SkipReason, number>> = {};
    let facts = 0;
    const asOf = (QUOTE_SOURCES[source] ?? SOURCES[source as SourceId]).asOf;
    for (const doc of docs) {
      const parsed = parseProductFacts(doc);
      if (typeof parsed === 'string') {
        skipped[parsed] = (skipped[parsed] ?? 0) + 1;
        continue;
      }
      for (const fact of parsed as PriceFact[]) {
        const known = resolveFact(snapshot, fact);
        const m = known ? models.get(known.key) : undefined;
        if (!m) {
          skipped['unknown-model'] = (skipped['unknown-model'] ?? 0) + 1;
          continue;
        }
        facts++;
        if (fact.meter === 'noCommit' || fact.meter === 'oneMonth' || fact.meter === 'sixMonth') {
          const prev = m.provisioned.find((x) => x.at === fact.at);
          const next = { ...prev, at: fact.at, [fact.meter]: fact.usd, source, asOf } as ProvisionedOut;
          if (prev) m.provisioned[m.provisioned.indexOf(prev)] = next;
          else m.provisioned.push(next);
          continue;
        }
        let set = m.prices.find((p) => p.at === fact.at);
        if (!set) {
          set = { at: fact.at, source: source as SourceId, asOf };
          m.prices.push(set);
        }
        if (fact.meter === 'image') set.images = { ...set.images, [fact.variant ?? 'standard']: fact.usd };
        else (set as unknown as Record<string, string>)[fact.meter] = fact.usd;
        const t = touched.get(set) ?? { model: m, fields: new Set<string>(), source, asOf };
        t.fields.add(fact.meter === 'image' ? 'images' : fact.meter);
        if (asOf >= t.asOf) Object.assign(t, { source, asOf });
        touched.set(set, t);
      }
    }
    priceListReport.push({ source, facts, skipped });
  }
  // Label a set with its Price List source only when the Price List gave its core prices
  // (input, and output for text models): then the snapshot's other prices of the set,
  // which the rules below re-derive, are dropped so they come back marked as rules. A
  // set the Price List only partly covers keeps its earlier (third-party) label, with
  // the published values in place.
  const DERIVABLE = [
    'cacheRead',
    'cacheWrite5m',
    'cacheWrite1h',
    'batchInput',
    'batchOutput',
    'inputLong',
    'outputLong',
  ];
  for (const [set, t] of touched) {
    const core =
      t.fields.has('images') ||
      (t.fields.has('input') && (t.model.modality !== 'text' || t.fields.has('output')));
    if (THIRD_PARTY.has(set.source)) {
      if (!core) continue;
      for (const f of DERIVABLE) if (!t.fields.has(f)) delete (set as unknown as Record<string, string>)[f];
      delete set.cacheRule;
    } else if (set.asOf > t.asOf) continue;
    set.source = t.source as SourceId;
    set.asOf = t.asOf;
    delete set.derived;
  }
  // An offer that prices a model the same in every Region that lists it (quoted as such):
  // the model's other Regions and geo profiles take the published regional row, marked
  // as that rule; Reserved capacity only on geo profiles.
  for (const [set, t] of [...touched]) {
    const src = QUOTE_SOURCES[t.source] as (PriceSource & { sameInEveryRegion?: boolean }) | undefined;
    if (!src?.sameInEveryRegion || set.at !== BASE_REGION || set.source !== t.source) continue;
    const geoOrigin = t.model.prices.find((p) => p.at === 'us' && p.source === t.source);
    for (const p of t.model.prices) {
      if (!THIRD_PARTY.has(p.source) || p.at === 'global') continue;
      const isGeo = GEO.includes(p.at);
      const from = isGeo && geoOrigin ? geoOrigin : withoutReserved(set);
      const next: PriceSetOut = {
        ...from,
        at: p.at,
        derived: `${src.offer} prices this model the same in every Region that lists it (us-east-1 row)`,
      };
      t.model.prices[t.model.prices.indexOf(p)] = next;
    }
  }
}

// GovCloud Llama 3 8B: LiteLLM copied the 70B input price into the 8B output ($2.65);
// every other GovCloud Llama row matches us-east-1, so the 8B output is $0.60 as there.
for (const at of ['us-gov-east-1', 'us-gov-west-1']) {
  const set = model('llama3-8b').prices.find((p) => p.at === at);
  if (set) Object.assign(set, { output: '0.6', source: 'bedrock-pricing-page', asOf: SNAPSHOT });
}
// Claude 2.0 input $0.008/1K (GetProducts item, 2025-06-18): matches `claude-v1`.
// Provisioned throughput the Price List and pricing page publish.
function setProvisioned(
  key: string,
  at: string,
  p: Omit<ProvisionedOut, 'at' | 'source' | 'asOf'>,
  source: SourceId,
) {
  const m = model(key);
  const prev = m.provisioned.find((x) => x.at === at);
  const next = { ...prev, ...p, at, source, asOf: SOURCES[source].asOf };
  if (prev) m.provisioned[m.provisioned.indexOf(prev)] = next;
  else m.provisioned.push(next);
}
setProvisioned('nova-lite', BASE_REGION, { oneMonth: '55' }, 'price-list-2026-09-11');
setProvisioned('nova-2-lite', BASE_REGION, { noCommit: '60.5' }, 'bedrock-pricing-page');
setProvisioned('command', BASE_REGION, { oneMonth: '39.6', sixMonth: '23.77' }, 'bedrock-pricing-page');

// ---------------------------------------------------------------------------------
// Derived prices: rules AWS publishes, applied where the snapshot has no explicit row.
// ---------------------------------------------------------------------------------
const REQUIRED_REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1', 'eu-west-1', 'ap-northeast-1'];

/**
 * In-region price in another region, as a multiple of us-east-1. Anthropic and the other
 * Marketplace sellers price the same everywhere; AWS-served models cost more outside the
 * US: Nova +30% in the EU (the `eu.` profile rows), +20% in Tokyo (Nova Pro APN1 Price
 * List rows); open-weight models +20% in the EU and Tokyo (DeepSeek, MiniMax, Qwen rows).
 */
function uplift(m: ModelOut, region: string): { factor: string; why: string } {
  if (m.billing === 'marketplace' || region.startsWith('us-'))
    return { factor: '1', why: 'same price in every Region' };
  const nova = m.provider === 'Amazon';
  if (region.startsWith('eu-'))
    return nova
      ? { factor: '1.3', why: 'us-east-1 x1.3, the EU uplift of the eu. Nova rows' }
      : { factor: '1.2', why: 'us-east-1 x1.2, the EU uplift of open-weight models' };
  return { factor: '1.2', why: 'us-east-1 x1.2, the Tokyo uplift of Nova Pro and open-weight models' };
}

const TOKEN_FIELDS = [
  'input',
  'output',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'batchInput',
  'batchOutput',
] as const;

for (const m of models.values()) {
  const base = m.prices.find((p) => p.at === BASE_REGION);
  if (!base) continue;
  // Newest Claude models: the global profile is ~10% cheaper than in-region and geo; the
  // bare-ID LiteLLM row holds the global price, so in-region uses the `us.` geo row.
  const usGeo = m.prices.find((p) => p.at === 'us');
  const global = m.prices.find((p) => p.at === 'global');
  if (
    m.provider === 'Anthropic' &&
    usGeo &&
    global &&
    usGeo.input &&
    global.input &&
    new Decimal(usGeo.input).gt(global.input)
  ) {
    if (THIRD_PARTY.has(base.source))
      upsert(m, {
        ...withoutReserved(usGeo),
        at: BASE_REGION,
        derived: 'in-region priced like the us. profile (10% above global)',
      });
    // Geo profiles of these models all carry the 10% regional premium; LiteLLM has some
    // at the global price (e.g. eu.anthropic.claude-opus-4-5): correct them.
    for (const p of m.prices) {
      if (
        p.at !== 'global' &&
        p.at !== 'us' &&
        GEO.includes(p.at) &&
        p.input === global.input &&
        p.at !== 'us-gov'
      ) {
        upsert(m, {
          ...withoutReserved(usGeo),
          at: p.at,
          source: 'bedrock-pricing-page',
          asOf: SNAPSHOT,
          derived: 'geo profile: 10% above global, like every other geo profile of this model',
        });
      }
    }
  }
  // Nova 2 Lite: the same split (Price List shows $0.33 in-region, LiteLLM global $0.30).
  const baseNow = m.prices.find((p) => p.at === BASE_REGION)!;
  for (const region of REQUIRED_REGIONS) {
    if (m.prices.some((p) => p.at === region)) continue;
    const geoKey = region.startsWith('eu-')
      ? 'eu'
      : region.startsWith('ap-northeast-1')
        ? 'jp'
        : region.startsWith('us-')
          ? 'us'
          : '';
    const geoRow =
      m.prices.find((p) => p.at === geoKey) ??
      (region.startsWith('ap-') ? m.prices.find((p) => p.at === 'apac') : undefined);
    if (geoRow && !region.startsWith('us-')) {
      upsert(m, {
        ...withoutReserved(geoRow),
        at: region,
        derived: `in-region priced like the ${geoRow.at}. profile from ${region}`,
      });
      continue;
    }
    const { factor, why } = uplift(m, region);
    // A rule-derived row keeps the source of the row it was derived from (a third-party
    // row stays third-party), with the rule in `derived`.
    const set: PriceSetOut = { at: region, source: baseNow.source, asOf: baseNow.asOf };
    for (const f of TOKEN_FIELDS) {
      const v = times(baseNow[f], factor);
      if (v !== undefined) set[f] = v;
    }
    if (baseNow.images)
      set.images = Object.fromEntries(Object.entries(baseNow.images).map(([k, v]) => [k, times(v, factor)!]));
    set.derived = why;
    upsert(m, set);
  }
}

for (const m of models.values()) {
  for (const p of m.prices) {
    // Prompt caching: Claude read 0.1x, 5-minute write 1.25x, 1-hour write 2x input;
    // Nova read 0.25x, writes free. Filled only where the model supports caching.
    if (p.cacheRead !== undefined || p.cacheWrite5m !== undefined) m.cache = true;
  }
  if (m.key.startsWith('nova-') && m.modality === 'text') m.cache = true;
  // Bedrock does not cache prompts for these older Claude models, whatever LiteLLM lists.
  if (NO_CACHE.has(m.key)) {
    m.cache = false;
    for (const p of m.prices) {
      delete p.cacheRead;
      delete p.cacheWrite5m;
      delete p.cacheWrite1h;
    }
  }
  for (const p of m.prices) {
    if (m.cache && p.input !== undefined) {
      const isNova = m.provider === 'Amazon';
      if (p.cacheRead === undefined) {
        p.cacheRead = times(p.input, isNova ? '0.25' : '0.1');
        p.cacheRule = addRule(p.cacheRule, `cache read ${isNova ? '0.25x' : '0.1x'} input`);
      }
      if (p.cacheWrite5m === undefined) p.cacheWrite5m = isNova ? '0' : times(p.input, '1.25');
      // 1-hour cache writes: 2x input for every Claude model Bedrock caches.
      if (p.cacheWrite1h === undefined && !isNova) {
        p.cacheWrite1h = times(p.input, '2');
        p.cacheRule = addRule(p.cacheRule, '1-hour cache write 2x input');
      }
    }
    // Batch inference: 50% of on-demand (verified: Nova Lite and Nova Pro batch rows).
    if (m.batch && p.input !== undefined && p.at !== 'us-gov' && !p.at.startsWith('us-gov')) {
      p.batchInput ??= times(p.input, '0.5');
      if (p.output !== undefined) p.batchOutput ??= times(p.output, '0.5');
    }
    if (m.modality === 'embedding') delete p.output;
  }
  // Long context: Claude Sonnet 4 / 4.5 take up to 1M input tokens; above 200K the whole
  // request is billed at the long-context rates (2x input, 1.5x output).
  // Claude 3.x takes 200K tokens and has no long-context rates (LiteLLM lists 1M and
  // long-context prices for the bare Claude 3.5 Sonnet IDs).
  if (/^claude-3/.test(m.key)) {
    m.contextWindow = 200_000;
    for (const p of m.prices) {
      delete p.inputLong;
      delete p.outputLong;
    }
  }
  if (m.prices.some((p) => p.inputLong !== undefined)) {
    m.longContextAbove = 200_000;
    m.contextWindow = 1_000_000;
    for (const p of m.prices) {
      if (p.input === undefined) continue;
      p.inputLong ??= times(p.input, '2');
      if (p.output !== undefined) p.outputLong ??= times(p.output, '1.5');
    }
  }
  // Usage-type tokens: the Price List / Cost Explorer model token, e.g. `NovaPro`,
  // `Llama3-1-70B`, `Claude3Haiku`. Marketplace models have none (the SERVICE names them).
  m.usageTokens = [...m.aliases.filter((a) => !a.includes(' ')), ...(USAGE_ONLY_TOKENS[m.key] ?? [])];
  m.prices.sort((a, b) => order(a.at) - order(b.at) || a.at.localeCompare(b.at));
}
/** A geo row's prices for another place: Reserved capacity is sold on the geo and global profiles only. */
function withoutReserved(p: PriceSetOut): PriceSetOut {
  const { reserved1mInput: _a, reserved1mOutput: _b, reserved3mInput: _c, reserved3mOutput: _d, ...rest } = p;
  return rest;
}
/** Cache prices set by rule are noted apart from `derived`, which is about input/output. */
function addRule(rules: string | undefined, rule: string): string {
  return rules ? `${rules}; ${rule}` : rule;
}
function order(at: string): number {
  if (at === 'global') return 0;
  if (REQUIRED_REGIONS.includes(at)) return 1 + REQUIRED_REGIONS.indexOf(at);
  if (GEO.includes(at)) return 10;
  return 20;
}

// ---------------------------------------------------------------------------------
// Services around the models: hidden costs and the self-hosting comparison.
// ---------------------------------------------------------------------------------
const services = {
  guardrails: {
    // Per 1,000 text units; a text unit is up to 1,000 characters; word filters are free.
    contentFilterPer1kUnits: '0.15',
    deniedTopicsPer1kUnits: '0.15',
    piiPer1kUnits: '0.10',
    groundingPer1kUnits: '0.10',
    charactersPerUnit: 1000,
    source: 'bedrock-pricing-page',
    asOf: SNAPSHOT,
  },
  knowledgeBase: {
    // OpenSearch Serverless: 2 OCUs (1 indexing + 1 search) minimum without standby
    // replicas, 4 with redundancy (the default); billed even when idle.
    ocuHour: '0.24',
    minOcus: 2,
    minOcusRedundant: 4,
    storageGbMonth: '0.024',
    source: 'opensearch-pricing-page',
    asOf: SNAPSHOT,
  },
  logs: {
    ingestionPerGb: '0.50',
    storagePerGbMonth: '0.03',
    source: 'cloudwatch-pricing-page',
    asOf: SNAPSHOT,
  },
  ec2: [
    { type: 'g5.xlarge', gpus: '1x A10G 24 GB', gpuMemoryGb: 24, hourly: '1.006', spotDiscount: '0.65' },
    { type: 'g5.12xlarge', gpus: '4x A10G 24 GB', gpuMemoryGb: 96, hourly: '5.672', spotDiscount: '0.65' },
    { type: 'g6e.xlarge', gpus: '1x L40S 48 GB', gpuMemoryGb: 48, hourly: '1.861', spotDiscount: '0.6' },
    { type: 'g6e.12xlarge', gpus: '4x L40S 48 GB', gpuMemoryGb: 192, hourly: '10.493', spotDiscount: '0.6' },
    { type: 'p4d.24xlarge', gpus: '8x A100 40 GB', gpuMemoryGb: 320, hourly: '21.96', spotDiscount: '0.5' },
    { type: 'p5.48xlarge', gpus: '8x H100 80 GB', gpuMemoryGb: 640, hourly: '55.04', spotDiscount: '0.5' },
  ].map((i) => ({
    ...i,
    source: 'ec2-pricing-page',
    spotSource: 'ec2-spot-advisor',
    asOf: SOURCES['ec2-pricing-page'].asOf,
  })),
  /**
   * Throughput assumption for self-hosting, per instance at full batch with a vLLM-class
   * server: output tokens per second, by model size. Input (prefill) tokens count as
   * 1/10 of an output token. Sized for twice the average load (peaks), at least one
   * instance running all month.
   */
  selfHosting: {
    inputTokenWeight: '0.1',
    peakToAverage: 2,
    tiers: [
      { maxParamsB: 9, instance: 'g5.xlarge', outputTokensPerSecond: 1000 },
      { maxParamsB: 35, instance: 'g6e.xlarge', outputTokensPerSecond: 800 },
      { maxParamsB: 130, instance: 'p4d.24xlarge', outputTokensPerSecond: 2500 },
      { maxParamsB: 700, instance: 'p5.48xlarge', outputTokensPerSecond: 3000 },
    ],
  },
};

const catalog = {
  schema: 1,
  source: 'bundled',
  asOf: SNAPSHOT,
  sources: { ...SOURCES, ...QUOTE_SOURCES },
  models: [...models.values()].sort(
    (a, b) => a.provider.localeCompare(b.provider) || a.key.localeCompare(b.key),
  ),
  services,
};
writeFileSync(output, `${JSON.stringify(catalog)}\n`);
const byKind: Record<string, number> = {};
for (const m of catalog.models) {
  for (const p of m.prices) {
    const kind = (catalog.sources as Record<string, PriceSource>)[p.source]?.kind ?? p.source;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
}
console.log(
  `wrote ${output}: ${catalog.models.length} models, ${catalog.models.reduce((n, m) => n + m.prices.length, 0)} price sets by source kind ${JSON.stringify(byKind)}`,
);
for (const r of priceListReport)
  console.log(`  Price List ${r.source}: ${r.facts} prices placed; not placed: ${JSON.stringify(r.skipped)}`);

/**
 * The workload grammar of `estimate` and `compare` (docs/interfaces.md):
 *
 *   claude-sonnet-4-5 2000 in 500 out 10k/day
 *   nova-micro 300k requests/month 800 in 200 out batch
 *   model=llama3-1-70b input=1500 output=300 requests=50000/day cache=60% region=eu-west-1
 *   sonnet 4.5 2000 in 500 out 10k/day x6 calls kb guardrails logs
 *   nova-canvas 2000 images/day
 *
 * A month is 730 hours (the AWS Pricing Calculator convention), so `10k/day` is
 * 10,000 x 730 / 24 = 304,166.67, rounded to 304,167 requests a month.
 */

import { ParseError } from '../errors.js';
import { closestMatches } from '../fuzzy.js';
import { Dec } from '../money.js';
import { isKnownRegion, REGIONS } from './regions.js';

/** Hours in the pricing month. */
export const HOURS_PER_MONTH = 730;

/** Upper bounds that catch typos ("10000000k/day") before they become silly answers. */
export const MAX_REQUESTS_PER_MONTH = 1e12;
export const MAX_TOKENS_PER_REQUEST = 10_000_000;
export const MAX_FAN_OUT = 100;

export interface Workload {
  /** The model as typed (resolved by the command against the catalog). */
  modelText: string;
  /** Requests (or images, for image models) per month, a whole number. */
  requestsPerMonth: number;
  /** The volume as typed (`10k/day`). */
  volumeText: string;
  /** The volume as given: a count per period (`10000` per `day`). */
  volume: { count: number; unit: string };
  inputTokens?: number;
  outputTokens?: number;
  /** The volume was given as images (`2000 images/day`). */
  images: boolean;
  /** `batch` asked for: the default option becomes batch inference. */
  batch: boolean;
  /** Share of input tokens read from the prompt cache, 0..1 (`cache=60%`). */
  cacheHitRate?: number;
  cacheTtl: '5m' | '1h';
  region?: string;
  /** Model calls per user request (agent fan-out, `x6 calls`). */
  calls: number;
  kb: boolean;
  guardrails: boolean;
  logs: boolean;
  /** Image models: `premium` quality and `size=2048` pick the matching per-image price. */
  imageQuality?: 'standard' | 'premium';
  imageSize?: string;
  /** `legacy`: `compare` ranks legacy models too. */
  legacy?: boolean;
  /** A service tier asked for: the default option becomes it (`flex`, `priority`, ...). */
  tier?: 'flex' | 'priority' | 'latency-optimized' | 'reserved';
  /** A route asked for: `global`, `geo` (us./eu./... profiles) or `in-region`. */
  route?: 'in-region' | 'geo' | 'global';
}

/** The example every workload error ends with (`compare` shows its own instead). */
export const WORKLOAD_EXAMPLE = 'for example: estimate claude-sonnet-4-5 2000 in 500 out 10k/day';
const EXAMPLE = WORKLOAD_EXAMPLE;

/** Maps, not object literals: a typed word such as `__proto__` must not find anything. */
const UNIT_PER_MONTH = new Map<string, Dec>(
  Object.entries({
    month: new Dec(1),
    day: new Dec(HOURS_PER_MONTH).div(24),
    hour: new Dec(HOURS_PER_MONTH),
    minute: new Dec(HOURS_PER_MONTH).times(60),
    second: new Dec(HOURS_PER_MONTH).times(3600),
    week: new Dec(HOURS_PER_MONTH).div(168),
  }),
);
const UNIT_WORDS = new Map<string, string>(
  Object.entries({
    month: 'month',
    months: 'month',
    mo: 'month',
    mon: 'month',
    m: 'month',
    day: 'day',
    days: 'day',
    d: 'day',
    hour: 'hour',
    hours: 'hour',
    hr: 'hour',
    h: 'hour',
    minute: 'minute',
    minutes: 'minute',
    min: 'minute',
    second: 'second',
    seconds: 'second',
    sec: 'second',
    s: 'second',
    week: 'week',
    weeks: 'week',
    daily: 'day',
    monthly: 'month',
    hourly: 'hour',
    weekly: 'week',
    wk: 'week',
    w: 'week',
  }),
);
const REQUEST_WORDS = new Set([
  'requests',
  'request',
  'reqs',
  'req',
  'calls',
  'invocations',
  'queries',
  'prompts',
]);
const IMAGE_WORDS = new Set(['images', 'image', 'imgs', 'img', 'pictures']);
const INPUT_WORDS = new Set(['in', 'input', 'inputs', 'prompt']);
const OUTPUT_WORDS = new Set(['out', 'output', 'outputs', 'completion']);

/** `2000`, `2,000`, `10k`, `1.5m`, `2bn` -> a number; undefined when not a count. */
export function parseCount(text: string): number | undefined {
  const m = /^([+-]?\d[\d,_]*(?:\.\d+)?|[+-]?\.\d+)(k|m|mm|bn|b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const digits = m[1]!.replace(/[,_]/g, '');
  const suffix = (m[2] ?? '').toLowerCase();
  const factor =
    suffix === 'k'
      ? 1e3
      : suffix === 'm' || suffix === 'mm'
        ? 1e6
        : suffix === 'bn' || suffix === 'b'
          ? 1e9
          : 1;
  const value = new Dec(digits).times(factor);
  return value.toNumber();
}

/** Looks like a number to a person (so "abc/day" gets a number error, not a word error). */
function looksNumeric(text: string): boolean {
  return /^[+-]?[\d.,]/.test(text);
}

function countOrThrow(text: string, what: string): number {
  const n = parseCount(text);
  if (n === undefined || !Number.isFinite(n)) {
    throw new ParseError(
      `${what} takes a number such as 2000, 10k or 1.5m, not "${text.slice(0, 30)}"; ${EXAMPLE}.`,
    );
  }
  if (n < 0) throw new ParseError(`${what} can't be negative ("${text.slice(0, 30)}"); ${EXAMPLE}.`);
  return n;
}

/** `10k/day`, `300k requests/month` -> requests per month (rounded to a whole request). */
export function toMonthly(count: number, unit: string): number {
  const per = UNIT_PER_MONTH.get(unit);
  if (!per)
    throw new ParseError(`"${unit}" is not a period: use /day, /month, /hour, /minute, /second or /week.`);
  return new Dec(count).times(per).toDecimalPlaces(0, Dec.ROUND_HALF_UP).toNumber();
}

function unitOf(word: string | undefined): string | undefined {
  if (!word) return undefined;
  return UNIT_WORDS.get(word.toLowerCase().replace(/^\/|^per-?|^an?-?/, ''));
}

interface Volume {
  count: number;
  unit: string;
  images: boolean;
  text: string;
}

/** The words that name the model, what the lookup made of them, and the words after them. */
export interface ModelWords<M> {
  modelText: string;
  /** The lookup's answer for `modelText` (undefined when it names nothing). */
  model: M | undefined;
  rest: string[];
}

/** Options of {@link readWorkload}: `compare` takes a workload without a model. */
export interface ReadOptions {
  requireModel?: boolean;
}

/**
 * Parse the words after `estimate` / `compare`. `isModel(text)` says whether a prefix of
 * the words names a model exactly (so multi-word names like `sonnet 4.5` or
 * `llama 3.1 70b` are not mistaken for volumes). Throws `ParseError` with the accepted
 * form on anything it does not understand.
 */
export function parseWorkload(
  words: string[],
  isModel: (text: string) => boolean,
  options: ReadOptions = {},
): Workload {
  return readWorkload(
    splitModelWords(words, (text) => (isModel(text) ? true : undefined)),
    options,
  );
}

/**
 * The words of `estimate` / `compare` parsed before the catalog is loaded: without it a
 * model name runs up to the first volume or option word, which is enough to answer a
 * mistake at once. `resolveDraft` (models.ts) finishes it against the catalog.
 */
export interface WorkloadDraft {
  words: string[];
  workload: Workload;
  /** The words after the model name, as this reading ended the name. */
  rest: string[];
}

/** Parse without the catalog; throws `ParseError` as {@link parseWorkload} does. */
export function draftWorkload(words: string[], options: ReadOptions = {}): WorkloadDraft {
  const split = splitModelWords(words, () => undefined);
  return { words, workload: readWorkload(split, options), rest: split.rest };
}

/**
 * Step 1 of the grammar: the words that name the model (`model=NAME`, else the longest
 * leading words `lookup` knows, else the leading words that are no volume or option), and
 * the words after them. Each text is looked up once; `model` is the lookup's answer for
 * the name taken, so the caller does not resolve it again.
 */
export function splitModelWords<M>(words: string[], lookup: (text: string) => M | undefined): ModelWords<M> {
  const seen = new Map<string, M | undefined>();
  const find = (text: string): M | undefined => {
    if (!seen.has(text)) seen.set(text, lookup(text));
    return seen.get(text);
  };
  const { modelText, rest } = modelPrefix(
    words.filter((w) => w.trim() !== ''),
    (text) => find(text) !== undefined,
  );
  return { modelText, model: modelText ? find(modelText) : undefined, rest };
}

function modelPrefix(
  all: string[],
  isModel: (text: string) => boolean,
): { modelText: string; rest: string[] } {
  const explicit = all.findIndex((w) => /^model=/i.test(w));
  if (explicit >= 0) {
    const word = all[explicit]!;
    return { modelText: word.slice(word.indexOf('=') + 1), rest: all.filter((_, i) => i !== explicit) };
  }
  for (let k = Math.min(6, all.length); k >= 1; k--) {
    // "claude-opus-4 1 in ...": a number followed by a unit word is a volume, even when
    // the longer prefix would name another model (claude-opus-4-1).
    if (k < all.length && looksNumeric(all[k - 1]!) && !isNameWord(all, k - 1)) continue;
    const candidate = all.slice(0, k).join(' ');
    if (isModel(candidate)) {
      // "claude sonet 4.5": "claude" names a model, but "sonet" is no workload word, so
      // the whole name was meant (and gets suggestions) rather than "sonet" an error.
      if (k < all.length && isNameWord(all, k) && !looksNumeric(all[k]!) && !isOptionWord(all[k]!)) break;
      return { modelText: candidate, rest: all.slice(k) };
    }
  }
  // Unknown name: take the leading words that are not volumes or options, so the
  // caller can answer with the closest models.
  let k = 0;
  while (k < all.length && isNameWord(all, k)) k++;
  return { modelText: all.slice(0, k).join(' '), rest: all.slice(k) };
}

/**
 * Steps 2 and 3 of the grammar: read the words after the model (quantities, rates and
 * options, one word or phrase at a time), then check the whole (one volume, in bounds).
 */
export function readWorkload(
  split: Pick<ModelWords<unknown>, 'modelText' | 'rest'>,
  options: ReadOptions = {},
): Workload {
  if (!split.modelText && (options.requireModel ?? true)) {
    throw new ParseError(`Start with a model, ${EXAMPLE}.`);
  }
  const r: Reading = { w: emptyWorkload(split.modelText), words: split.rest, i: 0 };
  for (; r.i < r.words.length; r.i++) readWord(r);
  return withVolume(r.w, r.volume);
}

/** The grammar's state: the workload so far, the words and the one being read. */
interface Reading {
  w: Workload;
  words: string[];
  /** The word being read; a step that reads the words after it moves this on. */
  i: number;
  volume?: Volume;
}

function emptyWorkload(modelText: string): Workload {
  return {
    modelText,
    requestsPerMonth: 0,
    volumeText: '',
    volume: { count: 0, unit: 'month' },
    images: false,
    batch: false,
    cacheTtl: '5m',
    calls: 1,
    kb: false,
    guardrails: false,
    logs: false,
    legacy: false,
  };
}

function setVolume(r: Reading, v: Volume): void {
  if (r.volume)
    throw new ParseError(`Give the volume once (got "${r.volume.text}" and "${v.text}"); ${EXAMPLE}.`);
  r.volume = v;
}

/** The word at `r.i` (and any it takes with it). */
function readWord(r: Reading): void {
  const word = r.words[r.i]!;
  const lower = word.toLowerCase();
  if (lower.indexOf('=') > 0) {
    readSetting(r, word);
    return;
  }
  if (readFlag(r.w, lower) || readOption(r, word)) return;
  // A number, maybe with a rate attached (`10k/day`) or a unit word after it.
  if (looksNumeric(lower)) {
    readNumber(r, word);
    return;
  }
  // "abc/day", "ten/day": a rate whose count is not a number.
  const rate = /^(.+)\/([a-z]+)$/.exec(lower);
  if (rate && unitOf(rate[2])) countOrThrow(rate[1]!, 'The volume');
  throw unknownWord(word);
}

/** `key=value`. */
function readSetting(r: Reading, word: string): void {
  const eq = word.indexOf('=');
  const key = word.slice(0, eq).toLowerCase();
  const value = word.slice(eq + 1);
  const w = r.w;
  switch (key) {
    case 'input':
    case 'in':
    case 'input_tokens':
    case 'inputtokens':
      w.inputTokens = countOrThrow(value, 'input');
      return;
    case 'output':
    case 'out':
    case 'output_tokens':
    case 'outputtokens':
      w.outputTokens = countOrThrow(value, 'output');
      return;
    case 'requests':
    case 'reqs':
    case 'volume':
    case 'images':
      setVolume(r, volumeSetting(key, value));
      return;
    case 'cache':
      w.cacheHitRate = parsePercent(value);
      return;
    case 'cache-ttl':
    case 'ttl':
      w.cacheTtl = parseTtl(value);
      return;
    case 'region':
      w.region = parseRegion(value);
      return;
    case 'calls':
    case 'fanout':
    case 'fan-out':
      w.calls = parseCalls(value);
      return;
    case 'quality':
    case 'size':
      imageSetting(w, key, value);
      return;
    case 'mode':
    case 'tier':
    case 'route':
      modeSetting(w, key, value);
      return;
    default:
      throw unknownWord(word);
  }
}

/** `requests=50000/day`, `images=2000/day`. */
function volumeSetting(key: string, value: string): Volume {
  const [count, unit] = value.split('/');
  const u = unitOf(unit ?? 'month');
  if (!u)
    throw new ParseError(`${key}= takes a rate such as 50000/day or 1m/month, not "${value.slice(0, 30)}".`);
  return { count: countOrThrow(count ?? '', key), unit: u, images: key === 'images', text: value };
}

/** `quality=premium`, `size=1024x1024`. */
function imageSetting(w: Workload, key: 'quality' | 'size', value: string): void {
  if (key === 'quality') {
    if (!/^(standard|premium)$/i.test(value))
      throw new ParseError(`quality= takes standard or premium, not "${value.slice(0, 30)}".`);
    w.imageQuality = value.toLowerCase() as 'standard' | 'premium';
    return;
  }
  if (!/^\d{3,4}(x\d{3,4})?$/.test(value))
    throw new ParseError(`size= takes an image size such as 1024 or 1024x1024, not "${value.slice(0, 30)}".`);
  w.imageSize = value.toLowerCase();
}

/** `mode=batch`, `tier=flex`, `route=global`. */
function modeSetting(w: Workload, key: 'mode' | 'tier' | 'route', value: string): void {
  const lower = value.toLowerCase();
  if (key === 'route') {
    if (!ROUTE_WORDS.has(lower))
      throw new ParseError(`route= takes global, geo or in-region, not "${value.slice(0, 30)}".`);
    w.route = ROUTE_WORDS.get(lower);
    return;
  }
  if (lower === 'batch') w.batch = true;
  else if (TIER_WORDS.has(lower)) w.tier = TIER_WORDS.get(lower);
  else if (!/^(on-?demand|standard)$/i.test(value))
    throw new ParseError(
      `${key}= takes batch, flex, priority, latency-optimized, reserved or on-demand, not "${value.slice(0, 30)}".`,
    );
}

/** A word that sets an option on its own (`batch`, `premium`, `global`, `kb`, ...); false when not one. */
function readFlag(w: Workload, lower: string): boolean {
  if (lower === 'premium' || lower === 'standard') w.imageQuality = lower;
  else if (lower === 'batch') w.batch = true;
  else if (lower === 'legacy') w.legacy = true;
  else if (TIER_WORDS.has(lower)) w.tier = TIER_WORDS.get(lower);
  else if (ROUTE_WORDS.has(lower)) w.route = ROUTE_WORDS.get(lower);
  else if (FILLER_WORDS.has(lower)) return true;
  else if (lower === 'kb' || lower === 'knowledge-base' || lower === 'rag') w.kb = true;
  else if (lower === 'guardrails' || lower === 'guardrail') w.guardrails = true;
  else if (lower === 'logs' || lower === 'logging') w.logs = true;
  else return false;
  return true;
}

/** Words read and skipped: `on-demand` is the default, `tokens` and `and` join phrases. */
const FILLER_WORDS = new Set(['on-demand', 'ondemand', 'tokens', 'and', ',']);

/**
 * An option with a value: `region eu-west-1`, `eu-west-1`, `cache 60%`, `60% cache`,
 * `x6 calls`; false when the word is none of them.
 */
function readOption(r: Reading, word: string): boolean {
  const w = r.w;
  const lower = word.toLowerCase();
  const next = r.words[r.i + 1]?.toLowerCase();
  if (lower === 'region') {
    w.region = parseRegion(r.words[++r.i] ?? '');
    return true;
  }
  if (/^[a-z]{2}(-gov)?-[a-z]+-\d+$/.test(lower)) {
    w.region = parseRegion(lower);
    return true;
  }
  if (lower === 'cache' || lower === 'cached') {
    if (next && /%$/.test(next)) {
      w.cacheHitRate = parsePercent(next);
      r.i++;
    } else w.cacheHitRate = 0.6;
    return true;
  }
  if (/^\d+(\.\d+)?%$/.test(lower)) {
    if (next === 'cache' || next === 'cached' || next === 'cache-hit' || next === 'hit') {
      w.cacheHitRate = parsePercent(lower);
      r.i++;
      return true;
    }
    throw new ParseError(`"${word}" of what? Write cache=60% for prompt caching; ${EXAMPLE}.`);
  }
  const fan = /^(?:x(\d+)|(\d+)x)$/.exec(lower);
  if (!fan) return false;
  w.calls = parseCalls(fan[1] ?? fan[2] ?? '');
  if (next === 'calls' || next === 'call' || next === 'calls/request') r.i++;
  return true;
}

/** A number: a rate (`10k/day`), `10M x 300`, tokens (`2000 in`) or a volume (`300k requests/month`). */
function readNumber(r: Reading, word: string): void {
  if (readRate(r, word) || readTimes(r, word) || readTokens(r, word) || readVolumePhrase(r, word)) return;
  if (parseCount(word.toLowerCase()) === undefined)
    throw new ParseError(`"${word}" is not a number I can read: write 2000, 10k or 1.5m; ${EXAMPLE}.`);
  throw new ParseError(`"${word}" of what? Write "${word} in", "${word} out" or "${word}/day"; ${EXAMPLE}.`);
}

/** `10k/day`, `2000/day images`. */
function readRate(r: Reading, word: string): boolean {
  const [countText, attached] = word.toLowerCase().split('/', 2) as [string, string | undefined];
  if (attached === undefined) return false;
  const u = unitOf(attached);
  if (!u)
    throw new ParseError(`"${word}" is not a rate: use /day, /month, /hour, /minute or /week; ${EXAMPLE}.`);
  const next = r.words[r.i + 1]?.toLowerCase();
  const isImages = next !== undefined && IMAGE_WORDS.has(next);
  if (isImages || (next !== undefined && REQUEST_WORDS.has(next))) r.i++;
  setVolume(r, { count: countOrThrow(countText, 'The volume'), unit: u, images: isImages, text: word });
  return true;
}

/** `10M x 300` or `10Mx300`: 10M requests a month of 300 input tokens each (embeddings, mostly). */
function readTimes(r: Reading, word: string): boolean {
  const lower = word.toLowerCase();
  const next = r.words[r.i + 1]?.toLowerCase();
  const times = /^(.+?)(?:x|×)(\d[\d,.]*[km]?)$/.exec(lower);
  if ((next === 'x' || next === '×') && r.words[r.i + 2] && looksNumeric(r.words[r.i + 2]!)) {
    setVolume(r, {
      count: countOrThrow(word, 'The volume'),
      unit: 'month',
      images: false,
      text: r.words.slice(r.i, r.i + 3).join(' '),
    });
    r.w.inputTokens = countOrThrow(r.words[r.i + 2]!, 'Input tokens');
    r.i += 2;
    return true;
  }
  if (
    times &&
    parseCount(times[1]!) !== undefined &&
    !(next && (INPUT_WORDS.has(next) || OUTPUT_WORDS.has(next)))
  ) {
    setVolume(r, { count: countOrThrow(times[1]!, 'The volume'), unit: 'month', images: false, text: word });
    r.w.inputTokens = countOrThrow(times[2]!, 'Input tokens');
    return true;
  }
  return false;
}

/** `2000 in`, `500 out`, `2000 tokens in`, `2000 input tokens`. */
function readTokens(r: Reading, word: string): boolean {
  const next = r.words[r.i + 1]?.toLowerCase();
  const side = (w: string | undefined) =>
    w && INPUT_WORDS.has(w) ? 'input' : w && OUTPUT_WORDS.has(w) ? 'output' : undefined;
  const set = (which: 'input' | 'output') => {
    if (which === 'input') r.w.inputTokens = countOrThrow(word, 'Input tokens');
    else r.w.outputTokens = countOrThrow(word, 'Output tokens');
  };
  const direct = side(next);
  if (direct) {
    set(direct);
    r.i++;
    if (r.words[r.i + 1]?.toLowerCase() === 'tokens') r.i++;
    return true;
  }
  if (next !== 'tokens') return false;
  const after = side(r.words[r.i + 2]?.toLowerCase());
  if (!after)
    throw new ParseError(`"${word} tokens" in or out? Write ${word} in or ${word} out; ${EXAMPLE}.`);
  set(after);
  r.i += 2;
  return true;
}

/** `300k requests/month`, `300k requests per month`, `2000 images a day`, `10k per day`. */
function readVolumePhrase(r: Reading, word: string): boolean {
  const parts = r.words[r.i + 1]?.toLowerCase().split('/') ?? [];
  const noun = parts[0] ?? '';
  const isNoun = REQUEST_WORDS.has(noun) || IMAGE_WORDS.has(noun);
  if (!isNoun && noun !== 'per' && noun !== 'a' && noun !== 'an' && !unitOf(noun)) return false;
  let unit: string | undefined;
  let consumed = 1;
  if (parts[1] !== undefined) unit = unitOf(parts[1]);
  else if (isNoun) {
    const after = r.words[r.i + 2]?.toLowerCase();
    if (after === 'per' || after === 'a' || after === 'an' || after === 'each') {
      unit = unitOf(r.words[r.i + 3]);
      consumed = 3;
    } else if (unitOf(after ?? '') || after?.startsWith('/')) {
      unit = unitOf(after);
      consumed = 2;
    } else {
      unit = 'month';
    }
  } else if (noun === 'per' || noun === 'a' || noun === 'an') {
    unit = unitOf(r.words[r.i + 2]);
    consumed = 2;
  } else unit = unitOf(noun);
  if (!unit)
    throw new ParseError(
      `"${r.words.slice(r.i, r.i + 3).join(' ')}": per day, month, hour, minute or week? ${EXAMPLE}.`,
    );
  setVolume(r, {
    count: countOrThrow(word, 'The volume'),
    unit,
    images: IMAGE_WORDS.has(noun),
    text: r.words.slice(r.i, r.i + 1 + consumed).join(' '),
  });
  r.i += consumed;
  return true;
}

/** The last step: the volume given once, turned into requests a month, and every bound checked. */
function withVolume(w: Workload, volume: Volume | undefined): Workload {
  if (!volume) {
    throw new ParseError(
      `How many requests? Add a volume such as 10k/day or 300k requests/month; ${EXAMPLE}.`,
    );
  }
  const v = volume;
  w.requestsPerMonth = toMonthly(v.count, v.unit);
  w.volumeText = v.text;
  w.volume = { count: v.count, unit: v.unit };
  w.images = v.images;
  if (v.count === 0) throw new ParseError(`A workload needs at least one request ("${v.text}"); ${EXAMPLE}.`);
  if (w.requestsPerMonth < 1) {
    throw new ParseError(`"${v.text}" is less than one request a month; give a larger volume.`);
  }
  if (w.requestsPerMonth > MAX_REQUESTS_PER_MONTH) {
    throw new ParseError(
      `"${v.text}" is more than a trillion requests a month; check the volume (10k/day, 300k/month).`,
    );
  }
  for (const [what, n] of [
    ['input', w.inputTokens],
    ['output', w.outputTokens],
  ] as const) {
    if (n !== undefined && (n > MAX_TOKENS_PER_REQUEST || !Number.isInteger(n))) {
      throw new ParseError(
        n > MAX_TOKENS_PER_REQUEST
          ? `${what} tokens per request can be at most 10m (got ${n}); no Bedrock model takes more.`
          : `${what} tokens per request are whole numbers (got ${n}).`,
      );
    }
  }
  return w;
}

const TIER_WORDS = new Map<string, NonNullable<Workload['tier']>>([
  ['flex', 'flex'],
  ['priority', 'priority'],
  ['latency-optimized', 'latency-optimized'],
  ['latency-optimised', 'latency-optimized'],
  ['latency', 'latency-optimized'],
  ['optimized', 'latency-optimized'],
  ['reserved', 'reserved'],
]);
const ROUTE_WORDS = new Map<string, NonNullable<Workload['route']>>([
  ['global', 'global'],
  ['global.', 'global'],
  ['geo', 'geo'],
  ['cris', 'geo'],
  ['cross-region', 'geo'],
  ['in-region', 'in-region'],
  ['regional', 'in-region'],
]);

/** Words the workload grammar reads as options rather than as part of a model name. */
const OPTION_WORDS = new Set([
  'batch',
  'kb',
  'knowledge-base',
  'rag',
  'guardrails',
  'guardrail',
  'logs',
  'logging',
  'region',
  'cache',
  'cached',
  'premium',
  'standard',
  'on-demand',
  'ondemand',
  'tokens',
  'and',
  'x',
  'legacy',
]);

function isOptionWord(word: string): boolean {
  const lower = word.toLowerCase();
  return (
    OPTION_WORDS.has(lower) ||
    TIER_WORDS.has(lower) ||
    ROUTE_WORDS.has(lower) ||
    lower.includes('=') ||
    /^x\d+$/.test(lower) ||
    /^[a-z]{2}(-gov)?-[a-z]+-\d+$/.test(lower) ||
    INPUT_WORDS.has(lower) ||
    OUTPUT_WORDS.has(lower) ||
    REQUEST_WORDS.has(lower) ||
    IMAGE_WORDS.has(lower)
  );
}

/** True while the word at k still reads as part of a model name. */
function isNameWord(words: string[], k: number): boolean {
  const word = words[k]!.toLowerCase();
  if (word.includes('=') || word.includes('/') || word.endsWith('%')) return false;
  if (['batch', 'kb', 'guardrails', 'logs', 'region', 'cache', 'legacy'].includes(word)) return false;
  if (TIER_WORDS.has(word) || ROUTE_WORDS.has(word)) return false;
  if (/^x\d+$/.test(word)) return false;
  if (!looksNumeric(word)) return true;
  const next = words[k + 1]?.toLowerCase() ?? '';
  const unitNext =
    INPUT_WORDS.has(next) ||
    OUTPUT_WORDS.has(next) ||
    next === 'tokens' ||
    REQUEST_WORDS.has(next.split('/')[0] ?? '') ||
    IMAGE_WORDS.has(next.split('/')[0] ?? '') ||
    next === 'per';
  return !unitNext && !/[km]$/.test(word) && k + 1 < words.length;
}

function parsePercent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m) throw new ParseError(`cache= takes a hit rate such as 60%, not "${text.slice(0, 30)}".`);
  const n = Number(m[1]);
  const rate = m[2] === '%' || n > 1 ? n / 100 : n;
  if (rate > 1) throw new ParseError(`A cache hit rate is between 0% and 100% (got ${text.slice(0, 30)}).`);
  return rate;
}

function parseTtl(text: string): '5m' | '1h' {
  const t = text.trim().toLowerCase();
  if (t === '5m' || t === '5min') return '5m';
  if (t === '1h' || t === '60m' || t === '1hour') return '1h';
  throw new ParseError(`cache-ttl= takes 5m or 1h, not "${text.slice(0, 30)}".`);
}

function parseCalls(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_FAN_OUT) {
    throw new ParseError(
      `Agent fan-out is a whole number of model calls per request from 1 to ${MAX_FAN_OUT}, e.g. x6 calls.`,
    );
  }
  return n;
}

function parseRegion(text: string): string {
  const code = text.trim().toLowerCase();
  if (isKnownRegion(code)) return code;
  const close = closestMatches(code, Object.keys(REGIONS), 3);
  throw new ParseError(`I don't know the Region "${text.slice(0, 30)}". Did you mean: ${close.join(', ')}?`);
}

function unknownWord(word: string): ParseError {
  return new ParseError(
    `I don't understand "${word.slice(0, 30)}" in the workload. I read: N in, N out, N/day or N requests/month, N images/day, batch, flex, priority, latency-optimized, reserved, global / geo / in-region, cache=60%, region=REGION, x6 calls, kb, guardrails, logs; ${EXAMPLE}.`,
  );
}

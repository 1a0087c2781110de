import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { BedrockControlPlane, InferenceProfile, ListProvisionedThroughputsOptions } from '../ports.js';
import { type Store, ttlAfter } from '../store/store.js';
import { hashOf, KEEP_STALE_SECONDS, readCacheItem, writeCacheItem } from './cache-items.js';

/**
 * Hours an inference-profile listing (with tags) is reused. The nowcast maps each
 * CloudWatch ModelId to a team through its application profile's tags; at one profile per
 * team, listing them and reading their tags is over 100 AWS requests per hourly alert run
 * at 10,000 teams (a second of latency and a rate-limit risk for nothing new).
 * Tags change rarely: with 6 h a new profile, or a re-tagged one, is attributed to its team
 * within 6 hours at worst (unattributed until then), while Cost Explorer's own tag
 * attribution lags up to 24 h anyway.
 */
export const INFERENCE_PROFILE_CACHE_TTL_HOURS = 6;

/** Serialisable form of a cached profile listing. */
interface ProfilesPayload {
  op: 'inference-profiles';
  profiles: InferenceProfile[];
  /** When every profile's tags were last read (ISO); refills in between reuse them. */
  taggedAt?: string;
}

/**
 * Hours between two full re-reads of the profiles' tags. Refills in between list the
 * profiles (a few pages) and read tags only for profiles not seen before, so the hourly
 * runs stay light at one profile per team; a re-tag (say, a profile moved to another team)
 * shows within a day, the same lag Cost Explorer's own tag attribution has.
 */
export const PROFILE_TAGS_FULL_REFRESH_HOURS = 24;

/**
 * Cache `listInferenceProfiles` (the listing and every profile's tags) in the table for
 * `INFERENCE_PROFILE_CACHE_TTL_HOURS`, same item layout as the Cost Explorer cache.
 * `inner` should be the ledger-wrapped control plane, so only real requests are counted.
 * Provisioned throughputs are passed through uncached: the idle scan needs their live state.
 * The cache never fails an answer: a read or write error falls back to the live call, and
 * a live failure falls back to an older listing when one is kept.
 */
export function withProfileCache(
  inner: BedrockControlPlane,
  options: { store: Store; clock: Clock; log: Log; namespace: string; ttlHours?: number },
): BedrockControlPlane {
  const { store, clock, log } = options;
  const ttlSeconds = (options.ttlHours ?? INFERENCE_PROFILE_CACHE_TTL_HOURS) * 3600;
  const key = hashOf(options.namespace, 'inference-profiles', {});
  let inFlight: Promise<InferenceProfile[]> | undefined;

  async function list(): Promise<InferenceProfile[]> {
    const cached = await readCacheItem(store, key, clock.now(), log).catch((error: unknown) => {
      log.warn('inference-profile cache read failed; listing live', error);
      return undefined;
    });
    const payload = cached?.value as ProfilesPayload | undefined;
    const usable = payload?.op === 'inference-profiles' && Array.isArray(payload.profiles);
    if (cached && usable && cached.freshUntil > clock.now().getTime()) return payload.profiles;
    const fetchedAt = clock.now();
    const taggedAt = usable && payload.taggedAt ? Date.parse(payload.taggedAt) : Number.NaN;
    const reuseTags = fetchedAt.getTime() - taggedAt < PROFILE_TAGS_FULL_REFRESH_HOURS * 3_600_000;
    const knownTags =
      reuseTags && payload
        ? new Map(payload.profiles.filter((p) => p.type === 'APPLICATION').map((p) => [p.arn, p.tags]))
        : undefined;
    let profiles: InferenceProfile[];
    try {
      profiles = await inner.listInferenceProfiles(knownTags ? { knownTags } : undefined);
    } catch (error) {
      if (!(usable && payload)) throw error;
      log.warn('could not list inference profiles; using an older cached listing', error);
      return payload.profiles;
    }
    try {
      const value: ProfilesPayload = {
        op: 'inference-profiles',
        profiles,
        taggedAt: reuseTags && payload?.taggedAt ? payload.taggedAt : fetchedAt.toISOString(),
      };
      await writeCacheItem(store, key, value, {
        fetchedAt,
        freshUntil: fetchedAt.getTime() + ttlSeconds * 1000,
        expiresAt: ttlAfter(fetchedAt, ttlSeconds + KEEP_STALE_SECONDS),
        op: value.op,
      });
    } catch (error) {
      log.warn('could not cache the inference-profile listing', error);
    }
    return profiles;
  }

  const get = inner.getProvisionedThroughput?.bind(inner);
  return {
    listProvisionedThroughputs: (listOptions?: ListProvisionedThroughputsOptions) =>
      inner.listProvisionedThroughputs(listOptions),
    ...(get ? { getProvisionedThroughput: (arnOrId: string) => get(arnOrId) } : {}),
    listInferenceProfiles() {
      // A budget run and a nowcast in the same process share one listing.
      inFlight ??= list().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

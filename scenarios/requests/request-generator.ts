/**
 * The seeded stream of requests shared by every driver (open-loop engine, autocannon, k6).
 * Pure TypeScript: it and everything it imports at runtime are relative modules with no Node or
 * npm imports, because k6 scripts import it too (the type-only imports below are erased).
 */
import { FeedscaleError } from '../../lib/errors.ts';
import { createRng, type Rng } from '../../lib/random/prng.ts';
import { createWeightedChoice, createZipfSampler } from '../random/samplers.ts';
import type { Population } from '../workload/population-schema.ts';
import { ENDPOINTS, type Endpoint } from './endpoints.ts';
import { DEFAULT_ACTIVITY_EXPONENT, DEFAULT_FOLLOW_TARGET_EXPONENT, DEFAULT_LIKE_TARGET_EXPONENT } from './targeting-defaults.ts';
import type { Targeting } from './targeting-schema.ts';

export interface RequestSpec {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  /** Path and query, relative to the target's base URL. */
  path: string;
  /** JSON text for POST requests. */
  body?: string;
  /** content-type for bodies; `authorization` (Bearer session token) on writes by a seeded user. */
  headers?: Record<string, string>;
  /**
   * Set on upload.start: the engine finishes the upload from the response (PUT the image to the
   * presigned URL, then POST the complete call) and records those steps on their own. The
   * generator never does I/O, so it cannot build that request itself.
   */
  followUp?: 'upload.complete';
}

export interface RequestGeneratorOptions extends Partial<Targeting> {
  seed: number;
  /** Relative weights per endpoint (need not sum to 1); endpoints left out or at 0 are never sent. */
  mix: Partial<Record<Endpoint, number>>;
  population: Population;
  /** Feed page size for feed.read. Default 20. */
  feedPageSize?: number;
  /** Most media a media.nearby search asks for (its `limit`). Default 20, a page as in the feed. */
  nearbyLimit?: number;
}

/**
 * Radii a media.nearby search draws from, uniformly: a block, a neighbourhood, a district and a
 * city. Assumption (no 2011 figure); at most the API's 50 km.
 */
export const NEARBY_RADII_M: readonly number[] = Object.freeze([250, 1000, 5000, 20_000]);

export interface RequestGenerator {
  next(): RequestSpec;
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/** `first` followed by the members of `rest` it does not already contain. */
function rankedUnion(first: readonly string[], rest: readonly string[]): string[] {
  const seen = new Set(first);
  return [...first, ...rest.filter((id) => !seen.has(id))];
}

/** Picks from a ranked list by Zipf rank (exponent 0 = uniform). */
function zipfPicker(ids: readonly string[], exponent: number): { pick(rng: Rng): string; pickIndex(rng: Rng): number } {
  const zipf = createZipfSampler(ids.length, exponent);
  return { pick: (rng) => ids[zipf.sample(rng) - 1] as string, pickIndex: (rng) => zipf.sample(rng) - 1 };
}

function invalid(message: string): FeedscaleError {
  return new FeedscaleError('CFG_ERR_INVALID', message, { details: [message] });
}

/**
 * A deterministic request stream: the same options give the same requests in the same order.
 * Every write (like, follow, upload) carries `authorization: Bearer <token>` of its acting user
 * when the population lists session tokens; sign-ups and reads carry none.
 * Which user acts is Zipf over `population.userIds` (activityExponent); like and view targets are
 * Zipf over hot media first, then the media sample (likeTargetExponent); new follows are Zipf over
 * celebrities first, then the user sample (followTargetExponent); nearby searches start at a
 * uniformly drawn point of population.geoPoints with a radius from NEARBY_RADII_M.
 *
 * @example
 * const requests = createRequestGenerator({ seed: 1, mix: { 'feed.read': 1 }, population });
 * const spec = requests.next(); // { endpoint: 'feed.read', method: 'GET', path: '/users/…/feed?limit=20' }
 */
export function createRequestGenerator(options: RequestGeneratorOptions): RequestGenerator {
  const { seed, mix, population } = options;
  const activityExponent = options.activityExponent ?? DEFAULT_ACTIVITY_EXPONENT;
  const likeTargetExponent = options.likeTargetExponent ?? DEFAULT_LIKE_TARGET_EXPONENT;
  const followTargetExponent = options.followTargetExponent ?? DEFAULT_FOLLOW_TARGET_EXPONENT;
  const feedPageSize = options.feedPageSize ?? 20;
  const nearbyLimit = options.nearbyLimit ?? 20;
  if (!Number.isSafeInteger(seed)) throw invalid(`seed must be a safe integer (got ${seed})`);

  const entries = Object.entries(mix) as [string, number][];
  for (const [name, weight] of entries) {
    if (!(ENDPOINTS as readonly string[]).includes(name)) throw invalid(`mix: unknown endpoint "${name}" (known: ${ENDPOINTS.join(', ')})`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw invalid(`mix.${name} must be a finite number >= 0 (got ${weight})`);
  }
  if (!entries.some(([, weight]) => weight > 0)) throw invalid('mix needs at least one endpoint with a positive weight');
  const active = new Set(entries.filter(([, weight]) => weight > 0).map(([name]) => name as Endpoint));
  const needsUsers = [...active].some((e) => e !== 'user.create' && e !== 'media.read');
  if (needsUsers && population.userIds.length === 0) throw invalid('population.userIds is empty but the mix needs acting users');
  if ((active.has('media.like') || active.has('media.read')) && population.mediaIds.length + population.hotMediaIds.length === 0) {
    throw invalid('population has no media IDs but the mix reads or likes media');
  }
  if (active.has('follow.create') && population.userIds.length < 2) throw invalid('follow.create needs at least two users in the population');
  const geoPoints = population.geoPoints ?? [];
  if (active.has('media.nearby') && geoPoints.length === 0) {
    throw invalid('population.geoPoints is empty but the mix searches media.nearby (a dataset with geotaggedShare > 0 gives it points)');
  }
  if (!Number.isInteger(nearbyLimit) || nearbyLimit < 1 || nearbyLimit > 100) throw invalid(`nearbyLimit must be an integer in [1, 100] (got ${nearbyLimit})`);
  const tokens = population.sessionTokens;
  if (tokens !== undefined && tokens.length !== population.userIds.length) {
    throw invalid(`population.sessionTokens has ${tokens.length} entries for ${population.userIds.length} userIds; they must be parallel`);
  }

  const root = createRng(seed);
  const endpointRng = root.fork('endpoint');
  const choiceRng = root.fork('choices');
  // Iterate ENDPOINTS, not the mix object, so key order in a plan file cannot change the stream.
  const endpoint = createWeightedChoice(ENDPOINTS.map((e) => [e, mix[e] ?? 0] as const));
  const actors = population.userIds.length > 0 ? zipfPicker(population.userIds, activityExponent) : undefined;
  const mediaTargets = population.mediaIds.length + population.hotMediaIds.length > 0
    ? zipfPicker(rankedUnion(population.hotMediaIds, population.mediaIds), likeTargetExponent)
    : undefined;
  const followTargets = population.userIds.length > 0
    ? zipfPicker(rankedUnion(population.celebrityUserIds, population.userIds), followTargetExponent)
    : undefined;
  const usernamePrefix = `g${seed >>> 0}n`;
  let signups = 0;

  /** The acting user and the headers that let them write (their seeded session, when the population has one). */
  const actor = (): { id: string; headers: Record<string, string> } => {
    const index = actors!.pickIndex(choiceRng);
    const token = tokens?.[index];
    return { id: population.userIds[index] as string, headers: token === undefined ? { ...JSON_HEADERS } : { ...JSON_HEADERS, authorization: `Bearer ${token}` } };
  };
  const post = (e: Endpoint, path: string, body: unknown, headers: Record<string, string> = { ...JSON_HEADERS }): RequestSpec => ({
    endpoint: e,
    method: 'POST',
    path,
    body: JSON.stringify(body),
    headers,
  });

  return {
    next(): RequestSpec {
      const e = endpoint.sample(endpointRng);
      switch (e) {
        case 'feed.read':
          return { endpoint: e, method: 'GET', path: `/users/${actor().id}/feed?limit=${feedPageSize}` };
        case 'media.read':
          return { endpoint: e, method: 'GET', path: `/media/${mediaTargets!.pick(choiceRng)}` };
        case 'media.like': {
          const mediaId = mediaTargets!.pick(choiceRng);
          const liker = actor();
          return post(e, `/media/${mediaId}/likes`, { userId: liker.id }, liker.headers);
        }
        case 'follow.create': {
          const follower = actor();
          const followerId = follower.id;
          let followeeId = followTargets!.pick(choiceRng);
          // A celebrity can draw itself; redraw, then fall back to the next user in the sample.
          for (let tries = 0; followeeId === followerId && tries < 8; tries++) followeeId = followTargets!.pick(choiceRng);
          if (followeeId === followerId) {
            const at = population.userIds.indexOf(followerId);
            followeeId = population.userIds[(at + 1) % population.userIds.length] as string;
          }
          return post(e, `/users/${followerId}/follows`, { followeeId }, follower.headers);
        }
        case 'upload.start': {
          // The complete step must carry the same authorization header (drivers copy spec.headers).
          const uploader = actor();
          return { ...post(e, `/users/${uploader.id}/uploads`, { contentType: 'image/jpeg' }, uploader.headers), followUp: 'upload.complete' };
        }
        case 'user.create':
          // Dataset usernames start with 'u'; generated ones with 'g', the seed and a counter.
          return post(e, '/users', { username: `${usernamePrefix}${signups++}` });
        case 'media.nearby': {
          // Searches start where photos are taken: a seeded check-in of the dataset, so the city
          // skew of the queries is the data's.
          const [lat, lng] = geoPoints[choiceRng.nextInt(geoPoints.length)] as [number, number];
          const radiusM = NEARBY_RADII_M[choiceRng.nextInt(NEARBY_RADII_M.length)] as number;
          return { endpoint: e, method: 'GET', path: `/media/nearby?lat=${lat}&lng=${lng}&radiusM=${radiusM}&limit=${nearbyLimit}` };
        }
      }
    },
  };
}

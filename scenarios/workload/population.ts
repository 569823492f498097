import type { Dataset } from '../../lib/dataset-types.ts';
import type { Population } from './population-schema.ts';
import { sessionTokenFor } from '../../lib/session-tokens.ts';

export interface SummarizePopulationOptions {
  /** User IDs kept in the sample (evenly spaced over creation order). Default 10,000. */
  maxUserIds?: number;
  /** Media IDs kept in the sample (evenly spaced over creation order). Default 20,000. */
  maxMediaIds?: number;
  /** Most-followed users listed as celebrities. Default 10. */
  celebrityCount?: number;
  /** Newest media taken from each celebrity into hotMediaIds. Default 5. */
  hotMediaPerCelebrity?: number;
  /** Locations of geotagged media kept in geoPoints (evenly spaced over creation order). Default 2,000. */
  maxGeoPoints?: number;
}

/** Six decimals of a degree are ~0.1 m: finer than any radius, and short in the k6 JSON. */
function roundDegrees(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** `count` indices spread evenly over [0, length): all of them when length <= count. */
function evenlySpaced(length: number, count: number): number[] {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: count }, (_, k) => Math.floor((k * length) / count));
}

/**
 * The small population the request generator needs, taken from a dataset without randomness:
 * evenly spaced samples of users, media and the locations of geotagged media, the most-followed
 * users and their newest media.
 * With the seeded session token of each sampled user, so the drivers can write as them.
 * Small enough to ship to k6 as JSON (about 1 MB at the defaults).
 */
export function summarizePopulation(dataset: Dataset, options: SummarizePopulationOptions = {}): Population {
  const { maxUserIds = 10_000, maxMediaIds = 20_000, celebrityCount = 10, hotMediaPerCelebrity = 5, maxGeoPoints = 2000 } = options;
  const { users, media, follows } = dataset;

  const indexOf = new Map<bigint, number>();
  users.forEach((user, i) => indexOf.set(user.id, i));
  const followers = new Uint32Array(users.length);
  for (const follow of follows) {
    const i = indexOf.get(follow.followeeId);
    if (i !== undefined) followers[i]! += 1;
  }
  const celebrities = Array.from({ length: users.length }, (_, i) => i)
    .filter((i) => (followers[i] as number) > 0)
    .sort((a, b) => (followers[b] as number) - (followers[a] as number) || a - b)
    .slice(0, celebrityCount);

  // Media come in creation order, so the last ones seen per celebrity are the newest.
  const newest = new Map<bigint, bigint[]>(celebrities.map((i) => [users[i]!.id, []]));
  for (const item of media) {
    const list = newest.get(item.ownerId);
    if (!list) continue;
    list.push(item.id);
    if (list.length > hotMediaPerCelebrity) list.shift();
  }
  const hotMediaIds = celebrities.flatMap((i) => (newest.get(users[i]!.id) ?? []).slice().reverse().map(String));

  const userIds = evenlySpaced(users.length, maxUserIds).map((i) => String(users[i]!.id));
  const located: Array<{ lat: number; lng: number }> = [];
  for (const item of media) if (item.location) located.push(item.location);
  return {
    userIds,
    mediaIds: evenlySpaced(media.length, maxMediaIds).map((i) => String(media[i]!.id)),
    hotMediaIds,
    celebrityUserIds: celebrities.map((i) => String(users[i]!.id)),
    sessionTokens: userIds.map((id) => sessionTokenFor(dataset.seed, id)),
    geoPoints: evenlySpaced(located.length, maxGeoPoints).map((i): [number, number] => [roundDegrees(located[i]!.lat), roundDegrees(located[i]!.lng)]),
  };
}

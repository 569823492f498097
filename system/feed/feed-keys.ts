/**
 * Every Redis key the service writes (Redis held the main feed, the activity feed and sessions
 * in 2011, docs/facts.md). One place, so the app, the workers and the seed loader agree.
 */

/** A user's home feed: a list of media IDs, newest first (fan-out on write). */
export function feedKey(userId: string | bigint): string {
  return `feed:${userId}`;
}

/**
 * How far the fan-out of one media has got: absent (not started), the last follower ID whose
 * batch is written, or "done". Written in the same script as each batch (fan-out.ts), so a
 * retried job resumes after the last batch it wrote and never pushes a media twice.
 */
export function fanOutStateKey(mediaId: string | bigint): string {
  return `fan-out:${mediaId}`;
}

/** A session token's user ID, with the session's TTL. */
export function sessionKey(token: string): string {
  return `session:${token}`;
}

/** A user's activity feed: JSON entries (who liked or followed them), newest first, capped. */
export function activityKey(userId: string | bigint): string {
  return `activity:${userId}`;
}

/** Recent media of an account too big to fan out (read-time merge), newest first, capped. */
export function celebrityMediaKey(userId: string | bigint): string {
  return `celebrity-media:${userId}`;
}

/** How many followers a user has: an integer counter, so the fan-out decision costs one GET. */
export function followerCountKey(userId: string | bigint): string {
  return `follower-count:${userId}`;
}

/**
 * The media -> owner map, as Instagram kept it in Redis ("Storing hundreds of millions of simple
 * key-value pairs in Redis", 2011): hashes of `bucketSize` media each, keyed by mediaId / bucketSize,
 * so Redis stores each hash in its compact encoding. With dense IDs that is ~4x smaller than one
 * key per media; with 64-bit IDs the buckets hold about one entry each and the saving is gone
 * (`feedscale experiment redis-map` measures both).
 */
export function mediaOwnerBucketKey(mediaId: string | bigint, bucketSize: number): string {
  return `media-owner:${BigInt(mediaId) / BigInt(bucketSize)}`;
}

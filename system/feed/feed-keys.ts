/**
 * Every Redis key the service writes (Redis held the main feed, the activity feed and sessions
 * in 2011, shared/FACTS.md). One place, so the app, the workers and the seed loader agree.
 */

/** A user's home feed: a list of media IDs, newest first (fan-out on write). */
export function feedKey(userId: string | bigint): string {
  return `feed:${userId}`;
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

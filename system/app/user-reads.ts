import { findUser, type UserRecord } from '../data/users-repository.ts';
import type { MediaReadDeps } from './media-reads.ts';

/** memcached key of one user row. */
export function userCacheKey(userId: string): string {
  return `user:${userId}`;
}

/**
 * Read-through for user objects: memcached first, then the user's shard; a miss is written back.
 * Nothing in the API changes a user row after it is created (no rename, no counters in it), so
 * there is nothing to invalidate; a write that changed one would delete `userCacheKey`.
 */
export async function readUser(deps: MediaReadDeps, userId: string): Promise<UserRecord | null> {
  const cached = await deps.timing.measure('cache', () => deps.cache.get(userCacheKey(userId)));
  const hit = cached === null ? null : parseCachedUser(cached);
  if (hit) return hit;
  const user = await findUser(deps.db(), userId);
  if (user) await deps.timing.measure('cache', () => deps.cache.set(userCacheKey(userId), JSON.stringify(user)));
  return user;
}

function parseCachedUser(text: string): UserRecord | null {
  try {
    const value = JSON.parse(text) as UserRecord;
    return typeof value.id === 'string' && typeof value.username === 'string' && typeof value.createdAtMs === 'number' ? value : null;
  } catch {
    return null;
  }
}

/** Redis key of a user's home feed: a list of media IDs, newest first (fan-out on write). */
export function feedKey(userId: string | bigint): string {
  return `feed:${userId}`;
}

/**
 * Picks one page out of IDs read from a feed list (newest first). `ids` is either the head of
 * the list, or the slice right after the cursor, or (when the cursor fell off the trimmed list)
 * the whole list with `olderThan` set, in which case only IDs below it count. Reading
 * `limit + 1` IDs tells whether another page exists without a second round trip. A media in
 * the list twice (pushed twice before fan-out became idempotent, fan-out.ts) is shown once.
 */
export function selectFeedPage(ids: readonly string[], limit: number, olderThan?: string): { ids: string[]; nextBefore?: string } {
  const bound = olderThan === undefined ? null : BigInt(olderThan);
  const eligible = dedupe(bound === null ? ids : ids.filter((id) => BigInt(id) < bound));
  const pageIds = eligible.slice(0, limit);
  const last = pageIds[pageIds.length - 1];
  return eligible.length > limit && last !== undefined ? { ids: pageIds, nextBefore: last } : { ids: pageIds };
}

/** The IDs in first-seen order without repeats (the input itself when it has none). */
function dedupe(ids: readonly string[]): readonly string[] {
  const seen = new Set(ids);
  if (seen.size === ids.length) return ids;
  return [...seen];
}

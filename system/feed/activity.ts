import type { Redis } from 'ioredis';
import { activityKey } from './feed-keys.ts';

/**
 * The activity feed ("who liked or followed you", Redis in 2011, docs/facts.md): a capped
 * list of JSON entries per user, newest first. Written by the request that made the event, in
 * the same pipeline as its other Redis writes, so the user sees it as soon as the write returns.
 */
export type ActivityEntry =
  | { kind: 'follow'; actorId: string; atMs: number }
  | { kind: 'like'; actorId: string; mediaId: string; atMs: number };

/** Queues LPUSH + LTRIM of one entry on a pipeline (the caller executes it). */
export function addActivity(pipeline: ReturnType<Redis['pipeline']>, toUserId: string, entry: ActivityEntry, maxLength: number): void {
  const key = activityKey(toUserId);
  pipeline.lpush(key, JSON.stringify(entry));
  pipeline.ltrim(key, 0, maxLength - 1);
}

/** Parses a stored entry; anything else in the list (nothing should be) is skipped, not served. */
export function parseActivity(text: string): ActivityEntry | null {
  try {
    const value = JSON.parse(text) as Partial<{ kind: unknown; actorId: unknown; mediaId: unknown; atMs: unknown }>;
    if (typeof value.actorId !== 'string' || typeof value.atMs !== 'number') return null;
    if (value.kind === 'follow') return { kind: 'follow', actorId: value.actorId, atMs: value.atMs };
    if (value.kind === 'like' && typeof value.mediaId === 'string') return { kind: 'like', actorId: value.actorId, mediaId: value.mediaId, atMs: value.atMs };
    return null;
  } catch {
    return null;
  }
}

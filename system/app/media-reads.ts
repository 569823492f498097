import { findMedia, findMediaMany, type MediaRecord } from '../data/media-repository.ts';
import type { ShardedDb } from '../data/sharded-db.ts';
import type { AppConfig } from './app-config.ts';
import type { CacheClient } from './cache-client.ts';
import type { RequestTiming } from './request-timing.ts';
import type { MediaJson } from './schemas.ts';

/** memcached key of one media row. */
export function mediaCacheKey(mediaId: string): string {
  return `media:${mediaId}`;
}

/**
 * Where clients fetch a media's image: the CDN nginx (a proxy cache in front of the object
 * store, CloudFront in 2011) at `<cdn.baseUrl>/<bucket>/<objectKey>`.
 */
export function mediaUrlBase(config: Pick<AppConfig, 'cdn' | 'objectStore'>): string {
  return `${config.cdn.baseUrl}/${config.objectStore.bucket}`;
}

/** @param urlBase from {@link mediaUrlBase} */
export function toMediaJson(media: MediaRecord, urlBase: string): MediaJson {
  return {
    id: media.id,
    ownerId: media.ownerId,
    objectKey: media.objectKey,
    url: `${urlBase}/${media.objectKey.split('/').map(encodeURIComponent).join('/')}`,
    caption: media.caption,
    likeCount: media.likeCount,
    createdAt: new Date(media.createdAtMs).toISOString(),
  };
}

export interface MediaReadDeps {
  /** A request-scoped view (its queries add to `timing`). */
  db: ShardedDb;
  cache: CacheClient;
  timing: RequestTiming;
}

/** Read-through: memcached first, then the media's shard; a miss is written back. */
export async function readMedia(deps: MediaReadDeps, mediaId: string): Promise<MediaRecord | null> {
  const cached = await deps.timing.measure('cache', () => deps.cache.get(mediaCacheKey(mediaId)));
  const hit = cached === null ? null : parseCached(cached);
  if (hit) return hit;
  const media = await findMedia(deps.db, mediaId);
  if (media) await deps.timing.measure('cache', () => deps.cache.set(mediaCacheKey(mediaId), JSON.stringify(media)));
  return media;
}

/**
 * Hydrates a page of media IDs, keeping their order: concurrent cache gets, then one query per
 * physical shard for the misses, then the misses are written back. IDs with no row are dropped.
 */
export async function readMediaPage(deps: MediaReadDeps, ids: readonly string[]): Promise<MediaRecord[]> {
  const cached = await deps.timing.measure('cache', () => deps.cache.getMany(ids.map(mediaCacheKey)));
  const found = new Map<string, MediaRecord>();
  const missing: string[] = [];
  ids.forEach((id, i) => {
    const text = cached[i];
    const media = text === null || text === undefined ? null : parseCached(text);
    if (media) found.set(id, media);
    else missing.push(id);
  });
  if (missing.length > 0) {
    const fromDb = await findMediaMany(deps.db, missing);
    for (const [id, media] of fromDb) found.set(id, media);
    await deps.timing.measure('cache', () =>
      Promise.all([...fromDb.values()].map((media) => deps.cache.set(mediaCacheKey(media.id), JSON.stringify(media)))),
    );
  }
  const out: MediaRecord[] = [];
  for (const id of ids) {
    const media = found.get(id);
    if (media) out.push(media);
  }
  return out;
}

function parseCached(text: string): MediaRecord | null {
  try {
    const value = JSON.parse(text) as MediaRecord;
    return typeof value.id === 'string' && typeof value.likeCount === 'number' ? value : null;
  } catch {
    return null;
  }
}

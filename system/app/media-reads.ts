import { findMedia, findMediaMany, type MediaRecord } from '../data/media-repository.ts';
import type { ShardedDb } from '../data/sharded-db.ts';
import type { AppConfig } from './app-config.ts';
import type { CacheClient } from './cache-client.ts';
import type { RequestTiming } from './request-timing.ts';
import type { MediaJson } from './schemas.ts';

/** memcached key of one media; it holds the media's API JSON ({@link mediaJsonText}). */
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

/** Object keys made only of these characters need no percent-encoding in a URL path. */
const URL_SAFE_KEY = /^[A-Za-z0-9._~\-/]*$/;

/** @param urlBase from {@link mediaUrlBase} */
export function toMediaJson(media: MediaRecord, urlBase: string): MediaJson {
  const { objectKey } = media;
  const path = URL_SAFE_KEY.test(objectKey) ? objectKey : objectKey.split('/').map(encodeURIComponent).join('/');
  return {
    id: media.id,
    ownerId: media.ownerId,
    objectKey,
    url: `${urlBase}/${path}`,
    caption: media.caption,
    likeCount: media.likeCount,
    createdAt: new Date(media.createdAtMs).toISOString(),
  };
}

/**
 * A media as the API serves it: the JSON text of {@link toMediaJson}, byte for byte what the
 * routes' MediaSchema serialiser writes (keys in schema order, strings escaped as JSON does;
 * media-reads.test.ts checks it). It is what memcached holds, so a cache hit goes into a
 * response as it is, with no parse and no re-serialisation.
 */
export function mediaJsonText(media: MediaRecord, urlBase: string): string {
  return JSON.stringify(toMediaJson(media, urlBase));
}

/**
 * Whether a cached text is the API JSON of media `id`. Checked without parsing: it must open
 * with that ID and the owner, and close with the last field, createdAt, a string; a truncated
 * entry, another key's value or a row in an older shape (which ended in a number) is a miss.
 */
function isMediaJsonOf(text: string, id: string): boolean {
  return text.startsWith('{"id":"') && text.startsWith(id, 7) && text.startsWith('","ownerId":"', 7 + id.length) && text.endsWith('"}');
}

export interface MediaReadDeps {
  /** A request-scoped view (its queries add to `timing`). */
  db: ShardedDb;
  cache: CacheClient;
  timing: RequestTiming;
}

/** Read-through: memcached first, then the media's shard; a miss is written back. Returns {@link mediaJsonText}. */
export async function readMedia(deps: MediaReadDeps, mediaId: string, urlBase: string): Promise<string | null> {
  const key = mediaCacheKey(mediaId);
  const cached = await deps.timing.measure('cache', () => deps.cache.get(key));
  if (cached !== null && isMediaJsonOf(cached, mediaId)) return cached;
  const media = await findMedia(deps.db, mediaId);
  if (media === null) return null;
  const text = mediaJsonText(media, urlBase);
  await deps.timing.measure('cache', () => deps.cache.set(key, text));
  return text;
}

/**
 * Hydrates a page of media IDs, keeping their order: one batched cache lookup, then one query
 * per physical shard for the misses, then the misses are written back. IDs with no row are
 * dropped. Returns each media's {@link mediaJsonText}.
 */
export async function readMediaPage(deps: MediaReadDeps, ids: readonly string[], urlBase: string): Promise<string[]> {
  const keys = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = mediaCacheKey(ids[i] as string);
  const cached = await deps.timing.measure('cache', () => deps.cache.getMany(keys));
  let missing: string[] | undefined;
  for (let i = 0; i < ids.length; i++) {
    const text = cached[i];
    if (text === null || text === undefined || !isMediaJsonOf(text, ids[i] as string)) (missing ??= []).push(ids[i] as string);
  }
  if (missing === undefined) return cached as string[];

  const found = new Map<string, string>();
  ids.forEach((id, i) => {
    const text = cached[i];
    if (text !== null && text !== undefined && isMediaJsonOf(text, id)) found.set(id, text);
  });
  const fromDb = await findMediaMany(deps.db, missing);
  const written: Array<[string, string]> = [];
  for (const [id, media] of fromDb) {
    const text = mediaJsonText(media, urlBase);
    found.set(id, text);
    written.push([id, text]);
  }
  await deps.timing.measure('cache', () => Promise.all(written.map(([id, text]) => deps.cache.set(mediaCacheKey(id), text))));
  const out: string[] = [];
  for (const id of ids) {
    const text = found.get(id);
    if (text !== undefined) out.push(text);
  }
  return out;
}

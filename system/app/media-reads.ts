import { findMedia, findMediaMany, type MediaRecord } from '../data/media-repository.ts';
import type { ShardedDb } from '../data/sharded-db.ts';
import type { AppConfig } from './app-config.ts';
import { hotSlab } from './byte-slab.ts';
import type { CacheClient } from './cache-client.ts';
import type { RequestTiming } from './request-timing.ts';
import type { MediaJson } from './schemas.ts';

const MEDIA_KEY_PREFIX = 'media:';

/** memcached key of one media; it holds the media's API JSON ({@link mediaJsonText}). */
export function mediaCacheKey(mediaId: string): string {
  return MEDIA_KEY_PREFIX + mediaId;
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
 * response as the bytes memcached sent: no decoding, no parse, no re-serialisation, no encoding.
 */
export function mediaJsonText(media: MediaRecord, urlBase: string): string {
  return JSON.stringify(toMediaJson(media, urlBase));
}

const OPENING = Buffer.from('{"id":"');
const AFTER_ID = Buffer.from('","ownerId":"');
const QUOTE = 0x22;
const CLOSING_BRACE = 0x7d;

/**
 * Whether cached bytes are the API JSON of media `id`. Checked without decoding them: they must
 * open with that ID and the owner's key, and close with the last field, createdAt, a string; a
 * truncated entry, another key's value or a row cached in an older shape (it ended in a number)
 * is a miss.
 */
function isMediaJsonOf(bytes: Buffer, id: string): boolean {
  const idEnd = OPENING.length + id.length;
  if (bytes.length < idEnd + AFTER_ID.length + 2) return false;
  for (let i = 0; i < OPENING.length; i++) if (bytes[i] !== OPENING[i]) return false;
  // IDs are ASCII digits (the route schemas' pattern): one byte per character.
  for (let i = 0; i < id.length; i++) if (bytes[OPENING.length + i] !== id.charCodeAt(i)) return false;
  for (let i = 0; i < AFTER_ID.length; i++) if (bytes[idEnd + i] !== AFTER_ID[i]) return false;
  return bytes[bytes.length - 2] === QUOTE && bytes[bytes.length - 1] === CLOSING_BRACE;
}

export interface MediaReadDeps {
  /**
   * The request-scoped view (its queries add to `timing`), made only on a cache miss: a read
   * served from the cache never builds it.
   */
  db: () => ShardedDb;
  cache: CacheClient;
  timing: RequestTiming;
}

/** Read-through: memcached first, then the media's shard; a miss is written back. Returns {@link mediaJsonText}'s bytes. */
export async function readMedia(deps: MediaReadDeps, mediaId: string, urlBase: string): Promise<Buffer | null> {
  const key = mediaCacheKey(mediaId);
  const cached = await deps.timing.measure('cache', () => deps.cache.getBytes(key));
  if (cached !== null && isMediaJsonOf(cached, mediaId)) return cached;
  const media = await findMedia(deps.db(), mediaId);
  if (media === null) return null;
  const text = mediaJsonText(media, urlBase);
  await deps.timing.measure('cache', () => deps.cache.set(key, text));
  return Buffer.from(text);
}

/**
 * Hydrates a page of media IDs, keeping their order: one batched cache lookup, then one query
 * per physical shard for the misses, then the misses are written back. IDs with no row are
 * dropped. Returns each media's {@link mediaJsonText} bytes.
 */
export async function readMediaPage(deps: MediaReadDeps, ids: readonly string[], urlBase: string): Promise<Buffer[]> {
  const cached = await deps.timing.measure('cache', () => deps.cache.getManyBytes(ids, MEDIA_KEY_PREFIX));
  let missing: string[] | undefined;
  for (let i = 0; i < ids.length; i++) {
    const bytes = cached[i];
    if (bytes === null || bytes === undefined || !isMediaJsonOf(bytes, ids[i] as string)) {
      cached[i] = null;
      (missing ??= []).push(ids[i] as string);
    }
  }
  if (missing === undefined) return cached as Buffer[];

  const fromDb = await findMediaMany(deps.db(), missing);
  const texts = new Map<string, string>();
  for (const [id, media] of fromDb) texts.set(id, mediaJsonText(media, urlBase));
  await deps.timing.measure('cache', () => Promise.all([...texts].map(([id, text]) => deps.cache.set(mediaCacheKey(id), text))));
  const out: Buffer[] = [];
  ids.forEach((id, i) => {
    const hit = cached[i];
    const text = hit ? undefined : texts.get(id);
    if (hit) out.push(hit);
    else if (text !== undefined) out.push(Buffer.from(text));
  });
  return out;
}

const PAGE_OPENING = Buffer.from('{"items":[');
const PAGE_CLOSING = Buffer.from(']}');
const COMMA = 0x2c;

/**
 * A feed page's JSON from its items' bytes (cached as {@link mediaJsonText}): the bytes the feed
 * route's FeedPageSchema serialiser would write (media-reads.test.ts checks it), in one buffer.
 */
export function feedPageBody(items: readonly Buffer[], nextBefore: string | undefined): Buffer {
  const closing = nextBefore === undefined ? PAGE_CLOSING : Buffer.from(`],"nextBefore":${JSON.stringify(nextBefore)}}`);
  let length = PAGE_OPENING.length + closing.length + Math.max(0, items.length - 1);
  for (const item of items) length += item.length;
  const body = hotSlab.alloc(length);
  let offset = PAGE_OPENING.copy(body, 0);
  for (let i = 0; i < items.length; i++) {
    if (i > 0) body[offset++] = COMMA;
    offset += (items[i] as Buffer).copy(body, offset);
  }
  closing.copy(body, offset);
  return body;
}

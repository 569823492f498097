import Fastify from 'fastify';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { encodeId } from '../data/ids.ts';
import type { MediaRecord } from '../data/media-repository.ts';
import { ShardedDb } from '../data/sharded-db.ts';
import { createShardMap } from '../data/shard-map.ts';
import type { CacheClient } from './cache-client.ts';
import { feedPageBody, mediaCacheKey, mediaJsonText, readMedia, readMediaPage, toMediaJson } from './media-reads.ts';
import { RequestTiming } from './request-timing.ts';
import { FeedPageSchema } from './routes/feed.ts';
import { MediaSchema } from './schemas.ts';

const URL_BASE = 'http://cdn:8080/media';
const id = (sequence: number): string => encodeId({ timeMs: 1_400_000_000_000 + sequence, logicalShard: 1, sequence }).toString();
const media = (sequence: number, over: Partial<MediaRecord> = {}): MediaRecord => ({
  id: id(sequence),
  ownerId: id(0),
  objectKey: `u/${id(0)}/${sequence}.jpg`,
  caption: `caption ${sequence}`,
  likeCount: sequence,
  createdAtMs: 1_400_000_000_000 + sequence,
  ...over,
});

/** What Fastify's response serialiser (fast-json-stringify, from the route schema) writes for `payload`. */
async function serialisedByFastify(schema: object, payload: unknown): Promise<string> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: schema } } }, async () => payload);
  const res = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return res.body;
}

const AWKWARD = [
  media(1),
  media(2, { caption: '' }),
  media(3, { caption: 'quote " backslash \\ slash / tab \t newline \n nul \u0000 bell \u0007 del \u007f' }),
  media(4, { caption: 'ünïcödé 📷 日本語 and a lone surrogate \ud800 here' }),
  media(5, { caption: 'x'.repeat(41) }),
  media(6, { caption: 'long "quoted" '.repeat(500) }),
  media(7, { objectKey: 'u/1/with space/ümlaut?#%.jpg', likeCount: 0 }),
  media(8, { createdAtMs: 0 }),
];

describe('media JSON texts', () => {
  it('are byte for byte what the MediaSchema serialiser writes', async () => {
    for (const m of AWKWARD) expect(mediaJsonText(m, URL_BASE)).toBe(await serialisedByFastify(MediaSchema, toMediaJson(m, URL_BASE)));
  });

  it('make a feed page byte for byte as the FeedPageSchema serialiser would', async () => {
    const items = AWKWARD.map((m) => toMediaJson(m, URL_BASE));
    const bytes = AWKWARD.map((m) => Buffer.from(mediaJsonText(m, URL_BASE)));
    expect(feedPageBody(bytes, id(9)).toString()).toBe(await serialisedByFastify(FeedPageSchema, { items, nextBefore: id(9) }));
    expect(feedPageBody(bytes, undefined).toString()).toBe(await serialisedByFastify(FeedPageSchema, { items }));
    expect(feedPageBody(bytes.slice(0, 1), undefined).toString()).toBe(await serialisedByFastify(FeedPageSchema, { items: items.slice(0, 1) }));
    expect(feedPageBody([], undefined).toString()).toBe(await serialisedByFastify(FeedPageSchema, { items: [] }));
  });

  it('percent-encode each segment of an object key, and only when it needs it', () => {
    expect(toMediaJson(media(1, { objectKey: 'u/1/a-b_c.d~e.jpg' }), URL_BASE).url).toBe(`${URL_BASE}/u/1/a-b_c.d~e.jpg`);
    expect(toMediaJson(media(1, { objectKey: 'u/1/a b?.jpg' }), URL_BASE).url).toBe(`${URL_BASE}/u/1/a%20b%3F.jpg`);
  });
});

/** A cache over a Map that counts what it was asked. */
function mapCache(entries: Array<[string, string]> = []): CacheClient & { store: Map<string, string>; sets: string[] } {
  const store = new Map(entries);
  const sets: string[] = [];
  return {
    mode: 'memcached',
    store,
    sets,
    get: async (key) => store.get(key) ?? null,
    getBytes: async (key) => (store.has(key) ? Buffer.from(store.get(key)!) : null),
    getManyBytes: async (keys, prefix = '') => keys.map((key) => (store.has(prefix + key) ? Buffer.from(store.get(prefix + key)!) : null)),
    set: async (key, value) => {
      sets.push(key);
      store.set(key, value);
    },
    delete: async (key) => {
      store.delete(key);
    },
    ping: async () => {},
    stats: () => ({ hits: 0, misses: 0, errors: 0 }),
    serverStats: () => [],
    close: () => {},
  };
}

/** A one-shard db whose pool answers media lookups from `rows` and counts its queries. */
function rowsDb(rows: readonly MediaRecord[]): { db: ShardedDb; queries: () => number } {
  let queries = 0;
  const pool = {
    query: async (_text: string, values: string[][]) => {
      queries++;
      const wanted = new Set(values.flat());
      return {
        rows: rows
          .filter((m) => wanted.has(m.id))
          .map((m) => ({ id: m.id, owner_id: m.ownerId, object_key: m.objectKey, caption: m.caption, like_count: m.likeCount, created_at: new Date(m.createdAtMs) })),
      };
    },
  } as unknown as pg.Pool;
  return { db: new ShardedDb(createShardMap(2, 1), [pool]), queries: () => queries };
}

describe('readMediaPage and readMedia', () => {
  it('embed cache hits as they are and ask Postgres for nothing', async () => {
    const page = [media(1), media(2), media(3)];
    const cache = mapCache(page.map((m) => [mediaCacheKey(m.id), mediaJsonText(m, URL_BASE)]));
    const { db, queries } = rowsDb([]);
    const texts = await readMediaPage({ db: () => db, cache, timing: new RequestTiming() }, page.map((m) => m.id), URL_BASE);
    expect(texts.map(String)).toEqual(page.map((m) => mediaJsonText(m, URL_BASE)));
    expect(String(await readMedia({ db: () => db, cache, timing: new RequestTiming() }, media(2).id, URL_BASE))).toBe(mediaJsonText(media(2), URL_BASE));
    expect(queries()).toBe(0);
  });

  it('read misses, unusable entries and rows cached in the old shape from Postgres and cache them as API JSON', async () => {
    const rows = [media(1), media(2), media(3), media(4)];
    const cache = mapCache([
      [mediaCacheKey(media(1).id), mediaJsonText(media(1), URL_BASE)],
      // A MediaRecord as cached before (it ends in a number), a truncated entry, and another media's entry.
      [mediaCacheKey(media(2).id), JSON.stringify(media(2))],
      [mediaCacheKey(media(3).id), mediaJsonText(media(3), URL_BASE).slice(0, 40)],
      [mediaCacheKey(media(4).id), mediaJsonText(media(1), URL_BASE)],
    ]);
    const { db, queries } = rowsDb(rows);
    const ids = [...rows.map((m) => m.id), id(99)];
    const texts = await readMediaPage({ db: () => db, cache, timing: new RequestTiming() }, ids, URL_BASE);
    expect(texts.map(String)).toEqual(rows.map((m) => mediaJsonText(m, URL_BASE)));
    expect(queries()).toBe(1);
    expect(cache.sets.sort()).toEqual([media(2), media(3), media(4)].map((m) => mediaCacheKey(m.id)).sort());
    for (const m of rows) expect(JSON.parse(cache.store.get(mediaCacheKey(m.id))!)).toEqual(toMediaJson(m, URL_BASE));
    expect(await readMedia({ db: () => db, cache, timing: new RequestTiming() }, id(99), URL_BASE)).toBeNull();
  });
});

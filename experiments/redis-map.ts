/**
 * The media->owner map experiment: Instagram's "Storing hundreds of millions of simple key-value
 * pairs in Redis" (Nov 2011, docs/facts.md) re-measured on today's Redis.
 *
 * The same seeded pairs are loaded twice into an empty Redis database, and Redis' own
 * `used_memory` (INFO memory) is read before and after each load:
 *   (a) plain keys:  SET media:<mediaId> <ownerId>                       (2011: ~70 MB per 1M pairs)
 *   (b) bucketed:    HSET mediabucket:<floor(mediaId/1000)> <mediaId> <ownerId>  (2011: ~16 MB per 1M)
 * memcached's 52 MB per 1M is printed beside them for reference (not measured here).
 *
 * Buckets only fill when media IDs are dense. Instagram's post used sequential-ish media IDs
 * (its example bucket 1155 holds media 1155315). With 64-bit IDs in the 2011 layout
 * (system/data/ids.ts) consecutive photos differ by millions (time << 23), so mediaId/1000
 * puts ~1 pair in each bucket. Layout `dense` uses media IDs 1..N (the post's case); `sparse`
 * uses 2011-layout IDs to show what the same bucketing costs then. Owner IDs are always in the
 * 2011 layout.
 *
 * The compact hash encoding (listpack since Redis 7, ziplist before, zipmap in 2011) is used
 * only up to `hash-max-listpack-entries` fields per hash (default 128); Instagram set
 * `hash-zipmap-max-entries 1000`. The experiment raises it to the bucket size for its duration
 * with CONFIG SET, reports it, and restores the old value.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Redis } from 'ioredis';
import { FeedscaleError } from '../lib/errors.ts';
import { isLoopbackHost } from '../lib/loopback.ts';
import { type Rng, createRng, mix32 } from '../lib/random/prng.ts';
import { INSTAGRAM_EPOCH_MS, MAX_LOGICAL_SHARDS, SEQUENCE_MODULUS, encodeId } from '../system/data/ids.ts';

/** The 2011 figures, MB (2^20 bytes, as Redis' used_memory_human) per 1M pairs (docs/facts.md). */
export const REDIS_MAP_2011_MB_PER_MILLION = Object.freeze({ plainSet: 70, bucketedHash: 16, memcached: 52 });

export const ID_LAYOUTS = ['dense', 'sparse'] as const;
export type IdLayout = (typeof ID_LAYOUTS)[number];
export const MAP_FORMS = ['plain-set', 'bucketed-hash'] as const;
export type MapForm = (typeof MAP_FORMS)[number];

export const RedisMapOptionsSchema = Type.Object(
  {
    pairs: Type.Integer({ minimum: 1, maximum: 50_000_000, default: 1_000_000, description: 'media->owner pairs to load per form (2011: ~300M in production).' }),
    seed: Type.Integer({ default: 1, description: 'Seed of the owner IDs (and of the sparse media IDs).' }),
    layouts: Type.Array(Type.Union(ID_LAYOUTS.map((l) => Type.Literal(l))), {
      minItems: 1,
      uniqueItems: true,
      default: ['dense', 'sparse'],
      description: 'Media ID layouts to measure: dense = 1..N (as in the 2011 post); sparse = 64-bit IDs in the 2011 layout.',
    }),
    bucketSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Media IDs per hash bucket (2011: 1000).' }),
    db: Type.Integer({ minimum: 0, maximum: 15, default: 9, description: 'Redis database index the experiment owns: FLUSHDB empties it before, between and after.' }),
    pipelineSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Commands per pipeline round trip.' }),
  },
  { additionalProperties: false },
);
export type RedisMapOptions = Static<typeof RedisMapOptionsSchema>;

export interface MediaOwnerPair {
  mediaId: bigint;
  ownerId: bigint;
}

/** Photos per user, 300M / 14M (docs/facts.md): sizes the pool of owners. */
export const PHOTOS_PER_USER = 21;
/** Spacing of sparse media IDs: 25 photos per second fleet-wide in autumn 2011 (docs/facts.md). */
export const SPARSE_PHOTO_INTERVAL_MS = 40;
/** First sparse media ID's time: the month of the 2011 post. */
const SPARSE_MEDIA_START_MS = Date.UTC(2011, 10, 1);
/** Owners signed up over the first 70 days after the epoch (an assumption; only their ID format matters). */
const OWNER_SIGNUP_WINDOW_MS = 70 * 86_400_000;

/** The hash an ID goes to: floor(mediaId / bucketSize), as in the 2011 post. */
export function bucketOf(mediaId: bigint, bucketSize = 1000): bigint {
  if (mediaId < 0n) throw new RangeError(`mediaId must not be negative, got ${mediaId}`);
  if (!Number.isInteger(bucketSize) || bucketSize < 1) throw new RangeError(`bucketSize must be a positive integer, got ${bucketSize}`);
  return mediaId / BigInt(bucketSize);
}

/** Owner number `index` of the pool as a 2011-layout user ID; a pure function of (key, index). */
export function ownerIdOf(key: number, index: number): bigint {
  const h = mix32((key ^ mix32(index)) >>> 0);
  return encodeId({
    timeMs: INSTAGRAM_EPOCH_MS + (h % OWNER_SIGNUP_WINDOW_MS),
    logicalShard: mix32(h) % MAX_LOGICAL_SHARDS,
    sequence: index % SEQUENCE_MODULUS,
  });
}

/**
 * The seeded pairs, in load order. Dense media IDs are 1..count; sparse ones are 2011-layout IDs
 * minted 40 ms apart on random logical shards. Each owner comes from a pool of
 * ceil(count / 21) users. Same (count, seed, layout), same pairs.
 */
export function* generatePairs(count: number, seed: number, layout: IdLayout): Generator<MediaOwnerPair> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const root = createRng(seed);
  const owners = root.fork('owners');
  const media: Rng = root.fork(`media:${layout}`);
  const ownerKey = root.fork('owner-ids').key;
  const poolSize = Math.max(1, Math.ceil(count / PHOTOS_PER_USER));
  for (let i = 0; i < count; i++) {
    const mediaId =
      layout === 'dense'
        ? BigInt(i + 1)
        : encodeId({
            timeMs: SPARSE_MEDIA_START_MS + i * SPARSE_PHOTO_INTERVAL_MS,
            logicalShard: media.nextInt(MAX_LOGICAL_SHARDS),
            sequence: media.nextInt(SEQUENCE_MODULUS),
          });
    yield { mediaId, ownerId: ownerIdOf(ownerKey, owners.nextInt(poolSize)) };
  }
}

/** Bytes each pair added: the used_memory delta over the number of pairs. */
export function bytesPerPair(usedMemoryBeforeBytes: number, usedMemoryAfterBytes: number, pairs: number): number {
  if (!(pairs > 0)) throw new RangeError(`pairs must be positive, got ${pairs}`);
  return (usedMemoryAfterBytes - usedMemoryBeforeBytes) / pairs;
}

/** MB (2^20 bytes) per million pairs, the unit of the 2011 post. */
export function mbPerMillionPairs(bytesPerPairValue: number): number {
  return (bytesPerPairValue * 1_000_000) / 2 ** 20;
}

/** Parses `INFO` output ("key:value" lines, "# Section" headers) into a record. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Accepts only redis:// URLs on this machine: the experiment never writes to another host. */
export function assertLoopbackRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new FeedscaleError('CFG_ERR_INVALID', `redisUrl must be a valid URL (got ${JSON.stringify(url)})`, { cause });
  }
  if (parsed.protocol !== 'redis:') throw new FeedscaleError('CFG_ERR_INVALID', `redisUrl must use redis: (got ${parsed.protocol})`);
  if (!isLoopbackHost(parsed.hostname)) {
    throw new FeedscaleError('CFG_ERR_INVALID', `redisUrl must point at this machine (127.0.0.0/8, localhost or [::1]); refusing ${parsed.hostname}`);
  }
  return parsed;
}

export interface RedisMapRow {
  layout: IdLayout;
  form: MapForm;
  pairs: number;
  keys: number;
  /** OBJECT ENCODING of the first key loaded (listpack/ziplist = compact, hashtable = not). */
  encoding: string;
  usedMemoryBeforeBytes: number;
  usedMemoryAfterBytes: number;
  bytesPerPair: number;
  mbPerMillionPairs: number;
  reference2011MbPerMillion: number;
  ratioTo2011: number;
  loadMs: number;
}

export interface RedisMapResult {
  redisVersion: string;
  allocator: string;
  db: number;
  seed: number;
  pairs: number;
  bucketSize: number;
  /** The hash compaction limit used for the run (the name differs by Redis version). */
  hashMaxEntries: { name: string; value: number; previous: number };
  hashMaxValueBytes: { name: string; value: number };
  rows: RedisMapRow[];
}

export interface RedisMapHooks {
  /** Called after each pipeline round trip. */
  onProgress?: (label: string, done: number, total: number) => void;
  /** Called when a form starts loading. */
  onStart?: (label: string, total: number) => void;
  onFinish?: (label: string) => void;
}

async function usedMemoryBytes(redis: Redis): Promise<number> {
  const info = parseInfo(await redis.info('memory'));
  const value = Number(info.used_memory);
  if (!Number.isFinite(value)) throw new Error('INFO memory has no used_memory');
  return value;
}

/** The listpack name (Redis >= 7) if the server knows it, else the ziplist one. */
async function configName(redis: Redis, listpack: string, ziplist: string): Promise<{ name: string; value: number }> {
  for (const name of [listpack, ziplist]) {
    const reply = (await redis.config('GET', name)) as string[];
    if (reply.length === 2) return { name, value: Number(reply[1]) };
  }
  throw new Error(`this Redis knows neither ${listpack} nor ${ziplist}`);
}

async function loadForm(
  url: string,
  options: RedisMapOptions,
  layout: IdLayout,
  form: MapForm,
  hooks: RedisMapHooks,
): Promise<{ firstKey: string; loadMs: number }> {
  // Its own connection, closed before memory is read, so its query buffers are not counted.
  const loader = new Redis(url, { db: options.db, lazyConnect: true, maxRetriesPerRequest: 1 });
  await loader.connect();
  const label = `${form} (${layout})`;
  hooks.onStart?.(label, options.pairs);
  const started = performance.now();
  let firstKey = '';
  let done = 0;
  try {
    let pipeline = loader.pipeline();
    let queued = 0;
    for (const { mediaId, ownerId } of generatePairs(options.pairs, options.seed, layout)) {
      const media = mediaId.toString();
      const owner = ownerId.toString();
      const key = form === 'plain-set' ? `media:${media}` : `mediabucket:${bucketOf(mediaId, options.bucketSize)}`;
      if (!firstKey) firstKey = key;
      if (form === 'plain-set') pipeline.set(key, owner);
      else pipeline.hset(key, media, owner);
      queued += 1;
      if (queued === options.pipelineSize) {
        await execOrThrow(pipeline);
        done += queued;
        hooks.onProgress?.(label, done, options.pairs);
        pipeline = loader.pipeline();
        queued = 0;
      }
    }
    if (queued > 0) {
      await execOrThrow(pipeline);
      done += queued;
      hooks.onProgress?.(label, done, options.pairs);
    }
  } finally {
    hooks.onFinish?.(label);
    await loader.quit();
  }
  return { firstKey, loadMs: performance.now() - started };
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
}

/**
 * Runs the experiment against the Redis at `url` (loopback only), in database `options.db`,
 * which it empties before, between and after the loads. Other databases are left alone, but
 * `used_memory` is server-wide: nothing else should write to this Redis meanwhile.
 */
export async function runRedisMapExperiment(url: string, options: RedisMapOptions, hooks: RedisMapHooks = {}): Promise<RedisMapResult> {
  assertLoopbackRedisUrl(url);
  const control = new Redis(url, { db: options.db, lazyConnect: true, maxRetriesPerRequest: 1 });
  await control.connect();
  const entries = await configName(control, 'hash-max-listpack-entries', 'hash-max-ziplist-entries');
  const valueLimit = await configName(control, 'hash-max-listpack-value', 'hash-max-ziplist-value');
  const wanted = Math.max(entries.value, options.bucketSize);
  try {
    await control.config('SET', entries.name, String(wanted));
    const server = parseInfo(await control.info('server'));
    const memoryInfo = parseInfo(await control.info('memory'));
    const rows: RedisMapRow[] = [];
    for (const layout of options.layouts) {
      for (const form of MAP_FORMS) {
        await control.flushdb('SYNC');
        const before = await usedMemoryBytes(control);
        const { firstKey, loadMs } = await loadForm(url, options, layout, form, hooks);
        const after = await usedMemoryBytes(control);
        const keys = await control.dbsize();
        const encoding = String(await control.object('ENCODING', firstKey));
        const perPair = bytesPerPair(before, after, options.pairs);
        const reference = form === 'plain-set' ? REDIS_MAP_2011_MB_PER_MILLION.plainSet : REDIS_MAP_2011_MB_PER_MILLION.bucketedHash;
        const mb = mbPerMillionPairs(perPair);
        rows.push({
          layout,
          form,
          pairs: options.pairs,
          keys,
          encoding,
          usedMemoryBeforeBytes: before,
          usedMemoryAfterBytes: after,
          bytesPerPair: perPair,
          mbPerMillionPairs: mb,
          reference2011MbPerMillion: reference,
          ratioTo2011: mb / reference,
          loadMs,
        });
      }
    }
    return {
      redisVersion: server.redis_version ?? 'unknown',
      allocator: memoryInfo.mem_allocator ?? 'unknown',
      db: options.db,
      seed: options.seed,
      pairs: options.pairs,
      bucketSize: options.bucketSize,
      hashMaxEntries: { name: entries.name, value: wanted, previous: entries.value },
      hashMaxValueBytes: valueLimit,
      rows,
    };
  } finally {
    await control.flushdb('SYNC').catch(() => undefined);
    await control.config('SET', entries.name, String(entries.value)).catch(() => undefined);
    await control.quit();
  }
}

/** The result as a fixed-width table beside the 2011 figures. */
export function formatRedisMapTable(result: RedisMapResult): string {
  const headers = ['layout', 'form', 'pairs', 'keys', 'pairs/key', 'encoding', 'bytes/pair', 'MB per 1M', '2011 MB per 1M', 'vs 2011'];
  const rows = result.rows.map((r) => [
    r.layout,
    r.form,
    String(r.pairs),
    String(r.keys),
    (r.pairs / Math.max(1, r.keys)).toFixed(1),
    r.encoding,
    r.bytesPerPair.toFixed(1),
    r.mbPerMillionPairs.toFixed(1),
    String(r.reference2011MbPerMillion),
    `${r.ratioTo2011.toFixed(2)}x`,
  ]);
  rows.push(['(2011)', 'memcached', '-', '-', '-', '-', '-', '-', String(REDIS_MAP_2011_MB_PER_MILLION.memcached), '-']);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const savings = ID_LAYOUTS.flatMap((layout) => {
    const plain = result.rows.find((r) => r.layout === layout && r.form === 'plain-set');
    const hash = result.rows.find((r) => r.layout === layout && r.form === 'bucketed-hash');
    return plain && hash ? [`${layout}: bucketed hashes use ${(hash.bytesPerPair / plain.bytesPerPair).toFixed(2)}x the memory of plain keys (2011: ${(16 / 70).toFixed(2)}x)`] : [];
  });
  return [
    `Redis ${result.redisVersion} (${result.allocator}), db ${result.db}, seed ${result.seed}, bucket size ${result.bucketSize}, ` +
      `${result.hashMaxEntries.name} ${result.hashMaxEntries.value} (was ${result.hashMaxEntries.previous}), ${result.hashMaxValueBytes.name} ${result.hashMaxValueBytes.value}`,
    'MB = 2^20 bytes of Redis used_memory added per 1M pairs; 2011 figures from "Storing hundreds of millions of simple key-value pairs in Redis"',
    line(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    ...savings,
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { validateConfig } from '../lib/validate.ts';
import { INSTAGRAM_EPOCH_MS, decodeId, isId } from '../system/data/ids.ts';
import {
  PHOTOS_PER_USER,
  REDIS_MAP_2011_MB_PER_MILLION,
  type RedisMapResult,
  RedisMapOptionsSchema,
  SPARSE_PHOTO_INTERVAL_MS,
  assertLoopbackRedisUrl,
  bucketOf,
  bytesPerPair,
  formatRedisMapTable,
  generatePairs,
  mbPerMillionPairs,
  parseInfo,
} from './redis-map.ts';

describe('bucketOf', () => {
  it('puts media IDs into buckets of 1000 by integer division, as the 2011 post did', () => {
    // The post's example: media 1155315 lives in "mediabucket:1155".
    expect(bucketOf(1155315n)).toBe(1155n);
    expect(bucketOf(0n)).toBe(0n);
    expect(bucketOf(999n)).toBe(0n);
    expect(bucketOf(1000n)).toBe(1n);
    expect(bucketOf(1999n, 1000)).toBe(1n);
    expect(bucketOf(10n, 3)).toBe(3n);
  });

  it('keeps full 64-bit precision for 2011-layout IDs', () => {
    expect(bucketOf(9223372036854775807n)).toBe(9223372036854775n);
  });

  it('rejects negative IDs and bucket sizes below one', () => {
    expect(() => bucketOf(-1n)).toThrow(RangeError);
    expect(() => bucketOf(1n, 0)).toThrow(RangeError);
    expect(() => bucketOf(1n, 1.5)).toThrow(RangeError);
  });
});

describe('generatePairs', () => {
  const take = (count: number, seed: number, layout: 'dense' | 'sparse') => [...generatePairs(count, seed, layout)];

  it('gives the same pairs for the same seed and different owners for another seed', () => {
    expect(take(2000, 7, 'dense')).toEqual(take(2000, 7, 'dense'));
    expect(take(500, 7, 'sparse')).toEqual(take(500, 7, 'sparse'));
    const other = take(2000, 8, 'dense');
    const same = take(2000, 7, 'dense').filter((p, i) => p.ownerId === other[i]!.ownerId).length;
    expect(same).toBeLessThan(200);
  });

  it('numbers dense media IDs 1..N so that every bucket but the ends holds exactly 1000', () => {
    const pairs = take(5000, 1, 'dense');
    expect(pairs.map((p) => p.mediaId)).toEqual(Array.from({ length: 5000 }, (_, i) => BigInt(i + 1)));
    const perBucket = new Map<bigint, number>();
    for (const p of pairs) perBucket.set(bucketOf(p.mediaId), (perBucket.get(bucketOf(p.mediaId)) ?? 0) + 1);
    expect([...perBucket.values()]).toEqual([999, 1000, 1000, 1000, 1000, 1]);
  });

  it('mints sparse media IDs in the 2011 layout, 40 ms apart, unique, one per bucket', () => {
    const pairs = take(3000, 3, 'sparse');
    const decoded = pairs.map((p) => decodeId(p.mediaId));
    for (let i = 1; i < decoded.length; i++) expect(decoded[i]!.timeMs - decoded[i - 1]!.timeMs).toBe(SPARSE_PHOTO_INTERVAL_MS);
    expect(new Set(pairs.map((p) => p.mediaId)).size).toBe(3000);
    expect(new Set(pairs.map((p) => bucketOf(p.mediaId))).size).toBe(3000);
    expect(new Set(decoded.map((d) => d.logicalShard)).size).toBeGreaterThan(2000);
  });

  it('draws owners in the 2011 ID layout from a pool of about N/21 users', () => {
    const count = 21_000;
    const pairs = take(count, 5, 'dense');
    for (const p of pairs.slice(0, 200)) {
      expect(isId(p.ownerId.toString())).toBe(true);
      const d = decodeId(p.ownerId);
      expect(d.timeMs).toBeGreaterThanOrEqual(INSTAGRAM_EPOCH_MS);
      expect(d.timeMs).toBeLessThan(INSTAGRAM_EPOCH_MS + 70 * 86_400_000);
    }
    const distinctOwners = new Set(pairs.map((p) => p.ownerId)).size;
    expect(distinctOwners).toBeLessThanOrEqual(count / PHOTOS_PER_USER);
    expect(distinctOwners).toBeGreaterThan((count / PHOTOS_PER_USER) * 0.95);
  });

  it('does not shift the owners when the media layout changes', () => {
    expect(take(300, 9, 'dense').map((p) => p.ownerId)).toEqual(take(300, 9, 'sparse').map((p) => p.ownerId));
  });
});

describe('bytes per pair', () => {
  it('divides the used_memory delta by the pairs loaded', () => {
    expect(bytesPerPair(1_000_000, 73_000_000, 1_000_000)).toBe(72);
    expect(() => bytesPerPair(0, 1, 0)).toThrow(RangeError);
  });

  it('converts to MB (2^20 bytes) per million pairs, the unit of the 2011 post', () => {
    // 70 MB per 1M pairs (2011, plain SET) is 73.4 bytes per pair.
    expect(mbPerMillionPairs(73.4003)).toBeCloseTo(70, 3);
    expect(mbPerMillionPairs((16 * 2 ** 20) / 1e6)).toBeCloseTo(16, 10);
  });

  it('keeps the 2011 reference figures of docs/facts.md', () => {
    expect(REDIS_MAP_2011_MB_PER_MILLION).toEqual({ plainSet: 70, bucketedHash: 16, memcached: 52 });
  });
});

describe('parseInfo', () => {
  it('reads key:value lines and skips section headers and blank lines', () => {
    const info = parseInfo('# Memory\r\nused_memory:1046288\r\nused_memory_human:1021.77K\r\n\r\nmem_allocator:jemalloc-5.3.0\r\n');
    expect(info).toEqual({ used_memory: '1046288', used_memory_human: '1021.77K', mem_allocator: 'jemalloc-5.3.0' });
  });
});

describe('assertLoopbackRedisUrl', () => {
  it('accepts redis URLs on this machine only', () => {
    expect(assertLoopbackRedisUrl('redis://127.0.0.1:6379').port).toBe('6379');
    expect(assertLoopbackRedisUrl('redis://localhost:1234/2').hostname).toBe('localhost');
    for (const bad of ['redis://10.0.0.5:6379', 'redis://example.com', 'http://127.0.0.1:6379', 'not a url']) {
      expect(() => assertLoopbackRedisUrl(bad)).toThrow(expect.objectContaining({ code: 'CFG_ERR_INVALID' }));
    }
  });
});

describe('RedisMapOptionsSchema', () => {
  it('defaults to 1M pairs in both layouts, buckets of 1000, database 9', () => {
    const o = validateConfig(RedisMapOptionsSchema, {}, 'options');
    expect(o).toEqual({ pairs: 1_000_000, seed: 1, layouts: ['dense', 'sparse'], bucketSize: 1000, db: 9, pipelineSize: 10_000 });
  });

  it('converts command-line strings and rejects unknown layouts and databases', () => {
    expect(validateConfig(RedisMapOptionsSchema, { pairs: '20000', layouts: ['dense'] }, 'options').pairs).toBe(20_000);
    expect(() => validateConfig(RedisMapOptionsSchema, { layouts: ['diagonal'] }, 'options')).toThrow(/layouts/);
    expect(() => validateConfig(RedisMapOptionsSchema, { db: 16 }, 'options')).toThrow(/db/);
  });
});

describe('formatRedisMapTable', () => {
  it('shows each row beside its 2011 figure and the hash/plain ratio', () => {
    const row = (form: 'plain-set' | 'bucketed-hash', perPair: number, keys: number) => ({
      layout: 'dense' as const,
      form,
      pairs: 1000,
      keys,
      encoding: form === 'plain-set' ? 'int' : 'listpack',
      usedMemoryBeforeBytes: 0,
      usedMemoryAfterBytes: perPair * 1000,
      bytesPerPair: perPair,
      mbPerMillionPairs: mbPerMillionPairs(perPair),
      reference2011MbPerMillion: form === 'plain-set' ? 70 : 16,
      ratioTo2011: mbPerMillionPairs(perPair) / (form === 'plain-set' ? 70 : 16),
      loadMs: 1,
    });
    const result: RedisMapResult = {
      redisVersion: '7.0.15',
      allocator: 'jemalloc-5.3.0',
      db: 9,
      seed: 1,
      pairs: 1000,
      bucketSize: 1000,
      hashMaxEntries: { name: 'hash-max-listpack-entries', value: 1000, previous: 128 },
      hashMaxValueBytes: { name: 'hash-max-listpack-value', value: 64 },
      rows: [row('plain-set', 80, 1000), row('bucketed-hash', 20, 2)],
    };
    const text = formatRedisMapTable(result);
    expect(text).toContain('hash-max-listpack-entries 1000 (was 128)');
    expect(text).toMatch(/dense\s+plain-set\s+1000\s+1000\s+1\.0\s+int\s+80\.0\s+76\.3\s+70\s+1\.09x/);
    expect(text).toMatch(/dense\s+bucketed-hash\s+1000\s+2\s+500\.0\s+listpack\s+20\.0\s+19\.1\s+16\s+1\.19x/);
    expect(text).toContain('memcached');
    expect(text).toContain('dense: bucketed hashes use 0.25x the memory of plain keys (2011: 0.23x)');
  });
});

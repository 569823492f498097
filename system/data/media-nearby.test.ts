import { describe, expect, it } from 'vitest';
import { compareNearby, mergeNearest, NEARBY_SQL_LABEL, nearbyHostSql, nearbyStatements, type NearbyMedia } from './media-nearby.ts';
import { createShardMap } from './shard-map.ts';

const item = (id: string, distanceM: number): NearbyMedia => ({
  id,
  ownerId: '1',
  objectKey: `k/${id}`,
  caption: '',
  likeCount: 0,
  createdAtMs: 0,
  location: { lat: 0, lng: 0 },
  distanceM,
});

describe('nearbyHostSql', () => {
  const sql = nearbyHostSql(['shard_0003', 'shard_0004']);

  it('asks every schema of the host in one statement, each branch nearest-first within the radius box and cut at the limit', () => {
    expect(sql.startsWith(NEARBY_SQL_LABEL)).toBe(true);
    expect(sql.match(/UNION ALL/g)).toHaveLength(1);
    for (const schema of ['shard_0003', 'shard_0004']) {
      expect(sql).toContain(`FROM ${schema}.media WHERE public.earth_box(public.ll_to_earth($1, $2), $3) @> public.ll_to_earth(lat, lng) ORDER BY chord_m LIMIT $4)`);
    }
  });

  it('keeps only points truly within the radius and orders them by distance, then ID', () => {
    expect(sql).toMatch(/WHERE public\.sec_to_gc\(chord_m\) <= \$3 ORDER BY chord_m, id LIMIT \$4$/);
  });

  it('refuses a host with no schema', () => {
    expect(() => nearbyHostSql([])).toThrow(RangeError);
  });
});

describe('nearbyStatements', () => {
  it('builds one statement per physical shard covering exactly its schemas, once per map', () => {
    const map = createShardMap(8, 3);
    const statements = nearbyStatements(map);
    expect(statements.map((s) => s.schemas)).toEqual([3, 3, 2]);
    expect(statements[2]!.text).toContain('shard_0006.media');
    expect(statements[2]!.text).not.toContain('shard_0005.media');
    expect(nearbyStatements(map)).toBe(statements);
  });
});

describe('mergeNearest', () => {
  it('merges the hosts\' lists nearest first, breaks distance ties by numeric ID, and keeps the limit', () => {
    const merged = mergeNearest([[item('20', 5), item('900', 30)], [item('100', 5), item('3', 12)], []], 3);
    expect(merged.map((m) => m.id)).toEqual(['20', '100', '3']);
  });

  it('orders IDs as 64-bit numbers, not strings', () => {
    expect(compareNearby(item('9', 1), item('10', 1))).toBeLessThan(0);
    expect(compareNearby(item('9223372036854775807', 1), item('9223372036854775806', 1))).toBeGreaterThan(0);
  });
});

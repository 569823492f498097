import { describe, expect, it } from 'vitest';
import { compareNearby, mergeNearest, NEARBY_SQL, NEARBY_SQL_LABEL, schemasPerHost, type NearbyMedia } from './media-nearby.ts';
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

describe('NEARBY_SQL', () => {
  it('is one labelled call of the host\'s own nearby function, so pg_stat_statements names it per shard', () => {
    expect(NEARBY_SQL.startsWith(NEARBY_SQL_LABEL)).toBe(true);
    expect(NEARBY_SQL).toContain('SELECT * FROM public.media_nearby($1::public.cube, $2::public.cube, $3::float8, $4::int)');
  });
});

describe('schemasPerHost', () => {
  it('counts the schemas of each physical shard, once per map', () => {
    const map = createShardMap(8, 3);
    expect(schemasPerHost(map)).toEqual([3, 3, 2]);
    expect(schemasPerHost(map)).toBe(schemasPerHost(map));
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

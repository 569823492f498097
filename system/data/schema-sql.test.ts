import { describe, expect, it } from 'vitest';
import { INSTAGRAM_EPOCH_MS } from './ids.ts';
import { hostNearbyFunctionSql, hostSetupSql, nearbyUnionSql, shardSchemaSql } from './schema-sql.ts';

describe('shardSchemaSql', () => {
  const sql = shardSchemaSql(7, INSTAGRAM_EPOCH_MS);

  it('creates every object inside the logical shard schema', () => {
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS shard_0007;');
    for (const table of ['users', 'following', 'followers', 'media', 'likes']) {
      expect(sql).toContain(`CREATE TABLE IF NOT EXISTS shard_0007.${table} (`);
    }
    expect(sql).not.toMatch(/shard_(?!0007)\d{4}/);
  });

  it('makes every statement idempotent so migrating twice is safe', () => {
    const creates = sql.match(/CREATE [A-Z ]+/g) ?? [];
    expect(creates.length).toBeGreaterThan(5);
    for (const create of creates) expect(create).toMatch(/IF NOT EXISTS|OR REPLACE/);
  });

  it('defaults user and media IDs to the shard next_id with the shard number and epoch baked in', () => {
    expect(sql).toContain('id bigint PRIMARY KEY DEFAULT shard_0007.next_id()');
    expect(sql.match(/DEFAULT shard_0007\.next_id\(\)/g)).toHaveLength(2);
    expect(sql).toContain('shard_id int := 7;');
    expect(sql).toContain(`our_epoch bigint := ${INSTAGRAM_EPOCH_MS};`);
  });

  it('keys the follow tables from the side whose shard holds them', () => {
    expect(sql).toMatch(/following \([^;]*PRIMARY KEY \(follower_id, followee_id\)/s);
    expect(sql).toMatch(/followers \([^;]*PRIMARY KEY \(followee_id, follower_id\)/s);
    expect(sql).toMatch(/likes \([^;]*PRIMARY KEY \(media_id, user_id\)/s);
  });

  it('keeps like_count a non-null integer starting at zero', () => {
    expect(sql).toContain('like_count integer NOT NULL DEFAULT 0');
  });

  it('gives media an optional location in range, its stored Earth-centred point, and a partial GiST index on it, added in place to older schemas', () => {
    expect(sql).toContain('ALTER TABLE shard_0007.media');
    expect(sql).toContain('ADD COLUMN IF NOT EXISTS lat double precision CHECK (lat BETWEEN -90 AND 90)');
    expect(sql).toContain('ADD COLUMN IF NOT EXISTS lng double precision CHECK (lng BETWEEN -180 AND 180)');
    expect(sql).toMatch(/ADD COLUMN IF NOT EXISTS earth_point public\.cube GENERATED ALWAYS AS \(\s*CASE WHEN lat IS NULL OR lng IS NULL THEN NULL/);
    expect(sql).toContain('6378168 * cos(radians(lat)) * cos(radians(lng)), 6378168 * cos(radians(lat)) * sin(radians(lng)), 6378168 * sin(radians(lat))');
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS media_earth_point_idx ON shard_0007.media USING gist (earth_point) WHERE earth_point IS NOT NULL;');
  });

  it('creates the cube extension once per host, not per schema', () => {
    expect(hostSetupSql().trim()).toBe('CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;');
    expect(sql).not.toContain('CREATE EXTENSION');
  });

  it('uses no session state that pgbouncer transaction mode would lose', () => {
    expect(sql).not.toMatch(/\bSET\s+(search_path|SESSION)|PREPARE\s|LISTEN\s|TEMP(ORARY)?\s+TABLE/i);
  });
});

describe('hostNearbyFunctionSql', () => {
  const sql = hostNearbyFunctionSql(['shard_0003', 'shard_0004']);

  it('replaces the host\'s function with one branch per schema it holds, its plan kept per connection', () => {
    expect(sql).toContain('CREATE OR REPLACE FUNCTION public.media_nearby(p_point public.cube, p_box public.cube, p_max_chord_m double precision, p_limit integer)');
    expect(sql).toContain('LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan');
    expect(sql.match(/UNION ALL/g)).toHaveLength(1);
    expect(sql).not.toMatch(/shard_(?!0003|0004)\d{4}/);
  });

  it('scans each schema nearest first inside the bounding cube, cut at the limit, then keeps the true radius and orders by distance and ID', () => {
    const union = nearbyUnionSql(['shard_0003'], { point: '$1', box: '$2', maxChordM: '$3', limit: '$4' });
    expect(union).toContain('earth_point <-> $1 AS chord_m FROM shard_0003.media WHERE earth_point <@ $2 ORDER BY chord_m LIMIT $4)');
    expect(union).toMatch(/WHERE near\.chord_m <= \$3 ORDER BY near\.chord_m, near\.id LIMIT \$4$/);
    expect(() => nearbyUnionSql([], { point: 'a', box: 'b', maxChordM: 'c', limit: 'd' })).toThrow(RangeError);
  });
});

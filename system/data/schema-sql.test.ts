import { describe, expect, it } from 'vitest';
import { INSTAGRAM_EPOCH_MS } from './ids.ts';
import { hostSetupSql, shardSchemaSql } from './schema-sql.ts';

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

  it('gives media an optional location in range and a partial GiST index on it, added in place to older schemas', () => {
    expect(sql).toContain('ALTER TABLE shard_0007.media');
    expect(sql).toContain('ADD COLUMN IF NOT EXISTS lat double precision CHECK (lat BETWEEN -90 AND 90)');
    expect(sql).toContain('ADD COLUMN IF NOT EXISTS lng double precision CHECK (lng BETWEEN -180 AND 180)');
    expect(sql).toContain(
      'CREATE INDEX IF NOT EXISTS media_location_idx ON shard_0007.media USING gist (public.ll_to_earth(lat, lng)) WHERE lat IS NOT NULL AND lng IS NOT NULL;',
    );
  });

  it('creates the contrib extensions the location index needs once per host, idempotently', () => {
    expect(hostSetupSql()).toMatch(/CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;\s*CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA public;/);
    expect(sql).not.toContain('CREATE EXTENSION');
  });

  it('uses no session state that pgbouncer transaction mode would lose', () => {
    expect(sql).not.toMatch(/\bSET\s+(search_path|SESSION)|PREPARE\s|LISTEN\s|TEMP(ORARY)?\s+TABLE/i);
  });
});

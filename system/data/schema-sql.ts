import { EARTH_RADIUS_M } from './geo-point.ts';
import { INSTAGRAM_EPOCH_MS, nextIdFunctionSql, schemaName } from './ids.ts';

/**
 * DDL for one logical shard: a Postgres schema holding its own `next_id()` and every table
 * whose rows it owns ("Sharding & IDs at Instagram", docs/facts.md). Rows live on the shard
 * of the ID that owns them:
 *
 * - users: on the shard picked from the username; the username index is unique per schema,
 *   which is global uniqueness because the username alone decides the schema.
 * - following (who I follow): on the follower's shard.
 * - followers (who follows me): on the followee's shard; its primary key is the index that
 *   fan-out pages through in batches.
 * - media: on the owner's shard, so a media ID encodes its owner's shard; an optional location
 *   with a spatial index (see {@link hostSetupSql}), which no owner routes: a nearby search
 *   visits every schema of every host ({@link hostNearbyFunctionSql}).
 * - likes: on the media's shard (which is its owner's).
 *
 * Every statement is idempotent (IF NOT EXISTS / OR REPLACE), so running it twice is safe.
 * Needs the host's extensions ({@link hostSetupSql}) first.
 * It uses no session state, so it runs through pgbouncer in transaction mode.
 */
export function shardSchemaSql(logicalShard: number, epochMs: number = INSTAGRAM_EPOCH_MS): string {
  const s = schemaName(logicalShard);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
${nextIdFunctionSql(logicalShard, epochMs).trim()}
CREATE TABLE IF NOT EXISTS ${s}.users (
  id bigint PRIMARY KEY DEFAULT ${s}.next_id(),
  username text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_username_key ON ${s}.users (username);
CREATE TABLE IF NOT EXISTS ${s}.following (
  follower_id bigint NOT NULL,
  followee_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id)
);
CREATE TABLE IF NOT EXISTS ${s}.followers (
  followee_id bigint NOT NULL,
  follower_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (followee_id, follower_id)
);
CREATE TABLE IF NOT EXISTS ${s}.media (
  id bigint PRIMARY KEY DEFAULT ${s}.next_id(),
  owner_id bigint NOT NULL,
  object_key text NOT NULL,
  caption text NOT NULL DEFAULT '',
  like_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS media_object_key_key ON ${s}.media (object_key);
${mediaLocationSql(s).trim()}
CREATE TABLE IF NOT EXISTS ${s}.likes (
  media_id bigint NOT NULL,
  user_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (media_id, user_id)
);
`;
}

/**
 * DDL run once per physical host (per database), before its shard schemas: the cube extension
 * the location index uses (extensions belong to a database, not to a schema).
 *
 * Why cube, and not PostGIS or earthdistance's functions: cube ships with Postgres' contrib
 * modules, which both catalogs already carry (the official postgres image includes contrib;
 * Debian's postgresql-15 package holds it), so neither catalog needs another image or package;
 * PostGIS would need postgresql-15-postgis-3 in the local image and a postgis/postgis image in
 * the official one. 2011 Instagram answered geo-search "from PostgreSQL" until media were
 * sharded, then moved it to Solr ("What Powers Instagram"); the post does not say PostGIS. For
 * points and a radius, a sphere is as faithful as PostGIS's geography type would be here (error
 * against the WGS84 ellipsoid under 0.5%).
 *
 * The model is earthdistance's (a point is a 3-D cube on a sphere of 6,378,168 m; a GiST index
 * answers both "inside the radius's bounding cube" and nearest-first order), but not its
 * functions: ll_to_earth, earth_box and sec_to_gc are SQL-language functions, and each use with
 * constant arguments is computed at planning by running the SQL-function executor, once per
 * UNION branch. Measured on one host with 512 schemas: for 91 nearby queries pg_stat_statements
 * counted 46,592 runs of earth_box's body (0.39 ms each, 18 s in all, more than the 15 s the
 * queries themselves executed) and 93,184 of ll_to_earth's. The stored point column and the
 * arithmetic of system/data/geo-point.ts do that work once per row written and once per query.
 * cube is a trusted extension, so this needs no superuser either.
 */
export function hostSetupSql(): string {
  return `
CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;
`;
}

/** The nearby statement's host-side function: one per physical host, over the schemas it holds. */
export const NEARBY_FUNCTION = 'public.media_nearby';

/**
 * The nearby search of one physical host, as a function the migration writes from the shard map:
 * one UNION ALL branch per logical-shard schema the host holds, each a GiST nearest-first scan
 * (`<->`, the straight-line distance, which orders exactly as the great-circle one) restricted to
 * the radius's bounding cube and cut at the limit. Postgres merges the branches in order (Merge
 * Append), so a host reads about `limit` rows plus one per schema whatever the density; the outer
 * query keeps the points truly within the radius and breaks distance ties by ID.
 *
 * Why a PL/pgSQL function: its statement is planned once per server connection and kept
 * (plan_cache_mode = force_generic_plan), where the same UNION sent as text is parsed and planned
 * on every call. pgbouncer in transaction mode keeps server connections, so the plan survives
 * across requests; pgbouncer 1.18 (Debian bookworm) cannot keep prepared statements itself.
 * Measured on one host with 512 schemas and 16K geotagged media: ~20 ms per call with the cached
 * plan against ~250 to 450 ms as text, of which parsing and planning the 512 branches was most.
 * Also measured: a query per schema (512 round trips over 8 connections) cost 1.5x to 8x the
 * UNION as text, and the bounding-cube scan with one outer sort (no per-branch order and limit)
 * 2x to 3x.
 *
 * Arguments: the centre as a cube point, the bounding cube, the largest straight-line distance
 * (the radius's chord) and the limit (system/data/geo-point.ts nearbySearchCubes). The schemas
 * a host holds come from the shard map, like the schemas themselves: moving a logical shard to
 * another host means migrating again, which rewrites this function on both hosts.
 */
export function hostNearbyFunctionSql(schemas: readonly string[]): string {
  return `
CREATE OR REPLACE FUNCTION ${NEARBY_FUNCTION}(p_point public.cube, p_box public.cube, p_max_chord_m double precision, p_limit integer)
RETURNS TABLE (id bigint, owner_id bigint, object_key text, caption text, like_count integer, created_at timestamptz, lat double precision, lng double precision, chord_m double precision)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $nearby$
#variable_conflict use_column
BEGIN
  RETURN QUERY ${nearbyUnionSql(schemas, { point: 'p_point', box: 'p_box', maxChordM: 'p_max_chord_m', limit: 'p_limit' })};
END
$nearby$;
`;
}

/** How the nearby query refers to its four inputs: the function's arguments, or `$1`..`$4` to EXPLAIN it. */
export interface NearbyInputs {
  point: string;
  box: string;
  maxChordM: string;
  limit: string;
}

/** The query inside the host's nearby function (see {@link hostNearbyFunctionSql}). */
export function nearbyUnionSql(schemas: readonly string[], inputs: NearbyInputs): string {
  if (schemas.length === 0) throw new RangeError('a nearby query needs at least one schema');
  const { point, box, maxChordM, limit } = inputs;
  const branches = schemas.map(
    (schema) =>
      `(SELECT id, owner_id, object_key, caption, like_count, created_at, lat, lng, earth_point <-> ${point} AS chord_m FROM ${schema}.media` +
      ` WHERE earth_point <@ ${box} ORDER BY chord_m LIMIT ${limit})`,
  );
  return `SELECT * FROM (\n${branches.join('\nUNION ALL\n')}\n) AS near WHERE near.chord_m <= ${maxChordM} ORDER BY near.chord_m, near.id LIMIT ${limit}`;
}

/**
 * Where a media was taken: nullable lat/lng in degrees (WGS84), both set or both null (the API
 * writes them together), and the point the index uses, stored: Earth-centred x, y, z in metres
 * on earthdistance's sphere, as its ll_to_earth computes them, null when either half is. The GiST
 * index is partial, so media without a location cost it nothing. Added with ALTER ... IF NOT
 * EXISTS so that schemas made before media had a location are upgraded in place by the same
 * idempotent migration (a table rewrite, for the stored column).
 */
function mediaLocationSql(s: string): string {
  const r = EARTH_RADIUS_M;
  return `
ALTER TABLE ${s}.media
  ADD COLUMN IF NOT EXISTS lat double precision CHECK (lat BETWEEN -90 AND 90),
  ADD COLUMN IF NOT EXISTS lng double precision CHECK (lng BETWEEN -180 AND 180);
ALTER TABLE ${s}.media ADD COLUMN IF NOT EXISTS earth_point public.cube GENERATED ALWAYS AS (
  CASE WHEN lat IS NULL OR lng IS NULL THEN NULL
  ELSE public.cube(ARRAY[${r} * cos(radians(lat)) * cos(radians(lng)), ${r} * cos(radians(lat)) * sin(radians(lng)), ${r} * sin(radians(lat))]) END
) STORED;
CREATE INDEX IF NOT EXISTS media_earth_point_idx ON ${s}.media USING gist (earth_point) WHERE earth_point IS NOT NULL;
`;
}

/** Tables of a logical shard, in the order the seed loader fills them. */
export const SHARD_TABLES = Object.freeze(['users', 'following', 'followers', 'media', 'likes'] as const);
export type ShardTable = (typeof SHARD_TABLES)[number];

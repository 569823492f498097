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
 *   visits every schema of every host.
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
 * DDL run once per physical host (per database), before its shard schemas: the extensions the
 * schemas use. Extensions belong to a database, not to a schema, and CREATE EXTENSION needs a
 * superuser for earthdistance (it is not a trusted extension); the \`feedscale\` role is one in
 * both image catalogs.
 *
 * cube and earthdistance answer "photos taken near here" (GET /media/nearby). They ship with
 * Postgres' contrib modules, which both catalogs already carry: the official postgres image
 * includes contrib and Debian's postgresql-15 package holds it, so neither catalog needs another
 * image or package (PostGIS would need postgresql-15-postgis-3 in the local image and a
 * postgis/postgis image in the official one). 2011 Instagram answered geo-search "from
 * PostgreSQL" until media were sharded, then moved it to Solr ("What Powers Instagram"); the
 * post does not say PostGIS. For points and a radius on a sphere, earthdistance is as faithful
 * as PostGIS's geography type would be here (spherical Earth, radius 6,378,168 m; error vs the
 * WGS84 ellipsoid under 0.5%), and its GiST index answers both the radius pre-filter (earth_box)
 * and nearest-first order (the cube \`<->\` operator).
 */
export function hostSetupSql(): string {
  return `
CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA public;
`;
}

/**
 * Where a media was taken: nullable lat/lng in degrees (WGS84), both set or both null (the API
 * writes them together), and a GiST index on the point as an earthdistance cube, partial so that
 * media without a location cost it nothing. Added with ALTER ... IF NOT EXISTS so schemas made
 * before media had a location are upgraded in place by the same idempotent migration.
 *
 * The index expression calls public.ll_to_earth, whose body names earth() and cube() without a
 * schema: it works with the default search_path (\`"$user", public\`), which every feedscale
 * connection keeps (nothing sets search_path). Postgres 17 runs maintenance commands (ANALYZE,
 * REINDEX) with search_path = pg_catalog, pg_temp; revisit this index when a catalog moves past 15.
 */
function mediaLocationSql(s: string): string {
  return `
ALTER TABLE ${s}.media
  ADD COLUMN IF NOT EXISTS lat double precision CHECK (lat BETWEEN -90 AND 90),
  ADD COLUMN IF NOT EXISTS lng double precision CHECK (lng BETWEEN -180 AND 180);
CREATE INDEX IF NOT EXISTS media_location_idx ON ${s}.media USING gist (public.ll_to_earth(lat, lng)) WHERE lat IS NOT NULL AND lng IS NOT NULL;
`;
}

/** Tables of a logical shard, in the order the seed loader fills them. */
export const SHARD_TABLES = Object.freeze(['users', 'following', 'followers', 'media', 'likes'] as const);
export type ShardTable = (typeof SHARD_TABLES)[number];

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
 * - media: on the owner's shard, so a media ID encodes its owner's shard.
 * - likes: on the media's shard (which is its owner's).
 *
 * Every statement is idempotent (IF NOT EXISTS / OR REPLACE), so running it twice is safe.
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
CREATE TABLE IF NOT EXISTS ${s}.likes (
  media_id bigint NOT NULL,
  user_id bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (media_id, user_id)
);
`;
}

/** Tables of a logical shard, in the order the seed loader fills them. */
export const SHARD_TABLES = Object.freeze(['users', 'following', 'followers', 'media', 'likes'] as const);
export type ShardTable = (typeof SHARD_TABLES)[number];

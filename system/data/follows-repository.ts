import type { ShardedDb } from './sharded-db.ts';

/**
 * Records that `followerId` follows `followeeId`: one row in `following` on the follower's
 * shard and its mirror in `followers` on the followee's shard. The two hosts share no
 * transaction, so both inserts are idempotent and a retry repairs a half-done follow.
 * Returns whether the follow is new (judged by the follower's side).
 */
export async function insertFollow(db: ShardedDb, followerId: string, followeeId: string): Promise<boolean> {
  const followerRoute = db.route(followerId);
  const followeeRoute = db.route(followeeId);
  const [following] = await Promise.all([
    db.query(
      followerRoute.physicalShard,
      `INSERT INTO ${followerRoute.schema}.following (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [followerId, followeeId],
    ),
    db.query(
      followeeRoute.physicalShard,
      `INSERT INTO ${followeeRoute.schema}.followers (followee_id, follower_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [followeeId, followerId],
    ),
  ]);
  return (following.rowCount ?? 0) > 0;
}

/**
 * One page of a user's followers in follower-ID order (keyset on the `followers` primary key),
 * so fan-out to a celebrity's followers walks the index in batches instead of loading them all.
 */
export async function listFollowerIds(db: ShardedDb, followeeId: string, afterFollowerId: string | null, limit: number): Promise<string[]> {
  const route = db.route(followeeId);
  const { rows } = await db.query<{ follower_id: string }>(
    route.physicalShard,
    `SELECT follower_id FROM ${route.schema}.followers WHERE followee_id = $1 AND follower_id > $2 ORDER BY follower_id LIMIT $3`,
    [followeeId, afterFollowerId ?? '0', limit],
  );
  return rows.map((r) => r.follower_id);
}

/**
 * Who a user follows, on the user's own shard (the `following` primary key). Feed reads use it
 * to find the big accounts to merge in when the read-time merge switch is on.
 */
export async function listFolloweeIds(db: ShardedDb, followerId: string): Promise<string[]> {
  const route = db.route(followerId);
  const { rows } = await db.query<{ followee_id: string }>(
    route.physicalShard,
    `SELECT followee_id::text FROM ${route.schema}.following WHERE follower_id = $1`,
    [followerId],
  );
  return rows.map((r) => r.followee_id);
}

import type { ShardedDb } from './sharded-db.ts';

export interface LikeResult {
  /** False when the media does not exist (nothing was written). */
  mediaFound: boolean;
  /** True when this call inserted the like; false when the user had already liked it. */
  created: boolean;
  likeCount: number;
  /** The media's owner (who gets the activity entry and the push); '' when the media was not found. */
  ownerId: string;
}

/**
 * Likes a media once per user, on the media's shard. One statement is one transaction: the like
 * row is inserted with ON CONFLICT DO NOTHING, and like_count is incremented only when that
 * insert produced a row. Concurrent likes on one media serialise on the media row lock
 * (READ COMMITTED re-reads like_count), so the count stays exact under a like storm, and a
 * single round trip keeps the pgbouncer connection for as short as possible.
 */
export async function insertLike(db: ShardedDb, mediaId: string, userId: string): Promise<LikeResult> {
  const route = db.route(mediaId);
  const s = route.schema;
  const { rows } = await db.query<{ found: boolean; created: boolean; like_count: number | null; owner_id: string | null }>(
    route.physicalShard,
    `WITH m AS (SELECT id, like_count, owner_id FROM ${s}.media WHERE id = $1),
     ins AS (
       INSERT INTO ${s}.likes (media_id, user_id) SELECT id, $2 FROM m
       ON CONFLICT DO NOTHING RETURNING media_id
     ),
     upd AS (
       UPDATE ${s}.media SET like_count = like_count + 1 WHERE id IN (SELECT media_id FROM ins) RETURNING like_count
     )
     SELECT EXISTS (SELECT 1 FROM m) AS found,
            EXISTS (SELECT 1 FROM ins) AS created,
            COALESCE((SELECT like_count FROM upd), (SELECT like_count FROM m)) AS like_count,
            (SELECT owner_id::text FROM m) AS owner_id`,
    [mediaId, userId],
  );
  const row = rows[0];
  if (!row || !row.found) return { mediaFound: false, created: false, likeCount: 0, ownerId: '' };
  return { mediaFound: true, created: row.created, likeCount: row.like_count ?? 0, ownerId: row.owner_id ?? '' };
}

import type { ShardedDb } from './sharded-db.ts';

/** A user row as the service sees it; IDs are decimal strings (64-bit). */
export interface UserRecord {
  id: string;
  username: string;
  logicalShard: number;
  createdAtMs: number;
}

interface UserRow {
  id: string;
  username: string;
  created_at: Date;
}

/**
 * Inserts a user on the logical shard picked for its username; the ID comes from that schema's
 * `next_id()`. Returns null when the username is taken (unique per schema, so globally).
 */
export async function insertUser(db: ShardedDb, logicalShard: number, username: string): Promise<UserRecord | null> {
  const route = db.routeLogical(logicalShard);
  const { rows } = await db.query<UserRow>(
    route.physicalShard,
    `INSERT INTO ${route.schema}.users (username) VALUES ($1) ON CONFLICT (username) DO NOTHING RETURNING id, username, created_at`,
    [username],
  );
  const row = rows[0];
  return row ? toUser(row, logicalShard) : null;
}

export async function findUser(db: ShardedDb, userId: string): Promise<UserRecord | null> {
  const route = db.route(userId);
  const { rows } = await db.query<UserRow>(
    route.physicalShard,
    `SELECT id, username, created_at FROM ${route.schema}.users WHERE id = $1`,
    [userId],
  );
  const row = rows[0];
  return row ? toUser(row, route.logicalShard) : null;
}

/** The user with this username, looked up on the one logical shard the username can live on. */
export async function findUserByUsername(db: ShardedDb, logicalShard: number, username: string): Promise<UserRecord | null> {
  const route = db.routeLogical(logicalShard);
  const { rows } = await db.query<UserRow>(
    route.physicalShard,
    `SELECT id, username, created_at FROM ${route.schema}.users WHERE username = $1`,
    [username],
  );
  const row = rows[0];
  return row ? toUser(row, logicalShard) : null;
}

export async function userExists(db: ShardedDb, userId: string): Promise<boolean> {
  const route = db.route(userId);
  const { rowCount } = await db.query(route.physicalShard, `SELECT 1 FROM ${route.schema}.users WHERE id = $1`, [userId]);
  return (rowCount ?? 0) > 0;
}

function toUser(row: UserRow, logicalShard: number): UserRecord {
  return { id: row.id, username: row.username, logicalShard, createdAtMs: row.created_at.getTime() };
}

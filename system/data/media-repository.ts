import type { GeoPoint } from './geo-point.ts';
import { schemaName } from './ids.ts';
import type { ShardedDb } from './sharded-db.ts';
import { routeId, type ShardMap } from './shard-map.ts';

/** A media row as the service sees it; IDs are decimal strings (64-bit). */
export interface MediaRecord {
  id: string;
  ownerId: string;
  objectKey: string;
  caption: string;
  likeCount: number;
  createdAtMs: number;
}

/** A media row as pg returns it (bigint columns come back as strings). */
export interface MediaRow {
  id: string;
  owner_id: string;
  object_key: string;
  caption: string;
  like_count: number;
  created_at: Date;
}

const MEDIA_COLUMNS = 'id, owner_id, object_key, caption, like_count, created_at';

/**
 * Inserts a media row on its owner's shard (its ID comes from that schema's `next_id()`, so the
 * media ID encodes the owner's shard). The object key is unique, so completing the same upload
 * twice returns the first row with `created: false` instead of a second photo (and keeps the
 * first call's location). `location` is where the photo was taken, when the client sent one.
 */
export async function insertMedia(
  db: ShardedDb,
  input: { ownerId: string; objectKey: string; caption: string; location?: GeoPoint | null },
): Promise<{ media: MediaRecord; created: boolean }> {
  const route = db.route(input.ownerId);
  const inserted = await db.query<MediaRow>(
    route.physicalShard,
    `INSERT INTO ${route.schema}.media (owner_id, object_key, caption, lat, lng) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (object_key) DO NOTHING RETURNING ${MEDIA_COLUMNS}`,
    [input.ownerId, input.objectKey, input.caption, input.location?.lat ?? null, input.location?.lng ?? null],
  );
  const row = inserted.rows[0];
  if (row) return { media: toMedia(row), created: true };
  const existing = await db.query<MediaRow>(
    route.physicalShard,
    `SELECT ${MEDIA_COLUMNS} FROM ${route.schema}.media WHERE object_key = $1`,
    [input.objectKey],
  );
  const again = existing.rows[0];
  if (!again) throw new Error(`media with object key ${input.objectKey} vanished between insert and select`);
  return { media: toMedia(again), created: false };
}

export async function findMedia(db: ShardedDb, mediaId: string): Promise<MediaRecord | null> {
  const route = db.route(mediaId);
  const { rows } = await db.query<MediaRow>(route.physicalShard, `SELECT ${MEDIA_COLUMNS} FROM ${route.schema}.media WHERE id = $1`, [mediaId]);
  const row = rows[0];
  return row ? toMedia(row) : null;
}

/** The IDs of one page that live on one physical host, split by logical shard (schema). */
export interface HostLookup {
  physicalShard: number;
  parts: Array<{ logicalShard: number; schema: string; ids: string[] }>;
}

/**
 * Groups a page of IDs by physical host and, within a host, by schema, in first-seen order.
 * Duplicates are dropped. Each HostLookup becomes exactly one query.
 */
export function planHostLookups(map: ShardMap, ids: readonly string[]): HostLookup[] {
  const hosts = new Map<number, HostLookup>();
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const { logicalShard, physicalShard } = routeId(map, id);
    let host = hosts.get(physicalShard);
    if (!host) hosts.set(physicalShard, (host = { physicalShard, parts: [] }));
    let part = host.parts.find((p) => p.logicalShard === logicalShard);
    if (!part) host.parts.push((part = { logicalShard, schema: schemaName(logicalShard), ids: [] }));
    part.ids.push(id);
  }
  return [...hosts.values()];
}

/**
 * One SQL text for one host: a UNION ALL branch per schema present, each with its own ID array
 * parameter ($1 for the first schema, $2 for the second, ...), so one round trip per host.
 */
export function mediaLookupSql(lookup: HostLookup): { text: string; values: string[][] } {
  const text = lookup.parts
    .map((part, i) => `SELECT ${MEDIA_COLUMNS} FROM ${part.schema}.media WHERE id = ANY($${i + 1}::bigint[])`)
    .join('\nUNION ALL\n');
  return { text, values: lookup.parts.map((p) => p.ids) };
}

/**
 * Hydrates a page of media IDs with one query per physical host, all hosts in parallel.
 * Returns a map by ID; IDs with no row are absent.
 */
export async function findMediaMany(db: ShardedDb, ids: readonly string[]): Promise<Map<string, MediaRecord>> {
  const found = new Map<string, MediaRecord>();
  const lookups = planHostLookups(db.map, ids);
  await Promise.all(
    lookups.map(async (lookup) => {
      const { text, values } = mediaLookupSql(lookup);
      const { rows } = await db.query<MediaRow>(lookup.physicalShard, text, values);
      for (const row of rows) found.set(row.id, toMedia(row));
    }),
  );
  return found;
}

export function toMedia(row: MediaRow): MediaRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    objectKey: row.object_key,
    caption: row.caption,
    likeCount: row.like_count,
    createdAtMs: row.created_at.getTime(),
  };
}

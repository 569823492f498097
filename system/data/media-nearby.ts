import { arcForChordM, nearbySearchCubes, type GeoPoint } from './geo-point.ts';
import { toMedia, type MediaRecord, type MediaRow } from './media-repository.ts';
import { NEARBY_FUNCTION } from './schema-sql.ts';
import type { ShardedDb } from './sharded-db.ts';
import { logicalShardsOn, type ShardMap } from './shard-map.ts';

/** "Photos taken near here": a centre, a radius and how many to return, nearest first. */
export interface NearbyQuery {
  center: GeoPoint;
  radiusM: number;
  limit: number;
}

/** A media row with where it was taken and how far that is from the query's centre. */
export interface NearbyMedia extends MediaRecord {
  location: GeoPoint;
  distanceM: number;
}

/** What one physical shard spent on one nearby query (the route turns it into metrics). */
export interface NearbyShardCost {
  physicalShard: number;
  /** Logical-shard schemas the host's statement covered (one index scan each). */
  schemas: number;
  /** Rows the host returned (at most the query's limit). */
  rows: number;
  /** Round trip seen by the app, through pgbouncer. */
  durationMs: number;
}

export interface NearbyResult {
  items: NearbyMedia[];
  /** One entry per physical shard, in shard order: a nearby query visits every one. */
  shards: NearbyShardCost[];
}

/**
 * Heads every nearby statement, so pg_stat_statements (which the per-shard Postgres collector
 * reads) names it: its calls and mean time per shard are the server-side cost per geo query.
 */
export const NEARBY_SQL_LABEL = '/* feedscale:media.nearby */';

/**
 * The statement each physical shard gets: its own nearby function (system/data/schema-sql.ts
 * hostNearbyFunctionSql), which covers every schema the host holds. Parameters: the centre and
 * the bounding cube in cube's text form, the radius's chord in metres, the limit.
 */
export const NEARBY_SQL = `${NEARBY_SQL_LABEL} SELECT * FROM ${NEARBY_FUNCTION}($1::public.cube, $2::public.cube, $3::float8, $4::int)`;

interface NearbyRow extends MediaRow {
  lat: number;
  lng: number;
  /** Straight-line distance through the Earth between the point and the centre, metres. */
  chord_m: number;
}

const schemasByMap = new WeakMap<ShardMap, readonly number[]>();

/** Logical shards per physical host, counted once per map. */
export function schemasPerHost(map: ShardMap): readonly number[] {
  let counts = schemasByMap.get(map);
  if (!counts) {
    counts = Object.freeze(Array.from({ length: map.physicalShards }, (_, host) => logicalShardsOn(map, host).length));
    schemasByMap.set(map, counts);
  }
  return counts;
}

/** Nearest first; equal distances (the same spot) by ID, so the merged order is total. */
export function compareNearby(a: Pick<NearbyMedia, 'distanceM' | 'id'>, b: Pick<NearbyMedia, 'distanceM' | 'id'>): number {
  if (a.distanceM !== b.distanceM) return a.distanceM - b.distanceM;
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Merges each host's nearest-first list into the overall nearest `limit`. */
export function mergeNearest(perHost: ReadonlyArray<readonly NearbyMedia[]>, limit: number): NearbyMedia[] {
  return perHost.flat().sort(compareNearby).slice(0, limit);
}

/**
 * Media taken within `radiusM` of `center`, nearest first, at most `limit`: one statement per
 * physical shard, all shards in parallel, merged by distance. No owner routes a location, so
 * every shard is asked; each returns its own nearest `limit`, so the merge is exact.
 *
 * @example
 * const { items } = await findMediaNearby(db, { center: { lat: 40.7128, lng: -74.006 }, radiusM: 2000, limit: 20 });
 */
export async function findMediaNearby(db: ShardedDb, query: NearbyQuery): Promise<NearbyResult> {
  const { point, box, maxChordM } = nearbySearchCubes(query.center, query.radiusM);
  const values = [point, box, maxChordM, query.limit];
  const schemas = schemasPerHost(db.map);
  const perHost = await Promise.all(
    schemas.map(async (schemaCount, physicalShard) => {
      const startedMs = performance.now();
      const { rows } = await db.query<NearbyRow>(physicalShard, NEARBY_SQL, values);
      const cost: NearbyShardCost = { physicalShard, schemas: schemaCount, rows: rows.length, durationMs: performance.now() - startedMs };
      const items = rows.map((row): NearbyMedia => ({ ...toMedia(row), location: { lat: row.lat, lng: row.lng }, distanceM: arcForChordM(row.chord_m) }));
      return { cost, items };
    }),
  );
  return { items: mergeNearest(perHost.map((h) => h.items), query.limit), shards: perHost.map((h) => h.cost) };
}

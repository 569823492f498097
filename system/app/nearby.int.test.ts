import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { destinationPoint, greatCircleDistanceM, nearbySearchCubes, type GeoPoint } from '../data/geo-point.ts';
import { decodeId, schemaName } from '../data/ids.ts';
import { nearbyUnionSql } from '../data/schema-sql.ts';
import { createShardMap, logicalShardForUsername, logicalShardsOn, physicalShardOf } from '../data/shard-map.ts';

// GET /media/nearby end to end through nginx: media with known locations around two places,
// owned by users on different physical shards, must come back exactly (all within the radius,
// none outside), nearest first, whichever shard holds them.
const stack = inject('stack');
const shardMap = createShardMap(stack.config.logicalShards, stack.config.physicalShards);
const suffix = Date.now().toString(36);
let pools: pg.Pool[];

/** Far from every seeded city, and from each other; the second sits on the 180th meridian. */
const REYKJAVIK: GeoPoint = { lat: 64.1466, lng: -21.9426 };
const TAVEUNI: GeoPoint = { lat: -16.8, lng: 179.995 };
const RADIUS_M = 2000;
/** Distances from a centre, metres: none within 100 m of the radius, so float rounding cannot decide. */
const DISTANCES_M = [40, 250, 700, 1100, 1650, 1900, 2100, 2600, 4000, 30_000];

interface Placed {
  id: string;
  ownerId: string;
  location: GeoPoint;
}

interface NearbyItem {
  id: string;
  ownerId: string;
  url: string;
  location: GeoPoint;
  distanceM: number;
}

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; json: T; headers: Record<string, unknown> }> {
  const res = await request(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

const nearby = (center: GeoPoint, radiusM: number, limit?: number) =>
  api<{ items: NearbyItem[] }>('GET', `/media/nearby?lat=${center.lat}&lng=${center.lng}&radiusM=${radiusM}${limit === undefined ? '' : `&limit=${limit}`}`);

const physicalOf = (id: string): number => physicalShardOf(shardMap, decodeId(id).logicalShard);

/** A user whose username hashes to a logical shard on `physicalShard`. */
async function userOn(physicalShard: number, tag: string): Promise<string> {
  for (let i = 0; i < 10_000; i++) {
    const username = `geo_${tag}_${suffix}_${i}`;
    if (physicalShardOf(shardMap, logicalShardForUsername(username, shardMap.logicalShards)) !== physicalShard) continue;
    const res = await api<{ id: string }>('POST', '/users', { username });
    expect(res.status).toBe(201);
    return res.json.id;
  }
  throw new Error(`no username hashed to physical shard ${physicalShard}`);
}

/** Writes a media row straight into its owner's schema (the upload path is tested once below). */
async function insertAt(ownerId: string, location: GeoPoint | null, key: string): Promise<Placed | null> {
  const { logicalShard } = decodeId(ownerId);
  const pool = pools[physicalShardOf(shardMap, logicalShard)]!;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO ${schemaName(logicalShard)}.media (owner_id, object_key, caption, lat, lng) VALUES ($1, $2, 'geo', $3, $4) RETURNING id::text`,
    [ownerId, `geo/${suffix}/${key}`, location?.lat ?? null, location?.lng ?? null],
  );
  return location ? { id: rows[0]!.id, ownerId, location } : null;
}

/** What Postgres must return: everything within the radius, nearest first, ties by ID. */
function expectedAround(placed: readonly Placed[], center: GeoPoint, radiusM: number): Array<{ id: string; distanceM: number }> {
  return placed
    .map((p) => ({ id: p.id, distanceM: greatCircleDistanceM(center, p.location) }))
    .filter((p) => p.distanceM <= radiusM)
    .sort((a, b) => a.distanceM - b.distanceM || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

describe('GET /media/nearby', () => {
  const placed: Placed[] = [];
  const owners: string[] = [];

  beforeAll(async () => {
    pools = stack.shards.map((s) => new pg.Pool({ ...s, max: 2 }));
    expect(stack.config.physicalShards).toBeGreaterThanOrEqual(2);
    for (let shard = 0; shard < stack.config.physicalShards; shard++) owners.push(await userOn(shard, `o${shard}`));
    let n = 0;
    for (const center of [REYKJAVIK, TAVEUNI]) {
      for (const [i, distanceM] of DISTANCES_M.entries()) {
        // Owners alternate, so each place has media on every physical shard; bearings turn so
        // the Taveuni points fall on both sides of the antimeridian.
        const owner = owners[i % owners.length]!;
        const point = destinationPoint(center, (i * 2 * Math.PI) / DISTANCES_M.length + 0.3, distanceM);
        placed.push((await insertAt(owner, point, `p${n++}`))!);
      }
      // A photo without a location, owned right there, is never a nearby result.
      await insertAt(owners[0]!, null, `none${n++}`);
    }
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it('returns exactly the media within the radius, nearest first, from every physical shard', async () => {
    for (const center of [REYKJAVIK, TAVEUNI]) {
      const res = await nearby(center, RADIUS_M, 100);
      expect(res.status).toBe(200);
      const expected = expectedAround(placed, center, RADIUS_M);
      expect(expected).toHaveLength(DISTANCES_M.filter((d) => d <= RADIUS_M).length);
      expect(res.json.items.map((item) => item.id)).toEqual(expected.map((e) => e.id));
      res.json.items.forEach((item, i) => {
        expect(item.distanceM).toBeCloseTo(expected[i]!.distanceM, 3);
        expect(greatCircleDistanceM(center, item.location)).toBeCloseTo(item.distanceM, 3);
        expect(item.url).toContain(`/geo/${suffix}/`);
      });
      expect(new Set(res.json.items.map((item) => physicalOf(item.id))).size).toBe(stack.config.physicalShards);
    }
  });

  it('finds points across the antimeridian, where longitude jumps from 180 to -180', async () => {
    const res = await nearby(TAVEUNI, RADIUS_M, 100);
    const lngs = res.json.items.map((item) => item.location.lng);
    expect(lngs.some((lng) => lng > 179.99)).toBe(true);
    expect(lngs.some((lng) => lng < -179.99)).toBe(true);
  });

  it('cuts at the limit, keeping the nearest, merged across shards', async () => {
    const expected = expectedAround(placed, REYKJAVIK, RADIUS_M).slice(0, 3);
    const res = await nearby(REYKJAVIK, RADIUS_M, 3);
    expect(res.json.items.map((item) => item.id)).toEqual(expected.map((e) => e.id));
    const wide = await nearby(REYKJAVIK, 50_000);
    expect(wide.json.items).toHaveLength(DISTANCES_M.length); // default limit 20 > 10 placed
    expect(wide.json.items.map((item) => item.id)).toEqual(expectedAround(placed, REYKJAVIK, 50_000).map((e) => e.id));
  });

  it('returns nothing where no photo was taken, and reports the Postgres time in Server-Timing', async () => {
    const res = await nearby({ lat: 0, lng: 0 }, 50_000);
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([]);
    expect(String(res.headers['server-timing'])).toMatch(/pg;dur=\d+\.\d\d/);
  });

  it('stores the location an upload completes with, and finds the photo by it', async () => {
    const username = `geo_up_${suffix}`;
    const ownerId = (await api<{ id: string }>('POST', '/users', { username })).json.id;
    const token = (await api<{ token: string }>('POST', '/sessions', { username })).json.token;
    const start = await api<{ uploadId: string; uploadUrl: string }>('POST', `/users/${ownerId}/uploads`, { contentType: 'image/jpeg' }, token);
    const put = await request(start.json.uploadUrl, { method: 'PUT', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    expect(put.statusCode).toBe(200);
    const where = destinationPoint(REYKJAVIK, 1, 333);
    const done = await api<{ media: { id: string } }>('POST', `/users/${ownerId}/uploads/${start.json.uploadId}/complete`, { caption: 'aurora', location: where }, token);
    expect(done.status).toBe(201);
    const { logicalShard } = decodeId(done.json.media.id);
    const { rows } = await pools[physicalShardOf(shardMap, logicalShard)]!.query(`SELECT lat, lng FROM ${schemaName(logicalShard)}.media WHERE id = $1`, [done.json.media.id]);
    expect(rows).toEqual([{ lat: where.lat, lng: where.lng }]);
    const found = await nearby(where, 10, 5);
    expect(found.json.items[0]).toMatchObject({ id: done.json.media.id, ownerId, location: where });
    expect(found.json.items[0]!.distanceM).toBeLessThan(0.01);
  });

  it('refuses a malformed location on upload completion with 400 INVALID_LOCATION, before anything else', async () => {
    const path = `/users/${owners[0]}/uploads/0f8fad5b-d9cb-469f-a165-70867728950e/complete`;
    for (const location of [{ lat: 91, lng: 0 }, { lat: 0, lng: -181 }, { lat: '64.1', lng: -21.9 }, { lat: 64.1 }, { lat: 1, lng: 2, alt: 3 }, [64.1, -21.9], null, 'Reykjavik']) {
      const res = await api<{ code: string }>('POST', path, { location }, 'ab'.repeat(16));
      expect([res.status, res.json.code], JSON.stringify(location)).toEqual([400, 'INVALID_LOCATION']);
    }
  });

  it('answers malformed or out-of-range queries with a 400 and a code, never a 5xx', async () => {
    const cases: Array<[string, string]> = [
      ['lat=91&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=-90.0001&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=0&lng=180.5&radiusM=100', 'INVALID_LOCATION'],
      ['lat=abc&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=NaN&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=Infinity&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=1e400&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=1&lat=2&lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lng=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=0&radiusM=100', 'INVALID_LOCATION'],
      ['lat=0&lng=0', 'INVALID_RADIUS'],
      ['lat=0&lng=0&radiusM=0', 'INVALID_RADIUS'],
      ['lat=0&lng=0&radiusM=-5', 'INVALID_RADIUS'],
      ['lat=0&lng=0&radiusM=50001', 'INVALID_RADIUS'],
      ['lat=0&lng=0&radiusM=1km', 'INVALID_RADIUS'],
      ['lat=0&lng=0&radiusM=100&limit=0', 'VALIDATION_FAILED'],
      ['lat=0&lng=0&radiusM=100&limit=101', 'VALIDATION_FAILED'],
      ['lat=0&lng=0&radiusM=100&limit=2.5', 'VALIDATION_FAILED'],
      ['lat=0&lng=-Infinity&radiusM=100', 'INVALID_LOCATION'],
      ['lat=0&lng=0&radiusM=Infinity', 'INVALID_RADIUS'],
      ['lat=0&lng=0&radiusM=100&limit=Infinity', 'VALIDATION_FAILED'],
      ['lat=0&lng=0&radiusM=100&near=me', 'VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      const res = await api<{ code: string }>('GET', `/media/nearby?${query}`);
      expect([res.status, res.json.code], query).toEqual([400, code]);
    }
    const infinite = await request(`${stack.baseUrl}/users/${owners[0]}/uploads/0f8fad5b-d9cb-469f-a165-70867728950e/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'ab'.repeat(16)}` },
      body: '{"location":{"lat":1e400,"lng":0}}',
    });
    expect([infinite.statusCode, ((await infinite.body.json()) as { code: string }).code]).toEqual([400, 'INVALID_LOCATION']);
    const edges = await api<{ items: unknown[] }>('GET', '/media/nearby?lat=-90&lng=180&radiusM=50000&limit=100');
    expect(edges.status).toBe(200);
  });

  it('counts the statements per physical shard in the app metrics: one per shard per request', async () => {
    const count = async (): Promise<number[]> => {
      const perShard = new Array<number>(stack.config.physicalShards).fill(0);
      for (const appUrl of stack.appUrls) {
        const text = await (await request(`${appUrl}/metrics`)).body.text();
        for (const [, shard, value] of text.matchAll(/^feedscale_geo_shard_queries_total\{physical_shard="(\d+)"\} (\d+)$/gm)) perShard[Number(shard)]! += Number(value);
      }
      return perShard;
    };
    const before = await count();
    for (let i = 0; i < 4; i++) expect((await nearby(TAVEUNI, 500)).status).toBe(200);
    const after = await count();
    expect(after.map((n, shard) => n - before[shard]!)).toEqual(new Array<number>(stack.config.physicalShards).fill(4));
  });

  it('gives each shard a nearby function over exactly its schemas, whose cached plan scans the location index of every one', async () => {
    for (const [shard, pool] of pools.entries()) {
      const schemas = logicalShardsOn(shardMap, shard).map(schemaName);
      const { rows } = await pool.query<{ prosrc: string }>(`SELECT prosrc FROM pg_proc WHERE oid = 'public.media_nearby'::regproc`);
      expect([...rows[0]!.prosrc.matchAll(/FROM (shard_\d{4})\.media/g)].map((m) => m[1])).toEqual(schemas);
      // The plan the function keeps: generic, as its plan_cache_mode forces. PREPARE and EXPLAIN
      // share one transaction, so pgbouncer keeps them on one server connection.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
        await client.query(`PREPARE nearby_plan(public.cube, public.cube, float8, int) AS ${nearbyUnionSql(schemas, { point: '$1', box: '$2', maxChordM: '$3', limit: '$4' })}`);
        const { point, box, maxChordM } = nearbySearchCubes(REYKJAVIK, RADIUS_M);
        const explained = await client.query(`EXPLAIN EXECUTE nearby_plan('${point}', '${box}', ${maxChordM}, 20)`);
        const plan = explained.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
        expect(plan).not.toMatch(/Seq Scan/);
        expect(plan.match(/Index Scan using media_earth_point_idx/g)).toHaveLength(schemas.length);
        expect(plan).toMatch(/Merge Append/);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
  });
});

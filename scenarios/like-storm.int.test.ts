import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runOpenLoop } from './engines/open-loop-engine.ts';
import { createCyclicSource, type RequestSpec } from './engines/request-source.ts';
import { generateDataset } from './workload/dataset.ts';
import type { Dataset } from '../lib/dataset-types.ts';
import { createWorkloadModel } from './workload/model.ts';
import { sessionTokenFor } from '../lib/session-tokens.ts';
import { decodeId, schemaName } from '../system/data/ids.ts';
import { loadDataset } from '../system/data/seed-loader.ts';
import { createShardMap, physicalShardOf } from '../system/data/shard-map.ts';

// The two acceptance checks of the 2011 system under load, against the shared stack:
// a like storm on one media ID, and a fan-out to every follower through the queue.
const stack = inject('stack');
const SEED = 4242;
const LIKERS = 5000;
const STORM_RATE_RPS = 250;
const shardMap = createShardMap(stack.config.logicalShards, stack.config.physicalShards);
let pools: pg.Pool[];
let redis: Redis;
let dataset: Dataset;

function poolOf(id: bigint | string) {
  const { logicalShard } = decodeId(id);
  return { pool: pools[physicalShardOf(shardMap, logicalShard)]!, schema: schemaName(logicalShard) };
}

beforeAll(async () => {
  pools = stack.shards.map((s) => new pg.Pool({ ...s, max: 4 }));
  redis = new Redis(stack.redisUrl);
  // 5,000 users with sessions, one or two photos each, Zipf followers: loaded with COPY, not the API.
  const model = createWorkloadModel({ scaleFactor: LIKERS / 14_000_000, photosPerUser: 1, meanFollowing: 8 });
  dataset = generateDataset(model, { seed: SEED, logicalShards: stack.config.logicalShards });
  await loadDataset({ shards: pools, redis, shardMap }, dataset, { feedMaxLength: 500 });
}, 300_000);

afterAll(async () => {
  redis?.disconnect();
  await Promise.all((pools ?? []).map((p) => p.end()));
});

describe('the seeded dataset', () => {
  it('has every media in the bucketed media -> owner map and a session for every user', async () => {
    for (const m of [dataset.media[0]!, dataset.media[dataset.media.length - 1]!]) {
      expect(await redis.hget(`media-owner:${m.id / 1000n}`, String(m.id))).toBe(String(m.ownerId));
    }
    const user = dataset.users[dataset.users.length - 1]!;
    expect(await redis.get(`session:${sessionTokenFor(SEED, user.id)}`)).toBe(String(user.id));
    expect(await redis.ttl(`session:${sessionTokenFor(SEED, user.id)}`)).toBeGreaterThan(0);
  });
});

describe('the 2011 system under a storm', () => {
  it(`counts every acknowledged like exactly once when ${LIKERS} users like one media within seconds`, async () => {
    const target = dataset.media[0]!;
    const likes: RequestSpec[] = dataset.users.slice(0, LIKERS).map((u) => ({
      endpoint: 'media.like',
      method: 'POST',
      path: `/media/${target.id}/likes`,
      body: JSON.stringify({ userId: String(u.id) }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionTokenFor(SEED, u.id)}` },
    }));
    expect(likes).toHaveLength(LIKERS);
    const run = await runOpenLoop({
      baseUrl: stack.baseUrl,
      source: createCyclicSource(likes),
      arrival: { kind: 'constant', rateRps: STORM_RATE_RPS },
      durationS: LIKERS / STORM_RATE_RPS,
      warmupS: 0,
      // Every like must go out on schedule: no cap below the storm itself.
      maxInFlight: LIKERS,
      timeoutMs: 30_000,
    });
    const result = run.endpoints.find((e) => e.endpoint === 'media.like')!;
    expect(result.unserved).toBe(0);
    expect(result.sent).toBe(LIKERS);
    const { pool, schema } = poolOf(target.id);
    const stored = await pool.query<{ like_count: number; rows: string }>(
      `SELECT m.like_count, (SELECT count(*) FROM ${schema}.likes l WHERE l.media_id = m.id)::text AS rows FROM ${schema}.media m WHERE m.id = $1`,
      [String(target.id)],
    );
    // Acknowledged = answered 2xx. Nothing acknowledged may be lost, nothing counted twice.
    expect(stored.rows[0]!.like_count).toBe(result.ok);
    expect(Number(stored.rows[0]!.rows)).toBe(result.ok);
    expect(result.ok).toBe(LIKERS);
  });

  it('puts a new photo of the most-followed account into every follower\'s feed once the queue drains', async () => {
    const followers = new Map<bigint, bigint[]>();
    for (const f of dataset.follows) followers.set(f.followeeId, [...(followers.get(f.followeeId) ?? []), f.followerId]);
    const [celebrity, fans] = [...followers].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(fans.length).toBeGreaterThan(100);
    const auth = { authorization: `Bearer ${sessionTokenFor(SEED, celebrity)}`, 'content-type': 'application/json' };

    const start = await request(`${stack.baseUrl}/users/${celebrity}/uploads`, { method: 'POST', headers: auth, body: JSON.stringify({ contentType: 'image/jpeg' }) });
    expect(start.statusCode).toBe(201);
    const upload = (await start.body.json()) as { uploadId: string; uploadUrl: string };
    const put = await request(upload.uploadUrl, { method: 'PUT', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    expect(put.statusCode).toBe(200);
    const done = await request(`${stack.baseUrl}/users/${celebrity}/uploads/${upload.uploadId}/complete`, { method: 'POST', headers: auth, body: '{}' });
    expect(done.statusCode).toBe(201);
    const mediaId = ((await done.body.json()) as { media: { id: string } }).media.id;

    // Fan-out runs in the worker containers; poll the followers' feeds until all have it (or time out).
    const deadline = Date.now() + 60_000;
    let missing = fans;
    while (missing.length > 0 && Date.now() < deadline) {
      const heads = await Promise.all(missing.map((fan) => redis.lrange(`feed:${fan}`, 0, 9)));
      missing = missing.filter((_, i) => !heads[i]!.includes(mediaId));
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(missing).toEqual([]);
    // Exactly once in each feed, however the batches were retried.
    const counts = await Promise.all(fans.map(async (fan) => (await redis.lrange(`feed:${fan}`, 0, -1)).filter((id) => id === mediaId).length));
    expect(new Set(counts)).toEqual(new Set([1]));
  });
});

import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeId, schemaName } from '../data/ids.ts';
import { createShardMap, logicalShardForUsername, physicalShardOf } from '../data/shard-map.ts';

// The reference service end to end through nginx, asserting on what lands in Postgres, Redis,
// memcached and the object store.
const stack = inject('stack');
const shardMap = createShardMap(stack.config.logicalShards, stack.config.physicalShards);
const suffix = Date.now().toString(36);
let redis: Redis;
let pools: pg.Pool[];

async function api<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: T; headers: Record<string, unknown> }> {
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

/** Fan-out runs in the workers (fanOut.mode 'queue'): wait for the feed to show the media. */
async function waitForFeedHead(userId: string, mediaId: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await redis.lrange(`feed:${userId}`, 0, 0);
    if (head[0] === mediaId || Date.now() > deadline) return head;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function poolFor(id: string): { pool: pg.Pool; schema: string } {
  const { logicalShard } = decodeId(id);
  return { pool: pools[physicalShardOf(shardMap, logicalShard)]!, schema: schemaName(logicalShard) };
}

beforeAll(() => {
  redis = new Redis(stack.redisUrl);
  pools = stack.shards.map((s) => new pg.Pool({ ...s, max: 2 }));
});

afterAll(async () => {
  redis.disconnect();
  await Promise.all(pools.map((p) => p.end()));
});

describe('the photo-sharing service through nginx', () => {
  let alice: string;
  let bob: string;
  let aliceToken: string;
  let bobToken: string;
  let mediaId: string;

  it('creates a user on the logical shard its username hashes to, with an ID that encodes that shard', async () => {
    const username = `alice_${suffix}`;
    const res = await api<{ id: string; logicalShard: number }>('POST', '/users', { username });
    expect(res.status).toBe(201);
    alice = res.json.id;
    const expectedShard = logicalShardForUsername(username, stack.config.logicalShards);
    expect(res.json.logicalShard).toBe(expectedShard);
    expect(decodeId(alice).logicalShard).toBe(expectedShard);
    expect(Math.abs(decodeId(alice).timeMs - Date.now())).toBeLessThan(60_000);
    const { pool, schema } = poolFor(alice);
    const { rows } = await pool.query(`SELECT username FROM ${schema}.users WHERE id = $1`, [alice]);
    expect(rows).toEqual([{ username }]);
    bob = (await api<{ id: string }>('POST', '/users', { username: `bob_${suffix}` })).json.id;
  });

  it('logs a user in with an opaque token kept in Redis with a TTL', async () => {
    const res = await api<{ token: string; userId: string; expiresInS: number }>('POST', '/sessions', { username: `alice_${suffix}` });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ userId: alice, expiresInS: 86_400 });
    expect(res.json.token).toMatch(/^[0-9a-f]{32}$/);
    aliceToken = res.json.token;
    expect(await redis.get(`session:${aliceToken}`)).toBe(alice);
    const ttlS = await redis.ttl(`session:${aliceToken}`);
    expect(ttlS).toBeGreaterThan(86_000);
    expect(ttlS).toBeLessThanOrEqual(86_400);
    bobToken = (await api<{ token: string }>('POST', '/sessions', { username: `bob_${suffix}` })).json.token;
    const unknown = await api<{ code: string }>('POST', '/sessions', { username: `nobody_${suffix}` });
    expect([unknown.status, unknown.json.code]).toEqual([404, 'USER_NOT_FOUND']);
  });

  it('refuses writes without a valid session (401) or with another user\'s (403), and an expired session stops working', async () => {
    const none = await api<{ code: string }>('POST', `/users/${bob}/follows`, { followeeId: alice });
    expect([none.status, none.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await api<{ code: string }>('POST', `/users/${bob}/follows`, { followeeId: alice }, 'ab'.repeat(16));
    expect([unknown.status, unknown.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    const other = await api<{ code: string }>('POST', `/users/${bob}/follows`, { followeeId: alice }, aliceToken);
    expect([other.status, other.json.code]).toEqual([403, 'FORBIDDEN']);
    const likeAsOther = await api<{ code: string }>('POST', `/media/${'1'.repeat(18)}/likes`, { userId: bob }, aliceToken);
    expect(likeAsOther.status).toBe(403);
    const session = await api<{ token: string }>('POST', '/sessions', { username: `bob_${suffix}` });
    await redis.pexpire(`session:${session.json.token}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const expired = await api<{ code: string }>('POST', `/users/${bob}/uploads`, { contentType: 'image/jpeg' }, session.json.token);
    expect([expired.status, expired.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    const f = poolFor(bob);
    expect((await f.pool.query(`SELECT 1 FROM ${f.schema}.following WHERE follower_id = $1`, [bob])).rowCount).toBe(0);
  });

  it('refuses a second user with a taken username', async () => {
    const res = await api<{ code: string }>('POST', '/users', { username: `alice_${suffix}` });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('USERNAME_TAKEN');
  });

  it('stores a follow on both shards: following on the follower\'s, followers on the followee\'s', async () => {
    const res = await api<{ created: boolean }>('POST', `/users/${bob}/follows`, { followeeId: alice }, bobToken);
    expect(res.status).toBe(201);
    expect(res.json.created).toBe(true);
    const again = await api<{ created: boolean }>('POST', `/users/${bob}/follows`, { followeeId: alice }, bobToken);
    expect(again.json.created).toBe(false);
    const f = poolFor(bob);
    expect((await f.pool.query(`SELECT 1 FROM ${f.schema}.following WHERE follower_id = $1 AND followee_id = $2`, [bob, alice])).rowCount).toBe(1);
    const g = poolFor(alice);
    expect((await g.pool.query(`SELECT 1 FROM ${g.schema}.followers WHERE followee_id = $1 AND follower_id = $2`, [alice, bob])).rowCount).toBe(1);
    // Counted once (the repeat created nothing), for the fan-out decision.
    expect(await redis.get(`follower-count:${alice}`)).toBe('1');
  });

  it('uploads through a presigned PUT, then completing writes the media row and fans it out to followers\' feeds', async () => {
    const start = await api<{ uploadId: string; objectKey: string; uploadUrl: string }>('POST', `/users/${alice}/uploads`, { contentType: 'image/jpeg' }, aliceToken);
    expect(start.status).toBe(201);
    const url = new URL(start.json.uploadUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const early = await api<{ code: string }>('POST', `/users/${alice}/uploads/${start.json.uploadId}/complete`, {}, aliceToken);
    expect(early.status).toBe(409);
    expect(early.json.code).toBe('UPLOAD_NOT_FOUND');

    const image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.from(`feedscale ${suffix}`), 0xff, 0xd9]);
    const put = await request(start.json.uploadUrl, { method: 'PUT', body: image, headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    expect(put.statusCode).toBe(200);
    const s3 = new S3Client({
      endpoint: stack.objectStore.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: stack.objectStore.accessKeyId, secretAccessKey: stack.objectStore.secretAccessKey },
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.objectStore.bucket, Key: start.json.objectKey }));
    expect(head.ContentLength).toBe(image.length);
    s3.destroy();

    const asBob = await api<{ code: string }>('POST', `/users/${alice}/uploads/${start.json.uploadId}/complete`, { caption: 'x' }, bobToken);
    expect(asBob.status).toBe(403);
    const done = await api<{ media: { id: string; ownerId: string } }>('POST', `/users/${alice}/uploads/${start.json.uploadId}/complete`, { caption: 'hello 2011' }, aliceToken);
    expect(done.status).toBe(201);
    mediaId = done.json.media.id;
    expect(done.json.media.ownerId).toBe(alice);
    expect(decodeId(mediaId).logicalShard).toBe(decodeId(alice).logicalShard);
    const m = poolFor(mediaId);
    expect((await m.pool.query(`SELECT owner_id::text FROM ${m.schema}.media WHERE id = $1`, [mediaId])).rows).toEqual([{ owner_id: alice }]);
    expect(await waitForFeedHead(bob, mediaId)).toEqual([mediaId]);
    expect(await waitForFeedHead(alice, mediaId)).toEqual([mediaId]);
  });

  it('records the new media in the Redis media -> owner map, bucketed by mediaId / 1000', async () => {
    const bucket = `media-owner:${BigInt(mediaId) / 1000n}`;
    expect(await redis.hget(bucket, mediaId)).toBe(alice);
    const res = await api<{ ownerId: string }>('GET', `/media/${mediaId}/owner`);
    expect(res.status).toBe(200);
    expect(res.json.ownerId).toBe(alice);
    expect((await api('GET', `/media/${BigInt(mediaId) + 1n}/owner`)).status).toBe(404);
  });

  it('serves the follower\'s feed newest first, with a Server-Timing header, and caches the media in memcached', async () => {
    const res = await api<{ items: Array<{ id: string; caption: string }> }>('GET', `/users/${bob}/feed?limit=5`);
    expect(res.status).toBe(200);
    expect(res.json.items[0]).toMatchObject({ id: mediaId, caption: 'hello 2011' });
    expect(String(res.headers['server-timing'])).toMatch(/redis;dur=[\d.]+/);
    const cache = memjs.Client.create(stack.memcachedServers[0]!, { retries: 0 });
    const { value } = await cache.get(`media:${mediaId}`);
    cache.close();
    expect(JSON.parse(value!.toString()).id).toBe(mediaId);
  });

  it('counts a like once per user, however often it is sent', async () => {
    const first = await api<{ created: boolean; likeCount: number }>('POST', `/media/${mediaId}/likes`, { userId: bob }, bobToken);
    const second = await api<{ created: boolean; likeCount: number }>('POST', `/media/${mediaId}/likes`, { userId: bob }, bobToken);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.json).toMatchObject({ created: true, likeCount: 1 });
    expect(second.json).toMatchObject({ created: false, likeCount: 1 });
    const read = await api<{ likeCount: number }>('GET', `/media/${mediaId}`);
    expect(read.json.likeCount).toBe(1);
  });

  it('keeps an activity feed of who followed and liked, readable by its owner only', async () => {
    const own = await api<{ items: Array<Record<string, unknown>> }>('GET', `/users/${alice}/activity`, undefined, aliceToken);
    expect(own.status).toBe(200);
    expect(own.json.items).toEqual([
      { kind: 'like', actorId: bob, mediaId, atMs: expect.any(Number) },
      { kind: 'follow', actorId: bob, atMs: expect.any(Number) },
    ]);
    expect((await api('GET', `/users/${alice}/activity`, undefined, bobToken)).status).toBe(403);
    expect((await api('GET', `/users/${alice}/activity`)).status).toBe(401);
  });

  it('caches user objects read through memcached', async () => {
    const first = await api<{ id: string; username: string }>('GET', `/users/${alice}`);
    expect(first.json).toMatchObject({ id: alice, username: `alice_${suffix}` });
    const cache = memjs.Client.create(stack.memcachedServers[0]!, { retries: 0 });
    const { value } = await cache.get(`user:${alice}`);
    cache.close();
    expect(JSON.parse(value!.toString())).toMatchObject({ id: alice, username: `alice_${suffix}` });
    expect((await api('GET', `/users/${alice}`)).json).toEqual(first.json);
  });

  it('answers malformed requests with 4xx and a stable code, never 5xx', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['GET', '/users/not-an-id/feed', undefined],
      ['GET', '/users/99999999999999999999999/feed', undefined],
      ['GET', '/media/0', undefined],
      ['POST', '/users', { username: 'x' }],
      ['POST', '/users', { username: 'valid_name', admin: true }],
      ['POST', `/users/${bob}/follows`, { followeeId: 12 }],
      ['POST', `/users/${bob}/follows`, { followeeId: bob }],
      ['POST', `/media/${mediaId}/likes`, {}],
      ['POST', `/media/${mediaId}/likes`, { userId: bob }],
      ['GET', `/users/${bob}/activity`, undefined],
      ['POST', '/users', { username: 'a'.repeat(70_000) }],
      ['GET', '/no/such/route', undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await api<{ code?: string }>(method as 'GET' | 'POST', path, body);
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(typeof res.json.code, `${method} ${path}`).toBe('string');
    }
  });
});

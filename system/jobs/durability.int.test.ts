import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validateConfig } from '../../lib/validate.ts';
import { AppConfigSchema } from '../app/app-config.ts';
import { buildApp } from '../app/build-app.ts';
import { encodeId } from '../data/ids.ts';
import { distributeMedia } from '../feed/fan-out.ts';
import { feedKey } from '../feed/feed-keys.ts';
import { deliverPush } from './push-delivery.ts';

// The three durability bugs of issue 11, each reproduced the way it happens in production,
// against the shared stack's real Redis, Postgres (through pgbouncer), worker and notification
// sink. Each test failed on the code before the fix.
const stack = inject('stack');
const suffix = Date.now().toString(36);
let redis: Redis;

beforeAll(() => {
  redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis?.quit();
});

async function api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; json: T }> {
  const res = await request(`${stack.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: (text ? JSON.parse(text) : {}) as T };
}

async function signUp(name: string): Promise<{ id: string; token: string }> {
  const id = (await api<{ id: string }>('POST', '/users', { username: name })).json.id;
  const token = (await api<{ token: string }>('POST', '/sessions', { username: name })).json.token;
  return { id, token };
}

/** How many times `mediaId` is in the feed list of each user. */
async function occurrences(userIds: readonly string[], mediaId: string): Promise<number[]> {
  const pipeline = redis.pipeline();
  for (const id of userIds) pipeline.lrange(feedKey(id), 0, -1);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, list]) => {
    if (err) throw err;
    return (list as string[]).filter((x) => x === mediaId).length;
  });
}

describe('fan-out retried after a partial run', () => {
  it('leaves the media in every follower feed exactly once (a retried job does not push it twice)', async () => {
    // IDs of a logical shard no deployment here uses, so the feeds are this test's alone.
    const id = (sequence: number) => encodeId({ timeMs: Date.now(), logicalShard: 8000, sequence: sequence % 1024 }).toString();
    const ownerId = id(0);
    const followers = Array.from({ length: 25 }, (_, i) => encodeId({ timeMs: Date.now() - 1000 - i, logicalShard: 8001, sequence: i }).toString()).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const mediaId = id(1);
    let failPage = 2;
    const listFollowers = async (_owner: string, afterId: string | null, limit: number): Promise<string[]> => {
      const from = afterId === null ? 0 : followers.indexOf(afterId) + 1;
      if (from > 0 && --failPage === 0) throw new Error('postgres went away mid-job');
      return followers.slice(from, from + limit);
    };
    const options = { maxLength: 500, batchSize: 10, readTimeMergeAboveFollowers: null, celebrityMediaMaxLength: 100 };
    try {
      // First attempt: two batches pushed, then the third followers page fails (the job fails).
      await expect(distributeMedia({ redis, listFollowers }, { ownerId, mediaId }, options)).rejects.toThrow('mid-job');
      // BullMQ retries the job with the same data.
      await distributeMedia({ redis, listFollowers }, { ownerId, mediaId }, options);
      expect(await occurrences([ownerId, ...followers], mediaId)).toEqual(Array(followers.length + 1).fill(1));
    } finally {
      await redis.del(...[ownerId, ...followers].map(feedKey));
    }
  });
});

describe('completing an upload whose enqueue failed', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    // The app in this process, against the stack's backends, so one enqueue can be made to fail.
    const config = validateConfig(
      AppConfigSchema,
      {
        instanceId: 'durability-test',
        logicalShards: stack.config.logicalShards,
        shards: stack.shards.map((s) => ({ host: s.host, port: s.port, database: s.database, user: s.user, password: s.password })),
        redisUrl: stack.redisUrl,
        cache: { mode: 'off' },
        objectStore: {
          endpoint: stack.objectStore.endpoint,
          publicEndpoint: stack.objectStore.endpoint,
          bucket: stack.objectStore.bucket,
          accessKeyId: stack.objectStore.accessKeyId,
          secretAccessKey: stack.objectStore.secretAccessKey,
        },
        logLevel: 'silent',
      },
      'durability test app config',
    );
    app = buildApp(config, { logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('fans the media out when the client retries the complete (the retry re-enqueues)', async () => {
    const owner = await signUp(`dur_owner_${suffix}`);
    const follower = await signUp(`dur_follower_${suffix}`);
    expect((await api('POST', `/users/${follower.id}/follows`, { followeeId: owner.id }, follower.token)).status).toBe(201);
    const auth = { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' };
    const start = await app.inject({ method: 'POST', url: `/users/${owner.id}/uploads`, headers: auth, payload: { contentType: 'image/jpeg' } });
    expect(start.statusCode).toBe(201);
    const { uploadId, uploadUrl } = start.json<{ uploadId: string; uploadUrl: string }>();
    const put = await request(uploadUrl, { method: 'PUT', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    expect(put.statusCode).toBe(200);

    // Redis refuses the enqueue once, after the media row is in Postgres: the client sees a 5xx and retries.
    const enqueue = app.jobs.enqueueFanOut;
    let refused = 0;
    app.jobs.enqueueFanOut = async (data) => {
      if (refused++ === 0) throw new Error('redis connection lost');
      return enqueue(data);
    };
    const url = `/users/${owner.id}/uploads/${uploadId}/complete`;
    const first = await app.inject({ method: 'POST', url, headers: auth, payload: {} });
    expect(first.statusCode).toBeGreaterThanOrEqual(500);
    const retry = await app.inject({ method: 'POST', url, headers: auth, payload: {} });
    expect(retry.statusCode).toBe(201);
    const mediaId = retry.json<{ media: { id: string } }>().media.id;

    // The stack's worker takes the job from the same Redis; the follower's feed gets the media once.
    const deadline = Date.now() + 15_000;
    let counts = await occurrences([follower.id, owner.id], mediaId);
    while (counts.some((c) => c === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      counts = await occurrences([follower.id, owner.id], mediaId);
    }
    expect(counts).toEqual([1, 1]);
  });
});

describe('a push notification delivered again by a retried job', () => {
  it('is counted once by the notification sink', async () => {
    const before = ((await (await request(`${stack.notificationSinkUrl}/stats`)).body.json()) as { count: number }).count;
    const push = { toUserId: id(), likerId: id(), mediaId: id(), likedAtMs: Date.now(), enqueuedAtMs: Date.now() };
    // The first delivery's answer was lost (a timeout): BullMQ runs the job again with the same data.
    await deliverPush(stack.notificationSinkUrl, push, 2000);
    await deliverPush(stack.notificationSinkUrl, push, 2000);
    const after = ((await (await request(`${stack.notificationSinkUrl}/stats`)).body.json()) as { count: number }).count;
    expect(after - before).toBe(1);
    const deliveries = ((await (await request(`${stack.notificationSinkUrl}/deliveries?since=0&toUserId=${push.toUserId}`)).body.json()) as { deliveries: unknown[] }).deliveries;
    expect(deliveries).toHaveLength(1);
  });
});

let sequence = 0;
function id(): string {
  return encodeId({ timeMs: Date.now(), logicalShard: 8100, sequence: sequence++ % 1024 }).toString();
}

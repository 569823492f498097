import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_LABEL } from '../../containers/docker/labels.ts';
import type { StartedStack } from '../../containers/stack.ts';
import { schemaName } from '../../system/data/ids.ts';
import { routeId } from '../../system/data/shard-map.ts';
import { fanOutStateKey, feedKey } from '../../system/feed/feed-keys.ts';
import { startOwnStack } from '../../test/own-stack.ts';
import { killService, restartService } from './container-fault.ts';
import { waitForActiveFanOut } from './fan-out-watch.ts';

// Target (issue 11): a fan-out worker killed mid-job: every follower's feed holds the media exactly
// once after the queue drains. A big account (200,000 followers, 200 batches) makes the job long
// enough to kill for certain while it runs; the kill is checked to have landed mid-job.
const FOLLOWERS = 200_000;
const docker = new Dockerode();
let stack: StartedStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startOwnStack({ appInstances: 1, workers: 1 });
  redis = new Redis(stack.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

async function api<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await request(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

describe('worker-crash: a queue worker killed in the middle of a fan-out', () => {
  it('leaves the media in every follower feed exactly once once the retried job is done', async () => {
    const owner = await api<{ id: string }>('/users', { username: 'celebrity' });
    const { token } = await api<{ token: string }>('/sessions', { username: 'celebrity' });
    const route = routeId(stack.shardMap, owner.id);
    const db = new pg.Client(stack.shards[route.physicalShard]!);
    await db.connect();
    // Followers need no user row: fan-out reads the followers index and pushes to feed:<id>.
    await db.query(`INSERT INTO ${schemaName(route.logicalShard)}.followers (followee_id, follower_id) SELECT $1, 9000000000000000 + g FROM generate_series(1, $2::int) g`, [owner.id, FOLLOWERS]);
    await db.end();
    const followerIds = Array.from({ length: FOLLOWERS }, (_, i) => String(9_000_000_000_000_000n + BigInt(i + 1)));

    const upload = await api<{ uploadId: string; uploadUrl: string }>(`/users/${owner.id}/uploads`, { contentType: 'image/jpeg' }, token);
    const put = await request(upload.uploadUrl, { method: 'PUT', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    const running = waitForActiveFanOut(stack.redisUrl, 10_000);
    const { media } = await api<{ media: { id: string } }>(`/users/${owner.id}/uploads/${upload.uploadId}/complete`, {}, token);
    expect(await running).toBeGreaterThan(0);
    // Kill once some batches are written: the state names the last follower done.
    for (const until = Date.now() + 10_000; !/^[0-9]+$/.test((await redis.get(fanOutStateKey(media.id))) ?? '') && Date.now() < until; ) await new Promise((r) => setTimeout(r, 2));
    await killService({ docker, runId: stack.runId }, 'worker-0');
    const state = await redis.get(fanOutStateKey(media.id));
    expect(state, 'the job finished before the kill landed').toMatch(/^[0-9]+$/);

    await restartService({ docker, runId: stack.runId }, 'worker-0', () => undefined);
    const deadline = Date.now() + 60_000;
    while ((await redis.get(fanOutStateKey(media.id))) !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await redis.get(fanOutStateKey(media.id))).toBe('done');

    const keys = [owner.id, ...followerIds].map(feedKey);
    const counts = new Map<number, number>();
    for (let i = 0; i < keys.length; i += 5000) {
      const pipeline = redis.pipeline();
      for (const key of keys.slice(i, i + 5000)) pipeline.call('LPOS', key, media.id, 'COUNT', '0');
      for (const [err, positions] of (await pipeline.exec()) ?? []) {
        if (err) throw err;
        const n = (positions as unknown[]).length;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
    }
    console.log(JSON.stringify({ stateAtKill: state, feedsByOccurrences: Object.fromEntries(counts) }));
    expect(Object.fromEntries(counts)).toEqual({ 1: FOLLOWERS + 1 });
  });

  it('leaves no container behind once stopped', async () => {
    await stack.stop();
    expect(await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${stack.runId}`] } })).toEqual([]);
  });
});

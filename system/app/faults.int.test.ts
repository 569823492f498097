import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeId } from '../data/ids.ts';
import { loadAppConfig } from './app-config.ts';
import { buildApp } from './build-app.ts';

// The feed-read fault switches (faults.feedReadExtraQueries, faults.feedReadDelayMs) against the
// shared stack's real Postgres, Redis and memcached: apps built in this process on the stack's
// published ports, so each test sets its own switches without a stack of its own.
const stack = inject('stack');

function appWith(faults: { feedReadExtraQueries?: number; feedReadDelayMs?: number }): FastifyInstance {
  const config = loadAppConfig(
    {
      instanceId: 'faults-test',
      logicalShards: stack.config.logicalShards,
      shards: stack.shards.map((s) => ({ host: s.host, port: s.port, database: s.database, user: s.user, password: s.password })),
      redisUrl: stack.redisUrl,
      cache: stack.memcachedServers.length > 0 ? { mode: 'memcached', servers: stack.memcachedServers } : { mode: 'off' },
      cdn: { baseUrl: stack.cdnUrl },
      objectStore: { endpoint: stack.objectStore.endpoint, publicEndpoint: stack.objectStore.endpoint, bucket: stack.objectStore.bucket, accessKeyId: stack.objectStore.accessKeyId, secretAccessKey: stack.objectStore.secretAccessKey },
      faults,
    },
    'faults test app',
  );
  return buildApp(config, { logger: false });
}

/** Sum of feedscale_pg_queries_total over the shards, as the collectors scrape it. */
async function pgQueriesTotal(app: FastifyInstance): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return [...text.matchAll(/^feedscale_pg_queries_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** A user ID on logical shard 1 with no feed list: the page is empty, so only injected queries reach Postgres. */
const READER = encodeId({ timeMs: Date.now(), logicalShard: 1, sequence: 4242 }).toString();
const READS = 5;

describe('feed-read fault injection on the real stack', () => {
  const apps: FastifyInstance[] = [];
  let plain: FastifyInstance;
  let extra: FastifyInstance;
  let delayed: FastifyInstance;
  beforeAll(async () => {
    apps.push((plain = appWith({})), (extra = appWith({ feedReadExtraQueries: 3 })), (delayed = appWith({ feedReadDelayMs: 150 })));
    await Promise.all(apps.map((app) => app.ready()));
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('feedReadExtraQueries: 3 makes every feed read send 3 more statements to its shard, counted in the metrics and Server-Timing', async () => {
    const countReads = async (app: FastifyInstance): Promise<{ queries: number; pgMs: number[] }> => {
      const before = await pgQueriesTotal(app);
      const pgMs: number[] = [];
      for (let i = 0; i < READS; i++) {
        const res = await app.inject({ method: 'GET', url: `/users/${READER}/feed?limit=5` });
        expect([res.statusCode, res.json()]).toEqual([200, { items: [] }]);
        pgMs.push(Number(/pg;dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1]));
      }
      return { queries: (await pgQueriesTotal(app)) - before, pgMs };
    };
    const base = await countReads(plain);
    const injected = await countReads(extra);
    expect(base.queries).toBe(0);
    expect(injected.queries).toBe(3 * READS);
    expect(base.pgMs.every((ms) => ms === 0)).toBe(true);
    expect(injected.pgMs.every((ms) => ms > 0)).toBe(true);
  });

  it('feedReadDelayMs: 150 holds every feed read at least 150 ms, and only feed reads', async () => {
    const timed = async (app: FastifyInstance, url: string): Promise<number> => {
      const startedMs = performance.now();
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      return performance.now() - startedMs;
    };
    expect(await timed(delayed, `/users/${READER}/feed`)).toBeGreaterThanOrEqual(150);
    expect(await timed(plain, `/users/${READER}/feed`)).toBeLessThan(150);
    expect(await timed(delayed, '/health')).toBeLessThan(150);
  });

  it('answers non-finite or non-decimal numbers in a query string with 400 VALIDATION_FAILED through nginx, never a 5xx', async () => {
    for (const path of [`/users/${READER}/feed`, `/users/${READER}/activity`]) {
      for (const limit of ['Infinity', '-Infinity', '1e400', 'NaN', '0x10', '9'.repeat(400), ' 5']) {
        const res = await request(`${stack.baseUrl}${path}?limit=${encodeURIComponent(limit)}`);
        const body = (await res.body.json()) as { error: string; code: string; message: string };
        expect({ path, limit, status: res.statusCode, code: body.code, error: body.error }).toEqual({ path, limit, status: 400, code: 'VALIDATION_FAILED', error: 'Bad Request' });
        expect(body.message).toMatch(/^querystring\/limit must be a finite integer/);
      }
    }
  });
});

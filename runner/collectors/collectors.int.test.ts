import { Value } from '@sinclair/typebox/value';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureDockerEngine } from '../../containers/docker/engine.ts';
import { createLogger } from '../../lib/logger.ts';
import { createShardMap, logicalShardForUsername, physicalShardOf } from '../../system/data/shard-map.ts';
import { registerFormats } from '../../lib/formats.ts';
import { type RunContainer, listRunContainers } from './run-containers.ts';
import { ServerMetricsSchema, type ServerMetrics } from '../../lib/server-metrics-schema.ts';
import { startCollectors } from './start-collectors.ts';

// Samples the shared test stack while real traffic goes through nginx, and checks the numbers
// moved where that traffic must have moved them. The window is 12 s because Postgres publishes
// an idle backend's counters to pg_stat_database only after up to 10 s (PGSTAT_IDLE_INTERVAL).
const stack = inject('stack');
const shardMap = createShardMap(stack.config.logicalShards, stack.config.physicalShards);
const suffix = Date.now().toString(36);
const SAMPLING_MS = 12_000;
const FEED_READS = 6;
let metrics: ServerMetrics;
let containers: RunContainer[];
let requestsSent = 0;

async function api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; json: T }> {
  requestsSent++;
  const res = await request(`${stack.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: (text ? JSON.parse(text) : {}) as T };
}

/** A username that hashes to a logical shard on the given physical shard. */
function usernameOn(physicalShard: number, tag: string): string {
  for (let i = 0; ; i++) {
    const username = `col_${tag}_${suffix}_${i}`;
    if (physicalShardOf(shardMap, logicalShardForUsername(username, stack.config.logicalShards)) === physicalShard) return username;
  }
}

/** Users on every shard, a follow, one upload fanned out, then repeated feed and media reads. */
async function traffic(): Promise<void> {
  const users: string[] = [];
  const tokens: string[] = [];
  for (const shard of stack.shards) {
    const username = usernameOn(shard.index, `s${shard.index}`);
    const res = await api<{ id: string }>('POST', '/users', { username });
    expect(res.status).toBe(201);
    users.push(res.json.id);
    const session = await api<{ token: string }>('POST', '/sessions', { username });
    expect(session.status).toBe(201);
    tokens.push(session.json.token);
  }
  const [author, reader = author] = users as [string, ...string[]];
  const [authorToken, readerToken = authorToken] = tokens as [string, ...string[]];
  if (reader !== author) expect((await api('POST', `/users/${reader}/follows`, { followeeId: author }, readerToken)).status).toBe(201);
  const upload = await api<{ uploadId: string; uploadUrl: string }>('POST', `/users/${author}/uploads`, { contentType: 'image/jpeg' }, authorToken);
  expect(upload.status).toBe(201);
  const put = await request(upload.json.uploadUrl, { method: 'PUT', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), headers: { 'content-type': 'image/jpeg' } });
  await put.body.text();
  expect(put.statusCode).toBe(200);
  const done = await api<{ media: { id: string } }>('POST', `/users/${author}/uploads/${upload.json.uploadId}/complete`, { caption: 'collectors' }, authorToken);
  expect(done.status).toBe(201);
  for (let i = 0; i < FEED_READS; i++) expect((await api('GET', `/users/${reader}/feed?limit=5`)).status).toBe(200);
  for (let i = 0; i < 3; i++) expect((await api('GET', `/media/${done.json.media.id}`)).status).toBe(200);
}

beforeAll(async () => {
  registerFormats();
  const { docker } = await ensureDockerEngine(createLogger('warn'));
  containers = await listRunContainers(docker, stack.runId);
  const startedMs = performance.now();
  const collectors = await startCollectors(
    { docker, runId: stack.runId, shards: stack.shards, redisUrl: stack.redisUrl, memcachedServers: stack.memcachedServers, appUrls: stack.appUrls, workerUrls: stack.workerUrls },
    { intervalMs: 1000 },
  );
  try {
    await traffic();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLING_MS - (performance.now() - startedMs))));
  } finally {
    metrics = await collectors.stop();
  }
}, 60_000);

afterAll(() => {
  if (process.env.FEEDSCALE_PRINT_SERVER_METRICS) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
});

describe('server-side collectors on a live stack', () => {
  it('returns metrics the ServerMetrics schema accepts, with samples from every collector', () => {
    expect([...Value.Errors(ServerMetricsSchema, metrics)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    for (const [name, health] of Object.entries(metrics.sampling.collectors)) {
      expect(health.samples, `${name}: ${health.lastError ?? ''}`).toBeGreaterThanOrEqual(3);
    }
    // A tick a second over the window, a baseline before it and a last one at stop.
    expect(metrics.sampling.ticks).toBeGreaterThanOrEqual(SAMPLING_MS / 1000);
  });

  it('sees Redis execute commands and hold keys', () => {
    expect(metrics.redis.summary.commands).toBeGreaterThan(0);
    expect(metrics.redis.series.length).toBeGreaterThanOrEqual(3);
    expect(metrics.redis.summary.keysEnd).toBeGreaterThan(0);
  });

  it('sees inserts and commits on every Postgres shard, and the top statements of the run', () => {
    expect(metrics.postgres.map((p) => p.shard)).toEqual(stack.shards.map((s) => s.index));
    for (const shard of metrics.postgres) {
      expect(shard.summary.xactCommit, `shard ${shard.shard}`).toBeGreaterThan(0);
      expect(shard.summary.tupInserted, `shard ${shard.shard}`).toBeGreaterThan(0);
      expect(shard.topStatementsError).toBeUndefined();
      expect(shard.topStatements.length).toBeGreaterThan(0);
      expect(shard.topStatements.some((s) => /insert into/i.test(s.query))).toBe(true);
    }
  });

  it('lists the pgbouncer pool of every shard with its server connections and transactions', () => {
    expect(metrics.pgbouncer.map((p) => p.shard)).toEqual(stack.shards.map((s) => s.index));
    for (const bouncer of metrics.pgbouncer) {
      expect(bouncer.series.length).toBeGreaterThanOrEqual(3);
      expect(bouncer.summary.xacts).toBeGreaterThan(0);
      expect(bouncer.series.some((p) => p.svActive + p.svIdle > 0)).toBe(true);
    }
  });

  it('sees memcached misses and then hits from the repeated feed and media reads', () => {
    expect(metrics.memcached).toBeDefined();
    expect(metrics.memcached!.summary.getMisses).toBeGreaterThan(0);
    expect(metrics.memcached!.summary.getHits).toBeGreaterThan(0);
    expect(metrics.memcached!.summary.hitRatio).toBeGreaterThan(0);
  });

  it('reports CPU and memory for every container of the run', () => {
    expect(metrics.containers.map((c) => c.name).sort()).toEqual(containers.map((c) => c.name).sort());
    for (const container of metrics.containers) {
      expect(container.series.length, container.name).toBeGreaterThanOrEqual(3);
      expect(container.summary.memoryBytesMax, container.name).toBeGreaterThan(0);
    }
    const appCpu = metrics.containers.filter((c) => c.service.startsWith('app-')).map((c) => c.summary.cpuPercentMax);
    expect(Math.max(...appCpu)).toBeGreaterThan(0);
  });

  it('parses each app instance\'s /metrics: every request sent through nginx, by route, with cache lookups and queries per shard', () => {
    expect(metrics.apps.map((a) => a.instance)).toEqual(stack.appUrls.map((_, i) => `app-${i}`));
    const total = metrics.apps.reduce((n, a) => n + a.summary.requests, 0);
    expect(total).toBe(requestsSent);
    const feedReads = metrics.apps.flatMap((a) => a.summary.routes).filter((r) => r.route === '/users/:userId/feed');
    expect(feedReads.reduce((n, r) => n + (r.byStatus['200'] ?? 0), 0)).toBe(FEED_READS);
    expect(feedReads.every((r) => r.meanMs !== null && r.meanMs > 0 && r.p99Ms !== null)).toBe(true);
    expect(metrics.apps.reduce((n, a) => n + a.summary.cacheHits, 0)).toBeGreaterThan(0);
    for (const shard of stack.shards) {
      const queries = metrics.apps.reduce((n, a) => n + (a.summary.pgQueriesByShard[String(shard.index)] ?? 0), 0);
      expect(queries, `queries to shard ${shard.index}`).toBeGreaterThan(0);
    }
    expect(metrics.apps.every((a) => a.series.some((p) => p.residentMemoryBytes > 0))).toBe(true);
  });

  it('reads nginx\'s upstream log when it is on and says it is unavailable when it is off, without errors either way', () => {
    expect(metrics.sampling.collectors.nginx!.errors).toBe(0);
    if (metrics.nginx.available) {
      const upstreams = metrics.nginx.upstreams.map((u) => u.upstream).sort();
      expect(upstreams).toEqual(stack.appUrls.map((_, i) => `app-${i}`).sort());
      expect(metrics.nginx.upstreams.reduce((n, u) => n + u.summary.requests, 0)).toBeGreaterThanOrEqual(requestsSent);
    } else {
      expect(metrics.nginx.linesParsed).toBe(0);
      expect(metrics.nginx.upstreams).toEqual([]);
    }
  });

  it('reads the job queues from a worker: the fan-out job of the upload completed, with its lag', () => {
    const fanOut = metrics.queues?.find((q) => q.queue === 'fan-out');
    expect(fanOut).toBeDefined();
    expect(fanOut!.summary.jobsCompleted).toBeGreaterThanOrEqual(1);
    expect(fanOut!.summary.lagMsMean).toBeGreaterThan(0);
    expect(metrics.queues?.map((q) => q.queue)).toContain('push');
  });
});

import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { describe, expect, inject, it } from 'vitest';
import { isFeedscaleError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { ensureDockerEngine } from './docker/engine.ts';
import { startStack } from './stack.ts';
import { MANAGED_LABEL, RUN_LABEL, SERVICE_LABEL } from './docker/labels.ts';

const stack = inject('stack');
const docker = new Dockerode();

async function containersOf(runId: string) {
  return docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
}

describe('the reference stack', () => {
  it('runs every service of the configuration, each labelled with the run', async () => {
    const containers = await containersOf(stack.runId);
    const services = containers.map((c) => c.Labels[SERVICE_LABEL]).sort();
    const expected = [
      ...Array.from({ length: stack.config.appInstances }, (_, i) => `app-${i}`),
      ...Array.from({ length: stack.config.workers }, (_, i) => `worker-${i}`),
      ...Array.from({ length: stack.config.memcachedInstances }, (_, i) => `memcached-${i}`),
      'cdn',
      'nginx',
      'notification-sink',
      'objectstore',
      ...Array.from({ length: stack.config.physicalShards }, (_, i) => [`pg-${i}`, `pgbouncer-${i}`]).flat(),
      'redis',
    ].sort();
    expect(services).toEqual(expected);
    for (const c of containers) {
      expect(c.State).toBe('running');
      expect(c.Labels[MANAGED_LABEL]).toBe('true');
      expect(Object.keys(c.NetworkSettings.Networks)).toContain(`feedscale-${stack.runId}`);
    }
  });

  it('maps no Postgres port to the host: the harness reaches shards only through pgbouncer', async () => {
    const containers = await containersOf(stack.runId);
    for (const c of containers.filter((c) => c.Labels[SERVICE_LABEL]?.startsWith('pg-'))) {
      expect(c.Ports.filter((p) => p.PublicPort !== undefined)).toEqual([]);
    }
    const nginx = containers.find((c) => c.Labels[SERVICE_LABEL] === 'nginx')!;
    expect(nginx.Ports.some((p) => p.PublicPort !== undefined && p.IP !== undefined)).toBe(true);
  });

  it('answers a query through each pgbouncer in transaction mode', async () => {
    for (const shard of stack.shards) {
      const client = new pg.Client(shard);
      await client.connect();
      try {
        const { rows } = await client.query<{ mode: string }>("SELECT current_setting('transaction_isolation') AS mode");
        expect(rows[0]?.mode).toBe('read committed');
        const admin = new pg.Client({ ...shard, database: 'pgbouncer' });
        await admin.connect();
        const config = await admin.query<{ key: string; value: string }>({ text: 'SHOW CONFIG', queryMode: 'simple' } as pg.QueryConfig);
        await admin.end();
        const setting = (key: string) => config.rows.find((r) => r.key === key)?.value;
        expect(setting('pool_mode')).toBe('transaction');
        expect(setting('default_pool_size')).toBe(String(stack.config.pgbouncerPoolSize));
      } finally {
        await client.end();
      }
    }
  });

  it('balances requests round robin over every app instance through nginx', async () => {
    const upstreams = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const res = await request(`${stack.baseUrl}/health`);
      expect(res.statusCode).toBe(200);
      await res.body.text();
      upstreams.add(String(res.headers['x-upstream']));
    }
    expect(upstreams.size).toBe(stack.config.appInstances);
  });

  it('answers PING on Redis', async () => {
    const redis = new Redis(stack.redisUrl);
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('says which service failed, shows its log and removes every container when a service cannot start', async () => {
    const log = createLogger('silent');
    const engine = await ensureDockerEngine(log);
    // redis-server does not exist in the nginx image: the redis container cannot start.
    const broken = { ...stack.catalog, images: { ...stack.catalog.images, redis: stack.catalog.images.nginx } };
    const runId = `broken${Date.now().toString(36)}`;
    const error = await startStack({ ...stack.config, startupTimeoutS: 20 }, { engine, catalog: broken, log, runId }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isFeedscaleError(error) && error.code).toBe('CTR_ERR_SERVICE_START');
    expect((error as Error).message).toMatch(/^redis failed to start/);
    expect((error as Error).message).toContain('--- last log lines of redis ---');
    expect(await containersOf(runId)).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [`${RUN_LABEL}=${runId}`] } })).toEqual([]);
  });
});

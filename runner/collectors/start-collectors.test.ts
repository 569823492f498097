import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFormats } from '../../lib/formats.ts';
import { ServerMetricsSchema } from '../../lib/server-metrics-schema.ts';
import { startCollectors } from './start-collectors.ts';

// The sampler's own behaviour against local sockets that refuse or never answer: no stack needed.
let silent: Server;
const sockets = new Set<Socket>();
let silentPort: number;
let closedPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  registerFormats();
  silent = createServer((socket) => sockets.add(socket)); // accepts, never answers
  silentPort = await listen(silent);
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const targets = () => ({
  docker: new Dockerode({ socketPath: '/nonexistent/feedscale-test.sock' }),
  runId: 'nothing',
  shards: [{ index: 0, host: '127.0.0.1', port: closedPort, user: 'u', password: 'p', database: 'feedscale' }],
  redisUrl: `redis://127.0.0.1:${closedPort}`,
  memcachedServers: [`127.0.0.1:${silentPort}`],
  appUrls: [`http://127.0.0.1:${closedPort}`],
});

describe('startCollectors', () => {
  it('keeps sampling when every target fails, counting errors, timeouts and skipped ticks, and still returns metrics the schema accepts', async () => {
    const collectors = await startCollectors(targets(), { intervalMs: 40, sampleTimeoutMs: 150 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const metrics = await collectors.stop();

    expect(Value.Errors(ServerMetricsSchema, metrics).First()).toBeUndefined();
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
    const health = metrics.sampling.collectors;
    expect(Object.keys(health).sort()).toEqual(['app-0', 'containers', 'memcached', 'nginx', 'pgbouncer-0', 'postgres-0', 'redis']);
    expect(metrics.sampling.ticks).toBeGreaterThanOrEqual(4);
    // memcached accepts and stays silent: each sample times out and the ticks meanwhile are skipped.
    expect(health.memcached!.timeouts).toBeGreaterThanOrEqual(1);
    expect(health.memcached!.skipped).toBeGreaterThanOrEqual(1);
    expect(health.memcached!.samples).toBe(0);
    // Refused connections fail fast, so those collectors try on (nearly) every tick.
    expect(health['app-0']!.errors).toBeGreaterThanOrEqual(3);
    expect(health['app-0']!.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(health['postgres-0']!.errors).toBeGreaterThanOrEqual(3);
    expect(health.containers!.errors).toBeGreaterThanOrEqual(3);
    expect(metrics.postgres).toEqual([expect.objectContaining({ shard: 0, series: [], topStatements: [] })]);
    expect(metrics.nginx.available).toBe(false);
  });

  it('returns the same metrics from a second stop and from disposal', async () => {
    const collectors = await startCollectors({ ...targets(), memcachedServers: [] }, { intervalMs: 1000, sampleTimeoutMs: 100 });
    const first = await collectors.stop();
    expect(await collectors.stop()).toBe(first);
    expect(first.memcached).toBeUndefined();
  });

  it('names the option and the rule when the interval is not a positive integer', async () => {
    await expect(startCollectors(targets(), { intervalMs: 0 })).rejects.toMatchObject({ code: 'CFG_ERR_INVALID', message: /intervalMs must be a positive integer/ });
  });
});

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpMetrics } from '../http-metrics.ts';
import { registerQueueDepthGauge } from '../../jobs/queue-metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (one per app, so several apps can share a process in tests). */
    metrics: Registry;
  }
}

/**
 * Request counts and durations by route, cache hits and misses (in all and per memcached
 * server), queries per physical shard (primaries and replicas), queue depth, and the process metrics (the 2011 app tier was CPU-bound, so CPU and event-loop lag matter).
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const http = new HttpMetrics(registry);

    const reported = { hits: 0, misses: 0, queries: [] as number[], replicaQueries: [] as number[], servers: new Map<string, { hits: number; misses: number }>() };
    new Counter({
      name: 'feedscale_cache_lookups_total',
      help: 'Cache lookups by result (hit or miss); with the cache off every lookup is a miss.',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const { hits, misses } = app.cache.stats();
        this.inc({ result: 'hit' }, hits - reported.hits);
        this.inc({ result: 'miss' }, misses - reported.misses);
        reported.hits = hits;
        reported.misses = misses;
      },
    });
    new Counter({
      name: 'feedscale_cache_server_lookups_total',
      help: 'Cache lookups per memcached server (keys spread by the consistent-hash ring) and result.',
      labelNames: ['server', 'result'] as const,
      registers: [registry],
      collect() {
        for (const { server, hits, misses } of app.cache.serverStats()) {
          const before = reported.servers.get(server) ?? { hits: 0, misses: 0 };
          this.inc({ server, result: 'hit' }, hits - before.hits);
          this.inc({ server, result: 'miss' }, misses - before.misses);
          reported.servers.set(server, { hits, misses });
        }
      },
    });
    new Counter({
      name: 'feedscale_pg_replica_queries_total',
      help: 'SQL statements sent to streaming replicas (feed hydration with feed.readFromReplica), by physical shard.',
      labelNames: ['physical_shard'] as const,
      registers: [registry],
      collect() {
        app.pg.replica?.queryCounts.forEach((count, shard) => {
          this.inc({ physical_shard: String(shard) }, count - (reported.replicaQueries[shard] ?? 0));
          reported.replicaQueries[shard] = count;
        });
      },
    });
    registerQueueDepthGauge(registry, () => app.jobs, (err) => app.log.warn({ err }, 'queue depth not sampled'));
    new Counter({
      name: 'feedscale_pg_queries_total',
      help: 'SQL statements sent, by physical shard.',
      labelNames: ['physical_shard'] as const,
      registers: [registry],
      collect() {
        app.pg.queryCounts.forEach((count, shard) => {
          this.inc({ physical_shard: String(shard) }, count - (reported.queries[shard] ?? 0));
          reported.queries[shard] = count;
        });
      },
    });

    app.decorate('metrics', registry);
    // Callback style: it runs on every response and does no I/O (see plugins/request-timing.ts).
    app.addHook('onResponse', (request, reply, done) => {
      http.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics', dependencies: ['postgres', 'cache', 'jobs'] },
);

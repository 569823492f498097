import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (one per app, so several apps can share a process in tests). */
    metrics: Registry;
  }
}

/**
 * Request counts and durations by route, cache hits and misses, queries per physical shard,
 * and the process metrics (the 2011 app tier was CPU-bound, so CPU and event-loop lag matter).
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({ name: 'feedscale_http_requests_total', help: 'HTTP requests served.', labelNames, registers: [registry] });
    const durations = new Histogram({
      name: 'feedscale_http_request_duration_seconds',
      help: 'Time from request received to response sent.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });

    const reported = { hits: 0, misses: 0, queries: [] as number[] };
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
    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      };
      requests.inc(labels);
      durations.observe(labels, reply.elapsedTime / 1000);
    });
  },
  { name: 'metrics', dependencies: ['postgres', 'cache'] },
);

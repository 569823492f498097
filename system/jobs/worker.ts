import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { createShardedDb } from '../data/create-sharded-db.ts';
import { withTimeout } from '../data/sharded-db.ts';
import { startJobWorkers } from './job-workers.ts';
import { registerQueueDepthGauge } from './queue-metrics.ts';
import { createJobQueues } from './queues.ts';
import { appConfigFromEnv } from '../app/config-from-env.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 2000;

/**
 * Entry point of one queue worker process (bundled with esbuild like system/app/server.ts).
 * Reads the same FEEDSCALE_APP_CONFIG as the app, consumes the 'fan-out' and 'push' queues,
 * serves GET /metrics, /health and /health/ready on config.worker.metricsPort, and on
 * SIGTERM/SIGINT stops taking jobs, lets the running ones finish, and closes its connections.
 */
async function main(): Promise<void> {
  const config = appConfigFromEnv('worker config');
  const log = pino({ level: config.logLevel, base: { instanceId: config.instanceId } });
  const db = createShardedDb(config, log);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, connectTimeout: 5000 });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const reported: number[] = [];
  new Counter({
    name: 'feedscale_pg_queries_total',
    help: 'SQL statements sent, by physical shard.',
    labelNames: ['physical_shard'] as const,
    registers: [registry],
    collect() {
      db.queryCounts.forEach((count, shard) => {
        this.inc({ physical_shard: String(shard) }, count - (reported[shard] ?? 0));
        reported[shard] = count;
      });
    },
  });
  // Depth is read through producer handles; they add no jobs.
  const queues = createJobQueues(redis, { attempts: config.fanOut.attempts, log });
  registerQueueDepthGauge(registry, () => queues, (err) => log.warn({ err }, 'queue depth not sampled'));
  const workers = startJobWorkers({ config, db, redis, registry, log });

  const server = createServer((req, res) => {
    const reply = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(404, JSON.stringify({ code: 'ROUTE_NOT_FOUND' }));
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, text, registry.contentType),
        (err: unknown) => reply(500, JSON.stringify({ code: 'INTERNAL', message: (err as Error).message })),
      );
    } else if (req.url === '/health') {
      reply(200, JSON.stringify({ status: 'ok', instanceId: config.instanceId }));
    } else if (req.url === '/health/ready') {
      Promise.all([db.ping(READY_TIMEOUT_MS), withTimeout(redis.ping(), READY_TIMEOUT_MS, 'redis')]).then(
        () => reply(200, JSON.stringify({ status: 'ready', instanceId: config.instanceId })),
        (err: unknown) => reply(503, JSON.stringify({ code: 'NOT_READY', message: (err as Error).message })),
      );
    } else reply(404, JSON.stringify({ code: 'ROUTE_NOT_FOUND' }));
  });
  server.listen(config.worker.metricsPort, config.host, () => log.info({ port: config.worker.metricsPort }, 'worker metrics listening'));

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing running jobs');
    const forced = setTimeout(() => {
      log.error(`graceful shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    forced.unref();
    (async () => {
      await workers.close();
      await queues.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.end();
      await redis.quit();
    })().then(
      () => {
        log.info('closed');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();

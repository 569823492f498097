import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AppConfig } from '../app/app-config.ts';
import { listFollowerIds } from '../data/follows-repository.ts';
import type { ShardedDb } from '../data/sharded-db.ts';
import { distributeMedia, distributeOptionsFor } from '../feed/fan-out.ts';
import { deliverPush } from './push-delivery.ts';
import type { FanOutJobData, PushJobData, QueueName } from './queues.ts';

/**
 * A job's lock, renewed by its worker every half of it; when a worker dies (SIGKILL, OOM) its
 * jobs come back to the queue once the lock has expired and a stalled-job check has run. BullMQ's
 * defaults (30 s and 30 s) leave a crashed worker's fan-out undone for up to a minute; jobs here
 * take milliseconds, so 10 s locks checked every 5 s bring it back within about 15 s. A job seen
 * stalled this many times (a worker too busy to renew) is failed instead of retried for ever;
 * fan-out is idempotent (fan-out.ts), so running a stalled job twice writes nothing twice.
 */
const JOB_LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5000;
const MAX_STALLED = 3;

export interface JobWorkerDeps {
  config: AppConfig;
  db: ShardedDb;
  /** Feed writes (pipelines); BullMQ opens its own blocking connections from config.redisUrl. */
  redis: Redis;
  registry: Registry;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface StartedJobWorkers {
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/**
 * The consumers of both queues in one process (a worker container runs one of these; scale by
 * running more containers). Metrics: `feedscale_queue_lag_seconds{queue}` (enqueue to done) and
 * `feedscale_jobs_total{queue,result}`, plus feeds written per fan-out path.
 */
export function startJobWorkers(deps: JobWorkerDeps): StartedJobWorkers {
  const { config, db, redis, registry, log } = deps;
  const lag = new Histogram({
    name: 'feedscale_queue_lag_seconds',
    help: 'Time from enqueue to the job finishing, by queue (fan-out: upload to feeds written; push: like to delivered).',
    labelNames: ['queue'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'feedscale_jobs_total',
    help: 'Jobs processed by this worker, by queue and result (completed, or failed per attempt).',
    labelNames: ['queue', 'result'] as const,
    registers: [registry],
  });
  const feedsWritten = new Counter({
    name: 'feedscale_fan_out_feeds_written_total',
    help: 'Feed lists pushed to by fan-out jobs, by path (fan-out to followers, or merge at read for big accounts).',
    labelNames: ['path'] as const,
    registers: [registry],
  });
  const options = distributeOptionsFor(config);
  // BullMQ's workers block on Redis, so they need their own connections with no retry limit.
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null };
  const recovery = { lockDuration: JOB_LOCK_MS, stalledInterval: STALLED_CHECK_MS, maxStalledCount: MAX_STALLED };

  const fanOut = new Worker<FanOutJobData>(
    'fan-out',
    async (job: Job<FanOutJobData>) => {
      const result = await distributeMedia(
        { redis, listFollowers: (ownerId, afterId, limit) => listFollowerIds(db, ownerId, afterId, limit) },
        { ownerId: job.data.ownerId, mediaId: job.data.mediaId },
        options,
      );
      feedsWritten.inc({ path: result.path }, result.feedsWritten);
    },
    { connection, concurrency: config.fanOut.workerConcurrency, ...recovery },
  );
  const push = new Worker<PushJobData>(
    'push',
    async (job: Job<PushJobData>) => deliverPush(config.notifications.sinkUrl, job.data, config.notifications.timeoutMs),
    { connection, concurrency: config.fanOut.workerConcurrency, ...recovery },
  );

  const observe = (queue: QueueName, worker: Worker<{ enqueuedAtMs: number }>): void => {
    worker.on('completed', (job) => {
      jobs.inc({ queue, result: 'completed' });
      lag.observe({ queue }, Math.max(0, Date.now() - job.data.enqueuedAtMs) / 1000);
    });
    worker.on('failed', (job, err) => {
      jobs.inc({ queue, result: 'failed' });
      log.warn({ err, queue, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job attempt failed');
    });
    worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
  };
  observe('fan-out', fanOut as unknown as Worker<{ enqueuedAtMs: number }>);
  observe('push', push as unknown as Worker<{ enqueuedAtMs: number }>);

  return {
    close: async () => {
      await Promise.all([fanOut.close(), push.close()]);
    },
  };
}

import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { generateDataset } from '../scenarios/workload/dataset.ts';
import { createWorkloadModel, type WorkloadModel } from '../scenarios/workload/model.ts';
import { type SeedOptions, loadRedisState } from '../system/data/seed-loader.ts';

/** What the main thread sends: enough to regenerate the same dataset (it is a pure function of these). */
export interface SeedRedisJob {
  workload: Partial<WorkloadModel>;
  seed: number;
  logicalShards: number;
  redisUrl: string;
  options: Omit<SeedOptions, 'onProgress'>;
}

export type SeedRedisMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'generated'; elapsedMs: number }
  | { type: 'done'; result: Awaited<ReturnType<typeof loadRedisState>> }
  | { type: 'error'; message: string; code?: string };

// Runs in a worker thread: the dataset is regenerated here from its seed (cheaper than copying
// millions of objects across threads), and the Redis load uses the second core while the main
// thread builds and streams the Postgres COPY data.
const job = workerData as SeedRedisJob;
const post = (message: SeedRedisMessage) => parentPort!.postMessage(message);
const redis = new Redis(job.redisUrl, { maxRetriesPerRequest: 3 });
try {
  const t0 = performance.now();
  const dataset = generateDataset(createWorkloadModel(job.workload), { seed: job.seed, logicalShards: job.logicalShards });
  post({ type: 'generated', elapsedMs: performance.now() - t0 });
  const result = await loadRedisState(redis, dataset, { ...job.options, onProgress: (_phase, done, total) => post({ type: 'progress', done, total }) });
  post({ type: 'done', result });
} catch (err) {
  post({ type: 'error', message: (err as Error).message, ...((err as { code?: string }).code ? { code: (err as { code: string }).code } : {}) });
} finally {
  redis.disconnect();
}

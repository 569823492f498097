import { Gauge, type Registry } from 'prom-client';
import type { JobQueues } from './queues.ts';

/** A scrape must not hang on a slow Redis; the depth gauge is left out of that scrape instead. */
const QUEUE_DEPTH_TIMEOUT_MS = 1000;

/**
 * `feedscale_queue_depth{queue,state}`: jobs waiting, active and delayed per queue, sampled on
 * each scrape. Registered by the app (routes/metrics) and by the workers (worker.ts).
 */
export function registerQueueDepthGauge(registry: Registry, queues: () => JobQueues, onError: (err: unknown) => void): void {
  new Gauge({
    name: 'feedscale_queue_depth',
    help: 'Jobs per queue and state (waiting, active, delayed), sampled at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const depth = await queues().depth(QUEUE_DEPTH_TIMEOUT_MS);
        for (const [queue, states] of Object.entries(depth)) {
          for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
        }
      } catch (err) {
        onError(err);
      }
    },
  });
}

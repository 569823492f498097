import type { AppConfig } from '../../system/app/app-config.ts';
import type { ServiceSpec, SpecContext } from '../service-spec.ts';

/** Where a queue worker answers /health and /metrics (AppConfig.worker.metricsPort). */
export const WORKER_METRICS_PORT = 9100;

/**
 * A queue worker (alias `worker-<index>`): the app image running worker.mjs, which takes
 * fan-out and push-notification jobs from the BullMQ queues in Redis. 2011: ~200 Gearman
 * workers (docs/facts.md).
 */
export function workerService(ctx: SpecContext, index: number, config: AppConfig, cpus?: number): ServiceSpec {
  return {
    name: `worker-${index}`,
    tier: 'worker',
    image: ctx.catalog.images.app,
    environment: { FEEDSCALE_APP_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    command: ['node', '--enable-source-maps', 'worker.mjs'],
    ports: [WORKER_METRICS_PORT],
    cpus,
    startedWhen: { kind: 'http', path: '/health', port: WORKER_METRICS_PORT },
  };
}

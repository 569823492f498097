import { GenericContainer, Wait } from 'testcontainers';
import type { AppConfig } from '../../system/app/app-config.ts';
import { type ServiceContext, commonSettings } from './service-context.ts';

/** Where a queue worker answers /health and /metrics (AppConfig.worker.metricsPort). */
export const WORKER_METRICS_PORT = 9100;

/**
 * A queue worker (alias `worker-<index>`): the app image running worker.mjs, which takes
 * fan-out and push-notification jobs from the BullMQ queues in Redis. 2011: ~200 Gearman
 * workers.
 */
export function createWorkerContainer(ctx: ServiceContext, index: number, config: AppConfig, cpus?: number): GenericContainer {
  const container = new GenericContainer(ctx.catalog.images.app)
    .withEnvironment({ FEEDSCALE_APP_CONFIG: JSON.stringify(config), NODE_ENV: 'production' })
    .withCommand(['node', '--enable-source-maps', 'worker.mjs'])
    .withExposedPorts(WORKER_METRICS_PORT)
    .withWaitStrategy(Wait.forHttp('/health', WORKER_METRICS_PORT));
  return commonSettings(container, ctx, `worker-${index}`, cpus);
}

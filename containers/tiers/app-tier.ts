import { type PublicEndpoints, appConfigFor } from '../app-config-for.ts';
import { checkHttpOk } from '../readiness.ts';
import { APP_PORT, appService, profileOf } from '../services/app-service.ts';
import { WORKER_METRICS_PORT, workerService } from '../services/worker-service.ts';
import type { StackConfig } from '../stack-config.ts';
import { LOOPBACK, type StackRun, indexes, ready, settleAll, start } from './stack-run.ts';

export interface AppTier {
  /** Each app instance directly: http://127.0.0.1:<port> */
  appUrls: string[];
  /** Each queue worker's /health and /metrics. */
  workerUrls: string[];
}

/**
 * The stateless app tier and the queue workers (the same image and configuration), ready when
 * every app answers /health/ready (its own Postgres, Redis and cache checks) and every worker
 * /health. They start once the tiers they talk to are ready.
 */
export async function startAppTier(run: StackRun, config: Readonly<StackConfig>, endpoints: PublicEndpoints): Promise<AppTier> {
  const [apps, workers] = await settleAll([
    settleAll(indexes(config.appInstances).map((i) => start(run, appService(run, i, appConfigFor(config, run.catalog, `app-${i}`, endpoints), config.cpus.app, profileOf(i, config.profile))))),
    settleAll(indexes(config.workers).map((i) => start(run, workerService(run, i, appConfigFor(config, run.catalog, `worker-${i}`, endpoints), config.cpus.app)))),
  ] as const);
  const appUrls = apps.map((c) => `http://${LOOPBACK}:${c.getMappedPort(APP_PORT)}`);
  const workerUrls = workers.map((c) => `http://${LOOPBACK}:${c.getMappedPort(WORKER_METRICS_PORT)}`);
  await settleAll([
    ...appUrls.map((url, i) => ready(run, `app-${i}`, () => checkHttpOk(`${url}/health/ready`))),
    ...workerUrls.map((url, i) => ready(run, `worker-${i}`, () => checkHttpOk(`${url}/health`))),
  ]);
  return { appUrls, workerUrls };
}

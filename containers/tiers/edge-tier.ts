import { checkHttpOk } from '../readiness.ts';
import { APP_PORT } from '../services/app-service.ts';
import { NGINX_PORT, nginxService } from '../services/nginx-service.ts';
import type { StackConfig } from '../stack-config.ts';
import { LOOPBACK, type StackRun, indexes, ready, start } from './stack-run.ts';

/** nginx in front of every app instance: the stack's only entry point for load. */
export async function startEdgeTier(run: StackRun, config: Readonly<StackConfig>): Promise<{ baseUrl: string }> {
  const upstreams = indexes(config.appInstances).map((i) => `app-${i}:${APP_PORT}`);
  const nginx = await start(run, nginxService(run, { upstreams }, config.cpus.nginx));
  const baseUrl = `http://${LOOPBACK}:${nginx.getMappedPort(NGINX_PORT)}`;
  await ready(run, 'nginx', () => checkHttpOk(`${baseUrl}/health`));
  return { baseUrl };
}

import type { AppConfig } from '../../system/app/app-config.ts';
import type { ServiceSpec, SpecContext } from '../service-spec.ts';

export const APP_PORT = 8080;

/** One stateless Fastify app instance (alias `app-<index>`), configured by FEEDSCALE_APP_CONFIG. */
export function appService(ctx: SpecContext, index: number, config: AppConfig, cpus?: number): ServiceSpec {
  return {
    name: `app-${index}`,
    tier: 'app',
    image: ctx.catalog.images.app,
    environment: { FEEDSCALE_APP_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    ports: [APP_PORT],
    cpus,
    startedWhen: { kind: 'http', path: '/health', port: APP_PORT },
  };
}

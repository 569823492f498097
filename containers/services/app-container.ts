import { GenericContainer, Wait } from 'testcontainers';
import type { AppConfig } from '../../system/app/app-config.ts';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const APP_PORT = 8080;

/** One stateless Fastify app instance (alias `app-<index>`), configured by FEEDSCALE_APP_CONFIG. */
export function createAppContainer(ctx: ServiceContext, index: number, config: AppConfig, cpus?: number): GenericContainer {
  const container = new GenericContainer(ctx.catalog.images.app)
    .withEnvironment({ FEEDSCALE_APP_CONFIG: JSON.stringify(config), NODE_ENV: 'production' })
    .withExposedPorts(APP_PORT)
    .withWaitStrategy(Wait.forHttp('/health', APP_PORT));
  return commonSettings(container, ctx, `app-${index}`, cpus);
}

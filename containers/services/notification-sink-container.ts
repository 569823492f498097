import { GenericContainer, Wait } from 'testcontainers';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const NOTIFICATION_SINK_PORT = 8090;

/**
 * The stand-in for Apple's push service (pyapns in 2011): records every delivery with its
 * receive time, so the time from a like to its push can be measured.
 */
export function createNotificationSinkContainer(ctx: ServiceContext): GenericContainer {
  const container = new GenericContainer(ctx.catalog.images.app)
    .withEnvironment({ FEEDSCALE_SINK_PORT: String(NOTIFICATION_SINK_PORT), NODE_ENV: 'production' })
    .withCommand(['node', '--enable-source-maps', 'notification-sink.mjs'])
    .withExposedPorts(NOTIFICATION_SINK_PORT)
    .withWaitStrategy(Wait.forHttp('/health', NOTIFICATION_SINK_PORT));
  return commonSettings(container, ctx, 'notification-sink');
}

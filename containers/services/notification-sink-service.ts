import type { ServiceSpec, SpecContext } from '../service-spec.ts';

export const NOTIFICATION_SINK_PORT = 8090;

/**
 * The stand-in for Apple's push service (pyapns in 2011): records every delivery with its
 * receive time, so the time from a like to its push can be measured.
 */
export function notificationSinkService(ctx: SpecContext): ServiceSpec {
  return {
    name: 'notification-sink',
    tier: 'notification-sink',
    image: ctx.catalog.images.app,
    environment: { FEEDSCALE_SINK_PORT: String(NOTIFICATION_SINK_PORT), NODE_ENV: 'production' },
    command: ['node', '--enable-source-maps', 'notification-sink.mjs'],
    ports: [NOTIFICATION_SINK_PORT],
    startedWhen: { kind: 'http', path: '/health', port: NOTIFICATION_SINK_PORT },
  };
}

/**
 * The model tier of a container, from its feedscale.service label ("pg-0" -> postgres,
 * "app-1" -> app). The tiers are the ones calibration measures and the reference-stack model
 * places on hosts; containers that carry no load of their own (cdn, notification sink) map to
 * 'other'.
 */
export const SERVICE_TIERS = ['nginx', 'app', 'pgbouncer', 'postgres', 'replica', 'redis', 'memcached', 'objectstore', 'worker', 'other'] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

const BY_LABEL: Readonly<Record<string, ServiceTier>> = {
  nginx: 'nginx',
  app: 'app',
  pgbouncer: 'pgbouncer',
  pg: 'postgres',
  redis: 'redis',
  memcached: 'memcached',
  objectstore: 'objectstore',
  worker: 'worker',
};

/** "pg-2-replica" -> replica, "pgbouncer-0" -> pgbouncer, "cdn" -> other. */
export function tierOfService(service: string): ServiceTier {
  if (/^pg-\d+-replica$/.test(service)) return 'replica';
  return BY_LABEL[service.replace(/-\d+$/, '')] ?? 'other';
}

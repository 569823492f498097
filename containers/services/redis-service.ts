import { type ServiceSpec, type SpecContext, netemCapabilities } from '../service-spec.ts';

export const REDIS_PORT = 6379;

/** Redis: feeds, sessions, the media->owner map, and the job queue. No persistence: runs are disposable. */
export function redisService(ctx: SpecContext, cpus?: number): ServiceSpec {
  return {
    name: 'redis',
    tier: 'redis',
    image: ctx.catalog.images.redis,
    command: ['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    ports: [REDIS_PORT],
    cpus,
    ...netemCapabilities(ctx),
    startedWhen: { kind: 'log', pattern: /Ready to accept connections/ },
  };
}

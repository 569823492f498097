import { type ServiceSpec, type SpecContext, netemCapabilities } from '../service-spec.ts';

export const MEMCACHED_PORT = 11211;

/** One memcached instance (alias `memcached-<index>`): read-through cache of user and media objects. */
export function memcachedService(ctx: SpecContext, index: number, memoryMb: number, cpus?: number): ServiceSpec {
  return {
    name: `memcached-${index}`,
    tier: 'memcached',
    image: ctx.catalog.images.memcached,
    command: ['memcached', '-m', String(memoryMb), '-c', '4096', '-t', '2', '-p', String(MEMCACHED_PORT)],
    ports: [MEMCACHED_PORT],
    cpus,
    ...netemCapabilities(ctx),
    startedWhen: { kind: 'ports' },
  };
}

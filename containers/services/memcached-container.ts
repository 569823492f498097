import { GenericContainer, Wait } from 'testcontainers';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const MEMCACHED_PORT = 11211;

/** One memcached instance (alias `memcached-<index>`): read-through cache of user and media objects. */
export function createMemcachedContainer(ctx: ServiceContext, index: number, memoryMb: number, cpus?: number): GenericContainer {
  const container = new GenericContainer(ctx.catalog.images.memcached)
    .withCommand(['memcached', '-m', String(memoryMb), '-c', '4096', '-t', '2', '-p', String(MEMCACHED_PORT)])
    .withExposedPorts(MEMCACHED_PORT)
    .withWaitStrategy(Wait.forListeningPorts());
  return commonSettings(container, ctx, `memcached-${index}`, cpus);
}

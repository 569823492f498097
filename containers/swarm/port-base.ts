import { createServer } from 'node:net';
import { FeedscaleError } from '../../lib/errors.ts';
import { DEFAULT_PORT_BASE } from '../deploy/compose.ts';
import type { ServiceSpec } from '../service-spec.ts';
import { candidatePortBases, publishedPorts } from './swarm-compose.ts';

/** Ports this process has handed to a Swarm run that is still up (a duet deploys two stacks at once). */
const reserved = new Set<number>();

/** Whether nothing listens on `port` on any address (host-mode publishing binds them all). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortReservation {
  portBase: number;
  release(): void;
}

/**
 * The first port base from which every port the stack publishes is free on this machine, held
 * for this process until released. Swarm publishes in host mode on fixed ports; a port in use
 * would leave the task failing to start.
 */
export async function reservePortBase(specs: readonly Pick<ServiceSpec, 'name' | 'tier' | 'ports'>[]): Promise<PortReservation> {
  for (const base of candidatePortBases(DEFAULT_PORT_BASE)) {
    const ports = publishedPorts(specs, base);
    if (ports.some((p) => reserved.has(p))) continue;
    const free = await Promise.all(ports.map(isFree));
    if (!free.every(Boolean)) continue;
    for (const p of ports) reserved.add(p);
    return { portBase: base, release: () => ports.forEach((p) => reserved.delete(p)) };
  }
  throw new FeedscaleError('CTR_ERR_SERVICE_START', `no free range of ports from ${DEFAULT_PORT_BASE} to 32767 for the stack's published ports`);
}

import type { ComposeFile, ComposeService } from '../deploy/compose-schema.ts';
import { publishedPort } from '../deploy/compose.ts';
import type { ServiceSpec, ServiceTier } from '../service-spec.ts';

/**
 * The order a Swarm run deploys its services in, as startStack starts its tiers: what the
 * others connect to first (the data tier, Redis, memcached, the object store, the notification
 * sink), then what resolves those names when it starts or needs them to answer (the CDN, the
 * apps, the workers), then the entry point (nginx resolves every app when it starts). Each
 * phase is `docker stack deploy` of the services so far, once the earlier phases answer real
 * requests; nginx and the CDN never start before the names they resolve exist.
 */
export const SWARM_PHASES = Object.freeze(['infrastructure', 'apps', 'edge'] as const);
export type SwarmPhase = (typeof SWARM_PHASES)[number];

/** A Record over every tier, so a new tier fails to compile until it has a phase. */
export const PHASE_OF_TIER: Readonly<Record<ServiceTier, SwarmPhase>> = Object.freeze({
  postgres: 'infrastructure',
  'postgres-replica': 'infrastructure',
  pgbouncer: 'infrastructure',
  redis: 'infrastructure',
  memcached: 'infrastructure',
  objectstore: 'infrastructure',
  'notification-sink': 'infrastructure',
  cdn: 'apps',
  app: 'apps',
  worker: 'apps',
  nginx: 'edge',
});

/** `feedscale-<runId>`: the stack's name; Swarm prefixes its services, network and configs with it. */
export function stackName(runId: string): string {
  return `feedscale-${runId}`;
}

/**
 * The rendered Compose file as one Swarm run deploys it on this machine:
 * - `labels` (the run's labels, e.g. feedscale.suite under the test suite) added to every
 *   service, task container, network and config, so `feedscale down`, the interrupt guard and
 *   the suite's teardown find them as they find Testcontainers runs;
 * - no CPU reservations (limits stay): a reservation is a scheduling promise, and on one
 *   2-core node the stack's reservations would leave tasks pending where Testcontainers only
 *   sets a quota.
 */
export function composeForRun(compose: ComposeFile, labels: Readonly<Record<string, string>>): ComposeFile {
  const services = Object.fromEntries(
    Object.entries(compose.services).map(([name, service]): [string, ComposeService] => {
      const { resources, ...deploy } = service.deploy;
      const limits = resources?.limits;
      return [
        name,
        {
          ...service,
          labels: { ...service.labels, ...labels },
          deploy: { ...deploy, labels: { ...deploy.labels, ...labels }, ...(limits ? { resources: { limits } } : {}) },
        },
      ];
    }),
  );
  const networks = Object.fromEntries(Object.entries(compose.networks).map(([name, network]) => [name, { ...network, labels: { ...network.labels, ...labels } }]));
  const configs = Object.fromEntries(Object.entries(compose.configs).map(([name, config]) => [name, { ...config, labels: { ...config.labels, ...labels } }]));
  return { ...compose, services, networks, configs };
}

/** The Compose file of one phase: the services of that phase and the ones before it, and only the configs they mount. */
export function composeUpTo(compose: ComposeFile, specs: readonly Pick<ServiceSpec, 'name' | 'tier'>[], phase: SwarmPhase): ComposeFile {
  const last = SWARM_PHASES.indexOf(phase);
  const names = new Set(specs.filter((spec) => SWARM_PHASES.indexOf(PHASE_OF_TIER[spec.tier]) <= last).map((spec) => spec.name));
  const services = Object.fromEntries(Object.entries(compose.services).filter(([name]) => names.has(name)));
  const used = new Set(Object.values(services).flatMap((service) => (service.configs ?? []).map((c) => c.source)));
  const configs = Object.fromEntries(Object.entries(compose.configs).filter(([name]) => used.has(name)));
  return { ...compose, services, configs };
}

/** Every host port a stack of these services publishes from `portBase` (compose.ts's port plan). */
export function publishedPorts(specs: readonly Pick<ServiceSpec, 'name' | 'tier' | 'ports'>[], portBase: number): number[] {
  return specs.flatMap((spec) => spec.ports.map((_, i) => publishedPort(spec, i, portBase)));
}

/** compose.ts's port plan puts every service's first port within 1000 of the base. */
const PORT_BASE_STEP = 1000;

/**
 * Port bases to try for a run, lowest first: the renderer's default, then steps of 1000 above
 * it, below the kernel's ephemeral range (32768), where Docker maps Testcontainers' ports.
 */
export function candidatePortBases(first: number, limit = 32_768): number[] {
  const bases: number[] = [];
  for (let base = first; base + PORT_BASE_STEP <= limit; base += PORT_BASE_STEP) bases.push(base);
  return bases;
}

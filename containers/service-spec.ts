import type { ResolvedCatalog } from './images/image-catalog.ts';

/**
 * One service of the stack as data: what runs, with which files, ports and CPU quota, and what
 * "started" means. The tier functions (containers/tiers/) build these from the stack
 * configuration; an engine turns them into running containers (containers/testcontainers/).
 * Nothing here talks to Docker, so every target reads the same description.
 */
export interface ServiceSpec {
  /** Network alias and name suffix: `pg-0`, `pgbouncer-1`, `app-2`, `nginx`. */
  name: string;
  /** The kind of service, as the report and the simulator group them. */
  tier: ServiceTier;
  image: string;
  entrypoint?: readonly string[];
  command?: readonly string[];
  environment?: Readonly<Record<string, string>>;
  files?: readonly ServiceFile[];
  /** Ports inside the container that the harness reaches (mapped to 127.0.0.1). */
  ports: readonly number[];
  tmpfs?: Readonly<Record<string, string>>;
  user?: string;
  /** CPU quota (cores); undefined = no quota. */
  cpus?: number;
  /**
   * Linux capabilities added to the container's default set, e.g. NET_ADMIN so the harness can
   * put netem on its interface (runner/faults). Never privileged mode.
   */
  capAdd?: readonly string[];
  /** What "started" means; readiness through a real request is checked by the tier afterwards. */
  startedWhen: StartedProbe;
}

export type ServiceTier =
  | 'postgres'
  | 'postgres-replica'
  | 'pgbouncer'
  | 'redis'
  | 'memcached'
  | 'objectstore'
  | 'cdn'
  | 'notification-sink'
  | 'app'
  | 'worker'
  | 'nginx';

export interface ServiceFile {
  content: string | Buffer;
  target: string;
  mode: number;
}

export type StartedProbe =
  | { kind: 'http'; path: string; port: number }
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'ports' }
  | { kind: 'command'; command: string };

/**
 * NET_ADMIN for the tiers whose network faults can be injected (tc netem, runner/faults), on the
 * local catalog only: its images carry iproute2; registry images have no tc, and deployments
 * (containers/deploy/, official images) should not ask a cluster for the capability.
 */
export function netemCapabilities(ctx: SpecContext): Pick<ServiceSpec, 'capAdd'> {
  return ctx.catalog.kind === 'local' ? { capAdd: ['NET_ADMIN'] } : {};
}

/** What every service builder needs: the images to use and the run's shape. */
export interface SpecContext {
  catalog: ResolvedCatalog;
}

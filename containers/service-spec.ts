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

/** What every service builder needs: the images to use and the run's shape. */
export interface SpecContext {
  catalog: ResolvedCatalog;
}

import { FeedscaleError } from '../../lib/errors.ts';
import type { PublicEndpoints } from '../app-config-for.ts';
import { CDN_PORT } from '../services/cdn-service.ts';
import { NGINX_PORT } from '../services/nginx-service.ts';
import { OBJECT_STORE_PORT } from '../services/object-store-service.ts';
import type { ServiceSpec, ServiceTier } from '../service-spec.ts';
import type { StackConfig } from '../stack-config.ts';
import type { ComposeFile, ComposeService } from './compose-schema.ts';
import { type DeployFile, NODE_ROLE, checkRunId, contentHash, deployLabels, fileKeys, tmpfsSizeBytes, yamlDocuments } from './deploy-common.ts';

/** The stack's one overlay network; Swarm names it `<stack>_feedscale`. */
export const SWARM_NETWORK = 'feedscale';
export const COMPOSE_FILE = 'docker-stack.yml';
export const ENDPOINTS_FILE = 'endpoints.json';
export const DEFAULT_PORT_BASE = 18_000;
/** Where the harness reaches published ports on a single-node swarm: this machine. */
export const DEFAULT_PUBLIC_HOST = '127.0.0.1';

/**
 * Published port of each tier's first service, as an offset from the port base; services with
 * an index (app-3, pgbouncer-11) add it. Postgres publishes nothing (its spec has no harness
 * ports: the harness reaches shards through pgbouncer). Far enough apart for the schema's
 * maxima (16 shards, 8 memcached, 32 apps, 32 workers).
 */
const PORT_SLOT: Readonly<Record<ServiceTier, number>> = Object.freeze({
  nginx: 0,
  cdn: 1,
  objectstore: 2,
  'notification-sink': 3,
  redis: 4,
  pgbouncer: 100,
  memcached: 200,
  app: 300,
  worker: 400,
  postgres: 500,
  'postgres-replica': 600,
});
/** A second port of a service would be published 1000 higher. */
const PORT_STRIDE = 1000;

export interface ComposeOptions {
  /** Label value `feedscale.run` on every service, container, network and config. */
  runId: string;
  /** First published port (default 18000); the stack uses up to base + 632. */
  portBase?: number;
  /** How the harness reaches the node that publishes the entry points (default 127.0.0.1). */
  publicHost?: string;
}

export interface SwarmEndpoints {
  publicHost: string;
  /** The load entry point: nginx. */
  baseUrl: string;
  objectStoreUrl: string;
  cdnUrl: string;
  /** Every published port: service -> container port -> published port. */
  published: Record<string, Record<string, number>>;
}

export interface RenderedCompose {
  compose: ComposeFile;
  /** docker-stack.yml, the config files it names, endpoints.json. */
  files: DeployFile[];
  endpoints: SwarmEndpoints;
}

function indexOf(name: string): number {
  return Number(/-(\d+)(-replica)?$/.exec(name)?.[1] ?? 0);
}

/** The port a service's `portIndex`-th port is published on, from its tier and index. */
export function publishedPort(spec: Pick<ServiceSpec, 'name' | 'tier'>, portIndex: number, portBase = DEFAULT_PORT_BASE): number {
  return portBase + PORT_SLOT[spec.tier] + indexOf(spec.name) + PORT_STRIDE * portIndex;
}

/**
 * The object store and the CDN as clients outside the swarm reach them (published ports on
 * `publicHost`): what describeStack writes into the app's configuration for this target.
 */
export function swarmPublicEndpoints(options: Pick<ComposeOptions, 'portBase' | 'publicHost'> = {}): PublicEndpoints {
  const host = options.publicHost ?? DEFAULT_PUBLIC_HOST;
  const base = options.portBase ?? DEFAULT_PORT_BASE;
  return {
    objectStoreUrl: `http://${host}:${publishedPort({ name: 'objectstore', tier: 'objectstore' }, 0, base)}`,
    cdnUrl: `http://${host}:${publishedPort({ name: 'cdn', tier: 'cdn' }, 0, base)}`,
  };
}

/** `docker stack deploy` interpolates ${VAR} in every string; `$$` is a literal `$`. */
function escapeDollars<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$') as T;
  if (Array.isArray(value)) return value.map(escapeDollars) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)])) as T;
  return value;
}

function composeService(spec: ServiceSpec, config: Readonly<StackConfig>, options: Required<ComposeOptions>, configNames: readonly string[]): ComposeService {
  const labels = deployLabels(options.runId, spec);
  const tmpfs = Object.entries(spec.tmpfs ?? {});
  const cpus = spec.cpus === undefined ? undefined : String(spec.cpus);
  const probe = spec.startedWhen;
  const service: ComposeService = {
    image: spec.image,
    ...(spec.entrypoint ? { entrypoint: [...spec.entrypoint] } : {}),
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.environment ? { environment: { ...spec.environment } } : {}),
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.capAdd?.length ? { cap_add: [...spec.capAdd] } : {}),
    labels,
    ...(spec.files?.length
      ? { configs: spec.files.map((file, i) => ({ source: configNames[i]!, target: file.target, mode: file.mode })) }
      : {}),
    ...(tmpfs.length
      ? {
          volumes: tmpfs.map(([target, opts]) => {
            const size = tmpfsSizeBytes(opts);
            return { type: 'tmpfs' as const, target, ...(size === undefined ? {} : { tmpfs: { size } }) };
          }),
        }
      : {}),
    ...(spec.ports.length
      ? { ports: spec.ports.map((target, i) => ({ target, published: publishedPort(spec, i, options.portBase), protocol: 'tcp' as const, mode: 'host' as const })) }
      : {}),
    // Only a command probe runs inside the image as it is; the http, port and log probes need
    // tools or a log reader the images do not share, so readiness stays the harness's real
    // request (as after Testcontainers' wait strategy).
    ...(probe.kind === 'command'
      ? { healthcheck: { test: ['CMD-SHELL', probe.command], interval: '2s', timeout: '5s', retries: 3, start_period: `${config.startupTimeoutS}s` } }
      : {}),
    networks: { [SWARM_NETWORK]: { aliases: [spec.name] } },
    deploy: {
      mode: 'replicated',
      replicas: 1,
      // The name resolves to the task's own address, as a Docker network alias does: no IPVS
      // virtual IP, whose idle timeout would cut pooled connections to pgbouncer and Redis.
      endpoint_mode: 'dnsrr',
      labels,
      ...(cpus === undefined ? {} : { resources: { limits: { cpus }, reservations: { cpus } } }),
      placement: { constraints: [`node.labels.feedscale.${NODE_ROLE[spec.tier]} == true`] },
      restart_policy: { condition: 'any' },
    },
  };
  return escapeDollars(service);
}

function composeHeader(options: Required<ComposeOptions>): string {
  return [
    `feedscale stack ${options.runId} for docker stack deploy (Compose 3.8; docker.io 20.10 and later).`,
    '',
    '  docker swarm init                      # once, on the manager',
    '  docker node update --label-add feedscale.data=true --label-add feedscale.replica=true \\',
    '    --label-add feedscale.cache=true --label-add feedscale.app=true --label-add feedscale.edge=true <node>',
    `  docker stack deploy -c ${COMPOSE_FILE} feedscale`,
    '',
    'Each service is placed on nodes labelled with its role (data: Postgres and pgbouncer;',
    'replica: streaming replicas; cache: Redis and memcached; app: app instances, workers and',
    'the notification sink; edge: nginx, the CDN and the object store); on one node, give it',
    `every label. Entry points are published in host mode from port ${options.portBase} (see ${ENDPOINTS_FILE});`,
    'Swarm binds them on every address of the node that runs the task, not only 127.0.0.1.',
  ].join('\n');
}

/**
 * The stack as a Compose file for `docker stack deploy`: one replicated service per
 * ServiceSpec on one attachable overlay network (alias = service name), files as Swarm
 * configs (written beside the compose file; names carry a content hash, since a config cannot
 * change once created), tmpfs as tmpfs mounts, CPU quotas as limits and reservations, entry
 * points published in host mode, placement by node role, and the labels of every
 * Testcontainers run. Pure: the CLI writes the files.
 */
export function renderCompose(specs: readonly ServiceSpec[], config: Readonly<StackConfig>, options: ComposeOptions): RenderedCompose {
  checkRunId(options.runId);
  const resolved: Required<ComposeOptions> = { runId: options.runId, portBase: options.portBase ?? DEFAULT_PORT_BASE, publicHost: options.publicHost ?? DEFAULT_PUBLIC_HOST };
  const highest = Math.max(0, ...specs.flatMap((spec) => spec.ports.map((_, i) => publishedPort(spec, i, resolved.portBase))));
  if (!Number.isInteger(resolved.portBase) || resolved.portBase < 1024 || highest > 65_535) {
    throw new FeedscaleError('CFG_ERR_INVALID', `port base must be an integer from 1024 with every published port at most 65535 (got ${resolved.portBase}; highest port ${highest})`);
  }

  const files: DeployFile[] = [];
  const configs: ComposeFile['configs'] = {};
  const services: ComposeFile['services'] = {};
  const published: SwarmEndpoints['published'] = {};
  const owners = new Map<number, string>();
  for (const spec of specs) {
    if (services[spec.name]) throw new FeedscaleError('CFG_ERR_INVALID', `two services are named ${spec.name}`);
    const configNames = fileKeys(spec).map((key, i) => {
      const content = spec.files![i]!.content;
      const path = `configs/${spec.name}/${key}`;
      const name = `${spec.name}-${key}-${contentHash(content)}`.replace(/[^a-zA-Z0-9._-]/g, '-');
      files.push({ path, content });
      configs[name] = { file: `./${path}`, labels: deployLabels(resolved.runId, spec) };
      return name;
    });
    services[spec.name] = composeService(spec, config, resolved, configNames);
    if (spec.ports.length) {
      published[spec.name] = Object.fromEntries(spec.ports.map((port, i) => [String(port), publishedPort(spec, i, resolved.portBase)]));
      for (const port of Object.values(published[spec.name]!)) {
        const other = owners.get(port);
        if (other) throw new FeedscaleError('CFG_ERR_INVALID', `${spec.name} and ${other} would both publish port ${port}`);
        owners.set(port, spec.name);
      }
    }
  }
  const compose: ComposeFile = {
    version: '3.8',
    services,
    networks: { [SWARM_NETWORK]: { driver: 'overlay', attachable: true, labels: deployLabels(resolved.runId) } },
    configs,
  };
  const host = resolved.publicHost;
  const endpoints: SwarmEndpoints = {
    publicHost: host,
    baseUrl: `http://${host}:${publishedPort({ name: 'nginx', tier: 'nginx' }, 0, resolved.portBase)}`,
    ...swarmPublicEndpoints(resolved),
    published,
  };
  // The entry points the app hands out must be the ones published here.
  for (const [service, port, url] of [
    ['nginx', NGINX_PORT, endpoints.baseUrl],
    ['objectstore', OBJECT_STORE_PORT, endpoints.objectStoreUrl],
    ['cdn', CDN_PORT, endpoints.cdnUrl],
  ] as const) {
    if (published[service] && url !== `http://${host}:${published[service]![String(port)]}`) throw new Error(`${service} is published on another port than ${url}`);
  }
  files.unshift({ path: COMPOSE_FILE, content: yamlDocuments([compose], composeHeader(resolved)) });
  files.push({ path: ENDPOINTS_FILE, content: `${JSON.stringify(endpoints, null, 2)}\n` });
  return { compose, files, endpoints };
}

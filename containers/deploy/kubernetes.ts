import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { FeedscaleError } from '../../lib/errors.ts';
import { OFFICIAL_IMAGES } from '../images/image-catalog.ts';
import { SERVICE_LABEL } from '../docker/labels.ts';
import { POSTGRES_PORT } from '../services/postgres-service.ts';
import type { ServiceSpec, ServiceTier, StartedProbe } from '../service-spec.ts';
import type { StackConfig } from '../stack-config.ts';
import { type DeployFile, NODE_ROLE, checkRunId, deployLabels, fileKeys, tmpfsSizeBytes, yamlDocuments } from './deploy-common.ts';

// Types from kubernetes-models (a dev dependency, erased at run time): a misspelt field of a
// manifest fails to compile; the schema test checks the values against the API schemas.

export type KubernetesObject = IConfigMap | IDeployment | IStatefulSet | IService;

/** Folder of the stack's manifests inside the output folder: one file per service. */
export const STACK_DIR = 'stack';

/** Tiers that keep data on disk run as StatefulSets; the rest are Deployments. */
const STATEFUL_TIERS: ReadonlySet<ServiceTier> = new Set(['postgres', 'postgres-replica']);

/**
 * Ports other services reach beyond the ones a spec lists (ServiceSpec.ports are the ports
 * the harness reaches): pgbouncer and the replicas reach each Postgres host on 5432, and the
 * app reads from the replicas there; a Kubernetes Service only forwards the ports it names.
 */
const PEER_PORTS: Readonly<Partial<Record<ServiceTier, readonly number[]>>> = Object.freeze({
  postgres: [POSTGRES_PORT],
  'postgres-replica': [POSTGRES_PORT],
});

/**
 * Numeric IDs of the user names the specs run as, per image: Kubernetes' runAsUser takes only
 * a number. The official postgres image creates `postgres` with uid and gid 999; the local
 * image's uid depends on its Debian build, so a spec with a user name needs the official
 * catalog (or a numeric user) on Kubernetes.
 */
export const KNOWN_USER_IDS: Readonly<Record<string, Readonly<Record<string, number>>>> = Object.freeze({
  [OFFICIAL_IMAGES.postgres]: { postgres: 999 },
});

export interface KubernetesOptions {
  /** Label value `feedscale.run` on every object. */
  runId: string;
}

export interface RenderedKubernetes {
  objects: KubernetesObject[];
  /** stack/<service>.yaml: its ConfigMap (if it has files), its workload and its Service. */
  files: DeployFile[];
}

/** Kubernetes CPU quantity in millicores (0.5 -> "500m"), at least 1m. */
export function cpuQuantity(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 1000))}m`;
}

/**
 * What "ready" means, from what "started" means in the spec: http -> httpGet, command -> exec
 * (sh -c), ports -> tcpSocket on the first port; log -> tcpSocket on the first port too (the
 * log lines waited for, Redis' "Ready to accept connections" and s3rver's "listening", say
 * that the port is open), or no probe for a service without ports.
 */
export function readinessProbe(probe: StartedProbe, ports: readonly number[]): IProbe | undefined {
  const timing = { periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 3 };
  switch (probe.kind) {
    case 'http':
      return { httpGet: { path: probe.path, port: probe.port }, ...timing };
    case 'command':
      return { exec: { command: ['sh', '-c', probe.command] }, ...timing };
    case 'ports':
    case 'log':
      return ports[0] === undefined ? undefined : { tcpSocket: { port: ports[0] }, ...timing };
  }
}

function securityContext(spec: ServiceSpec): IContainer['securityContext'] {
  const capabilities = spec.capAdd?.length ? { capabilities: { add: [...spec.capAdd] } } : {};
  if (!spec.user) return spec.capAdd?.length ? capabilities : undefined;
  const numeric = /^\d+$/.test(spec.user) ? Number(spec.user) : KNOWN_USER_IDS[spec.image]?.[spec.user];
  if (numeric === undefined) {
    throw new FeedscaleError(
      'CFG_ERR_INVALID',
      `${spec.name} runs as user "${spec.user}" in ${spec.image}; Kubernetes needs a numeric uid (runAsUser), known for the official catalog's images (${Object.keys(KNOWN_USER_IDS).join(', ')}): deploy with --catalog official`,
    );
  }
  return { runAsUser: numeric, runAsGroup: numeric, runAsNonRoot: numeric !== 0, ...capabilities };
}

function configMapFor(spec: ServiceSpec, runId: string): IConfigMap | undefined {
  if (!spec.files?.length) return undefined;
  const keys = fileKeys(spec);
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  spec.files.forEach((file, i) => {
    if (typeof file.content === 'string') data[keys[i]!] = file.content;
    else binaryData[keys[i]!] = file.content.toString('base64');
  });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${spec.name}-files`, labels: deployLabels(runId, spec) },
    ...(Object.keys(data).length ? { data } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
}

function podTemplate(spec: ServiceSpec, runId: string): IPodTemplateSpec {
  const keys = fileKeys(spec);
  const volumes: IVolume[] = [];
  const mounts: IVolumeMount[] = [];
  if (spec.files?.length) {
    volumes.push({
      name: 'files',
      configMap: { name: `${spec.name}-files`, items: spec.files.map((file, i) => ({ key: keys[i]!, path: keys[i]!, mode: file.mode })) },
    });
    spec.files.forEach((file, i) => mounts.push({ name: 'files', mountPath: file.target, subPath: keys[i]!, readOnly: true }));
  }
  Object.entries(spec.tmpfs ?? {}).forEach(([target, options], i) => {
    const sizeBytes = tmpfsSizeBytes(options);
    volumes.push({ name: `tmpfs-${i}`, emptyDir: { medium: 'Memory', ...(sizeBytes === undefined ? {} : { sizeLimit: `${Math.ceil(sizeBytes / 1024 ** 2)}Mi` }) } });
    mounts.push({ name: `tmpfs-${i}`, mountPath: target });
  });
  const ports = [...new Set([...spec.ports, ...(PEER_PORTS[spec.tier] ?? [])])];
  const probe = readinessProbe(spec.startedWhen, ports);
  const security = securityContext(spec);
  const container: IContainer = {
    name: spec.name,
    image: spec.image,
    // Docker's entrypoint is Kubernetes' command, Docker's command its args.
    ...(spec.entrypoint ? { command: [...spec.entrypoint] } : {}),
    ...(spec.command ? { args: [...spec.command] } : {}),
    ...(spec.environment ? { env: Object.entries(spec.environment).map(([name, value]) => ({ name, value })) } : {}),
    ...(ports.length ? { ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })) } : {}),
    ...(spec.cpus === undefined ? {} : { resources: { requests: { cpu: cpuQuantity(spec.cpus) }, limits: { cpu: cpuQuantity(spec.cpus) } } }),
    ...(probe ? { readinessProbe: probe } : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    ...(security ? { securityContext: security } : {}),
  };
  const role = NODE_ROLE[spec.tier];
  return {
    metadata: { labels: deployLabels(runId, spec) },
    spec: {
      // Service links would put an environment variable per Service per port into every pod
      // (hundreds at 12 shards x 25 apps); the services find each other by DNS name.
      enableServiceLinks: false,
      // Nodes labelled feedscale.io/<role> are preferred (README: multi-node); any node will do.
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: `feedscale.io/${role}`, operator: 'Exists' }] } }],
        },
      },
      containers: [container],
      ...(volumes.length ? { volumes } : {}),
    },
  };
}

function workloadFor(spec: ServiceSpec, config: Readonly<StackConfig>, runId: string): IDeployment | IStatefulSet {
  const metadata = { name: spec.name, labels: deployLabels(runId, spec) };
  const selector = { matchLabels: { [SERVICE_LABEL]: spec.name } };
  const template = podTemplate(spec, runId);
  if (STATEFUL_TIERS.has(spec.tier)) {
    return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: { serviceName: spec.name, replicas: 1, selector, template } };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector,
      // Each spec is one named instance (app-3, pgbouncer-11): replace it, never run two.
      strategy: { type: 'Recreate' },
      // `kubectl rollout status` reports the rollout failed after the stack's startup timeout.
      progressDeadlineSeconds: config.startupTimeoutS,
      template,
    },
  };
}

function serviceFor(spec: ServiceSpec, runId: string): IService {
  const ports = [...new Set([...spec.ports, ...(PEER_PORTS[spec.tier] ?? [])])];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, labels: deployLabels(runId, spec) },
    spec: {
      type: 'ClusterIP',
      selector: { [SERVICE_LABEL]: spec.name },
      ports: ports.map((port) => ({ name: `tcp-${port}`, port, targetPort: port, protocol: 'TCP' })),
    },
  };
}

/**
 * The stack as Kubernetes manifests: per ServiceSpec, a ConfigMap of its files (text in
 * `data`, binary in `binaryData`, each mounted at its target with its mode), a StatefulSet
 * (Postgres and its replicas) or a Deployment (everything else), and a ClusterIP Service named
 * like the service, so the names the app and nginx use (pgbouncer-0, redis, memcached-1,
 * pg-0-replica, app-3) resolve in the namespace. CPU quotas become requests and limits,
 * `startedWhen` a readiness probe, `user` a securityContext, tmpfs a memory emptyDir; every
 * object carries the labels of a Testcontainers run. Pure: the CLI writes the files.
 */
export function renderKubernetes(specs: readonly ServiceSpec[], config: Readonly<StackConfig>, options: KubernetesOptions): RenderedKubernetes {
  checkRunId(options.runId);
  const objects: KubernetesObject[] = [];
  const files: DeployFile[] = [];
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw new FeedscaleError('CFG_ERR_INVALID', `two services are named ${spec.name}`);
    names.add(spec.name);
    const configMap = configMapFor(spec, options.runId);
    const own = [...(configMap ? [configMap] : []), workloadFor(spec, config, options.runId), serviceFor(spec, options.runId)];
    objects.push(...own);
    files.push({ path: `${STACK_DIR}/${spec.name}.yaml`, content: yamlDocuments(own, `feedscale ${spec.tier} ${spec.name} (run ${options.runId})`) });
  }
  return { objects, files };
}

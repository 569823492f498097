import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { FeedscaleError, isFeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ObjectStoreEndpoint, ShardEndpoint } from '../../lib/stack-endpoints.ts';
import { createShardMap } from '../../system/data/shard-map.ts';
import { renderCompose, swarmPublicEndpoints } from '../deploy/compose.ts';
import type { ComposeFile } from '../deploy/compose-schema.ts';
import { yamlDocuments } from '../deploy/deploy-common.ts';
import { containerLogTail, sweepRun } from '../docker/cleanup.ts';
import { RUN_LABEL, SERVICE_LABEL, runLabels } from '../docker/labels.ts';
import { checkHttpOk, checkMemcached, checkPostgresQuery, checkRedisPing, ensureBucket, retryUntil } from '../readiness.ts';
import type { ServiceSpec } from '../service-spec.ts';
import { APP_PORT } from '../services/app-service.ts';
import { CDN_PORT } from '../services/cdn-service.ts';
import { MEMCACHED_PORT } from '../services/memcached-service.ts';
import { NGINX_PORT } from '../services/nginx-service.ts';
import { NOTIFICATION_SINK_PORT } from '../services/notification-sink-service.ts';
import { MEDIA_BUCKET, OBJECT_STORE_PORT } from '../services/object-store-service.ts';
import { PGBOUNCER_PORT } from '../services/pgbouncer-service.ts';
import { POSTGRES_CREDENTIALS } from '../services/postgres-service.ts';
import { REDIS_PORT } from '../services/redis-service.ts';
import { WORKER_METRICS_PORT } from '../services/worker-service.ts';
import { createShardSchemas } from '../shard-schemas.ts';
import type { StackConfig } from '../stack-config.ts';
import { describeStack } from '../stack-description.ts';
import { type StartStackOptions, type StartedStack, newRunId } from '../stack.ts';
import { reservePortBase } from './port-base.ts';
import { SWARM_ADDRESS, acquireSwarm } from './swarm-mode.ts';
import { SWARM_PHASES, type SwarmPhase, composeForRun, composeUpTo, stackName } from './swarm-compose.ts';

const DOCKER_CLI_TIMEOUT_MS = 120_000;

/** Runs the docker CLI (the engine's own `docker stack`): stdout, or an error with its stderr. */
function dockerCli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', [...args], { timeout: DOCKER_CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** The newest container of one service of the run (a restarted task leaves its predecessor behind for a while). */
async function serviceContainer(docker: Dockerode, runId: string, service: string): Promise<Dockerode.ContainerInfo | undefined> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`, `${SERVICE_LABEL}=${service}`] } });
  return containers.sort((a, b) => b.Created - a.Created)[0];
}

/** What Swarm says about a service's latest task (why it is not running: "No such image", a port in use). */
async function taskStatus(docker: Dockerode, stack: string, service: string): Promise<string> {
  const tasks = (await docker.listTasks({ filters: { service: [`${stack}_${service}`] } }).catch(() => [])) as Array<{
    CreatedAt?: string;
    Status?: { State?: string; Message?: string; Err?: string };
  }>;
  const latest = tasks.sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''))[0];
  if (!latest) return 'no task yet';
  return [latest.Status?.State, latest.Status?.Message, latest.Status?.Err].filter(Boolean).join(': ');
}

/** Resolves once `host:port` accepts a TCP connection (closed at once). */
function tcpConnect(address: string): Promise<void> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`connecting to ${address} timed out`));
    });
    socket.once('error', reject);
  });
}

/** How long Swarm may take to stop and remove a stack's task containers (each gets its stop grace period, 10 s). */
const SWARM_REMOVAL_TIMEOUT_MS = 60_000;

async function untilNoContainers(docker: Dockerode, runId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${left.length} container(s) left after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One Swarm run being started: what the readiness checks and the error messages need. */
interface SwarmRun {
  docker: Dockerode;
  runId: string;
  stack: string;
  log: Logger;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

function throwIfAborted(run: SwarmRun): void {
  if (run.signal?.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted while starting the stack');
}

/** The same real-request readiness as the Testcontainers tiers; a service that never answers is named with its task state and log tail. */
async function ready(run: SwarmRun, service: string, check: () => Promise<void>): Promise<void> {
  try {
    await retryUntil(service, run.readyTimeoutMs, async () => {
      throwIfAborted(run);
      await check();
    });
  } catch (err) {
    if (isFeedscaleError(err)) throw err;
    const container = await serviceContainer(run.docker, run.runId, service);
    const tail = container ? await containerLogTail(run.docker, container.Id) : '(no container was started)';
    const task = await taskStatus(run.docker, run.stack, service);
    throw new FeedscaleError(
      'CTR_ERR_SERVICE_START',
      `${service} did not become ready: ${(err as Error).message}\n--- swarm task: ${task}\n--- last log lines of ${service} ---\n${tail.trimEnd()}`,
      { cause: err },
    );
  }
}

/** A command probe (pg_isready, the replica's recovery check) runs as the service's healthcheck: ready when Docker says healthy. */
async function healthy(run: SwarmRun, service: string): Promise<void> {
  await ready(run, service, async () => {
    const container = await serviceContainer(run.docker, run.runId, service);
    if (!container || container.State !== 'running') throw new Error(`no running task (${await taskStatus(run.docker, run.stack, service)})`);
    const inspected = await run.docker.getContainer(container.Id).inspect();
    const status = inspected.State.Health?.Status;
    if (status !== 'healthy') throw new Error(`healthcheck ${status ?? 'absent'}`);
  });
}

/**
 * Starts the reference stack on Docker Swarm with the contract of `startStack`: the same
 * services (describeStack), rendered by the Compose renderer and deployed with
 * `docker stack deploy` in three phases (swarm-compose.ts), each ready by the same real
 * requests before the next; the shard schemas are created after the first. Swarm mode is
 * initialised for the run when the engine has none and left again at `stop()`. Every published
 * port is answered on 127.0.0.1 (Swarm binds host-mode ports on every address of the node).
 * Anything that fails (or an abort) removes the stack before the error is rethrown.
 */
export async function startSwarmStack(config: Readonly<StackConfig>, options: StartStackOptions): Promise<StartedStack> {
  const { docker } = options.engine;
  const runId = options.runId ?? newRunId();
  const stack = stackName(runId);
  const log = options.log.child({ runId, engine: 'swarm' });
  const timingsMs: Record<string, number> = {};
  const t0 = Date.now();
  const mark = (phase: string) => (timingsMs[phase] = Date.now() - t0);
  const run: SwarmRun = { docker, runId, stack, log, readyTimeoutMs: config.startupTimeoutS * 1000, ...(options.signal ? { signal: options.signal } : {}) };

  // The ports do not depend on the endpoints the apps are given; the endpoints depend on the ports.
  const ports = await reservePortBase(describeStack(config, options.catalog, swarmPublicEndpoints()));
  const { portBase } = ports;
  const specs = describeStack(config, options.catalog, swarmPublicEndpoints({ portBase, publicHost: SWARM_ADDRESS }));
  const rendered = renderCompose(specs, config, { runId, portBase, publicHost: SWARM_ADDRESS });
  const compose = composeForRun(rendered.compose, runLabels(runId));
  const published = (service: string, port: number) => `${SWARM_ADDRESS}:${rendered.endpoints.published[service]![String(port)]!}`;
  const url = (service: string, port: number) => `http://${published(service, port)}`;
  const workDir = await mkdtemp(join(tmpdir(), `feedscale-swarm-${runId}-`));

  let lease: Awaited<ReturnType<typeof acquireSwarm>> | undefined;
  const teardown = async () => {
    await dockerCli(['stack', 'rm', stack]).catch((err: Error) => log.debug({ err: err.message }, 'docker stack rm'));
    // Swarm stops and removes its task containers itself; removing them under it (as the sweep
    // does) can leave dockerd 20.10 counting endpoints on docker_gwbridge that no longer exist,
    // and the bridge can then not be removed when the swarm is left. The sweep comes after, for
    // anything Swarm did not remove in time, until services, containers, network and configs are gone.
    await untilNoContainers(docker, runId, SWARM_REMOVAL_TIMEOUT_MS).catch((err: Error) => log.warn({ err: err.message }, 'Swarm did not remove every task container in time'));
    const removed = await sweepRun(docker, runId, { timeoutMs: 120_000 });
    await lease?.release();
    ports.release();
    await rm(workDir, { recursive: true, force: true });
    return removed;
  };

  try {
    for (const file of rendered.files) {
      await mkdir(dirname(join(workDir, file.path)), { recursive: true });
      await writeFile(join(workDir, file.path), file.content);
    }
    lease = await acquireSwarm(docker, log);
    throwIfAborted(run);
    const deploy = async (phase: SwarmPhase) => {
      const file = join(workDir, `docker-stack.${phase}.yml`);
      await writeFile(file, yamlDocuments([composeUpTo(compose, specs, phase) satisfies ComposeFile]));
      // Images are this engine's (local builds, or pulled by tag from the catalog's registry): no digest lookup.
      await dockerCli(['stack', 'deploy', '--compose-file', file, '--resolve-image', 'never', '--prune=false', stack]);
      log.debug(`deployed phase ${phase} of ${stack}`);
    };
    const of = (tier: ServiceSpec['tier']) => specs.filter((s) => s.tier === tier);
    const { user, password, database } = POSTGRES_CREDENTIALS;

    // Phase 1: the data tier, Redis, memcached, the object store and the notification sink.
    await deploy(SWARM_PHASES[0]);
    const shards: ShardEndpoint[] = of('pgbouncer').map((spec, index) => {
      const [host, port] = published(spec.name, PGBOUNCER_PORT).split(':') as [string, string];
      return { index, host, port: Number(port), user, password, database };
    });
    const objectStore: ObjectStoreEndpoint = {
      endpoint: url('objectstore', OBJECT_STORE_PORT),
      bucket: MEDIA_BUCKET,
      accessKeyId: options.catalog.objectStore.accessKeyId,
      secretAccessKey: options.catalog.objectStore.secretAccessKey,
      verifiesSignatures: options.catalog.objectStore.verifiesSignatures,
    };
    const redisUrl = `redis://${published('redis', REDIS_PORT)}`;
    const memcachedServers = of('memcached').map((spec) => published(spec.name, MEMCACHED_PORT));
    const notificationSinkUrl = url('notification-sink', NOTIFICATION_SINK_PORT);
    await Promise.all([
      ...[...of('postgres'), ...of('postgres-replica')].map((spec) => healthy(run, spec.name)),
      ...shards.map((s) => ready(run, `pgbouncer-${s.index}`, () => checkPostgresQuery(s))),
      // A port that refuses makes ioredis report an unhandled error event; connect first.
      ready(run, 'redis', async () => {
        await tcpConnect(published('redis', REDIS_PORT));
        await checkRedisPing(redisUrl);
      }),
      ...memcachedServers.map((server, i) => ready(run, `memcached-${i}`, () => checkMemcached(server))),
      ready(run, 'objectstore', () => ensureBucket(objectStore)),
      ready(run, 'notification-sink', () => checkHttpOk(`${notificationSinkUrl}/health`)),
    ]);
    mark('infrastructureReady');
    const shardMap = createShardMap(config.logicalShards, config.physicalShards);
    await createShardSchemas(shards, shardMap, log);
    mark('shardsReady');
    throwIfAborted(run);

    // Phase 2: the CDN (resolves the object store at start), the apps and the workers.
    await deploy(SWARM_PHASES[1]);
    const cdnUrl = url('cdn', CDN_PORT);
    const appUrls = of('app').map((spec) => url(spec.name, APP_PORT));
    const workerUrls = of('worker').map((spec) => url(spec.name, WORKER_METRICS_PORT));
    await Promise.all([
      ready(run, 'cdn', () => checkHttpOk(`${cdnUrl}/cdn/health`)),
      ...appUrls.map((u, i) => ready(run, `app-${i}`, () => checkHttpOk(`${u}/health/ready`))),
      ...workerUrls.map((u, i) => ready(run, `worker-${i}`, () => checkHttpOk(`${u}/health`))),
    ]);
    mark('appsReady');
    throwIfAborted(run);

    // Phase 3: nginx, which resolves every app when it starts.
    await deploy(SWARM_PHASES[2]);
    const baseUrl = url('nginx', NGINX_PORT);
    await ready(run, 'nginx', () => checkHttpOk(`${baseUrl}/health`));
    mark('ready');
    log.info({ timingsMs, portBase }, `swarm stack ${stack} ready in ${(timingsMs.ready! / 1000).toFixed(1)} s at ${baseUrl}`);

    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= teardown().then((removed) => {
        log.info({ containers: removed.containers.length, swarmObjects: removed.swarmObjects?.length ?? 0 }, `swarm stack ${stack} torn down`);
      }));
    return Object.freeze({
      runId,
      config,
      catalog: options.catalog,
      shardMap,
      baseUrl,
      appUrls,
      shards,
      redisUrl,
      memcachedServers,
      cdnUrl,
      notificationSinkUrl,
      workerUrls,
      objectStore,
      timingsMs,
      logs: async (service: string, lines = 100) => {
        const container = await serviceContainer(docker, runId, service);
        return container ? containerLogTail(docker, container.Id, lines) : `(no container of ${service})`;
      },
      stop,
      [Symbol.asyncDispose]: stop,
    });
  } catch (err) {
    log.warn(`swarm stack ${stack} failed to start; removing it`);
    await teardown().catch((cleanupErr: Error) => log.error({ err: cleanupErr.message }, 'teardown after failure failed'));
    if (isFeedscaleError(err)) throw err;
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `starting the stack on Swarm failed: ${(err as Error).message}`, { cause: err });
  }
}

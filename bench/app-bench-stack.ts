/**
 * What the app benchmark (bench/app.bench.ts) and the feed-read profile (bench/profile-feed-read.ts)
 * share: a small stack for the backends, a seeded dataset, and the app (or the bare baseline)
 * as a Node process on this host, bundled and started as the app image does, so its CPU can be
 * read from /proc without a container's accounting in the way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.ts';
import { validateConfig } from '../lib/validate.ts';
import type { DockerEngine } from '../containers/docker/engine.ts';
import { RUN_LABEL, SERVICE_LABEL, networkName } from '../containers/docker/labels.ts';
import { MEMCACHED_PORT } from '../containers/services/memcached-service.ts';
import { PGBOUNCER_PORT } from '../containers/services/pgbouncer-service.ts';
import { REDIS_PORT } from '../containers/services/redis-service.ts';
import { IMAGES_DIR, REPO_ROOT, prepareContext } from '../containers/images/bundle.ts';
import { resolveCatalog } from '../containers/images/resolve-catalog.ts';
import { MEDIA_BUCKET } from '../containers/services/object-store-service.ts';
import { StackConfigSchema } from '../containers/stack-config.ts';
import { type StartedStack, startStack } from '../containers/stack.ts';
import { withShardPools } from '../containers/shard-schemas.ts';
import { type AppConfig, APP_DEFAULTS, loadAppConfig } from '../system/app/app-config.ts';
import { schemaName } from '../system/data/ids.ts';
import { feedKey } from '../system/feed/feed-keys.ts';
import { procCpuSeconds } from './server-process.ts';

/** Logical shards of the bench stack (on one physical host); IDs are spread over them. */
export const BENCH_LOGICAL_SHARDS = 4;
/**
 * memcached instances: the stack's default (1), as the issue measured, or FEEDSCALE_BENCH_MEMCACHED
 * (e.g. 2, to include the consistent-hash ring and a batch per server in every page).
 */
export const BENCH_MEMCACHED_INSTANCES = Number(process.env.FEEDSCALE_BENCH_MEMCACHED ?? 1);
const MEDIA_PER_SHARD = 250;
const READERS_PER_SHARD = 50;
/** Entries per seeded feed list; a first page reads the newest 21 (limit 20 + 1). */
const FEED_LENGTH = 100;
export const BARE_KEY = 'bench:bare';

/**
 * The backends only: 1 physical shard behind pgbouncer, Redis, memcached on, no queue workers
 * (fan-out is irrelevant to reads). The stack's own app container idles; the measured app runs
 * on the host against the stack's mapped ports.
 */
export async function startAppBenchStack(log: Logger, options: { engine: DockerEngine; runId: string; signal: AbortSignal }): Promise<StartedStack> {
  const config = validateConfig(
    StackConfigSchema,
    {
      catalog: process.env.FEEDSCALE_CATALOG ?? 'auto',
      physicalShards: 1,
      logicalShards: BENCH_LOGICAL_SHARDS,
      appInstances: 1,
      cache: 'memcached',
      memcachedInstances: BENCH_MEMCACHED_INSTANCES,
      workers: 0,
      fanOut: 'sync',
    },
    'app bench stack',
  );
  const catalog = await resolveCatalog(options.engine.docker, config.catalog, log);
  return startStack(config, { engine: options.engine, catalog, log, runId: options.runId, signal: options.signal });
}

/** Where the servers under test reach the backends. */
export interface BackendEndpoints {
  /** `direct` (the run's Docker network, as the stack's app containers) or `published` (mapped loopback ports). */
  route: 'direct' | 'published';
  redisUrl: string;
  memcachedServers: string[];
  /** pgbouncer of each physical shard, in shard order. */
  pgbouncers: Array<{ host: string; port: number }>;
}

/**
 * The stack's Redis, memcached and pgbouncers at their addresses on the run's Docker network,
 * as the stack's own app containers reach them. The published ports on 127.0.0.1 go through
 * docker-proxy, a userland relay the stack's apps never cross: two more hops per backend round
 * trip, and a process of its own competing for the same cores. Falls back to the published
 * ports when this host cannot reach the network.
 */
export async function backendEndpoints(engine: DockerEngine, stack: StartedStack): Promise<BackendEndpoints> {
  const published: BackendEndpoints = {
    route: 'published',
    redisUrl: stack.redisUrl,
    memcachedServers: [...stack.memcachedServers],
    pgbouncers: stack.shards.map((s) => ({ host: s.host, port: s.port })),
  };
  const network = networkName(stack.runId);
  const containers = await engine.docker.listContainers({ filters: { label: [`${RUN_LABEL}=${stack.runId}`] } });
  const ipOf = (service: string): string | undefined =>
    containers.find((c) => c.Labels[SERVICE_LABEL] === service)?.NetworkSettings.Networks[network]?.IPAddress || undefined;
  const redis = ipOf('redis');
  const memcached = stack.memcachedServers.map((_, i) => ipOf(`memcached-${i}`));
  const pgbouncers = stack.shards.map((_, i) => ipOf(`pgbouncer-${i}`));
  if (redis === undefined || memcached.includes(undefined) || pgbouncers.includes(undefined) || !(await reachable(redis, REDIS_PORT))) return published;
  return {
    route: 'direct',
    redisUrl: `redis://${redis}:${REDIS_PORT}`,
    memcachedServers: memcached.map((ip) => `${ip}:${MEMCACHED_PORT}`),
    pgbouncers: pgbouncers.map((ip) => ({ host: ip as string, port: PGBOUNCER_PORT })),
  };
}

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** The app's configuration on this host: the stack's servers at `backends`, every other field its default. */
export function hostAppConfig(stack: StartedStack, backends: BackendEndpoints, port: number): Readonly<AppConfig> {
  return loadAppConfig(
    {
      instanceId: 'bench-app',
      host: '127.0.0.1',
      port,
      logicalShards: stack.config.logicalShards,
      shards: stack.shards.map((s, i) => ({ ...backends.pgbouncers[i], database: s.database, user: s.user, password: s.password })),
      redisUrl: backends.redisUrl,
      cache: { mode: 'memcached', servers: backends.memcachedServers },
      fanOut: { mode: 'sync' },
      notifications: { sinkUrl: stack.notificationSinkUrl },
      cdn: { baseUrl: stack.cdnUrl },
      objectStore: {
        endpoint: stack.objectStore.endpoint,
        publicEndpoint: stack.objectStore.endpoint,
        bucket: MEDIA_BUCKET,
        accessKeyId: stack.objectStore.accessKeyId,
        secretAccessKey: stack.objectStore.secretAccessKey,
      },
    },
    'bench app configuration',
  );
}

export interface BenchDataset {
  /** `/users/<id>/feed?limit=20` of every reader (each has a feed list of FEED_LENGTH media). */
  feedPaths: string[];
  /** `/media/<id>` of every media row. */
  mediaPaths: string[];
}

const CAPTIONS = ['sunny morning', 'quiet street', 'golden sunset over the harbor', 'misty lake', 'late coffee', 'rainy market'];

/**
 * A few users and media per logical shard (rows through pgbouncer, IDs from each schema's
 * next_id()), a feed list per reader in Redis (newest first, as fan-out writes them), and the
 * baseline's key. Deterministic apart from the IDs' timestamps.
 */
export async function seedBenchDataset(stack: StartedStack): Promise<BenchDataset> {
  const mediaIds: string[] = [];
  const readerIds: string[] = [];
  await withShardPools(stack.shards, async ([pool]) => {
    for (let shard = 0; shard < stack.config.logicalShards; shard++) {
      const s = schemaName(shard);
      const owner = await pool!.query<{ id: string }>(`INSERT INTO ${s}.users (username) VALUES ($1) RETURNING id`, [`bench-owner-${shard}`]);
      const ownerId = owner.rows[0]!.id;
      const media = await pool!.query<{ id: string }>(
        `INSERT INTO ${s}.media (owner_id, object_key, caption, like_count, created_at)
         SELECT $1::bigint, 'seed/' || $1::text || '/bench-' || g || '.jpg', ($2::text[])[1 + g % $3], g % 50, now() - g * interval '1 minute'
         FROM generate_series(1, $4) g RETURNING id`,
        [ownerId, CAPTIONS, CAPTIONS.length, MEDIA_PER_SHARD],
      );
      mediaIds.push(...media.rows.map((r) => r.id));
      const readers = await pool!.query<{ id: string }>(
        `INSERT INTO ${s}.users (username) SELECT 'bench-reader-' || $1::text || '-' || g FROM generate_series(1, $2) g RETURNING id`,
        [shard, READERS_PER_SHARD],
      );
      readerIds.push(...readers.rows.map((r) => r.id));
    }
  });
  const byIdDesc = (a: string, b: string) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0);
  const redis = new Redis(stack.redisUrl);
  try {
    const pipeline = redis.pipeline();
    readerIds.forEach((readerId, i) => {
      // Each reader follows a different window of the media; lists are newest first.
      const feed = Array.from({ length: FEED_LENGTH }, (_, j) => mediaIds[(i * 7 + j * 3) % mediaIds.length]!).sort(byIdDesc);
      pipeline.del(feedKey(readerId)).rpush(feedKey(readerId), ...new Set(feed)).ltrim(feedKey(readerId), 0, APP_DEFAULTS.feedMaxLength - 1);
    });
    // The baseline's value is about the size of one cached media object.
    pipeline.set(BARE_KEY, JSON.stringify({ id: mediaIds[0], ownerId: readerIds[0], objectKey: `seed/${readerIds[0]}/bench-1.jpg`, caption: CAPTIONS[2], likeCount: 7, createdAtMs: Date.now() }));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  } finally {
    redis.disconnect();
  }
  return { feedPaths: readerIds.map((id) => `/users/${id}/feed?limit=20`), mediaPaths: mediaIds.map((id) => `/media/${id}`) };
}

/** Bundles of the app's server entry and of the baseline, built with the app image's esbuild options. */
export async function bundleBenchServers(): Promise<{ app: string; bare: string }> {
  const dir = await prepareContext({
    name: 'bench-app',
    dockerfileDir: join(IMAGES_DIR, 'app'),
    entries: [
      { source: join(REPO_ROOT, 'system', 'app', 'server.ts'), outfile: 'server.mjs' },
      { source: join(REPO_ROOT, 'bench', 'bare-redis-server.ts'), outfile: 'bare-redis-server.mjs' },
    ],
  });
  return { app: join(dir, 'bundle', 'server.mjs'), bare: join(dir, 'bundle', 'bare-redis-server.mjs') };
}

/** A free TCP port on 127.0.0.1 (closed again at once; the server binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A benchmarked server process on this host. */
export interface StartedHostServer extends AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  /** CPU seconds (user + system, every thread) the process used so far, from /proc. */
  cpuSeconds(): number;
  /** Read- and write-family system calls the process made so far (/proc/<pid>/io syscr, syscw). */
  syscalls(): { reads: number; writes: number };
  /** SIGTERM (or `signal`), then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts `node --enable-source-maps <bundle>` as the app image does (NODE_ENV=production), with
 * `env`, and resolves when `<url>/health` answers 200. `wrap` prefixes the command (e.g. clinic);
 * a wrapped command gets its own process group and `stop` signals the whole group, as Ctrl-C
 * would (clinic waits for its child's exit, then writes its report).
 */
export async function startHostServer(options: { bundle: string; port: number; env: Record<string, string>; wrap?: readonly string[] }): Promise<StartedHostServer> {
  const argv = [...(options.wrap ?? []), process.execPath, '--enable-source-maps', options.bundle];
  const group = options.wrap !== undefined;
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: REPO_ROOT,
    detached: group,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (group) process.kill(-child.pid!, signal);
    else child.kill(signal);
    await exited;
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.bundle} exited (code ${child.exitCode}) before it answered ${url}/health`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`${options.bundle} did not answer ${url}/health within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, cpuSeconds: () => procCpuSeconds(child.pid!), syscalls: () => procSyscalls(child.pid!), stop, [Symbol.asyncDispose]: () => stop() };
}

/** syscr and syscw of a live process (Linux); NaN when /proc cannot be read. */
export function procSyscalls(pid: number): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { reads: Number(/^syscr: (\d+)$/m.exec(io)?.[1]), writes: Number(/^syscw: (\d+)$/m.exec(io)?.[1]) };
  } catch {
    return { reads: Number.NaN, writes: Number.NaN };
  }
}

/** How a profiled server is started: a command in front of node, or extra environment (NODE_OPTIONS). */
export interface ProfiledStart {
  wrap?: readonly string[];
  env?: Record<string, string>;
}

/** Starts the app bundle on this host against the stack. */
export async function startHostApp(stack: StartedStack, backends: BackendEndpoints, bundle: string, profiled: ProfiledStart = {}): Promise<StartedHostServer> {
  const port = await freePort();
  const env = { FEEDSCALE_APP_CONFIG: JSON.stringify(hostAppConfig(stack, backends, port)), ...profiled.env };
  return startHostServer({ bundle, port, env, ...(profiled.wrap ? { wrap: profiled.wrap } : {}) });
}

/** Starts the baseline bundle on this host against the stack's Redis at `backends`. */
export async function startHostBare(backends: BackendEndpoints, bundle: string, profiled: ProfiledStart = {}): Promise<StartedHostServer> {
  const port = await freePort();
  const env = { FEEDSCALE_BENCH_PORT: String(port), FEEDSCALE_BENCH_REDIS_URL: backends.redisUrl, ...profiled.env };
  return startHostServer({ bundle, port, env, ...(profiled.wrap ? { wrap: profiled.wrap } : {}) });
}

/** Hit and miss counts from the app's /metrics (feedscale_cache_lookups_total). */
export async function cacheLookups(appUrl: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const read = (result: string) => Number(new RegExp(`^feedscale_cache_lookups_total\\{result="${result}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { hits: read('hit'), misses: read('miss') };
}

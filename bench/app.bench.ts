/**
 * App benchmark: how much app CPU does a request cost, next to a bare Fastify route that does
 * one Redis GET, measured in the same run on the same backends?
 *
 * Load shape: a small stack for the backends (bench/app-bench-stack.ts: 1 physical shard of 4
 * logical ones behind pgbouncer, Redis, memcached: 1 instance, the stack's default, or
 * FEEDSCALE_BENCH_MEMCACHED instances on the consistent-hash ring) and a seeded dataset (1,000
 * media, 200 readers with a 100-entry feed each). The app runs on this host as ONE Node
 * process, bundled and started as the app image does (system/app/server.ts,
 * `node --enable-source-maps`, NODE_ENV=production); the baseline (bench/bare-redis-server.ts)
 * is bundled and started the same way. Both reach the backends on the stack's Docker network,
 * as the stack's app containers do (not through docker-proxy on the published ports). Each
 * variant is driven closed loop by autocannon (scenarios/engines/autocannon-driver.ts, 64
 * connections, pipelining 1) until the server has used a given amount of CPU (the machine is
 * shared: a fixed wall time would leave a starved server cold and barely measured):
 * JIT_WARMUP_CPU_S each once, then per round WARMUP_CPU_S and MEASURE_CPU_S measured; ROUNDS
 * rounds run interleaved (bare, feed, media, bare, ...) so machine drift hits every variant
 * alike. The server's CPU (user + system, all threads, /proc) over the measured window gives
 * requests per second per core: successful responses / CPU seconds; its system calls per
 * request come from /proc too. Variants:
 *   - bare: `GET /bare/:key`, a Fastify app with no plugins whose route does one Redis GET;
 *   - feed (cache hit): `GET /users/:id/feed?limit=20` over the 200 readers: one LRANGE, 20
 *     memcached lookups, a 20-item JSON page;
 *   - media: `GET /media/:id` over the 1,000 media: one memcached lookup.
 * The cache is warmed first (every path read once); the hit ratio over the measured windows
 * comes from the app's own /metrics (feedscale_cache_lookups_total) and must be >= 95%.
 *
 * Target (issue 12): per app core, the cache-hit feed read >= 0.5x the bare route and the media
 * read >= 0.7x, each the median over rounds of the ratio measured within a round. The machine is
 * shared and small; ratios are the number to read, absolute rates are context. CPU per request
 * falls as throughput rises (more requests per wake-up and per coalesced backend write), and
 * the feed read gains most from that, so a busy machine lowers its ratio: on this 2-core VM,
 * 0.48x with the servers at normal priority, 0.53x with the whole run at `nice -n -10`.
 * Results also go to out/bench/app.json. Ctrl-C tears everything down (exit 130).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { newRunId } from '../containers/stack.ts';
import { installInterruptGuard } from '../runner/interrupts.ts';
import { runClosedLoop } from '../scenarios/engines/autocannon-driver.ts';
import { createCyclicSource } from '../scenarios/engines/request-source.ts';
import {
  BARE_KEY,
  BENCH_MEMCACHED_INSTANCES,
  type BackendEndpoints,
  backendEndpoints,
  type StartedHostServer,
  bundleBenchServers,
  cacheLookups,
  seedBenchDataset,
  startAppBenchStack,
  startHostApp,
  startHostBare,
} from './app-bench-stack.ts';
import { fmtRatio, printTable } from './table.ts';

const CONNECTIONS = 64;
/** Server CPU seconds of load before anything counts (the JIT optimises the hot paths). */
const JIT_WARMUP_CPU_S = 3;
/** Per round and variant: server CPU seconds of warm-up, then of measurement. */
const WARMUP_CPU_S = 0.3;
const MEASURE_CPU_S = 1.5;
/** Each closed-loop run; a phase is as many runs as its CPU target takes, up to MAX_WALL_S. */
const CHUNK_S = 5;
const MAX_WALL_S = 60;
const ROUNDS = Number(process.env.FEEDSCALE_BENCH_ROUNDS ?? 5);
/**
 * The servers run at this nice value (FEEDSCALE_BENCH_NICE, default 0): on a machine shared with
 * other work, a negative one (as root) keeps them from being preempted so often that CPU per
 * request measures the neighbours' cache pollution more than the server. Both servers alike.
 */
const NICE = Number(process.env.FEEDSCALE_BENCH_NICE ?? 0);
const SERVER_START = NICE === 0 ? {} : { wrap: ['nice', '-n', String(NICE)] };
const TIMEOUT_MS = 5000;
const TARGET_FEED_RATIO = 0.5;
const TARGET_MEDIA_RATIO = 0.7;
const MIN_HIT_RATIO = 0.95;
const OUT_FILE = join('out', 'bench', 'app.json');

type VariantName = 'bare' | 'feed' | 'media';

interface Measurement {
  variant: VariantName;
  round: number;
  ok: number;
  errors: number;
  rps: number;
  cpuS: number;
  /** Cores the server used on average over the window (CPU seconds / wall seconds). */
  cores: number;
  rpsPerCore: number;
  usPerRequest: number;
  /** Write- and read-family system calls of the server per successful request (/proc/<pid>/io). */
  writesPerRequest: number;
  readsPerRequest: number;
  hitRatio: number | undefined;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'warn');
const engine = await ensureDockerEngine(log);
const runId = newRunId();
const servers: StartedHostServer[] = [];
let backends: BackendEndpoints | undefined;
let job: Promise<unknown> = Promise.resolve();
using guard = installInterruptGuard({
  log,
  teardown: async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await sweepRun(engine.docker, runId);
  },
  settled: () => job,
});

interface Driven {
  ok: number;
  errors: number;
  wallS: number;
  cpuS: number;
  writes: number;
  reads: number;
}

/**
 * Drives `paths` closed loop in CHUNK_S runs until the server has used `cpuS` CPU seconds (or
 * `maxWallS` passed): on a machine others load too, a fixed wall time would give a starved
 * server too few requests to be warm or to be measured.
 */
async function driveFor(server: StartedHostServer, paths: readonly string[], cpuS: number, maxWallS: number): Promise<Driven> {
  const specs = paths.map((path) => ({ endpoint: 'read', method: 'GET' as const, path }));
  const cpuBefore = server.cpuSeconds();
  const syscallsBefore = server.syscalls();
  const startedMs = performance.now();
  let ok = 0;
  let errors = 0;
  do {
    const run = await runClosedLoop({ baseUrl: server.url, source: createCyclicSource(specs), connections: CONNECTIONS, durationS: CHUNK_S, timeoutMs: TIMEOUT_MS, signal: guard.signal });
    const endpoint = run.endpoints[0];
    ok += endpoint?.ok ?? 0;
    errors += Object.values(endpoint?.errors ?? {}).reduce((a, b) => a + b, 0);
  } while (server.cpuSeconds() - cpuBefore < cpuS && (performance.now() - startedMs) / 1000 < maxWallS);
  const syscallsAfter = server.syscalls();
  return {
    ok,
    errors,
    wallS: (performance.now() - startedMs) / 1000,
    cpuS: server.cpuSeconds() - cpuBefore,
    writes: syscallsAfter.writes - syscallsBefore.writes,
    reads: syscallsAfter.reads - syscallsBefore.reads,
  };
}

async function measure(server: StartedHostServer, variant: VariantName, paths: readonly string[], round: number): Promise<Measurement> {
  await driveFor(server, paths, WARMUP_CPU_S, MAX_WALL_S);
  const lookupsBefore = variant === 'bare' ? undefined : await cacheLookups(server.url);
  const run = await driveFor(server, paths, MEASURE_CPU_S, MAX_WALL_S);
  const lookupsAfter = variant === 'bare' ? undefined : await cacheLookups(server.url);
  let hitRatio: number | undefined;
  if (lookupsBefore && lookupsAfter) {
    const hits = lookupsAfter.hits - lookupsBefore.hits;
    const misses = lookupsAfter.misses - lookupsBefore.misses;
    hitRatio = hits / (hits + misses);
  }
  return {
    variant,
    round,
    ok: run.ok,
    errors: run.errors,
    rps: run.ok / run.wallS,
    cpuS: run.cpuS,
    cores: run.cpuS / run.wallS,
    rpsPerCore: run.ok / run.cpuS,
    usPerRequest: (run.cpuS * 1e6) / run.ok,
    writesPerRequest: run.writes / run.ok,
    readsPerRequest: run.reads / run.ok,
    hitRatio,
  };
}

async function main(): Promise<Measurement[]> {
  console.log(`app bench: bundling the app and the baseline, starting a stack (1 shard, pgbouncer, Redis, ${BENCH_MEMCACHED_INSTANCES} memcached)...`);
  const [bundles, stack] = await Promise.all([bundleBenchServers(), startAppBenchStack(log, { engine, runId, signal: guard.signal })]);
  try {
    const dataset = await seedBenchDataset(stack);
    backends = await backendEndpoints(engine, stack);
    console.log(`  servers reach the backends ${backends.route === 'direct' ? 'on the stack network, as its app containers do' : 'through the published ports (docker-proxy)'}`);
    const app = await startHostApp(stack, backends, bundles.app, SERVER_START);
    servers.push(app);
    const bare = await startHostBare(backends, bundles.bare, SERVER_START);
    servers.push(bare);

    // The responses the load will repeat, checked once: a full page, Server-Timing, the baseline's value.
    const page = await fetch(`${app.url}${dataset.feedPaths[0]}`);
    const body = (await page.json()) as { items?: unknown[] };
    if (page.status !== 200 || body.items?.length !== 20 || !page.headers.get('server-timing')) {
      throw new Error(`feed read answered ${page.status} with ${body.items?.length} items, Server-Timing ${page.headers.get('server-timing')}`);
    }
    const bareRes = await fetch(`${bare.url}/bare/${BARE_KEY}`);
    if (bareRes.status !== 200 || !((await bareRes.json()) as { value?: string }).value) throw new Error(`bare route answered ${bareRes.status} without a value`);

    // Warm the cache: every media and every feed's first page once.
    for (const path of [...dataset.mediaPaths, ...dataset.feedPaths]) {
      const res = await fetch(`${app.url}${path}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warming ${path}: ${res.status}`);
    }

    const barePaths = [`/bare/${BARE_KEY}`];
    const variants = [
      ['bare', bare, barePaths],
      ['feed', app, dataset.feedPaths],
      ['media', app, dataset.mediaPaths],
    ] as const;
    // Each server's hot paths optimised by the JIT before anything counts.
    process.stdout.write(`  JIT warm-up (${JIT_WARMUP_CPU_S} CPU seconds per variant)...\n`);
    for (const [, server, paths] of variants) await driveFor(server, paths, JIT_WARMUP_CPU_S, MAX_WALL_S);

    const measurements: Measurement[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [variant, server, paths] of variants) {
        process.stdout.write(`  round ${round}/${ROUNDS} ${variant}... `);
        const m = await measure(server, variant, paths, round);
        measurements.push(m);
        console.log(
          `${m.rps.toFixed(0)} req/s at ${m.cores.toFixed(2)} cores: ${m.rpsPerCore.toFixed(0)} req/s per core, ` +
            `${m.writesPerRequest.toFixed(2)} writes and ${m.readsPerRequest.toFixed(2)} reads per request${m.errors ? `, ${m.errors} errors` : ''}`,
        );
      }
    }
    await Promise.all(servers.map((s) => s.stop()));
    return measurements;
  } finally {
    await stack.stop();
  }
}

const promise = main();
job = promise.catch(() => undefined);
const measurements = await promise;

const byRound = (variant: VariantName) => measurements.filter((m) => m.variant === variant);
const ratiosOf = (variant: VariantName) =>
  byRound(variant).map((m) => m.rpsPerCore / (measurements.find((b) => b.variant === 'bare' && b.round === m.round)?.rpsPerCore ?? Number.NaN));
const summary = (['bare', 'feed', 'media'] as const).map((variant) => {
  const rows = byRound(variant);
  return {
    variant,
    rps: median(rows.map((m) => m.rps)),
    cores: median(rows.map((m) => m.cores)),
    rpsPerCore: median(rows.map((m) => m.rpsPerCore)),
    usPerRequest: median(rows.map((m) => m.usPerRequest)),
    writesPerRequest: median(rows.map((m) => m.writesPerRequest)),
    readsPerRequest: median(rows.map((m) => m.readsPerRequest)),
    errors: rows.reduce((a, m) => a + m.errors, 0),
    hitRatio: variant === 'bare' ? undefined : median(rows.map((m) => m.hitRatio ?? Number.NaN)),
    ratio: variant === 'bare' ? 1 : median(ratiosOf(variant)),
    ratios: variant === 'bare' ? [] : ratiosOf(variant),
  };
});

const LABELS: Record<VariantName, string> = { bare: 'bare Fastify + 1 Redis GET', feed: 'GET /users/:id/feed (cache hit)', media: 'GET /media/:id (cache hit)' };
console.log();
printTable(
  ['variant', 'req/s', 'app cores', 'req/s per core', 'us CPU/req', 'writes/req', 'reads/req', 'hit ratio', 'errors', 'vs bare (per core)', 'per round'],
  summary.map((s) => [
    LABELS[s.variant],
    s.rps.toFixed(0),
    s.cores.toFixed(2),
    s.rpsPerCore.toFixed(0),
    s.usPerRequest.toFixed(1),
    s.writesPerRequest.toFixed(2),
    s.readsPerRequest.toFixed(2),
    s.hitRatio === undefined ? '-' : `${(s.hitRatio * 100).toFixed(1)}%`,
    String(s.errors),
    fmtRatio(s.ratio),
    s.ratios.map((r) => r.toFixed(2)).join(' '),
  ]),
);

const feed = summary.find((s) => s.variant === 'feed')!;
const media = summary.find((s) => s.variant === 'media')!;
const errors = summary.reduce((a, s) => a + s.errors, 0);
const hitOk = (feed.hitRatio ?? 0) >= MIN_HIT_RATIO && (media.hitRatio ?? 0) >= MIN_HIT_RATIO;
const pass = feed.ratio >= TARGET_FEED_RATIO && media.ratio >= TARGET_MEDIA_RATIO && errors === 0 && hitOk;
console.log(
  `\ntarget: per app core, feed read (cache hit) >= ${TARGET_FEED_RATIO}x bare and media read >= ${TARGET_MEDIA_RATIO}x, ` +
    `no errors, hit ratio >= ${MIN_HIT_RATIO * 100}% -> ${pass ? 'PASS' : 'FAIL'} (feed ${fmtRatio(feed.ratio)}, media ${fmtRatio(media.ratio)}, ${errors} errors)`,
);

mkdirSync(join('out', 'bench'), { recursive: true });
writeFileSync(
  OUT_FILE,
  `${JSON.stringify({ memcachedInstances: BENCH_MEMCACHED_INSTANCES, backendRoute: backends?.route, nice: NICE, connections: CONNECTIONS, jitWarmupCpuS: JIT_WARMUP_CPU_S, warmupCpuS: WARMUP_CPU_S, measureCpuS: MEASURE_CPU_S, rounds: ROUNDS, measurements, summary, target: { feedRatio: TARGET_FEED_RATIO, mediaRatio: TARGET_MEDIA_RATIO, minHitRatio: MIN_HIT_RATIO, pass } }, null, 2)}\n`,
);
console.log(`wrote ${OUT_FILE}`);
process.exit(pass ? ExitCode.OK : ExitCode.GATE_FAILED);

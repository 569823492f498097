/**
 * App benchmark: how much app CPU does a request cost, next to a bare Fastify route that does
 * one Redis GET, measured in the same run on the same backends?
 *
 * Load shape: a small stack for the backends (bench/app-bench-stack.ts: 1 physical shard of 4
 * logical ones behind pgbouncer, Redis, 2 memcached instances on a consistent-hash ring), a
 * seeded dataset (1,000 media, 200 readers with a 100-entry feed each). The app runs on this
 * host as ONE Node process, bundled and started as the app image does (system/app/server.ts,
 * `node --enable-source-maps`, NODE_ENV=production), against the stack's mapped ports; the
 * baseline (bench/bare-redis-server.ts) is bundled and started the same way. Each variant is
 * driven closed loop by autocannon (scenarios/engines/autocannon-driver.ts, 64 connections,
 * pipelining 1) for WARMUP_S, then DURATION_S measured; ROUNDS rounds run interleaved (bare,
 * feed, media, bare, ...) so machine drift hits every variant alike. The server's CPU (user +
 * system, all threads, /proc) over the measured window gives requests per second per core:
 * successful responses / CPU seconds. Variants:
 *   - bare: `GET /bare/:key`, a Fastify app with no plugins whose route does one Redis GET;
 *   - feed (cache hit): `GET /users/:id/feed?limit=20` over the 200 readers: one LRANGE, 20
 *     memcached lookups, a 20-item JSON page;
 *   - media: `GET /media/:id` over the 1,000 media: one memcached lookup.
 * The cache is warmed first (every path read once); the hit ratio over the measured windows
 * comes from the app's own /metrics (feedscale_cache_lookups_total) and must be >= 95%.
 *
 * Target (issue 12): per app core, the cache-hit feed read >= 0.5x the bare route and the media
 * read >= 0.7x, each the median over rounds of the ratio measured within a round. The machine is
 * shared and small; ratios are the number to read, absolute rates are context.
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
const WARMUP_S = 2;
const DURATION_S = 6;
const ROUNDS = 3;
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
let job: Promise<unknown> = Promise.resolve();
using guard = installInterruptGuard({
  log,
  teardown: async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await sweepRun(engine.docker, runId);
  },
  settled: () => job,
});

async function measure(server: StartedHostServer, variant: VariantName, paths: readonly string[], round: number): Promise<Measurement> {
  const source = () => createCyclicSource(paths.map((path) => ({ endpoint: variant, method: 'GET' as const, path })));
  const drive = (durationS: number) => runClosedLoop({ baseUrl: server.url, source: source(), connections: CONNECTIONS, durationS, timeoutMs: TIMEOUT_MS, signal: guard.signal });
  await drive(WARMUP_S);
  const lookupsBefore = variant === 'bare' ? undefined : await cacheLookups(server.url);
  const cpuBefore = server.cpuSeconds();
  const startedMs = performance.now();
  const run = await drive(DURATION_S);
  const wallS = (performance.now() - startedMs) / 1000;
  const cpuS = server.cpuSeconds() - cpuBefore;
  const lookupsAfter = variant === 'bare' ? undefined : await cacheLookups(server.url);
  const endpoint = run.endpoints[0];
  const ok = endpoint?.ok ?? 0;
  const errors = Object.values(endpoint?.errors ?? {}).reduce((a, b) => a + b, 0);
  let hitRatio: number | undefined;
  if (lookupsBefore && lookupsAfter) {
    const hits = lookupsAfter.hits - lookupsBefore.hits;
    const misses = lookupsAfter.misses - lookupsBefore.misses;
    hitRatio = hits / (hits + misses);
  }
  return { variant, round, ok, errors, rps: ok / DURATION_S, cpuS, cores: cpuS / wallS, rpsPerCore: ok / cpuS, usPerRequest: (cpuS * 1e6) / ok, hitRatio };
}

async function main(): Promise<Measurement[]> {
  console.log('app bench: bundling the app and the baseline, starting a stack (1 shard, pgbouncer, Redis, 2 memcached)...');
  const [bundles, stack] = await Promise.all([bundleBenchServers(), startAppBenchStack(log, { engine, runId, signal: guard.signal })]);
  try {
    const dataset = await seedBenchDataset(stack);
    const app = await startHostApp(stack, bundles.app);
    servers.push(app);
    const bare = await startHostBare(stack, bundles.bare);
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

    const measurements: Measurement[] = [];
    const barePaths = [`/bare/${BARE_KEY}`];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [variant, server, paths] of [
        ['bare', bare, barePaths],
        ['feed', app, dataset.feedPaths],
        ['media', app, dataset.mediaPaths],
      ] as const) {
        process.stdout.write(`  round ${round}/${ROUNDS} ${variant}... `);
        const m = await measure(server, variant, paths, round);
        measurements.push(m);
        console.log(`${m.rps.toFixed(0)} req/s at ${m.cores.toFixed(2)} cores: ${m.rpsPerCore.toFixed(0)} req/s per core${m.errors ? `, ${m.errors} errors` : ''}`);
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
    errors: rows.reduce((a, m) => a + m.errors, 0),
    hitRatio: variant === 'bare' ? undefined : median(rows.map((m) => m.hitRatio ?? Number.NaN)),
    ratio: variant === 'bare' ? 1 : median(ratiosOf(variant)),
    ratios: variant === 'bare' ? [] : ratiosOf(variant),
  };
});

const LABELS: Record<VariantName, string> = { bare: 'bare Fastify + 1 Redis GET', feed: 'GET /users/:id/feed (cache hit)', media: 'GET /media/:id (cache hit)' };
console.log();
printTable(
  ['variant', 'req/s', 'app cores', 'req/s per core', 'us CPU/req', 'hit ratio', 'errors', 'vs bare (per core)', 'per round'],
  summary.map((s) => [
    LABELS[s.variant],
    s.rps.toFixed(0),
    s.cores.toFixed(2),
    s.rpsPerCore.toFixed(0),
    s.usPerRequest.toFixed(1),
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
  `${JSON.stringify({ connections: CONNECTIONS, warmupS: WARMUP_S, durationS: DURATION_S, rounds: ROUNDS, measurements, summary, target: { feedRatio: TARGET_FEED_RATIO, mediaRatio: TARGET_MEDIA_RATIO, minHitRatio: MIN_HIT_RATIO, pass } }, null, 2)}\n`,
);
console.log(`wrote ${OUT_FILE}`);
process.exit(pass ? ExitCode.OK : ExitCode.GATE_FAILED);

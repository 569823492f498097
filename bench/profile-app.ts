/**
 * Profiles one read of the app benchmark: the same stack, dataset and host app as
 * bench/app.bench.ts. The cache is warmed by an unprofiled app process first (so the profile
 * holds no misses and no warm-up), then the app is started under the profiler and driven closed
 * loop (64 connections) for PROFILE_S. Ctrl-C, as for the benchmark, tears everything down.
 *
 *   npx tsx bench/profile-app.ts feed|media|bare [label]   # report in out/profiles/<label>/ (default: the variant)
 *   npx tsx bench/flame-top.ts out/profiles/<label>/<pid>.clinic-flame   # its hottest frames
 *
 * Profilers (FEEDSCALE_PROFILER): `clinic` (default) is clinic flame, V8's tick profiler: its
 * samples are wall-clock ticks of the main thread, so on a busy machine a thread that is
 * runnable but descheduled (often right after a socket write woke its peer) is charged to the
 * call it stopped in. `perf` samples on-CPU time only (`perf record -g` on the app's pid, JS
 * frames from `--perf-basic-prof`), kernel included, and writes perf-report.txt: the check on
 * what clinic's syscall frames really cost.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createLogger } from '../lib/logger.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { REPO_ROOT } from '../containers/images/bundle.ts';
import { newRunId } from '../containers/stack.ts';
import { installInterruptGuard } from '../runner/interrupts.ts';
import { runClosedLoop } from '../scenarios/engines/autocannon-driver.ts';
import { createCyclicSource } from '../scenarios/engines/request-source.ts';
import {
  BARE_KEY,
  type StartedHostServer,
  backendEndpoints,
  bundleBenchServers,
  seedBenchDataset,
  startAppBenchStack,
  startHostApp,
  startHostBare,
} from './app-bench-stack.ts';

const PROFILE_S = 20;
/** With perf, the app is loaded until it has used this much CPU before recording starts. */
const PERF_WARMUP_CPU_S = 3;
const profiler = process.env.FEEDSCALE_PROFILER === 'perf' ? 'perf' : 'clinic';
const CONNECTIONS = 64;

const VARIANTS = ['feed', 'media', 'bare'] as const;
const chosen = VARIANTS.find((v) => v === process.argv[2]);
if (chosen === undefined) {
  console.error('usage: profile-app.ts feed|media|bare [label]');
  process.exit(2);
}
const variant: (typeof VARIANTS)[number] = chosen;
const label = process.argv[3] ?? variant;
const dest = resolve(REPO_ROOT, 'out', 'profiles', label);
mkdirSync(dest, { recursive: true });
// clinic asks for analytics consent on a terminal and quietly exits without one.
process.env.NO_INSIGHT = '1';
const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'warn');
const engine = await ensureDockerEngine(log);
const runId = newRunId();
let app: StartedHostServer | undefined;
let job: Promise<unknown> = Promise.resolve();
using guard = installInterruptGuard({
  log,
  teardown: async () => {
    await app?.stop('SIGKILL');
    await sweepRun(engine.docker, runId);
  },
  settled: () => job,
});

async function main(): Promise<void> {
  const [bundles, stack] = await Promise.all([bundleBenchServers(), startAppBenchStack(log, { engine, runId, signal: guard.signal })]);
  try {
    // The profile's frames point into the bundle; its source map goes beside them (bench/flame-top.ts).
    for (const bundle of [bundles.app, bundles.bare]) copyFileSync(`${bundle}.map`, join(dest, `${basename(bundle)}.map`));
    const dataset = await seedBenchDataset(stack);
    const backends = await backendEndpoints(engine, stack);
    app = await startHostApp(stack, backends, bundles.app);
    for (const path of [...dataset.mediaPaths, ...dataset.feedPaths]) await (await fetch(`${app.url}${path}`)).arrayBuffer();
    await app.stop();
    const clinic = join(REPO_ROOT, 'node_modules', '.bin', 'clinic');
    // FEEDSCALE_BENCH_NICE as in bench/app.bench.ts: on a shared machine a negative one steadies the profile.
    const nice = Number(process.env.FEEDSCALE_BENCH_NICE ?? 0);
    const niced = nice === 0 ? [] : ['nice', '-n', String(nice)];
    const profiled =
      profiler === 'clinic'
        ? { wrap: [...niced, clinic, 'flame', '--open=false', '--dest', dest, '--'] }
        : { env: { NODE_OPTIONS: '--perf-basic-prof' }, ...(nice === 0 ? {} : { wrap: niced }) };
    app = variant === 'bare' ? await startHostBare(backends, bundles.bare, profiled) : await startHostApp(stack, backends, bundles.app, profiled);
    const paths = variant === 'feed' ? dataset.feedPaths : variant === 'media' ? dataset.mediaPaths : [`/bare/${BARE_KEY}`];
    console.log(`profiling ${PROFILE_S} s of cache-hit ${variant} reads (${CONNECTIONS} connections) with ${profiler}...`);
    const perfData = join(dest, 'perf.data');
    const drive = (durationS: number) =>
      runClosedLoop({
        baseUrl: app!.url,
        source: createCyclicSource(paths.map((path) => ({ endpoint: variant, method: 'GET' as const, path }))),
        connections: CONNECTIONS,
        durationS,
        timeoutMs: 5000,
        signal: guard.signal,
      });
    if (profiler === 'perf') {
      // perf records a warm process only: load until the JIT has had PERF_WARMUP_CPU_S of CPU.
      const cpuBefore = app.cpuSeconds();
      while (app.cpuSeconds() - cpuBefore < PERF_WARMUP_CPU_S) await drive(2);
    }
    const recorded =
      profiler === 'perf'
        ? new Promise<void>((resolve, reject) => {
            const perf = spawn('perf', ['record', '-q', '-F', '997', '-g', '-o', perfData, '-p', String(app!.pid), '--', 'sleep', String(PROFILE_S)], { stdio: 'inherit' });
            perf.once('error', reject);
            perf.once('exit', () => resolve());
          })
        : Promise.resolve();
    const run = await drive(PROFILE_S);
    const endpoint = run.endpoints[0];
    console.log(`${endpoint?.ok ?? 0} ${variant} reads, errors ${JSON.stringify(endpoint?.errors ?? {})}; waiting for the ${profiler} report...`);
    await recorded;
    if (profiler === 'perf') {
      // Read while the app runs: perf resolves JS frames through /tmp/perf-<pid>.map.
      const report = (sort: string) =>
        spawnSync('perf', ['report', '-i', perfData, '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.3', '--sort', sort], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      writeFileSync(join(dest, 'perf-report.txt'), `${report('dso')}\n${report('dso,symbol')}`);
      console.log(`perf report: ${join(dest, 'perf-report.txt')}`);
    }
    await app.stop('SIGINT');
  } finally {
    await stack.stop();
  }
}

const promise = main();
job = promise.catch(() => undefined);
await promise;
if (profiler === 'clinic') {
  const html = readdirSync(dest).filter((f) => f.endsWith('.html'));
  console.log(`flame graph: ${html.map((f) => join(dest, f)).join(', ') || '(none written)'}`);
}

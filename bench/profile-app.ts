/**
 * Profiles one read of the app benchmark with clinic flame: the same stack, dataset and host app
 * as bench/app.bench.ts. The cache is warmed by an unprofiled app process first (so the profile
 * holds no misses and no warm-up), then the app is started under `clinic flame` and driven
 * closed loop (64 connections) for PROFILE_S. Ctrl-C, as for the benchmark, tears everything down.
 *
 *   npx tsx bench/profile-app.ts feed|media|bare [label]   # report in out/profiles/<label>/ (default: the variant)
 *   npx tsx bench/flame-top.ts out/profiles/<label>/<pid>.clinic-flame   # its hottest frames
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createLogger } from '../lib/logger.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { REPO_ROOT } from '../containers/images/bundle.ts';
import { newRunId } from '../containers/stack.ts';
import { installInterruptGuard } from '../runner/interrupts.ts';
import { runClosedLoop } from '../scenarios/engines/autocannon-driver.ts';
import { createCyclicSource } from '../scenarios/engines/request-source.ts';
import { BARE_KEY, type StartedHostServer, bundleBenchServers, seedBenchDataset, startAppBenchStack, startHostApp, startHostBare } from './app-bench-stack.ts';

const PROFILE_S = 20;
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
    app = await startHostApp(stack, bundles.app);
    for (const path of [...dataset.mediaPaths, ...dataset.feedPaths]) await (await fetch(`${app.url}${path}`)).arrayBuffer();
    await app.stop();
    const clinic = join(REPO_ROOT, 'node_modules', '.bin', 'clinic');
    const wrap = [clinic, 'flame', '--open=false', '--dest', dest, '--'];
    app = variant === 'bare' ? await startHostBare(stack, bundles.bare, wrap) : await startHostApp(stack, bundles.app, wrap);
    const paths = variant === 'feed' ? dataset.feedPaths : variant === 'media' ? dataset.mediaPaths : [`/bare/${BARE_KEY}`];
    console.log(`profiling ${PROFILE_S} s of cache-hit ${variant} reads (${CONNECTIONS} connections)...`);
    const run = await runClosedLoop({
      baseUrl: app.url,
      source: createCyclicSource(paths.map((path) => ({ endpoint: variant, method: 'GET' as const, path }))),
      connections: CONNECTIONS,
      durationS: PROFILE_S,
      timeoutMs: 5000,
      signal: guard.signal,
    });
    const endpoint = run.endpoints[0];
    console.log(`${endpoint?.ok ?? 0} ${variant} reads, errors ${JSON.stringify(endpoint?.errors ?? {})}; waiting for clinic to write its report...`);
    await app.stop('SIGINT');
  } finally {
    await stack.stop();
  }
}

const promise = main();
job = promise.catch(() => undefined);
await promise;
const html = readdirSync(dest).filter((f) => f.endsWith('.html'));
console.log(`flame graph: ${html.map((f) => join(dest, f)).join(', ') || '(none written)'}`);

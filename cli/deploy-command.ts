import { terminal } from '../lib/terminal.ts';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { build } from 'esbuild';
import { ExitCode, FeedscaleError, isFeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { catalogNames, withRegistry } from '../containers/deploy/catalog-names.ts';
import { COMPOSE_FILE, DEFAULT_PORT_BASE, DEFAULT_PUBLIC_HOST, renderCompose, swarmPublicEndpoints } from '../containers/deploy/compose.ts';
import type { DeployFile } from '../containers/deploy/deploy-common.ts';
import { TESTRUN_DIR, renderK6TestRuns } from '../containers/deploy/k6-testrun.ts';
import { STACK_DIR, renderKubernetes } from '../containers/deploy/kubernetes.ts';
import { kubernetesPublicEndpoints } from '../containers/deploy/loadgen-proxy.ts';
import type { CatalogKind } from '../containers/images/image-catalog.ts';
import { type StackConfig, loadStackConfig } from '../containers/stack-config.ts';
import { describeStack } from '../containers/stack-description.ts';
import { newRunId } from '../containers/stack.ts';
import { K6_IMAGE, resolveK6Script } from '../scenarios/drivers/k6-runner.ts';
import { PLANS_DIR } from '../scenarios/plans/load-plan.ts';
import { generateDataset } from '../scenarios/workload/dataset.ts';
import { createWorkloadModel } from '../scenarios/workload/model.ts';
import { summarizePopulation } from '../scenarios/workload/population.ts';
import { streamSeed } from '../runner/main-job.ts';
import { loadPlanForRun } from '../runner/plan-for-run.ts';
import { type ResolvedConfiguration, loadRunConfig } from '../runner/run-config.ts';
import { RUN_FLAGS, applyFlags } from '../runner/run-flags.ts';
import { readJsonFile } from './options.ts';

type Wrap = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export const DEPLOY_TARGETS = ['swarm', 'kubernetes'] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

/** Written into every output folder: what was rendered, and the mark that lets a later deploy replace the folder. */
export const DEPLOY_MANIFEST = 'feedscale-deploy.json';

export interface DeployOptions {
  target?: string;
  out?: string;
  config?: string;
  configuration?: string;
  catalog?: string;
  shards?: string;
  logicalShards?: string;
  instances?: string;
  poolSize?: string;
  cache?: string;
  seed?: string;
  scale?: string;
  plan?: string[];
  rate?: string;
  duration?: string;
  warmup?: string;
  runId?: string;
  parallelism?: string;
  publicHost?: string;
  portBase?: string;
  imageRegistry?: string;
}

export interface DeployResult {
  target: DeployTarget;
  outDir: string;
  runId: string;
  catalog: { kind: CatalogKind; reason: string };
  files: Array<{ path: string; bytes: number }>;
  services: number;
  testRuns: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function invalid(detail: string): FeedscaleError {
  return new FeedscaleError('CFG_ERR_INVALID', `invalid deploy options:\n  ${detail}`, { details: [detail] });
}

function integerOption(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(`${flag}: must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

/**
 * The run configuration's base stack, validated with the rules between fields; an issue names
 * `/stack/<field>` (and, through reportError, the flag that sets it).
 */
function baseStack(input: Record<string, unknown>): Readonly<StackConfig> {
  try {
    return loadStackConfig(input.stack ?? {});
  } catch (err) {
    if (!isFeedscaleError(err) || err.code !== 'CFG_ERR_INVALID') throw err;
    const details = err.details.map((line) => `/stack${line}`);
    throw new FeedscaleError('CFG_ERR_INVALID', `invalid stack configuration:\n  ${details.join('\n  ')}`, { details });
  }
}

/** One configuration of the run configuration, merged over the base stack and validated by loadRunConfig. */
function namedConfiguration(configurations: readonly ResolvedConfiguration[], name: string): Readonly<StackConfig> {
  const found = configurations.find((c) => c.name === name);
  if (!found) throw invalid(`--configuration: no configuration named ${JSON.stringify(name)} (have ${configurations.map((c) => c.name).join(', ')})`);
  return found.stack;
}

/** scenarios/k6/plan.k6.ts and the modules it imports as one file, k6/* left to k6 (as k6-scripts.test.ts bundles it). */
async function bundleK6Script(): Promise<string> {
  const result = await build({
    entryPoints: [resolveK6Script()],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: ['k6', 'k6/*'],
    logLevel: 'silent',
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}

/** The plans named with --plan or in the config file; by default every bundled plan. */
async function planNames(input: Record<string, unknown>, flags: string[] | undefined): Promise<string[]> {
  if (flags?.length) return flags;
  if (input.plans !== undefined || input.plan !== undefined) return [];
  return (await readdir(PLANS_DIR)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/** Removes `dir` and the folders under it that hold no file (what an earlier deploy's files left). */
async function removeEmptyDirs(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return;
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyDirs(join(dir, entry.name));
  if ((await readdir(dir)).length === 0) await rm(dir, { recursive: true, force: true });
}

/**
 * What an earlier deploy wrote into `outDir` (nothing for a new or empty folder). A non-empty
 * folder that no deploy wrote is refused: deploy never deletes what it did not write.
 */
async function earlierDeploy(outDir: string): Promise<string[]> {
  const entries = await readdir(outDir).catch(() => [] as string[]);
  if (entries.length === 0) return [];
  try {
    const earlier = JSON.parse(await readFile(join(outDir, DEPLOY_MANIFEST), 'utf8')) as { files?: Array<{ path: string }> };
    return [...(earlier.files ?? []).map((f) => f.path), DEPLOY_MANIFEST];
  } catch {
    throw invalid(`--out: ${outDir} is not empty and was not written by feedscale deploy (no ${DEPLOY_MANIFEST}); give an empty or new folder`);
  }
}

/** Removes an earlier deploy's files (and the folders they leave empty), so no stale manifest is applied. */
async function clearEarlierDeploy(outDir: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(join(outDir, path), { force: true });
  for (const dir of [STACK_DIR, TESTRUN_DIR, 'configs']) await removeEmptyDirs(join(outDir, dir));
}

/**
 * `feedscale deploy`: renders the stack (and, for Kubernetes, a k6-operator TestRun per
 * plan) for another engine and writes it to a folder. Everything is validated before the
 * first file is written; nothing is pulled, built or started.
 */
export async function runDeploy(opts: DeployOptions, log: Logger): Promise<DeployResult> {
  const target = opts.target as DeployTarget;
  if (!DEPLOY_TARGETS.includes(target)) throw invalid(`--target: must be one of ${DEPLOY_TARGETS.join(', ')} (got ${JSON.stringify(opts.target ?? '')})`);
  if (!opts.out) throw invalid('--out: the folder to write to is required');
  const parallelism = integerOption(opts.parallelism, '--parallelism', 1, 1, 1000);
  const portBase = integerOption(opts.portBase, '--port-base', DEFAULT_PORT_BASE, 1024, 64_000);
  const publicHost = opts.publicHost ?? DEFAULT_PUBLIC_HOST;
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/.test(publicHost)) throw invalid(`--public-host: must be a host name or address (got ${JSON.stringify(publicHost)})`);
  const runId = opts.runId ?? newRunId();
  const outDir = resolve(opts.out);
  const earlier = await earlierDeploy(outDir);

  const file = (opts.config ? await readJsonFile(opts.config, 'config file') : {}) as Record<string, unknown>;
  const input = applyFlags(file, {
    catalog: opts.catalog,
    shards: opts.shards,
    logicalShards: opts.logicalShards,
    instances: opts.instances,
    poolSize: opts.poolSize,
    cache: opts.cache,
    seed: opts.seed,
    scale: opts.scale,
    rate: opts.rate,
    duration: opts.duration,
    warmup: opts.warmup,
  });
  const plans = target === 'kubernetes' ? await planNames(input, opts.plan) : [];
  if (opts.plan?.length) input.plans = opts.plan;
  // The stack first: its issues are reported as /stack/<field>, not as a configuration's.
  const base = baseStack(input);
  const { run, configurations, plans: configured } = loadRunConfig(input);
  const stack = opts.configuration === undefined ? base : namedConfiguration(configurations, opts.configuration);

  // Plans are read and checked before anything slow happens (the catalog bundles the app).
  const loaded = await Promise.all((plans.length ? plans : target === 'kubernetes' ? [...configured] : []).map((plan) => loadPlanForRun({ plan, load: run.load })));

  // auto picks official: a cluster pulls from a registry (auto's fallback to local builds is
  // about this machine having none). local names the images `feedscale images --catalog local`
  // built in this machine's engine (a one-node swarm here can run them).
  const kind: CatalogKind = stack.catalog === 'local' ? 'local' : 'official';
  const reason = stack.catalog === 'auto' ? 'auto: a cluster pulls the pinned registry images' : 'requested';
  const catalog = withRegistry(await catalogNames(kind, reason), opts.imageRegistry);
  log.info(`image catalog: ${catalog.kind} (${catalog.reason}); app image ${catalog.images.app}`);

  const files: DeployFile[] = [];
  let services: number;
  const testRuns: string[] = [];
  if (target === 'swarm') {
    const specs = describeStack(stack, catalog, swarmPublicEndpoints({ portBase, publicHost }));
    files.push(...renderCompose(specs, stack, { runId, portBase, publicHost }).files);
    services = specs.length;
  } else {
    const specs = describeStack(stack, catalog, kubernetesPublicEndpoints());
    files.push(...renderKubernetes(specs, stack, { runId }).files);
    services = specs.length;
    const started = Date.now();
    const dataset = generateDataset(createWorkloadModel(run.workload), { seed: run.seed, logicalShards: stack.logicalShards });
    const population = summarizePopulation(dataset);
    log.info({ users: dataset.users.length, elapsedMs: Date.now() - started }, `population from seed ${run.seed} for the TestRuns`);
    const rendered = renderK6TestRuns(
      loaded.map((plan) => ({ name: plan.name, planJson: `${JSON.stringify(plan, null, 2)}\n` })),
      {
        runId,
        parallelism,
        script: await bundleK6Script(),
        populationJson: JSON.stringify(population),
        seed: streamSeed(run.seed, 0),
        k6Image: K6_IMAGE,
        proxyImage: catalog.images.nginx,
      },
    );
    files.push(...rendered.files);
    testRuns.push(...loaded.map((p) => p.name));
  }

  await clearEarlierDeploy(outDir, earlier);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `--out: cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const written = files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) }));
  for (const file of files) {
    const path = join(outDir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
  const result: DeployResult = { target, outDir, runId, catalog: { kind: catalog.kind, reason: catalog.reason }, files: written, services, testRuns };
  await writeFile(join(outDir, DEPLOY_MANIFEST), `${JSON.stringify({ ...result, images: catalog.images, stack, seed: run.seed }, null, 2)}\n`);
  return result;
}

function nextSteps(result: DeployResult): string {
  if (result.target === 'swarm') {
    return [
      `  docker swarm init   # once; then label the nodes (see the head of ${COMPOSE_FILE})`,
      `  docker stack deploy -c ${join(result.outDir, COMPOSE_FILE)} feedscale`,
    ].join('\n');
  }
  return [
    '  kubectl create namespace feedscale',
    `  kubectl apply -n feedscale -f ${join(result.outDir, STACK_DIR)}/`,
    `  kubectl apply -n feedscale -f ${join(result.outDir, TESTRUN_DIR)}/loadgen-proxy.yaml -f ${join(result.outDir, TESTRUN_DIR)}/<plan>.yaml   # k6-operator installed`,
  ].join('\n');
}

/** `feedscale deploy --target swarm|kubernetes --out DIR`: the stack for Docker Swarm or Kubernetes. */
export function registerDeployCommand(program: Command, log: Logger, wrap: Wrap): void {
  program
    .command('deploy')
    .description('write the stack for docker stack deploy (swarm) or Kubernetes (manifests and a k6-operator TestRun per plan); pulls, builds and starts nothing')
    .requiredOption('--target <target>', `${DEPLOY_TARGETS.join(' | ')}`)
    .requiredOption('--out <dir>', 'folder to write (new, empty, or written by an earlier deploy)')
    .option('--config <file>', 'JSON run configuration; its "stack" is deployed')
    .option('--configuration <name>', 'deploy this configuration of the run configuration instead of its base stack')
    .option(
      '--catalog <kind>',
      'image names: official (pinned registry images + feedscale/app:<inputs hash>) | local (the inputs-hash tags `feedscale images --catalog local` builds here) | auto (= official: a cluster pulls from a registry)',
    )
    .option('--shards <n>', RUN_FLAGS.shards.help)
    .option('--logical-shards <n>', RUN_FLAGS.logicalShards.help)
    .option('--instances <n>', RUN_FLAGS.instances.help)
    .option('--pool-size <n>', RUN_FLAGS.poolSize.help)
    .option('--cache <mode>', RUN_FLAGS.cache.help)
    .option('--image-registry <prefix>', 'pull our own images (feedscale/*) from this registry prefix, e.g. registry.example:5000')
    .option('--run-id <id>', 'value of the feedscale.run label (default: a new random id)')
    .option('--public-host <host>', `swarm: the address clients reach the published ports at (default ${DEFAULT_PUBLIC_HOST})`)
    .option('--port-base <port>', `swarm: first published port (default ${DEFAULT_PORT_BASE})`)
    .option('--plan <name|file>', 'kubernetes: a TestRun for this plan (repeatable; default every bundled plan)', collect)
    .option('--parallelism <n>', 'kubernetes: k6 runner pods per TestRun (default 1)')
    .option('--seed <n>', RUN_FLAGS.seed.help)
    .option('--scale <fraction>', RUN_FLAGS.scale.help)
    .option('--rate <rps>', RUN_FLAGS.rate.help)
    .option('--duration <s>', RUN_FLAGS.duration.help)
    .option('--warmup <s>', RUN_FLAGS.warmup.help)
    .action(
      wrap(async (opts: DeployOptions) => {
        const result = await runDeploy(opts, log);
        const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0);
        terminal.writeOut(
          `wrote ${result.files.length} files (${(bytes / 1024).toFixed(0)} KiB) for ${result.target} to ${result.outDir}: ${result.services} services` +
            `${result.testRuns.length ? `, TestRuns for ${result.testRuns.join(', ')}` : ''}; run ${result.runId}, ${result.catalog.kind} images\n${nextSteps(result)}\n`,
        );
        return ExitCode.OK;
      }),
    );
}

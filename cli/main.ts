import { terminal } from '../lib/terminal.ts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, FeedscaleError } from '../lib/errors.ts';
import { LOG_FORMATS, type LogFormat, type Logger, createLogger } from '../lib/logger.ts';
import { validateConfig } from '../lib/validate.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { resolveCatalog } from '../containers/images/resolve-catalog.ts';
import { StackConfigSchema, loadStackConfig } from '../containers/stack-config.ts';
import { newRunId, startStack } from '../containers/stack.ts';
import { installInterruptGuard, untilInterrupted } from '../runner/interrupts.ts';
import { runManifestJob } from '../runner/run-manifest-job.ts';
import { loadPlanForRun } from '../runner/plan-for-run.ts';
import { type RunConfig, loadRunConfig, loadSavedRunConfig } from '../runner/run-config.ts';
import { type JobManifest, readManifest } from '../runner/job-folder.ts';
import { type Plan, validatePlan } from '../scenarios/plans/plan-schema.ts';
import { registerDeployCommand } from './deploy-command.ts';
import { registerExperimentCommands } from './experiment.ts';
import { exitCodeAction, reportError } from './report-error.ts';
import { registerGateCommands } from './gate-commands.ts';
import { registerModelCommands } from './model-commands.ts';
import { RUN_FLAGS, type RunFlag, applyFlags } from '../runner/run-flags.ts';
import { readJsonFile } from './options.ts';

// The AWS SDK warns on every start that it will need Node 22 in 2027; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function loadPlans(names: readonly string[], run: Readonly<RunConfig>): Promise<Plan[]> {
  return Promise.all(names.map((name) => loadPlanForRun({ plan: name, load: run.load }) as Promise<Plan>));
}

/** `defaults` apply where the config file is silent; `overrides` replace it; flags replace both. */
async function runJob(opts: Record<string, string | undefined>, log: Logger, overrides: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}) {
  let manifest: JobManifest;
  if (opts.resume) {
    // Exactly what the interrupted job was to run; flags other than --resume do not apply.
    const saved = await readManifest(opts.resume);
    const { run, configurations } = loadSavedRunConfig(saved);
    manifest = { run: run as RunConfig, configurations, plans: saved.plans.map((p) => validatePlan(p) as Plan) };
  } else {
    const flags = Object.fromEntries(Object.keys(RUN_FLAGS).map((k) => [k, opts[k]])) as Partial<Record<RunFlag, string>>;
    const base = { ...defaults, ...((opts.config ? await readJsonFile(opts.config, 'config file') : {}) as Record<string, unknown>), ...overrides };
    const { run, configurations, plans } = loadRunConfig(applyFlags(base, flags));
    manifest = { run: run as RunConfig, configurations: [...configurations], plans: await loadPlans(plans, run) };
  }
  const commit = gitCommit();
  const { job, catalog } = await runManifestJob(manifest, {
    log,
    feedscaleVersion: VERSION,
    ...(commit ? { gitCommit: commit } : {}),
    ...(opts.resume ? { resumeDir: opts.resume } : {}),
  });
  return { result: job, catalog };
}

async function runCommand(opts: Record<string, string | undefined>, log: Logger): Promise<number> {
  const { result, catalog } = await runJob(opts, log);
  for (const { table, files } of result.reports) {
    terminal.writeOut(`\n${table}\n`);
    terminal.writeOut(`report: ${files.jsonPath}\n        ${files.markdownPath}\n${files.htmlPath ? `        ${files.htmlPath}\n` : ''}`);
  }
  const resumed = result.resumedRuns > 0 ? ` (${result.resumedRuns} run(s) taken from the earlier attempt)` : '';
  terminal.writeOut(`main job took ${(result.elapsedMs / 1000).toFixed(1)} s${resumed}; image catalog: ${catalog.kind} (${catalog.reason})\n`);
  return ExitCode.OK;
}

/**
 * A/A and power jobs run as the default gate job does (scenarios/matrices/gate-check.json): an
 * alternating duet, unless the config file or --duet says otherwise.
 */
const GATE_JOB_DEFAULTS = { duet: 'alternating' };

/** The main job with some run-configuration fields given (e.g. `feedscale power`'s baseline and injected candidate). */
async function runJobWith(opts: Record<string, string | undefined>, log: Logger, overrides: Record<string, unknown>) {
  const { result } = await runJob(opts, log, overrides, GATE_JOB_DEFAULTS);
  return { reportPath: result.reports[0]!.files.jsonPath, outDir: result.outDir };
}

/**
 * The input of `feedscale aa`: the base stack as two identical configurations interleaved, so
 * repeat j of both runs back to back on one request stream, as A and B of a gate job do.
 */
async function runAaJob(opts: Record<string, string | undefined>, log: Logger) {
  const { result } = await runJob(
    opts,
    log,
    {
      configurations: [
        { name: 'a', description: 'A/A: the base stack' },
        { name: 'a-twin', description: 'A/A: the same base stack again, run right after "a" in every repeat' },
      ],
    },
    GATE_JOB_DEFAULTS,
  );
  const [first] = result.reports;
  return { reportPath: first!.files.jsonPath, outDir: result.outDir, configuration: 'a', twinConfiguration: 'a-twin' };
}

async function upCommand(opts: Record<string, string | undefined>, log: Logger): Promise<number> {
  const input = applyFlags(opts.config ? await readJsonFile(opts.config, 'config file') : {}, {
    catalog: opts.catalog,
    shards: opts.shards,
    instances: opts.instances,
    cache: opts.cache,
    poolSize: opts.poolSize,
    logicalShards: opts.logicalShards,
  });
  const stackConfig = loadStackConfig((input as { stack?: unknown }).stack ?? {});
  const engine = await ensureDockerEngine(log);
  const runId = newRunId();
  let stopping: Promise<unknown> = Promise.resolve();
  using guard = installInterruptGuard({ log, teardown: () => sweepRun(engine.docker, runId), settled: () => stopping });
  const catalog = await resolveCatalog(engine.docker, stackConfig.catalog, log);
  const stack = await startStack(stackConfig, { engine, catalog, log, runId, signal: guard.signal });
  terminal.writeOut(
    `${JSON.stringify({ runId, catalog: catalog.kind, baseUrl: stack.baseUrl, appUrls: stack.appUrls, shards: stack.shards, redisUrl: stack.redisUrl, memcached: stack.memcachedServers, objectStore: stack.objectStore.endpoint, cdn: stack.cdnUrl, notificationSink: stack.notificationSinkUrl, workers: stack.workerUrls, timingsMs: stack.timingsMs }, null, 2)}\n`,
  );
  terminal.writeOut('stack is up; Ctrl-C tears it down\n');
  await untilInterrupted(guard.signal);
  stopping = stack.stop();
  await stopping;
  return ExitCode.INTERRUPTED;
}

async function downCommand(opts: { run?: string }, log: Logger): Promise<number> {
  const engine = await ensureDockerEngine(log);
  const removed = await sweepRun(engine.docker, opts.run);
  terminal.writeOut(`removed ${removed.containers.length} container(s) and ${removed.networks.length} network(s)${opts.run ? ` of run ${opts.run}` : ''}\n`);
  for (const name of removed.containers) terminal.writeOut(`  ${name}\n`);
  return ExitCode.OK;
}

async function imagesCommand(opts: { catalog?: string }, log: Logger): Promise<number> {
  const { catalog: choice } = validateConfig(StackConfigSchema, { catalog: opts.catalog }, 'options');
  const engine = await ensureDockerEngine(log);
  const started = Date.now();
  const catalog = await resolveCatalog(engine.docker, choice, log);
  terminal.writeOut(`${JSON.stringify({ ...catalog, elapsedMs: Date.now() - started }, null, 2)}\n`);
  return ExitCode.OK;
}

/** Builds the command tree; every action resolves to an exit code (docs/errors.md). */
export function buildCli(log: Logger, setExitCode: (code: number) => void): Command {
  const program = new Command('feedscale')
    .description('Run, load and compare the 2011 Instagram reference architecture')
    .version(VERSION)
    .option('--log-format <format>', `log lines on stderr: ${LOG_FORMATS.join(' | ')} (default: pretty when stdout is a terminal, else json)`)
    .exitOverride()
    .showHelpAfterError();
  const wrap = exitCodeAction(log, setExitCode);

  const run = program
    .command('run', { isDefault: true })
    .description('the main job: for each configuration start the stack, seed, load it open loop, tear down; then report')
    .option('--config <file>', 'JSON run configuration or matrix (docs/configuration.md); flags override it')
    .option('--resume <dir>', 'finish the job in this output folder: run only what it has no result for');
  for (const spec of Object.values(RUN_FLAGS)) run.addOption(new Option(spec.flag, spec.help));
  run.action(wrap((opts: Record<string, string | undefined>) => runCommand(opts, log)));

  program
    .command('up')
    .description('start one stack and keep it up until Ctrl-C (prints its endpoints)')
    .option('--config <file>', 'JSON run configuration; its "stack" is used')
    .option('--catalog <kind>', RUN_FLAGS.catalog.help)
    .option('--shards <n>', RUN_FLAGS.shards.help)
    .option('--logical-shards <n>', RUN_FLAGS.logicalShards.help)
    .option('--instances <n>', RUN_FLAGS.instances.help)
    .option('--pool-size <n>', RUN_FLAGS.poolSize.help)
    .option('--cache <mode>', RUN_FLAGS.cache.help)
    .action(wrap((opts: Record<string, string | undefined>) => upCommand(opts, log)));

  program
    .command('down')
    .description('remove every container and network an earlier (crashed) run left behind')
    .option('--run <id>', 'only this run')
    .action(wrap((opts: { run?: string }) => downCommand(opts, log)));

  registerGateCommands(
    program,
    log,
    wrap,
    (opts) => runAaJob(opts, log),
    (opts, overrides) => runJobWith(opts, log, overrides),
  );
  registerExperimentCommands(program, log, setExitCode);
  registerDeployCommand(program, log, wrap);
  const commit = gitCommit();
  registerModelCommands(program, log, wrap, { feedscaleVersion: VERSION, ...(commit ? { gitCommit: commit } : {}) });

  program
    .command('images')
    .description('make the images of a catalog present (pull or build) and print them')
    .option('--catalog <kind>', RUN_FLAGS.catalog.help, 'auto')
    .action(wrap((opts: { catalog?: string }) => imagesCommand(opts, log)));
  return program;
}

/**
 * The --log-format value, read before commander parses (the logger must exist first); a bad
 * value is a CFG_ERR_INVALID naming the option.
 */
export function logFormatOf(argv: readonly string[]): LogFormat | undefined {
  const i = argv.findIndex((a) => a === '--log-format' || a.startsWith('--log-format='));
  if (i < 0) return undefined;
  const value = argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
  if (value === 'json' || value === 'pretty') return value;
  throw new FeedscaleError('CFG_ERR_INVALID', `--log-format must be one of ${LOG_FORMATS.join(', ')} (got ${JSON.stringify(value ?? '')})`);
}

export async function main(argv: readonly string[]): Promise<number> {
  let format: LogFormat | undefined;
  try {
    format = logFormatOf(argv);
  } catch (err) {
    return reportError(err, createLogger());
  }
  const log = createLogger(format ? { format } : {});
  let exitCode: number = ExitCode.OK;
  const program = buildCli(log, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return ExitCode.OK;
      return ExitCode.BAD_INPUT;
    }
    return reportError(err, log);
  }
  return exitCode;
}

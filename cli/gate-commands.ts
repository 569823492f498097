import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ExitCode, FeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { terminal } from '../lib/terminal.ts';
import { runAa, type AaSummary } from '../reports/aa.ts';
import { DEFAULT_MAX_TRIALS } from '../reports/gate/gate-trials.ts';
import { loadGateConfig, loadReport, runGateCommand } from '../reports/gate/gate-command.ts';
import { runPower, type PowerSummary } from '../reports/power.ts';
import { renderAaText, renderPowerText } from '../reports/render/gate-trials-text.ts';
import { parseInjection, POWER_BASELINE, powerJobOverrides } from '../runner/gate-jobs.ts';
import { RUN_FLAGS } from '../runner/run-flags.ts';

/** The gate CI uses, and the one `feedscale aa` and `feedscale power` judge unless told otherwise. */
export const DEFAULT_GATE_FILE = fileURLToPath(new URL('../scenarios/gates/default.json', import.meta.url));

const collect = (value: string, previous: string[] = []) => [...previous, value];

type Wrap = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** Runs the A/A job (one configuration repeated) and says where its report is. */
export type RunMainJobForAa = (opts: Record<string, string | undefined>) => Promise<{ reportPath: string; outDir: string; configuration: string; twinConfiguration: string }>;

/**
 * Runs the main job with run-configuration fields laid over what the options give (power: the
 * baseline and the injected configuration) and says where its report is.
 */
export type RunMainJobWith = (opts: Record<string, string | undefined>, overrides: Record<string, unknown>) => Promise<{ reportPath: string; outDir: string }>;

/** A positive integer option, or CFG_ERR_INVALID naming it. */
function integerOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new FeedscaleError('CFG_ERR_INVALID', `${option} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

async function thresholdsOf(opts: { thresholds?: string; threshold?: string[] }) {
  const config = await loadGateConfig(opts.threshold ? { thresholds: opts.threshold } : { thresholdsPath: opts.thresholds ?? DEFAULT_GATE_FILE });
  return { ...config, expressions: config.thresholds.map((t) => t.expression) };
}

/** Writes the summary (without the per-trial gate results) and its text next to each other. */
async function writeSummary(dir: string, name: string, summary: AaSummary | PowerSummary, text: string, thresholds: readonly string[]): Promise<string[]> {
  const jsonPath = join(dir, `${name}.json`);
  const textPath = join(dir, `${name}.txt`);
  await mkdir(dir, { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify({ thresholds, ...summary, results: undefined }, null, 2)}\n`);
  await writeFile(textPath, text);
  return [jsonPath, textPath];
}

type TrialOptions = Record<string, string | undefined> & { threshold?: string[] };

/** The options the job-running commands share with `feedscale run`. */
function addJobOptions(command: Command, repeats: string): Command {
  return command
    .option('--config <file>', 'run configuration; its base stack is the stack tested')
    .option('--repeats <n>', 'repeats of each configuration, interleaved', repeats)
    .option('--plan <name|file>', 'plan', 'feed-read')
    .option('--duration <s>', 'measured seconds per run')
    .option('--warmup <s>', 'warm-up seconds per run')
    .option('--rate <rps>', 'arrival rate')
    .option(RUN_FLAGS.duet.flag, RUN_FLAGS.duet.help)
    .option('--catalog <kind>', 'image catalog')
    .option('--out <dir>', 'output folder (of the job; with --report, where the summary is written)')
    .option('--pairs-per-gate <n>', 'pairs of repeats in each judged split: the repeats of the gate job this stands for (default: all)')
    .option('--max-splits <n>', `judge every distinct split up to this many, else a seeded sample of this many (default ${DEFAULT_MAX_TRIALS})`)
    .option('--thresholds <gate.json>', 'gate file judged on each split (default scenarios/gates/default.json)')
    .option('--threshold <expr>', 'one threshold (repeatable), instead of a gate file', collect);
}

/**
 * `feedscale gate` judges a candidate against a baseline with thresholds as code; `feedscale aa`
 * measures how often the gate fails or cannot decide when nothing changed; `feedscale power` how
 * often it detects a known regression. `runMainJobWith` (power's job) is optional so that a CLI
 * without it still builds; `power --inject` then says it cannot run a job.
 */
export function registerGateCommands(program: Command, log: Logger, wrap: Wrap, runMainJobForAa: RunMainJobForAa, runMainJobWith?: RunMainJobWith): void {
  program
    .command('gate')
    .description('judge a candidate against a baseline: exit 0 pass, 3 regression, 4 inconclusive')
    .option('--report <report.json>', 'one job that ran both configurations interleaved: repeats are paired (name them with --baseline-config and --candidate-config)')
    .option('--candidate <report.json>', 'report of the change under test (with --baseline: compared unpaired)')
    .option('--baseline <report.json>', 'report to compare with (needed by relative thresholds)')
    .option('--thresholds <gate.json>', 'gate file: {"thresholds": ["feed.read:p(99)<250", "*:p(99)<=+10%"]} (default scenarios/gates/default.json unless --threshold is given)')
    .option('--threshold <expr>', 'one threshold (repeatable), e.g. "feed.read:p(99)<=+10%"', collect)
    .option('--baseline-config <name>', 'configuration of the baseline (report) to compare with')
    .option('--candidate-config <name>', 'configuration of the candidate (report) to judge')
    .option('--out <dir>', 'write junit.xml and gate.md here')
    .action(
      wrap(async (opts: { report?: string; candidate?: string; baseline?: string; thresholds?: string; threshold?: string[]; baselineConfig?: string; candidateConfig?: string; out?: string }) => {
        const result = await runGateCommand({
          ...(opts.report ? { reportPath: opts.report } : {}),
          ...(opts.candidate ? { candidatePath: opts.candidate } : {}),
          ...(opts.baseline ? { baselinePath: opts.baseline } : {}),
          // No gate given: the default gate, as aa and power judge.
          ...(opts.thresholds || !opts.threshold ? { thresholdsPath: opts.thresholds ?? DEFAULT_GATE_FILE } : {}),
          ...(opts.threshold ? { thresholds: opts.threshold } : {}),
          ...(opts.out ? { outDir: opts.out } : {}),
          ...(opts.baselineConfig ? { baselineConfiguration: opts.baselineConfig } : {}),
          ...(opts.candidateConfig ? { candidateConfiguration: opts.candidateConfig } : {}),
        });
        terminal.writeOut(`${result.markdown}\n`);
        for (const path of result.written) terminal.writeOut(`wrote ${path}\n`);
        return result.exitCode;
      }),
    );

  addJobOptions(
    program
      .command('aa')
      .description('A/A: run the base stack twice per repeat (a, a-twin, back to back on one request stream), judge the gate on every split of those pairs, and report how often it passes, fails (false alarms) and cannot decide'),
    '8',
  )
    .option('--report <report.json>', 'judge the repeats of this earlier job instead of running one')
    .option('--config-name <name>', 'with --report: the configuration to split (default: the report\'s baseline)')
    .option('--twin-config <name>', 'with --report: its identical twin, run right after it in every repeat (default: "<config-name>-twin" when the report has it; else repeats 2j and 2j+1 pair)')
    .action(
      wrap(async (opts: TrialOptions) => {
        const gate = await thresholdsOf(opts);
        const settings = { pairsPerTrial: integerOption(opts.pairsPerGate, '--pairs-per-gate'), maxTrials: integerOption(opts.maxSplits, '--max-splits') };
        let reportPath = opts.report;
        let configuration = opts.configName;
        let twinConfiguration = opts.twinConfig;
        let outDir = opts.out;
        if (!reportPath) {
          const job = await runMainJobForAa(opts);
          ({ reportPath, configuration, twinConfiguration, outDir } = job);
        }
        const report = await loadReport(reportPath, 'report');
        configuration ??= report.comparison.baseline;
        twinConfiguration ??= report.configurations.some((c) => c.name === `${configuration}-twin`) ? `${configuration}-twin` : undefined;
        const summary = runAa({
          report,
          configuration,
          ...(twinConfiguration ? { twinConfiguration } : {}),
          thresholds: gate.thresholds,
          seed: report.metadata.seed,
          confidence: gate.confidence,
          ...settings,
        });
        const text = renderAaText(summary, gate.expressions);
        terminal.writeOut(text);
        if (outDir) for (const path of await writeSummary(outDir, 'aa', summary, text, gate.expressions)) log.info(`wrote ${path}`);
        return ExitCode.OK;
      }),
    );

  addJobOptions(
    program
      .command('power')
      .description('power: run the base stack against one with a known regression injected, and report how often the gate detects it over subsets of the repeat pairs'),
    '12',
  )
    .option('--inject <regression>', 'the regression to inject: feed-read:+N ms (every feed read N ms slower) or feed-read:+N queries')
    .option('--report <report.json>', 'judge this earlier job instead of running one (name the configurations with --baseline-config and --candidate-config)')
    .option('--baseline-config <name>', 'with --report: the unchanged configuration (default: the report\'s baseline)')
    .option('--candidate-config <name>', 'with --report: the configuration with the regression')
    .action(
      wrap(async (opts: TrialOptions) => {
        if (Boolean(opts.inject) === Boolean(opts.report)) throw new FeedscaleError('CFG_ERR_INVALID', 'give either --inject (run a power job) or --report (judge an earlier one)');
        const gate = await thresholdsOf(opts);
        const settings = { pairsPerTrial: integerOption(opts.pairsPerGate, '--pairs-per-gate'), maxTrials: integerOption(opts.maxSplits, '--max-splits') };
        let reportPath = opts.report;
        let baseline = opts.baselineConfig;
        let candidate = opts.candidateConfig;
        let outDir = opts.out;
        if (opts.inject) {
          const injection = parseInjection(opts.inject);
          if (!runMainJobWith) throw new FeedscaleError('CFG_ERR_INVALID', 'this build of feedscale cannot run a power job; run one with feedscale run and give --report');
          const job = await runMainJobWith(opts, powerJobOverrides(injection));
          ({ reportPath, outDir } = job);
          baseline = POWER_BASELINE;
          candidate = injection.name;
        }
        const report = await loadReport(reportPath!, 'report');
        baseline ??= report.comparison.baseline;
        const others = report.configurations.map((c) => c.name).filter((n) => n !== baseline);
        if (!candidate && others.length !== 1) throw new FeedscaleError('CFG_ERR_INVALID', `name the configuration with the regression with --candidate-config (one of ${others.join(', ')})`);
        const summary = runPower({
          report,
          baselineConfiguration: baseline,
          candidateConfiguration: candidate ?? others[0]!,
          thresholds: gate.thresholds,
          seed: report.metadata.seed,
          confidence: gate.confidence,
          ...settings,
        });
        const text = renderPowerText(summary, gate.expressions);
        terminal.writeOut(text);
        if (outDir) for (const path of await writeSummary(outDir, 'power', summary, text, gate.expressions)) log.info(`wrote ${path}`);
        return ExitCode.OK;
      }),
    );
}

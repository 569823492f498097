import { terminal } from '../lib/terminal.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { aaFalseAlarmRate } from '../reports/aa.ts';
import { runGateCommand } from '../reports/gate/gate-command.ts';
import { randomAaPairs } from '../runner/aa-splits.ts';

/** The thresholds `feedscale aa` judges when none are given: the relative ones a CI gate would use. */
export const DEFAULT_AA_THRESHOLDS = Object.freeze(['*:p(50)<=+10%', '*:p(99)<=+10%']);

const collect = (value: string, previous: string[] = []) => [...previous, value];

type Wrap = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/**
 * `feedscale gate` judges a candidate report against a baseline with thresholds as code;
 * `feedscale aa` runs one configuration against itself to measure the gate's false alarms.
 */
export function registerGateCommands(program: Command, log: Logger, wrap: Wrap, runMainJobForAa: (opts: Record<string, string | undefined>) => Promise<{ reportPath: string; outDir: string; configuration: string }>): void {
  program
    .command('gate')
    .description('judge a candidate report against a baseline: exit 0 pass, 3 regression, 4 inconclusive')
    .requiredOption('--candidate <report.json>', 'report of the change under test')
    .option('--baseline <report.json>', 'report to compare with (needed by relative thresholds)')
    .option('--thresholds <gate.json>', 'gate file: {"thresholds": ["feed.read:p(99)<250", "*:p(99)<=+10%"]}')
    .option('--threshold <expr>', 'one threshold (repeatable), e.g. "feed.read:p(99)<=+10%"', collect)
    .option('--baseline-config <name>', 'configuration of the baseline report to compare')
    .option('--candidate-config <name>', 'configuration of the candidate report to judge')
    .option('--out <dir>', 'write junit.xml and gate.md here')
    .option('--seed <n>', 'bootstrap seed (default: the candidate report\'s seed)')
    .action(
      wrap(async (opts: { candidate: string; baseline?: string; thresholds?: string; threshold?: string[]; baselineConfig?: string; candidateConfig?: string; out?: string; seed?: string }) => {
        const seed = opts.seed === undefined ? undefined : Number(opts.seed);
        const result = await runGateCommand({
          candidatePath: opts.candidate,
          ...(opts.baseline ? { baselinePath: opts.baseline } : {}),
          ...(opts.thresholds ? { thresholdsPath: opts.thresholds } : {}),
          ...(opts.threshold ? { thresholds: opts.threshold } : {}),
          ...(opts.out ? { outDir: opts.out } : {}),
          ...(seed !== undefined && Number.isSafeInteger(seed) ? { seed } : {}),
          ...(opts.baselineConfig ? { baselineConfiguration: opts.baselineConfig } : {}),
          ...(opts.candidateConfig ? { candidateConfiguration: opts.candidateConfig } : {}),
        });
        terminal.writeOut(`${result.markdown}\n`);
        for (const path of result.written) terminal.writeOut(`wrote ${path}\n`);
        return result.exitCode;
      }),
    );

  program
    .command('aa')
    .description('A/A: run one configuration repeatedly, split the repeats into two halves many ways, and report how often the gate fails (false alarms)')
    .option('--config <file>', 'run configuration; its base stack is the configuration tested')
    .option('--repeats <n>', 'repeats of the configuration (at least 4)', '6')
    .option('--splits <n>', 'random halvings judged', '20')
    .option('--threshold <expr>', `threshold judged on each split (repeatable; default ${DEFAULT_AA_THRESHOLDS.join(', ')})`, collect)
    .option('--plan <name|file>', 'plan', 'feed-read')
    .option('--duration <s>', 'measured seconds per run')
    .option('--warmup <s>', 'warm-up seconds per run')
    .option('--rate <rps>', 'arrival rate')
    .option('--catalog <kind>', 'image catalog')
    .option('--out <dir>', 'output folder', 'out')
    .action(
      wrap(async (opts: Record<string, string | undefined> & { threshold?: string[] }) => {
        const { readFile } = await import('node:fs/promises');
        const { parseReportJson } = await import('../reports/render/json.ts');
        const job = await runMainJobForAa(opts);
        const report = parseReportJson(await readFile(job.reportPath, 'utf8'), job.reportPath);
        const splits = Number(opts.splits ?? 20);
        const thresholds = opts.threshold ?? [...DEFAULT_AA_THRESHOLDS];
        const summary = aaFalseAlarmRate({ pairs: randomAaPairs(report, job.configuration, splits, report.metadata.seed), thresholds, seed: report.metadata.seed });
        const lines = [
          `A/A on this machine: ${report.runs.length} repeats of "${job.configuration}", ${summary.evaluations} random halvings`,
          `  thresholds: ${thresholds.join(', ')}`,
          `  passed ${summary.passed}, inconclusive ${summary.inconclusive}, failed ${summary.failed}`,
          `  false-alarm rate: ${(summary.falseAlarmRate * 100).toFixed(1)}% (failures of a gate when nothing changed)`,
          ...summary.byThreshold.map((t) => `    ${t.expression}: ${t.failed}/${t.evaluations} failed`),
        ];
        const text = `${lines.join('\n')}\n`;
        await writeFile(join(job.outDir, 'aa.json'), `${JSON.stringify({ thresholds, splits, ...summary, results: undefined }, null, 2)}\n`);
        await writeFile(join(job.outDir, 'aa.txt'), text);
        terminal.writeOut(text);
        log.info(`A/A results in ${job.outDir}`);
        return ExitCode.OK;
      }),
    );
}

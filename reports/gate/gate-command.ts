import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FeedscaleError, type ExitCodeValue } from '../../lib/errors.ts';
import { renderGateMarkdown } from '../render/gate-markdown.ts';
import { parseReportJson } from '../render/json.ts';
import { renderJUnit } from '../render/junit.ts';
import { GATE_MARKDOWN_FILE, JUNIT_FILE, writeAtomically } from '../write-report.ts';
import type { Report } from '../report-schema.ts';
import { DEFAULT_CONFIDENCE } from '../stats/intervals.ts';
import { evaluateGate, type GateResult, type Pairing } from './evaluate-gate.ts';
import { parseGateFile, type GateConfig } from './gate-file.ts';
import { parseThresholds } from './threshold.ts';

/**
 * Either one job's report with both configurations in it (`reportPath`: repeats paired, since the
 * job ran repeat i of both back to back), or two reports (`candidatePath` and, for relative
 * thresholds, `baselinePath`: compared unpaired, and the output says so).
 */
export interface GateCommandInput {
  /** report.json of one job that ran both configurations interleaved; name them with the configuration options. */
  reportPath?: string;
  /** report.json of the baseline; needed by relative thresholds. */
  baselinePath?: string;
  candidatePath?: string;
  /** A gate file ({ "thresholds": [...] }); or give `thresholds` directly. */
  thresholdsPath?: string;
  thresholds?: readonly string[];
  /** Where junit.xml and gate.md go (created if missing); nothing is written without it. */
  outDir?: string;
  baselineConfiguration?: string;
  candidateConfiguration?: string;
}

export interface GateCommandResult {
  exitCode: ExitCodeValue;
  markdown: string;
  junitXml: string;
  result: GateResult;
  /** Files written into outDir. */
  written: string[];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The thresholds of a gate: a gate file, or expressions given one by one (confidence 95%).
 * Bad input throws CFG_ERR_FILE / CFG_ERR_INVALID naming the file or the expression.
 */
export async function loadGateConfig(input: { thresholdsPath?: string; thresholds?: readonly string[] }): Promise<GateConfig> {
  if (input.thresholdsPath && input.thresholds) throw new FeedscaleError('CFG_ERR_INVALID', 'give either thresholdsPath or thresholds, not both');
  if (input.thresholds) return { thresholds: parseThresholds(input.thresholds), confidence: DEFAULT_CONFIDENCE };
  if (!input.thresholdsPath) throw new FeedscaleError('CFG_ERR_INVALID', 'a gate needs thresholds: give a gate file (--thresholds gate.json) or --threshold expressions');
  const text = await readText(input.thresholdsPath, 'gate file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `${input.thresholdsPath} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseGateFile(parsed, input.thresholdsPath);
}

/** Reads and validates a report.json; CFG_ERR_FILE naming the file when it cannot. */
export async function loadReport(path: string, what: string): Promise<Report> {
  return parseReportJson(await readText(path, what), path);
}

async function loadReports(input: GateCommandInput): Promise<{ baseline: Report | undefined; candidate: Report; pairing: Pairing }> {
  if (input.reportPath) {
    if (input.baselinePath || input.candidatePath) {
      throw new FeedscaleError('CFG_ERR_INVALID', 'give either one report (--report, paired) or --baseline and --candidate reports (unpaired), not both');
    }
    const report = await loadReport(input.reportPath, 'report');
    return { baseline: report, candidate: report, pairing: 'paired' };
  }
  if (!input.candidatePath) throw new FeedscaleError('CFG_ERR_INVALID', 'a gate needs a report: --report (one job, paired) or --candidate (and --baseline)');
  const candidate = await loadReport(input.candidatePath, 'candidate report');
  const baseline = input.baselinePath ? await loadReport(input.baselinePath, 'baseline report') : undefined;
  return { baseline, candidate, pairing: 'unpaired' };
}

/**
 * `feedscale gate`: reads the reports and the thresholds, judges, writes junit.xml and gate.md
 * into outDir, and returns the exit code (0 pass, 3 RPT_ERR_GATE_FAILED, 4 RPT_ERR_INCONCLUSIVE).
 * Bad input throws FeedscaleError CFG_ERR_FILE / CFG_ERR_INVALID (exit code 2).
 *
 * @example
 * const { exitCode, markdown } = await runGateCommand({ reportPath: 'out/latest/report.json', baselineConfiguration: 'main', candidateConfiguration: 'pr', thresholdsPath: 'gate.json', outDir: 'out' });
 */
export async function runGateCommand(input: GateCommandInput): Promise<GateCommandResult> {
  const config = await loadGateConfig(input);
  const { baseline, candidate, pairing } = await loadReports(input);
  const result = evaluateGate({
    baseline,
    candidate,
    thresholds: config.thresholds,
    baselineConfiguration: input.baselineConfiguration,
    candidateConfiguration: input.candidateConfiguration,
    confidence: config.confidence,
    pairing,
  });
  const markdown = renderGateMarkdown(result);
  const junitXml = renderJUnit(result);
  const written: string[] = [];
  if (input.outDir) {
    await mkdir(input.outDir, { recursive: true });
    for (const [file, content] of [[JUNIT_FILE, junitXml], [GATE_MARKDOWN_FILE, markdown]] as const) {
      const path = join(input.outDir, file);
      await writeAtomically(path, content);
      written.push(path);
    }
  }
  return { exitCode: result.exitCode, markdown, junitXml, result, written };
}

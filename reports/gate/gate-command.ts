import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FeedscaleError, type ExitCodeValue } from '../../lib/errors.ts';
import { renderGateMarkdown } from '../render/gate-markdown.ts';
import { parseReportJson } from '../render/json.ts';
import { renderJUnit } from '../render/junit.ts';
import { GATE_MARKDOWN_FILE, JUNIT_FILE, writeAtomically } from '../write-report.ts';
import { evaluateGate, type GateResult } from './evaluate-gate.ts';
import { parseGateFile, type GateConfig } from './gate-file.ts';
import { parseThresholds } from './threshold.ts';

export interface GateCommandInput {
  /** report.json of the baseline; needed by relative thresholds. */
  baselinePath?: string;
  candidatePath: string;
  /** A gate file ({ "thresholds": [...] }); or give `thresholds` directly. */
  thresholdsPath?: string;
  thresholds?: readonly string[];
  /** Where junit.xml and gate.md go (created if missing); nothing is written without it. */
  outDir?: string;
  /** Bootstrap seed; defaults to the candidate report's seed. */
  seed?: number;
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

async function loadGateConfig(input: GateCommandInput): Promise<GateConfig> {
  if (input.thresholdsPath && input.thresholds) throw new FeedscaleError('CFG_ERR_INVALID', 'give either thresholdsPath or thresholds, not both');
  if (input.thresholds) return { thresholds: parseThresholds(input.thresholds), confidence: 0.95, resamples: 2000 };
  if (!input.thresholdsPath) throw new FeedscaleError('CFG_ERR_INVALID', 'a gate needs thresholds: give thresholdsPath (a gate file) or thresholds');
  const text = await readText(input.thresholdsPath, 'gate file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `${input.thresholdsPath} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseGateFile(parsed, input.thresholdsPath);
}

/**
 * `feedscale gate`: reads the reports and the thresholds, judges, writes junit.xml and gate.md
 * into outDir, and returns the exit code (0 pass, 3 RPT_ERR_GATE_FAILED, 4 RPT_ERR_INCONCLUSIVE).
 * Bad input throws FeedscaleError CFG_ERR_FILE / CFG_ERR_INVALID (exit code 2).
 *
 * @example
 * const { exitCode, markdown } = await runGateCommand({ baselinePath: 'main/report.json', candidatePath: 'out/report.json', thresholdsPath: 'gate.json', outDir: 'out' });
 */
export async function runGateCommand(input: GateCommandInput): Promise<GateCommandResult> {
  const config = await loadGateConfig(input);
  const candidate = parseReportJson(await readText(input.candidatePath, 'candidate report'), input.candidatePath);
  const baseline = input.baselinePath ? parseReportJson(await readText(input.baselinePath, 'baseline report'), input.baselinePath) : undefined;
  const result = evaluateGate({
    baseline,
    candidate,
    thresholds: config.thresholds,
    seed: input.seed ?? candidate.metadata.seed,
    baselineConfiguration: input.baselineConfiguration,
    candidateConfiguration: input.candidateConfiguration,
    confidence: config.confidence,
    resamples: config.resamples,
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

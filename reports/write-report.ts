import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GateResult } from './gate/evaluate-gate.ts';
import { renderGateMarkdown } from './render/gate-markdown.ts';
import { renderHtml, type HtmlOptions } from './render/html.ts';
import { renderJson, validateReport } from './render/json.ts';
import { renderJUnit } from './render/junit.ts';
import { renderMarkdown } from './render/markdown.ts';
import type { Report } from './report-schema.ts';

export const REPORT_JSON_FILE = 'report.json';
export const REPORT_MARKDOWN_FILE = 'report.md';
export const REPORT_HTML_FILE = 'report.html';
export const JUNIT_FILE = 'junit.xml';
export const GATE_MARKDOWN_FILE = 'gate.md';

export interface WrittenReport {
  jsonPath: string;
  markdownPath: string;
  htmlPath: string;
  /** Present when a gate ran. */
  junitPath?: string;
  gateMarkdownPath?: string;
}

export interface WriteReportOptions extends Omit<HtmlOptions, 'gate'> {
  /** The gate that judged this report: adds junit.xml and gate.md, and a gate section in report.html. */
  gate?: GateResult;
}

let tempCounter = 0;

/**
 * Writes report.json, report.md and report.html into `dir` (created if missing), plus junit.xml
 * and gate.md when a gate ran. Every file is rendered before any is written, and each is written
 * to a temporary name and renamed, so a reader (a CI step, a watcher) never sees half a report.
 * A report that breaks its own schema is a bug of the harness: it throws before writing.
 */
export async function writeReport(dir: string, report: Report, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const issues = validateReport(report);
  if (issues.length > 0) {
    const lines = issues.slice(0, 10).map((i) => `${i.path || '/'}: ${i.message}`);
    throw new Error(`internal: report does not match ReportSchema:\n  ${lines.join('\n  ')}`);
  }
  const files: Array<[path: string, content: string]> = [
    [join(dir, REPORT_JSON_FILE), renderJson(report)],
    [join(dir, REPORT_MARKDOWN_FILE), renderMarkdown(report, options)],
    [join(dir, REPORT_HTML_FILE), renderHtml(report, options)],
  ];
  const written: WrittenReport = { jsonPath: files[0]![0], markdownPath: files[1]![0], htmlPath: files[2]![0] };
  if (options.gate) {
    written.junitPath = join(dir, JUNIT_FILE);
    written.gateMarkdownPath = join(dir, GATE_MARKDOWN_FILE);
    files.push([written.junitPath, renderJUnit(options.gate)], [written.gateMarkdownPath, renderGateMarkdown(options.gate)]);
  }
  await mkdir(dir, { recursive: true });
  for (const [path, content] of files) await writeAtomically(path, content);
  return written;
}

/** Same-directory temp file + rename: atomic on POSIX file systems. */
export async function writeAtomically(path: string, content: string): Promise<void> {
  tempCounter += 1;
  const tempPath = `${path}.${process.pid}.${tempCounter}.tmp`;
  try {
    await writeFile(tempPath, content, 'utf8');
    await rename(tempPath, path);
  } catch (err) {
    await rm(tempPath, { force: true });
    throw err;
  }
}

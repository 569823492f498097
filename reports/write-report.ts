import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderJson, validateReport } from './render/json.ts';
import { renderMarkdown } from './render/markdown.ts';
import type { Report } from './report-schema.ts';

export const REPORT_JSON_FILE = 'report.json';
export const REPORT_MARKDOWN_FILE = 'report.md';

export interface WrittenReport {
  jsonPath: string;
  markdownPath: string;
}

let tempCounter = 0;

/**
 * Writes report.json and report.md into `dir` (created if missing). Each file is written to a
 * temporary name and renamed, so a reader (a CI step, a watcher) never sees half a report.
 * A report that breaks its own schema is a bug of the harness: it throws before writing.
 */
export async function writeReport(dir: string, report: Report): Promise<WrittenReport> {
  const issues = validateReport(report);
  if (issues.length > 0) {
    const lines = issues.slice(0, 10).map((i) => `${i.path || '/'}: ${i.message}`);
    throw new Error(`internal: report does not match ReportSchema:\n  ${lines.join('\n  ')}`);
  }
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, REPORT_JSON_FILE);
  const markdownPath = join(dir, REPORT_MARKDOWN_FILE);
  await writeAtomically(jsonPath, renderJson(report));
  await writeAtomically(markdownPath, renderMarkdown(report));
  return { jsonPath, markdownPath };
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

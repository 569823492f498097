import type { Report } from '../report-schema.ts';
import { FRAMES_SHOWN, frameText, overheadSentence, profileLede, profileRows } from './profile-summary.ts';
import { faultAndAuditLines } from './faults-markdown.ts';
import { LATENCY_LEGEND, buildComparisonTables, metadataPairs, serverSideLines, type EndpointTable, type ServerSideLine } from './comparison-table.ts';
import { MODEL_COLUMNS, contentionLines, modelRowCells, modelSummaryText, predictionBanner, predictionKneeLines } from '../model/model-table.ts';

/**
 * report.md: metadata, one comparison table per endpoint, verdict lines, the server-side differences
 * per configuration (report.attribution) and numbered notes.
 * Plain GitHub-flavoured markdown, fit for a CI job summary ($GITHUB_STEP_SUMMARY).
 */
export function renderMarkdown(report: Report, options: { jobFolderHref?: string } = {}): string {
  const { tables, notes } = buildComparisonTables(report);
  const serverSide = serverSideLines(report);
  const banner = predictionBanner(report);
  const lines: string[] = [`# feedscale report${banner ? ' (predicted)' : ''}: ${escapeInline(report.metadata.plan)}`, ''];
  if (banner) lines.push(`> **${escapeInline(banner)}**`, '', ...predictionKneeLines(report).map((l) => `- ${escapeInline(l)}`), '');
  for (const [label, value] of metadataPairs(report)) lines.push(`- **${label}:** ${escapeInline(value)}`);
  lines.push('', LATENCY_LEGEND, '');
  for (const table of tables) lines.push(...tableSection(table, serverSide, contentionLines(report, table.endpoint)), '');
  lines.push(...faultAndAuditLines(report.runs, escapeInline));
  lines.push(...profileLines(report, options.jobFolderHref));
  lines.push(...modelSection(report));
  if (notes.length > 0) {
    lines.push('## Notes', '');
    for (const note of notes) lines.push(`${note.id}. ${escapeInline(note.text)}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function tableSection(table: EndpointTable, serverSide: readonly ServerSideLine[], contention: readonly ServerSideLine[] = []): string[] {
  const header = `| ${table.columns.map((c) => c.header).join(' | ')} |`;
  const rule = `|${table.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = table.rows.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`);
  const verdict = table.verdictUsable
    ? '**Verdict:** usable.'
    : `**Verdict:** not usable: ${escapeInline(table.unusableReasons.join('; '))}.`;
  const why = serverSide
    .filter((l) => table.configurations.includes(l.configuration))
    .map((l) => `- **Server side**, ${escapeInline(l.configuration)} vs ${escapeInline(l.baseline)}: ${escapeInline(l.text)}.`);
  const model = contention.map((l) => `- **Model**, ${escapeInline(l.configuration)} vs ${escapeInline(l.baseline)}: ${escapeInline(l.text)}.`);
  return [`## ${escapeInline(table.endpoint)}`, '', header, rule, ...rows, '', verdict, ...(why.length > 0 ? ['', ...why] : []), ...(model.length > 0 ? ['', ...model] : [])];
}

/** "Model vs measured": each configuration predicted by a calibration that excluded it (report.model). */
function modelSection(report: Report): string[] {
  const model = report.model;
  if (!model) return [];
  const lines = ['## Model vs measured', '', escapeInline(`${model.method}; placement: ${model.placement}.`), ''];
  lines.push(`| ${MODEL_COLUMNS.join(' | ')} |`, `|${MODEL_COLUMNS.map(() => ' --- ').join('|')}|`);
  for (const row of model.rows) lines.push(`| ${modelRowCells(row).map(escapeCell).join(' | ')} |`);
  const summary = modelSummaryText(report);
  lines.push('', ...(summary ? [escapeInline(summary)] : []), ...model.notes.map((n) => `- ${escapeInline(n)}`), '');
  return lines;
}

function escapeCell(text: string): string {
  return escapeInline(text).replaceAll('|', '\\|');
}

/** Names come from user config: keep them from turning into markup. */
function escapeInline(text: string): string {
  return text.replace(/[\\`*_<>[\]]/g, (ch) => `\\${ch}`);
}

/** Profiled runs (`--profile`): clinic's page linked (relative to the report), overhead, hottest frames. */
function profileLines(report: Report, jobFolderHref?: string): string[] {
  const rows = profileRows(report, jobFolderHref);
  if (rows.length === 0) return [];
  const lines = ['## Profiles', '', escapeInline(profileLede(rows)), ''];
  for (const row of rows) {
    const run = `${row.configuration}, repeat ${row.repeat}${row.attempt > 0 ? ` (attempt ${row.attempt + 1})` : ''}`;
    const name = `${row.profile.instance} clinic ${row.profile.tool}`;
    const link = row.href ? `[${escapeInline(name)}](${row.href})` : `${escapeInline(name)} (no page)`;
    lines.push(`- **${escapeInline(run)}:** ${link}; ${escapeInline(overheadSentence(row.profile))}.`);
    const hottest = row.profile.frames?.hottest.slice(0, FRAMES_SHOWN) ?? [];
    if (hottest.length > 0) lines.push(`  Hottest frames (self time): ${hottest.map((f) => `\`${frameText(f).replaceAll('`', "'")}\``).join('; ')}.`);
    if (row.profile.problem) lines.push(`  Problem: ${escapeInline(row.profile.problem.replace(/\s+/g, ' '))}.`);
  }
  return [...lines, ''];
}

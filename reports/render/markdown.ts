import type { Report } from '../report-schema.ts';
import { LATENCY_LEGEND, buildComparisonTables, metadataPairs, serverSideLines, type EndpointTable, type ServerSideLine } from './comparison-table.ts';

/**
 * report.md: metadata, one comparison table per endpoint, verdict lines, the server-side differences
 * per configuration (report.attribution) and numbered notes.
 * Plain GitHub-flavoured markdown, fit for a CI job summary ($GITHUB_STEP_SUMMARY).
 */
export function renderMarkdown(report: Report): string {
  const { tables, notes } = buildComparisonTables(report);
  const serverSide = serverSideLines(report);
  const lines: string[] = [`# feedscale report: ${escapeInline(report.metadata.plan)}`, ''];
  for (const [label, value] of metadataPairs(report)) lines.push(`- **${label}:** ${escapeInline(value)}`);
  lines.push('', LATENCY_LEGEND, '');
  for (const table of tables) lines.push(...tableSection(table, serverSide), '');
  if (notes.length > 0) {
    lines.push('## Notes', '');
    for (const note of notes) lines.push(`${note.id}. ${escapeInline(note.text)}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function tableSection(table: EndpointTable, serverSide: readonly ServerSideLine[]): string[] {
  const header = `| ${table.columns.map((c) => c.header).join(' | ')} |`;
  const rule = `|${table.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = table.rows.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`);
  const verdict = table.verdictUsable
    ? '**Verdict:** usable.'
    : `**Verdict:** not usable: ${escapeInline(table.unusableReasons.join('; '))}.`;
  const why = serverSide
    .filter((l) => table.configurations.includes(l.configuration))
    .map((l) => `- **Server side**, ${escapeInline(l.configuration)} vs ${escapeInline(l.baseline)}: ${escapeInline(l.text)}.`);
  return [`## ${escapeInline(table.endpoint)}`, '', header, rule, ...rows, '', verdict, ...(why.length > 0 ? ['', ...why] : [])];
}

function escapeCell(text: string): string {
  return escapeInline(text).replaceAll('|', '\\|');
}

/** Names come from user config: keep them from turning into markup. */
function escapeInline(text: string): string {
  return text.replace(/[\\`*_<>[\]]/g, (ch) => `\\${ch}`);
}

import type { Report } from '../report-schema.ts';
import { LATENCY_LEGEND, buildComparisonTables, metadataPairs, serverSideLines, type EndpointTable, type ServerSideLine } from './comparison-table.ts';
import { contentionLines, modelSummaryText, predictionBanner, predictionKneeLines } from '../model/model-table.ts';

/** The comparison for a terminal: the same cells as report.md, in space-aligned columns. */
export function renderTextTables(report: Report): string {
  const { tables, notes } = buildComparisonTables(report);
  const serverSide = serverSideLines(report);
  const pairs = metadataPairs(report);
  const labelWidth = Math.max(...pairs.map(([label]) => label.length));
  const banner = predictionBanner(report);
  const lines: string[] = [`feedscale report${banner ? ' (predicted)' : ''}: ${report.metadata.plan}`, ...(banner ? [banner, ...predictionKneeLines(report)] : []), ''];
  for (const [label, value] of pairs) lines.push(`  ${label.padEnd(labelWidth)}  ${value}`);
  lines.push('', LATENCY_LEGEND, '');
  for (const table of tables) {
    lines.push(...tableBlock(table, serverSide), ...contentionLines(report, table.endpoint).map((l) => `model, ${l.configuration} vs ${l.baseline}: ${l.text}`), '');
  }
  const modelSummary = modelSummaryText(report);
  if (modelSummary) lines.push(`model vs measured (leave one out; report.md has the rows): ${modelSummary}`, '');
  if (notes.length > 0) {
    lines.push('Notes:');
    for (const note of notes) lines.push(`  [${note.id}] ${note.text}`);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function tableBlock(table: EndpointTable, serverSide: readonly ServerSideLine[]): string[] {
  const header = table.columns.map((c) => c.header);
  const widths = header.map((h, i) => Math.max(h.length, ...table.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (table.columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const verdict = table.verdictUsable ? 'verdict: usable' : `verdict: not usable: ${table.unusableReasons.join('; ')}`;
  return [
    table.endpoint,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
    verdict,
    ...serverSide
      .filter((l) => table.configurations.includes(l.configuration))
      .map((l) => `server side, ${l.configuration} vs ${l.baseline}: ${l.text}`),
  ];
}

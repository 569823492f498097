import type { Report } from '../../report-schema.ts';
import { escapeHtml } from '../svg.ts';

/** The comparison tables' numbered notes, and the rows whose repeats could not be merged. */
export function notesSection(report: Report, notes: ReadonlyArray<{ id: string; text: string }>): string {
  const items = notes.map((n) => `<li value="${escapeHtml(n.id)}">${escapeHtml(n.text)}</li>`);
  for (const row of report.summary.filter((r) => !r.histogramsMerged)) {
    const drivers = [...new Set(report.runs.filter((r) => r.configuration === row.configuration).map((r) => r.driver))].join(', ');
    items.push(`<li>${escapeHtml(`${row.configuration} / ${row.endpoint}: the ${drivers} runs exported no histogram, so the ${row.repeats} repeats could not be merged; percentiles are means of per-repeat percentiles.`)}</li>`);
  }
  if (items.length === 0) return '';
  return `<section class="notes"><h2>Notes</h2><ol>${items.join('')}</ol></section>`;
}

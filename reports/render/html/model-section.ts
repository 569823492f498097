import { MODEL_COLUMNS, contentionLines, modelRowCells, modelSummaryText, predictionBanner, predictionKneeLines } from '../../model/model-table.ts';
import type { Report } from '../../report-schema.ts';
import { escapeHtml } from '../svg.ts';

/**
 * "Model vs measured": each measured configuration beside the prediction of a calibration that
 * excluded it (leave one out), with the host-contention sentences per endpoint. Absent when the
 * report has no model section (report.model).
 */
export function modelSection(report: Report): string {
  const model = report.model;
  if (!model) return '';
  const numeric = new Set<number>([3, 4, 5, 6, 7, 8, 9]);
  const head = MODEL_COLUMNS.map((c, i) => `<th${numeric.has(i) ? ' class="n"' : ''}>${escapeHtml(c)}</th>`).join('');
  const rows = model.rows.map((row) => `<tr>${modelRowCells(row).map((cell, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`);
  const endpoints = [...new Set(model.contention.map((c) => c.endpoint))];
  const contention = endpoints.flatMap((e) => contentionLines(report, e).map((l) => `<li><b>${escapeHtml(e)}</b>, ${escapeHtml(l.configuration)} vs ${escapeHtml(l.baseline)}: ${escapeHtml(l.text)}.</li>`));
  const summary = modelSummaryText(report);
  return `<section class="model">
<h2>Model vs measured</h2>
<p class="note">${escapeHtml(`${model.method}; placement: ${model.placement}.`)}</p>
${summary ? `<p>${escapeHtml(summary)}</p>` : ''}
${contention.length > 0 ? `<h3>Host contention or architecture?</h3><ul>${contention.join('')}</ul>` : ''}
<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>
${model.notes.length > 0 ? `<ul class="note">${model.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
</section>`;
}

/**
 * The model's host-contention sentences for one endpoint, for beside its latency table: whether
 * a measured difference to the baseline is the architecture or the containers sharing the cores.
 */
export function contentionBesideTable(report: Report, endpoint: string): string {
  const lines = contentionLines(report, endpoint);
  if (lines.length === 0) return '';
  return `<ul class="note model-contention">${lines.map((l) => `<li><b>Model</b>, ${escapeHtml(l.configuration)} vs ${escapeHtml(l.baseline)}: ${escapeHtml(l.text)}.</li>`).join('')}</ul>`;
}

/** The banner of a predicted report (`feedscale simulate`), or ''. */
export function predictionBannerSection(report: Report): string {
  const banner = predictionBanner(report);
  if (!banner) return '';
  const knees = predictionKneeLines(report).map((l) => `<li>${escapeHtml(l)}</li>`);
  return `<section class="prediction"><p class="lede"><strong>${escapeHtml(banner)}</strong></p>${knees.length > 0 ? `<ul>${knees.join('')}</ul>` : ''}</section>`;
}

import type { Report } from '../../report-schema.ts';
import { LATENCY_LEGEND, metadataPairs } from '../comparison-table.ts';
import { escapeHtml } from '../svg.ts';

/** The report's title, its metadata and how to read the latencies. */
export function headerSection(report: Report): string {
  const rows = metadataPairs(report).map(([label, value]) => `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`);
  return `<header>
<p class="kicker">feedscale report</p>
<h1>${escapeHtml(report.metadata.plan)}</h1>
<dl class="meta">${rows.join('')}</dl>
<p class="lede">${escapeHtml(LATENCY_LEGEND)} Whiskers and bracketed ranges are 95% t-intervals over healthy repeats (paired by repeat against the baseline; docs/statistics.md).</p>
</header>`;
}

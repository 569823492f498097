import type { CapacitySlo, ConfigurationCapacity } from '../../capacity.ts';
import type { Report } from '../../report-schema.ts';
import type { ConfigurationAttribution } from '../../server-summary-schema.ts';
import type { EndpointTable } from '../comparison-table.ts';
import { escapeHtml } from '../svg.ts';
import { badge, swatch } from './elements.ts';
import { percentileChart } from './percentile-chart.ts';
import { stepsChart } from './steps-chart.ts';
import { timelineCharts } from './timeline-charts.ts';
import { vsBaselineTable } from './vs-baseline-table.ts';
import { whyBox } from './why-box.ts';

/** What every endpoint section draws besides its own table. */
export interface EndpointSectionContext {
  colors: ReadonlyMap<string, string>;
  capacity: readonly ConfigurationCapacity[];
  slo: CapacitySlo;
  attribution: readonly ConfigurationAttribution[];
}

/**
 * One endpoint: its percentiles by configuration, its comparison table and the one against the
 * baseline, the server-side "why" beside it, then its timelines and its ramp.
 */
export function endpointSection(report: Report, table: EndpointTable, context: EndpointSectionContext): string {
  const { colors, capacity, slo, attribution } = context;
  const endpoint = table.endpoint;
  const verdict = table.verdictUsable
    ? badge('passed', 'verdict usable')
    : `${badge('inconclusive', 'no verdict')}<span class="why">${escapeHtml(table.unusableReasons.join('; '))}</span>`;
  const rows = report.summary.filter((r) => r.endpoint === endpoint);
  const configurationsHere = rows.map((r) => r.configuration);
  // The p99 ratio CI has its own column in the table against the baseline, with the deltas.
  const shown = table.columns.map((_, j) => j).filter((j) => table.columns[j]!.header !== 'p99 ratio 95% CI');
  const head = shown.map((j) => table.columns[j]!).map((c) => `<th${c.align === 'right' ? ' class="n"' : ''}>${escapeHtml(c.header)}</th>`).join('');
  const body = table.rows
    .map((cells, i) => `<tr>${shown.map((j) => `<td${table.columns[j]?.align === 'right' ? ' class="n"' : ''}>${j === 0 ? swatch(colors.get(configurationsHere[i] ?? '')) : ''}${escapeHtml(cells[j] ?? '')}</td>`).join('')}</tr>`)
    .join('');
  return `<section class="endpoint">
<h2>${escapeHtml(endpoint)} ${verdict}</h2>
${percentileChart(report, endpoint, colors)}
<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>
${vsBaselineTable(report, endpoint, colors)}
${whyBox(attribution.filter((a) => configurationsHere.includes(a.configuration)), colors)}
${timelineCharts(report, endpoint, colors)}
${stepsChart(report, endpoint, colors, capacity, slo)}
</section>`;
}

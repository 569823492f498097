import type { Report } from '../../report-schema.ts';
import type { ServerSummary } from '../../server-summary-schema.ts';
import { hitRatioChart } from './hit-ratio-chart.ts';
import { rawMetricsDetails } from './raw-metrics-details.ts';
import { perShardChart } from './shard-chart.ts';
import { serverSummaryTable } from './summary-table.ts';

/**
 * The server side per configuration: a table of the ServerSummary with units, the cache hit
 * ratio as bars, Postgres load per shard as grouped bars, and the raw collector values folded away.
 * Absent when no run carried server metrics.
 */
export function serverSection(report: Report, colors: ReadonlyMap<string, string>, summaries: readonly ServerSummary[]): string {
  const raw = rawMetricsDetails(report, colors);
  if (raw === '') return '';
  const measured = summaries.filter((s) => s.repeats.length > 0);
  return `<section class="server-side">
<h2>Server side</h2>
<p class="note">Sampled on the servers every second during each run (including warm-up). Means over repeats; small grey numbers give the range over repeats when they differ.</p>
${serverSummaryTable(measured, colors)}
${hitRatioChart(measured, colors)}
${perShardChart(measured, colors)}
${raw}
</section>`;
}

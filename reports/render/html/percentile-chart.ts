import type { Interval, Report } from '../../report-schema.ts';
import { logMeanInterval, MIN_REPEATS_FOR_VERDICT } from '../../stats/intervals.ts';
import { selectRepeats } from '../../stats/repeat-selection.ts';
import { measureRun } from '../../stats/run-metric.ts';
import { formatMs } from '../format.ts';
import { bottomAxis, colorOf, escapeHtml, latencyScale, legend, num, svg, type PlotArea } from '../svg.ts';
import { CHART_WIDTH } from './elements.ts';

const PERCENTILES = [
  { label: 'p50', percentile: 50, key: 'p50Ms' },
  { label: 'p90', percentile: 90, key: 'p90Ms' },
  { label: 'p99', percentile: 99, key: 'p99Ms' },
  { label: 'p99.9', percentile: 99.9, key: 'p999Ms' },
] as const;

/**
 * Dot plot: one band per percentile, one dot per configuration (merged over repeats), whiskers =
 * the t-interval of the per-repeat percentile over healthy repeats (none below the minimum).
 */
export function percentileChart(report: Report, endpoint: string, colors: ReadonlyMap<string, string>): string {
  const rows = report.summary.filter((r) => r.endpoint === endpoint);
  if (rows.length === 0) return '';
  const points = PERCENTILES.map((p) =>
    rows.map((row) => {
      const value = row.fromIntended[p.key];
      const values = selectRepeats(report.runs, row.configuration).healthy.flatMap((run) => {
        const measured = measureRun(run, endpoint, { kind: 'latency', percentile: p.percentile, from: 'intended' });
        return measured.ok ? [measured.value] : [];
      });
      const ci: Interval | null = logMeanInterval(values).ci;
      return { configuration: row.configuration, value, ci };
    }),
  );
  const rowHeight = 22;
  const bandGap = 14;
  const bandHeight = rows.length * rowHeight + bandGap;
  const area: PlotArea = { left: 70, top: 8, width: CHART_WIDTH - 70 - 90, height: PERCENTILES.length * bandHeight };
  const all = points.flat().flatMap((p) => [p.value, p.ci?.low ?? p.value, p.ci?.high ?? p.value]);
  const x = latencyScale(all, area.left, area.left + area.width);
  const parts: string[] = [];
  PERCENTILES.forEach((p, band) => {
    const top = area.top + band * bandHeight;
    if (band % 2 === 0) parts.push(`<rect class="band" x="${area.left}" y="${num(top)}" width="${area.width}" height="${bandHeight}"/>`);
    parts.push(`<text class="band-label" x="${area.left - 10}" y="${num(top + bandHeight / 2 + 4)}" text-anchor="end">${p.label}</text>`);
  });
  parts.push(bottomAxis(x, area, `latency from intended start, ms${x.log ? ' (log scale)' : ''}`));
  PERCENTILES.forEach((_, band) => {
    const top = area.top + band * bandHeight + bandGap / 2;
    points[band]!.forEach((point, i) => {
      const y = top + i * rowHeight + rowHeight / 2;
      const color = colors.get(point.configuration) ?? colorOf(i);
      if (point.ci) {
        const [x1, x2] = [x(point.ci.low), x(point.ci.high)];
        parts.push(`<g class="whisker" stroke="${color}"><line x1="${num(x1)}" y1="${num(y)}" x2="${num(x2)}" y2="${num(y)}"/><line x1="${num(x1)}" y1="${num(y - 5)}" x2="${num(x1)}" y2="${num(y + 5)}"/><line x1="${num(x2)}" y1="${num(y - 5)}" x2="${num(x2)}" y2="${num(y + 5)}"/></g>`);
      }
      const cx = x(point.value);
      parts.push(`<circle cx="${num(cx)}" cy="${num(y)}" r="5" fill="${color}"><title>${escapeHtml(`${point.configuration} ${formatMs(point.value)} ms`)}</title></circle>`);
      const textX = Math.max(cx, point.ci ? x(point.ci.high) : cx) + 9;
      parts.push(`<text class="value" x="${num(textX)}" y="${num(y + 4)}">${escapeHtml(formatMs(point.value))}</text>`);
    });
  });
  const height = area.top + area.height + 44;
  const entries = rows.map((r) => ({ label: r.configuration, color: colors.get(r.configuration) ?? '#000' }));
  return `<figure>${legend(entries)}${svg(CHART_WIDTH, height, `${endpoint}: latency percentiles by configuration`, parts.join(''))}<figcaption>Latency percentiles of ${escapeHtml(endpoint)} per configuration, merged over repeats. Whiskers: 95% t-interval of the per-repeat percentile over healthy repeats (none below ${MIN_REPEATS_FOR_VERDICT} repeats).</figcaption></figure>`;
}

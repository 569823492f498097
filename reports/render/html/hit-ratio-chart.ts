import type { ServerSummary } from '../../server-summary-schema.ts';
import { formatPercent } from '../format.ts';
import { bottomAxis, colorOf, escapeHtml, linearScale, num, svg, type PlotArea } from '../svg.ts';
import { CHART_WIDTH } from './elements.ts';

/** Horizontal bars, one per configuration, 0-100%. */
export function hitRatioChart(summaries: readonly ServerSummary[], colors: ReadonlyMap<string, string>): string {
  const rows = summaries.flatMap((s) => (s.cache?.hitRatio ? [{ name: s.configuration, metric: s.cache.hitRatio }] : []));
  if (rows.length === 0) return '';
  const rowHeight = 30;
  const area: PlotArea = { left: 170, top: 8, width: CHART_WIDTH - 170 - 70, height: rows.length * rowHeight };
  const x = linearScale(0, 100, area.left, area.left + area.width, 5);
  const parts: string[] = [bottomAxis(x, area, 'cache hit ratio, % (mean over repeats; ticks: each repeat)')];
  rows.forEach((row, i) => {
    const y = area.top + i * rowHeight + 6;
    const color = colors.get(row.name) ?? colorOf(i);
    const pct = row.metric.mean * 100;
    parts.push(`<text class="band-label" x="${area.left - 10}" y="${num(y + 13)}" text-anchor="end">${escapeHtml(row.name)}</text>`);
    parts.push(`<rect x="${area.left}" y="${num(y)}" width="${num(Math.max(0, x(pct) - area.left))}" height="18" fill="${color}"><title>${escapeHtml(`${row.name}: ${formatPercent(row.metric.mean)}`)}</title></rect>`);
    for (const v of row.metric.perRepeat) if (v !== null) parts.push(`<line class="repeat-tick" x1="${num(x(v * 100))}" y1="${num(y - 3)}" x2="${num(x(v * 100))}" y2="${num(y + 21)}"/>`);
    parts.push(`<text class="value" x="${num(x(pct) + 8)}" y="${num(y + 13)}">${escapeHtml(formatPercent(row.metric.mean))}</text>`);
  });
  return `<figure>${svg(CHART_WIDTH, area.top + area.height + 44, 'cache hit ratio by configuration', parts.join(''))}<figcaption>Cache hit ratio per configuration: memcached's own counters, or the app's lookups when memcached is not in the stack.</figcaption></figure>`;
}

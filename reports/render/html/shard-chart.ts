import type { ServerSummary } from '../../server-summary-schema.ts';
import { escapeHtml, leftAxis, legend, linearScale, num, svg, type PlotArea } from '../svg.ts';
import { CHART_WIDTH } from './elements.ts';

/** Postgres load per shard as grouped bars, one colour per configuration. */
export function perShardChart(summaries: readonly ServerSummary[], colors: ReadonlyMap<string, string>): string {
  const withShards = summaries.filter((s) => (s.postgres?.shards.length ?? 0) > 0);
  if (withShards.length === 0) return '';
  const shards = [...new Set(withShards.flatMap((s) => s.postgres!.shards.map((x) => x.shard)))].sort((a, b) => a - b);
  const series = withShards.map((s) => ({
    label: s.configuration,
    color: colors.get(s.configuration) ?? '#000',
    values: shards.map((shard) => s.postgres!.shards.find((x) => x.shard === shard)?.xactPerS?.mean ?? 0),
  }));
  return shardChart('Postgres transactions/s per shard, mean over repeats', shards.map((shard) => `shard ${shard}`), series, 'transactions/s');
}

function shardChart(title: string, shards: readonly string[], series: ReadonlyArray<{ label: string; color: string; values: readonly number[] }>, yLabel: string): string {
  const shown = shards.slice(0, 64);
  const area: PlotArea = { left: 80, top: 12, width: CHART_WIDTH - 80 - 24, height: 170 };
  const y = linearScale(0, Math.max(1e-9, ...series.flatMap((s) => s.values.slice(0, shown.length))) * 1.08, area.top + area.height, area.top, 4);
  const slot = area.width / shown.length;
  const barWidth = (slot * 0.75) / Math.max(1, series.length);
  const bars: string[] = [];
  shown.forEach((shard, i) => {
    const x0 = area.left + i * slot + slot * 0.125;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      bars.push(`<rect x="${num(x0 + j * barWidth)}" y="${num(y(v))}" width="${num(Math.max(1, barWidth - 1))}" height="${num(area.top + area.height - y(v))}" fill="${s.color}"><title>${escapeHtml(`${s.label}, ${shard}: ${Number(v.toPrecision(4))}`)}</title></rect>`);
    });
    if (shown.length <= 32) bars.push(`<text class="tick" x="${num(x0 + slot * 0.375)}" y="${num(area.top + area.height + 16)}" text-anchor="middle">${escapeHtml(shard)}</text>`);
  });
  const body = leftAxis(y, area, yLabel) + bars.join('') + `<line class="axis" x1="${area.left}" y1="${area.top + area.height}" x2="${area.left + area.width}" y2="${area.top + area.height}"/><text class="axis-label" x="${num(area.left + area.width / 2)}" y="${num(area.top + area.height + 36)}" text-anchor="middle">shard</text>`;
  const more = shards.length > shown.length ? ` (first ${shown.length} of ${shards.length} shards)` : '';
  return `<figure>${legend(series.map((s) => ({ label: s.label, color: s.color })))}${svg(CHART_WIDTH, area.top + area.height + 44, title, body)}<figcaption>${escapeHtml(title + more)}</figcaption></figure>`;
}

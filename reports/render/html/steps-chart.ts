import type { CapacitySlo, ConfigurationCapacity } from '../../capacity.ts';
import type { Report } from '../../report-schema.ts';
import { formatRps } from '../format.ts';
import { escapeHtml, legend, num, type PlotArea } from '../svg.ts';
import { lineChart, runLabel, type Series } from './line-chart.ts';

/** p99 of one endpoint against the offered rate of each ramp step, with the SLO and each configuration's knee. */
export function stepsChart(report: Report, endpoint: string, colors: ReadonlyMap<string, string>, capacity: readonly ConfigurationCapacity[], slo: CapacitySlo): string {
  const withSteps = report.runs.flatMap((run) => {
    const points = (run.steps ?? []).flatMap((step) => {
      const e = step.endpoints.find((x) => x.endpoint === endpoint);
      return e && e.sent > 0 ? [[step.rateRps, e.p99Ms] as [number, number]] : [];
    });
    return points.length > 0 ? [{ run, points: points.sort((a, b) => a[0] - b[0]) }] : [];
  });
  if (withSteps.length === 0) return '';
  const series: Series[] = withSteps.map(({ run, points }) => ({ label: runLabel(run), color: colors.get(run.configuration) ?? '#000', faded: run.repeat > 0, points }));
  const extra = (x: (v: number) => number, y: (v: number) => number, area: PlotArea) => {
    const parts: string[] = [];
    const sloY = y(slo.p99Ms);
    if (sloY >= area.top) {
      parts.push(`<line class="slo" x1="${area.left}" y1="${num(sloY)}" x2="${area.left + area.width}" y2="${num(sloY)}"/>`);
      parts.push(`<text class="slo-label" x="${area.left + area.width - 4}" y="${num(sloY - 6)}" text-anchor="end">SLO p99 ${escapeHtml(String(slo.p99Ms))} ms</text>`);
    }
    capacity.forEach((c, i) => {
      if (c.sustainedRateRps === null) return;
      const kx = x(c.sustainedRateRps);
      const color = colors.get(c.configuration) ?? '#000';
      parts.push(`<line class="knee" stroke="${color}" x1="${num(kx)}" y1="${area.top}" x2="${num(kx)}" y2="${area.top + area.height}"/>`);
      const rightHalf = kx > area.left + area.width / 2;
      parts.push(`<text class="knee-label" fill="${color}" x="${num(rightHalf ? kx - 5 : kx + 5)}" y="${num(area.top + 14 + i * 16)}" text-anchor="${rightHalf ? 'end' : 'start'}">${escapeHtml(`${c.configuration}: sustains ${formatRps(c.sustainedRateRps)} rps`)}</text>`);
    });
    return parts.join('');
  };
  const entries = [...new Set(withSteps.map((w) => w.run.configuration))].map((c) => ({ label: c, color: colors.get(c) ?? '#000' }));
  const chart = lineChart(series, `${endpoint}: p99 latency against offered rate`, 'offered rate (step), rps', 'p99 latency, ms', extra, [slo.p99Ms]);
  return `<h3>Latency against rate</h3>
<figure>${legend([...entries, { label: 'SLO', color: '#b00020', dashed: true }])}${chart}<figcaption>p99 of ${escapeHtml(endpoint)} in each step of the ramp. Vertical lines: the highest rate every repeat sustained within the SLO on all endpoints (the knee is the next step).</figcaption></figure>`;
}

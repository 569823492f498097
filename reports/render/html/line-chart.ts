import type { RunResult } from '../../../lib/result-schema.ts';
import { bottomAxis, escapeHtml, latencyScale, leftAxis, linearScale, num, svg, type PlotArea } from '../svg.ts';
import { CHART_WIDTH } from './elements.ts';

/** One line of a line chart: a run, coloured by its configuration. */
export interface Series {
  label: string;
  color: string;
  faded: boolean;
  points: Array<[x: number, y: number]>;
}

/** Lines over a linear x axis; a y axis in ms turns logarithmic when the values span orders of magnitude. `extra` draws on top (SLO, knees). */
export function lineChart(
  series: readonly Series[],
  title: string,
  xLabel: string,
  yLabel: string,
  extra: (x: (v: number) => number, y: (v: number) => number, area: PlotArea) => string = () => '',
  yExtra: readonly number[] = [],
): string {
  const area: PlotArea = { left: 80, top: 12, width: CHART_WIDTH - 80 - 24, height: 220 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x = linearScale(Math.min(0, ...xs), Math.max(...xs), area.left, area.left + area.width, 8);
  // Latency past a knee grows by orders of magnitude: a log axis keeps the part under the SLO readable.
  const y = yLabel.includes('ms') ? latencyScale([...ys, ...yExtra], area.top + area.height, area.top) : linearScale(0, Math.max(...ys) * 1.08, area.top + area.height, area.top, 5);
  if (y.log) yLabel = yLabel.replace(', ms', ', ms (log)');
  const lines = series.map((s) => {
    const d = s.points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${num(x(px))},${num(y(py))}`).join('');
    const dots = s.points.length <= 40 ? s.points.map(([px, py]) => `<circle cx="${num(x(px))}" cy="${num(y(py))}" r="3" fill="${s.color}"/>`).join('') : '';
    return `<g class="series${s.faded ? ' faded' : ''}"><path d="${d}" stroke="${s.color}"/>${dots}<title>${escapeHtml(s.label)}</title></g>`;
  });
  const body = bottomAxis(x, area, xLabel) + leftAxis(y, area, yLabel) + extra(x, y, area) + lines.join('');
  return svg(CHART_WIDTH, area.top + area.height + 44, title, body);
}

/** "memcached-on #1": a run in a legend or a tooltip. */
export function runLabel(run: RunResult): string {
  return `${run.configuration} #${run.repeat}`;
}

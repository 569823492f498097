/**
 * Tiny inline-SVG chart kit for report.html: scales, ticks and axes, written by hand so that the
 * report is one file that loads nothing from the network.
 */

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies, and in print. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

export interface Scale {
  (value: number): number;
  ticks: number[];
  log: boolean;
}

/** 1, 2, 5 x 10^k steps giving about `count` ticks over [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Linear scale over [min, max] (extended to nice ticks) onto [from, to] pixels. */
export function linearScale(min: number, max: number, from: number, to: number, tickCount = 5): Scale {
  const lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (hi === lo) hi = lo === 0 ? 1 : lo * 1.1;
  const ticks = niceTicks(lo, hi, tickCount);
  // Close the axis on a tick above the data, so the last grid line frames the plot.
  if (ticks.length >= 2 && ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + ticks[1]! - ticks[0]!).toPrecision(12)));
  const domainLow = Math.min(lo, ticks[0]!);
  const domainHigh = Math.max(hi, ticks[ticks.length - 1]!);
  const scale = ((v: number) => from + ((v - domainLow) / (domainHigh - domainLow)) * (to - from)) as Scale;
  scale.ticks = ticks;
  scale.log = false;
  return scale;
}

/** Log10 scale for values spanning orders of magnitude (latency percentiles); ticks at 1, 2, 5 x 10^k. */
export function logScale(min: number, max: number, from: number, to: number): Scale {
  const lo = 10 ** Math.floor(Math.log10(Math.max(min, 1e-3)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(max, lo * 10)));
  const scale = ((v: number) => from + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (to - from)) as Scale;
  const decades = Math.log10(hi / lo);
  const multipliers = decades > 3 ? [1] : decades > 1 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7];
  const ticks: number[] = [];
  for (let p = lo; p <= hi * 1.0001; p *= 10) for (const m of multipliers) if (p * m <= hi * 1.0001) ticks.push(Number((p * m).toPrecision(6)));
  scale.ticks = ticks;
  scale.log = true;
  return scale;
}

/** A latency scale: log when the values span more than 20x, else linear from 0. */
export function latencyScale(values: readonly number[], from: number, to: number): Scale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return linearScale(0, 1, from, to);
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  return max / min > 20 ? logScale(min, max, from, to) : linearScale(0, max * 1.05, from, to);
}

export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10_000) return `${Number((value / 1000).toPrecision(3))}k`;
  if (abs >= 1) return String(Number(value.toPrecision(4)));
  return String(Number(value.toPrecision(2)));
}

export function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Horizontal (bottom) axis with grid lines and a label carrying the unit. */
export function bottomAxis(scale: Scale, area: PlotArea, label: string): string {
  const y = area.top + area.height;
  const parts = [`<line class="axis" x1="${num(area.left)}" y1="${num(y)}" x2="${num(area.left + area.width)}" y2="${num(y)}"/>`];
  for (const t of scale.ticks) {
    const x = scale(t);
    parts.push(`<line class="grid" x1="${num(x)}" y1="${num(area.top)}" x2="${num(x)}" y2="${num(y)}"/>`);
    parts.push(`<text class="tick" x="${num(x)}" y="${num(y + 16)}" text-anchor="middle">${escapeHtml(formatTick(t))}</text>`);
  }
  parts.push(`<text class="axis-label" x="${num(area.left + area.width / 2)}" y="${num(y + 36)}" text-anchor="middle">${escapeHtml(label)}</text>`);
  return parts.join('');
}

/** Vertical (left) axis with grid lines and a rotated label carrying the unit. */
export function leftAxis(scale: Scale, area: PlotArea, label: string): string {
  const parts = [`<line class="axis" x1="${num(area.left)}" y1="${num(area.top)}" x2="${num(area.left)}" y2="${num(area.top + area.height)}"/>`];
  for (const t of scale.ticks) {
    const y = scale(t);
    parts.push(`<line class="grid" x1="${num(area.left)}" y1="${num(y)}" x2="${num(area.left + area.width)}" y2="${num(y)}"/>`);
    parts.push(`<text class="tick" x="${num(area.left - 6)}" y="${num(y + 4)}" text-anchor="end">${escapeHtml(formatTick(t))}</text>`);
  }
  const cx = area.left - 46;
  const cy = area.top + area.height / 2;
  parts.push(`<text class="axis-label" x="${num(cx)}" y="${num(cy)}" text-anchor="middle" transform="rotate(-90 ${num(cx)} ${num(cy)})">${escapeHtml(label)}</text>`);
  return parts.join('');
}

export function svg(width: number, height: number, title: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>${body}</svg>`;
}

/** A legend row of coloured swatches, as HTML (wraps and prints better than SVG text). */
export function legend(entries: ReadonlyArray<{ label: string; color: string; dashed?: boolean }>): string {
  const items = entries.map(
    (e) => `<li><span class="swatch${e.dashed ? ' dashed' : ''}" style="--c:${e.color}"></span>${escapeHtml(e.label)}</li>`,
  );
  return `<ul class="legend">${items.join('')}</ul>`;
}

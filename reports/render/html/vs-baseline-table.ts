import type { Interval, Report, VsBaseline } from '../../report-schema.ts';
import { methodLabel } from '../../stats/intervals.ts';
import { formatMs, formatRatio } from '../format.ts';
import { escapeHtml } from '../svg.ts';
import { swatch } from './elements.ts';

function interval(ci: Interval | null): string {
  return ci ? `<span class="ci">[${escapeHtml(formatRatio(ci.low))}, ${escapeHtml(formatRatio(ci.high))}]</span>` : '<span class="ci">no CI</span>';
}

function signedMs(value: number): string {
  return `${value > 0 ? '+' : ''}${formatMs(value)}`;
}

/** p50 and p99 deltas and ratios of each configuration against the baseline, with the ratios' CIs. */
export function vsBaselineTable(report: Report, endpoint: string, colors: ReadonlyMap<string, string>): string {
  const comparison = report.comparison.endpoints.find((e) => e.endpoint === endpoint);
  const entries = (comparison?.entries ?? []).filter((e): e is typeof e & { vsBaseline: VsBaseline } => e.vsBaseline !== undefined);
  if (entries.length === 0) return '';
  const methods = new Set<string>();
  const rows = entries.map(({ configuration, vsBaseline: v }) => {
    methods.add(v.method === 'none' ? `${configuration}: no CI (${v.ciUnavailableReason}).` : `${configuration}: ${methodLabel(v.method, v)}.`);
    return `<tr><td class="name">${swatch(colors.get(configuration))}${escapeHtml(configuration)}</td>` +
      `<td class="n">${escapeHtml(signedMs(v.p50.deltaMs))}</td>` +
      `<td class="n">${escapeHtml(formatRatio(v.p50.ratio))} ${interval(v.p50.ratioCi)}</td>` +
      `<td class="n">${escapeHtml(signedMs(v.p99.deltaMs))}</td>` +
      `<td class="n">${escapeHtml(formatRatio(v.p99.ratio))} ${interval(v.p99.ratioCi)}</td>` +
      `<td class="n">${v.repeatsBaseline} / ${v.repeatsCandidate}</td></tr>`;
  });
  return `<h3>Against the baseline (${escapeHtml(report.comparison.baseline)})</h3>
<div class="scroll"><table><thead><tr><th>configuration</th><th class="n">p50 delta ms</th><th class="n">p50 ratio [95% CI]</th><th class="n">p99 delta ms</th><th class="n">p99 ratio [95% CI]</th><th class="n">healthy repeats<br>base / this</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
<p class="note">Delta = this configuration's merged percentile minus the baseline's. Ratio = the geometric mean of the per-repeat ratios this / baseline, with its t-interval over healthy repeats (paired: repeat i of both ran back to back; docs/statistics.md): ${escapeHtml([...methods].join(' '))}</p>`;
}

import type { Interval, Report, VsBaseline } from '../../report-schema.ts';
import { formatMs, formatRatio } from '../format.ts';
import { escapeHtml } from '../svg.ts';
import { swatch } from './elements.ts';

function interval(ci: Interval | null, format: (v: number) => string): string {
  return ci ? `<span class="ci">[${escapeHtml(format(ci.low))}, ${escapeHtml(format(ci.high))}]</span>` : '<span class="ci">no CI</span>';
}

function signedMs(value: number): string {
  return `${value > 0 ? '+' : ''}${formatMs(value)}`;
}

/** p50 and p99 deltas and ratios of each configuration against the baseline, with their CIs. */
export function vsBaselineTable(report: Report, endpoint: string, colors: ReadonlyMap<string, string>): string {
  const comparison = report.comparison.endpoints.find((e) => e.endpoint === endpoint);
  const entries = (comparison?.entries ?? []).filter((e): e is typeof e & { vsBaseline: VsBaseline } => e.vsBaseline !== undefined);
  if (entries.length === 0) return '';
  const ratio = (v: number) => formatRatio(v);
  const methods = new Set<string>();
  const rows = entries.map(({ configuration, vsBaseline: v }) => {
    methods.add(
      v.method === 'none'
        ? `${configuration}: no CI (${v.ciUnavailableReason}).`
        : `${configuration}: ${v.method === 'paired-repeats' ? 'repeats resampled in pairs (interleaved runs)' : 'repeats resampled independently'}, ${v.resamples} resamples.`,
    );
    return `<tr><td class="name">${swatch(colors.get(configuration))}${escapeHtml(configuration)}</td>` +
      `<td class="n">${escapeHtml(signedMs(v.p50.deltaMs))} ${interval(v.p50.deltaCiMs, signedMs)}</td>` +
      `<td class="n">${escapeHtml(formatRatio(v.p50.ratio))} ${interval(v.p50.ratioCi, ratio)}</td>` +
      `<td class="n">${escapeHtml(signedMs(v.p99.deltaMs))} ${interval(v.p99.deltaCiMs, signedMs)}</td>` +
      `<td class="n">${escapeHtml(formatRatio(v.p99.ratio))} ${interval(v.p99.ratioCi, ratio)}</td>` +
      `<td class="n">${v.repeatsBaseline} / ${v.repeatsCandidate}</td></tr>`;
  });
  return `<h3>Against the baseline (${escapeHtml(report.comparison.baseline)})</h3>
<div class="scroll"><table><thead><tr><th>configuration</th><th class="n">p50 delta ms [95% CI]</th><th class="n">p50 ratio [95% CI]</th><th class="n">p99 delta ms [95% CI]</th><th class="n">p99 ratio [95% CI]</th><th class="n">repeats<br>base / this</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
<p class="note">Delta = this configuration minus the baseline; ratio = this / baseline. Bootstrap over repeats: ${escapeHtml([...methods].join(' '))}</p>`;
}

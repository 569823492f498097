import { formatValue, type GateResult } from '../../gate/evaluate-gate.ts';
import { pairingSentence } from '../gate-markdown.ts';
import { escapeHtml } from '../svg.ts';
import { badge } from './elements.ts';

/** The gate's verdict and one row per threshold, when a gate judged the report. */
export function gateSection(gate: GateResult): string {
  const rows = gate.evaluations.map((e) => {
    const v = (x: number | null) => (x === null ? 'n/a' : formatValue(x, e.unit));
    return `<tr><td><code>${escapeHtml(e.expression)}</code></td><td>${escapeHtml(e.endpoint)}</td><td>${badge(e.status)}</td><td class="n">${escapeHtml(v(e.observed))}</td><td class="n">${escapeHtml(v(e.limit))}</td><td class="n">${e.ci ? escapeHtml(`${v(e.ci.low)} – ${v(e.ci.high)}`) : 'n/a'}</td><td>${escapeHtml(e.methodText || '-')}</td><td class="reason">${escapeHtml(e.reason)}</td></tr>`;
  });
  const versus = gate.baseline ? ` against <strong>${escapeHtml(gate.baseline.configuration)}</strong>` : '';
  return `<section class="gate">
<h2>Gate ${badge(gate.verdict, gate.verdict.toUpperCase())}</h2>
<p>Candidate <strong>${escapeHtml(gate.candidate.configuration)}</strong>${versus}; exit code ${gate.exitCode}${gate.errorCode ? ` (${escapeHtml(gate.errorCode)})` : ''}.</p>
<p class="note">${escapeHtml(pairingSentence(gate))}</p>
<div class="scroll"><table><thead><tr><th>threshold</th><th>endpoint</th><th>status</th><th class="n">observed</th><th class="n">limit</th><th class="n">${Math.round(gate.confidence * 100)}% CI</th><th>interval</th><th>reason</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
</section>`;
}

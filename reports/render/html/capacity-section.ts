import type { CapacitySlo, ConfigurationCapacity } from '../../capacity.ts';
import { formatRps } from '../format.ts';
import { escapeHtml } from '../svg.ts';
import { swatch } from './elements.ts';

/** The sustained rate under the SLO per configuration, for ramp runs. */
export function capacitySection(capacity: readonly ConfigurationCapacity[], slo: CapacitySlo, colors: ReadonlyMap<string, string>): string {
  const rows = capacity.map((c) => {
    const knees = c.runs.map((r) => (r.kneeRateRps === null ? (r.limitedBy === 'generator' ? 'generator fell behind' : 'not reached') : `${formatRps(r.kneeRateRps)}`)).join(', ');
    // A rate the search did not break is a lower bound, never a capacity.
    const atLeast = c.lowerBound ? '&ge; ' : '';
    const why = c.lowerBound ? ` <span class="note">(${c.limitedBy === 'generator' ? 'load generator saturated first' : 'every step met the SLO'})</span>` : '';
    return `<tr><td>${swatch(colors.get(c.configuration))}${escapeHtml(c.configuration)}</td><td class="n">${c.sustainedRateRps === null ? 'below the lowest step' : `${atLeast}${formatRps(c.sustainedRateRps)}${why}`}</td><td class="n">${escapeHtml(knees)}</td><td class="n">${c.usersSupported === null ? 'n/a' : `${atLeast}${escapeHtml(formatUsers(c.usersSupported))}`}</td><td class="n">${c.runs.length}</td></tr>`;
  });
  return `<section>
<h2>Capacity under the SLO</h2>
<p class="note">SLO: p99 &le; ${escapeHtml(String(slo.p99Ms))} ms on every endpoint and at most ${escapeHtml(String(slo.errorRateMax * 100))}% errors per step. Sustained rate: the highest step rate that this and every lower step met, lowest over repeats; &ge; marks a lower bound (the search ended before the SLO broke), never a capacity. Users: the sustained rate at 2011 per-user request rates (14M users, 25 uploads/s and the derived mix).</p>
<table><thead><tr><th>configuration</th><th class="n">sustained rps</th><th class="n">first failing step rps (per repeat)</th><th class="n">users supported</th><th class="n">repeats</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

function formatUsers(users: number): string {
  if (users >= 1e6) return `${(users / 1e6).toFixed(2)}M`;
  if (users >= 1e3) return `${(users / 1e3).toFixed(1)}k`;
  return String(Math.round(users));
}

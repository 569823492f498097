import type { ConfigurationAttribution } from '../../server-summary-schema.ts';
import { escapeHtml } from '../svg.ts';
import { swatch } from './elements.ts';

/** The server-side differences beside an endpoint's comparison: the "why" of its latency change. */
export function whyBox(attribution: readonly ConfigurationAttribution[], colors: ReadonlyMap<string, string>): string {
  if (attribution.length === 0) return '';
  const blocks = attribution.map((a) => {
    const head = `<p class="why-head">${swatch(colors.get(a.configuration))}<strong>${escapeHtml(a.configuration)}</strong> vs ${escapeHtml(a.baseline)}, server side</p>`;
    if (a.unavailableReason) return `${head}<p class="note">${escapeHtml(a.unavailableReason)}.</p>`;
    if (a.items.length === 0) return `${head}<p class="note">No notable difference.</p>`;
    return `${head}<ol>${a.items.map((i) => `<li>${escapeHtml(i.sentence)}</li>`).join('')}</ol>`;
  });
  return `<aside class="why-box"><h4>Why: what changed on the servers</h4>${blocks.join('')}<p class="note">Largest first; candidate value before “vs”, baseline after. Means over repeats; a difference the repeats straddle is left out.</p></aside>`;
}

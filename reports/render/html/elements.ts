import { escapeHtml } from '../svg.ts';

/** Pieces every section of report.html uses: the chart width, status badges and colour swatches. */

/** Width of every chart's viewBox; the page is 960 px wide at most (stylesheet.ts). */
export const CHART_WIDTH = 880;

/** A pill coloured by status (passed, failed, inconclusive: stylesheet.ts). */
export function badge(status: string, text = status): string {
  return `<span class="badge ${escapeHtml(status)}">${escapeHtml(text)}</span>`;
}

/** The dot of a configuration's colour before its name; nothing when it has none. */
export function swatch(color: string | undefined): string {
  return color ? `<span class="swatch" style="--c:${color}"></span>` : '';
}

import type { ServerMetrics } from '../../../lib/server-metrics-schema.ts';
import type { Report } from '../../report-schema.ts';
import { meanOf } from '../../server-side/aggregates.ts';
import { escapeHtml, num } from '../svg.ts';
import { swatch } from './elements.ts';

/**
 * Every number the collectors recorded, whatever ServerSummary makes of it: each collector's
 * output is walked as plain data, so a field a collector gains shows here before any summary
 * knows it.
 */

/** Numeric leaves of an unknown value, by dotted path; bounded so a huge blob cannot swamp the page. */
function numericLeaves(value: unknown, prefix = '', depth = 0, out: Array<[string, number]> = []): Array<[string, number]> {
  if (out.length >= 80 || depth > 5) return out;
  if (typeof value === 'number' && Number.isFinite(value)) out.push([prefix || 'value', value]);
  else if (isTimeSeries(value)) return out;
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) numericLeaves(child, prefix ? `${prefix}.${key}` : key, depth + 1, out);
  }
  return out;
}

/** Sample series (arrays of points with a time, or long arrays) are summarized elsewhere; a table of them would be noise. */
function isTimeSeries(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  return value.length > 32 || value.some((item) => item !== null && typeof item === 'object' && 'tS' in (item as object));
}

function isRatioPath(path: string, value: number): boolean {
  return /(hit.?ratio|hit.?rate)$/i.test(path) && value >= 0 && value <= 1;
}

function serverValue(path: string, values: readonly number[]): string {
  if (values.length === 0) return '<td class="n">–</td>';
  const v = meanOf(values)!;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (isRatioPath(path, v)) {
    const range = max > min ? ` <span class="ci">${(min * 100).toFixed(1)}–${(max * 100).toFixed(1)}</span>` : '';
    return `<td class="n"><span class="meter"><span style="width:${num(v * 100)}%"></span></span>${escapeHtml((v * 100).toFixed(1))}%${range}</td>`;
  }
  const show = (x: number) => String(Number(x.toPrecision(4)));
  const range = max > min ? ` <span class="ci">${escapeHtml(show(min))}–${escapeHtml(show(max))}</span>` : '';
  return `<td class="n">${escapeHtml(show(v))}${range}</td>`;
}

/** Each collector's output by its key in ServerMetrics ("apps", "memcached", ...), as data to display. */
function collectorsOf(server: ServerMetrics): Map<string, unknown> {
  const entries: Array<[string, unknown]> = Object.entries(server);
  return new Map(entries.filter(([, output]) => output !== undefined));
}

/** Numeric leaves of each collector's output, per configuration: everything, for the curious. */
export function rawMetricsDetails(report: Report, colors: ReadonlyMap<string, string>): string {
  const runs = report.runs.flatMap((r) => (r.server ? [{ configuration: r.configuration, collectors: collectorsOf(r.server) }] : []));
  if (runs.length === 0) return '';
  const configurations = report.configurations.map((c) => c.name).filter((name) => runs.some((r) => r.configuration === name));
  const collectors = [...new Set(runs.flatMap((r) => [...r.collectors.keys()]))].sort();
  const head = configurations.map((name) => `<th class="n">${swatch(colors.get(name))}${escapeHtml(name)}</th>`).join('');
  const blocks = collectors.map((collector) => {
    const byConfiguration = configurations.map((name) => runs.filter((r) => r.configuration === name && r.collectors.has(collector)).map((r) => new Map(numericLeaves(r.collectors.get(collector)))));
    const paths = [...new Set(byConfiguration.flat().flatMap((m) => [...m.keys()]))];
    const rows = paths.map((path) => {
      const cells = byConfiguration.map((maps) => serverValue(path, maps.flatMap((m) => (m.has(path) ? [m.get(path)!] : []))));
      return `<tr><td><code>${escapeHtml(path)}</code></td>${cells.join('')}</tr>`;
    });
    const table = rows.length > 0
      ? `<div class="scroll"><table><thead><tr><th>metric</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p class="note">No numeric values recorded.</p>';
    return `<h4>${escapeHtml(collector)}</h4>${table}`;
  });
  return `<details class="raw"><summary>Raw collector values (${escapeHtml(collectors.join(', '))})</summary><p class="note">Every numeric value the collectors recorded outside their time series, by path; means over repeats, with the range when repeats differ.</p>${blocks.join('\n')}</details>`;
}

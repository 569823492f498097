import type { Report } from '../../report-schema.ts';
import { FRAMES_SHOWN, type ProfileRow, changeCell, frameCost, profileLede, profileRows, signedPercent } from '../profile-summary.ts';
import { escapeHtml } from '../svg.ts';
import { swatch } from './elements.ts';

function runLabel(row: ProfileRow): string {
  return `${row.configuration} · repeat ${row.repeat}${row.attempt > 0 ? ` (attempt ${row.attempt + 1})` : ''}`;
}

function overheadCells(row: ProfileRow): string {
  const o = row.profile.overhead;
  if (!o) return '<td class="n" colspan="3">no unprofiled instance to compare with</td>';
  const cpu = o.cpuChange === null || o.profiled.cpuPercentMean === null || o.others.cpuPercentMean === null
    ? 'n/a'
    : `${signedPercent(o.cpuChange)} (${o.profiled.cpuPercentMean.toFixed(1)} vs ${o.others.cpuPercentMean.toFixed(1)}%)`;
  return [changeCell(o.p50Change, o.profiled.p50Ms, o.others.p50Ms), changeCell(o.p99Change, o.profiled.p99Ms, o.others.p99Ms), cpu]
    .map((text) => `<td class="n">${escapeHtml(text)}</td>`)
    .join('');
}

/**
 * Profiles (`feedscale run --profile`): per run, the link to clinic's page (a file in the job
 * folder, beside the run's result: a link, nothing is fetched), the profiled instance's overhead
 * against the unprofiled ones, and flame's hottest frames. Empty when no run was profiled.
 */
export function profileSection(report: Report, colors: ReadonlyMap<string, string>, jobFolderHref = ''): string {
  const rows = profileRows(report, jobFolderHref);
  if (rows.length === 0) return '';
  const body = rows.map((row) => {
    const link = row.href
      ? `<a href="${escapeHtml(row.href)}">${escapeHtml(`${row.profile.instance} · clinic ${row.profile.tool}`)}</a>`
      : `${escapeHtml(`${row.profile.instance} · clinic ${row.profile.tool}`)} (no page)`;
    const analysis = row.profile.analysisS === undefined ? '' : `${row.profile.analysisS.toFixed(0)} s`;
    return `<tr><td class="name">${swatch(colors.get(row.configuration))}${escapeHtml(runLabel(row))}</td><td>${link}</td>${overheadCells(row)}<td class="n">${escapeHtml(analysis)}</td></tr>`;
  });
  const details = rows.flatMap((row) => {
    const parts: string[] = [];
    const frames = row.profile.frames;
    if (frames && frames.hottest.length > 0) {
      const items = frames.hottest.slice(0, FRAMES_SHOWN).map((f) => `<li><code>${escapeHtml(f.name)}</code>${escapeHtml(frameCost(f))}</li>`);
      parts.push(`<p class="note">Hottest frames, ${escapeHtml(runLabel(row))} (self time, of ${frames.busySamples} busy samples):</p><ol>${items.join('')}</ol>`);
    }
    if (row.profile.problem) parts.push(`<p class="note">${escapeHtml(`${runLabel(row)}: ${row.profile.problem}`)}</p>`);
    return parts;
  });
  return `<section class="profiles"><h2>Profiles</h2>
<p class="lede">${escapeHtml(profileLede(rows))}</p>
<div class="scroll"><table><thead><tr><th>run</th><th>clinic output</th><th class="n">p50 upstream</th><th class="n">p99 upstream</th><th class="n">CPU</th><th class="n">analysis</th></tr></thead><tbody>${body.join('')}</tbody></table></div>
${details.join('\n')}</section>`;
}

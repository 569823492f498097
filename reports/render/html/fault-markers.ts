import type { FaultRecord, RunResult } from '../../../lib/result-schema.ts';
import { escapeHtml, num, type PlotArea } from '../svg.ts';

/** A fault as a chart shows it: what, when, and the error window of the run it hit. */
export interface FaultMark {
  label: string;
  startS: number;
  endS: number | null;
  errorWindow: { firstS: number; lastS: number } | null;
}

/** "kill app-1", "netem redis": a fault in a legend or a label. */
export function faultLabel(fault: Pick<FaultRecord, 'kind' | 'target'>): string {
  return `${fault.kind} ${fault.target}`;
}

/** Every run's faults as marks (runs of one plan share their faults; each has its own error window). */
export function faultMarks(runs: readonly RunResult[]): FaultMark[] {
  return runs.flatMap((run) =>
    (run.faults ?? []).map((f) => ({ label: faultLabel(f), startS: f.startS, endS: f.endS, errorWindow: f.errorWindow ? { firstS: f.errorWindow.firstS, lastS: f.errorWindow.lastS } : null })),
  );
}

/**
 * Draws faults on a time chart (lineChart's `extra`): the error window (first to last failed
 * request) as a red band, the fault's own span (until restart, unpause, netem off) as a grey band,
 * and a dashed line at its start with its label. Styles inline, so the chart needs no stylesheet.
 */
export function drawFaultMarks(marks: readonly FaultMark[]): (x: (v: number) => number, y: (v: number) => number, area: PlotArea) => string {
  return (x, _y, area) => {
    const top = area.top;
    const bottom = area.top + area.height;
    const clamp = (px: number) => Math.min(area.left + area.width, Math.max(area.left, px));
    const labelled = new Set<string>();
    return marks
      .map((m) => {
        const parts: string[] = [];
        const x0 = clamp(x(m.startS));
        if (m.endS !== null && m.endS > m.startS) {
          parts.push(`<rect x="${num(x0)}" y="${top}" width="${num(Math.max(1, clamp(x(m.endS)) - x0))}" height="${area.height}" fill="#888" fill-opacity="0.12"><title>${escapeHtml(`${m.label}: ${m.startS} s to ${m.endS} s`)}</title></rect>`);
        }
        if (m.errorWindow) {
          const ex0 = clamp(x(m.errorWindow.firstS));
          parts.push(
            `<rect x="${num(ex0)}" y="${top}" width="${num(Math.max(2, clamp(x(m.errorWindow.lastS)) - ex0))}" height="${area.height}" fill="#d62728" fill-opacity="0.18"><title>${escapeHtml(`${m.label}: requests failed from ${m.errorWindow.firstS} s to ${m.errorWindow.lastS} s`)}</title></rect>`,
          );
        }
        parts.push(`<line x1="${num(x0)}" y1="${top}" x2="${num(x0)}" y2="${bottom}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>`);
        const key = `${m.label}@${Math.round(m.startS)}`;
        if (!labelled.has(key)) {
          labelled.add(key);
          parts.push(`<text x="${num(x0 + 4)}" y="${top + 12}" font-size="12" fill="#d62728">${escapeHtml(m.label)}</text>`);
        }
        return `<g class="fault">${parts.join('')}</g>`;
      })
      .join('');
  };
}

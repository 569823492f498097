import type { RunResult, TimelinePoint } from '../../../lib/result-schema.ts';
import type { Report } from '../../report-schema.ts';
import { legend } from '../svg.ts';
import { drawFaultMarks, faultMarks } from './fault-markers.ts';
import { lineChart, runLabel, type Series } from './line-chart.ts';

/** p99 and throughput of one endpoint over the measured window, one line per run. */
export function timelineCharts(report: Report, endpoint: string, colors: ReadonlyMap<string, string>): string {
  const withTimeline = report.runs.flatMap((run) => {
    const result = run.endpoints.find((e) => e.endpoint === endpoint);
    return result?.timeline && result.timeline.length > 0 ? [{ run, timeline: result.timeline }] : [];
  });
  if (withTimeline.length === 0) return '';
  const series = (pick: (p: TimelinePoint) => number, keep: (p: TimelinePoint, run: RunResult) => boolean): Series[] =>
    withTimeline.map(({ run, timeline }) => ({
      label: runLabel(run),
      color: colors.get(run.configuration) ?? '#000',
      faded: run.repeat > 0,
      points: timeline.filter((p) => keep(p, run)).map((p) => [p.tS, pick(p)] as [number, number]),
    }));
  // An interval with no completed request has no p99 (the point says 0): leave a gap, not a dip.
  const hasLatency = (p: TimelinePoint) => p.count === undefined || p.count > 0;
  const entries = [...new Set(withTimeline.map((w) => w.run.configuration))].map((c) => ({ label: c, color: colors.get(c) ?? '#000' }));
  // Faults the plan injected: a dashed line at each start, its span grey, its error window red.
  const marks = faultMarks(withTimeline.map((w) => w.run));
  const faults = marks.length > 0 ? drawFaultMarks(marks) : undefined;
  return `<h3>Over time</h3>
<figure>${legend(entries)}${lineChart(series((p) => p.p99Ms, hasLatency), `${endpoint}: p99 over time`, 'time since start of measurement, s', 'p99 latency, ms', faults)}
${lineChart(series((p) => p.rps, isFullInterval), `${endpoint}: throughput over time`, 'time since start of measurement, s', 'throughput, rps', faults)}
<figcaption>One line per run; later repeats drawn lighter. Throughput leaves out intervals shorter than a second (the drain after the measured window).${
    faults ? ' Dashed red lines: faults the plan injected; red bands: their error windows (first to last failed request); grey: until the fault ended (restart, unpause).' : ''
  }</figcaption></figure>`;
}

/** Width of a timeline point when the result does not say (scenarios/engines/timeline-series.ts). */
const TIMELINE_INTERVAL_S = 1;

/**
 * Whether a timeline point covers a whole interval inside the measured window. Its rate of a
 * shorter interval (the requests still draining after the window ends) would plunge towards 0.
 * Tolerant of what the engine may add: an explicit `partial` flag or an `intervalS` width.
 */
export function isFullInterval(point: TimelinePoint, run: Pick<RunResult, 'durationS'>): boolean {
  const marks = point as TimelinePoint & { partial?: unknown; intervalS?: unknown };
  if (marks.partial === true) return false;
  const intervalS = typeof marks.intervalS === 'number' ? marks.intervalS : TIMELINE_INTERVAL_S;
  if (intervalS < TIMELINE_INTERVAL_S - 1e-9) return false;
  // Point tS is the end of its interval; past the window's end the interval is (partly) drain.
  return run.durationS <= 0 || point.tS <= run.durationS + 1e-6;
}

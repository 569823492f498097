import type { ProfileFrame, RunProfile } from '../../lib/profile-schema.ts';
import type { Report } from '../report-schema.ts';
import { formatMs, formatPercent } from './format.ts';

/**
 * What report.html and report.md say about profiled runs (`feedscale run --profile`): one row per
 * run that had an app instance under clinic, with the link to clinic's page, the overhead
 * against the unprofiled instances of the same run, and flame's hottest frames. Pure.
 */
export interface ProfileRow {
  configuration: string;
  /** 1-based, as the report shows repeats. */
  repeat: number;
  attempt: number;
  profile: RunProfile;
  /** clinic's page as a link from the report; absent when clinic wrote none. */
  href?: string;
}

/** Frames listed per run in the report (the result keeps more). */
export const FRAMES_SHOWN = 3;

/** A path relative to the job folder as a link from the report (`jobFolderHref`: '' or '../'), each segment escaped. */
export function hrefOf(path: string, jobFolderHref = ''): string {
  return `${jobFolderHref}${path.split('/').map(encodeURIComponent).join('/')}`;
}

export function profileRows(report: Report, jobFolderHref = ''): ProfileRow[] {
  const order = new Map(report.configurations.map((c, i) => [c.name, i]));
  return report.runs
    .filter((r) => r.profile !== undefined)
    .map((r) => ({
      configuration: r.configuration,
      repeat: r.repeat + 1,
      attempt: r.attempt,
      profile: r.profile!,
      ...(r.profile!.htmlPath ? { href: hrefOf(r.profile!.htmlPath, jobFolderHref) } : {}),
    }))
    .sort((a, b) => (order.get(a.configuration) ?? 0) - (order.get(b.configuration) ?? 0) || a.repeat - b.repeat || a.attempt - b.attempt);
}

/** A relative change with its sign: 0.123 -> "+12.3%", -0.05 -> "-5.0%". */
export function signedPercent(change: number): string {
  return `${change >= 0 ? '+' : ''}${formatPercent(change)}`;
}

/** "+12.3% (4.12 vs 3.67 ms)": the profiled instance's figure against the others'. */
export function changeCell(change: number, profiledMs: number, othersMs: number): string {
  return `${signedPercent(change)} (${formatMs(profiledMs)} vs ${formatMs(othersMs)} ms)`;
}

/** One sentence: "profiled instance app-0: +12.3% p50, +45.6% p99 upstream time, +30.0% CPU vs app-1 (same run)". */
export function overheadSentence(profile: RunProfile): string {
  const o = profile.overhead;
  if (!o) return `profiled instance ${profile.instance}: no overhead figure (a single app instance, or no nginx log to compare with)`;
  const cpu = o.cpuChange === null ? '' : `, ${signedPercent(o.cpuChange)} CPU`;
  return `profiled instance ${profile.instance}: ${signedPercent(o.p50Change)} p50, ${signedPercent(o.p99Change)} p99 upstream time${cpu} vs ${o.others.instances.join(', ')} (same run)`;
}

/** " (system/feed/feed-reads.ts:42): 12.3% self, 40.1% inclusive": what follows a frame's name. */
export function frameCost(frame: ProfileFrame): string {
  return `${frame.source ? ` (${frame.source})` : ''}: ${formatPercent(frame.selfShare)} self, ${formatPercent(frame.inclusiveShare)} inclusive`;
}

/** "readFeed (system/feed/feed-reads.ts:42): 12.3% self, 40.1% inclusive". */
export function frameText(frame: ProfileFrame): string {
  return `${frame.name}${frameCost(frame)}`;
}

/** What the reader is told once, above the rows. */
export function profileLede(rows: readonly ProfileRow[]): string {
  const tools = [...new Set(rows.map((r) => r.profile.tool))].join(', ');
  const instances = [...new Set(rows.map((r) => r.profile.instance))].join(', ');
  const lede =
    `${instances} ran under clinic ${tools} in every run below; the other app instances ran as usual, so the overhead is the profiled ` +
    "instance against them in the same run (upstream time from nginx's log, CPU from docker stats).";
  if (!rows.some((r) => r.profile.frames)) return lede;
  return (
    `${lede} Frame shares are of the request path: the busy samples of the profile (warm-up and measured window), leaving out the idle ` +
    'event loop and module loading; native frames (syscalls, V8) are charged to the JavaScript function that called them, as clinic flame shows by default.'
  );
}

import type { RunResult } from '../../lib/result-schema.ts';

/**
 * report.md's fault and audit sections: every fault each run injected (start, end, error window,
 * p99 and hit-ratio recovery, a failed-over shard's writes back) and the acknowledged-writes audit
 * per write type. Empty when no run had either. Cells are escaped by `escape`.
 */
export function faultAndAuditLines(runs: readonly RunResult[], escape: (text: string) => string): string[] {
  const lines: string[] = [];
  const withFaults = runs.filter((r) => r.faults && r.faults.length > 0);
  if (withFaults.length > 0) {
    lines.push('## Faults', '', '| run | fault | start s | end s | error window | failed | p99 back after | other |', '| --- | --- | ---: | ---: | --- | ---: | ---: | --- |');
    for (const run of withFaults) {
      for (const f of run.faults!) {
        const window = f.errorWindow ? `${f.errorWindow.firstS} to ${f.errorWindow.lastS} s (${f.errorWindow.durationS} s)` : 'none';
        const p99 = f.p99Recovery ? (f.p99Recovery.recoveredAfterS === null ? `not within the run (pre-fault ${f.p99Recovery.prefaultP99Ms} ms)` : `${f.p99Recovery.recoveredAfterS} s`) : 'n/a';
        const other = [
          f.hitRatioRecovery ? `hit ratio ${(f.hitRatioRecovery.prefaultHitRatio * 100).toFixed(1)}% back after ${f.hitRatioRecovery.recoveredAfterS === null ? 'not within the run' : `${f.hitRatioRecovery.recoveredAfterS} s`}` : '',
          f.writesBackAfterS !== undefined ? `writes back after ${f.writesBackAfterS === null ? 'never' : `${f.writesBackAfterS} s`}` : '',
          f.error ? `error: ${f.error}` : '',
        ].filter(Boolean);
        const cells = [runName(run), `${f.kind} ${f.target}`, String(f.startS), f.endS === null ? '-' : String(f.endS), window, String(f.errorWindow?.failed ?? 0), p99, other.join('; ') || '-'];
        lines.push(`| ${cells.map((c) => escape(c).replaceAll('|', '\\|')).join(' | ')} |`);
      }
    }
    lines.push('');
  }
  const audited = runs.filter((r) => r.audit);
  if (audited.length > 0) {
    lines.push('## Acknowledged writes', '', 'Every write the service acknowledged, read back after the run (gate: `*:lost==0`, `*:duplicated==0`).', '');
    lines.push('| run | write | acknowledged | present | lost | duplicated |', '| --- | --- | ---: | ---: | ---: | ---: |');
    for (const run of audited) {
      for (const w of run.audit!.writes) {
        const flag = (n: number) => (n > 0 ? `**${n}**` : '0');
        lines.push(`| ${escape(runName(run))} | ${escape(w.type)} | ${w.acknowledged} | ${w.present} | ${flag(w.lost)} | ${flag(w.duplicated)} |`);
      }
      for (const note of run.audit!.notes) lines.push(`| ${escape(runName(run))} | note: ${escape(note)} | | | | |`);
    }
    lines.push('');
  }
  return lines;
}

/** "memcached-on #1", "memcached-on #1 attempt 2" for a repeat run again. */
function runName(run: RunResult): string {
  return `${run.configuration} #${run.repeat}${run.attempt > 0 ? ` attempt ${run.attempt + 1}` : ''}`;
}

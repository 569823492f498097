import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined when
 * it cannot be read (not Linux, or the process is gone). Fields 14 and 15 after the command name,
 * which may contain spaces, hence parsing from the last ')'.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3): utime is field 14, stime field 15.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS_PER_S : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples a child process's CPU while it runs (the last reading before it exits is its total);
 * `stop()` gives the fraction of one core it used over the wall time watched.
 */
export function watchProcessCpu(pid: number, intervalMs = 500): { stop(): number | undefined } {
  const started = performance.now();
  let last = processCpuSeconds(pid);
  const timer = setInterval(() => {
    const now = processCpuSeconds(pid);
    if (now !== undefined) last = now;
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const now = processCpuSeconds(pid);
      if (now !== undefined) last = now;
      const wallS = (performance.now() - started) / 1000;
      return last === undefined || wallS <= 0 ? undefined : last / wallS;
    },
  };
}

import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { HostCpuPoint, HostCpuSeries } from '../../simulator/calibration/host-load.ts';

export type { HostCpuSeries };

/**
 * The whole machine's CPU, sampled every second from /proc/stat, and the CPU of Docker's
 * userland port proxies (docker-proxy: the load generator reaches nginx through one, and its
 * CPU is in no container's cgroup). The calibration uses them to see what the collectors cannot:
 * work on the machine that is not the stack's (other jobs, other tests) and the proxy's cost
 * per request. Linux only; elsewhere the sampler returns null.
 */
const CLOCK_TICKS_PER_S = 100;

/** busy and total jiffies of the aggregate "cpu" line of /proc/stat. */
export function parseProcStat(text: string): { busy: number; total: number } | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy, total: busy + idle! + (iowait ?? 0) };
}

/** utime + stime (clock ticks) of a /proc/<pid>/stat line whose command is `name`, else null. */
export function processTicks(statLine: string, name: string): number | null {
  const open = statLine.indexOf('(');
  const close = statLine.lastIndexOf(')');
  if (open < 0 || close < open || statLine.slice(open + 1, close) !== name) return null;
  const fields = statLine.slice(close + 2).split(' ');
  // After "(comm) ": state is field 3 of the line; utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

function readProxyTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      ticks += processTicks(readFileSync(`/proc/${entry}/stat`, 'utf8'), 'docker-proxy') ?? 0;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks;
}

export interface HostSampler extends Disposable {
  /** Stops sampling (idempotent) and returns what was sampled; null where /proc is unavailable. */
  stop(): HostCpuSeries | null;
}

/** Starts sampling once a second; unref'd, so it never keeps the process alive. */
export function startHostSampler(intervalMs = 1000): HostSampler {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return { stop: () => null, [Symbol.dispose]: () => undefined };
  }
  let previous = parseProcStat(stat);
  if (!previous) return { stop: () => null, [Symbol.dispose]: () => undefined };
  const cores = availableParallelism();
  let previousProxy = readProxyTicks();
  const points: HostCpuPoint[] = [];
  const timer = setInterval(() => {
    try {
      const now = parseProcStat(readFileSync('/proc/stat', 'utf8'));
      const proxy = readProxyTicks();
      if (now && previous && now.total > previous.total) {
        const share = (now.busy - previous.busy) / (now.total - previous.total);
        // total jiffies advance by cores x ticks per second.
        const elapsedS = (now.total - previous.total) / cores / CLOCK_TICKS_PER_S;
        points.push({ atMs: Date.now(), busyCores: share * cores, proxyCores: Math.max(0, proxy - previousProxy) / CLOCK_TICKS_PER_S / elapsedS });
      }
      previous = now;
      previousProxy = proxy;
    } catch {
      // A missed sample widens the next interval; nothing else to do.
    }
  }, intervalMs);
  timer.unref();
  let stopped = false;
  const stop = (): HostCpuSeries => {
    if (!stopped) clearInterval(timer);
    stopped = true;
    return { cores, points };
  };
  return { stop, [Symbol.dispose]: stop };
}

/**
 * Waits until the machine's busy cores, averaged over `windowS`, drop to `maxBusyCores` or less
 * (other jobs finishing), for at most `timeoutS`. Returns the last window's mean busy cores, or
 * null where /proc/stat cannot be read. Measurements taken on a busy shared machine measure the
 * other jobs as much as the stack; the model benchmark waits for a quiet moment and records
 * what it got either way.
 */
export async function waitForQuietHost(options: { maxBusyCores: number; windowS?: number; timeoutS?: number; onWait?: (busyCores: number) => void }): Promise<number | null> {
  const windowS = options.windowS ?? 5;
  const deadline = Date.now() + (options.timeoutS ?? 180) * 1000;
  let last: number | null = null;
  for (;;) {
    let before: { busy: number; total: number } | null;
    try {
      before = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    } catch {
      return null;
    }
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const after = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    if (!before || !after || after.total <= before.total) return null;
    last = ((after.busy - before.busy) / (after.total - before.total)) * availableParallelism();
    if (last <= options.maxBusyCores || Date.now() >= deadline) return last;
    options.onWait?.(last);
  }
}

/**
 * The machine's own CPU, sampled outside the collectors (runner/calibration/host-sampler.ts
 * reads /proc/stat): all processes, and Docker's userland port proxies. With it the calibration
 * sees work on the machine that is not the stack's (other jobs, other tests: "foreign" cores)
 * and the proxy's CPU per request, which no container's cgroup holds.
 */
export interface HostCpuPoint {
  /** Wall clock at the sample, ms since the epoch. */
  atMs: number;
  /** Cores busy over the interval ending here (all processes, kernel included). */
  busyCores: number;
  /** Cores used by docker-proxy processes over the interval. */
  proxyCores: number;
}

export interface HostCpuSeries {
  cores: number;
  points: HostCpuPoint[];
}

/** Mean busy and proxy cores of the samples taken in [startMs, endMs]; null without samples there. */
export function hostLoadOver(series: HostCpuSeries | null | undefined, startMs: number, endMs: number): { busyCores: number; proxyCores: number } | null {
  if (!series) return null;
  const inside = series.points.filter((p) => p.atMs > startMs && p.atMs <= endMs);
  if (inside.length === 0) return null;
  const mean = (pick: (p: HostCpuPoint) => number) => inside.reduce((a, p) => a + pick(p), 0) / inside.length;
  return { busyCores: mean((p) => p.busyCores), proxyCores: mean((p) => p.proxyCores) };
}

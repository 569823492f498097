import type { ProfileOverheadSide, RunProfile } from '../../lib/profile-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';

const APP_INSTANCE = /^app-\d+$/;

const change = (profiled: number, others: number): number => (others > 0 ? Math.round((profiled / others - 1) * 1000) / 1000 : 0);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * What running under clinic cost the profiled instance, measured in the same run: nginx sends
 * every app instance the same share of requests (round robin), so the profiled instance's
 * upstream time and CPU against the other instances' is the profiler's overhead, with the same
 * load, data and machine noise on both sides. With several other instances, their percentiles
 * are averaged weighted by their requests (exact with one). Undefined when there is nothing to
 * compare: one app instance, or no nginx log.
 */
export function profileOverhead(server: ServerMetrics | undefined, instance: string): RunProfile['overhead'] {
  if (!server?.nginx.available) return undefined;
  const apps = server.nginx.upstreams.filter((u) => APP_INSTANCE.test(u.upstream) && u.summary.upstreamTime.count > 0);
  const profiled = apps.filter((u) => u.upstream === instance);
  const others = apps.filter((u) => u.upstream !== instance);
  if (profiled.length === 0 || others.length === 0) return undefined;
  const cpuOf = (names: readonly string[]): number | null => {
    const found = server.containers.filter((c) => names.includes(c.service));
    return found.length === 0 ? null : round3(found.reduce((sum, c) => sum + c.summary.cpuPercentMean, 0) / found.length);
  };
  const side = (upstreams: typeof apps): ProfileOverheadSide => {
    const weight = upstreams.reduce((n, u) => n + u.summary.upstreamTime.count, 0);
    const weighted = (pick: (u: (typeof apps)[number]) => number) => round3(upstreams.reduce((sum, u) => sum + pick(u) * u.summary.upstreamTime.count, 0) / weight);
    const instances = upstreams.map((u) => u.upstream);
    return {
      instances,
      requests: upstreams.reduce((n, u) => n + u.summary.requests, 0),
      p50Ms: weighted((u) => u.summary.upstreamTime.p50Ms),
      p99Ms: weighted((u) => u.summary.upstreamTime.p99Ms),
      cpuPercentMean: cpuOf(instances),
    };
  };
  const p = side(profiled);
  const o = side(others);
  return {
    profiled: p,
    others: o,
    p50Change: change(p.p50Ms, o.p50Ms),
    p99Change: change(p.p99Ms, o.p99Ms),
    cpuChange: p.cpuPercentMean === null || o.cpuPercentMean === null ? null : change(p.cpuPercentMean, o.cpuPercentMean),
  };
}

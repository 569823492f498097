import { describe, expect, it } from 'vitest';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import { profileOverhead } from './profile-overhead.ts';

const percentiles = (count: number, p50Ms: number, p99Ms: number) => ({ count, minMs: 0, meanMs: p50Ms, p50Ms, p90Ms: p99Ms, p99Ms, p999Ms: p99Ms, maxMs: p99Ms });
const upstream = (name: string, count: number, p50Ms: number, p99Ms: number) => ({ upstream: name, series: [], summary: { requests: count, status5xx: 0, upstreamTime: percentiles(count, p50Ms, p99Ms) } });
const container = (service: string, cpuPercentMean: number) => ({ name: `feedscale-x-${service}`, service, series: [], summary: { cpuPercentMean, cpuPercentMax: cpuPercentMean, memoryBytesMax: 1, memoryLimitBytes: 2 } });

function server(upstreams: ReturnType<typeof upstream>[], containers: ReturnType<typeof container>[] = []): ServerMetrics {
  return { nginx: { available: true, linesParsed: 1, linesUnparsed: 0, requestTime: percentiles(1, 1, 1), upstreams }, containers } as unknown as ServerMetrics;
}

describe('profiling overhead', () => {
  it('compares the profiled instance with the others of the same run: upstream time and CPU', () => {
    const o = profileOverhead(server([upstream('app-0', 500, 4.4, 22), upstream('app-1', 500, 4, 20)], [container('app-0', 30), container('app-1', 20)]), 'app-0')!;
    expect(o.profiled).toEqual({ instances: ['app-0'], requests: 500, p50Ms: 4.4, p99Ms: 22, cpuPercentMean: 30 });
    expect(o.others.instances).toEqual(['app-1']);
    expect([o.p50Change, o.p99Change, o.cpuChange]).toEqual([0.1, 0.1, 0.5]);
  });

  it('weights several other instances by their requests and ignores upstreams that are not app instances', () => {
    const o = profileOverhead(server([upstream('app-0', 100, 5, 50), upstream('app-1', 300, 2, 10), upstream('app-2', 100, 6, 30), upstream('10.0.0.9:8080', 50, 100, 100)]), 'app-0')!;
    expect(o.others).toMatchObject({ instances: ['app-1', 'app-2'], requests: 400, p50Ms: 3, p99Ms: 15, cpuPercentMean: null });
    expect(o.cpuChange).toBeNull();
  });

  it('gives no figure with one app instance or without the nginx log', () => {
    expect(profileOverhead(server([upstream('app-0', 100, 5, 50)]), 'app-0')).toBeUndefined();
    expect(profileOverhead(undefined, 'app-0')).toBeUndefined();
    const off = server([upstream('app-0', 1, 1, 1), upstream('app-1', 1, 1, 1)]);
    off.nginx.available = false;
    expect(profileOverhead(off, 'app-0')).toBeUndefined();
  });
});

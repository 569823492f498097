import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { summarizeApp, toAppSample } from './app-metrics-collector.ts';
import { parsePrometheusText } from './prometheus-text.ts';

/** A registry with the metric names and labels of system/app/plugins/metrics.ts. */
function appRegistry() {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({ name: 'feedscale_http_requests_total', help: 'h', labelNames, registers: [registry] });
  const durations = new Histogram({ name: 'feedscale_http_request_duration_seconds', help: 'h', labelNames, buckets: [0.001, 0.01, 0.1], registers: [registry] });
  const cache = new Counter({ name: 'feedscale_cache_lookups_total', help: 'h', labelNames: ['result'], registers: [registry] });
  const queries = new Counter({ name: 'feedscale_pg_queries_total', help: 'h', labelNames: ['physical_shard'], registers: [registry] });
  const cpu = new Counter({ name: 'process_cpu_seconds_total', help: 'h', registers: [registry] });
  const serve = (route: string, status: string, seconds: number) => {
    requests.inc({ method: 'GET', route, status_code: status });
    durations.observe({ method: 'GET', route, status_code: status }, seconds);
  };
  return { registry, serve, cache, queries, cpu };
}

describe('app /metrics', () => {
  it('refuses a scrape without any feedscale_ metric', () => {
    expect(() => toAppSample(parsePrometheusText('process_cpu_seconds_total 1\n'))).toThrow(/feedscale_/);
  });

  it('summarizes requests, durations, cache lookups, queries per shard and CPU between scrapes, leaving out the scrapes themselves', async () => {
    const app = appRegistry();
    app.cache.inc({ result: 'hit' }, 0);
    const scrape = async (tS: number) => ({ tS, value: toAppSample(parsePrometheusText(await app.registry.metrics())) });
    app.serve('/users/:userId/feed', '200', 0.5); // before the baseline: not counted
    const first = await scrape(0);
    for (let i = 0; i < 9; i++) app.serve('/users/:userId/feed', '200', 0.005);
    app.serve('/users/:userId/feed', '500', 0.05);
    app.serve('/media/:mediaId', '404', 0.0005);
    app.serve('/metrics', '200', 0.001);
    app.cache.inc({ result: 'hit' }, 6);
    app.cache.inc({ result: 'miss' }, 2);
    app.queries.inc({ physical_shard: '0' }, 5);
    app.queries.inc({ physical_shard: '1' }, 3);
    app.cpu.inc(0.5);
    const second = await scrape(2);

    const metrics = summarizeApp('app-0', 'http://127.0.0.1:1', [first, second]);
    expect(metrics.series).toEqual([
      expect.objectContaining({ tS: 2, requestsPerS: 5.5, cacheHitsPerS: 3, cacheMissesPerS: 1, pgQueriesPerS: 4, cpuCoreFraction: 0.25 }),
    ]);
    expect(metrics.summary).toMatchObject({ requests: 11, cacheHits: 6, cacheMisses: 2, cacheHitRatio: 0.75, pgQueriesByShard: { '0': 5, '1': 3 } });
    const [feed, media] = metrics.summary.routes;
    expect(metrics.summary.routes).toHaveLength(2);
    expect(feed).toMatchObject({ method: 'GET', route: '/users/:userId/feed', requests: 10, byStatus: { '200': 9, '500': 1 } });
    expect(feed!.meanMs).toBeCloseTo((9 * 5 + 50) / 10);
    // 9 of 10 in the (1 ms, 10 ms] bucket, 1 in (10 ms, 100 ms].
    expect(feed!.p50Ms).toBeCloseTo(1 + 9 * (5 / 9));
    expect(feed!.p99Ms).toBeCloseTo(10 + 90 * 0.9);
    expect(media).toMatchObject({ route: '/media/:mediaId', requests: 1, byStatus: { '404': 1 } });
  });

  it('gives a finite p99 when the slowest requests fall in the +Inf bucket (a stalled route), never NaN', async () => {
    const app = appRegistry();
    app.cache.inc({ result: 'hit' }, 0);
    const scrape = async (tS: number) => ({ tS, value: toAppSample(parsePrometheusText(await app.registry.metrics())) });
    app.serve('/media/nearby', '200', 6);
    const first = await scrape(0);
    for (let i = 0; i < 10; i++) app.serve('/media/nearby', '200', 6);
    const [route] = summarizeApp('app-0', 'http://127.0.0.1:1', [first, await scrape(1)]).summary.routes;
    // PromQL's histogram_quantile answers the highest finite bound for a rank in +Inf.
    expect(route!.p99Ms).toBe(100);
    expect(route!.p50Ms).toBe(100);
  });
});

import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HTTP_DURATION_BUCKETS_S, HTTP_DURATION_METRIC, HTTP_REQUESTS_METRIC, HttpMetrics } from './http-metrics.ts';

const OBSERVATIONS: Array<[string, string, number, number]> = [
  ['GET', '/users/:userId/feed', 200, 0.0004],
  ['GET', '/users/:userId/feed', 200, 0.001],
  ['GET', '/media/:mediaId', 404, 0.0031],
  ['GET', '/users/:userId/feed', 200, 7.5],
  ['POST', '/media/:mediaId/likes', 200, 0.02],
  ['GET', 'unmatched', 404, 0.00001],
  ['GET', '/media/:mediaId', 200, 0.0025],
];

describe('HttpMetrics', () => {
  it('exposes the same text as prom-client\'s Counter and Histogram fed the same responses, scrape after scrape', async () => {
    const ours = new Registry();
    const metrics = new HttpMetrics(ours);
    const reference = new Registry();
    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({ name: HTTP_REQUESTS_METRIC, help: 'HTTP requests served.', labelNames, registers: [reference] });
    const durations = new Histogram({ name: HTTP_DURATION_METRIC, help: 'Time from request received to response sent.', labelNames, buckets: [...HTTP_DURATION_BUCKETS_S], registers: [reference] });
    const record = ([method, route, status, seconds]: [string, string, number, number]) => {
      metrics.observe(method, route, status, seconds);
      const labels = { method, route, status_code: String(status) };
      requests.inc(labels);
      durations.observe(labels, seconds);
    };
    OBSERVATIONS.slice(0, 4).forEach(record);
    expect(await ours.metrics()).toBe(await reference.metrics());
    OBSERVATIONS.slice(4).forEach(record);
    OBSERVATIONS.forEach(record);
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });
});

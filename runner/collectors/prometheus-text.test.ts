import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { histogramQuantile, parsePrometheusText } from './prometheus-text.ts';

describe('Prometheus text parsing', () => {
  it('reads names, labels with escapes, special values and ignores comments and timestamps', () => {
    const text = [
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{route="/a",note="say \\"hi\\"\\\\ \\n"} 3',
      'up 1 1700000000000',
      'h_bucket{le="+Inf"} +Inf',
      'g NaN',
      '',
    ].join('\n');
    const samples = parsePrometheusText(text);
    expect(samples[0]).toEqual({ name: 'x_total', labels: { route: '/a', note: 'say "hi"\\ \n' }, value: 3 });
    expect(samples[1]).toEqual({ name: 'up', labels: {}, value: 1 });
    expect(samples[2]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(samples[3]!.value).toBeNaN();
  });

  it('names the line of a malformed sample', () => {
    expect(() => parsePrometheusText('ok 1\nbroken{route="/a" 2\n')).toThrow(/line 2/);
    expect(() => parsePrometheusText('novalue\n')).toThrow(/line 1/);
  });

  it('reads what prom-client writes, counters and histograms alike', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'req_total', help: 'h', labelNames: ['route'], registers: [registry] });
    const histogram = new Histogram({ name: 'dur_seconds', help: 'h', labelNames: ['route'], buckets: [0.01, 0.1], registers: [registry] });
    counter.inc({ route: '/users/:userId' }, 2);
    histogram.observe({ route: '/x' }, 0.05);
    const samples = parsePrometheusText(await registry.metrics());
    expect(samples).toContainEqual({ name: 'req_total', labels: { route: '/users/:userId' }, value: 2 });
    expect(samples).toContainEqual({ name: 'dur_seconds_bucket', labels: { route: '/x', le: '0.1' }, value: 1 });
    expect(samples).toContainEqual({ name: 'dur_seconds_bucket', labels: { route: '/x', le: '+Inf' }, value: 1 });
    expect(samples).toContainEqual({ name: 'dur_seconds_count', labels: { route: '/x' }, value: 1 });
  });
});

describe('histogram quantiles from cumulative buckets', () => {
  const buckets = [
    { le: 0.01, count: 50 },
    { le: 0.1, count: 90 },
    { le: 1, count: 100 },
    { le: Number.POSITIVE_INFINITY, count: 100 },
  ];

  it('interpolates linearly within the bucket holding the rank, the first bucket starting at 0', () => {
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.005);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.01 + 0.09 * (20 / 40));
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.1 + 0.9 * (9 / 10));
  });

  it('answers a rank in the +Inf bucket with the highest finite bound, and null for an empty histogram', () => {
    expect(histogramQuantile(0.99, [{ le: 0.1, count: 1 }, { le: Number.POSITIVE_INFINITY, count: 10 }])).toBe(0.1);
    expect(histogramQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }])).toBeNull();
  });
});

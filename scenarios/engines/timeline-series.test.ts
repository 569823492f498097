import { describe, expect, it } from 'vitest';
import { TimelineSeries } from './timeline-series.ts';

describe('TimelineSeries', () => {
  it('buckets requests by the second they ended in, with count, errors, p50 and p99 per second', () => {
    const series = new TimelineSeries();
    // Second 0: 100 requests of 1..100 ms; second 1: 10 requests of 5 ms, 2 of them failed.
    for (let i = 1; i <= 100; i++) series.record(i / 101, i * 1000, false);
    for (let i = 0; i < 10; i++) series.record(1.5, 5000, i < 2);
    const points = series.finish(2);
    expect(points).toHaveLength(2);
    expect(points[0]).toMatchObject({ tS: 1, rps: 100, count: 100, errors: 0 });
    expect(points[0]!.p50Ms).toBeCloseTo(50, 0);
    expect(points[0]!.p99Ms).toBeCloseTo(99, 0);
    expect(points[1]).toMatchObject({ tS: 2, rps: 10, count: 10, errors: 2 });
    expect(points[1]!.p99Ms).toBeCloseTo(5, 1);
  });

  it('writes zero points for seconds in which nothing ended, so a stall shows as a gap', () => {
    const series = new TimelineSeries();
    series.record(0.2, 1000, false);
    series.record(3.1, 2_900_000, false);
    const points = series.finish(5);
    expect(points.map((p) => p.tS)).toEqual([1, 2, 3, 4, 5]);
    expect(points.map((p) => p.count)).toEqual([1, 0, 0, 1, 0]);
    expect(points[1]).toEqual({ tS: 2, p99Ms: 0, rps: 0, count: 0, errors: 0, p50Ms: 0 });
    // Two significant digits: within 1% of the recorded 2900 ms.
    expect(points[3]!.p99Ms).toBeGreaterThanOrEqual(2900);
    expect(points[3]!.p99Ms).toBeLessThan(2900 * 1.01);
  });

  it('keeps points past the measured window for requests that ended in the drain', () => {
    const series = new TimelineSeries();
    series.record(0.5, 1000, false);
    series.record(2.4, 2_000_000, true);
    expect(series.finish(1).map((p) => p.count)).toEqual([1, 0, 1]);
  });

  it('counts a failure without a latency (connection error) but leaves the percentiles alone', () => {
    const series = new TimelineSeries();
    series.record(0.1, -1, true);
    expect(series.finish(1)).toEqual([{ tS: 1, p99Ms: 0, rps: 1, count: 1, errors: 1, p50Ms: 0 }]);
  });
});

import { describe, expect, it } from 'vitest';
import { mergeEncoded, percentilesOf } from '../../lib/histogram.ts';
import { feedReadUs, latencyRuns } from '../testing/gate-fixtures.ts';
import { makeRun, rampUs } from '../testing/run-fixtures.ts';
import { bootstrapDifference, bootstrapOne, quantileSorted } from './bootstrap.ts';
import { measurementsOf, statisticOf, type RepeatStatistic } from './endpoint-statistic.ts';
import { RepeatLatencies } from './repeat-latencies.ts';

function p99Of(factors: number[], tailExtraUs = 0): RepeatStatistic {
  const runs = latencyRuns({ factors, tailExtraUs });
  const s = statisticOf(measurementsOf(runs, 'main', 'feed.read'), { kind: 'latency', percentile: 99 });
  if (!s.ok) throw new Error(s.reason);
  return s.statistic;
}

describe('RepeatLatencies', () => {
  it('gives exactly the percentiles of the merged HDR histograms when each repeat counts once', () => {
    const runs = latencyRuns({ factors: [1, 1.3, 0.7] });
    const encoded = runs.map((r) => r.endpoints[0]!.fromIntended.histogram);
    const merged = percentilesOf(mergeEncoded(encoded));
    const latencies = RepeatLatencies.fromEncoded(encoded);
    expect([50, 90, 99, 99.9].map((p) => latencies.percentileMs(p))).toEqual([merged.p50Ms, merged.p90Ms, merged.p99Ms, merged.p999Ms]);
  });

  it('counts a repeat as often as its multiplicity says', () => {
    const latencies = RepeatLatencies.fromValuesUs([rampUs(1000, 100, 10), rampUs(5000, 100, 10)]);
    expect(latencies.percentileMs(50, [1, 1])).toBe(1.99);
    expect(latencies.percentileMs(50, [2, 0])).toBe(1.49);
    expect(latencies.percentileMs(50, [0, 3])).toBe(5.49);
    expect(latencies.totalCount([2, 1])).toBe(300);
  });
});

describe('bootstrapDifference', () => {
  it('is deterministic for a seed and label', () => {
    const a = p99Of([1, 1.05, 0.95]);
    const b = p99Of([1.1, 1.2, 1.15]);
    const first = bootstrapDifference(a, b, { seed: 9, label: 'x' });
    expect(bootstrapDifference(a, b, { seed: 9, label: 'x' })).toEqual(first);
    expect(bootstrapDifference(a, b, { seed: 9, label: 'y' }).ratioCi).not.toEqual(first.ratioCi);
  });

  it('puts a 20 ms tail regression inside its delta CI and far from zero', () => {
    const d = bootstrapDifference(p99Of([1, 1.004, 0.996, 1.008]), p99Of([1, 1.004, 0.996, 1.008], 20_000), { seed: 1, label: 'p99' });
    expect(d.delta).toBeCloseTo(20, 0);
    expect(d.deltaCi!.low).toBeGreaterThan(19);
    expect(d.deltaCi!.high).toBeLessThan(21);
    expect(d.method).toBe('repeats');
    expect(d.resamples).toBe(2000);
  });

  it('pairs repeats when asked and both sides have the same repeats, which removes shared drift', () => {
    // Both configurations drift the same way over time; pairing cancels it.
    const drift = [0.8, 0.9, 1.0, 1.1, 1.2];
    const base = p99Of(drift);
    const cand = p99Of(drift.map((f) => f * 1.05));
    const paired = bootstrapDifference(base, cand, { seed: 1, label: 'p', paired: true });
    const independent = bootstrapDifference(base, cand, { seed: 1, label: 'p', paired: false });
    expect(paired.method).toBe('paired-repeats');
    expect(paired.ratioCi!.high - paired.ratioCi!.low).toBeLessThan(0.01);
    expect(independent.ratioCi!.high - independent.ratioCi!.low).toBeGreaterThan(0.2);
  });

  it('says the CI is unavailable with one repeat on a side', () => {
    const base = p99Of([1]);
    const cand = p99Of([1, 1.1]);
    const d = bootstrapDifference(base, cand, { seed: 1, label: 'p' });
    expect(d.deltaCi).toBeNull();
    expect(d.ratioCi).toBeNull();
    expect(d.method).toBe('none');
    expect(d.unavailableReason).toBe('1 repeat on the baseline side: a CI needs at least 2 repeats per side');
    expect(d.ratio).toBe(cand.value() / base.value());
  });

  it('uses per-repeat percentiles when runs carry no histogram (k6)', () => {
    const runs = latencyRuns({ factors: [1, 1.2] }).map((r) => ({
      ...r,
      driver: 'k6' as const,
      endpoints: r.endpoints.map((e) => ({ ...e, fromIntended: { ...e.fromIntended, histogram: '' } })),
    }));
    const measured = measurementsOf(runs, 'main', 'feed.read');
    const p99 = statisticOf(measured, { kind: 'latency', percentile: 99 });
    expect(p99.ok && p99.statistic.value()).toBeCloseTo((runs[0]!.endpoints[0]!.fromIntended.percentiles.p99Ms + runs[1]!.endpoints[0]!.fromIntended.percentiles.p99Ms) / 2, 9);
    const p95 = statisticOf(measured, { kind: 'latency', percentile: 95 });
    expect(p95).toEqual({ ok: false, reason: 'p(95) needs histograms and the k6 runs exported none (only p50, p90, p99 and p99.9 are stored)' });
  });
});

describe('bootstrapOne', () => {
  it('brackets the observed value of a configuration', () => {
    const one = bootstrapOne(p99Of([0.9, 1, 1.1]), { seed: 2, label: 'one' });
    expect(one.ci!.low).toBeLessThanOrEqual(one.value);
    expect(one.ci!.high).toBeGreaterThanOrEqual(one.value);
    expect(one.ci!.low).toBeGreaterThanOrEqual(feedReadUs(0.9)[9899]! / 1000 - 0.1);
  });
});

describe('quantileSorted', () => {
  it('interpolates linearly between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });
});

describe('error rate and throughput statistics', () => {
  it('weights error rate by requests sent and throughput by repeat', () => {
    const runs = [
      makeRun({ configuration: 'main', repeat: 0, endpoints: [{ endpoint: 'e', latenciesUs: rampUs(1, 90), errors: { timeout: 10 }, throughputRps: 100 }] }),
      makeRun({ configuration: 'main', repeat: 1, endpoints: [{ endpoint: 'e', latenciesUs: rampUs(1, 300), throughputRps: 200 }] }),
    ];
    const measured = measurementsOf(runs, 'main', 'e');
    const errors = statisticOf(measured, { kind: 'error_rate' });
    const throughput = statisticOf(measured, { kind: 'throughput' });
    expect(errors.ok && errors.statistic.value()).toBeCloseTo(10 / 400, 9);
    expect(errors.ok && errors.statistic.value([2, 0])).toBeCloseTo(0.1, 9);
    expect(throughput.ok && throughput.statistic.value([1, 3])).toBe(175);
  });
});

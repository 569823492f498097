import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram, mergeEncoded, recordUs } from '../../lib/histogram.ts';
import type { GeneratorHealth, Latency } from '../../lib/result-schema.ts';
import { mulberry32, type ArrivalSpec } from './arrival-schedule.ts';
import { recordDeterministicRun, type DeterministicOutcome } from './deterministic-run.ts';
import { generatorLabel, mergeGeneratorHealth, mergeGeneratorRuns, mergeLatency, mergeTimelines, type GeneratorPart } from './merge-runs.ts';
import { createCyclicSource, type RequestSpec } from './request-source.ts';
import type { EngineRun } from './run-result.ts';

const SPECS: RequestSpec[] = [
  { endpoint: 'feed.read', method: 'GET', path: '/feed' },
  { endpoint: 'media.read', method: 'GET', path: '/media' },
  { endpoint: 'feed.read', method: 'GET', path: '/feed?p=2' },
  { endpoint: 'media.like', method: 'POST', path: '/like' },
];

/** A fixed-latency server seen through a jittery network, failures and cap refusals: all a pure function of i. */
function outcome(index: number): DeterministicOutcome {
  const u = mulberry32(index * 2654435761)();
  return {
    serviceUs: 5000 + Math.floor(u * 3000) + (index % 251 === 0 ? 400_000 : 0),
    sendLagUs: Math.floor(u * 900),
    ...(index % 97 === 0 ? { error: 'status_503' } : {}),
    ...(index % 89 === 0 ? { unserved: true } : {}),
  };
}

function run(arrival: ArrivalSpec, partition?: { index: number; count: number }): EngineRun {
  return recordDeterministicRun({ arrival, warmupS: 0.5, durationS: 3, timeoutMs: 2000, source: createCyclicSource(SPECS), outcome, ...(partition ? { partition } : {}) });
}

function split(arrival: ArrivalSpec, count: number): GeneratorPart[] {
  return Array.from({ length: count }, (_, index) => ({ run: run(arrival, { index, count }), where: { host: 'host-a', pid: 100 + index } }));
}

const ARRIVALS: [string, ArrivalSpec][] = [
  ['poisson', { kind: 'poisson', rateRps: 2000, seed: 7 }],
  ['stepped', { kind: 'steps', steps: [{ rateRps: 500, durationS: 1.5 }, { rateRps: 2500, durationS: 2 }] }],
];

describe('mergeGeneratorRuns', () => {
  it.each(ARRIVALS)('merges W partitions of a %s run into the single generator\'s histograms, bit for bit', (_name, arrival) => {
    const whole = run(arrival);
    for (const count of [2, 3]) {
      const merged = mergeGeneratorRuns(split(arrival, count));
      expect(merged.endpoints.map((e) => e.endpoint)).toEqual(whole.endpoints.map((e) => e.endpoint));
      merged.endpoints.forEach((m, i) => {
        const w = whole.endpoints[i]!;
        // The encoded HDR histograms are the same strings, so every percentile is the same.
        expect(m.fromIntended.histogram).toBe(w.fromIntended.histogram);
        expect(m.fromSend.histogram).toBe(w.fromSend.histogram);
        expect(m.fromIntended.percentiles).toEqual(w.fromIntended.percentiles);
        const { timeline: mt, fromIntended: _a, fromSend: _b, ...mCounts } = m;
        const { timeline: wt, fromIntended: _c, fromSend: _d, ...wCounts } = w;
        expect(mCounts).toEqual(wCounts);
        // Per second: counts add exactly; the percentiles are bounds (no per-second histograms).
        expect(mt!.map((p) => [p.tS, p.count, p.errors, p.rps])).toEqual(wt!.map((p) => [p.tS, p.count, p.errors, p.rps]));
        mt!.forEach((p, s) => expect(p.p99Ms).toBeGreaterThanOrEqual(wt![s]!.p99Ms * 0.99));
      });
      expect(merged.generator.intendedRateRps).toBe(whole.generator.intendedRateRps);
      expect(merged.generator.achievedRateRps).toBe(whole.generator.achievedRateRps);
      expect(merged.generator.completedRateRps).toBe(whole.generator.completedRateRps);
      expect(merged.generators?.map((g) => [g.index, g.pid])).toEqual(Array.from({ length: count }, (_, i) => [i, 100 + i]));
    }
  });

  it('merges the steps of a stepped run exactly: counts, error rate, histogram and the p99 read from it', () => {
    const arrival = ARRIVALS[1]![1];
    const whole = run(arrival);
    const merged = mergeGeneratorRuns(split(arrival, 2));
    expect(merged.steps!.map((s) => s.endpoints)).toEqual(whole.steps!.map((s) => s.endpoints));
    expect(merged.steps!.map((s) => [s.rateRps, s.startS, s.durationS])).toEqual(whole.steps!.map((s) => [s.rateRps, s.startS, s.durationS]));
  });

  it('refuses parts that ran different plans', () => {
    const a = run(ARRIVALS[0]![1]);
    expect(() => mergeGeneratorRuns([{ run: a, where: { host: 'h' } }, { run: { ...a, durationS: 4 }, where: { host: 'h' } }])).toThrow(/different plan/);
  });
});

describe('mergeLatency', () => {
  it('is mergeEncoded of the parts, equal to one histogram of every value', () => {
    const values = Array.from({ length: 5000 }, (_, i) => 100 + ((i * 7919) % 100_000));
    const one = createLatencyHistogram();
    const parts = [createLatencyHistogram(), createLatencyHistogram(), createLatencyHistogram()];
    values.forEach((v, i) => {
      recordUs(one, v);
      recordUs(parts[i % 3]!, v);
    });
    const latency = (h: ReturnType<typeof createLatencyHistogram>): Latency => ({ percentiles: { count: h.totalCount, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 }, histogram: encodeHistogram(h) });
    const merged = mergeLatency(parts.map(latency));
    expect(merged.exact).toBe(true);
    expect(merged.latency.histogram).toBe(encodeHistogram(one));
    expect(encodeHistogram(mergeEncoded(parts.map(encodeHistogram)))).toBe(encodeHistogram(one));
  });

  it('without histograms keeps count, min, max and mean exact and bounds the percentiles from above', () => {
    const a: Latency = { percentiles: { count: 100, minMs: 1, meanMs: 4, p50Ms: 3, p90Ms: 6, p99Ms: 9, p999Ms: 10, maxMs: 11 }, histogram: '' };
    const b: Latency = { percentiles: { count: 300, minMs: 2, meanMs: 8, p50Ms: 7, p90Ms: 12, p99Ms: 20, p999Ms: 30, maxMs: 31 }, histogram: '' };
    const merged = mergeLatency([a, b]);
    expect(merged.exact).toBe(false);
    expect(merged.latency).toEqual({ percentiles: { count: 400, minMs: 1, meanMs: 7, p50Ms: 7, p90Ms: 12, p99Ms: 20, p999Ms: 30, maxMs: 31 }, histogram: '' });
  });
});

describe('mergeTimelines', () => {
  it('adds counts per second and pads the shorter series', () => {
    const merged = mergeTimelines([
      [{ tS: 1, p99Ms: 5, rps: 10, count: 10, errors: 1, p50Ms: 2 }],
      [
        { tS: 1, p99Ms: 7, rps: 12, count: 12, errors: 0, p50Ms: 1 },
        { tS: 2, p99Ms: 3, rps: 4, count: 4, errors: 0, p50Ms: 1 },
      ],
    ]);
    expect(merged).toEqual([
      { tS: 1, p99Ms: 7, rps: 22, count: 22, errors: 1, p50Ms: 2 },
      { tS: 2, p99Ms: 3, rps: 4, count: 4, errors: 0, p50Ms: 1 },
    ]);
  });
});

describe('mergeGeneratorHealth', () => {
  const healthy: GeneratorHealth = {
    cpuCoreFraction: 0.4,
    eventLoopDelayP99Ms: 1,
    eventLoopDelayMaxMs: 3,
    intendedRateRps: 1000,
    achievedRateRps: 1000,
    completedRateRps: 990,
    sendLagP99Ms: 1,
    sendLagP999Ms: 2,
    valid: true,
    reasons: [],
  };
  const part = (generator: GeneratorHealth, pid: number): GeneratorPart => ({ run: { ...run(ARRIVALS[0]![1]), generator }, where: { host: 'host-a', pid } });

  it('is valid when every generator is, with rates summed and the per-core figures of the busiest', () => {
    const whole = mergeGeneratorHealth([part(healthy, 1), part({ ...healthy, cpuCoreFraction: 0.7, sendLagP99Ms: 4 }, 2)], 0);
    expect(whole).toMatchObject({ valid: true, reasons: [], intendedRateRps: 2000, achievedRateRps: 2000, completedRateRps: 1980, cpuCoreFraction: 0.7, sendLagP99Ms: 4 });
  });

  it('is invalid when one generator is, and names it and where it ran', () => {
    const sick = { ...healthy, cpuCoreFraction: 0.95, valid: false, reasons: ['generator CPU 0.95 of a core > 0.9'] };
    const whole = mergeGeneratorHealth([part(healthy, 1), part(sick, 2)], 0);
    expect(whole.valid).toBe(false);
    expect(whole.reasons).toEqual(['generator 1 of 2 (pid 2 on host-a): generator CPU 0.95 of a core > 0.9']);
  });

  it('judges the whole on achieved over intended of the sums, against the whole plan when given', () => {
    // Each runner kept up with its share, but a quarter of the schedule never ran (a runner lost).
    const whole = mergeGeneratorHealth([part(healthy, 1), part(healthy, 2), part(healthy, 3)], 0, { intendedRateRps: 4000 });
    expect(whole.valid).toBe(false);
    expect(whole.reasons).toEqual(['all 3 generators: achieved 3000 rps < 95% of the 4000 rps intended (unserved excluded)']);
  });

  it('labels a generator by name, pid and host', () => {
    expect(generatorLabel(0, 3, { host: 'node-7', name: 'feedscale-feed-read-1' })).toBe('generator 0 of 3 (feedscale-feed-read-1 on node-7)');
  });
});

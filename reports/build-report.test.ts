import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../lib/errors.ts';
import { buildReport } from './build-report.ts';
import { validateReport } from './render/json.ts';
import type { Report, SummaryRow } from './report-schema.ts';
import { MEMCACHED_OFF, MEMCACHED_ON, makeMetadata, makeRun, rampUs, standardInput } from './testing/run-fixtures.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeServerMetrics } from './testing/server-fixtures.ts';

function rowOf(report: Report, configuration: string, endpoint: string): SummaryRow {
  const row = report.summary.find((r) => r.configuration === configuration && r.endpoint === endpoint);
  if (!row) throw new Error(`no row ${configuration}/${endpoint}`);
  return row;
}

function comparisonOf(report: Report, endpoint: string) {
  const found = report.comparison.endpoints.find((e) => e.endpoint === endpoint);
  if (!found) throw new Error(`no comparison for ${endpoint}`);
  return found;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('buildReport', () => {
  it('merges repeats by their histograms, so percentiles are those of all samples', () => {
    const row = rowOf(buildReport(standardInput()), 'memcached-on', 'feed.read');
    expect(row.repeats).toBe(2);
    expect(row.fromIntended.count).toBe(2000);
    // 1..2000 us: p50 = 1000 us, p99 = 1980 us (the mean of the per-repeat p99s would be 1.49 ms).
    expect(row.fromIntended.p50Ms).toBe(1);
    expect(row.fromIntended.p90Ms).toBe(1.8);
    expect(row.fromIntended.p99Ms).toBe(1.98);
    expect(row.fromIntended.p999Ms).toBe(1.998);
    expect(row.fromIntended.maxMs).toBe(2);
    expect(row.fromSend.count).toBe(2000);
  });

  it('averages throughput over repeats and totals errors by kind and unserved requests', () => {
    const row = rowOf(buildReport(standardInput()), 'memcached-on', 'feed.read');
    expect(row.throughputMeanRps).toBe(105);
    expect(row.errorsByKind).toEqual({ status_503: 2, timeout: 2 });
    expect(Object.keys(row.errorsByKind)).toEqual(['status_503', 'timeout']);
    expect(row.errorsTotal).toBe(4);
    expect(row.unservedTotal).toBe(5);
    expect(row.okTotal).toBe(2000);
    expect(row.sentTotal).toBe(2004);
    expect(row.intendedTotal).toBe(2009);
  });

  it('keeps per-repeat p50, p99 and throughput in repeat order whatever order the runs came in', () => {
    const report = buildReport(standardInput());
    expect(rowOf(report, 'memcached-on', 'feed.read').perRepeat).toEqual([
      { repeat: 0, p50Ms: 0.5, p99Ms: 0.99, throughputRps: 100 },
      { repeat: 1, p50Ms: 1.5, p99Ms: 1.99, throughputRps: 110 },
    ]);
    expect(report.runs.map((r) => `${r.configuration}#${r.repeat}`)).toEqual(['memcached-on#0', 'memcached-on#1', 'memcached-off#0']);
  });

  it('orders summary rows endpoint-major with configurations in the given order', () => {
    const report = buildReport(standardInput());
    expect(report.summary.map((r) => `${r.endpoint}/${r.configuration}`)).toEqual([
      'feed.read/memcached-on',
      'feed.read/memcached-off',
      'media.like/memcached-on',
      'media.like/memcached-off',
    ]);
  });

  it('gives each configuration p50 and p99 as ratios to the first configuration by default', () => {
    const report = buildReport(standardInput());
    expect(report.comparison.baseline).toBe('memcached-on');
    const [on, off] = comparisonOf(report, 'feed.read').entries;
    expect(on).toEqual({ configuration: 'memcached-on', p50Ms: 1, p99Ms: 1.98, p50RatioToBaseline: 1, p99RatioToBaseline: 1 });
    expect(off?.configuration).toBe('memcached-off');
    expect(off?.p50RatioToBaseline).toBeCloseTo(2, 3);
    expect(off?.p99RatioToBaseline).toBeCloseTo(3.961 / 1.98, 6);
  });

  it('uses a named baseline for the ratios', () => {
    const report = buildReport(standardInput({ baseline: 'memcached-off' }));
    expect(report.comparison.baseline).toBe('memcached-off');
    const on = comparisonOf(report, 'feed.read').entries.find((e) => e.configuration === 'memcached-on');
    expect(on?.p99RatioToBaseline).toBeCloseTo(1.98 / 3.961, 6);
    expect(comparisonOf(report, 'feed.read').entries.map((e) => e.configuration)).toEqual(['memcached-on', 'memcached-off']);
  });

  it('marks the verdict usable when every involved run is open-loop with a valid generator', () => {
    const report = buildReport(standardInput());
    expect(report.comparison.endpoints.map((e) => [e.endpoint, e.verdictUsable, e.unusableReasons])).toEqual([
      ['feed.read', true, []],
      ['media.like', true, []],
    ]);
  });

  it('marks the verdict unusable and names the run when one repeat had a saturated generator', () => {
    const input = standardInput();
    const runs = [...input.runs];
    runs[1] = makeRun({
      configuration: 'memcached-on',
      repeat: 1,
      generatorValid: false,
      generatorReasons: ['cpu 0.99 of a core', 'send lag p99 90 ms'],
      endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(1001, 1000) }],
    });
    const report = buildReport({ ...input, runs });
    const feed = comparisonOf(report, 'feed.read');
    expect(feed.verdictUsable).toBe(false);
    expect(feed.unusableReasons).toEqual(['"memcached-on" repeat 1: load generator unhealthy in its only attempt (cpu 0.99 of a core; send lag p99 90 ms)']);
    expect(rowOf(report, 'memcached-on', 'feed.read').generatorValid).toBe(false);
    expect(rowOf(report, 'memcached-off', 'feed.read').generatorValid).toBe(true);
    // media.like was not measured in the invalid run, so its verdict stands.
    expect(comparisonOf(report, 'media.like').verdictUsable).toBe(true);
  });

  it('never uses closed-loop latency for a verdict', () => {
    const input = standardInput();
    const runs = input.runs.map((r) => (r.configuration === 'memcached-off' ? { ...r, loadModel: 'closed' as const, driver: 'autocannon' as const } : r));
    const report = buildReport({ ...input, runs });
    expect(rowOf(report, 'memcached-off', 'feed.read').loadModel).toBe('closed');
    for (const endpoint of report.comparison.endpoints) {
      expect(endpoint.verdictUsable).toBe(false);
      expect(endpoint.unusableReasons).toContain('"memcached-off" ran closed-loop (latency labelled, not for verdicts)');
    }
  });

  it('reports a null ratio and no verdict when the baseline has no latency samples', () => {
    const report = buildReport({
      configurations: [MEMCACHED_ON, MEMCACHED_OFF],
      metadata: makeMetadata(),
      runs: [
        makeRun({ configuration: 'memcached-on', endpoints: [{ endpoint: 'feed.read', latenciesUs: [], errors: { timeout: 50 } }] }),
        makeRun({ configuration: 'memcached-off', endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(1, 10) }] }),
      ],
    });
    const feed = comparisonOf(report, 'feed.read');
    expect(feed.entries[1]?.p99RatioToBaseline).toBeNull();
    expect(feed.verdictUsable).toBe(false);
    expect(feed.unusableReasons).toEqual(['baseline "memcached-on" has no latency samples for feed.read']);
  });

  it('produces a report that passes its own schema', () => {
    expect(validateReport(buildReport(standardInput()))).toEqual([]);
  });

  it('rejects a run of a configuration that is not listed, naming the run', () => {
    const input = standardInput({ configurations: [MEMCACHED_ON] });
    const err = thrown(() => buildReport(input));
    expect(isFeedscaleError(err) && err.code).toBe('CFG_ERR_INVALID');
    expect((err as Error).message).toBe('runs[0].configuration "memcached-off" is not among the configurations (memcached-on)');
  });

  it('rejects a baseline that is not a configuration', () => {
    expect(() => buildReport(standardInput({ baseline: 'redis-only' }))).toThrow(/baseline "redis-only" is not among the configurations/);
  });

  it('rejects the same repeat of one configuration twice', () => {
    const input = standardInput();
    expect(() => buildReport({ ...input, runs: [...input.runs, input.runs[2]!] })).toThrow(/runs\[3\]: configuration "memcached-on" repeat 0 attempt 0 appears twice/);
  });

  it('rejects a configuration with no runs and one that mixes open and closed loops', () => {
    const input = standardInput();
    const third = { name: 'redis-only', stack: {} };
    expect(() => buildReport({ ...input, configurations: [MEMCACHED_ON, MEMCACHED_OFF, third] })).toThrow(/configuration "redis-only" has no runs/);
    const mixed = input.runs.map((r) => (r.configuration === 'memcached-on' && r.repeat === 1 ? { ...r, loadModel: 'closed' as const } : r));
    expect(() => buildReport({ ...input, runs: mixed })).toThrow(/configuration "memcached-on" mixes open- and closed-loop runs/);
  });

  it('rejects runs of another plan than the metadata names', () => {
    const input = standardInput({ metadata: makeMetadata({ plan: 'upload-storm' }) });
    expect(() => buildReport(input)).toThrow(/runs\[0\]\.plan "feed-read" differs from metadata\.plan "upload-storm"/);
  });
});

describe('buildReport without histograms (k6)', () => {
  function k6(run: ReturnType<typeof makeRun>) {
    return {
      ...run,
      driver: 'k6' as const,
      endpoints: run.endpoints.map((e) => ({ ...e, fromIntended: { ...e.fromIntended, histogram: '' }, fromSend: { ...e.fromSend, histogram: '' } })),
    };
  }

  it('uses the run\'s own percentiles for a single repeat', () => {
    const input = standardInput();
    const runs = input.runs.map((r) => (r.configuration === 'memcached-off' ? k6(r) : r));
    const row = rowOf(buildReport({ ...input, runs }), 'memcached-off', 'feed.read');
    expect(row.histogramsMerged).toBe(true);
    expect(row.fromIntended).toEqual(runs.find((r) => r.configuration === 'memcached-off')!.endpoints[0]!.fromIntended.percentiles);
  });

  it('reports per-repeat values without merging several repeats and marks the row', () => {
    const input = standardInput();
    const runs = input.runs.map((r) => (r.configuration === 'memcached-on' ? k6(r) : r));
    const report = buildReport({ ...input, runs });
    const row = rowOf(report, 'memcached-on', 'feed.read');
    expect(row.histogramsMerged).toBe(false);
    expect(row.perRepeat.map((r) => r.p99Ms)).toEqual([0.99, 1.99]);
    // Means of the per-repeat percentiles; counts and extremes over all repeats.
    expect(row.fromIntended.p99Ms).toBeCloseTo(1.49, 9);
    expect(row.fromIntended.count).toBe(2000);
    expect(row.fromIntended.maxMs).toBe(2);
    expect(validateReport(report)).toEqual([]);
  });
});

describe('buildReport comparison intervals', () => {
  it('gives no CI below 3 healthy repeats of a configuration, and says what it needs', () => {
    const vs = comparisonOf(buildReport(standardInput()), 'feed.read').entries[1]!.vsBaseline!;
    expect(vs.method).toBe('none');
    expect(vs.p99.ratioCi).toBeNull();
    expect(vs.p99.deltaMs).toBeCloseTo(3.961 - 1.98, 6);
    expect(vs.repeatsBaseline).toBe(2);
    expect(vs.repeatsCandidate).toBe(1);
    expect(vs.ciUnavailableReason).toBe('needs ≥ 3 healthy repeats per side (baseline 2, candidate 1)');
  });

  it('adds p50 and p99 deltas and ratios with 95% t-intervals from paired repeats, none on the baseline entry', () => {
    const on = [0, 1, 2].map((repeat) => makeRun({ configuration: 'memcached-on', repeat, endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(1000 + repeat * 20, 1000, 10) }] }));
    const off = [0, 1, 2].map((repeat) => makeRun({ configuration: 'memcached-off', repeat, endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(2000 + repeat * 40, 1000, 20) }] }));
    const report = buildReport({ configurations: [MEMCACHED_ON, MEMCACHED_OFF], metadata: makeMetadata(), runs: [...on, ...off] });
    const [base, other] = comparisonOf(report, 'feed.read').entries;
    expect(base!.vsBaseline).toBeUndefined();
    const vs = other!.vsBaseline!;
    expect(vs).toMatchObject({ confidence: 0.95, method: 'paired-t', pairs: 3, repeatsBaseline: 3, repeatsCandidate: 3, ciUnavailableReason: '' });
    expect(vs.p99.ratio).toBeCloseTo(2, 1);
    expect(vs.p99.ratioCi!.low).toBeLessThanOrEqual(vs.p99.ratio!);
    expect(vs.p99.ratioCi!.high).toBeGreaterThanOrEqual(vs.p99.ratio!);
    expect(vs.p50.ratioCi!.low).toBeGreaterThan(1.9);
    expect(buildReport({ configurations: [MEMCACHED_ON, MEMCACHED_OFF], metadata: makeMetadata(), runs: [...off, ...on] })).toEqual(report);
  });
});

describe('buildReport with several attempts of a repeat', () => {
  const attempts = () => {
    const run = (configuration: string, repeat: number, attempt: number, valid: boolean, fromUs: number) =>
      makeRun({ configuration, repeat, attempt, generatorValid: valid, generatorReasons: valid ? [] : ['send lag p99 90 ms'], endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(fromUs, 1000, 10) }] });
    return [
      ...[0, 1, 2].map((repeat) => run('memcached-on', repeat, 0, true, 1000 + repeat * 20)),
      ...[0, 2].map((repeat) => run('memcached-off', repeat, 0, true, 2000 + repeat * 40)),
      // Repeat 1 of memcached-off: the first attempt saturated the generator (and looks slow); the second was healthy.
      run('memcached-off', 1, 0, false, 9000),
      run('memcached-off', 1, 1, true, 2040),
    ];
  };

  it('keeps every attempt in runs, summarizes the last healthy one and pairs it', () => {
    const report = buildReport({ configurations: [MEMCACHED_ON, MEMCACHED_OFF], metadata: makeMetadata(), runs: attempts() });
    expect(report.runs.filter((r) => r.configuration === 'memcached-off').map((r) => [r.repeat, r.attempt])).toEqual([[0, 0], [1, 0], [1, 1], [2, 0]]);
    const row = rowOf(report, 'memcached-off', 'feed.read');
    expect(row.repeats).toBe(3);
    expect(row.generatorValid).toBe(true);
    expect(row.fromIntended.count).toBe(3000);
    const comparison = comparisonOf(report, 'feed.read');
    expect(comparison.verdictUsable).toBe(true);
    expect(comparison.entries[1]!.vsBaseline).toMatchObject({ method: 'paired-t', pairs: 3 });
    expect(validateReport(report)).toEqual([]);
  });

  it('refuses the same attempt of a repeat twice', () => {
    const runs = attempts();
    const err = thrown(() => buildReport({ configurations: [MEMCACHED_ON, MEMCACHED_OFF], metadata: makeMetadata(), runs: [...runs, runs.at(-1)!] }));
    expect((err as Error).message).toMatch(/configuration "memcached-off" repeat 1 attempt 1 appears twice/);
  });

  it('marks the endpoint unusable when a repeat had no healthy attempt', () => {
    const runs = attempts().filter((r) => !(r.configuration === 'memcached-off' && r.repeat === 1 && r.attempt === 1));
    const comparison = comparisonOf(buildReport({ configurations: [MEMCACHED_ON, MEMCACHED_OFF], metadata: makeMetadata(), runs }), 'feed.read');
    expect(comparison.verdictUsable).toBe(false);
    expect(comparison.unusableReasons).toEqual(['"memcached-off" repeat 1: load generator unhealthy in its only attempt (send lag p99 90 ms)']);
    expect(comparison.entries[1]!.vsBaseline!.ciUnavailableReason).toBe('needs ≥ 3 healthy repeats per side (baseline 3, candidate 2)');
  });
});

describe('buildReport with server metrics', () => {
  it('adds a server summary per configuration and an attribution per non-baseline configuration, valid against the schema', () => {
    const input = standardInput();
    for (const r of input.runs) r.server = makeServerMetrics(r.configuration === 'memcached-on' ? MEMCACHED_ON_SERVER : MEMCACHED_OFF_SERVER);
    const report = buildReport(input);
    expect(validateReport(report)).toEqual([]);
    expect(report.serverSummary?.map((s) => [s.configuration, s.repeats])).toEqual([
      ['memcached-on', [0, 1]],
      ['memcached-off', [0]],
    ]);
    expect(report.attribution?.map((a) => a.configuration)).toEqual(['memcached-off']);
    expect(report.attribution?.[0]?.items[0]?.sentence).toBe('cache hit ratio 0.0% vs 73.6%');
  });

  it('leaves both out when no run has server metrics', () => {
    const report = buildReport(standardInput());
    expect(report.serverSummary).toBeUndefined();
    expect(report.attribution).toBeUndefined();
  });
});

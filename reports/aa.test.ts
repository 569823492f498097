import { describe, expect, it } from 'vitest';
import type { RunResult } from '../lib/result-schema.ts';
import { adjacentPairs, runAa } from './aa.ts';
import { buildReport } from './build-report.ts';
import { latencyRuns } from './testing/gate-fixtures.ts';
import { makeMetadata } from './testing/run-fixtures.ts';

/** An A/A job: one configuration "a", one repeat per factor, run in this order. */
function aaReport(factors: readonly number[], change: (run: RunResult) => RunResult = (r) => r) {
  return buildReport({ configurations: [{ name: 'a', stack: {} }], metadata: makeMetadata(), runs: latencyRuns({ configuration: 'a', factors }).map(change) });
}

const QUIET = [1, 1.004, 0.996, 1.008, 0.992, 1.002, 0.998, 1.006];

/** An A/A job as `feedscale aa` runs it: "a" and its twin "a-twin", repeat j of both back to back. */
function twinReport(factorsA: readonly number[], factorsTwin: readonly number[]) {
  return buildReport({
    configurations: [
      { name: 'a', stack: {} },
      { name: 'a-twin', stack: {} },
    ],
    metadata: makeMetadata(),
    runs: [...latencyRuns({ configuration: 'a', factors: factorsA }), ...latencyRuns({ configuration: 'a-twin', factors: factorsTwin })],
  });
}

describe('A/A', () => {
  it('pairs repeats 2j and 2j+1, which ran back to back, and drops a pair with an unhealthy run', () => {
    const report = aaReport(QUIET, (r) => (r.repeat === 5 ? { ...r, generator: { ...r.generator, valid: false, reasons: ['cpu 0.99'] } } : r));
    const { pairs, dropped } = adjacentPairs(report, 'a');
    expect(pairs.map((p) => [p.first.repeat, p.second.repeat])).toEqual([[0, 1], [2, 3], [6, 7]]);
    expect(dropped).toEqual(['"a" repeat 5: load generator unhealthy in its only attempt (cpu 0.99)', 'pair 2 (repeats 4 and 5) has one healthy run only']);
  });

  it('pairs repeat j of a configuration with repeat j of its twin when given one, not repeats 2j and 2j+1', () => {
    // Within "a", repeats differ by 30% (as different request streams can); each twin matches its repeat.
    const a = [1, 1.3, 1, 1.3, 1, 1.3, 1, 1.3];
    const summary = runAa({ report: twinReport(a, a.map((f) => f * 1.002)), configuration: 'a', twinConfiguration: 'a-twin', thresholds: ['feed.read:p(99)<=+5%'], seed: 1 });
    expect(summary).toMatchObject({ twinConfiguration: 'a-twin', pairs: 8, distinctSplits: 256, inconclusiveRate: 0, falseAlarmRate: 0 });
    // The same runs of "a" alone, paired 2j with 2j+1, cannot tell those 30% from a change.
    const alone = runAa({ report: twinReport(a, a), configuration: 'a', thresholds: ['feed.read:p(99)<=+5%'], seed: 1 });
    expect(alone.pairs).toBe(4);
    expect(alone.inconclusiveRate + alone.falseAlarmRate).toBeGreaterThan(0.5);
    expect(() => runAa({ report: twinReport(a, a), configuration: 'a', twinConfiguration: 'b', thresholds: ['feed.read:p(99)<=+5%'], seed: 1 })).toThrow('A/A configuration "b" is not in the report (a, a-twin)');
  });

  it('judges every distinct split of the pairs and reports pass, fail and inconclusive rates', () => {
    const summary = runAa({ report: aaReport(QUIET), configuration: 'a', thresholds: ['feed.read:p(99)<=+10%', '*:failure_rate<0.01'], seed: 1 });
    expect(summary).toMatchObject({ pairs: 4, pairsPerTrial: 4, distinctSplits: 16, trials: 16, sampled: false, falseAlarmRate: 0, inconclusiveRate: 0, runOrderVerdict: 'passed' });
    expect(summary.verdicts).toMatchObject({ total: 16, passed: 16, passRate: 1 });
    expect(summary.byThreshold.map((t) => [t.expression, t.endpoint, t.total, t.passed])).toEqual([
      ['feed.read:p(99)<=+10%', 'feed.read', 16, 16],
      ['*:failure_rate<0.01', 'feed.read', 16, 16],
      ['*:failure_rate<0.01', 'media.like', 16, 16],
    ]);
    // Every split is paired: k pairs renumbered 0..k-1.
    expect(summary.results.every((r) => r.pairing === 'paired' && r.evaluations[0]!.pairs === 4)).toBe(true);
  });

  it('counts a gate that cannot decide as inconclusive, not as a pass: a tolerance below the noise', () => {
    const noisy = [1, 1.12, 0.95, 1.02, 1.1, 0.9, 0.97, 1.08];
    const summary = runAa({ report: aaReport(noisy), configuration: 'a', thresholds: ['feed.read:p(99)<=+2%'], seed: 1 });
    expect(summary.inconclusiveRate).toBeGreaterThan(0.5);
    expect(summary.byThreshold[0]!.inconclusiveBy.straddles).toBe(summary.byThreshold[0]!.inconclusive);
    expect(summary.verdicts.passed + summary.verdicts.failed + summary.verdicts.inconclusive).toBe(16);
  });

  it('fails the split in run order when the second run of every pair is slower, which random splits average out', () => {
    const secondSlower = [1, 1.3, 1, 1.3, 1, 1.3, 1, 1.3];
    const summary = runAa({ report: aaReport(secondSlower), configuration: 'a', thresholds: ['feed.read:p(99)<=+10%'], seed: 1 });
    expect(summary.runOrderVerdict).toBe('failed');
    expect(summary.falseAlarmRate).toBeCloseTo(1 / 16, 12);
  });

  it('samples distinct splits with a seed when there are more than maxTrials, and says so', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => 1 + 0.004 * Math.sin(i));
    const a = runAa({ report: aaReport(sixteen), configuration: 'a', thresholds: ['feed.read:p(50)<=+10%'], pairsPerTrial: 4, maxTrials: 50, seed: 3 });
    expect(a).toMatchObject({ pairs: 8, distinctSplits: 70 * 16, trials: 50, sampled: true });
    const b = runAa({ report: aaReport(sixteen), configuration: 'a', thresholds: ['feed.read:p(50)<=+10%'], pairsPerTrial: 4, maxTrials: 50, seed: 3 });
    expect(b.verdicts).toEqual(a.verdicts);
  });

  it('estimates the noise of one pair and the tolerance it supports', () => {
    const [noise] = runAa({ report: aaReport([1, 1.05, 1, 0.95, 1, 1.05, 1, 0.95]), configuration: 'a', thresholds: ['feed.read:p(99)<=+10%'], seed: 1 }).noise;
    expect(noise).toMatchObject({ endpoint: 'feed.read', metric: 'p(99)', pairs: 4 });
    // ln ratios +-0.0488 and -0.0513: sd about 5.8%.
    expect(noise!.sdLogRatio).toBeCloseTo(0.058, 2);
    expect(noise!.toleranceFor90PercentPass).toBeGreaterThan(noise!.typicalHalfWidth);
  });

  it('refuses fewer than 3 healthy pairs, naming what it needs', () => {
    expect(() => runAa({ report: aaReport([1, 1, 1, 1]), configuration: 'a', thresholds: ['feed.read:p(99)<=+10%'], seed: 1 })).toThrow(
      'A/A needs at least 3 pairs of healthy back-to-back repeats (2j, 2j+1) of "a", got 2; run at least 6 repeats',
    );
  });
});

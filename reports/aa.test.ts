import { describe, expect, it } from 'vitest';
import { aaFalseAlarmRate, splitForAa, summarizeAa } from './aa.ts';
import { latencyReport } from './testing/gate-fixtures.ts';

describe('A/A false-alarm rate', () => {
  it('splits alternate repeats into pseudo-baseline and pseudo-candidate reports', () => {
    const pair = splitForAa(latencyReport({ factors: [1, 1.01, 0.99, 1.02, 0.98, 1] }));
    expect(pair.baseline.runs.map((r) => r.repeat)).toEqual([0, 2, 4]);
    expect(pair.candidate.runs.map((r) => r.repeat)).toEqual([1, 3, 5]);
  });

  it('counts no false alarm on quiet A/A pairs', () => {
    const pairs = [0, 1, 2].map((i) => splitForAa(latencyReport({ factors: [1, 1.01 + i * 0.001, 0.99, 1.005, 0.995, 1] })));
    const summary = aaFalseAlarmRate({ pairs, thresholds: ['feed.read:p(99)<=+10%'], seed: 5, resamples: 500 });
    expect(summary).toMatchObject({ evaluations: 3, failed: 0, passed: 3, falseAlarmRate: 0 });
    expect(summary.byThreshold).toEqual([{ expression: 'feed.read:p(99)<=+10%', failed: 0, evaluations: 3 }]);
  });

  it('is the fraction of gate evaluations that came out failed', () => {
    // Drift that happens to put all slow repeats on the odd side: the A/A gate fails.
    const drifting = splitForAa(latencyReport({ factors: [1, 1.3, 1, 1.3, 1, 1.3] }));
    const quiet = splitForAa(latencyReport({ factors: [1, 1, 1, 1] }));
    const summary = aaFalseAlarmRate({ pairs: [drifting, quiet, quiet, quiet], thresholds: ['feed.read:p(99)<=+10%'], seed: 5, resamples: 500 });
    expect(summary.failed).toBe(1);
    expect(summary.falseAlarmRate).toBe(0.25);
    expect(summarizeAa([]).falseAlarmRate).toBe(0);
  });
});

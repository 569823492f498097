import { describe, expect, it } from 'vitest';
import { buildReport } from '../reports/build-report.ts';
import { aaFalseAlarmRate } from '../reports/aa.ts';
import { showcaseInput } from '../reports/testing/run-fixtures.ts';
import { randomAaPairs } from './aa-splits.ts';

describe('A/A splits', () => {
  const input = showcaseInput();
  const report = buildReport(input);
  const configuration = report.comparison.baseline;

  it('refuses fewer than 4 repeats, since each side needs 2 for an interval', () => {
    const runs = report.runs.filter((r) => r.configuration === configuration).length;
    if (runs >= 4) expect(() => randomAaPairs({ ...report, runs: report.runs.slice(0, 1) }, configuration, 3, 1)).toThrow(/at least 4 repeats/);
    else expect(() => randomAaPairs(report, configuration, 3, 1)).toThrow(/at least 4 repeats/);
  });

  it('gives the same halves for the same seed and different ones for another', () => {
    const sides = (seed: number) => randomAaPairs(doubled(), configuration, 5, seed).map((p) => p.baseline.runs.map((r) => r.startedAt).join());
    expect(sides(7)).toEqual(sides(7));
    expect(sides(7)).not.toEqual(sides(8));
  });

  it('splits the repeats into two disjoint halves of one configuration', () => {
    for (const pair of randomAaPairs(doubled(), configuration, 4, 3)) {
      const a = pair.baseline.runs.map((r) => r.startedAt);
      const b = pair.candidate.runs.map((r) => r.startedAt);
      expect(a.length).toBe(b.length);
      expect(a.filter((x) => b.includes(x))).toEqual([]);
    }
  });

  it('feeds the false-alarm rate of the gate', () => {
    const summary = aaFalseAlarmRate({ pairs: randomAaPairs(doubled(), configuration, 6, 11), thresholds: ['*:p(99)<=+50%'], seed: 1, resamples: 200 });
    expect(summary.evaluations).toBe(6);
    expect(summary.failed + summary.passed + summary.inconclusive).toBe(6);
  });

  /** The showcase's baseline runs twice over (distinct start times), so there are enough repeats to split. */
  function doubled() {
    const runs = report.runs.filter((r) => r.configuration === configuration);
    const all = [...runs, ...runs].map((r, i) => ({ ...r, repeat: i, startedAt: new Date(Date.UTC(2011, 11, 1, i)).toISOString() }));
    return buildReport({ ...input, configurations: input.configurations.filter((c) => c.name === configuration), runs: all });
  }
});

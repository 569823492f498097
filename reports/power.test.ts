import { describe, expect, it } from 'vitest';
import type { RunResult } from '../lib/result-schema.ts';
import { buildReport } from './build-report.ts';
import { runPower } from './power.ts';
import { latencyRuns } from './testing/gate-fixtures.ts';
import { makeMetadata } from './testing/run-fixtures.ts';

const DRIFT = [1, 1.03, 0.97, 1.05, 0.95, 1.01, 0.99, 1.02];

function powerReport(tailExtraUs: number, change: (run: RunResult) => RunResult = (r) => r) {
  return buildReport({
    configurations: [{ name: 'baseline', stack: {} }, { name: 'feed-read-plus-20ms', stack: {} }],
    metadata: makeMetadata(),
    runs: [...latencyRuns({ configuration: 'baseline', factors: DRIFT }), ...latencyRuns({ configuration: 'feed-read-plus-20ms', factors: DRIFT, tailExtraUs }).map(change)],
  });
}

describe('power', () => {
  it('detects 20 ms more at p99 in every subset of 4 of the 8 pairs', () => {
    const summary = runPower({ report: powerReport(20_000), baselineConfiguration: 'baseline', candidateConfiguration: 'feed-read-plus-20ms', thresholds: ['feed.read:p(99)<=+10%'], pairsPerTrial: 4, seed: 1 });
    expect(summary).toMatchObject({ pairs: 8, pairsPerTrial: 4, distinctSubsets: 70, trials: 70, sampled: false, detectionRate: 1 });
    expect(summary.effect[0]!.meanRatio).toBeCloseTo(1.4, 1);
  });

  it('reports how it misses a regression smaller than the tolerance: passes, not failures', () => {
    const summary = runPower({ report: powerReport(2_000), baselineConfiguration: 'baseline', candidateConfiguration: 'feed-read-plus-20ms', thresholds: ['feed.read:p(99)<=+10%'], pairsPerTrial: 4, seed: 1 });
    expect(summary.detectionRate).toBe(0);
    expect(summary.verdicts.passRate).toBe(1);
  });

  it('leaves out repeats unhealthy on one side and judges the rest', () => {
    const unhealthy = (r: RunResult) => (r.repeat === 7 ? { ...r, generator: { ...r.generator, valid: false, reasons: ['cpu 0.99'] } } : r);
    const summary = runPower({ report: powerReport(20_000, unhealthy), baselineConfiguration: 'baseline', candidateConfiguration: 'feed-read-plus-20ms', thresholds: ['feed.read:p(99)<=+10%'], seed: 1 });
    expect(summary).toMatchObject({ pairs: 7, pairsPerTrial: 7, trials: 1, detectionRate: 1 });
    expect(summary.dropped).toEqual(['"feed-read-plus-20ms" repeat 7: load generator unhealthy in its only attempt (cpu 0.99)']);
  });
});

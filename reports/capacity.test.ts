import { describe, expect, it } from 'vitest';
import { createWorkloadModel, usersSupported } from '../scenarios/workload/model.ts';
import { buildReport } from './build-report.ts';
import { capacityOfReport, capacityOfRun, findCapacity } from './capacity.ts';
import type { StepResult } from '../lib/result-schema.ts';
import { makeRun, rampUs, showcaseInput } from './testing/run-fixtures.ts';

function step(rateRps: number, p99Ms: number, errorRate = 0, sentFraction = 1): StepResult {
  const sent = Math.round(rateRps * 10 * sentFraction);
  return { rateRps, startS: 0, durationS: 10, endpoints: [{ endpoint: 'feed.read', p99Ms, errorRate, sent, ok: Math.round(sent * (1 - errorRate)) }] };
}

const slo = { p99Ms: 250, errorRateMax: 0.01 };

describe('findCapacity', () => {
  it('finds the highest rate meeting the SLO and the knee above it', () => {
    const found = findCapacity([step(100, 20), step(200, 30), step(300, 80), step(400, 900)], { slo });
    expect(found.sustainedRateRps).toBe(300);
    expect(found.kneeRateRps).toBe(400);
    expect(found.steps.map((s) => s.meetsSlo)).toEqual([true, true, true, false]);
    expect(found.steps[3]!.reasons).toEqual(['feed.read p99 900 ms > 250 ms']);
  });

  it('fails a step on its error rate and on a rate the system could not take', () => {
    const found = findCapacity([step(100, 20), step(200, 30, 0.05), step(300, 40, 0, 0.5)], { slo });
    expect(found.sustainedRateRps).toBe(100);
    expect(found.steps[1]!.reasons).toEqual(['error rate 5% > 1%']);
    expect(found.steps[2]!.reasons).toEqual(['sent 150 of 300 rps']);
  });

  it('does not count a rate above the knee even when a later step passes by chance', () => {
    expect(findCapacity([step(100, 20), step(200, 300), step(300, 40)], { slo }).sustainedRateRps).toBe(100);
  });

  it('reports a ramp that never broke the SLO as a lower bound, not a capacity', () => {
    const found = findCapacity([step(100, 20), step(200, 30), step(300, 40)], { slo });
    expect(found).toMatchObject({ sustainedRateRps: 300, kneeRateRps: null, limitedBy: 'ramp', lowerBound: true });
  });

  it('ends the search where the load generator fell behind, with a lower bound instead of a knee', () => {
    const lagging: StepResult = { ...step(300, 900), generator: { sendLagP99Ms: 40, sendLagP999Ms: 90, valid: false, reasons: ['send lag p99 40 ms > 10 ms'] } };
    const found = findCapacity([step(100, 20), step(200, 30), lagging, step(400, 1000)], { slo });
    // The 900 ms p99 at 300 rps is the generator's, so it is not a knee of the system.
    expect(found).toMatchObject({ sustainedRateRps: 200, kneeRateRps: null, limitedBy: 'generator', lowerBound: true });
    expect(found.steps[2]!.generatorValid).toBe(false);
  });

  it('gives no sustained rate when the lowest step fails', () => {
    const found = findCapacity([step(100, 400), step(200, 500)], { slo });
    expect(found.sustainedRateRps).toBeNull();
    expect(found.kneeRateRps).toBe(100);
  });

  it('requires every step of a repeated rate to pass', () => {
    expect(findCapacity([step(100, 20), step(200, 30), step(200, 260)], { slo }).sustainedRateRps).toBe(100);
  });
});

describe('capacity of runs and reports', () => {
  it('converts the sustained rate to users supported at 2011 per-user rates', () => {
    const run = makeRun({ configuration: 'memcached-on', endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(1, 10) }] });
    run.steps = [step(100, 20), step(200, 30), step(300, 900)];
    const model = createWorkloadModel();
    const capacity = capacityOfRun(run, { slo, model });
    expect(capacity?.sustainedRateRps).toBe(200);
    expect(capacity?.usersSupported).toBe(usersSupported(model, 200));
    expect(capacityOfRun({ ...run, steps: undefined })).toBeNull();
  });

  it('takes the lowest sustained rate over a configuration\'s repeats', () => {
    const report = buildReport(showcaseInput());
    const capacity = capacityOfReport(report, { slo });
    expect(capacity.map((c) => [c.configuration, c.sustainedRateRps, c.runs.length])).toEqual([
      ['memcached-on', 400, 3],
      ['memcached-off', 300, 3],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { ExitCode, isFeedscaleError } from '../../lib/errors.ts';
import { buildReport } from '../build-report.ts';
import { latencyReport, latencyRuns, QUIET_FACTORS } from '../testing/gate-fixtures.ts';
import { makeMetadata } from '../testing/run-fixtures.ts';
import { evaluateGate, type GateResult, type ThresholdEvaluation } from './evaluate-gate.ts';

const baseline = latencyReport({ factors: QUIET_FACTORS });

function only(result: GateResult, endpoint = 'feed.read'): ThresholdEvaluation {
  const found = result.evaluations.filter((e) => e.endpoint === endpoint);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('evaluateGate with relative thresholds', () => {
  it('fails a candidate with 20 ms more at p99 on feed.read against p(99)<=+10%', () => {
    const candidate = latencyReport({ factors: QUIET_FACTORS, tailExtraUs: 20_000 });
    const result = evaluateGate({ baseline, candidate, thresholds: ['feed.read:p(99)<=+10%'], seed: 7 });
    const e = only(result);
    expect(e.status).toBe('failed');
    expect(e.baselineValue).toBeCloseTo(50.5, 0);
    expect(e.candidateValue! - e.baselineValue!).toBeCloseTo(20, 0);
    expect(e.ci!.low).toBeGreaterThan(1.1);
    expect(e.reason).toMatch(/^95% CI of candidate\/baseline \[1\.\d{3}x, 1\.\d{3}x\] is beyond <= 1\.100x/);
    expect(result.verdict).toBe('failed');
    expect(result.exitCode).toBe(ExitCode.GATE_FAILED);
    expect(result.errorCode).toBe('RPT_ERR_GATE_FAILED');
  });

  it('passes identical reports on every relative threshold', () => {
    const candidate = structuredClone(baseline);
    const result = evaluateGate({ baseline, candidate, thresholds: ['*:p(99)<=+10%', '*:p(50)<=+5%', '*:throughput>=-5%'], seed: 7 });
    expect(result.evaluations.map((e) => [e.expression, e.endpoint, e.status])).toEqual([
      ['*:p(99)<=+10%', 'feed.read', 'passed'],
      ['*:p(99)<=+10%', 'media.like', 'passed'],
      ['*:p(50)<=+5%', 'feed.read', 'passed'],
      ['*:p(50)<=+5%', 'media.like', 'passed'],
      ['*:throughput>=-5%', 'feed.read', 'passed'],
      ['*:throughput>=-5%', 'media.like', 'passed'],
    ]);
    expect(result.evaluations[0]!.observed).toBe(1);
    expect(result.exitCode).toBe(ExitCode.OK);
    expect(result.errorCode).toBeNull();
  });

  it('is inconclusive when noisy repeats give a CI that straddles the tolerance', () => {
    const noisyBase = latencyReport({ factors: [0.8, 1.0, 1.2, 0.9, 1.1] });
    const noisyCandidate = latencyReport({ factors: [0.9, 1.3, 1.05, 1.25, 1.0] });
    const result = evaluateGate({ baseline: noisyBase, candidate: noisyCandidate, thresholds: ['feed.read:p(99)<=+10%'], seed: 7 });
    const e = only(result);
    expect(e.status).toBe('inconclusive');
    expect(e.ci!.low).toBeLessThan(1.1);
    expect(e.ci!.high).toBeGreaterThan(1.1);
    expect(e.reason).toMatch(/straddles the limit 1\.100x: noise is wider than the tolerance/);
    expect(result.exitCode).toBe(ExitCode.INCONCLUSIVE);
    expect(result.errorCode).toBe('RPT_ERR_INCONCLUSIVE');
  });

  it('fails a throughput drop beyond -5% and passes a gain', () => {
    const slower = latencyReport({ factors: QUIET_FACTORS, throughputRps: 150 });
    const faster = latencyReport({ factors: QUIET_FACTORS, throughputRps: 250 });
    expect(only(evaluateGate({ baseline, candidate: slower, thresholds: ['feed.read:throughput>=-5%'], seed: 1 })).status).toBe('failed');
    expect(only(evaluateGate({ baseline, candidate: faster, thresholds: ['feed.read:throughput>=-5%'], seed: 1 })).status).toBe('passed');
  });

  it('is inconclusive with one repeat per side because there is no CI', () => {
    const one = latencyReport({ factors: [1] });
    const e = only(evaluateGate({ baseline: one, candidate: structuredClone(one), thresholds: ['feed.read:p(99)<=+10%'], seed: 1 }));
    expect(e.status).toBe('inconclusive');
    expect(e.ci).toBeNull();
    expect(e.reason).toContain('a CI needs at least 2 repeats per side');
  });

  it('makes latency thresholds inconclusive when a run had a saturated generator, but still judges the error rate', () => {
    const saturated = latencyReport({ factors: QUIET_FACTORS, tailExtraUs: 20_000, generatorValid: false });
    const result = evaluateGate({ baseline, candidate: saturated, thresholds: ['feed.read:p(99)<=+10%', 'feed.read:p(99)<1', 'feed.read:error_rate<0.01'], seed: 1 });
    expect(result.evaluations.map((e) => e.status)).toEqual(['inconclusive', 'inconclusive', 'passed']);
    expect(result.evaluations[0]!.reason).toBe('no verdict: "main" repeat 0: load generator saturated (send lag p99 90 ms); "main" repeat 1: load generator saturated (send lag p99 90 ms); "main" repeat 2: load generator saturated (send lag p99 90 ms); "main" repeat 3: load generator saturated (send lag p99 90 ms); "main" repeat 4: load generator saturated (send lag p99 90 ms)');
    expect(result.verdict).toBe('inconclusive');
  });

  it('makes latency thresholds inconclusive for closed-loop runs', () => {
    const closed = latencyReport({ factors: QUIET_FACTORS, loadModel: 'closed' });
    const e = only(evaluateGate({ baseline: closed, candidate: structuredClone(closed), thresholds: ['feed.read:p(99)<=+10%'], seed: 1 }));
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toContain('ran closed-loop');
  });

  it('gives the same intervals for the same seed and different ones for another seed', () => {
    const candidate = latencyReport({ factors: [1.02, 0.97, 1.05, 1.0, 0.99] });
    const a = evaluateGate({ baseline, candidate, thresholds: ['feed.read:p(99)<=+10%'], seed: 3 });
    const b = evaluateGate({ baseline, candidate, thresholds: ['feed.read:p(99)<=+10%'], seed: 3 });
    const c = evaluateGate({ baseline, candidate, thresholds: ['feed.read:p(99)<=+10%'], seed: 4 });
    expect(a).toEqual(b);
    expect(only(c).ci).not.toEqual(only(a).ci);
  });

  it('compares two configurations of one report, pairing interleaved repeats', () => {
    const report = buildReport({
      configurations: [{ name: 'on', stack: {} }, { name: 'off', stack: {} }],
      metadata: makeMetadata(),
      runs: [...latencyRuns({ configuration: 'on', factors: QUIET_FACTORS }), ...latencyRuns({ configuration: 'off', factors: QUIET_FACTORS, tailExtraUs: 20_000 })],
    });
    const result = evaluateGate({ baseline: report, candidate: report, thresholds: ['feed.read:p(99)<=+10%'], seed: 1 });
    expect(result.baseline?.configuration).toBe('on');
    expect(result.candidate.configuration).toBe('off');
    expect(only(result).status).toBe('failed');
  });
});

describe('evaluateGate with absolute thresholds', () => {
  it('judges the observed candidate value like k6 and reports its CI', () => {
    const result = evaluateGate({ candidate: baseline, thresholds: ['feed.read:p(99)<60', 'feed.read:p(99)<50ms', '*:p(99.9)<1000'], seed: 1 });
    expect(result.evaluations.map((e) => [e.expression, e.endpoint, e.status])).toEqual([
      ['feed.read:p(99)<60', 'feed.read', 'passed'],
      ['feed.read:p(99)<50ms', 'feed.read', 'failed'],
      ['*:p(99.9)<1000', 'feed.read', 'passed'],
      ['*:p(99.9)<1000', 'media.like', 'passed'],
    ]);
    const first = result.evaluations[0]!;
    expect(first.unit).toBe('ms');
    expect(first.ci!.low).toBeLessThanOrEqual(first.observed!);
    expect(first.ci!.high).toBeGreaterThanOrEqual(first.observed!);
    expect(result.evaluations[1]!.reason).toMatch(/^50\.\d+ ms breaks < 50 ms$/);
  });

  it('fails an error rate above its limit', () => {
    const failing = latencyReport({ factors: QUIET_FACTORS, errorsPerRepeat: 200 });
    const e = only(evaluateGate({ candidate: failing, thresholds: ['feed.read:error_rate<0.01'], seed: 1 }));
    expect(e.status).toBe('failed');
    expect(e.observed).toBeCloseTo(200 / 10_200, 6);
    expect(e.reason).toBe('1.96% breaks < 1%');
  });

  it('is inconclusive for an endpoint the candidate did not measure', () => {
    const e = only(evaluateGate({ candidate: baseline, thresholds: ['upload.start:p(99)<100'], seed: 1 }), 'upload.start');
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toBe('the candidate ("main") did not measure upload.start');
  });
});

describe('evaluateGate input checks', () => {
  it('throws CFG_ERR_INVALID naming the expression that does not parse', () => {
    let caught: unknown;
    try {
      evaluateGate({ baseline, candidate: baseline, thresholds: ['feed.read:p(99)<<250'], seed: 1 });
    } catch (err) {
      caught = err;
    }
    expect(isFeedscaleError(caught) && caught.code).toBe('CFG_ERR_INVALID');
    expect((caught as Error).message).toMatch(/^threshold "feed\.read:p\(99\)<<250": /);
  });

  it('refuses a relative threshold without a baseline report', () => {
    expect(() => evaluateGate({ candidate: baseline, thresholds: ['feed.read:p(99)<=+10%'], seed: 1 })).toThrow(/is relative and needs a baseline report/);
  });

  it('asks which configuration to judge when a report has several', () => {
    const two = buildReport({
      configurations: [{ name: 'on', stack: {} }, { name: 'off', stack: {} }],
      metadata: makeMetadata(),
      runs: [...latencyRuns({ configuration: 'on', factors: [1, 1] }), ...latencyRuns({ configuration: 'off', factors: [1, 1] })],
    });
    expect(() => evaluateGate({ baseline, candidate: two, thresholds: ['feed.read:p(99)<=+10%'], seed: 1 })).toThrow(
      /the candidate report has 2 configurations \(on, off\); name one with candidateConfiguration/,
    );
    const named = evaluateGate({ baseline, candidate: two, candidateConfiguration: 'off', thresholds: ['feed.read:p(99)<=+10%'], seed: 1 });
    expect(named.candidate.configuration).toBe('off');
  });
});

import { describe, expect, it } from 'vitest';
import { ExitCode, isFeedscaleError } from '../../lib/errors.ts';
import type { RunCosts, RunResult } from '../../lib/result-schema.ts';
import { buildReport } from '../build-report.ts';
import type { Report } from '../report-schema.ts';
import { latencyReport, latencyRuns, QUIET_FACTORS, type LatencyReportOptions } from '../testing/gate-fixtures.ts';
import { makeMetadata } from '../testing/run-fixtures.ts';
import { evaluateGate, type GateResult, type ThresholdEvaluation } from './evaluate-gate.ts';

const baseline = latencyReport({ factors: QUIET_FACTORS });

function only(result: GateResult, endpoint = 'feed.read'): ThresholdEvaluation {
  const found = result.evaluations.filter((e) => e.endpoint === endpoint);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** One job with two configurations, "main" and "pr", run interleaved (repeat i of both back to back). */
function job(main: RunResult[], pr: RunResult[]): Report {
  return buildReport({ configurations: [{ name: 'main', stack: {} }, { name: 'pr', stack: {} }], metadata: makeMetadata(), runs: [...main, ...pr] });
}

function runsOf(options: LatencyReportOptions, change: (run: RunResult, repeat: number) => RunResult = (r) => r): RunResult[] {
  return latencyRuns(options).map((run, i) => change(run, i));
}

const COSTS: RunCosts = {
  requests: 3000,
  cpuUsPerRequest: { app: 900, pg: 300 },
  pgQueriesPerRequest: 2,
  pgRowsPerRequest: 40,
  redisCommandsPerRequest: 3,
  memcachedGetsPerRequest: 10,
};

function withCosts(costs: Partial<RunCosts>, jitter = 0) {
  return (run: RunResult, repeat: number): RunResult => {
    const wobble = 1 + jitter * ((repeat % 3) - 1);
    const merged = { ...COSTS, ...costs };
    return {
      ...run,
      costs: { ...merged, pgQueriesPerRequest: merged.pgQueriesPerRequest === null ? null : merged.pgQueriesPerRequest * wobble, cpuUsPerRequest: { ...merged.cpuUsPerRequest } },
    };
  };
}

describe('evaluateGate with relative thresholds', () => {
  it('fails a candidate with 20 ms more at p99 on feed.read against p(99)<=+10%', () => {
    const candidate = latencyReport({ factors: QUIET_FACTORS, tailExtraUs: 20_000 });
    const result = evaluateGate({ baseline, candidate, thresholds: ['feed.read:p(99)<=+10%'] });
    const e = only(result);
    expect(e.status).toBe('failed');
    expect(e.baselineValue).toBeCloseTo(50.5, 0);
    expect(e.candidateValue! - e.baselineValue!).toBeCloseTo(20, 0);
    expect(e.ci!.low).toBeGreaterThan(1.1);
    expect(e.reason).toMatch(/^95% CI of candidate\/baseline \[1\.\d{3}x, 1\.\d{3}x\] \(unpaired Welch t, 5 \+ 5 repeats\) is beyond <= 1\.100x/);
    expect(result.verdict).toBe('failed');
    expect(result.pairing).toBe('unpaired');
    expect(result.exitCode).toBe(ExitCode.GATE_FAILED);
    expect(result.errorCode).toBe('RPT_ERR_GATE_FAILED');
  });

  it('passes identical reports on every relative threshold', () => {
    const candidate = structuredClone(baseline);
    const result = evaluateGate({ baseline, candidate, thresholds: ['*:p(99)<=+10%', '*:p(50)<=+5%', '*:throughput>=-5%'] });
    expect(result.evaluations.map((e) => [e.expression, e.endpoint, e.status])).toEqual([
      ['*:p(99)<=+10%', 'feed.read', 'passed'],
      ['*:p(99)<=+10%', 'media.like', 'passed'],
      ['*:p(50)<=+5%', 'feed.read', 'passed'],
      ['*:p(50)<=+5%', 'media.like', 'passed'],
      ['*:throughput>=-5%', 'feed.read', 'passed'],
      ['*:throughput>=-5%', 'media.like', 'passed'],
    ]);
    expect(result.evaluations[0]!.observed).toBeCloseTo(1, 12);
    expect(result.exitCode).toBe(ExitCode.OK);
    expect(result.errorCode).toBeNull();
  });

  it('is inconclusive when noisy repeats give a CI that straddles the tolerance', () => {
    const noisyBase = latencyReport({ factors: [0.8, 1.0, 1.2, 0.9, 1.1] });
    const noisyCandidate = latencyReport({ factors: [0.9, 1.3, 1.05, 1.25, 1.0] });
    const result = evaluateGate({ baseline: noisyBase, candidate: noisyCandidate, thresholds: ['feed.read:p(99)<=+10%'] });
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
    expect(only(evaluateGate({ baseline, candidate: slower, thresholds: ['feed.read:throughput>=-5%'] })).status).toBe('failed');
    expect(only(evaluateGate({ baseline, candidate: faster, thresholds: ['feed.read:throughput>=-5%'] })).status).toBe('passed');
  });

  it('is inconclusive below 3 healthy repeats and says it needs 3', () => {
    const two = latencyReport({ factors: [1, 1.01] });
    const e = only(evaluateGate({ baseline: two, candidate: structuredClone(two), thresholds: ['feed.read:p(99)<=+10%'] }));
    expect(e.status).toBe('inconclusive');
    expect(e.ci).toBeNull();
    expect(e.reason).toBe('needs ≥ 3 healthy repeats per side (baseline 2, candidate 2)');
  });

  it('pairs the repeats of one job, which cancels drift shared by repeat i of both configurations', () => {
    const drift = [0.8, 0.9, 1.0, 1.1, 1.2];
    const report = job(runsOf({ configuration: 'main', factors: drift }), runsOf({ configuration: 'pr', factors: drift.map((f) => f * 1.02) }));
    const paired = evaluateGate({ baseline: report, candidate: report, thresholds: ['feed.read:p(99)<=+10%'] });
    expect(paired.pairing).toBe('paired');
    expect(paired.baseline?.configuration).toBe('main');
    expect(paired.candidate.configuration).toBe('pr');
    expect(only(paired)).toMatchObject({ status: 'passed', method: 'paired-t', pairs: 5, methodText: 'paired t, 5 pairs' });
    // The same runs as two separate reports: drift now looks like noise.
    const unpaired = evaluateGate({ baseline: report, candidate: structuredClone(report), baselineConfiguration: 'main', candidateConfiguration: 'pr', thresholds: ['feed.read:p(99)<=+10%'] });
    expect(unpaired.pairing).toBe('unpaired');
    expect(only(unpaired)).toMatchObject({ status: 'inconclusive', method: 'welch-t' });
  });

  it('fails on a doubling of queries per request and passes unchanged costs, under the pseudo-endpoint server', () => {
    const report = job(runsOf({ configuration: 'main', factors: QUIET_FACTORS }, withCosts({}, 0.01)), runsOf({ configuration: 'pr', factors: QUIET_FACTORS }, withCosts({ pgQueriesPerRequest: 4 }, 0.01)));
    const result = evaluateGate({ baseline: report, candidate: report, thresholds: ['server:pg_queries_per_req<=+10%', 'server:redis_commands_per_req<=+10%', 'server:cpu_us_per_req.app<=+10%', 'server:cpu_us_per_req<=+10%'] });
    expect(result.evaluations.map((e) => [e.endpoint, e.metric, e.status])).toEqual([
      ['server', 'pg_queries_per_req', 'failed'],
      ['server', 'redis_commands_per_req', 'passed'],
      ['server', 'cpu_us_per_req.app', 'passed'],
      ['server', 'cpu_us_per_req', 'passed'],
    ]);
    expect(result.evaluations[0]!.observed).toBeCloseTo(2, 9);
    expect(result.evaluations[0]!.valueUnit).toBe('per_req');
  });

  it('is inconclusive on a cost the runs do not carry, and says which', () => {
    const report = job(runsOf({ configuration: 'main', factors: QUIET_FACTORS }, withCosts({ memcachedGetsPerRequest: null })), runsOf({ configuration: 'pr', factors: QUIET_FACTORS }, withCosts({ memcachedGetsPerRequest: null })));
    const e = only(evaluateGate({ baseline: report, candidate: report, thresholds: ['server:memcached_gets_per_req<=+10%'] }), 'server');
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toMatch(/^the baseline \("main"\) has no memcached_gets_per_req in any healthy repeat; left out: "main" repeat 0 has no memcached_gets_per_req/);
  });
});

describe('evaluateGate on unhealthy load generators', () => {
  it('never fails on runs whose generator was unhealthy: the regression is there, the verdict is inconclusive', () => {
    const saturated = latencyReport({ factors: QUIET_FACTORS, tailExtraUs: 20_000, generatorValid: false });
    const result = evaluateGate({ baseline, candidate: saturated, thresholds: ['feed.read:p(99)<=+10%', 'feed.read:p(99)<1', 'feed.read:error_rate<0.01'] });
    expect(result.evaluations.map((e) => e.status)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(result.evaluations[0]!.reason).toMatch(/^no verdict: the load generator of the candidate \("main"\) was unhealthy in every attempt of every repeat; left out: "main" repeat 0: load generator unhealthy in its only attempt \(send lag p99 90 ms\)/);
    expect(result.verdict).toBe('inconclusive');
    expect(result.exitCode).toBe(ExitCode.INCONCLUSIVE);
  });

  it('judges a repeat on its last healthy attempt and leaves out the unhealthy one', () => {
    const healthyRuns = runsOf({ configuration: 'pr', factors: QUIET_FACTORS });
    // Repeat 2's first attempt was saturated and slow; it was run again.
    const bad = { ...latencyRuns({ configuration: 'pr', factors: [1], tailExtraUs: 200_000, generatorValid: false })[0]!, repeat: 2, attempt: 0 };
    const retried = healthyRuns.map((r) => (r.repeat === 2 ? { ...r, attempt: 1 } : r));
    const report = job(runsOf({ configuration: 'main', factors: QUIET_FACTORS }), [...retried, bad]);
    const e = only(evaluateGate({ baseline: report, candidate: report, thresholds: ['feed.read:p(99)<=+10%'] }));
    expect(e).toMatchObject({ status: 'passed', pairs: 5, repeatsCandidate: 5 });
  });

  it('judges on the healthy repeats when some repeats had no healthy attempt, and names them when it cannot decide', () => {
    const pr = runsOf({ configuration: 'pr', factors: QUIET_FACTORS }, (r, i) => (i >= 3 ? { ...r, generator: { ...r.generator, valid: false, reasons: ['cpu 0.99'] } } : r));
    const report = job(runsOf({ configuration: 'main', factors: QUIET_FACTORS }), pr);
    expect(only(evaluateGate({ baseline: report, candidate: report, thresholds: ['feed.read:p(99)<=+10%'] }))).toMatchObject({ status: 'passed', pairs: 3 });
    const fewer = job(runsOf({ configuration: 'main', factors: QUIET_FACTORS }), pr.map((r) => (r.repeat === 2 ? { ...r, generator: { ...r.generator, valid: false, reasons: ['cpu 0.99'] } } : r)));
    const e = only(evaluateGate({ baseline: fewer, candidate: fewer, thresholds: ['feed.read:p(99)<=+10%'] }));
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toBe(
      'needs ≥ 3 healthy repeats per side (baseline 5, candidate 2); left out: "pr" repeat 2: load generator unhealthy in its only attempt (cpu 0.99); ' +
        '"pr" repeat 3: load generator unhealthy in its only attempt (cpu 0.99); "pr" repeat 4: load generator unhealthy in its only attempt (cpu 0.99)',
    );
  });

  it('makes latency thresholds inconclusive for closed-loop runs', () => {
    const closed = latencyReport({ factors: QUIET_FACTORS, loadModel: 'closed' });
    const e = only(evaluateGate({ baseline: closed, candidate: structuredClone(closed), thresholds: ['feed.read:p(99)<=+10%'] }));
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toContain('ran closed-loop');
  });

  it('gives no verdict on p(N) for rows timed from send only, unless the threshold asks for send_p(N)', () => {
    const fromSend = (r: RunResult): RunResult => ({ ...r, endpoints: r.endpoints.map((e) => ({ ...e, latencyFrom: 'send' as const })) });
    const report = job(runsOf({ configuration: 'main', factors: QUIET_FACTORS }, fromSend), runsOf({ configuration: 'pr', factors: QUIET_FACTORS, tailExtraUs: 20_000 }, fromSend));
    const result = evaluateGate({ baseline: report, candidate: report, thresholds: ['feed.read:p(99)<=+10%', 'feed.read:send_p(99)<=+10%'] });
    expect(result.evaluations.map((e) => e.status)).toEqual(['inconclusive', 'failed']);
    expect(result.evaluations[0]!.reason).toMatch(/^no verdict: "main" repeat 0 timed feed\.read from send only \(open-loop could not time from the schedule\); write send_p\(99\)/);
  });
});

describe('evaluateGate with absolute thresholds', () => {
  it('judges the interval of the candidate\'s per-repeat value, like k6 judges its value', () => {
    const result = evaluateGate({ candidate: baseline, thresholds: ['feed.read:p(99)<60', 'feed.read:p(99)<50ms', '*:p(99.9)<1000'] });
    expect(result.evaluations.map((e) => [e.expression, e.endpoint, e.status])).toEqual([
      ['feed.read:p(99)<60', 'feed.read', 'passed'],
      ['feed.read:p(99)<50ms', 'feed.read', 'failed'],
      ['*:p(99.9)<1000', 'feed.read', 'passed'],
      ['*:p(99.9)<1000', 'media.like', 'passed'],
    ]);
    const first = result.evaluations[0]!;
    expect(first).toMatchObject({ unit: 'ms', method: 'one-sample-t', repeatsCandidate: 5 });
    expect(first.ci!.low).toBeLessThanOrEqual(first.observed!);
    expect(first.ci!.high).toBeGreaterThanOrEqual(first.observed!);
    expect(result.pairing).toBeNull();
    expect(result.evaluations[1]!.reason).toMatch(/^95% CI of the candidate's p\(99\) \[50\.\d+ ms, 50\.\d+ ms\] \(t on logs, 5 repeats\) is beyond < 50 ms/);
  });

  it('fails an error rate above its limit', () => {
    const failing = latencyReport({ factors: QUIET_FACTORS, errorsPerRepeat: 200 });
    const e = only(evaluateGate({ candidate: failing, thresholds: ['feed.read:error_rate<0.01'] }));
    expect(e.status).toBe('failed');
    expect(e.observed).toBeCloseTo(200 / 10_200, 6);
    expect(e.method).toBe('rate-cox-wilson');
    expect(e.reason).toMatch(/^95% CI of the candidate's error_rate \[1\.84%, 2\.08%\] \(Cox \+ Wilson, 5 repeats\) is beyond < 1%/);
  });

  it('counts unserved demand in failure_rate and unserved_rate but not in error_rate', () => {
    const runs = runsOf({ configuration: 'main', factors: QUIET_FACTORS }, (r) => ({
      ...r,
      endpoints: r.endpoints.map((e) => (e.endpoint === 'feed.read' ? { ...e, unserved: 300, intended: e.intended + 300 } : e)),
    }));
    const report = buildReport({ configurations: [{ name: 'main', stack: {} }], metadata: makeMetadata(), runs });
    const result = evaluateGate({ candidate: report, thresholds: ['feed.read:error_rate<0.01', 'feed.read:failure_rate<0.01', 'feed.read:unserved_rate<=0.001'] });
    expect(result.evaluations.map((e) => e.status)).toEqual(['passed', 'failed', 'failed']);
    expect(result.evaluations[1]!.observed).toBeCloseTo(300 / 10_300, 9);
  });

  it('judges mean bytes per response, and is inconclusive when the driver counted none', () => {
    const withBytes = runsOf({ configuration: 'main', factors: QUIET_FACTORS }, (r) => ({ ...r, endpoints: r.endpoints.map((e) => ({ ...e, responseBytes: e.ok * 2048 })) }));
    const report = buildReport({ configurations: [{ name: 'main', stack: {} }], metadata: makeMetadata(), runs: withBytes });
    const e = only(evaluateGate({ candidate: report, thresholds: ['feed.read:response_bytes<4096'] }));
    expect(e).toMatchObject({ status: 'passed', unit: 'bytes' });
    expect(e.observed).toBeCloseTo(2048, 9);
    const none = only(evaluateGate({ candidate: baseline, thresholds: ['feed.read:response_bytes<4096'] }));
    expect(none.status).toBe('inconclusive');
    expect(none.reason).toMatch(/^the candidate \("main"\) has no response_bytes in any healthy repeat; left out: "main" repeat 0: the open-loop driver did not count response bytes/);
  });

  it('is inconclusive for an endpoint the candidate did not measure', () => {
    const e = only(evaluateGate({ candidate: baseline, thresholds: ['upload.start:p(99)<100'] }), 'upload.start');
    expect(e.status).toBe('inconclusive');
    expect(e.reason).toBe('the candidate ("main") did not measure upload.start');
  });
});

describe('evaluateGate input checks', () => {
  it('throws CFG_ERR_INVALID naming the expression that does not parse', () => {
    let caught: unknown;
    try {
      evaluateGate({ baseline, candidate: baseline, thresholds: ['feed.read:p(99)<<250'] });
    } catch (err) {
      caught = err;
    }
    expect(isFeedscaleError(caught) && caught.code).toBe('CFG_ERR_INVALID');
    expect((caught as Error).message).toMatch(/^threshold "feed\.read:p\(99\)<<250": /);
  });

  it('refuses a relative threshold without a baseline report', () => {
    expect(() => evaluateGate({ candidate: baseline, thresholds: ['feed.read:p(99)<=+10%'] })).toThrow(/is relative and needs a baseline report/);
  });

  it('asks which configuration to judge when a report has several', () => {
    const two = job(runsOf({ configuration: 'main', factors: [1, 1, 1] }), runsOf({ configuration: 'pr', factors: [1, 1, 1] }));
    expect(() => evaluateGate({ baseline, candidate: two, thresholds: ['feed.read:p(99)<=+10%'] })).toThrow(
      /the candidate report has 2 configurations \(main, pr\); name one with candidateConfiguration/,
    );
    const named = evaluateGate({ baseline, candidate: two, candidateConfiguration: 'pr', thresholds: ['feed.read:p(99)<=+10%'] });
    expect(named.candidate.configuration).toBe('pr');
    expect(() => evaluateGate({ baseline: two, candidate: two, baselineConfiguration: 'pr', candidateConfiguration: 'pr', thresholds: ['feed.read:p(99)<=+10%'] })).toThrow(
      'baseline and candidate are the same configuration "pr" of one report',
    );
  });
});

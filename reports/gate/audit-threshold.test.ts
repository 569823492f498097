import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import type { RunResult, WriteAudit } from '../../lib/result-schema.ts';
import { buildReport } from '../build-report.ts';
import { latencyRuns, QUIET_FACTORS } from '../testing/gate-fixtures.ts';
import { makeMetadata } from '../testing/run-fixtures.ts';
import { evaluateGate } from './evaluate-gate.ts';
import { parseThreshold } from './threshold.ts';

const audit = (lost: number, duplicated = 0): WriteAudit => ({
  writes: [
    { type: 'media.like', acknowledged: 10, present: 10 - lost, lost, duplicated: 0 },
    { type: 'feed.fan-out', acknowledged: 40, present: 40, lost: 0, duplicated },
  ],
  queueDrained: true,
  elapsedMs: 10,
  notes: [],
});

function report(audits: Array<WriteAudit | undefined>) {
  const runs: RunResult[] = latencyRuns({ factors: QUIET_FACTORS }).slice(0, audits.length).map((r, i) => (audits[i] ? { ...r, audit: audits[i] } : r));
  return buildReport({ configurations: [{ name: 'main', stack: {} }], metadata: makeMetadata(), runs });
}

describe('audit thresholds', () => {
  it('parses lost and duplicated as whole counts with ==', () => {
    expect(parseThreshold('*:lost==0')).toMatchObject({ endpoint: '*', metric: { kind: 'audit', count: 'lost' }, operator: '==', limit: { kind: 'absolute', value: 0 } });
    expect(parseThreshold('feed.fan-out:duplicated<=0')).toMatchObject({ metric: { kind: 'audit', count: 'duplicated' }, operator: '<=' });
    for (const [bad, rule] of [
      ['*:lost==+0%', /whole number/],
      ['*:lost==0.5', /whole number/],
      ['feed.read:p(99)==250', /== applies to the audit counts/],
    ] as const) {
      try {
        parseThreshold(bad);
        expect.unreachable(bad);
      } catch (err) {
        expect(isFeedscaleError(err) && err.code).toBe('CFG_ERR_INVALID');
        expect((err as Error).message).toMatch(rule);
      }
    }
  });

  it('passes when every audited run lost nothing, per write type', () => {
    const gate = evaluateGate({ candidate: report([audit(0), audit(0), audit(0)]), thresholds: ['*:lost==0', '*:duplicated==0'] });
    expect(gate.verdict).toBe('passed');
    expect(gate.evaluations.map((e) => [e.endpoint, e.metric, e.status])).toEqual([
      ['media.like', 'lost', 'passed'],
      ['feed.fan-out', 'lost', 'passed'],
      ['media.like', 'duplicated', 'passed'],
      ['feed.fan-out', 'duplicated', 'passed'],
    ]);
  });

  it('fails on one lost write in one run, with no statistics to hide it, and names the run', () => {
    const gate = evaluateGate({ candidate: report([audit(0), audit(1), audit(0)]), thresholds: ['*:lost==0', 'feed.fan-out:duplicated==0'] });
    expect(gate.verdict).toBe('failed');
    const like = gate.evaluations.find((e) => e.endpoint === 'media.like')!;
    expect(like).toMatchObject({ status: 'failed', observed: 1, candidateValue: 1, unit: 'count' });
    expect(like.reason).toMatch(/1 of 3 run\(s\).*repeat 1/);
  });

  it('judges nothing for * on runs that wrote nothing, and gives no verdict on a named type never audited', () => {
    expect(evaluateGate({ candidate: report([undefined, undefined]), thresholds: ['*:lost==0', '*:failure_rate<0.5'] }).evaluations.filter((e) => e.metric === 'lost')).toEqual([]);
    const gate = evaluateGate({ candidate: report([undefined, undefined]), thresholds: ['upload.complete:lost==0'] });
    expect(gate.verdict).toBe('inconclusive');
    expect(gate.evaluations[0]!.reason).toMatch(/no run of the candidate audited upload.complete writes/);
  });
});

import { describe, expect, it } from 'vitest';
import { exponential, singleStationModel, threeTierModel } from '../testing/small-models.ts';
import { findKnee } from './knee.ts';

describe('findKnee', () => {
  it('finds the M/M/1 knee λ* = (1 − ln(100)·S/X)/S for p99 <= X', () => {
    const serviceS = 0.01;
    const sloS = 0.1;
    const exact = (1 - (Math.log(100) * serviceS) / sloS) / serviceS;
    const knee = findKnee(singleStationModel({ rateRps: 10, demand: exponential(serviceS) }), { slos: [{ classId: 'req', statistic: 'p99', maxMs: sloS * 1000 }] });
    expect(Math.abs(knee.totalRateRps - exact) / exact).toBeLessThan(0.003);
    expect(knee.limitedBy).toContain('p99');
  });

  it('stops at the utilisation cap when it binds before the latency SLO', () => {
    const knee = findKnee(singleStationModel({ rateRps: 10, demand: exponential(0.01) }), {
      slos: [{ classId: 'req', statistic: 'mean', maxMs: 1000 }],
      maxUtilisation: 0.8,
    });
    expect(knee.totalRateRps).toBeCloseTo(80, 1);
    expect(knee.limitedBy).toContain('utilisation');
  });

  it('scales the whole mix of a multi-tier model and reports the binding constraint', () => {
    const knee = findKnee(threeTierModel(100), { slos: [{ classId: 'read', statistic: 'p99', maxMs: 600 }] });
    expect(knee.rateScale).toBeGreaterThan(0.5);
    expect(knee.rateScale).toBeLessThan(2);
    const p99 = knee.prediction.classes[0]!.percentiles!.p99S!;
    expect(p99).toBeLessThanOrEqual(0.6);
    expect(p99).toBeGreaterThan(0.59);
  });
});

import { describe, expect, it } from 'vitest';
import { assessGeneratorHealth, type GeneratorMeasurements } from './generator-health.ts';

const healthy: GeneratorMeasurements = {
  cpuCoreFraction: 0.2,
  eventLoopDelayP99Ms: 2,
  eventLoopDelayMaxMs: 5,
  intendedRateRps: 1000,
  achievedRateRps: 999,
  unservedRateRps: 0,
  completedRateRps: 998,
  sendLagP99Ms: 1.2,
  sendLagP999Ms: 3,
};

describe('assessGeneratorHealth', () => {
  it('passes a generator that kept up', () => {
    expect(assessGeneratorHealth(healthy)).toMatchObject({ valid: true, reasons: [] });
  });

  it('does not blame the generator for requests skipped by the in-flight cap', () => {
    expect(assessGeneratorHealth({ ...healthy, achievedRateRps: 300, unservedRateRps: 700 }).valid).toBe(true);
  });

  it('fails a generator whose rare stalls show only in the p99.9 send lag', () => {
    const health = assessGeneratorHealth({ ...healthy, sendLagP999Ms: 80 });
    expect(health.valid).toBe(false);
    expect(health.reasons).toEqual(['send lag p99.9 80 ms > 50 ms']);
  });

  it('can fail on the achieved rate: sends that slipped past the window end are missing from it', () => {
    const health = assessGeneratorHealth({ ...healthy, achievedRateRps: 800 });
    expect(health.valid).toBe(false);
    expect(health.reasons[0]).toMatch(/achieved 800 rps < 95%/);
  });

  it('marks the run invalid with one reason per broken threshold', () => {
    const health = assessGeneratorHealth({
      ...healthy,
      achievedRateRps: 900,
      sendLagP99Ms: 11,
      cpuCoreFraction: 0.95,
      eventLoopDelayP99Ms: 25,
    });
    expect(health.valid).toBe(false);
    expect(health.reasons).toHaveLength(4);
    expect(health.reasons.join('\n')).toMatch(/achieved 900 rps < 95% of the 1000 rps/);
    expect(health.reasons.join('\n')).toMatch(/send lag p99 11 ms/);
    expect(health.reasons.join('\n')).toMatch(/CPU 0.95/);
    expect(health.reasons.join('\n')).toMatch(/event-loop delay p99 25 ms/);
  });
});

import { describe, expect, it } from 'vitest';
import { FeedscaleError } from '../../lib/errors.ts';
import { createArrivalSchedule, meanRateRps, stepWindows, type ArrivalSpec } from './arrival-schedule.ts';

function drain(spec: ArrivalSpec, totalS: number): number[] {
  const schedule = createArrivalSchedule(spec, totalS);
  const out: number[] = [];
  for (let t = schedule.next(); t !== undefined; t = schedule.next()) out.push(t);
  return out;
}

describe('createArrivalSchedule', () => {
  it('spaces constant arrivals exactly 1/rate apart from t=0 and stops at the end', () => {
    const times = drain({ kind: 'constant', rateRps: 200 }, 3);
    expect(times).toHaveLength(600);
    expect(times[0]).toBe(0);
    expect(times[1]).toBe(5e6);
    expect(times[599]).toBeCloseTo(2.995e9, 0);
  });

  it('does not drift over a long constant run', () => {
    const times = drain({ kind: 'constant', rateRps: 3 }, 3600);
    expect(times).toHaveLength(10_800);
    expect(times[10_799]).toBeCloseTo(3599.6666666667e9, -1);
  });

  it('runs steps in order and holds the last rate until the end of the run', () => {
    const times = drain({ kind: 'steps', steps: [{ rateRps: 10, durationS: 1 }, { rateRps: 100, durationS: 1 }] }, 3);
    expect(times.filter((t) => t < 1e9)).toHaveLength(10);
    expect(times.filter((t) => t >= 1e9 && t < 2e9)).toHaveLength(100);
    expect(times.filter((t) => t >= 2e9)).toHaveLength(100);
    expect(times[10]).toBe(1e9);
  });

  it('cuts steps that run past the end of the run', () => {
    const times = drain({ kind: 'steps', steps: [{ rateRps: 10, durationS: 5 }, { rateRps: 100, durationS: 5 }] }, 2);
    expect(times).toHaveLength(20);
  });

  it('gives the same poisson arrivals for the same seed and different ones for another seed', () => {
    const a = drain({ kind: 'poisson', rateRps: 500, seed: 7 }, 10);
    const b = drain({ kind: 'poisson', rateRps: 500, seed: 7 }, 10);
    const c = drain({ kind: 'poisson', rateRps: 500, seed: 8 }, 10);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    // 5000 expected; a Poisson count has sd ~71.
    expect(a.length).toBeGreaterThan(4700);
    expect(a.length).toBeLessThan(5300);
    expect(a.every((t, i) => i === 0 || t > (a[i - 1] as number))).toBe(true);
  });

  it('names the broken field of an invalid spec', () => {
    expect(() => createArrivalSchedule({ kind: 'constant', rateRps: 0 }, 1)).toThrow(/arrival.rateRps must be a positive number/);
    expect(() => createArrivalSchedule({ kind: 'poisson', rateRps: 5, seed: 1.5 }, 1)).toThrow(/arrival.seed/);
    expect(() => createArrivalSchedule({ kind: 'steps', steps: [{ rateRps: 5, durationS: -1 }] }, 1)).toThrow(/steps\[0\].durationS/);
    expect(() => createArrivalSchedule({ kind: 'steps', steps: [] }, 1)).toThrow(FeedscaleError);
  });
});

describe('meanRateRps', () => {
  it('weights steps by their time inside the run', () => {
    expect(meanRateRps({ kind: 'steps', steps: [{ rateRps: 10, durationS: 1 }, { rateRps: 100, durationS: 1 }] }, 4)).toBeCloseTo(77.5);
    expect(meanRateRps({ kind: 'constant', rateRps: 42 }, 4)).toBe(42);
  });
});

describe('stepWindows', () => {
  it('lays steps end to end, holds the last until the end of the run and drops steps past it', () => {
    const steps = [
      { rateRps: 10, durationS: 1 },
      { rateRps: 20, durationS: 2 },
      { rateRps: 30, durationS: 1 },
    ];
    expect(stepWindows(steps, 6)).toEqual([
      { rateRps: 10, startNs: 0, endNs: 1e9 },
      { rateRps: 20, startNs: 1e9, endNs: 3e9 },
      { rateRps: 30, startNs: 3e9, endNs: 6e9 },
    ]);
    expect(stepWindows(steps, 2)).toEqual([
      { rateRps: 10, startNs: 0, endNs: 1e9 },
      { rateRps: 20, startNs: 1e9, endNs: 2e9 },
    ]);
  });

  it('agrees with the schedule on which step sends each arrival', () => {
    const spec = { kind: 'steps' as const, steps: [{ rateRps: 7, durationS: 1.5 }, { rateRps: 13, durationS: 1 }] };
    const windows = stepWindows(spec.steps, 4);
    const times = drain(spec, 4);
    const perWindow = windows.map((w) => times.filter((t) => t >= w.startNs && t < w.endNs).length);
    expect(perWindow).toEqual([11, 33]);
    expect(perWindow.reduce((a, b) => a + b, 0)).toBe(times.length);
  });
});

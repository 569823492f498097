import { describe, expect, it } from 'vitest';
import { exponential, visit } from '../testing/small-models.ts';
import { loadSimulationModel } from './load-simulation-model.ts';
import { modelAtTime, scaleModelRates } from './model-at-time.ts';

const model = loadSimulationModel({
  hosts: [{ id: 'box', cores: 1 }],
  stations: [{ id: 'app', tier: 'app', hostId: 'box' }],
  classes: [
    {
      id: 'r',
      rateRps: 10,
      steps: [{ kind: 'branch', id: 'cache', arms: [{ id: 'hit', probability: 0.9, steps: [] }, { id: 'miss', probability: 0.1, steps: [visit('app', exponential(0.01))] }] }],
    },
  ],
  schedule: [
    { atS: 100, kind: 'set-rate', classId: 'r', rateRps: 20 },
    { atS: 100, kind: 'set-branch', classId: 'r', branchId: 'cache', probabilities: [0, 1] },
    { atS: 200, kind: 'set-rate', classId: 'r', rateRps: 30 },
  ],
});

describe('modelAtTime and scaleModelRates', () => {
  it('applies the schedule events due by the given time and clears the schedule', () => {
    expect(modelAtTime(model, 50).classes[0]!.rateRps).toBe(10);
    const at150 = modelAtTime(model, 150);
    expect(at150.classes[0]!.rateRps).toBe(20);
    const branch = at150.classes[0]!.steps[0]!;
    expect(branch.kind === 'branch' && branch.arms.map((a) => a.probability)).toEqual([0, 1]);
    expect(modelAtTime(model, 1e9).classes[0]!.rateRps).toBe(30);
    expect(at150.schedule).toEqual([]);
  });

  it('scales every rate and every set-rate event by the same factor', () => {
    const scaled = scaleModelRates(model, 2);
    expect(scaled.classes[0]!.rateRps).toBe(20);
    expect(scaled.schedule.map((e) => (e.kind === 'set-rate' ? e.rateRps : null))).toEqual([40, null, 60]);
    expect(() => scaleModelRates(model, -1)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { exponential, visit } from '../testing/small-models.ts';
import { loadSimulationModel } from './load-simulation-model.ts';

const base = {
  hosts: [{ id: 'box', cores: 2 }],
  stations: [{ id: 'app', tier: 'app', hostId: 'box' }],
  classes: [{ id: 'r', rateRps: 10, steps: [visit('app', exponential(0.001))] }],
};

function issuesOf(input: unknown): string[] {
  try {
    loadSimulationModel(input);
  } catch (err) {
    if (isFeedscaleError(err) && err.code === 'CFG_ERR_INVALID') return [...err.details];
    throw err;
  }
  return [];
}

describe('loadSimulationModel', () => {
  it('fills defaults (threads 1, fcfs, replicas 1, count 1) and freezes the model', () => {
    const model = loadSimulationModel({ ...base, classes: [{ id: 'r', rateRps: 1, steps: [{ kind: 'visit', stationId: 'app', demand: exponential(0.001) }] }] });
    expect(model.stations[0]).toMatchObject({ threads: 1, discipline: 'fcfs' });
    expect(model.hosts[0]).toMatchObject({ replicas: 1, speedFactor: 1 });
    expect(model.classes[0]!.steps[0]).toMatchObject({ count: 1, delayHoldsThread: false });
    expect(Object.isFrozen(model.classes[0])).toBe(true);
  });

  it('reports every broken reference with its path', () => {
    const issues = issuesOf({
      hosts: [{ id: 'box', cores: 2 }],
      stations: [{ id: 'app', tier: 'app', hostId: 'nowhere' }],
      pools: [{ id: 'p', size: 1 }],
      classes: [
        { id: 'r', rateRps: 1, steps: [visit('ghost', exponential(0.001)), { kind: 'acquire', poolId: 'p' }, { kind: 'spawn', classId: 'nobody' }] },
        { id: 'r', rateRps: 1, steps: [] },
      ],
      schedule: [{ atS: 1, kind: 'set-rate', classId: 'missing', rateRps: 2 }],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        "/stations/0/hostId: unknown host 'nowhere'",
        "/classes/0/steps/0/stationId: unknown station 'ghost'",
        "/classes/0/steps/2/classId: unknown class 'nobody'",
        '/classes/0/steps: pool(s) never released: p',
        "/classes/1/id: duplicate id 'r'",
        "/schedule/0/classId: unknown class 'missing'",
      ]),
    );
  });

  it('rejects branch probabilities that do not sum to 1 and arms that leave a pool held', () => {
    const issues = issuesOf({
      ...base,
      pools: [{ id: 'p', size: 1 }],
      classes: [
        {
          id: 'r',
          rateRps: 1,
          steps: [
            {
              kind: 'branch',
              id: 'cache',
              arms: [
                { id: 'hit', probability: 0.5, steps: [] },
                { id: 'miss', probability: 0.4, steps: [{ kind: 'acquire', poolId: 'p' }] },
              ],
            },
          ],
        },
      ],
    });
    expect(issues.some((i) => i.includes('probabilities must sum to 1'))).toBe(true);
    expect(issues.some((i) => i.includes('must release every pool it acquires'))).toBe(true);
  });

  it('rejects spawn cycles and set-branch events with the wrong number of probabilities', () => {
    const issues = issuesOf({
      ...base,
      classes: [
        { id: 'a', rateRps: 1, steps: [{ kind: 'spawn', classId: 'b' }] },
        { id: 'b', rateRps: 0, steps: [{ kind: 'spawn', classId: 'a', count: 0.5 }] },
        { id: 'c', rateRps: 1, steps: [{ kind: 'branch', id: 'x', arms: [{ id: 'only', probability: 1, steps: [] }] }] },
      ],
      schedule: [{ atS: 1, kind: 'set-branch', classId: 'c', branchId: 'x', probabilities: [0.5, 0.5] }],
    });
    expect(issues.some((i) => i.includes('spawn cycle: a -> b -> a'))).toBe(true);
    expect(issues.some((i) => i.includes('needs 1 probabilities'))).toBe(true);
  });

  it('rejects a quantile table that does not run from p = 0 to p = 1', () => {
    const issues = issuesOf({
      ...base,
      classes: [{ id: 'r', rateRps: 1, steps: [visit('app', { kind: 'empirical-quantiles', quantiles: [{ p: 0.1, valueS: 0.001 }, { p: 0.9, valueS: 0.002 }] })] }],
    });
    expect(issues.some((i) => i.includes('must start at p = 0 and end at p = 1'))).toBe(true);
  });
});

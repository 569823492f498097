import { describe, expect, it } from 'vitest';
import { createArrivalSchedule, type ArrivalSchedule, type ArrivalSpec } from './arrival-schedule.ts';
import { checkPartition, globalIndexOf, partitionSchedule, partitionSource } from './partition.ts';
import type { RequestSource } from './request-source.ts';

function drain(schedule: ArrivalSchedule): number[] {
  const out: number[] = [];
  for (let t = schedule.next(); t !== undefined; t = schedule.next()) out.push(t);
  return out;
}

/** A source whose request i says i. */
function indexedSource(): RequestSource {
  let i = 0;
  return { next: () => ({ endpoint: 'x', method: 'GET', path: `/r/${i++}` }) };
}

const SPECS: [string, ArrivalSpec][] = [
  ['constant', { kind: 'constant', rateRps: 997 }],
  ['poisson', { kind: 'poisson', rateRps: 1000, seed: 42 }],
  ['steps', { kind: 'steps', steps: [{ rateRps: 300, durationS: 0.5 }, { rateRps: 1700, durationS: 0.7 }] }],
];

describe('partitionSchedule', () => {
  it.each(SPECS)('gives every arrival of a %s schedule to exactly one of W generators, at its own intended start', (_name, spec) => {
    const whole = drain(createArrivalSchedule(spec, 2));
    expect(whole.length).toBeGreaterThan(1000);
    for (const count of [1, 2, 3, 5]) {
      const seen = new Array<number | undefined>(whole.length).fill(undefined);
      for (let index = 0; index < count; index++) {
        const part = drain(partitionSchedule(createArrivalSchedule(spec, 2), { index, count }));
        part.forEach((t, k) => {
          const i = globalIndexOf({ index, count }, k);
          expect(seen[i]).toBeUndefined();
          seen[i] = t;
        });
      }
      // Every index exactly once, with bit-identical intended starts.
      expect(seen).toEqual(whole);
    }
  });

  it('ends a partition whose next arrival falls past the end, even mid-skip', () => {
    const part = drain(partitionSchedule(createArrivalSchedule({ kind: 'constant', rateRps: 10 }, 1), { index: 3, count: 4 }));
    expect(part).toEqual([0.3e9, 0.7e9]);
  });
});

describe('partitionSource', () => {
  it('hands generator w request i for its arrival i, so W generators send each request exactly once', () => {
    const count = 3;
    const sent = new Map<number, number>();
    for (let index = 0; index < count; index++) {
      const source = partitionSource(indexedSource(), { index, count });
      for (let k = 0; k < 100; k++) {
        const i = Number(source.next().path.split('/')[2]);
        expect(i).toBe(globalIndexOf({ index, count }, k));
        sent.set(i, (sent.get(i) ?? 0) + 1);
      }
    }
    expect([...sent.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
  });

  it('is the source itself for one generator', () => {
    const source = indexedSource();
    expect(partitionSource(source, { index: 0, count: 1 })).toBe(source);
  });
});

describe('checkPartition', () => {
  it('names the rule a bad partition breaks', () => {
    expect(() => checkPartition({ index: 2, count: 2 })).toThrow(/partition.index must be an integer from 0 to count - 1 = 1 \(got 2\)/);
    expect(() => checkPartition({ index: 0, count: 0 })).toThrow(/partition.count must be an integer from 1 to 64/);
    expect(() => checkPartition({ index: 0.5, count: 2 })).toThrow(/partition.index/);
  });
});

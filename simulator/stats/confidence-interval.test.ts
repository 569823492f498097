import { describe, expect, it } from 'vitest';
import { tInterval } from './confidence-interval.ts';

describe('tInterval', () => {
  it('gives mean ± t·s/√n over replications', () => {
    const ci = tInterval([1, 2, 3, 4, 5]);
    expect(ci.mean).toBe(3);
    expect(ci.halfWidth).toBeCloseTo((2.7764 * Math.sqrt(2.5)) / Math.sqrt(5), 3);
    expect(ci.low).toBeCloseTo(3 - ci.halfWidth!, 12);
  });

  it('reports no half-width for one replication and refuses none', () => {
    expect(tInterval([7])).toEqual({ mean: 7, halfWidth: null, low: null, high: null, replications: 1 });
    expect(() => tInterval([])).toThrow(RangeError);
  });
});

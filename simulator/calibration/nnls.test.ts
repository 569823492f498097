import { describe, expect, it } from 'vitest';
import { nnls } from './nnls.ts';

describe('nnls', () => {
  it('recovers non-negative coefficients of an exact linear system', () => {
    const a = [
      [1, 10, 200],
      [1, 30, 100],
      [1, 60, 900],
      [1, 90, 50],
    ];
    const x = [0.5, 0.02, 0.001];
    const b = a.map((row) => row.reduce((s, v, j) => s + v * x[j]!, 0));
    const fit = nnls(a, b);
    fit.x.forEach((v, j) => expect(v).toBeCloseTo(x[j]!, 9));
    expect(fit.rmsResidual).toBeLessThan(1e-12);
  });

  it('sets a coefficient to 0 where least squares would make it negative', () => {
    // b falls as the second column rises: the unconstrained slope is negative.
    const a = [
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    const fit = nnls(a, [3, 2, 1]);
    expect(fit.x[1]).toBe(0);
    expect(fit.x[0]).toBeCloseTo(2, 9);
  });

  it('with a ridge, splits the load between columns the data cannot tell apart', () => {
    const a = [
      [1, 1],
      [2, 2],
      [3, 3],
    ];
    const fit = nnls(a, [2, 4, 6], { ridge: 1e-6 });
    expect(fit.x[0]).toBeCloseTo(1, 3);
    expect(fit.x[1]).toBeCloseTo(1, 3);
  });
});

import { describe, expect, it } from 'vitest';
import { normalCdf } from './normal.ts';
import { studentTCdf, studentTQuantile } from './student-t.ts';

describe('normal and Student t distributions', () => {
  it('normalCdf matches the standard table to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-2.326347874)).toBeCloseTo(0.01, 7);
  });

  it('studentTQuantile reproduces the t table (df 1, 4, 9, 30)', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 4);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.2622, 4);
    expect(studentTQuantile(0.95, 30)).toBeCloseTo(1.6973, 4);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.7764, 4);
    expect(studentTCdf(2.7764, 4)).toBeCloseTo(0.975, 4);
  });
});

import { describe, expect, it } from 'vitest';
import { FLOOR, RELATIVE_NOTABLE_CHANGE, scoreOf, withinRepeatNoise } from './attribution-rules.ts';

describe('scoreOf', () => {
  const relative = { kind: 'relative', change: RELATIVE_NOTABLE_CHANGE, floor: FLOOR.ratePerS } as const;

  it('counts an absolute difference in steps', () => {
    expect(scoreOf({ kind: 'absolute', step: 0.05 }, 0, 0.736)).toBeCloseTo(14.72, 9);
  });

  it('counts a relative difference in compounding steps of its threshold, either way round', () => {
    // 2x at a 25% threshold: ln 2 / ln 1.25.
    expect(scoreOf(relative, 200, 100)).toBeCloseTo(3.106, 3);
    expect(scoreOf(relative, 100, 200)).toBeCloseTo(3.106, 3);
  });

  it('scores nothing below the floor, and counts floors from zero', () => {
    expect(scoreOf(relative, 9, 1)).toBe(0);
    expect(scoreOf(relative, 30, 0)).toBe(3);
  });
});

describe('withinRepeatNoise', () => {
  it('holds only when both sides have two repeats and their ranges overlap', () => {
    const metric = (perRepeat: number[]) => ({ mean: 0, perRepeat });
    expect(withinRepeatNoise(metric([0.6, 0.8]), metric([0.76, 0.8]))).toBe(true);
    expect(withinRepeatNoise(metric([0.5, 0.55]), metric([0.76, 0.8]))).toBe(false);
    expect(withinRepeatNoise(metric([0.8]), metric([0.76, 0.8]))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { counterDelta, counterTotal, mapIntervals, ratePerS, ratio } from './rates.ts';

describe('counter arithmetic', () => {
  it('takes the growth of a counter between two reads', () => {
    expect(counterDelta(100, 130)).toBe(30);
  });

  it('treats a smaller second read as a reset and counts the new value as growth', () => {
    expect(counterDelta(500, 20)).toBe(20);
  });

  it('divides growth by the real seconds between samples, not by the nominal interval', () => {
    expect(ratePerS(10, 40, 1.5)).toBe(20);
    expect(ratePerS(10, 40, 0)).toBe(0);
  });

  it('gives a null ratio when the denominator is zero', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(0, 0)).toBeNull();
  });

  it('sums growth interval by interval so a restart mid-run keeps what came before', () => {
    const samples = [0, 50, 100, 10, 30].map((value, i) => ({ tS: i, value }));
    expect(counterTotal(samples, (v) => v)).toBe(100 + 30);
  });

  it('maps consecutive pairs with the elapsed seconds and the time of the later sample', () => {
    const samples = [
      { tS: 0, value: 1 },
      { tS: 1, value: 3 },
      { tS: 3, value: 9 },
    ];
    expect(mapIntervals(samples, (a, b, elapsedS, tS) => [b - a, elapsedS, tS])).toEqual([
      [2, 1, 1],
      [6, 2, 3],
    ]);
    expect(mapIntervals([{ tS: 0, value: 1 }], () => 1)).toEqual([]);
  });
});
